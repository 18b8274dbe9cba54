"""What an MNIST array is: the one place where images and labels are checked (NumPy only).

Images: a batch (n, 28, 28), (n, 28, 28, 1) or (n, 784), n >= 1; one image (28, 28),
(28, 28, 1) or (784,); finite values 0-255 (``pixels="model"``: integers 0-255 or floats 0-1,
not all at most 1/255, which is scaled twice).
Labels: digits 0-9 shaped (n,) or (n, 1), or one-hot rows (n, 10) read by their largest entry."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..language import N_, tr

IMAGE_SHAPE = (28, 28)
IMAGE_SIZE = 784
NUM_CLASSES = 10
_ONE = {(28, 28), (28, 28, 1), (784,)}
_BATCH_TEXT = N_("a batch of images shaped (n, 28, 28), (n, 28, 28, 1) or (n, 784)")
_ONE_TEXT = N_("one image shaped (28, 28), (28, 28, 1) or (784,)")


def as_numbers(values: object, name: str, what: str) -> np.ndarray:
    """``np.asarray(values)``, refusing ragged lists and what is not real numbers."""
    try:
        array = np.asarray(values)
    except (ValueError, TypeError):  # nested lists of different lengths
        array = None
    if hasattr(values, "layers") and hasattr(values, "predict"):  # a Keras model
        raise InputError(
            "{name}: got the model {model!r}, not its {what}: for its probabilities, pass "
            "mc.predict(model, images); for a layer's weights, model.get_layer('name').",
            name=name,
            model=getattr(values, "name", type(values).__name__),
            what=what,
        )
    if array is None or array.dtype == object:
        raise InputError(
            "{name}: the {what} are a ragged list or mixed objects (dtype object); "
            "give a NumPy array of numbers with one shape.",
            name=name,
            what=what,
        )
    if array.dtype.kind not in "uif":  # bool, complex, text, dates and timedeltas are not pixels
        raise InputError(
            "{name}: the {what} have dtype {dtype}; they must be real numbers (for "
            "example uint8 or float32).",
            name=name,
            what=what,
            dtype=array.dtype,
        )
    return array


def check_finite(array: np.ndarray, name: str, what: str) -> None:
    """Raise if ``array`` holds NaN or infinities."""
    if not np.all(np.isfinite(array)):
        raise InputError("{name}: the {what} contain NaN or infinite values.", name=name, what=what)


def check_images(
    images: object, *, name: str = "images", single: bool | None = False, pixels: str = "raw"
) -> np.ndarray:
    """Check images against the module's rules; return their values and dtype (n, 28, 28).

    ``single``: False, a batch; True, one image, returned (28, 28) (a batch of one too);
    None, either. ``pixels``: "raw" or "model", the range accepted. ``name`` starts a message."""
    if isinstance(images, str | os.PathLike):
        raise InputError(
            "{name}: got the file name {path!r}, not pixels; read the picture first: "
            "image = mc.to_mnist_image(path).",
            name=name,
            path=str(images),
        )
    array = as_numbers(images, name, tr("images"))
    shape = array.shape
    if len(shape) >= 3 and shape[-1] in (3, 4) and shape[-3:-1] == IMAGE_SHAPE:
        raise InputError(
            "{name}: got shape {shape}, colour (RGB/RGBA) images. MNIST models read "
            "grey images; convert a photo with mc.to_mnist_image(image).",
            name=name,
            shape=shape,
        )
    is_one = shape in _ONE
    is_batch = shape[1:] in _ONE and shape != (28, 28, 1)
    if single is None:
        single = is_one and not is_batch
    if single and is_batch and shape[0] == 1:
        array, is_one = array[0], True
    if not (is_one if single else is_batch):
        if single and is_batch:
            hint = tr(
                " That is a batch of {count}; pick one image, e.g. images[0].", count=shape[0]
            )
        elif single:
            hint = tr(" For a photo or drawing of another size, use mc.to_mnist_image(image).")
        else:
            hint = tr(" That is one image; make a batch of one with image[None].") if is_one else ""
        raise InputError(
            "{name}: expected {what}; got shape {shape}.{hint}",
            name=name,
            what=tr(_ONE_TEXT) if single else tr(_BATCH_TEXT),
            shape=shape,
            hint=hint,
        )
    if not single and shape[0] == 0:
        raise InputError("{name}: got an empty batch (0 images).", name=name)
    array = array.reshape(IMAGE_SHAPE if single else (len(array), *IMAGE_SHAPE))
    integers = np.issubdtype(array.dtype, np.integer)
    if array.dtype != np.uint8:  # uint8 cannot leave 0-255
        check_finite(array, name, tr("images"))
        low, high = array.min(), array.max()
        if low < 0 or high > 255:
            raise InputError(
                "{name}: values range from {low:g} to {high:g} ({dtype}); pixels are raw "
                "0-255 (uint8) or scaled 0-1 (float).",
                name=name,
                low=low,
                high=high,
                dtype=array.dtype,
            )
        if pixels == "model" and not integers and high > 1:
            raise InputError(
                "{name}: float values range from {low:g} to {high:g}; a model reads "
                "uint8 pixels 0-255 or float pixels scaled to [0, 1]. Divide by 255 "
                "(mc.scale), or pass the uint8 pixels as they are.",
                name=name,
                low=low,
                high=high,
            )
        if pixels == "model" and not integers and 0 < high <= 1 / 255:  # ink at most 1/255
            raise InputError(
                "{name}: float values go up to {high:g} only: these images were divided by "
                "255 twice. Scale raw pixels once (mc.scale), or pass the uint8 pixels.",
                name=name,
                high=high,
            )
    refuse_zero_one(array, name)
    return array


def refuse_zero_one(array: np.ndarray, name: str) -> None:
    """Raise if whole-number pixels are only 0s and 1s, e.g. ``(images > 127).astype("uint8")``:
    read on the 0-255 scale, such a mask is a blank, almost white picture."""
    if (
        np.issubdtype(array.dtype, np.integer)
        and array.size
        and array.min() == 0
        and array.max() == 1
    ):
        raise InputError(
            "{name}: the pixels are whole numbers 0 and 1 only: black-and-white images? "
            "Whole-number pixels are read on the 0-255 scale, where 1 is almost white. "
            "Multiply them by 255, or pass them as floats: images.astype('float32').",
            name=name,
        )


def check_labels(
    labels: object, *, name: str = "labels", count: int | None = None, rows: bool = True
) -> np.ndarray:
    """Check digit labels and return them as int64 shaped (n,).

    ``labels``: digits 0-9 shaped (n,), integers or whole floats, or with ``rows`` one-hot
    rows (n, 10) or a column (n, 1); ``count``: how many there must be (one per image)."""
    if rows and isinstance(labels, np.ndarray) and labels.dtype == bool and labels.ndim == 2:
        labels = labels.astype(np.uint8)  # one-hot rows as True/False, e.g. np.eye(10, dtype=bool)
    array = as_numbers(labels, name, tr("labels"))
    check_finite(array, name, tr("labels"))
    if rows and array.ndim == 2 and array.shape[1] == NUM_CLASSES:
        top = array.max(axis=1)
        tie = (array == top[:, None]).sum(axis=1) > 1
        one_hot = np.all((array == 0) | (array == 1), axis=1)  # probabilities: argmax decides
        unclear = np.flatnonzero((top <= 0) | (tie & one_hot))
        if unclear.size:  # all zeros, or a tie: argmax would quietly read the first digit
            raise InputError(
                "{name}: {count} label row(s) do not pick one digit (row {row}: {values}); "
                "one-hot rows hold nine 0s and one 1.",
                name=name,
                count=unclear.size,
                row=int(unclear[0]),
                values=array[unclear[0]].tolist(),
            )
        array = array.argmax(axis=1)
    elif rows and array.ndim == 2 and array.shape[1] == 1:  # a column, as from a table
        array = array[:, 0]
    if array.ndim != 1:
        raise InputError(
            "{name}: labels have shape {shape}; expected digits 0-9 shaped (n,){also}.",
            name=name,
            shape=array.shape,
            also=tr(" or one-hot rows (n, 10)") if rows else "",
        )
    if array.size == 0:
        raise InputError("{name}: got no labels (an empty array).", name=name)
    if np.any(array != np.round(array)):
        raise InputError(
            "{name}: labels must be whole numbers 0-9; got {dtype} values with "
            "fractions. Are these probabilities? Take probabilities.argmax(axis=1).",
            name=name,
            dtype=array.dtype,
        )
    bad = array[(array < 0) | (array >= NUM_CLASSES)]
    if bad.size:
        raise InputError(
            "{name}: {count} label(s) outside 0-9 (e.g. {value:g}); labels are the digits 0-9.",
            name=name,
            count=bad.size,
            value=bad[0],
        )
    if count is not None and len(array) != count:
        raise InputError(
            "{name}: the number of labels ({labels}) is not the number of images ({count}); "
            "every image needs exactly one label.",
            name=name,
            count=count,
            labels=len(array),
        )
    return array.astype(np.int64)


def check_probabilities(
    probabilities: object, *, name: str = "probabilities", count: int | None = None
) -> np.ndarray:
    """Check a model's predictions, shaped (n, 10), and return them as float32."""
    array = as_numbers(probabilities, name, tr("probabilities"))
    if array.ndim != 2 or not array.size or array.shape != (count or len(array), NUM_CLASSES):
        expected = f"({'n' if count is None else count}, 10)"  # a value: Babel skips f-strings
        raise InputError(
            "{name}: probabilities have shape {shape}; expected {expected}, one row "
            "of ten per image, as mc.predict returns.",
            name=name,
            shape=array.shape,
            expected=expected,
        )
    check_finite(array, name, tr("probabilities"))
    if array.min() < 0 or array.max() > 1 + 1e-6:
        raise InputError(
            "{name}: values range from {low:g} to {high:g}; probabilities run from 0 "
            "to 1 (raw scores? the model's last layer needs activation='softmax').",
            name=name,
            low=array.min(),
            high=array.max(),
        )
    return array.astype(np.float32, copy=False)


