"""Find and load MNIST: from a path, an environment variable, the Keras cache or a download.

Where :func:`load_mnist` finds the data, in order:

1. the ``path`` argument;
2. the ``MNIST_COURSE_DATA`` environment variable;
3. the Keras cache (``$KERAS_HOME/datasets/mnist.npz``, default ``~/.keras``),
   downloading the file the way ``keras.datasets.mnist.load_data()`` does if it is missing,
   checked against the same sha256: from the ``mirrors`` given (or
   ``$MNIST_COURSE_MIRRORS``) first, in order, then from the Keras address. Each address
   has time limits and a size cap (:mod:`mnist_course.download`): a server that stalls,
   trickles or sends too much is given up on, and the next address tried.

A path may be a Keras-layout ``.npz`` file or a folder holding the four original IDX files.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import urllib.parse
import warnings
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import DataFileError, DataNotFoundError, DownloadError, InputError
from ..files import atomic_path, open_regular_file
from ..language import tr
from .arrays import check_images, check_labels
from .download import fetch
from .idx import MAX_BYTES, read_idx

__all__ = [
    "ENV_VAR",
    "MIRRORS_ENV_VAR",
    "MNIST_URL",
    "MNIST_SHA256",
    "MNIST_BYTES",
    "MAX_DOWNLOAD_BYTES",
    "load_mnist",
    "download_mnist",
    "mirror_urls",
    "check_dataset",
]

ENV_VAR = "MNIST_COURSE_DATA"
# Addresses of copies of mnist.npz to download from first (where the Keras host is blocked).
MIRRORS_ENV_VAR = "MNIST_COURSE_MIRRORS"
MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
MNIST_BYTES = 11_490_434  # the size of that file
# A tenth more leaves room for another build of the file, passed with its own sha256; a
# server that sends more (a 300 MB file, an endless stream) is cut off there, not read to
# the end only to fail the checksum.
MAX_DOWNLOAD_BYTES = MNIST_BYTES + MNIST_BYTES // 10

NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
# file stem for each part; names with a dot (train-images.idx3-ubyte) are accepted too
IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}

Split = tuple[np.ndarray, np.ndarray]


# --------------------------------------------------------------------------- loading


def load_mnist(
    path: str | os.PathLike[str] | None = None,
    *,
    mirrors: str | Sequence[str] | None = None,
) -> tuple[Split, Split]:
    """Load MNIST as ``(x_train, y_train), (x_test, y_test)``.

    Parameters
    ----------
    path : str or path-like, optional
        A Keras-layout ``.npz`` file or a folder with the four IDX files (plain or
        ``.gz``). When omitted, ``$MNIST_COURSE_DATA`` is used, then the Keras cache,
        downloading into it if needed.
    mirrors : str or sequence of str, optional
        Addresses of copies of ``mnist.npz`` to download from before the Keras address,
        in order (``https://...``, ``file:///...``); each is checked against the same
        sha256 and a wrong file is refused. Default ``$MNIST_COURSE_MIRRORS``
        (addresses separated by spaces). Only used when MNIST must be downloaded.

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        ``x_*`` are uint8 arrays of shape (n, 28, 28), pixel values 0-255 (0 is the
        background); ``y_*`` are uint8 arrays of shape (n,), labels 0-9. The full
        dataset has 60,000 training and 10,000 test images.

    Raises
    ------
    DataNotFoundError
        The path does not exist, or there is no data and no way to download it.
    DataFileError
        The file exists but is not valid MNIST; the message names the file and the fault.
    DownloadError
        MNIST had to be downloaded, and no address gave the right file.
    """
    if path is None:
        env = os.environ.get(ENV_VAR, "").strip()
        path = Path(env).expanduser() if env else download_mnist(mirrors=mirrors)
        origin = tr(" (from ${var})", var=ENV_VAR) if env else ""
    else:
        path, origin = Path(path).expanduser(), ""
    if not path.exists() and not path.is_symlink():  # a broken link is explained when opened
        raise DataNotFoundError(
            tr(
                "MNIST data not found at {path}. Give the path of a Keras-layout mnist.npz or "
                "of a folder holding the four IDX files, or unset {var} and call load_mnist() "
                "with no path to download it.",
                path=str(path) + origin,
                var=ENV_VAR,
            )
        )
    arrays = _read_folder(path) if path.is_dir() else _read_npz(path)
    for split in ("train", "test"):
        check_dataset(arrays[f"x_{split}"], arrays[f"y_{split}"], source=f"{path} ({split})")
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        file = open_regular_file(path, what=tr("an .npz file"), error=DataFileError)
    except FileNotFoundError:
        raise DataNotFoundError(tr("MNIST data not found at {path}.", path=path)) from None
    with file:
        if file.read(6) == b"\x93NUMPY":
            raise DataFileError(
                tr(
                    "{path}: holds a single array (a .npy file), not an .npz archive of the "
                    "four arrays {keys}.",
                    path=path,
                    keys=", ".join(NPZ_KEYS),
                )
            )
        file.seek(0)
        try:
            with zipfile.ZipFile(file) as archive:
                _check_members(archive, path)
            file.seek(0)
            with np.load(file, allow_pickle=False) as npz:
                return {key: npz[key] for key in NPZ_KEYS}
        except DataFileError:
            raise
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error, KeyError) as error:
            raise DataFileError(
                tr(
                    "{path}: is not a readable .npz archive ({error}). It may be truncated "
                    "or not an .npz at all: download it again.",
                    path=path,
                    error=error,
                )
            ) from None


def _check_members(archive: zipfile.ZipFile, path: Path) -> None:
    """Check the archive's arrays by their headers, before any of them is read.

    A header may declare an array far larger than the file (a damaged or hostile file):
    NumPy would try to allocate it. Each declared size is compared with the size the
    archive gives for that member, which is also all that reading it can produce.
    """
    members = {info.filename.removesuffix(".npy"): info for info in archive.infolist()}
    missing, extra = set(NPZ_KEYS) - set(members), set(members) - set(NPZ_KEYS)
    if missing or extra:
        found = ", ".join(sorted(members)) or tr("none")
        raise DataFileError(
            tr(
                "{path}: an MNIST .npz holds exactly the arrays {keys}; this one holds "
                "{found}. Is it another dataset? Use the mnist.npz that "
                "keras.datasets.mnist.load_data() downloads.",
                path=path,
                keys=", ".join(NPZ_KEYS),
                found=found,
            )
        )
    for key in NPZ_KEYS:
        info = members[key]
        if info.file_size > MAX_BYTES:
            raise DataFileError(
                tr(
                    "{path}: the array {key} would unpack to {size:,} bytes, more than the "
                    "{limit:,} read here (MNIST's largest is 47 MB). It is not MNIST.",
                    path=path,
                    key=key,
                    size=info.file_size,
                    limit=MAX_BYTES,
                )
            )
        with archive.open(info) as member:
            version = np.lib.format.read_magic(member)
            read = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape, _, dtype = read(member)
            header = member.tell()
        declared = math.prod(shape) * dtype.itemsize
        if declared > info.file_size - header:
            raise DataFileError(
                tr(
                    "{path}: the array {key} declares shape {shape} ({declared:,} bytes) but "
                    "the archive holds {held:,} bytes for it: the file is damaged or "
                    "truncated. Download it again.",
                    path=path,
                    key=key,
                    shape=shape,
                    declared=declared,
                    held=info.file_size - header,
                )
            )


def _read_folder(folder: Path) -> dict[str, np.ndarray]:
    arrays = {}
    for key, stem in IDX_FILES.items():
        dotted = stem[: stem.index("-idx")] + "." + stem[stem.index("-idx") + 1 :]
        candidates = [folder / f"{name}{gz}" for name in (stem, dotted) for gz in ("", ".gz")]
        found = next((c for c in candidates if c.exists() or c.is_symlink()), None)
        if found is None:
            archives = sorted(p.name for p in folder.glob("*.npz"))
            hint = (
                tr(
                    " It holds {name}: give that file's path instead, load_mnist({path!r}).",
                    name=archives[0],
                    path=str(folder / archives[0]),
                )
                if archives
                else ""
            )
            raise DataNotFoundError(
                tr(
                    "{folder}: no {stem} (or {stem}.gz) in this folder. An MNIST folder holds "
                    "the four IDX files {files}.{hint}",
                    folder=folder,
                    stem=stem,
                    files=", ".join(IDX_FILES.values()),
                    hint=hint,
                )
            )
        arrays[key] = read_idx(found)
        if arrays[key].dtype != np.uint8:
            raise DataFileError(
                tr(
                    "{path}: holds {dtype} values; MNIST files hold unsigned bytes (IDX type "
                    "0x08).",
                    path=found,
                    dtype=arrays[key].dtype,
                )
            )
    return arrays


def keras_cache_folder() -> Path:
    home = os.environ.get("KERAS_HOME") or Path.home() / ".keras"
    return Path(home).expanduser() / "datasets"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def mirror_urls(mirrors: str | Sequence[str] | None = None) -> list[str]:
    """The addresses a download tries, in order: ``mirrors``, then :data:`MNIST_URL`.

    Parameters
    ----------
    mirrors : str or sequence of str, optional
        Addresses of copies of ``mnist.npz`` (``https://``, ``http://``, ``ftp://`` or
        ``file://``); a string may hold several, separated by spaces or new lines. When
        None, ``$MNIST_COURSE_MIRRORS`` (the same format). Each copy must be byte for byte
        the file Keras publishes: it is checked against the same sha256.

    Raises
    ------
    InputError
        One of them is not such an address.
    """
    if mirrors is None:
        mirrors = os.environ.get(MIRRORS_ENV_VAR, "")
    if isinstance(mirrors, str):
        mirrors = mirrors.split()
    urls: list[str] = []
    for url in mirrors:
        scheme = urllib.parse.urlsplit(url).scheme.lower() if isinstance(url, str) else ""
        if scheme not in ("https", "http", "ftp", "file"):
            raise InputError(
                tr(
                    "MNIST mirror {url!r} is not an address starting with https://, http://, "
                    "ftp:// or file://. For a copy on this machine, set {var} to its path.",
                    url=url,
                    var=ENV_VAR,
                )
            )
        if url not in urls:
            urls.append(url)
    return urls + ([MNIST_URL] if MNIST_URL not in urls else [])


def download_mnist(
    url: str | None = None,
    sha256: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    timeout: float = 30.0,
    mirrors: str | Sequence[str] | None = None,
    *,
    deadline: float = 600.0,
    max_bytes: int | None = None,
    progress: bool = True,
) -> Path:
    """Return the path of a verified ``mnist.npz`` in the cache, downloading it if needed.

    The download goes to a temporary file beside the target and is renamed into place
    only once its sha256 matches, so an interrupted or corrupted download never leaves a
    file that a later call would trust. The addresses are tried in order until one gives
    the right file: each mirror, then ``url``. A mirror whose file has the wrong checksum
    is refused, with a warning that names it, and the next one is tried.

    Parameters
    ----------
    url : str, optional
        Where to download from, after the mirrors; default the Keras address,
        :data:`MNIST_URL`.
    sha256 : str, optional
        Expected checksum, for every address; default :data:`MNIST_SHA256`.
    cache_dir : str or path-like, optional
        Folder for the file; default ``$KERAS_HOME/datasets`` (``~/.keras/datasets``),
        the folder Keras itself uses, so a file Keras downloaded earlier is reused.
    timeout : float
        Seconds to wait for a server to answer, and then for each next piece of data: a
        server silent that long has stalled, and the next address is tried.
    mirrors : str or sequence of str, optional
        Copies of the file to try first (see :func:`mirror_urls`); default
        ``$MNIST_COURSE_MIRRORS``.
    deadline : float
        Seconds for the whole download from one address (10 minutes: 11 MB at 20 kB/s).
        A server that sends a little at a time is abandoned when it passes.
    max_bytes : int, optional
        The most bytes a file may have; default :data:`MAX_DOWNLOAD_BYTES`, a tenth above
        MNIST's size. A server announcing more is refused, one sending more is cut off.
    progress : bool
        Show how much has arrived: a line redrawn in place on a terminal, an output updated
        in place in a notebook, a line each quarter elsewhere. False for none.

    Returns
    -------
    pathlib.Path
        The cached ``mnist.npz``.

    Raises
    ------
    DownloadError
        No address gave the file: each could not be reached, stalled, passed the deadline,
        broke off, sent too much or gave a file with another checksum; or the cache folder
        is not writable. Nothing is left in the cache, and a file already there is kept.
    InputError
        A mirror is not an address.
    """
    urls = mirror_urls(mirrors)
    if url:
        urls = [u for u in urls if u != MNIST_URL] + [url]
    sha256 = (sha256 or MNIST_SHA256).lower()
    folder = Path(cache_dir).expanduser() if cache_dir is not None else keras_cache_folder()
    target = folder / "mnist.npz"
    if target.is_file() and sha256_of(target) == sha256:
        return target
    # Not keras.utils.get_file: it writes straight to the final name and keeps a file whose
    # checksum failed, which a later call would then find in the cache.
    try:
        folder.mkdir(parents=True, exist_ok=True)
        writing = contextlib.ExitStack()
        part = writing.enter_context(atomic_path(target))
    except OSError as error:
        raise DownloadError(
            tr(
                "Cannot write the MNIST download to {folder} ({reason}). Set KERAS_HOME "
                "to a writable folder, or pass path= to load_mnist.",
                folder=folder,
                reason=error.strerror or error,
            )
        ) from None
    failures = []
    with writing:
        for address in urls:
            failure = fetch(
                address,
                part,
                sha256=sha256,
                timeout=timeout,
                deadline=deadline,
                max_bytes=MAX_DOWNLOAD_BYTES if max_bytes is None else max_bytes,
                progress=progress,
            )
            if failure is None:
                return target  # leaving the block renames the verified file into place
            failures.append(failure)
            if address != urls[-1]:
                # said now, not only if all fail: a mirror that serves a wrong file is news
                next_url = urls[len(failures)]
                warnings.warn(
                    DownloadWarning(
                        tr(
                            "{failure} Trying the next address: {url}",
                            failure=failure,
                            url=next_url,
                        )
                    ),
                    stacklevel=2,
                )
        if len(failures) == 1:
            raise DownloadError(f"{failures[0]} {_download_fix()}")
        tried = tr(
            "Could not download MNIST from any of the {count} addresses tried:", count=len(urls)
        )
        raise DownloadError("\n".join([tried, *failures, _download_fix()]))
    raise AssertionError("not reached: the loop returns or raises")


class DownloadWarning(UserWarning):
    """One download address failed (unreachable, cut short, wrong file); the next is tried."""


def _download_fix() -> str:
    return tr(
        "To fix it, connect to the internet and try again, or use a copy of "
        "mnist.npz you already have: load_mnist(path='.../mnist.npz') or set the "
        "{var} environment variable to its path; or list addresses of copies in "
        "{mirrors_var} (load_mnist(mirrors=[...])).",
        var=ENV_VAR,
        mirrors_var=MIRRORS_ENV_VAR,
    )


# --------------------------------------------------------------------------- checking


def check_dataset(images: np.ndarray, labels: np.ndarray, source: str = "data") -> None:
    """Check that ``images`` and ``labels`` read from a file form a valid MNIST split.

    The rules are :mod:`mnist_course.arrays`'s, plus what the files hold: uint8 pixels
    shaped (n, 28, 28).

    Raises
    ------
    DataFileError
        Naming ``source`` and the first problem found.
    """
    try:
        images, labels = np.asarray(images), np.asarray(labels)
        if images.ndim != 3:
            raise InputError(
                tr(
                    "images have shape {shape}; MNIST images have shape (n, 28, 28).",
                    shape=images.shape,
                )
            )
        if labels.ndim == 1 and len(images) != len(labels):
            raise InputError(
                tr(
                    "{images} images but {labels} labels; every image needs one label.",
                    images=len(images),
                    labels=len(labels),
                )
            )
        check_images(images, name=tr("images"))
        if images.dtype != np.uint8:
            raise InputError(
                tr("images are {dtype}; MNIST pixels are uint8 (0-255).", dtype=images.dtype)
            )
        if labels.ndim == 1 and not np.issubdtype(labels.dtype, np.integer):
            raise InputError(
                tr("labels are {dtype}; MNIST labels are integers 0-9.", dtype=labels.dtype)
            )
        check_labels(labels, name=tr("labels"), count=len(images), rows=False)
    except InputError as error:
        raise DataFileError(f"{source}: {error}") from None
