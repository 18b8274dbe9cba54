"""Write a file so that it is either complete or not there: the course's one atomic write.

Everything the course writes (IDX files, the MNIST download, saved models) goes through
:func:`atomic_path`, so an interrupted write never leaves a half-written file under the
name a later run would trust, and never replaces a good file with a broken one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "TEMP_PREFIX"]

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
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


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
