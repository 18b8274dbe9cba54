"""Fetch one address into a file, and give up cleanly: ``timeout`` bounds each wait,
``deadline`` the whole transfer (a timer shuts the connection down: a trickle never times
out), ``max_bytes`` the size."""

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

# Seconds before progress is shown: a quick download leaves no output (nbval compares it).
PROGRESS_DELAY = 1.5
SLOW = N_(
    "On a slow connection, allow more time: "
    "mnist_course.data.loading.download_mnist(deadline=1800), then load_mnist()."
)


def fetch(
    url: str,
    part: Path,
    sha256: str,
    timeout: float,
    deadline: float,
    max_bytes: int,
    progress: bool,
) -> str | None:
    """Download ``url`` into ``part`` (for the caller to discard after a failure); return
    None if it arrived whole with checksum ``sha256`` (lower-case hex), else what went wrong."""
    digest, received, total, answered = hashlib.sha256(), 0, None, False
    if not _resolves(url, min(timeout, deadline)):
        reason = tr(
            "looking up its address took more than {seconds:g} s", seconds=min(timeout, deadline)
        )
        return tr("Could not download MNIST from {url} ({reason}).", url=url, reason=reason)
    shown = _Progress(url) if progress else None
    watch = _Watch(deadline)
    try:
        # a connection cannot take longer than the deadline either
        with part.open("wb") as file, watch.open(url, min(timeout, deadline)) as response:
            answered = True
            length = (response.headers.get("Content-Length") or "").strip()
            total = int(length) if length.isdigit() else None
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
            while block := read(min(1 << 16, max_bytes + 1 - received)):
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
        facts = {"url": url, "seconds": timeout, "received": received, "total": total}
        if watch.expired:  # whatever the cut connection raised, the deadline is the cause
            return _too_slow(url, deadline, received, total)
        if isinstance(reason, TimeoutError) and not answered:
            reason = tr("no answer within {seconds:g} s", seconds=timeout)
        elif isinstance(reason, TimeoutError) and total is not None:
            return tr(
                "The MNIST download from {url} stalled: no data for {seconds:g} s after "
                "{received:,} of {total:,} bytes.",
                **facts,
            )
        elif isinstance(reason, TimeoutError):
            return tr(
                "The MNIST download from {url} stalled: no data for {seconds:g} s after "
                "{received:,} bytes.",
                **facts,
            )
        return tr("Could not download MNIST from {url} ({reason}).", url=url, reason=reason)
    finally:
        watch.timer.cancel()
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


def _resolves(url: str, seconds: float) -> bool:
    """Whether ``url``'s host name is looked up (found or not) within ``seconds``: a lookup has
    no timeout of its own, so it runs in a daemon thread that is left behind if it hangs."""
    try:
        host = urllib.parse.urlsplit(url).hostname
    except ValueError:
        return True  # an unreadable address: urllib says what is wrong with it
    if not host:
        return True  # file://
    done = threading.Event()

    def look_up() -> None:
        with contextlib.suppress(OSError, UnicodeError):
            socket.getaddrinfo(host, None)
        done.set()

    threading.Thread(target=look_up, name="mnist-course-lookup", daemon=True).start()
    return done.wait(seconds)


def _too_slow(url: str, deadline: float, received: int, total: int | None) -> str:
    facts = {"url": url, "deadline": deadline, "received": received, "total": total}
    if total is None:
        said = tr(
            "The MNIST download from {url} was too slow: its deadline of {deadline:g} s passed "
            "after {received:,} bytes.",
            **facts,
        )
    else:
        said = tr(
            "The MNIST download from {url} was too slow: its deadline of {deadline:g} s passed "
            "after {received:,} of {total:,} bytes.",
            **facts,
        )
    return f"{said} {tr(SLOW)}"


class _Watch:
    """Shuts down the sockets of one transfer when its deadline passes (which ends a blocked
    read at once, as closing would not); urllib's own handlers hand the sockets over."""

    def __init__(self, seconds: float) -> None:
        self.end, self.cut, self.lock = time.monotonic() + seconds, False, threading.Lock()
        self.sockets: list[socket.socket] = []
        self.timer = threading.Timer(seconds, self.add)
        self.timer.daemon = True
        self.timer.start()

    @property
    def expired(self) -> bool:
        return self.cut or time.monotonic() >= self.end

    def add(self, sock: socket.socket | None = None) -> None:
        """Watch ``sock``; with none, the deadline has passed: cut them all."""
        with self.lock:
            if sock is None:
                self.cut = True
            else:
                self.sockets.append(sock)
            for each in self.sockets if self.cut else ():
                with contextlib.suppress(OSError):  # already closed
                    # the plain socket's shutdown, under TLS too: TLS's own would unwrap it
                    socket.socket.shutdown(each, socket.SHUT_RDWR)

    def open(self, url: str, timeout: float) -> Any:
        watch = self

        class Watched:  # mixed into urllib's HTTP(S) handlers, it hands their sockets over
            def do_open(self, http_class: type, req: Any, **kwargs: Any) -> Any:
                class Connection(http_class):  # type: ignore[misc, valid-type]
                    def connect(self) -> None:
                        super().connect()
                        watch.add(self.sock)

                return super().do_open(Connection, req, **kwargs)  # type: ignore[misc]

        handlers = [urllib.request.HTTPHandler, urllib.request.HTTPSHandler]
        opener = urllib.request.build_opener(*(type("", (Watched, h), {}) for h in handlers))
        return opener.open(url, timeout=timeout)


class _Progress:
    """How much has arrived, after ``PROGRESS_DELAY`` seconds: redrawn in place on a terminal
    or in a notebook; elsewhere (a log, a pipe) a line at each quarter."""

    def __init__(self, url: str) -> None:
        self.host = urllib.parse.urlsplit(url).netloc or url
        self.stream, self.handle, self.drawn, self.quarter = sys.stderr, None, 0.0, 0
        self.started, self.born = False, time.monotonic()
        # a kernel runs this (nbval only imports ipykernel); a plain script never imports IPython
        kernel = None
        if "ipykernel" in sys.modules and "IPython" in sys.modules:
            kernel = getattr(sys.modules["IPython"].get_ipython(), "kernel", None)
        try:
            tty = self.stream.isatty()
        except (AttributeError, ValueError):  # no isatty, or closed
            tty = False
        self.mode = "notebook" if kernel is not None else "terminal" if tty else "lines"

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
        # quick, or failed before any data (the error says it all): nothing to show
        waited = time.monotonic() - self.born >= PROGRESS_DELAY
        if not self.started and (not waited or final and not received):
            return
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
        shown = {"text/plain": self.text(received, total)}
        if self.mode == "terminal":
            # a line longer than the terminal wraps, and \r would only go back to its end
            width = shutil.get_terminal_size().columns - 1
            self.stream.write(f"\r{shown['text/plain'][:width]:<{width}}")
            self.stream.flush()
        elif self.handle is None:
            from IPython.display import display

            self.handle = display(shown, raw=True, display_id=True)
        else:
            self.handle.update(shown, raw=True)

    def close(self, received: int, total: int | None) -> None:
        """Show where it stopped; on a terminal, end the line."""
        self.update(received, total, final=True)
        if self.mode == "terminal" and self.started:
            self.stream.write("\n")
            self.stream.flush()
