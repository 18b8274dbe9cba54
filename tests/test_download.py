"""The download path for real: a local HTTP server on 127.0.0.1 plays the Keras host."""

from __future__ import annotations

import hashlib
import http.server
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import mnist_course.data as data
from mnist_course import DownloadError, InputError, load_mnist
from mnist_course.data import download_mnist


class Server:
    """Serves ``body`` at /mnist.npz; ``cut_after`` bytes simulates a dropped connection."""

    def __init__(self, body: bytes) -> None:
        self.body, self.cut_after, self.requests = body, None, 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests += 1
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
