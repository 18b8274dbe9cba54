"""Fetch one address into a file and give up cleanly: time limits, a size cap, progress.

:func:`mnist_course.data.download_mnist` decides where MNIST comes from and where it goes;
:func:`fetch` moves the bytes of one address, and no server can hold it:

* ``timeout`` bounds each wait: for the server to answer, then for the next data (a stall);
* ``deadline`` bounds the whole transfer. A socket timeout bounds each wait, not their sum,
  so a server that trickles a byte a second would never time out: a timer shuts the
  connection down when the deadline passes, even in the middle of the headers;
* ``max_bytes`` bounds the size: a larger announced length is refused before anything is
  read, and a stream is cut as soon as it goes past.

A failure is returned as English sentences naming the address and what happened; the
caller adds how to fix it, and raises.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import shutil
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from ..language import N_, tr

__all__ = ["fetch"]

_BLOCK = 1 << 16
# Seconds before progress is shown: a download that ends sooner shows nothing, so a fast
# connection leaves no output behind (a notebook cell's output is compared by nbval).
PROGRESS_DELAY = 1.5


def fetch(
    url: str,
    part: Path,
    *,
    sha256: str,
    timeout: float,
    deadline: float,
    max_bytes: int,
    progress: bool,
) -> str | None:
    """Download ``url`` into ``part``; None if it has checksum ``sha256``, else what failed.

    Parameters
    ----------
    url : str
        The address (``https://``, ``http://``, ``ftp://``, ``file://``).
    part : pathlib.Path
        The file to write; what it holds after a failure is for the caller to discard.
    sha256 : str
        The expected checksum, lower-case hex.
    timeout : float
        Seconds to wait for the server to answer, and then for each next piece of data.
    deadline : float
        Seconds for the whole transfer.
    max_bytes : int
        The most bytes the file may have.
    progress : bool
        Show how much has arrived (see :class:`_Progress`).

    Returns
    -------
    str or None
        None if the file arrived whole with checksum ``sha256``; else what went wrong.
    """
    digest, received, total, answered = hashlib.sha256(), 0, None, False
    shown = _Progress(url) if progress else None
    watch = _Watch(deadline)
    try:
        # a connection cannot take longer than the deadline either
        waits = min(timeout, deadline)
        with watch, part.open("wb") as file, watch.open(url, waits) as response:
            answered, total = True, _length(response)
            if total is not None and total > max_bytes:
                return tr(
                    "{url} announces a file of {total:,} bytes, more than the {limit:,} an "
                    "MNIST download may have: it is not MNIST, so it was not downloaded.",
                    url=url,
                    total=total,
                    limit=max_bytes,
                )
            # read1 returns what has arrived; read(n) would wait for all n bytes of a trickle
            read = getattr(response, "read1", response.read)
            while block := read(min(_BLOCK, max_bytes + 1 - received)):
                received += len(block)
                if received > max_bytes:
                    return tr(
                        "The download from {url} went past {limit:,} bytes, more than an MNIST "
                        "download may have: it is not MNIST, so it was stopped and discarded.",
                        url=url,
                        limit=max_bytes,
                    )
                digest.update(block)
                file.write(block)
                if shown:
                    shown.update(received, total)
                if watch.expired:  # file:// and ftp:// have no socket for the timer to cut
                    break
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
        reason = getattr(error, "reason", None) or error
        if watch.expired:  # whatever the cut connection raised, the deadline is the cause
            return _too_slow(url, deadline, received, total)
        if isinstance(reason, TimeoutError) and not answered:
            return tr(
                "Could not download MNIST from {url} ({reason}).",
                url=url,
                reason=tr("no answer within {seconds:g} s", seconds=timeout),
            )
        if isinstance(reason, TimeoutError) and total is not None:
            return tr(
                "The MNIST download from {url} stalled: no data for {seconds:g} s after "
                "{received:,} of {total:,} bytes.",
                url=url,
                seconds=timeout,
                received=received,
                total=total,
            )
        if isinstance(reason, TimeoutError):
            return tr(
                "The MNIST download from {url} stalled: no data for {seconds:g} s after "
                "{received:,} bytes.",
                url=url,
                seconds=timeout,
                received=received,
            )
        return tr("Could not download MNIST from {url} ({reason}).", url=url, reason=reason)
    finally:
        if shown:
            shown.close(received, total)
    whole = total is None or received == total
    if whole and digest.hexdigest() == sha256:
        return None  # even if the deadline passed as the last byte came: the file is right
    if watch.expired:  # a cut connection can look like the end of the file
        return _too_slow(url, deadline, received, total)
    if not whole:
        return tr(
            "The MNIST download from {url} stopped after {received} of {expected} bytes.",
            url=url,
            received=received,
            expected=total,
        )
    return tr(
        "The file downloaded from {url} has sha256 {actual}, not the expected "
        "{expected}: it is corrupt or not MNIST, so it was discarded.",
        url=url,
        actual=digest.hexdigest(),
        expected=sha256,
    )


def _too_slow(url: str, deadline: float, received: int, total: int | None) -> str:
    if total is None:
        said = tr(
            "The MNIST download from {url} was too slow: its deadline of {deadline:g} s passed "
            "after {received:,} bytes.",
            url=url,
            deadline=deadline,
            received=received,
        )
    else:
        said = tr(
            "The MNIST download from {url} was too slow: its deadline of {deadline:g} s passed "
            "after {received:,} of {total:,} bytes.",
            url=url,
            deadline=deadline,
            received=received,
            total=total,
        )
    return said + " " + tr(SLOW)


SLOW = N_(
    "On a slow connection, allow more time: "
    "mnist_course.data.loading.download_mnist(deadline=1800), then load_mnist()."
)


def _length(response: Any) -> int | None:
    """The announced size (Content-Length), or None when absent or not a number."""
    value = (response.headers.get("Content-Length") or "").strip()
    return int(value) if value.isdigit() else None


class _Watch:
    """Cuts the connections of one transfer when its deadline passes.

    The sockets are learnt from urllib's own handlers (:class:`_Watched`), so proxies and
    HTTPS work as with ``urlopen``. Shutting a socket down ends a read blocked on it at
    once, in any thread, which closing it would not.
    """

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds
        self.cut = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._cut_all)
        self._timer.daemon = True

    def __enter__(self) -> _Watch:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    @property
    def expired(self) -> bool:
        return self.cut or time.monotonic() >= self.end

    def open(self, url: str, timeout: float) -> Any:
        opener = urllib.request.build_opener(_WatchedHTTP(self), _WatchedHTTPS(self))
        return opener.open(url, timeout=timeout)

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.cut:  # connected just as the deadline passed
                _shut(sock)

    def _cut_all(self) -> None:
        with self._lock:
            self.cut = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        # the plain socket's shutdown, under TLS too: TLS's own would unwrap it mid-read
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watched:
    """Mixed into urllib's HTTP(S) handlers: hands each socket they connect to a watch."""

    def __init__(self, watch: _Watch) -> None:
        super().__init__()
        self.watch = watch

    def do_open(self, http_class: type, req: urllib.request.Request, **kwargs: Any) -> Any:
        watch = self.watch

        class Connection(http_class):  # type: ignore[misc, valid-type]
            def connect(self) -> None:
                super().connect()
                watch.add(self.sock)

        return super().do_open(Connection, req, **kwargs)  # type: ignore[misc]


class _WatchedHTTP(_Watched, urllib.request.HTTPHandler):
    pass


class _WatchedHTTPS(_Watched, urllib.request.HTTPSHandler):
    pass


class _Progress:
    """How much of a download has arrived, where the learner looks.

    On a terminal, one line on stderr redrawn in place; in a notebook, one output updated in
    place; elsewhere (a log, a pipe) a line at each quarter, so as not to flood it. Nothing
    is shown in the first ``PROGRESS_DELAY`` seconds.
    """

    def __init__(self, url: str) -> None:
        self.host = urllib.parse.urlsplit(url).netloc or url
        self.stream, self.mode, self.drawn, self.quarter = sys.stderr, "lines", 0.0, 0
        self.handle: Any = None
        self.started = False
        self.born = time.monotonic()
        if _in_notebook():
            self.mode = "notebook"
        elif _isatty(sys.stderr):
            self.mode = "terminal"

    def text(self, received: int, total: int | None) -> str:
        if not total:
            return tr(
                "Downloading MNIST: {done:.1f} MB from {host}", host=self.host, done=received / 1e6
            )
        bar = "#" * min(20, 20 * received // total)
        return f"[{bar:.<20}] " + tr(
            "Downloading MNIST: {done:.1f} of {total:.1f} MB ({share:.0%}) from {host}",
            host=self.host,
            done=received / 1e6,
            total=total / 1e6,
            share=received / total,
        )

    def update(self, received: int, total: int | None, final: bool = False) -> None:
        if not self.started and time.monotonic() - self.born < PROGRESS_DELAY:
            return  # quick: done (or failed) before anyone waits for news
        if final and not self.started and not received:
            return  # failed before any data: the error says it all
        self.started = True
        if self.mode == "lines":
            quarter = 4 * received // total if total else 0
            if quarter > self.quarter or (final and not quarter):
                self.quarter = quarter
                print(self.text(received, total), file=self.stream, flush=True)
            return
        now = time.monotonic()
        if now - self.drawn < 0.2 and not final:
            return  # redraw five times a second at most: a notebook sends each one
        self.drawn = now
        if self.mode == "terminal":
            # a line longer than the terminal wraps, and \r would only go back to its end
            width = shutil.get_terminal_size().columns - 1
            self.stream.write(f"\r{self.text(received, total)[:width]:<{width}}")
            self.stream.flush()
        elif self.handle is None:
            from IPython.display import display

            plain = {"text/plain": self.text(received, total)}
            self.handle = display(plain, raw=True, display_id=True)
        else:
            self.handle.update({"text/plain": self.text(received, total)}, raw=True)

    def close(self, received: int, total: int | None) -> None:
        """Show where it stopped; on a terminal, end the line so that what follows starts anew."""
        self.update(received, total, final=True)
        if self.mode == "terminal" and self.started:
            self.stream.write("\n")
            self.stream.flush()


def _in_notebook() -> bool:
    """Whether a Jupyter kernel runs this code (not only whether ipykernel was imported:
    pytest's notebook plugin imports it too)."""
    if "ipykernel" not in sys.modules or "IPython" not in sys.modules:
        return False  # checked first so that a plain script never imports IPython
    shell = sys.modules["IPython"].get_ipython()
    return getattr(shell, "kernel", None) is not None


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or closed
        return False
