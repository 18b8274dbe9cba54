"""Where load_mnist will take MNIST from, and will it work: the path given,
``$MNIST_COURSE_DATA``, the Keras cache, or the download. It never downloads."""

import os
import threading
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

from ..data import loading as data
from ..data.loading import ENV_VAR, IDX_FILES, MIRRORS_ENV_VAR, NPZ_KEYS
from ..errors import DataFileError, InputError, MnistCourseError
from ..files import open_regular_file, shown_path
from ..language import tr
from .report import OK, PROBLEM, WARNING, Finding, Probe

NAME = "MNIST data"


def check_data(path: str | os.PathLike[str] | None, timeout: float, probe: Probe) -> Finding:
    """The "MNIST data" finding: from ``path``, else as :func:`load_mnist` would find it."""
    if path is not None:
        return _check_data_path(Path(path).expanduser(), tr("the path you gave"))
    if env := os.environ.get(ENV_VAR, "").strip():
        return _check_data_path(Path(env).expanduser(), f"${ENV_VAR}")
    cache = data.keras_cache_folder() / "mnist.npz"
    shown, folder = shown_path(cache), shown_path(cache.parent)
    damaged = ""
    if cache.is_file():
        try:  # data.MNIST_SHA256 read now: tests point it at theirs
            intact = data.sha256_of(cache) == data.MNIST_SHA256
        except OSError as error:
            why = error.strerror or error
            found = tr("the Keras cache {shown} cannot be read ({error})", shown=shown, error=why)
            fix = tr("check its permissions, or delete it so that it is downloaded again")
            return Finding(NAME, PROBLEM, found, fix)
        if intact:
            found = tr("from the Keras cache: {shown} (checksum verified)", shown=shown)
            return Finding(NAME, OK, found)
        damaged = tr(
            "the Keras cache {shown} is damaged (wrong checksum): it will be downloaded again",
            shown=shown,
        )
    try:
        urls = data.mirror_urls()  # $MNIST_COURSE_MIRRORS first, then the Keras address
    except InputError as error:
        fix = tr("correct or unset {mirrors_env_var}", mirrors_env_var=MIRRORS_ENV_VAR)
        return Finding(NAME, PROBLEM, str(error), fix)
    reasons = []
    for url in urls:  # the first that answers is the one load_mnist would use
        if (reason := probe(url, timeout)) is None:
            break
        reasons.append(reason if len(urls) == 1 else f"{url}: {reason}")
    else:
        nothing = tr("no copy in the Keras cache ({shown}), and ", shown=shown)
        found = damaged + "; but " if damaged else nothing
        if len(urls) == 1:
            found += tr("the download server cannot be reached: ")
        else:
            found += tr("no download address can be reached: ")
        fix = tr(
            "connect to the internet and run this check again; or copy mnist.npz "
            "from a machine that has it and set {env_var}=/path/to/mnist.npz (before "
            "starting JupyterLab, e.g. `MNIST_COURSE_DATA=/path/to/mnist.npz make "
            "lab`); or list addresses of copies you can reach in {mirrors_env_var}",
            env_var=ENV_VAR,
            mirrors_env_var=MIRRORS_ENV_VAR,
        )
        return Finding(NAME, PROBLEM, found + "; ".join(reasons), fix)
    target = cache.parent  # the folder in the way: the first that exists, if not writable
    while not target.exists() and target.parent != target:
        target = target.parent
    if not (target.is_dir() and os.access(target, os.W_OK | os.X_OK)):
        found = tr(
            "MNIST would be downloaded into {folder}, but {target} is not writable",
            folder=folder,
            target=shown_path(target),
        )
        fix = tr(
            "set KERAS_HOME to a writable folder (MNIST goes in its datasets/ "
            "folder), or set {env_var} to a copy of mnist.npz",
            env_var=ENV_VAR,
        )
        return Finding(NAME, PROBLEM, found, fix)
    if damaged:
        return Finding(NAME, WARNING, damaged + tr(" from {url} (11 MB, reachable)", url=url))
    found = tr(
        "not downloaded yet: the first load_mnist() downloads it (11 MB) from "
        "{url} (reachable) into {folder}",
        url=url,
        folder=folder,
    )
    return Finding(NAME, OK, found)


def _check_data_path(path: Path, origin: str) -> Finding:
    """Cheap checks that ``path`` looks like MNIST; load_mnist checks the data."""
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
        return Finding(NAME, PROBLEM, tr("{where}, which does not exist", where=where), fix)
    if path.is_dir():

        def present(stem: str) -> bool:  # also with ".idx" for "-idx", and gzipped
            names = (stem, stem.replace("-idx", ".idx", 1))
            return any((path / f"{n}{gz}").is_file() for n in names for gz in ("", ".gz"))

        if missing := ", ".join(stem for stem in IDX_FILES.values() if not present(stem)):
            found = tr("{where}: a folder without {missing}", where=where, missing=missing)
            return Finding(NAME, PROBLEM, found, fix)
        return _loads(path, fix) or Finding(
            NAME, OK, tr("{where} (a folder with the four IDX files)", where=where)
        )
    try:  # never waits on a pipe or reads a device: says what the path is instead
        with open_regular_file(path, what=tr("an .npz file"), error=DataFileError) as file:
            members = set(zipfile.ZipFile(file).namelist())
    except DataFileError as error:
        return Finding(NAME, PROBLEM, str(error), fix)
    except (OSError, zipfile.BadZipFile) as error:
        found = tr("{where}, which is not an .npz archive ({error})", where=where, error=error)
        return Finding(NAME, PROBLEM, found, tr("download it again; or {fix}", fix=fix))
    members = {
        name.removesuffix(".npy") for name in members
    }  # np.savez adds it; load_mnist need not
    if missing := ", ".join(key for key in NPZ_KEYS if key not in members):
        found = tr("{where}: an .npz without the arrays {missing}", where=where, missing=missing)
        return Finding(NAME, PROBLEM, found, fix)
    return _loads(path, fix) or Finding(NAME, OK, f"{where} ({path.stat().st_size / 1e6:.0f} MB)")


def _loads(path: Path, fix: str) -> Finding | None:
    """A problem if load_mnist refuses ``path`` (the arrays' shapes, dtypes, labels), else None:
    the doctor vouches only for data the course will load (about 0.2 s for MNIST)."""
    try:
        data.load_mnist(path)
    except MnistCourseError as error:
        return Finding(NAME, PROBLEM, str(error), fix)
    return None


def probe(url: str, timeout: float) -> str | None:
    """Ask ``url`` for its headers (HEAD): None if it answers below HTTP 400, else why not.

    The request runs in a daemon thread joined for ``timeout`` seconds, so that a name lookup,
    which has no timeout of its own, cannot hold the check up either.
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
        host = urllib.parse.urlparse(url).hostname
        return tr("no answer from {host} in {timeout:g} s", host=host, timeout=timeout)
    return outcome[0]
