"""Read a picture file safely: upright, bounded in size, and honest about what it is.

Phone photos are turned upright by their EXIF orientation tag; pictures over
:data:`MAX_PIXELS` are refused before they are decoded; FIFOs, devices, link loops and
formats Pillow cannot read (SVG, EPS, PDF, HEIC...) each get a message saying what they
are. :mod:`mnist_course.images` turns what is read into an MNIST-style image.
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import InputError
from ..files import open_regular_file
from ..language import tr

__all__ = ["read_image", "read_image_file", "MAX_PIXELS"]

# The largest picture read, in pixels (width x height): 50 megapixels covers the photos of
# phone cameras (12-50 MP) and scans; a bigger one is refused before it is decoded, which
# also stops "decompression bombs" (a small file declaring a huge image) from eating memory.
MAX_PIXELS = 50_000_000


def read_image(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an image file as a float array in [0, 1]: (h, w) grey or (h, w, 3|4) colour.

    The picture is turned upright as its EXIF orientation tag says (phone photos store the
    sensor's pixels and that tag). Pictures over :data:`MAX_PIXELS` are refused before
    they are decoded.

    Raises
    ------
    InputError
        The file is missing, unreadable, not a regular file, not an image, in a format that
        cannot be read (SVG, EPS, PDF, HEIC...), too large, or damaged; the message names it
        and says which.
    """
    return read_image_file(Path(path))


def read_image_file(path: Path, longest: int | None = None) -> np.ndarray:
    """:func:`read_image`, shrunk by an integer factor to ``longest`` pixels if larger."""
    with _open_regular_file(path) as file:
        head = file.read(4096)
        file.seek(0)
        try:
            with warnings.catch_warnings():
                # Pillow warns, then refuses, past its own limit: both mean "too large" here
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                image = Image.open(file)
        except UnidentifiedImageError:
            raise InputError(f"{path}: {_what_it_is(head)}") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            found = re.search(r"\((\d+) pixels\)", str(error))
            size = f"{int(found.group(1)) / 1e6:,.0f} megapixels" if found else "too large"
            raise InputError(f"{path}: the image is {size}; {_limit()}") from None
        except Exception as error:  # Pillow's plugins raise many types on odd headers
            raise InputError(
                tr(
                    "{path}: the image header is damaged ({error}).",
                    path=path,
                    error=": ".join((type(error).__name__, str(error))),
                )
            ) from None
        with image:
            if image.format in ("EPS", "PDF"):
                raise InputError(f"{path}: {_unsupported(image.format)}")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise InputError(
                    f"{path}: the image is {width}x{height} pixels "
                    f"({width * height / 1e6:,.0f} megapixels); {_limit()}"
                )
            try:
                if longest and max(width, height) > longest:
                    factor = -(-max(width, height) // longest)
                    image.draft(image.mode, (width // factor, height // factor))  # JPEG: fast
                image.load()
                image = _upright(image)
                if longest and max(image.size) > longest:
                    image = _shrink(image, -(-max(image.size) // longest))
                return _from_pil(image)
            except MemoryError:
                raise InputError(
                    tr(
                        "{path}: not enough memory to decode this {size} image. Shrink it "
                        "(2000 pixels on the longer side is plenty).",
                        path=path,
                        size="x".join((str(width), str(height))),
                    )
                ) from None
            except Exception as error:  # OSError, SyntaxError, struct.error, EOFError...
                raise InputError(
                    tr(
                        "{path}: the {kind} file is damaged or truncated ({error}).",
                        path=path,
                        kind=image.format or tr("image"),
                        error=": ".join((type(error).__name__, str(error))),
                    )
                ) from None


def _shrink(image: Image.Image, factor: int) -> Image.Image:
    """The image shrunk by ``factor``, each pixel the mean of a factor x factor block."""
    if image.mode.startswith("I;16"):
        image = image.convert("I").convert("F").point(lambda value: value / 65535.0)
    elif image.mode == "I":
        image = image.convert("F")
    elif image.mode not in ("L", "RGB", "RGBA", "F"):
        transparent = "A" in image.getbands() or "transparency" in image.info
        image = image.convert("RGBA" if transparent else "RGB")
    if image.mode == "RGBA":  # weigh each pixel by its opacity, as it is seen
        return image.convert("RGBa").reduce(factor).convert("RGBA")
    return image.reduce(factor)


def _limit() -> str:
    return (
        f"the course reads pictures up to {MAX_PIXELS / 1e6:.0f} megapixels. Shrink it "
        "(2000 pixels on the longer side is plenty) or crop it around the digit."
    )


def _open_regular_file(path: Path):
    """Open ``path`` for reading if it is a regular file; never waits on a pipe or device."""
    try:
        return open_regular_file(path, what=tr("an image file"), error=InputError)
    except FileNotFoundError:
        raise InputError(tr("{path}: no such file.", path=path)) from None


def _unsupported(name: str) -> str:
    return f"unsupported format ({name}); export it as PNG or JPEG."


def _what_it_is(head: bytes) -> str:
    """Why Pillow could not identify a file, from its first bytes."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if b"<svg" in head[:4096].lower() and text.startswith(b"<"):
        return _unsupported("SVG, a vector drawing")
    if text.startswith((b"%!PS", b"\xc5\xd0\xd3\xc6")):
        return _unsupported("EPS or PostScript")
    if text.startswith(b"%PDF"):
        return _unsupported("PDF")
    if head[4:8] == b"ftyp":
        brand = head[8:12].decode("ascii", "replace")
        if brand in ("heic", "heix", "hevc", "heim", "heis", "hevm", "mif1", "msf1"):
            return (
                "unsupported format (HEIC/HEIF, the iPhone's photo format); export it as JPEG "
                "(on the iPhone: Settings > Camera > Formats > Most Compatible)."
            )
        return _unsupported(f"a video or ISO media file, brand {brand!r}")
    if b"\0" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            if error.start < len(head) - 4:  # not just a character cut by the 4 KiB read
                return "not an image file that Pillow can read (PNG, JPEG, ...)."
        return "not an image file: it holds text."
    return "not an image file that Pillow can read (PNG, JPEG, ...)."


def _upright(image: Image.Image) -> Image.Image:
    """The picture as it should be viewed: turned or mirrored per its EXIF orientation."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # a damaged EXIF block: the pixels are still worth reading
        return image


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