def check_matrix(matrix: object, *, name: str = "matrix") -> np.ndarray:
    """Check a confusion matrix: (10, 10) counts, as ``mc.confusion_matrix`` returns (int64)."""
    array = as_numbers(matrix, name, tr("counts"))
    if array.shape != (NUM_CLASSES, NUM_CLASSES):
        raise InputError(
            "{name}: expected a (10, 10) confusion matrix (mc.confusion_matrix), got "
            "shape {shape}.",
            name=name,
            shape=array.shape,
        )
    if not np.all(np.isfinite(array)) or array.min() < 0 or np.any(array != np.round(array)):
        raise InputError(
            "{name}: a confusion matrix holds counts: whole numbers from 0 up.", name=name
        )
    return array.astype(np.int64)


MAX_COUNT = 2**31 - 1


def check_count(value: object, *, name: str, what: str = "count") -> int:
    """A positive whole number of things to show (``count``, ``columns``...)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise InputError(
            "{name}: {what} must be a whole number of at least 1, got {value!r}.",
            name=name,
            what=what,
            value=value,
        )
    if value > MAX_COUNT:  # TensorFlow counts steps and batches in 32 or 64 bits
        raise InputError(
            "{name}: {what} of {value} is more than can ever run; use at most {most:,}.",
            name=name,
            what=what,
            value=value,
            most=MAX_COUNT,
        )
    return int(value)


def check_fraction(value: object, *, name: str, what: str, most: float = 1.0) -> float:
    """A number from 0 to below ``most`` (a dropout rate, an L1 factor), as a Python float:
    Keras refuses NumPy's."""
    number = isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool
    )
    if not (number and 0 <= value < most):
        raise InputError(
            "{name}: {what} must be a number from 0 to below {most:g}, got {value!r}.",
            name=name,
            what=what,
            most=most,
            value=value,
        )
    return float(value)


