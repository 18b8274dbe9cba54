"""The setup check's look at MNIST: where load_mnist will take it from, and will it work.

Cheap checks only (it never downloads; it may ask the download servers for headers): the
path given, ``$MNIST_COURSE_DATA``, the Keras cache (checksum verified), or the download
(from ``$MNIST_COURSE_MIRRORS`` first, then the Keras address).
"""

from __future__ import annotations

import os
import threading
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

from ..data import loading as data
from ..data.loading import ENV_VAR, IDX_FILES, MIRRORS_ENV_VAR, keras_cache_folder, sha256_of
from ..errors import DataFileError, InputError
from ..files import open_regular_file, shown_path
from ..language import tr
from .report import OK, PROBLEM, WARNING, Finding, Probe

__all__ = ["check_data", "probe"]

# The four arrays of a Keras-layout mnist.npz, as stored in the zip archive.
_NPZ_MEMBERS = ("x_train.npy", "y_train.npy", "x_test.npy", "y_test.npy")


def check_data(path: str | os.PathLike[str] | None, timeout: float, probe: Probe) -> Finding:
    name = "MNIST data"
    if path is not None:
        return _check_data_path(Path(path).expanduser(), tr("the path you gave"))
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return _check_data_path(Path(env).expanduser(), f"${ENV_VAR}")
    cache = keras_cache_folder() / "mnist.npz"
    shown = shown_path(cache)
    if cache.is_file():
        try:
            intact = sha256_of(cache) == data.MNIST_SHA256  # read now: tests point it at their file
        except OSError as error:
            return Finding(
                name,
                PROBLEM,
                tr(
                    "the Keras cache {shown} cannot be read ({error})",
                    shown=shown,
                    error=error.strerror or error,
                ),
                tr("check its permissions, or delete it so that it is downloaded again"),
            )
        if intact:
            return Finding(
                name, OK, tr("from the Keras cache: {shown} (checksum verified)", shown=shown)
            )
        damaged = tr(
            "the Keras cache {shown} is damaged (wrong checksum): it will be downloaded again",
            shown=shown,
        )
    else:
        damaged = ""
    try:
        urls = data.mirror_urls()  # $MNIST_COURSE_MIRRORS first, then the Keras address
    except InputError as error:
        return Finding(
            name,
            PROBLEM,
            str(error),
            tr("correct or unset {mirrors_env_var}", mirrors_env_var=MIRRORS_ENV_VAR),
        )
    url, reasons = None, []
    for candidate in urls:  # the first that answers is the one load_mnist would use
        reason = probe(candidate, timeout)
        if reason is None:
            url = candidate
            break
        reasons.append(reason if len(urls) == 1 else f"{candidate}: {reason}")
    if url is None:
        return Finding(
            name,
            PROBLEM,
            (
                damaged + "; but "
                if damaged
                else tr("no copy in the Keras cache ({shown}), and ", shown=shown)
            )
            + (
                tr("the download server cannot be reached: ")
                if len(urls) == 1
                else tr("no download address can be reached: ")
            )
            + "; ".join(reasons),
            tr(
                "connect to the internet and run this check again; or copy mnist.npz "
                "from a machine that has it and set {env_var}=/path/to/mnist.npz (before "
                "starting JupyterLab, e.g. `MNIST_COURSE_DATA=/path/to/mnist.npz make "
                "lab`); or list addresses of copies you can reach in {mirrors_env_var}",
                env_var=ENV_VAR,
                mirrors_env_var=MIRRORS_ENV_VAR,
            ),
        )
    folder = _writable_folder(cache.parent)
    if folder is not None:
        return Finding(
            name,
            PROBLEM,
            tr(
                "MNIST would be downloaded into {folder}, but {target} is not writable",
                folder=shown_path(cache.parent),
                target=shown_path(folder),
            ),
            tr(
                "set KERAS_HOME to a writable folder (MNIST goes in its datasets/ "
                "folder), or set {env_var} to a copy of mnist.npz",
                env_var=ENV_VAR,
            ),
        )
    if damaged:
        return Finding(name, WARNING, damaged + tr(" from {url} (11 MB, reachable)", url=url))
    return Finding(
        name,
        OK,
        tr(
            "not downloaded yet: the first load_mnist() downloads it (11 MB) from "
            "{url} (reachable) into {folder}",
            url=url,
            folder=shown_path(cache.parent),
        ),
    )


