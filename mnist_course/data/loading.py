"""Find and load MNIST: a path (an ``.npz`` or a folder of IDX files), ``$MNIST_COURSE_DATA``,
or the Keras cache, downloaded into if missing and checked against Keras's sha256."""

from __future__ import annotations

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

ENV_VAR = "MNIST_COURSE_DATA"
MIRRORS_ENV_VAR = "MNIST_COURSE_MIRRORS"  # copies to try first, where the Keras host is blocked
MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
MNIST_BYTES = 11_490_434  # the size of that file
# room for another build of the file, passed with its own sha256; more is cut off
MAX_DOWNLOAD_BYTES = MNIST_BYTES + MNIST_BYTES // 10

NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
# file stem for each part; names with a dot (train-images.idx3-ubyte) are accepted too
IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


def load_mnist(
    path: str | os.PathLike[str] | None = None, *, mirrors: str | Sequence[str] | None = None
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load MNIST as ``(x_train, y_train), (x_test, y_test)``.

    Parameters
    ----------
    path : str or path-like, optional
        A Keras-layout ``.npz`` file or a folder with the four IDX files (plain or ``.gz``);
        default ``$MNIST_COURSE_DATA``, then the Keras cache, downloading into it if needed.
    mirrors : str or sequence of str, optional
        Copies of ``mnist.npz`` to download from first (see :func:`mirror_urls`).

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        ``x_*`` uint8 (n, 28, 28), pixels 0-255; ``y_*`` uint8 (n,), labels 0-9
        (60,000 training and 10,000 test images).

    Raises
    ------
    DataNotFoundError, DataFileError, DownloadError
        No data (and no way to download it); a file that is not MNIST; a failed download.
    """
    if path is None:
        env = os.environ.get(ENV_VAR, "").strip()
        path = Path(env).expanduser() if env else download_mnist(mirrors=mirrors)
        origin = tr(" (from ${var})", var=ENV_VAR) if env else ""
    elif isinstance(path, str | os.PathLike):
        path, origin = Path(path).expanduser(), None
    else:
        raise InputError(
            "load_mnist: path must be a file or folder name (a str or a pathlib.Path), got {kind}.",
            kind=type(path).__name__,
        )
    try:
        found = path.exists() or path.is_symlink()  # a broken link is explained when opened
    except (OSError, ValueError) as error:  # a name too long, a NUL byte in it
        raise DataFileError(
            "{path}: cannot be looked up ({error}).", path=path, error=error
        ) from None
    if not found and origin is None:
        raise DataNotFoundError(
            "MNIST data not found at {path}. Give the path of a Keras-layout mnist.npz or "
            "of a folder holding the four IDX files, or leave the path out to download it.",
            path=path,
        )
    if not found:
        raise DataNotFoundError(
            "MNIST data not found at {path}. Give the path of a Keras-layout mnist.npz or "
            "of a folder holding the four IDX files, or unset {var} and call load_mnist() "
            "with no path to download it.",
            path=str(path) + origin,
            var=ENV_VAR,
        )
    arrays = _read_folder(path) if path.is_dir() else _read_npz(path)
    for split in ("train", "test"):
        check_dataset(arrays[f"x_{split}"], arrays[f"y_{split}"], source=f"{path} ({split})")
        # checked to be 0-9: uint8 as the docstring says, whatever integers the file held
        arrays[f"y_{split}"] = arrays[f"y_{split}"].astype(np.uint8, copy=False)
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    with open_regular_file(path, what=tr("an .npz file"), error=DataFileError) as file:
        if file.read(6) == b"\x93NUMPY":
            raise DataFileError(
                "{path}: holds a single array (a .npy file), not an .npz archive of the "
                "four arrays {keys}.",
                path=path,
                keys=", ".join(NPZ_KEYS),
            )
        file.seek(0)
        try:
            with zipfile.ZipFile(file) as archive:
                return _read_members(archive, path)
        except DataFileError:
            raise
        except (
            OSError,
            ValueError,
            EOFError,
            RuntimeError,
            NotImplementedError,
            zipfile.BadZipFile,
            zlib.error,
        ) as error:  # RuntimeError: an encrypted member; NotImplementedError: a compression
            raise DataFileError(
                "{path}: is not a readable .npz archive ({error}). It may be truncated "
                "or not an .npz at all: download it again.",
                path=path,
                error=error,
            ) from None


def _read_members(archive: zipfile.ZipFile, path: Path) -> dict[str, np.ndarray]:
    """The four arrays, each header checked first: NumPy would allocate what one declares."""
    members = {info.filename.removesuffix(".npy"): info for info in archive.infolist()}
    if set(members) != set(NPZ_KEYS):
        raise DataFileError(
            "{path}: an MNIST .npz holds exactly the arrays {keys}; this one holds "
            "{found}. Is it another dataset? Use the mnist.npz that "
            "keras.datasets.mnist.load_data() downloads.",
            path=path,
            keys=", ".join(NPZ_KEYS),
            found=", ".join(sorted(members)) or tr("none"),
        )
    arrays = {}
    for key in NPZ_KEYS:
        info = members[key]
        if info.file_size > MAX_BYTES:
            raise DataFileError(
                "{path}: the array {key} would unpack to {size:,} bytes, more than the "
                "{limit:,} read here (MNIST's largest is 47 MB). It is not MNIST.",
                path=path,
                key=key,
                size=info.file_size,
                limit=MAX_BYTES,
            )
        with archive.open(info) as member:
            if np.lib.format.read_magic(member) == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(member)
            else:
                shape, _, dtype = np.lib.format.read_array_header_2_0(member)
            if dtype.hasobject:  # loading it would unpickle, which can run any code
                raise DataFileError(
                    "{path}: the array {key} holds Python objects (dtype {dtype}), which "
                    "are not read, for safety. MNIST's arrays are plain numbers: save them "
                    "with np.savez, as uint8 arrays.",
                    path=path,
                    key=key,
                    dtype=dtype,
                )
            held = info.file_size - member.tell()
            declared = math.prod(shape) * dtype.itemsize
            if declared > held:
                raise DataFileError(
                    "{path}: the array {key} declares shape {shape} ({declared:,} bytes) "
                    "but the archive holds {held:,} bytes for it: the file is damaged or "
                    "truncated. Download it again.",
                    path=path,
                    key=key,
                    shape=shape,
                    declared=declared,
                    held=held,
                )
            member.seek(0)
            arrays[key] = np.lib.format.read_array(member, allow_pickle=False)
    return arrays


def _read_folder(folder: Path) -> dict[str, np.ndarray]:
    arrays = {}
    for key, stem in IDX_FILES.items():
        names = (stem, stem.replace("-idx", ".idx"))
        candidates = [folder / f"{name}{gz}" for name in names for gz in ("", ".gz")]
        found = next((c for c in candidates if c.exists() or c.is_symlink()), None)
        if found is not None and found.is_dir() and (found / found.name).is_file():
            found = found / found.name  # unzipped as Kaggle's copy is: each file in its folder
        if found is None:
            # mnist.npz first, if it is there: the likeliest one meant
            archives = sorted(folder.glob("*.npz"), key=lambda p: (p.name != "mnist.npz", p.name))
            hint = ""
            if archives:
                hint = tr(
                    " It holds {name}: give that file's path instead, load_mnist({path!r}).",
                    name=archives[0].name,
                    path=str(archives[0]),
                )
            raise DataNotFoundError(
                "{folder}: no {stem} (or {stem}.gz) in this folder. An MNIST folder holds "
                "the four IDX files {files}.{hint}",
                folder=folder,
                stem=stem,
                files=", ".join(IDX_FILES.values()),
                hint=hint,
            )
        arrays[key] = read_idx(found)
        if arrays[key].dtype != np.uint8:
            raise DataFileError(
                "{path}: holds {dtype} values; MNIST files hold unsigned bytes (IDX type 0x08).",
                path=found,
                dtype=arrays[key].dtype,
            )
    return arrays


def keras_cache_folder() -> Path:
    home = os.environ.get("KERAS_HOME") or Path.home() / ".keras"
    return Path(home).expanduser() / "datasets"


def sha256_of(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def mirror_urls(mirrors: str | Sequence[str] | None = None) -> list[str]:
    """The addresses a download tries: ``mirrors`` (``https``, ``http``, ``ftp`` or ``file``
    addresses, or one string of them separated by spaces; default ``$MNIST_COURSE_MIRRORS``),
    then :data:`MNIST_URL`."""
    if mirrors is None:
        mirrors = os.environ.get(MIRRORS_ENV_VAR, "")
    if isinstance(mirrors, str):
        mirrors = mirrors.split()
    for url in mirrors:
        try:
            scheme = urllib.parse.urlsplit(url).scheme.lower() if isinstance(url, str) else ""
        except ValueError as error:  # e.g. https://[::1, an unclosed IPv6 address
            raise InputError(
                "MNIST mirror {url!r} is not a valid address ({error}).", url=url, error=error
            ) from None
        if scheme not in ("https", "http", "ftp", "file"):
            raise InputError(
                "MNIST mirror {url!r} is not an address starting with https://, http://, "
                "ftp:// or file://. For a copy on this machine, set {var} to its path.",
                url=url,
                var=ENV_VAR,
            )
    return list(dict.fromkeys([*mirrors, MNIST_URL]))


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

    The mirrors, then ``url`` (default :data:`MNIST_URL`), are tried until one gives the file
    with checksum ``sha256`` (each failure a :class:`DownloadWarning`), into ``cache_dir``
    (default ``$KERAS_HOME/datasets``, as Keras). ``timeout`` bounds each wait, ``deadline``
    each address, ``max_bytes`` the size (default :data:`MAX_DOWNLOAD_BYTES`)."""
    urls = mirror_urls(mirrors)
    if url:
        urls = [u for u in urls if u != MNIST_URL] + [url]
    sha256 = (sha256 or MNIST_SHA256).lower()
    folder = Path(cache_dir).expanduser() if cache_dir is not None else keras_cache_folder()
    target = folder / "mnist.npz"
    if target.is_file() and sha256_of(target) == sha256:
        return target
    if target.is_dir():
        raise DownloadError(
            "{target} is a folder, where the download must write a file. Move or rename "
            "that folder, or pass path= to load_mnist.",
            target=target,
        )
    # Not keras.utils.get_file: it keeps a file whose checksum failed, under the final name.
    limits = (timeout, deadline, MAX_DOWNLOAD_BYTES if max_bytes is None else max_bytes)
    failures = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(target) as part:
            for address in urls:
                failure = fetch(address, part, sha256, *limits, progress)
                if failure is None:
                    return target  # leaving the block renames the verified file into place
                failures.append(failure)
                if len(failures) < len(urls):  # said now: a mirror serving a wrong file is news
                    url = urls[len(failures)]
                    said = tr("{failure} Trying the next address: {url}", failure=failure, url=url)
                    warnings.warn(DownloadWarning(said), stacklevel=2)
            fix = tr(
                "To fix it, connect to the internet and try again, or use a copy of "
                "mnist.npz you already have: load_mnist(path='.../mnist.npz') or set the "
                "{var} environment variable to its path; or list addresses of copies in "
                "{mirrors_var} (load_mnist(mirrors=[...])).",
                var=ENV_VAR,
                mirrors_var=MIRRORS_ENV_VAR,
            )
            if len(failures) == 1:
                raise DownloadError("{failure} {fix}", failure=failures[0], fix=fix)
            raise DownloadError(
                "Could not download MNIST from any of the {count} addresses tried:\n{failures}\n"
                "{fix}",
                count=len(urls),
                failures="\n".join(failures),
                fix=fix,
            )
    except DownloadError:
        raise
    except OSError as error:
        raise DownloadError(
            "Cannot write the MNIST download to {folder} ({reason}). Set KERAS_HOME "
            "to a writable folder, or pass path= to load_mnist.",
            folder=folder,
            reason=error.strerror or error,
        ) from None


class DownloadWarning(UserWarning):
    """One download address failed (unreachable, cut short, wrong file); the next is tried."""


def check_dataset(images: np.ndarray, labels: np.ndarray, source: str = "data") -> None:
    """Raise a DataFileError naming ``source`` unless ``images`` are uint8 (n, 28, 28) and
    ``labels`` integers 0-9 shaped (n,)."""
    try:
        images, labels = np.asarray(images), np.asarray(labels)
        if images.shape[1:] != (28, 28):
            raise InputError(
                "images have shape {shape}; MNIST images have shape (n, 28, 28).",
                shape=images.shape,
            )
        if labels.ndim == 1 and len(images) != len(labels):  # said before the empty batch
            raise InputError(
                "the number of labels ({labels}) is not the number of images ({images}); "
                "every image needs one label.",
                images=len(images),
                labels=len(labels),
            )
        check_images(images, name=tr("images"))
        if images.dtype != np.uint8:
            raise InputError(
                "images are {dtype}; MNIST pixels are uint8 (0-255).", dtype=images.dtype
            )
        if labels.ndim == 1 and not np.issubdtype(labels.dtype, np.integer):
            raise InputError(
                "labels are {dtype}; MNIST labels are integers 0-9.", dtype=labels.dtype
            )
        check_labels(labels, name=tr("labels"), count=len(images), rows=False)
    except InputError as error:
        raise DataFileError("{source}: {error}", source=source, error=error) from None
