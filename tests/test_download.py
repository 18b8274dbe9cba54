"""The download path for real: a local HTTP server on 127.0.0.1 plays the Keras host."""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import io
import os
import re
import socket
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

import mnist_course.data.download as download
import mnist_course.data.loading as data
from mnist_course import DownloadError, InputError, load_mnist, set_language
from mnist_course.data.loading import download_mnist
from mnist_course.files import TEMP_PREFIX


class Server:
    """Serves ``body`` at /mnist.npz; ``cut_after`` bytes simulates a dropped connection.

    ``answer``, when set, writes the whole answer instead: a server that misbehaves.
    """

    def __init__(self, body: bytes) -> None:
        self.body, self.cut_after, self.requests = body, None, 0
        self.answer: Callable[[Server, http.server.BaseHTTPRequestHandler], None] | None = None
        self.closing = threading.Event()  # ends the answers that wait
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests += 1
                if outer.answer is not None:
                    with contextlib.suppress(OSError):  # the client hung up: as it should
                        outer.answer(outer, self)
                    self.close_connection = True
                    return
                if self.path != "/mnist.npz":
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(outer.body)))
                self.end_headers()
                self.wfile.write(outer.body[: outer.cut_after])
                self.wfile.flush()
                self.close_connection = True

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/mnist.npz"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.closing.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def served(npz_path: Path) -> Iterator[tuple[Server, str]]:
    body = npz_path.read_bytes()
    server = Server(body)
    yield server, hashlib.sha256(body).hexdigest()
    server.close()


def cache_files(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir()) if cache.exists() else []


def test_good_download_lands_in_the_cache(served, tmp_path) -> None:
    server, sha = served
    path = download_mnist(server.url, sha, cache_dir=tmp_path / "cache")
    assert path == tmp_path / "cache" / "mnist.npz"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
    assert cache_files(tmp_path / "cache") == ["mnist.npz"]
    # a second call trusts the verified cache and asks the server nothing
    download_mnist(server.url, sha, cache_dir=tmp_path / "cache")
    assert server.requests == 1


def test_load_mnist_downloads_into_the_keras_cache(
    served, tiny_mnist, tmp_path, monkeypatch
) -> None:
    server, sha = served
    monkeypatch.setattr(data, "MNIST_URL", server.url)
    monkeypatch.setattr(data, "MNIST_SHA256", sha)
    (x_train, _), (_, y_test) = load_mnist()
    np.testing.assert_array_equal(x_train, tiny_mnist["x_train"])
    np.testing.assert_array_equal(y_test, tiny_mnist["y_test"])
    assert (tmp_path / "keras_home" / "datasets" / "mnist.npz").is_file()


def test_wrong_checksum_is_refused_and_not_kept(served, tmp_path) -> None:
    server, _ = served
    cache = tmp_path / "cache"
    with pytest.raises(DownloadError, match="sha256 .* not the expected"):
        download_mnist(server.url, "0" * 64, cache_dir=cache)
    assert cache_files(cache) == []


def test_corrupted_cached_file_is_downloaded_again(served, tmp_path) -> None:
    server, sha = served
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "mnist.npz").write_bytes(b"half a file")
    download_mnist(server.url, sha, cache_dir=cache)
    assert hashlib.sha256((cache / "mnist.npz").read_bytes()).hexdigest() == sha


def test_transfer_that_stops_half_way(served, tmp_path) -> None:
    server, sha = served
    cache = tmp_path / "cache"
    server.cut_after = len(server.body) // 2
    with pytest.raises(DownloadError) as info:
        download_mnist(server.url, sha, cache_dir=cache)
    assert "MNIST_COURSE_DATA" in str(info.value)
    assert cache_files(cache) == []
    server.cut_after = None  # the next attempt works
    assert download_mnist(server.url, sha, cache_dir=cache).is_file()


def test_unreachable_server_says_both_ways_to_fix_it(tmp_path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DownloadError) as info:
        download_mnist(
            f"http://127.0.0.1:{port}/mnist.npz", "0" * 64, cache_dir=tmp_path / "c", timeout=5
        )
    message = str(info.value)
    assert "connect to the internet" in message and "load_mnist(path=" in message
    assert "MNIST_COURSE_DATA" in message
    assert cache_files(tmp_path / "c") == []


