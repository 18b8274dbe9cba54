"""Realistic pictures of handwritten digits, generated: what "read your own picture" meets.

A user writes a digit on paper and photographs it with a phone, or scans it, or draws it on
a large canvas. This module makes such pictures from stroke templates of the ten digits,
varied at random (slant, rotation, proportions, a shaky hand), so tests and
``bench/photos.py`` can measure how many the course reads right:

* :func:`photo` gives one picture of a class in :data:`CLASSES` (a PIL image, RGB, and
  the EXIF orientation to store with it); :func:`save_photo` writes it as a phone would;
* :func:`draw_digit` is the ink alone, any pen on any canvas.

No binary file is committed: everything is drawn from a seed.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

__all__ = [
    "CLASSES",
    "TRANSPOSE_FOR",
    "digit_strokes",
    "draw_digit",
    "falloff",
    "on_paper",
    "photo",
    "save_photo",
]


def _arc(cx, cy, rx, ry, start, end, n=28):
    """Points on an ellipse from angle ``start`` to ``end`` (degrees, 0 = right, 90 = down)."""
    return [
        (cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
        for a in np.linspace(start, end, n)
    ]


# The ten digits as pen strokes in a box 0.62 wide and 1 tall (x right, y down), written the
# way most MNIST digits are: open 4, 7 without a bar, 1 as a single slanted stroke.
TEMPLATES: dict[int, list[list[tuple[float, float]]]] = {
    0: [_arc(0.31, 0.5, 0.29, 0.49, -90, 275, 40)],
    1: [[(0.40, 0.0), (0.34, 0.5), (0.28, 1.0)]],
    2: [
        _arc(0.31, 0.28, 0.27, 0.26, 200, 360, 18)
        + [(0.56, 0.36), (0.40, 0.60), (0.02, 1.0), (0.62, 0.98)]
    ],
    3: [_arc(0.28, 0.25, 0.27, 0.24, 210, 450, 22) + _arc(0.28, 0.73, 0.31, 0.26, -90, 150, 22)],
    4: [[(0.30, 0.0), (0.02, 0.62), (0.62, 0.62)], [(0.48, 0.25), (0.46, 1.0)]],
    5: [[(0.58, 0.0), (0.10, 0.0), (0.06, 0.44)] + _arc(0.28, 0.68, 0.32, 0.28, -130, 150, 24)],
    6: [[(0.50, 0.0), (0.22, 0.30), (0.06, 0.62)] + _arc(0.32, 0.72, 0.27, 0.27, 180, 540, 30)],
    7: [[(0.0, 0.02), (0.62, 0.0), (0.38, 0.5), (0.22, 1.0)]],
    8: [
        _arc(0.31, 0.25, 0.23, 0.24, 90, 450, 28),
        _arc(0.31, 0.74, 0.29, 0.26, -90, 270, 28),
    ],
    9: [_arc(0.30, 0.28, 0.28, 0.27, 0, 360, 30) + [(0.58, 0.30), (0.52, 0.65), (0.44, 1.0)]],
}

# The photo classes measured by bench/photos.py (and sampled by the tests):
# - "pad": the course's drawing pad, 280x280 with a 20 px pen (the reference);
# - "thick": a marker on a 2000x2000 scan (pen 7% of the digit's height);
# - "thin": a fine pen on a 2000x2000 scan (4-8 px: under 0.6% of the digit's height);
# - "exif-1" ... "exif-8": a phone photo (1600x1200, felt-tip pen) of an upright digit,
#   stored as the sensor saw it with that EXIF orientation tag;
# - "corner": a small digit in a corner of a large page (3000x2000);
# - "lighting": a photo whose lighting falls off from one side (paper 2-3 times darker there).
CLASSES = ["pad", "thick", "thin"] + [f"exif-{n}" for n in range(1, 9)] + ["corner", "lighting"]

# How the pixels a camera stores relate to the upright picture, per EXIF orientation: the
# stored image is the upright one under this transpose (the inverse of what a viewer does).
TRANSPOSE_FOR = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,  # the viewer turns it back with ROTATE_270
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,  # the viewer turns it back with ROTATE_90
}


def digit_strokes(digit: int, rng: np.random.Generator | None = None):
    """The strokes of ``digit`` in a unit-height box, varied at random when ``rng`` is given.

    Returns a list of strokes, each an (n, 2) array of (x, y); y runs 0 (top) to 1.
    """
    strokes = [np.array(s, dtype=np.float64) for s in TEMPLATES[digit]]
    if rng is None:
        return strokes
    slant = rng.uniform(-0.25, 0.15)  # most hands lean right: x shifts left as y grows
    angle = math.radians(rng.uniform(-6, 6))
    widen = rng.uniform(0.85, 1.15)
    # a hand is not a plotter: a smooth random bend of the whole digit
    bend = rng.uniform(-0.025, 0.025, size=2)
    freq = rng.uniform(2, 5, size=2)
    phase = rng.uniform(0, 2 * math.pi, size=2)
    out = []
    for s in strokes:
        x, y = s[:, 0] * widen, s[:, 1]
        x = x + slant * (y - 0.5)
        cx, cy = 0.31 * widen, 0.5
        xr = cx + (x - cx) * math.cos(angle) - (y - cy) * math.sin(angle)
        yr = cy + (x - cx) * math.sin(angle) + (y - cy) * math.cos(angle)
        xr = xr + bend[0] * np.sin(freq[0] * yr + phase[0])
        yr = yr + bend[1] * np.sin(freq[1] * xr + phase[1])
        out.append(np.stack([xr, yr], axis=1))
    return out


def draw_digit(
    digit: int,
    rng: np.random.Generator | None,
    *,
    canvas: tuple[int, int] = (280, 280),
    box: tuple[float, float, float] | None = None,
    pen: float = 20,
) -> np.ndarray:
    """The ink of one digit: float (height, width) coverage in [0, 1], 1 = ink.

    ``box`` is (left, top, height) of the digit in pixels; default: centred, 70% of the
    canvas's height. ``pen`` is the pen's width in pixels.
    """
    width, height = canvas
    strokes = digit_strokes(digit, rng)
    if box is None:
        size = 0.7 * min(width, height)
        box = ((width - 0.62 * size) / 2, (height - size) / 2, size)
    left, top, size = box
    # draw at 2x and shrink: antialiased edges, as a camera or scanner sees them
    scale = 2 if max(width, height) <= 4000 else 1
    sheet = Image.new("L", (width * scale, height * scale), 0)
    draw = ImageDraw.Draw(sheet)
    radius = pen * scale / 2
    for s in strokes:
        points = [((left + x * size) * scale, (top + y * size) * scale) for x, y in s]
        draw.line(points, fill=255, width=max(1, round(pen * scale)), joint="curve")
        for x, y in points:
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    if scale != 1:
        sheet = sheet.resize((width, height), Image.Resampling.BOX)
    return np.asarray(sheet, dtype=np.float64) / 255.0


def on_paper(ink: np.ndarray, rng: np.random.Generator, lighting: np.ndarray | None = None):
    """Ink on paper under light, with sensor noise: uint8 RGB (height, width, 3)."""
    height, width = ink.shape
    paper = rng.uniform(0.82, 0.93)
    dark = rng.uniform(0.06, 0.18)
    reflectance = paper + (dark - paper) * ink
    light = np.ones_like(ink) if lighting is None else lighting
    tint = np.array([1.0, rng.uniform(0.96, 1.0), rng.uniform(0.88, 0.97)])  # warm room light
    rgb = (reflectance * light)[..., None] * tint * 255
    rgb += rng.normal(0, rng.uniform(2, 5), size=(height, width, 1))
    return np.clip(rgb, 0, 255).astype(np.uint8)


def falloff(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """Light falling off across the page: 1 on the bright side, 0.35-0.5 on the dark one."""
    ys, xs = np.mgrid[0:height, 0:width]
    angle = rng.uniform(0, 2 * math.pi)
    along = (xs - width / 2) * math.cos(angle) + (ys - height / 2) * math.sin(angle)
    along = (along - along.min()) / (along.max() - along.min())
    darkest = rng.uniform(0.35, 0.5)
    r2 = ((xs - width / 2) / width) ** 2 + ((ys - height / 2) / height) ** 2
    return (1 - (1 - darkest) * along) * (1 - 0.3 * r2)  # and a little vignetting


def photo(kind: str, digit: int, rng: np.random.Generator) -> tuple[Image.Image, int]:
    """One picture of ``digit`` of class ``kind`` (see :data:`CLASSES`).

    Returns the image as stored in the file (RGB; for "exif-N" the sensor's pixels, which
    only read upright once turned by the EXIF orientation) and that orientation (1-8).
    """
    orientation = 1
    lighting = None
    if kind == "pad":
        ink = draw_digit(digit, rng, canvas=(280, 280), pen=20)
        picture = np.asarray(Image.fromarray(((1 - ink) * 255).astype(np.uint8)).convert("RGB"))
        return Image.fromarray(picture), 1
    if kind in ("thick", "thin"):
        size = 1400 * rng.uniform(0.85, 1.05)
        pen = 0.07 * size if kind == "thick" else rng.uniform(4, 8)
        left = rng.uniform(100, 1900 - 0.7 * size)
        top = rng.uniform(50, 1950 - size)
        ink = draw_digit(digit, rng, canvas=(2000, 2000), box=(left, top, size), pen=pen)
    elif kind.startswith("exif-") or kind == "lighting":
        # the upright scene a user sees: portrait 1200x1600, a felt-tip digit in the middle
        size = 1600 * rng.uniform(0.3, 0.45)
        left = 600 - 0.31 * size + rng.uniform(-150, 150)
        top = 800 - size / 2 + rng.uniform(-200, 200)
        ink = draw_digit(digit, rng, canvas=(1200, 1600), box=(left, top, size), pen=0.05 * size)
        if kind == "lighting":
            lighting = falloff(1600, 1200, rng)
        else:
            orientation = int(kind.split("-")[1])
    elif kind == "corner":
        size = rng.uniform(120, 220)
        margin = rng.uniform(60, 200, size=2)
        right, bottom = rng.integers(0, 2, size=2)
        left = 3000 - margin[0] - 0.62 * size if right else margin[0]
        top = 2000 - margin[1] - size if bottom else margin[1]
        ink = draw_digit(digit, rng, canvas=(3000, 2000), box=(left, top, size), pen=0.06 * size)
    else:
        raise ValueError(f"unknown photo class {kind!r}; one of {CLASSES}")
    image = Image.fromarray(on_paper(ink, rng, lighting))
    transpose = TRANSPOSE_FOR[orientation]
    if transpose is not None:
        image = image.transpose(transpose)
    return image, orientation


def save_photo(image: Image.Image, orientation: int, path: Path, **options) -> Path:
    """Save as a phone does: JPEG (or the format of ``path``) with the EXIF orientation tag."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = Path(path)
    if path.suffix.lower() in (".jpg", ".jpeg"):
        options.setdefault("quality", 88)
    image.save(path, exif=exif, **options)
    return path
