"""Turn any picture of a digit into the 28x28 input an MNIST model expects: as MNIST's
digits were made, light on dark, fitted into 20x20 and centred by mass in 28x28."""

from __future__ import annotations

import contextlib
import os

import numpy as np
from PIL import Image, ImageDraw

from ..errors import InputError
from ..language import tr
from .arrays import as_numbers, check_finite, refuse_zero_one
from .image_files import MAX_PIXELS, pil_pixels, read_image

__all__ = ["to_mnist_image", "read_image", "render_strokes", "NoDigitError", "MAX_PIXELS"]

# Files are shrunk to this longer side first: a 48-megapixel photo took 3.3 GB and 8 s.
WORKING_SIZE = 2000
INK_THRESHOLD = 0.2  # less ink (0-1) is background when cropping
FAINTEST_INK = 0.02  # weaker ink, once shrunk to 20x20, is specks or noise, not a digit
SMALLEST_MARK = 0.01  # a mark under this share of the picture's longer side is a speck


class NoDigitError(InputError):
    """The image holds no digit: blank, or only specks or noise."""


def _as_grey(image: object) -> np.ndarray:
    """A float (h, w) array in [0, 1] from grey, grey+alpha, RGB or RGBA input of common
    dtypes, or a True/False mask (which ``_ink`` reads either way round)."""
    if isinstance(image, np.ma.MaskedArray):  # its mask would be dropped silently
        raise InputError(
            "to_mnist_image: got a masked array; fill the masked pixels with the paper's "
            "value first, e.g. image.filled(255) for white paper."
        )
    with contextlib.suppress(ValueError, TypeError):  # ragged lists: as_numbers says so
        if (mask := np.asarray(image)).dtype == bool:  # lists of True/False too
            image = mask.astype(np.float64)
    array = as_numbers(image, "to_mnist_image", tr("image's values"))
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] not in (2, 3, 4)):
        raise InputError(
            "expected one image: (height, width) grey, (height, width, 2) grey and alpha, or "
            "(height, width, 3 or 4) colour; got shape {shape}.",
            shape=array.shape,
        )
    if min(array.shape[:2]) < 2:
        raise InputError(
            "the image is only {width}x{height} pixels.",
            width=array.shape[1],
            height=array.shape[0],
        )
    refuse_zero_one(array, "to_mnist_image")
    integers = np.issubdtype(array.dtype, np.integer)
    array = array.astype(np.float64)
    check_finite(array, "to_mnist_image", tr("image's values"))
    low, high = array.min(), array.max()
    if integers and (low < 0 or high > 65535):
        raise InputError(
            "integer pixel values range from {low:g} to {high:g}; expected 0-255 "
            "(8-bit) or 0-65535 (16-bit).",
            low=low,
            high=high,
        )
    if not integers and (low < 0 or high > 1):
        raise InputError(
            "float image values range from {low:g} to {high:g}; expected 0-1 (for "
            "0-255 pixel values, pass a uint8 array).",
            low=low,
            high=high,
        )
    if integers:  # 8-bit pixels whatever the integer type that holds them; 16-bit above 255
        full = 255.0 if high <= 255 else 65535.0
        if array.ndim == 3 and array.shape[-1] in (2, 4) and array[..., -1].max() <= 1:
            array[..., -1] *= full  # a 0/1 mask as the alpha channel: opaque where it is 1
        array /= full
    if array.ndim == 2:
        return array
    if array.shape[-1] == 2:  # grey and alpha, as Pillow's "LA"
        grey = array[..., 0]
    else:
        grey = array[..., :3] @ np.array([0.299, 0.587, 0.114])  # ITU-R 601 luma, as "L"
    if array.shape[-1] == 3:
        return grey
    # Transparent pixels are background: the paper's shade where the opaque pixels hold paper
    # and ink (a page with a transparent margin), else the shade the ink is not (ink alone).
    alpha = array[..., -1]
    opaque = grey[alpha > 0.5]
    if opaque.size and np.ptp(np.percentile(opaque, [0.1, 99.9])) > 0.5:
        background = float(np.median(opaque))
    else:
        background = 1.0 if not opaque.size or np.median(opaque) < 0.5 else 0.0
    return grey * alpha + background * (1 - alpha)