def test_http_error_status(served, tmp_path) -> None:
    server, sha = served
    with pytest.raises(DownloadError, match="Not Found"):
        download_mnist(server.url.replace("mnist.npz", "other.npz"), sha, cache_dir=tmp_path / "c")
    assert cache_files(tmp_path / "c") == []


def test_cache_folder_that_cannot_be_created(served, tmp_path) -> None:
    server, sha = served
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(DownloadError, match="KERAS_HOME"):
        download_mnist(server.url, sha, cache_dir=blocker / "cache")


# --------------------------------------------------------------------------- mirrors


def test_a_mirror_with_the_wrong_file_is_refused_and_the_next_one_used(
    served, tmp_path, npz_path
) -> None:
    server, sha = served
    wrong = tmp_path / "wrong.npz"
    wrong.write_bytes(b"an error page from a proxy")
    cache = tmp_path / "cache"
    with pytest.warns(data.DownloadWarning, match=r"wrong.npz has sha256 .* Trying the next"):
        path = download_mnist(
            sha256=sha, cache_dir=cache, mirrors=[wrong.as_uri(), npz_path.as_uri(), server.url]
        )
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
    assert cache_files(cache) == ["mnist.npz"]
    assert server.requests == 0  # the second mirror served it: the third was never asked


def test_mirrors_come_from_the_environment_before_the_default(
    served, tiny_mnist, tmp_path, monkeypatch
) -> None:
    server, sha = served
    monkeypatch.setattr(data, "MNIST_URL", "http://127.0.0.1:9/never-asked.npz")
    monkeypatch.setattr(data, "MNIST_SHA256", sha)
    monkeypatch.setenv(data.MIRRORS_ENV_VAR, f"  {server.url}\n{server.url} ")
    assert data.mirror_urls() == [server.url, "http://127.0.0.1:9/never-asked.npz"]
    (x_train, _), _ = load_mnist()
    np.testing.assert_array_equal(x_train, tiny_mnist["x_train"])
    assert server.requests == 1


def test_load_mnist_takes_mirrors_as_an_argument(served, tiny_mnist, monkeypatch) -> None:
    server, sha = served
    monkeypatch.setattr(data, "MNIST_URL", "http://127.0.0.1:9/never-asked.npz")
    monkeypatch.setattr(data, "MNIST_SHA256", sha)
    (_, _), (_, y_test) = load_mnist(mirrors=server.url)
    np.testing.assert_array_equal(y_test, tiny_mnist["y_test"])


def test_when_every_address_fails_each_is_named(served, tmp_path) -> None:
    server, sha = served
    missing = (tmp_path / "missing.npz").as_uri()
    with pytest.warns(data.DownloadWarning), pytest.raises(DownloadError) as info:
        download_mnist(
            server.url, "0" * 64, cache_dir=tmp_path / "c", mirrors=[missing, server.url + "?2"]
        )
    lines = str(info.value).splitlines()
    assert lines[0] == "Could not download MNIST from any of the 3 addresses tried:"
    assert lines[1].startswith(f"Could not download MNIST from {missing} (")
    assert lines[2] == f"Could not download MNIST from {server.url}?2 (Not Found)."
    assert lines[3].startswith(f"The file downloaded from {server.url} has sha256")
    assert "MNIST_COURSE_MIRRORS" in lines[4]
    assert cache_files(tmp_path / "c") == []


@pytest.mark.parametrize("bad", ["mirror.example.com/mnist.npz", "/data/mnist.npz", 42])
def test_a_mirror_that_is_not_an_address(bad, tmp_path) -> None:
    with pytest.raises(InputError, match="is not an address starting with https://"):
        download_mnist(cache_dir=tmp_path / "c", mirrors=[bad])


def test_download_messages_in_chinese(served, tmp_path) -> None:
    import mnist_course as mc

    server, _ = served
    mc.set_language("zh")
    with pytest.raises(DownloadError) as info:
        download_mnist(server.url, "0" * 64, cache_dir=tmp_path / "c")
    assert str(info.value).startswith(f"从 {server.url} 下载的文件 sha256 为 ")
    assert "解决办法：连上网络后重试" in str(info.value)


# --------------------------------------------------------------------------- hostile servers
# A tiny stand-in for mnist.npz, with its own checksum and size cap, so that each server's
# misbehaviour shows in a fraction of a second.

BODY = bytes(range(256)) * 20  # 5,120 bytes
CAP = 6_000
PREVIOUS = b"the copy already in the cache, which a failed download must leave alone"


