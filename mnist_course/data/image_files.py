"""Read a picture file safely: upright (EXIF), bounded in size before decoding, and with a
message naming what a file that is no picture is (a FIFO, a link loop, SVG, PDF, HEIC...)."""

from __future__ import annotations

import codecs
import contextlib
import os
import re
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import InputError
from ..files import open_regular_file
from ..language import tr

# 50 megapixels covers phone photos and scans, and refuses "decompression bombs"
MAX_PIXELS = 50_000_000


def read_image(path: str | os.PathLike[str], longest: int | None = None) -> np.ndarray:
    """Read a picture of at most :data:`MAX_PIXELS` pixels, upright as its EXIF tag says, and
    shrunk by an integer factor to ``longest`` pixels if larger: float64 in [0, 1], (h, w)
    grey or (h, w, 3|4) colour."""
    path = Path(path)
    try:
        file = open_regular_file(path, what=tr("an image file"), error=InputError)
    except FileNotFoundError:
        raise InputError("{path}: no such file.", path=path) from None
    with file:
        head = file.read(4096)
        file.seek(0)
        try:
            with warnings.catch_warnings():
                # Pillow warns, then refuses, past its own limit: both mean "too large" here
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                image = Image.open(file)
        except UnidentifiedImageError:
            raise InputError("{path}: {problem}", path=path, problem=_what_it_is(head)) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            found = re.search(r"\((\d+) pixels\)", str(error))
            count = int(found.group(1)) / 1e6 if found else 0
            size = tr("{count:,.0f} megapixels", count=count) if found else tr("too large")
            raise InputError(
                "{path}: the image is {size}; {limit}", path=path, size=size, limit=_limit()
            ) from None
        except Exception as error:  # Pillow's plugins raise many types on odd headers
            said = f"{type(error).__name__}: {error}"
            raise InputError(
                "{path}: the image header is damaged ({error}).", path=path, error=said
            ) from None
        with image:
            if image.format in ("EPS", "PDF"):
                raise InputError("{path}: {problem}", path=path, problem=_unsupported(image.format))
            width, height = image.size
            if min(width, height) < 2:  # said with the file's own size, before any shrinking
                problem = tr(
                    "the image is only {width}x{height} pixels.", width=width, height=height
                )
                raise InputError("{path}: {problem}", path=path, problem=problem)
            if width * height > MAX_PIXELS:
                raise InputError(
                    "{path}: the image is {width}x{height} pixels ({count:,.0f} "
                    "megapixels); {limit}",
                    path=path,
                    width=width,
                    height=height,
                    count=width * height / 1e6,
                    limit=_limit(),
                )
            try:
                if longest and max(width, height) > longest:
                    factor = -(-max(width, height) // longest)
                    image.draft(image.mode, (width // factor, height // factor))  # JPEG: fast
                image.load()
                with contextlib.suppress(Exception):  # a damaged EXIF block: read the pixels
                    image = ImageOps.exif_transpose(image)
                if longest and max(image.size) > longest:
                    image = _plain(image)
                    factor = -(-max(image.size) // longest)
                    if image.mode == "RGBA":  # weigh each pixel by its opacity, as it is seen
                        image = image.convert("RGBa").reduce(factor).convert("RGBA")
                    else:
                        image = image.reduce(factor)
                return pil_pixels(image)
            except MemoryError:
                size = f"{width}x{height}"
                raise InputError(
                    "{path}: not enough memory to decode this {size} image. Shrink it "
                    "(2000 pixels on the longer side is plenty).",
                    path=path,
                    size=size,
                ) from None
            except Exception as error:  # OSError, SyntaxError, struct.error, EOFError...
                raise InputError(
                    "{path}: the {kind} file is damaged or truncated ({error}).",
                    path=path,
                    kind=image.format or tr("image"),
                    error=f"{type(error).__name__}: {error}",
                ) from None


def _plain(image: Image.Image) -> Image.Image:
    """The image in mode L, RGB, RGBA or F (16-bit pixels scaled to [0, 1])."""
    if image.mode.startswith("I;16"):
        return image.convert("I").convert("F").point(lambda value: value / 65535.0)
    if image.mode == "I":
        return image.convert("F")
    if image.mode not in ("L", "RGB", "RGBA", "F"):
        transparent = "A" in image.getbands() or "transparency" in image.info
        return image.convert("RGBA" if transparent else "RGB")
    return image


def pil_pixels(image: Image.Image) -> np.ndarray:
    """A Pillow image's pixels, whatever its mode: float64 in [0, 1], (h, w) grey or
    (h, w, 3|4) colour."""
    image = _plain(image)
    array = np.asarray(image, dtype=np.float64)
    if image.mode == "F":
        return np.clip(array / max(float(array.max()), 1.0), 0, 1)
    return array / 255.0


def _limit() -> str:
    return tr(
        "the course reads pictures up to {count:.0f} megapixels. Shrink it "
        "(2000 pixels on the longer side is plenty) or crop it around the digit.",
        count=MAX_PIXELS / 1e6,
    )


def _unsupported(name: str) -> str:
    return tr("unsupported format ({name}); export it as PNG or JPEG.", name=name)


def _what_it_is(head: bytes) -> str:
    """Why Pillow could not identify a file, from its first bytes."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if b"<svg" in head.lower() and text.startswith(b"<"):
        return _unsupported(tr("SVG, a vector drawing"))
    if text.startswith((b"%!PS", b"\xc5\xd0\xd3\xc6")):
        return _unsupported("EPS or PostScript")
    if text.startswith(b"%PDF"):
        return _unsupported("PDF")
    if head[4:8] == b"ftyp":
        brand = head[8:12].decode("ascii", "replace")
        if brand in ("heic", "heix", "hevc", "heim", "heis", "hevm", "mif1", "msf1"):
            return tr(
                "unsupported format (HEIC/HEIF, the iPhone's photo format); export it as JPEG "
                "(on the iPhone: Settings > Camera > Formats > Most Compatible)."
            )
        return _unsupported(tr("a video or ISO media file, brand {brand!r}", brand=brand))
    if b"\0" not in head:
        with contextlib.suppress(UnicodeDecodeError):  # not final: the 4 KiB read may cut one
            codecs.getincrementaldecoder("utf-8")().decode(head)
            return tr("not an image file: it holds text.")
    return tr("not an image file that Pillow can read (PNG, JPEG, ...).")
