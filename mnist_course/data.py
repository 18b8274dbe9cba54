"""Load MNIST, check it, and turn it into model input.

Where :func:`load_mnist` finds the data, in order:

1. the ``path`` argument;
2. the ``MNIST_COURSE_DATA`` environment variable;
3. the Keras cache (``$KERAS_HOME/datasets/mnist.npz``, default ``~/.keras``),
   downloading the file the way ``keras.datasets.mnist.load_data()`` does if it is missing,
   checked against the same sha256.

A path may be a Keras-layout ``.npz`` file or a folder holding the four original IDX files.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import DataFileError, DataNotFoundError, DownloadError, InputError
from .idx import read_idx

__all__ = [
    "ENV_VAR",
    "MNIST_URL",
    "MNIST_SHA256",
    "load_mnist",
    "download_mnist",
    "check_dataset",
    "flatten",
    "scale",
    "one_hot",
    "to_images",
    "prepare",
    "summarize",
    "DatasetSummary",
]

ENV_VAR = "MNIST_COURSE_DATA"
MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"

IMAGE_SHAPE = (28, 28)
NUM_CLASSES = 10
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


def load_mnist(path: str | os.PathLike[str] | None = None) -> tuple[Split, Split]:
    """Load MNIST as ``(x_train, y_train), (x_test, y_test)``.

    Parameters
    ----------
    path : str or path-like, optional
        A Keras-layout ``.npz`` file or a folder with the four IDX files (plain or
        ``.gz``). When omitted, ``$MNIST_COURSE_DATA`` is used, then the Keras cache,
        downloading into it if needed.

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
    """
    if path is None:
        env = os.environ.get(ENV_VAR, "").strip()
        path = Path(env).expanduser() if env else download_mnist()
        origin = f"(from ${ENV_VAR})" if env else ""
    else:
        path, origin = Path(path).expanduser(), ""
    if not path.exists():
        raise DataNotFoundError(
            f"MNIST data not found at {path} {origin}. Give the path of a Keras-layout "
            "mnist.npz or of a folder holding the four IDX files, or unset "
            f"{ENV_VAR} and call load_mnist() with no path to download it."
        )
    arrays = _read_folder(path) if path.is_dir() else _read_npz(path)
    for split in ("train", "test"):
        check_dataset(arrays[f"x_{split}"], arrays[f"y_{split}"], source=f"{path} ({split})")
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise DataFileError(
                f"{path}: holds a single array of shape {loaded.shape}, not an .npz archive "
                f"of the four arrays {', '.join(NPZ_KEYS)}."
            )
        with loaded as npz:
            keys = set(npz.files)
            missing, extra = set(NPZ_KEYS) - keys, keys - set(NPZ_KEYS)
            if missing or extra:
                found = ", ".join(sorted(keys)) or "none"
                raise DataFileError(
                    f"{path}: an MNIST .npz holds exactly the arrays {', '.join(NPZ_KEYS)}; "
                    f"this one holds {found}. Is it another dataset? Use the mnist.npz "
                    "that keras.datasets.mnist.load_data() downloads."
                )
            return {key: npz[key] for key in NPZ_KEYS}
    except DataFileError:
        raise
    except PermissionError as error:
        raise DataFileError(
            f"{path}: cannot be read ({error.strerror}). Check its permissions."
        ) from None
    except IsADirectoryError:
        raise DataFileError(f"{path}: is a folder, not an .npz file.") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error, KeyError) as error:
        size = path.stat().st_size if path.exists() else 0
        what = "is empty" if size == 0 else f"is not a readable .npz archive ({error})"
        raise DataFileError(
            f"{path}: {what}. It may be truncated or not an .npz at all: download it again."
        ) from None


def _read_folder(folder: Path) -> dict[str, np.ndarray]:
    arrays = {}
    for key, stem in IDX_FILES.items():
        dotted = stem[: stem.index("-idx")] + "." + stem[stem.index("-idx") + 1 :]
        candidates = [folder / f"{name}{gz}" for name in (stem, dotted) for gz in ("", ".gz")]
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            raise DataNotFoundError(
                f"{folder}: no {stem} (or {stem}.gz) in this folder. An MNIST folder "
                f"holds the four IDX files {', '.join(IDX_FILES.values())}."
            )
        arrays[key] = read_idx(found)
        if arrays[key].dtype != np.uint8:
            raise DataFileError(
                f"{found}: holds {arrays[key].dtype} values; MNIST files hold unsigned "
                "bytes (IDX type 0x08)."
            )
    return arrays


def _keras_cache() -> Path:
    home = os.environ.get("KERAS_HOME") or Path.home() / ".keras"
    return Path(home).expanduser() / "datasets"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download_mnist(
    url: str | None = None,
    sha256: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    timeout: float = 30.0,
) -> Path:
    """Return the path of a verified ``mnist.npz`` in the cache, downloading it if needed.

    The download goes to a temporary file beside the target and is renamed into place
    only once its sha256 matches, so an interrupted or corrupted download never leaves a
    file that a later call would trust.

    Parameters
    ----------
    url : str, optional
        Where to download from; default the Keras address, :data:`MNIST_URL`.
    sha256 : str, optional
        Expected checksum; default :data:`MNIST_SHA256`.
    cache_dir : str or path-like, optional
        Folder for the file; default ``$KERAS_HOME/datasets`` (``~/.keras/datasets``),
        the folder Keras itself uses, so a file Keras downloaded earlier is reused.
    timeout : float
        Seconds to wait for the server before giving up.

    Returns
    -------
    pathlib.Path
        The cached ``mnist.npz``.

    Raises
    ------
    DownloadError
        The server could not be reached, the transfer broke off, the checksum did not
        match or the cache folder is not writable. Nothing is left in the cache.
    """
    url = url or MNIST_URL
    sha256 = (sha256 or MNIST_SHA256).lower()
    folder = Path(cache_dir).expanduser() if cache_dir is not None else _keras_cache()
    target = folder / "mnist.npz"
    if target.is_file() and _sha256(target) == sha256:
        return target
    fix = (
        f"To fix it, connect to the internet and try again, or use a copy of mnist.npz you "
        f"already have: load_mnist(path='.../mnist.npz') or set the {ENV_VAR} "
        "environment variable to its path."
    )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # closed by the `with part` below, once the transfer ends
        part = tempfile.NamedTemporaryFile(  # noqa: SIM115
            dir=folder, prefix=".mnist.npz.", suffix=".part", delete=False
        )
    except OSError as error:
        raise DownloadError(
            f"Cannot write the MNIST download to {folder} ({error.strerror or error}). "
            "Set KERAS_HOME to a writable folder, or pass path= to load_mnist."
        ) from None
    part_path = Path(part.name)
    try:
        digest = hashlib.sha256()
        with part, urllib.request.urlopen(url, timeout=timeout) as response:
            expected_size = response.headers.get("Content-Length")
            received = 0
            for block in iter(lambda: response.read(1 << 16), b""):
                digest.update(block)
                part.write(block)
                received += len(block)
        if expected_size is not None and received != int(expected_size):
            raise DownloadError(
                f"The MNIST download from {url} stopped after {received} of "
                f"{expected_size} bytes. {fix}"
            )
        if digest.hexdigest() != sha256:
            raise DownloadError(
                f"The file downloaded from {url} has sha256 {digest.hexdigest()}, not the "
                f"expected {sha256}: it is corrupt or not MNIST, so it was discarded. {fix}"
            )
        os.replace(part_path, target)
    except DownloadError:
        raise
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
        reason = getattr(error, "reason", None) or error
        raise DownloadError(f"Could not download MNIST from {url} ({reason}). {fix}") from None
    finally:
        part_path.unlink(missing_ok=True)
    return target


# --------------------------------------------------------------------------- checking


def check_dataset(images: np.ndarray, labels: np.ndarray, source: str = "data") -> None:
    """Check that ``images`` and ``labels`` form a valid MNIST split.

    Parameters
    ----------
    images : numpy.ndarray
        Expected uint8 of shape (n, 28, 28).
    labels : numpy.ndarray
        Expected uint8 (or another integer type) of shape (n,), values 0-9.
    source : str
        Named in the error message, e.g. the file the arrays came from.

    Raises
    ------
    DataFileError
        Naming the first problem found.
    """
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
        raise DataFileError(
            f"{source}: images have shape {images.shape}; MNIST images have shape (n, 28, 28)."
        )
    if images.dtype != np.uint8:
        raise DataFileError(f"{source}: images are {images.dtype}; MNIST pixels are uint8 (0-255).")
    if labels.ndim != 1:
        raise DataFileError(f"{source}: labels have shape {labels.shape}; expected (n,).")
    if not np.issubdtype(labels.dtype, np.integer):
        raise DataFileError(f"{source}: labels are {labels.dtype}; expected integers 0-9.")
    if len(images) != len(labels):
        raise DataFileError(
            f"{source}: {len(images)} images but {len(labels)} labels; every image "
            "needs exactly one label."
        )
    if len(labels) == 0:
        raise DataFileError(f"{source}: holds no images.")
    low, high = int(labels.min()), int(labels.max())
    if low < 0 or high >= NUM_CLASSES:
        bad = labels[(labels < 0) | (labels >= NUM_CLASSES)]
        raise DataFileError(
            f"{source}: {bad.size} labels outside 0-9 (e.g. {int(bad[0])}); MNIST labels "
            "are the digits 0-9."
        )


# --------------------------------------------------------------------------- preprocessing


def _as_image_batch(images: np.ndarray, name: str) -> np.ndarray:
    images = np.asarray(images)
    if images.shape[-2:] == IMAGE_SHAPE and images.ndim == 3:
        return images
    if images.ndim == 4 and images.shape[1:] == (*IMAGE_SHAPE, 1):
        return images[..., 0]
    if images.ndim == 2 and images.shape[1] == 784:
        return images.reshape(-1, *IMAGE_SHAPE)
    hint = (
        " (one image? use images[None] to make a batch of one)"
        if images.shape == IMAGE_SHAPE
        else ""
    )
    raise InputError(
        f"{name}: got an array of shape {images.shape}{hint}; expected a batch of MNIST "
        "images shaped (n, 28, 28), (n, 28, 28, 1) or (n, 784)."
    )


def flatten(images: np.ndarray) -> np.ndarray:
    """Turn each 28x28 image into a row of 784 numbers, for Dense layers.

    Parameters
    ----------
    images : numpy.ndarray
        Shape (n, 28, 28), (n, 28, 28, 1) or already (n, 784); any dtype.

    Returns
    -------
    numpy.ndarray
        Shape (n, 784), same dtype, pixels in row-major order (row 0 first).
    """
    return _as_image_batch(images, "flatten").reshape(-1, 784)


def to_images(images: np.ndarray) -> np.ndarray:
    """Give images the (n, 28, 28, 1) shape a Conv2D layer expects (one colour channel).

    Parameters
    ----------
    images : numpy.ndarray
        Shape (n, 28, 28), (n, 784) or already (n, 28, 28, 1); any dtype.

    Returns
    -------
    numpy.ndarray
        Shape (n, 28, 28, 1), same dtype.
    """
    return _as_image_batch(images, "to_images")[..., np.newaxis]


def scale(images: np.ndarray) -> np.ndarray:
    """Map raw pixel values 0-255 to float32 values in [0, 1].

    Parameters
    ----------
    images : numpy.ndarray
        Raw pixels, any shape, values 0-255 (uint8 or another numeric dtype).

    Returns
    -------
    numpy.ndarray
        float32 array of the same shape, ``images / 255``.

    Raises
    ------
    InputError
        Values outside 0-255 or not finite (already scaled twice? not pixels?).
    """
    images = np.asarray(images)
    if not np.issubdtype(images.dtype, np.number) or np.issubdtype(
        images.dtype, np.complexfloating
    ):
        raise InputError(f"scale: got {images.dtype} values; expected pixel numbers 0-255.")
    if images.dtype != np.uint8 and images.size:
        if not np.all(np.isfinite(images)):
            raise InputError("scale: the images contain NaN or infinite values.")
        low, high = float(images.min()), float(images.max())
        if low < 0 or high > 255:
            raise InputError(
                f"scale: values range from {low:g} to {high:g}; raw pixels range from 0 to 255."
            )
    return (images.astype(np.float32) / np.float32(255)).astype(np.float32)


def one_hot(labels: np.ndarray, num_classes: int = NUM_CLASSES) -> np.ndarray:
    """Encode integer labels as one-hot rows: 3 becomes [0, 0, 0, 1, 0, 0, 0, 0, 0, 0].

    Parameters
    ----------
    labels : numpy.ndarray
        Integer labels of shape (n,), values 0 to ``num_classes - 1``.
    num_classes : int
        Length of each row.

    Returns
    -------
    numpy.ndarray
        float32 array of shape (n, num_classes).
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise InputError(
            f"one_hot: labels have shape {labels.shape}; expected a 1-D array of digits "
            "(already one-hot? then there is nothing to do)."
        )
    if labels.size and not np.issubdtype(labels.dtype, np.integer):
        if not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels)):
            raise InputError(f"one_hot: labels are {labels.dtype} with non-integer values.")
        labels = labels.astype(np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise InputError(
            f"one_hot: labels must be 0-{num_classes - 1}; got {labels.min()}-{labels.max()}."
        )
    return np.eye(num_classes, dtype=np.float32)[labels.astype(np.intp)]


def prepare(
    images: np.ndarray,
    labels: np.ndarray | None = None,
    *,
    layout: str = "flat",
    scaled: bool = True,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Turn raw MNIST into model input in one call: the steps of notebook 01 together.

    Parameters
    ----------
    images : numpy.ndarray
        Raw uint8 images, shape (n, 28, 28).
    labels : numpy.ndarray, optional
        Integer labels, shape (n,).
    layout : {"flat", "image"}
        "flat" gives (n, 784) for MLPs, "image" gives (n, 28, 28, 1) for CNNs.
    scaled : bool
        Scale pixels to [0, 1] (True) or keep 0-255 as float32 (False, as the original
        tutorial did).

    Returns
    -------
    x : numpy.ndarray
        float32 model input; and, when ``labels`` is given, ``(x, one_hot(labels))``.
    """
    if layout not in ("flat", "image"):
        raise InputError(f"prepare: layout must be 'flat' or 'image', not {layout!r}.")
    x = scale(images) if scaled else np.asarray(images, dtype=np.float32)
    x = flatten(x) if layout == "flat" else to_images(x)
    return x if labels is None else (x, one_hot(labels))


# --------------------------------------------------------------------------- summary


@dataclass(frozen=True)
class DatasetSummary:
    """What is in a split: sizes, counts per digit and pixel statistics."""

    num_images: int
    image_shape: tuple[int, ...]
    dtype: str
    class_counts: dict[int, int]
    pixel_min: float
    pixel_max: float
    pixel_mean: float
    pixel_std: float

    def __str__(self) -> str:
        counts = "  ".join(f"{d}: {n}" for d, n in self.class_counts.items())
        return (
            f"{self.num_images} images of shape {self.image_shape}, dtype {self.dtype}\n"
            f"pixels: min {self.pixel_min:g}, max {self.pixel_max:g}, "
            f"mean {self.pixel_mean:.2f}, std {self.pixel_std:.2f}\n"
            f"images per digit: {counts}"
        )

    def _repr_pretty_(self, printer, cycle: bool) -> None:  # IPython shows str, not repr
        printer.text(str(self))


def summarize(images: np.ndarray, labels: np.ndarray) -> DatasetSummary:
    """Summarize a split: how many images, of which digits, with what pixel values.

    Parameters
    ----------
    images : numpy.ndarray
        Shape (n, 28, 28), any numeric dtype.
    labels : numpy.ndarray
        Integer labels 0-9, shape (n,).

    Returns
    -------
    DatasetSummary
    """
    images, labels = np.asarray(images), np.asarray(labels)
    if len(images) != len(labels):
        raise InputError(f"summarize: {len(images)} images but {len(labels)} labels.")
    counts = np.bincount(labels.astype(np.intp), minlength=NUM_CLASSES)
    pixels = images.astype(np.float64)
    return DatasetSummary(
        num_images=len(images),
        image_shape=tuple(images.shape[1:]),
        dtype=str(images.dtype),
        class_counts={d: int(n) for d, n in enumerate(counts)},
        pixel_min=float(pixels.min()),
        pixel_max=float(pixels.max()),
        pixel_mean=float(pixels.mean()),
        pixel_std=float(pixels.std()),
    )