@pytest.fixture
def hostile() -> Iterator[Server]:
    server = Server(BODY)
    yield server
    server.close()


def send_headers(handler: http.server.BaseHTTPRequestHandler, length: int | None) -> None:
    handler.send_response(200)
    if length is not None:
        handler.send_header("Content-Length", str(length))
    handler.end_headers()


def in_chunks(count: int, pause: float) -> Callable[[Server, object], None]:
    """The whole file, in ``count`` pieces ``pause`` seconds apart."""

    def answer(server: Server, handler: http.server.BaseHTTPRequestHandler) -> None:
        send_headers(handler, len(BODY))
        size = -(-len(BODY) // count)
        for start in range(0, len(BODY), size):
            handler.wfile.write(BODY[start : start + size])
            if server.closing.wait(pause):
                return

    return answer


def trickle_headers(server: Server, handler: http.server.BaseHTTPRequestHandler) -> None:
    handler.wfile.write(b"HTTP/1.0 200 OK\r\nX-Slow: ")
    for _ in range(40):  # a header a byte at a time: 4 s before the body
        handler.wfile.write(b"z")
        if server.closing.wait(0.1):
            return
    handler.wfile.write(f"\r\nContent-Length: {len(BODY)}\r\n\r\n".encode() + BODY)


def stall(server: Server, handler: http.server.BaseHTTPRequestHandler) -> None:
    send_headers(handler, len(BODY))
    handler.wfile.write(BODY[:1000])
    server.closing.wait(10)


def silent(server: Server, handler: http.server.BaseHTTPRequestHandler) -> None:
    server.closing.wait(10)  # accepts the connection and the request, answers nothing


def truncate(server: Server, handler: http.server.BaseHTTPRequestHandler) -> None:
    send_headers(handler, len(BODY))
    handler.wfile.write(BODY[:2000])  # then closes


def flood(length: int | None) -> Callable[[Server, object], None]:
    """Bytes until the client hangs up (5 s at most), announcing ``length`` if given."""

    def answer(server: Server, handler: http.server.BaseHTTPRequestHandler) -> None:
        send_headers(handler, length)
        end = time.monotonic() + 5
        while time.monotonic() < end and not server.closing.is_set():
            handler.wfile.write(b"x" * 4096)

    return answer


def wrong_bytes(server: Server, handler: http.server.BaseHTTPRequestHandler) -> None:
    send_headers(handler, len(BODY))
    handler.wfile.write(BODY[::-1])


def assert_cache_untouched(cache: Path) -> None:
    assert cache_files(cache) == ["mnist.npz"], "a temporary file was left behind"
    assert not any(name.startswith(TEMP_PREFIX) for name in cache_files(cache))
    assert (cache / "mnist.npz").read_bytes() == PREVIOUS


HOSTILE = {
    # name: (answer, download_mnist's limits, the English, the start of the Chinese)
    "trickle": (
        in_chunks(10, 0.2),  # 2 s for the whole file: each piece in time, the sum too slow
        {"timeout": 1, "deadline": 0.6},
        r"was too slow: its deadline of 0.6 s passed after [\d,]+ of 5,120 bytes\. On a slow "
        r"connection, allow more time: "
        r"mnist_course\.data\.loading\.download_mnist\(deadline=1800\)",
        "从 {url} 下载 MNIST 太慢了：0.6 秒的时限已过，共 5,120 字节只收到 ",
    ),
    "trickled headers": (
        trickle_headers,
        {"timeout": 1, "deadline": 0.6},
        r"was too slow: its deadline of 0.6 s passed after 0 bytes\.",
        "从 {url} 下载 MNIST 太慢了：0.6 秒的时限已过，只收到 0 字节。",
    ),
    "stall": (
        stall,
        {"timeout": 0.3, "deadline": 5},
        r"stalled: no data for 0.3 s after 1,000 of 5,120 bytes\.",
        "从 {url} 下载 MNIST 时卡住了：共 5,120 字节，收到 1,000 字节后 0.3 秒没有新数据。",
    ),
    "silent": (
        silent,
        {"timeout": 0.3, "deadline": 5},
        r"Could not download MNIST from \S+ \(no answer within 0.3 s\)\.",
        "无法从 {url} 下载 MNIST（0.3 秒内没有应答）。",
    ),
    "truncated": (
        truncate,
        {"timeout": 1, "deadline": 5},
        r"stopped after 2000 of 5120 bytes\.",
        "从 {url} 下载 MNIST 时中断了：共 5120 字节，只收到 2000 字节。",
    ),
    "oversize announced": (
        flood(300_000_000),
        {"timeout": 1, "deadline": 5},
        r"announces a file of 300,000,000 bytes, more than the 6,000 an MNIST download may "
        r"have: it is not MNIST, so it was not downloaded\.",
        "{url} 声明文件有 300,000,000 字节，超过了 MNIST 下载最多允许的 6,000 字节",
    ),
    "oversize unannounced": (
        flood(None),
        {"timeout": 1, "deadline": 5},
        r"The download from \S+ went past 6,000 bytes, more than an MNIST download may have: "
        r"it is not MNIST, so it was stopped and discarded\.",
        "从 {url} 下载的数据超过了 6,000 字节",
    ),
    "wrong bytes": (
        wrong_bytes,
        {"timeout": 1, "deadline": 5},
        r"has sha256 [0-9a-f]{64}, not the expected",
        "从 {url} 下载的文件 sha256 为 ",
    ),
}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_server_is_given_up_on_cleanly(case, lang, hostile, tmp_path) -> None:
    answer, limits, english, chinese = HOSTILE[case]
    set_language(lang)
    hostile.answer = answer
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "mnist.npz").write_bytes(PREVIOUS)
    sha = hashlib.sha256(BODY).hexdigest()
    start = time.monotonic()
    with pytest.raises(DownloadError) as info:
        download_mnist(hostile.url, sha, cache, max_bytes=CAP, progress=False, **limits)
    elapsed = time.monotonic() - start
    assert elapsed < limits["deadline"] + 1, f"gave up after {elapsed:.1f} s"
    message = str(info.value)
    assert hostile.url in message and "MNIST_COURSE_DATA" in message  # where, and the fix
    assert_cache_untouched(cache)
    if lang == "en":
        assert re.search(english, message), message
    else:
        assert message.startswith(chinese.format(url=hostile.url)), message
        assert "解决办法：" in message