def check_indices(indices: object, size: int, *, name: str) -> list[int]:
    """Positions into a batch of ``size``: whole numbers, or a boolean mask of length ``size``."""
    if isinstance(indices, tuple) and len(indices) == 1:  # what np.where(mask) returns
        indices = indices[0]
    try:
        array = np.asarray(indices)  # None gives dtype object, refused below
    except ValueError:  # ragged lists
        array = np.asarray(None)
    if array.size == 0:  # [] reads as float64
        array = array.astype(np.int64)
    if array.dtype == bool:
        if array.shape != (size,):
            raise InputError(
                "{name}: a boolean mask needs one entry per image ({size}), got {shape}.",
                name=name,
                size=size,
                shape=array.shape,
            )
        array = np.flatnonzero(array)
    if not np.issubdtype(array.dtype, np.integer) or array.ndim > 1:
        raise InputError(
            "{name}: indices must be whole numbers (positions of images) or a "
            "boolean mask, got {indices!r:.60}.",
            name=name,
            indices=indices,
        )
    if array.size and (array.min() < -size or array.max() >= size):
        raise InputError(
            "{name}: indices must be below {size}, the number of images.", name=name, size=size
        )
    return [int(i) % size for i in array.reshape(-1)]  # -1 is the last: shown as its number


def flatten(images: object) -> np.ndarray:
    """Turn each 28x28 image into a row of 784 numbers, for Dense layers.

    Parameters
    ----------
    images : array-like
        A batch.

    Returns
    -------
    numpy.ndarray
        (n, 784), same dtype, pixels in row-major order.
    """
    return check_images(images, name="flatten").reshape(-1, IMAGE_SIZE)