def to_mnist_image(image: np.ndarray | str | os.PathLike[str]) -> np.ndarray:
    """Make an MNIST-style 28x28 input from a picture of one digit.

    The ink is measured against the background (light or dark, evenly lit or not), cropped,
    scaled to fit 20x20 with its strongest ink made 1, and centred by mass in 28x28.

    Parameters
    ----------
    image : numpy.ndarray or path
        A picture file (up to :data:`MAX_PIXELS`), or an array (h, w) grey, (h, w, 2) grey
        and alpha or (h, w, 3|4) colour: uint8 0-255, uint16 0-65535, float 0-1 or bool; dark
        on light or light on dark.

    Returns
    -------
    numpy.ndarray
        float32 (28, 28) in [0, 1], the digit light on black.

    Raises
    ------
    NoDigitError
        The image is blank, or holds only a speck, or marks that fade away when shrunk.
    """
    if isinstance(image, str | os.PathLike):
        image = read_image(image, WORKING_SIZE)
    elif isinstance(image, Image.Image):  # any mode: bilevel "1", "LA", palette...
        image = pil_pixels(image)
    elif isinstance(image, bytes | bytearray | memoryview) or hasattr(image, "read"):
        raise InputError(
            "to_mnist_image: got the contents of a file ({kind}), not a picture. Pass the "
            "file's path, or open it first: PIL.Image.open(io.BytesIO(data)).",
            kind=type(image).__name__,
        )
    ink = _ink(_as_grey(image))
    if ink.max() < 0.1:
        raise NoDigitError(
            tr(
                "no digit found: the image is blank (nothing stands out from its background). Draw "
                "or photograph a dark digit on a light background, or the reverse."
            )
        )
    ink = ink / ink.max()
    rows = np.flatnonzero((ink > INK_THRESHOLD).any(axis=1))
    cols = np.flatnonzero((ink > INK_THRESHOLD).any(axis=0))
    digit = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    height, width = digit.shape
    if max(height, width) < SMALLEST_MARK * max(ink.shape):
        size, picture = f"{width}x{height}", f"{ink.shape[1]}x{ink.shape[0]}"
        raise NoDigitError(
            tr(
                "no digit found: the only mark is a speck ({size} pixels in a {picture} "
                "picture). Write the digit larger, or crop the picture around it.",
                size=size,
                picture=picture,
            )
        )
    factor = 20.0 / max(height, width)
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    resized = Image.fromarray(digit.astype(np.float32), mode="F").resize(
        size, Image.Resampling.LANCZOS
    )
    small = np.clip(np.asarray(resized, np.float64), 0, 1)
    strongest = small.max()
    if strongest < FAINTEST_INK:
        raise NoDigitError(
            tr(
                "no digit found: the marks fade away when the picture is shrunk to MNIST's 20x20 "
                "pixels ({left}): specks or noise spread over the picture, or strokes far too thin "
                "for its size. Crop the picture around the digit, or write it with a thicker pen.",
                left=tr("{share:.1%} of the ink is left", share=strongest)
                if strongest >= 0.001
                else tr("none is left"),
            )
        )
    # a fine pen on a large picture shrinks to a faint line, which models do not read
    small = np.clip(small / strongest, 0, 1)
    ys, xs = np.indices(small.shape)
    top = int(np.clip(round(13.5 - (ys * small).sum() / small.sum()), 0, 28 - small.shape[0]))
    left = int(np.clip(round(13.5 - (xs * small).sum() / small.sum()), 0, 28 - small.shape[1]))
    field = np.zeros((28, 28), np.float32)
    field[top : top + small.shape[0], left : left + small.shape[1]] = small
    return field


def _ink(grey: np.ndarray) -> np.ndarray:
    """How much ink each pixel holds, 0 = background, less the paper's grain; on light paper,
    a fraction of the paper's brightness, so that a shadow hides no digit."""
    background = _background(grey)
    ink = grey - background
    darkest, lightest = np.percentile(ink, [0.01, 99.99])
    dark_ink = -darkest > lightest
    if np.isclose(-darkest, lightest, atol=1e-3):  # nothing stands out: as for a blank
        dark_ink = np.median(_border(grey)) > 0.5
    if dark_ink:
        ink = -ink / np.clip(background, 0.05, None)
    edge = _border(ink)
    noise = 1.4826 * np.median(np.abs(edge - np.median(edge)))
    return np.clip(ink - 3 * noise, 0, None)


def _border(image: np.ndarray) -> np.ndarray:
    return np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])


def _background(grey: np.ndarray) -> float | np.ndarray:
    """The border's median level, or, where the light falls off, a surface fitted to it."""
    border_level = float(np.median(_border(grey)))
    height, width = grey.shape
    if min(height, width) < 32:
        return border_level
    rows, cols = np.arange(height), np.arange(width)
    sides = [(np.full(width, y), cols) for y in (0, height - 1)]
    sides += [(rows, np.full(height, x)) for x in (0, width - 1)]
    # medians of 12 stretches along each side: robust to a stroke touching the edge
    y, x, level = np.array(
        [
            (ys[part].mean(), xs[part].mean(), np.median(grey[ys[part], xs[part]]))
            for ys, xs in sides
            for part in np.array_split(np.arange(len(ys)), 12)
        ]
    ).T
    terms = np.stack(_quadratic(x / (width - 1) - 0.5, y / (height - 1) - 0.5), axis=1)
    keep = np.ones(len(level), bool)
    for _ in range(3):
        coefficients, *_ = np.linalg.lstsq(terms[keep], level[keep], rcond=None)
        keep = np.abs(terms @ coefficients - level) < 0.04
        if keep.mean() < 0.75:
            return border_level  # the border is not smooth paper: keep it simple
    grid = np.linspace(-0.5, 0.5, width)[None, :], np.linspace(-0.5, 0.5, height)[:, None]
    surface = sum(c * t for c, t in zip(coefficients, _quadratic(*grid), strict=True))
    return border_level if surface.max() - surface.min() < 0.05 else surface  # evenly lit?


def _quadratic(x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    return [np.ones_like(x), x, y, x * x, y * y, x * y]


def render_strokes(
    strokes: list[list[tuple[float, float]]], size: int = 280, pen_width: float = 20
) -> np.ndarray:
    """Draw pen strokes (each a list of (x, y) pixels, pen-down to pen-up) as black ink on a
    white uint8 square of ``size`` pixels, like a drawing pad's canvas."""
    paper = Image.new("L", (size, size), 255)
    pen = ImageDraw.Draw(paper)
    radius = pen_width / 2
    for stroke in strokes:
        points = [(float(x), float(y)) for x, y in stroke]
        if len(points) > 1:
            pen.line(points, fill=0, width=max(1, round(pen_width)), joint="curve")
        for x, y in points:  # round caps at every point, which also draws a tap as a dot
            pen.ellipse((x - radius, y - radius, x + radius, y + radius), fill=0)
    return np.asarray(paper, dtype=np.uint8)