def test_the_size_cap_is_mnists_size_and_a_little(tmp_path) -> None:
    assert data.MNIST_BYTES < data.MAX_DOWNLOAD_BYTES < 1.2 * data.MNIST_BYTES
    big = tmp_path / "big.npz"  # a file:// mirror is capped too, by the size it announces
    big.write_bytes(b"\0" * (data.MAX_DOWNLOAD_BYTES + 1))
    with pytest.raises(DownloadError, match=r"announces a file of 12,639,478 bytes"):
        download_mnist(big.as_uri(), cache_dir=tmp_path / "c", progress=False)
    assert cache_files(tmp_path / "c") == []


def test_each_address_has_its_own_deadline(hostile, tmp_path) -> None:
    slow, quick = in_chunks(10, 0.2), in_chunks(2, 0.2)
    hostile.answer = lambda server, handler: (slow if "slow" in handler.path else quick)(
        server, handler
    )
    sha = hashlib.sha256(BODY).hexdigest()
    with pytest.warns(data.DownloadWarning, match="too slow.* Trying the next address"):
        path = download_mnist(
            hostile.url,
            sha,
            tmp_path / "c",
            mirrors=[hostile.url + "?slow"],
            deadline=0.5,
            max_bytes=CAP,
            progress=False,
        )
    assert path.read_bytes() == BODY  # the second address had 0.5 s of its own
    assert cache_files(tmp_path / "c") == ["mnist.npz"]


