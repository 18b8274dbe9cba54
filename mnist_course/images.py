"""Turn any picture of a digit into the 28x28 input an MNIST model expects.

MNIST's digits were made in a particular way (LeCun et al.): the writing is light on a
dark background, the digit's bounding box is scaled to fit 20x20 pixels keeping its
aspect ratio, and it is placed in a 28x28 field so that its centre of mass sits at the
centre. A model trained on MNIST only understands images made the same way, so a photo or
a drawing goes through the same steps here.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, UnidentifiedImageError

from .errors import InputError

__all__ = ["to_mnist_image", "read_image", "render_strokes", "NoDigitError"]

# pixels below this (on a 0-1 scale, after inverting) count as background when cropping
INK_THRESHOLD = 0.2


class NoDigitError(InputError):
    """The image is blank: nothing stands out from the background."""


def read_image(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an image file as a float array in [0, 1]: (h, w) grey or (h, w, 3|4) colour.

    Raises
    ------
    InputError
        The file is missing, unreadable or not an image; the message names it.
    """
    path = Path(path)
    try:
        with Image.open(path) as image:
            image.load()
            return _from_pil(image)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file.") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not an image file.") from None
    except UnidentifiedImageError:
        raise InputError(
            f"{path}: not an image file that Pillow can read (PNG, JPEG, ...)."
        ) from None
    except (OSError, ValueError, SyntaxError) as error:
        raise InputError(f"{path}: the image is damaged or truncated ({error}).") from None


def _from_pil(image: Image.Image) -> np.ndarray:
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        array = np.asarray(image, dtype=np.float64)
        high = 65535.0 if image.mode.startswith("I;16") else max(float(array.max()), 1.0)
        return np.clip(array / high, 0, 1)
    if image.mode == "F":
        array = np.asarray(image, dtype=np.float64)
        return np.clip(array / max(float(array.max()), 1.0), 0, 1)
    if image.mode not in ("L", "RGB", "RGBA"):
        image = image.convert(
            "RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB"
        )
    return np.asarray(image, dtype=np.float64) / 255.0


def _as_grey(image: np.ndarray) -> np.ndarray:
    """A float (h, w) array in [0, 1] from grey, RGB or RGBA input of common dtypes."""
    array = np.asarray(image)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise InputError(f"expected an image of numbers, got dtype {array.dtype}.")
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] not in (3, 4)):
        raise InputError(
            f"expected one image: (height, width) grey, or (height, width, 3 or 4) colour; "
            f"got shape {array.shape}."
        )
    if min(array.shape[:2]) < 2:
        raise InputError(f"the image is only {array.shape[0]}x{array.shape[1]} pixels.")
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise InputError("the image contains NaN or infinite values.")
    if np.issubdtype(np.asarray(image).dtype, np.integer):
        high = 65535.0 if np.asarray(image).dtype == np.uint16 or array.max() > 255 else 255.0
        array = array / high
    if array.min() < 0 or array.max() > 1:
        raise InputError(
            f"float image values range from {array.min():g} to {array.max():g}; expected 0-1 "
            "(for 0-255 pixel values, pass a uint8 array)."
        )
    if array.ndim == 3:
        rgb, alpha = array[..., :3], array[..., 3:] if array.shape[-1] == 4 else None
        grey = rgb @ np.array([0.299, 0.587, 0.114])  # ITU-R 601 luma, as Pillow's "L"
        if alpha is not None:
            # transparent pixels are background: decide its shade from the opaque ones
            alpha = alpha[..., 0]
            background = (
                1.0 if np.median(grey[alpha > 0.5]) < 0.5 else 0.0 if np.any(alpha > 0.5) else 1.0
            )
            grey = grey * alpha + background * (1 - alpha)
        array = grey
    return array


def to_mnist_image(image: np.ndarray | str | os.PathLike[str]) -> np.ndarray:
    """Make an MNIST-style 28x28 input from a picture of one digit.

    Steps, as MNIST was made: grey levels; invert when the background is light, so the
    digit is light on dark; crop to the digit; scale it to fit 20x20 keeping its aspect
    ratio; place it in a 28x28 field with its centre of mass at the centre.

    Parameters
    ----------
    image : numpy.ndarray or path
        A file (PNG, JPEG, ... of any size) or an array: (h, w) grey or (h, w, 3|4) colour,
        uint8 0-255, uint16 0-65535, or float 0-1. Dark-on-light or light-on-dark.

    Returns
    -------
    numpy.ndarray
        float32 (28, 28), values in [0, 1], the digit light on a black background.

    Raises
    ------
    NoDigitError
        The image is blank.
    InputError
        Not an image (wrong shape, dtype, range, unreadable file).
    """
    grey = read_image(image) if isinstance(image, str | os.PathLike) else image
    grey = _as_grey(grey)
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    if np.median(border) > 0.5:
        grey = 1.0 - grey
    grey = grey - np.median(border if np.median(border) <= 0.5 else 1.0 - border)
    grey = np.clip(grey, 0, None)
    peak = grey.max()
    if peak < 0.1:
        raise NoDigitError(
            "no digit found: the image is blank (nothing stands out from its background). "
            "Draw or photograph a dark digit on a light background, or the reverse."
        )
    grey = grey / peak
    rows = np.flatnonzero((grey > INK_THRESHOLD).any(axis=1))
    cols = np.flatnonzero((grey > INK_THRESHOLD).any(axis=0))
    digit = grey[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    height, width = digit.shape
    factor = 20.0 / max(height, width)
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    pil = Image.fromarray((digit * 255).astype(np.uint8))
    small = np.asarray(pil.resize(size, Image.Resampling.LANCZOS), dtype=np.float64) / 255.0
    small = np.clip(small, 0, 1)
    field = np.zeros((28, 28))
    total = small.sum()
    ys, xs = np.indices(small.shape)
    com_y, com_x = (ys * small).sum() / total, (xs * small).sum() / total
    top = int(np.clip(round(13.5 - com_y), 0, 28 - small.shape[0]))
    left = int(np.clip(round(13.5 - com_x), 0, 28 - small.shape[1]))
    field[top : top + small.shape[0], left : left + small.shape[1]] = small
    return field.astype(np.float32)


def render_strokes(
    strokes: list[list[tuple[float, float]]], size: int = 280, pen_width: float = 20
) -> np.ndarray:
    """Draw pen strokes as dark ink on white paper, like a drawing pad's canvas.

    Parameters
    ----------
    strokes : list of list of (x, y)
        Each stroke is the pointer positions from pen-down to pen-up, in pixels from the
        top-left corner.
    size : int
        Width and height of the square canvas.
    pen_width : float
        Thickness of the pen, in pixels.

    Returns
    -------
    numpy.ndarray
        uint8 (size, size): 255 paper, 0 ink. Feed it to :func:`to_mnist_image`.
    """
    paper = Image.new("L", (size, size), 255)
    pen = ImageDraw.Draw(paper)
    radius = pen_width / 2
    for stroke in strokes:
        points = [(float(x), float(y)) for x, y in stroke]
        if len(points) > 1:
            pen.line(points, fill=0, width=max(1, round(pen_width)), joint="curve")
        # round caps at every point, which also draws a single tap as a dot
        for x, y in points:
            pen.ellipse((x - radius, y - radius, x + radius, y + radius), fill=0)
    return np.asarray(paper, dtype=np.uint8)
