"""Files: the one atomic write (:func:`atomic_path`), the one safe open of a user's path
(:func:`open_regular_file`), and paths as shown to a learner (:func:`shown_path`)."""

import contextlib
import errno
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from .language import tr

# The course's folder when the package runs from a clone of it (None when installed).
COURSE_ROOT: Path | None = Path(__file__).resolve().parents[1]
if not ((COURSE_ROOT / "notebooks").is_dir() and (COURSE_ROOT / "pyproject.toml").is_file()):
    COURSE_ROOT = None
# Short, so a long file name cannot make the temporary name too long; the process id that
# follows it lets a later write tell a stale file from a live one.
TEMP_PREFIX = ".mnist_course-"


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` (same suffix, as Keras insists on ``.keras``);
    rename it over ``path`` if the block succeeds, else remove it and leave ``path`` as it was.
    Raises OSError before the block runs if the folder is missing or not writable."""
    path = Path(path)
    _remove_stale(path.parent, path.suffix)
    handle, name = tempfile.mkstemp(
        dir=path.parent, prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=path.suffix
    )
    os.close(handle)
    tmp = Path(name)
    # mkstemp makes the file private (0600): give it the mode of the file it replaces, or
    # what a plain open() would have given
    with contextlib.suppress(OSError):
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~umask)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def _remove_stale(folder: Path, suffix: str) -> None:
    # temporary files left by writers that were killed (their process is gone)
    if os.name == "nt":  # there os.kill would end the process, not probe it: keep the files
        return
    with contextlib.suppress(OSError):
        for leftover in folder.glob(f"{TEMP_PREFIX}*{suffix}"):
            pid = leftover.name[len(TEMP_PREFIX) :].split("-", 1)[0]
            if not pid.isdigit() or int(pid) == os.getpid():
                continue
            # A folder shared between machines (a JupyterHub home) holds other machines'
            # writers, whose process ids mean nothing here: only a file an hour old is stale.
            if time.time() - leftover.stat().st_mtime < 3600:
                continue
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                with contextlib.suppress(OSError):
                    leftover.unlink()
            except OSError:
                pass  # exists but belongs to someone else, or we cannot tell: leave it


def open_regular_file(path: Path, *, what: str, error: type[Exception]) -> BinaryIO:
    """Open ``path`` for reading if it is a regular, non-empty file, never waiting on a pipe;
    else raise ``error`` saying what it is instead of ``what`` ("an image file"). Nothing at
    ``path`` (and no broken link) is a FileNotFoundError, for the caller to word."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        if not path.is_symlink():
            raise
        target = os.readlink(path)
        message = tr(
            "{path}: a symbolic link to {target}, which does not exist.", path=path, target=target
        )
        raise error(message) from None
    except PermissionError:
        raise error(tr("{path}: permission denied (the file cannot be read).", path=path)) from None
    except OSError as problem:  # a folder opens on POSIX: fstat below names it
        if problem.errno == errno.ELOOP:
            message = tr("{path}: a symbolic link loop (the link leads back to itself).", path=path)
        else:
            reason = problem.strerror or problem
            message = tr("{path}: cannot be opened ({reason}).", path=path, reason=reason)
        raise error(message) from None
    try:
        info = os.fstat(fd)
        if kind := file_kind(info.st_mode):
            raise error(tr("{path}: is {kind}, not {what}.", path=path, kind=kind, what=what))
        if info.st_size == 0:
            raise error(tr("{path}: is empty (the file has 0 bytes).", path=path))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def file_kind(mode: int) -> str | None:
    """What a file that is not a regular file is, in words; None for a regular file."""
    kinds = {
        stat.S_IFREG: None,
        stat.S_IFDIR: tr("a folder"),
        stat.S_IFIFO: tr("a named pipe (FIFO)"),
        stat.S_IFCHR: tr("a character device (a device file, like /dev/zero)"),
        stat.S_IFBLK: tr("a block device (a disk)"),
        stat.S_IFSOCK: tr("a socket"),
    }
    return kinds.get(stat.S_IFMT(mode), tr("not a regular file"))


def shown_path(path: str | os.PathLike[str]) -> str:
    """``path`` as shown to a learner, never naming this machine's folders: relative to the
    course (``models/m.keras``), its parent (``../data``) or home (``~/...``), else in full."""
    full = Path(os.path.abspath(os.fspath(path)))
    bases = [(Path.home(), "~/")]
    if COURSE_ROOT is not None:
        bases.insert(0, (COURSE_ROOT, ""))
        if COURSE_ROOT.parent != COURSE_ROOT.parent.parent:  # beside the course, not "/"
            bases.append((COURSE_ROOT.parent, "../"))
    for base, prefix in bases:
        if full.is_relative_to(base):
            return (prefix + full.relative_to(base).as_posix()) or "."
    return str(full)