def test_ctrl_c_during_a_download_leaves_nothing(hostile, tmp_path, monkeypatch) -> None:
    hostile.answer = in_chunks(10, 0.05)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "mnist.npz").write_bytes(PREVIOUS)

    def press_ctrl_c(self, received: int, total: int | None, final: bool = False) -> None:
        if not final:  # the first piece has been written to the temporary file
            raise KeyboardInterrupt

    monkeypatch.setattr(download._Progress, "update", press_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        download_mnist(hostile.url, hashlib.sha256(BODY).hexdigest(), cache, max_bytes=CAP)
    assert_cache_untouched(cache)


def test_a_temporary_file_left_by_a_killed_download_is_removed(tmp_path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "mnist.npz").write_bytes(PREVIOUS)
    # process ids stop at 2**22 on Linux: this one is gone, as a killed kernel is
    leftover = cache / f"{TEMP_PREFIX}999999999-abcd.npz"
    leftover.write_bytes(b"")
    os.utime(leftover, (time.time() - 3700,) * 2)  # an hour old: not a writer at work
    missing = (tmp_path / "missing.npz").as_uri()
    with pytest.raises(DownloadError):
        download_mnist(missing, "0" * 64, cache, progress=False)
    assert_cache_untouched(cache)


# --------------------------------------------------------------------------- progress


@pytest.fixture(autouse=True)
def _progress_at_once(request, monkeypatch) -> None:
    """Progress from the first byte, so that these quick local downloads show some."""
    if "keeps_the_delay" not in request.node.name:
        monkeypatch.setattr(download, "PROGRESS_DELAY", 0.0)


def test_a_quick_download_keeps_the_delay_and_shows_nothing(hostile, tmp_path, capsys) -> None:
    hostile.answer = in_chunks(8, 0.01)
    download_with_progress(hostile, tmp_path)  # well under PROGRESS_DELAY
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    hostile.answer = in_chunks(8, 0.3)  # 2.4 s: longer than the delay
    download_with_progress(hostile, tmp_path / "slow")
    assert "Downloading MNIST" in capsys.readouterr().err


def download_with_progress(server: Server, tmp_path: Path, **kwargs: object) -> Path:
    sha = hashlib.sha256(BODY).hexdigest()
    return download_mnist(server.url, sha, tmp_path / "c", max_bytes=CAP, **kwargs)


def test_progress_in_a_log_is_a_line_a_quarter(hostile, tmp_path, capsys) -> None:
    hostile.answer = in_chunks(8, 0.05)
    download_with_progress(hostile, tmp_path)
    lines = capsys.readouterr().err.splitlines()
    assert 1 <= len(lines) <= 4, lines
    host = hostile.url.split("/")[2]
    assert (
        lines[-1] == f"[####################] Downloading MNIST: 0.0 of 0.0 MB (100%) from {host}"
    )


def test_no_progress_when_asked_for_none(hostile, tmp_path, capsys) -> None:
    hostile.answer = in_chunks(8, 0.05)
    download_with_progress(hostile, tmp_path, progress=False)
    assert capsys.readouterr() == ("", "")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_is_one_line_redrawn(hostile, tmp_path, monkeypatch) -> None:
    hostile.answer = in_chunks(4, 0.3)
    monkeypatch.setattr(sys, "stderr", Terminal())
    download_with_progress(hostile, tmp_path)
    shown = sys.stderr.getvalue()
    assert shown.count("\n") == 1 and shown.endswith("\n"), shown
    # each piece is shown as it arrives (25%, 50%, 75%, 100%), not only the end
    assert len(set(re.findall(r"\((\d+)%\)", shown))) >= 3, shown
    assert "] Downloading MNIST: " in shown.split("\r")[1]
    assert "(100%) from 127.0.0.1:" in shown.split("\r")[-1]


def test_progress_in_a_notebook_is_one_output_updated(hostile, tmp_path, monkeypatch) -> None:
    display_module = pytest.importorskip("IPython.display")
    shown: list[tuple[str, str]] = []

    class Handle:
        def update(self, obj: dict[str, str], raw: bool = False) -> None:
            assert raw
            shown.append(("update", obj["text/plain"]))

    def display(obj: dict[str, str], raw: bool = False, display_id: object = None) -> Handle:
        assert raw and display_id is True
        shown.append(("display", obj["text/plain"]))
        return Handle()

    import IPython

    kernel = types.SimpleNamespace(kernel=object())  # what a notebook's shell has
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    monkeypatch.setattr(IPython, "get_ipython", lambda: kernel)
    monkeypatch.setattr(display_module, "display", display)
    hostile.answer = in_chunks(4, 0.25)
    download_with_progress(hostile, tmp_path)
    assert [kind for kind, _ in shown][:2] == ["display", "update"], shown
    assert {kind for kind, _ in shown[1:]} == {"update"}
    assert "(100%) from 127.0.0.1:" in shown[-1][1]


def test_progress_speaks_the_course_language(hostile, tmp_path, capsys) -> None:
    hostile.answer = in_chunks(1, 0)
    set_language("zh")
    download_with_progress(hostile, tmp_path)
    assert "正在下载 MNIST：0.0 / 0.0 MB（100%），来自 127.0.0.1:" in capsys.readouterr().err