def to_images(images: object) -> np.ndarray:
    """Give images the (n, 28, 28, 1) shape a Conv2D layer expects (one colour channel).

    Parameters
    ----------
    images : array-like
        A batch.

    Returns
    -------
    numpy.ndarray
        (n, 28, 28, 1), same dtype.
    """
    return check_images(images, name="to_images")[..., np.newaxis]


def scale(images: object) -> np.ndarray:
    """Map raw pixel values 0-255 to float32 values in [0, 1].

    Parameters
    ----------
    images : array-like
        One image or a batch, in any accepted shape, values 0-255.

    Returns
    -------
    numpy.ndarray
        float32 with the shape given, ``images / 255``.
    """
    refuse_scaled(check_images(images, name="scale", single=None), "scale")
    return np.asarray(images).astype(np.float32) / np.float32(255)


def refuse_scaled(images: np.ndarray, name: str) -> None:
    """Raise if float images already look scaled to [0, 1]: scaling again would dim them."""
    if np.issubdtype(images.dtype, np.floating) and images.size and 0 < images.max() <= 1:
        raise InputError(
            "{name}: these images are already scaled (values from {low:g} to "
            "{high:g}); scaling again would divide by 255 twice. Pass the raw "
            "pixels, as load_mnist gives them (uint8 0-255).",
            name=name,
            low=images.min(),
            high=images.max(),
        )


def one_hot(labels: object) -> np.ndarray:
    """Encode digits as one-hot rows: 3 becomes [0, 0, 0, 1, 0, 0, 0, 0, 0, 0].

    Parameters
    ----------
    labels : array-like
        Digits 0-9 shaped (n,) (one-hot rows come back unchanged).

    Returns
    -------
    numpy.ndarray
        float32 shaped (n, 10).
    """
    return np.eye(NUM_CLASSES, dtype=np.float32)[check_labels(labels, name="one_hot")]


def prepare(
    images: object, labels: object | None = None, *, layout: str = "flat", scaled: bool = True
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Turn raw MNIST into model input in one call: the steps of notebook 01 together.

    Parameters
    ----------
    images : array-like
        A batch of raw images, 0-255 (uint8 as loaded).
    labels : array-like, optional
    layout : {"flat", "image"}
        "flat" gives (n, 784) for MLPs, "image" gives (n, 28, 28, 1) for CNNs.
    scaled : bool
        Scale pixels to [0, 1], or keep 0-255 as float32 (as the original tutorial did).

    Returns
    -------
    x : numpy.ndarray
        float32 model input; and, when ``labels`` is given, ``(x, one_hot(labels))``.
    """
    if layout not in ("flat", "image"):
        raise InputError(
            "prepare: layout must be 'flat' or 'image', not {layout!r}.", layout=layout
        )
    batch = check_images(images, name="prepare")
    if scaled:
        refuse_scaled(batch, "prepare")
    x = batch.astype(np.float32) / np.float32(255 if scaled else 1)
    x = x.reshape(-1, IMAGE_SIZE) if layout == "flat" else x[..., np.newaxis]
    if labels is None:
        return x
    return x, one_hot(check_labels(labels, name="prepare", count=len(batch)))


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
        return "\n".join(
            [
                tr(
                    "{count} images of shape {shape}, dtype {dtype}",
                    count=self.num_images,
                    shape=self.image_shape,
                    dtype=self.dtype,
                ),
                tr(
                    "pixels: min {low:g}, max {high:g}, mean {mean:.2f}, std {std:.2f}",
                    low=self.pixel_min,
                    high=self.pixel_max,
                    mean=self.pixel_mean,
                    std=self.pixel_std,
                ),
                tr("images per digit: {counts}", counts=counts),
            ]
        )

    def _repr_pretty_(self, printer, cycle: bool) -> None:  # IPython shows str, not repr
        printer.text(str(self))


def summarize(images: object, labels: object) -> DatasetSummary:
    """Summarize a split: how many images, of which digits, with what pixel values.

    Parameters
    ----------
    images : array-like
        A batch.
    labels : array-like

    Returns
    -------
    DatasetSummary
        Printed as three lines.
    """
    batch = check_images(images, name="summarize")
    counts = np.bincount(check_labels(labels, name="summarize", count=len(batch)), minlength=10)
    pixels = batch.astype(np.float64)
    stats = (float(statistic(pixels)) for statistic in (np.min, np.max, np.mean, np.std))
    counts = {d: int(n) for d, n in enumerate(counts)}
    return DatasetSummary(len(batch), np.shape(images)[1:], str(batch.dtype), counts, *stats)
