from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import mnist_course as mc
from mnist_course import InputError, NoDigitError


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    ys, xs = np.indices(image.shape)
    return float((ys * image).sum() / image.sum()), float((xs * image).sum() / image.sum())


def stroke(height: int = 200, width: int = 300) -> np.ndarray:
    """A dark 'L' on white paper, off-centre: what a photo of a digit looks like."""
    paper = np.full((height, width), 250, np.uint8)
    paper[30:150, 200:215] = 10
    paper[135:150, 200:260] = 10
    return paper


def test_output_is_mnist_style() -> None:
    out = mc.to_mnist_image(stroke())
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert out.min() == 0 and out.max() == pytest.approx(1, abs=0.02)
    assert out[0].sum() == 0 and out[:, 0].sum() == 0  # dark background after inverting
    cy, cx = centre_of_mass(out)
    assert abs(cy - 13.5) < 1 and abs(cx - 13.5) < 1


def test_the_digit_fits_20_by_20_keeping_its_aspect() -> None:
    out = mc.to_mnist_image(stroke())
    rows = np.flatnonzero(out.max(axis=1) > 0.2)
    cols = np.flatnonzero(out.max(axis=0) > 0.2)
    height, width = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
    assert height in (19, 20, 21)
    assert width == pytest.approx(20 * 60 / 120, abs=1.5)


def test_a_shifted_and_scaled_digit_comes_out_the_same(tiny_mnist) -> None:
    digit = np.zeros((28, 28), np.uint8)
    digit[6:22, 10:14] = 255
    digit[6:10, 10:20] = 255
    reference = mc.to_mnist_image(digit)
    moved = np.zeros((90, 90), np.uint8)
    moved[5:53, 50:80] = np.asarray(
        Image.fromarray(digit[6:22, 10:20]).resize((30, 48), Image.NEAREST)
    )
    assert np.abs(mc.to_mnist_image(moved) - reference).mean() < 0.05


@pytest.mark.parametrize("kind", ["rgb", "rgba", "uint16", "float", "light-on-dark"])
def test_every_kind_of_input_gives_the_same_digit(kind) -> None:
    paper = stroke()
    expected = mc.to_mnist_image(paper)
    if kind == "rgb":
        image = np.stack([paper, paper, paper], axis=-1)
    elif kind == "rgba":
        image = np.dstack([paper, paper, paper, np.full_like(paper, 255)])
    elif kind == "uint16":
        image = paper.astype(np.uint16) * 257
    elif kind == "float":
        image = paper / 255.0
    else:
        image = 255 - paper
    np.testing.assert_allclose(mc.to_mnist_image(image), expected, atol=0.02)


def test_transparent_background_counts_as_background() -> None:
    ink = np.zeros((100, 100, 4), np.uint8)  # a black stroke on a fully transparent sheet
    ink[20:80, 45:55, 3] = 255
    out = mc.to_mnist_image(ink)
    assert out[0].sum() == 0 and out.max() > 0.9


@pytest.mark.parametrize(
    "blank",
    [np.zeros((50, 50)), np.full((50, 50), 255, np.uint8), np.full((40, 40, 3), 128, np.uint8)],
)
def test_blank_image_says_no_digit_found(blank) -> None:
    with pytest.raises(NoDigitError, match="no digit found"):
        mc.to_mnist_image(blank)


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (np.zeros((5, 28, 28)), r"got shape \(5, 28, 28\)"),
        (np.zeros(10), "got shape"),
        (np.full((30, 30), np.nan), "NaN"),
        (np.full((30, 30), 2.0), "0-1"),
        (np.zeros((30, 30), bool), "dtype bool"),
        (np.zeros((1, 30)), "only 1x30"),
    ],
)
def test_bad_arrays(image, message) -> None:
    with pytest.raises(InputError, match=message):
        mc.to_mnist_image(image)


def test_image_files(tmp_path) -> None:
    Image.fromarray(stroke()).save(tmp_path / "digit.png")
    Image.fromarray(np.stack([stroke()] * 3, -1)).save(tmp_path / "digit.jpg", quality=90)
    Image.fromarray(stroke().astype(np.uint16) * 257).save(tmp_path / "digit16.png")
    expected = mc.to_mnist_image(stroke())
    for name in ("digit.png", "digit.jpg", "digit16.png"):
        np.testing.assert_allclose(mc.to_mnist_image(tmp_path / name), expected, atol=0.08)
    assert mc.to_mnist_image(str(tmp_path / "digit.png")).shape == (28, 28)


def test_bad_files(tmp_path) -> None:
    (tmp_path / "notes.png").write_text("not an image")
    with pytest.raises(InputError, match="notes.png: not an image"):
        mc.to_mnist_image(tmp_path / "notes.png")
    Image.fromarray(stroke()).save(tmp_path / "cut.png")
    data = (tmp_path / "cut.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="cut.png"):
        mc.to_mnist_image(tmp_path / "cut.png")
    with pytest.raises(InputError, match="no such file"):
        mc.to_mnist_image(tmp_path / "missing.png")
    with pytest.raises(InputError, match="is a folder"):
        mc.to_mnist_image(tmp_path)