def _check_data_path(path: Path, origin: str) -> Finding:
    """Check that ``path`` looks like MNIST: cheap checks only; load_mnist checks the data."""
    name = "MNIST data"
    where = f"{origin}: {shown_path(path)}"
    if origin.startswith("$"):
        fix = tr(
            "set {env_var} to the path of a Keras-layout mnist.npz or of a folder "
            "with the four IDX files, or unset it (`unset {env_var}`) so that MNIST "
            "is downloaded",
            env_var=ENV_VAR,
        )
    else:
        fix = tr("give the path of a Keras-layout mnist.npz or of a folder with the four IDX files")
    if not path.exists():
        return Finding(name, PROBLEM, tr("{where}, which does not exist", where=where), fix)
    if path.is_dir():
        missing = [
            stem
            for stem in IDX_FILES.values()
            if not any(
                (path / f"{n}{gz}").is_file()
                for n in (stem, stem.replace("-idx", ".idx", 1))
                for gz in ("", ".gz")
            )
        ]
        if missing:
            return Finding(
                name,
                PROBLEM,
                tr("{where}: a folder without {missing}", where=where, missing=", ".join(missing)),
                fix,
            )
        return Finding(name, OK, tr("{where} (a folder with the four IDX files)", where=where))
    try:
        # never waits on a pipe or reads a device: says what the path is instead
        with open_regular_file(path, what=tr("an .npz file"), error=DataFileError) as file:
            members = set(zipfile.ZipFile(file).namelist())
    except DataFileError as error:
        return Finding(name, PROBLEM, str(error), fix)
    except (OSError, zipfile.BadZipFile) as error:
        return Finding(
            name,
            PROBLEM,
            tr("{where}, which is not an .npz archive ({error})", where=where, error=error),
            tr("download it again; or {fix}", fix=fix),
        )
    missing = [m[:-4] for m in _NPZ_MEMBERS if m not in members]
    if missing:
        return Finding(
            name,
            PROBLEM,
            tr(
                "{where}: an .npz without the arrays {missing}",
                where=where,
                missing=", ".join(missing),
            ),
            fix,
        )
    size = path.stat().st_size / 1e6
    return Finding(name, OK, f"{where} ({size:.0f} MB)")


def _writable_folder(folder: Path) -> Path | None:
    """None if ``folder`` exists and is writable or could be created; else the culprit."""
    probe = folder
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if probe.is_dir() and os.access(probe, os.W_OK | os.X_OK):
        return None
    return probe


def probe(url: str, timeout: float) -> str | None:
    """Ask ``url`` for its headers (HEAD): None if it answers, else why not.

    Runs in a daemon thread joined for ``timeout`` seconds, so that a name lookup, which
    has no timeout of its own, cannot hold the check up either.
    """
    outcome: list[str | None] = []

    def ask() -> None:
        request = urllib.request.Request(url, method="HEAD")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status = getattr(response, "status", None) or 200  # file:// has none
                outcome.append(None if status < 400 else f"HTTP {status}")
        except urllib.error.HTTPError as error:
            outcome.append(f"HTTP {error.code} {error.reason}")
        except urllib.error.URLError as error:
            outcome.append(str(error.reason))
        except Exception as error:
            outcome.append(f"{type(error).__name__}: {error}")

    thread = threading.Thread(target=ask, name="mnist-course-doctor-probe", daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    if not outcome:
        return tr(
            "no answer from {host} in {timeout:g} s",
            host=urllib.parse.urlparse(url).hostname,
            timeout=timeout,
        )
    return outcome[0]
