"""Files the course writes and reads: the one atomic write, and the one safe open.

Everything the course writes (IDX files, the MNIST download, saved models) goes through
:func:`atomic_path`, so an interrupted write never leaves a half-written file under the
name a later run would trust, and never replaces a good file with a broken one.
Everything it reads from a user's path (pictures, MNIST files) is opened with
:func:`open_regular_file`, which never waits on a pipe or a device and says what a path
that is not a file is.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from .language import tr

__all__ = [
    "COURSE_ROOT",
    "atomic_path",
    "TEMP_PREFIX",
    "open_regular_file",
    "file_kind",
    "shown_path",
]

# The course's folder when the package runs from a clone of it (None when installed).
_HERE = Path(__file__).resolve().parents[1]
COURSE_ROOT: Path | None = (
    _HERE if (_HERE / "notebooks").is_dir() and (_HERE / "pyproject.toml").is_file() else None
)

# Short and independent of the target's name, so a long (valid) file name cannot make the
# temporary name too long; the process id lets a later write tell a stale file from a live one.
TEMP_PREFIX = ".mnist_course-"


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` if the block succeeds.

    The temporary file has the same suffix as ``path`` (Keras insists on ``.keras``). If the
    block raises (or is interrupted), the temporary file is removed and ``path`` is left as
    it was. Failing to remove it never hides the original error.

    Raises
    ------
    OSError
        The folder is missing or not writable (raised before the block runs).
    """
    path = Path(path)
    _remove_stale(path.parent, path.suffix)
    handle, name = tempfile.mkstemp(
        dir=path.parent, prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=path.suffix
    )
    os.close(handle)
    tmp = Path(name)
    # mkstemp makes the file private (0600); give it what a plain open() would have given,
    # or keep the mode of the file it replaces
    try:
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask()
        os.chmod(tmp, mode)
    except OSError:
        pass
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _remove_stale(folder: Path, suffix: str) -> None:
    """Remove temporary files left by writers that were killed (their process is gone)."""
    with contextlib.suppress(OSError):
        for leftover in folder.glob(f"{TEMP_PREFIX}*{suffix}"):
            pid = leftover.name[len(TEMP_PREFIX) :].split("-", 1)[0]
            if pid.isdigit() and not _alive(int(pid)):
                with contextlib.suppress(OSError):
                    leftover.unlink()


def _alive(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":
        return True  # on Windows os.kill would end the process, not probe it: keep the file
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists but belongs to someone else, or we cannot tell: leave it
    return True


def open_regular_file(path: Path, *, what: str, error: type[Exception]) -> BinaryIO:
    """Open ``path`` for reading if it is a regular, non-empty file.

    Never waits on a named pipe or a device (it is opened without blocking, then checked).

    Parameters
    ----------
    path : pathlib.Path
    what : str
        What the file should have been, for messages: "an image file", "an MNIST file".
    error : type of Exception
        Raised, with a message that says what ``path`` is instead.

    Raises
    ------
    FileNotFoundError
        Nothing at ``path`` (and it is no broken symbolic link): the caller says so its way.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        if path.is_symlink():
            raise error(
                tr(
                    "{path}: a symbolic link to {target}, which does not exist.",
                    path=path,
                    target=os.readlink(path),
                )
            ) from None
        raise
    except IsADirectoryError:
        raise error(
            tr("{path}: is {kind}, not {what}.", path=path, kind=tr("a folder"), what=what)
        ) from None
    except PermissionError:
        raise error(tr("{path}: permission denied (the file cannot be read).", path=path)) from None
    except OSError as problem:
        if problem.errno == errno.ELOOP:
            raise error(
                tr("{path}: a symbolic link loop (the link leads back to itself).", path=path)
            ) from None
        raise error(
            tr(
                "{path}: cannot be opened ({reason}).",
                path=path,
                reason=problem.strerror or problem,
            )
        ) from None
    try:
        info = os.fstat(fd)
        kind = file_kind(info.st_mode)
        if kind:
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
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return tr("a folder")
    if stat.S_ISFIFO(mode):
        return tr("a named pipe (FIFO)")
    if stat.S_ISCHR(mode):
        return tr("a character device (a device file, like /dev/zero)")
    if stat.S_ISBLK(mode):
        return tr("a block device (a disk)")
    if stat.S_ISSOCK(mode):
        return tr("a socket")
    return tr("not a regular file")


def shown_path(path: str | os.PathLike[str]) -> str:
    """``path`` as printed for a learner: relative to the course folder, or from ``~``.

    What the notebooks print is committed and read on other machines, so it never names this
    machine's folders: a path in the course folder is shown relative to it
    (``models/lenet.keras``), one beside it from the course's parent (``../data/mnist.npz``),
    one in the home folder as ``~/...``; any other path in full.
    """
    full = Path(os.path.abspath(os.fspath(path)))
    bases: list[tuple[Path, str]] = []
    if COURSE_ROOT is not None:
        bases.append((COURSE_ROOT, ""))
    bases.append((Path.home(), "~/"))
    if COURSE_ROOT is not None and COURSE_ROOT.parent != COURSE_ROOT.parent.parent:
        bases.append((COURSE_ROOT.parent, "../"))  # beside the course, not beside "/"
    for base, prefix in bases:
        try:
            inside = full.relative_to(base)
        except ValueError:
            continue
        return (prefix + inside.as_posix()) or "."
    return str(full)
