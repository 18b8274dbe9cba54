"""Property-based tests and a fuzz run: invariants that must hold for any input."""

from __future__ import annotations

import gzip
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import mnist_course as mc
from mnist_course import DataFileError, InputError, NoDigitError
from mnist_course.data.idx import parse_idx, read_idx, write_idx

IDX_DTYPES = ["uint8", "int8", ">i2", ">i4", ">f4", ">f8", "<i2", "<f8"]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    array=st.sampled_from(IDX_DTYPES).flatmap(
        lambda dtype: arrays(
            np.dtype(dtype),
            st.lists(st.integers(0, 6), min_size=1, max_size=4).map(tuple),
            elements={"allow_nan": False} if np.dtype(dtype).kind == "f" else None,
        )
    ),
    compressed=st.booleans(),
)
def test_idx_round_trip(tmp_path, array, compressed) -> None:
    path = tmp_path / ("a.idx.gz" if compressed else "a.idx")
    write_idx(path, array)
    back = read_idx(path)
    assert back.shape == array.shape
    assert back.dtype == array.dtype.newbyteorder("=")
    np.testing.assert_array_equal(back, array)


@settings(max_examples=120, deadline=None)
@given(
    image=arrays(np.uint8, st.tuples(st.integers(8, 80), st.integers(8, 80))),
    light_background=st.booleans(),
)
def test_preprocessing_invariants(image, light_background) -> None:
    if light_background:
        image = 255 - image
    try:
        out = mc.to_mnist_image(image)
    except NoDigitError:
        return  # a blank image is refused
    except InputError as error:  # and so are pixels of 0 and 1 only: a mask, not a picture
        assert set(np.unique(image)) == {0, 1} and "0 and 1" in str(error), error
        return
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1
    assert out.sum() > 0
    for axis in (0, 1):
        profile = out.sum(axis=1 - axis)  # the ink in each row (axis 0) or column (axis 1)
        centre = (np.arange(28) * profile).sum() / profile.sum()
        inked = np.flatnonzero(profile)
        # Centred by mass as far as the frame allows: ink far to one side of a wide box (a
        # speck in a corner) would need a move that pushes the rest out of the frame.
        room = np.clip(13.5 - centre, -inked[0], 27 - inked[-1])
        assert abs(room) <= 4, (axis, centre, inked[[0, -1]])


@settings(max_examples=80, deadline=None)
@given(
    box=st.tuples(st.integers(2, 60), st.integers(2, 60), st.integers(0, 40), st.integers(0, 40)),
    ink=st.integers(120, 255),
)
def test_any_solid_shape_is_centred(box, ink) -> None:
    height, width, top, left = box
    canvas = np.zeros((top + height + 10, left + width + 10), np.uint8)
    canvas[top : top + height, left : left + width] = ink
    out = mc.to_mnist_image(canvas)
    ys, xs = np.indices(out.shape)
    cy, cx = (ys * out).sum() / out.sum(), (xs * out).sum() / out.sum()
    assert abs(cy - 13.5) <= 1 and abs(cx - 13.5) <= 1


def _mutations(rng: random.Random, seed_files: list[bytes]) -> bytes:
    data = bytearray(rng.choice(seed_files))
    for _ in range(rng.randint(1, 4)):
        choice = rng.random()
        if choice < 0.4 and data:
            data[rng.randrange(min(len(data), 24))] = rng.randrange(256)  # header bytes
        elif choice < 0.6 and data:
            data[rng.randrange(len(data))] = rng.randrange(256)
        elif choice < 0.8:
            del data[rng.randrange(len(data) + 1) :]
        else:
            data += bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    return bytes(data)


def test_fuzz_idx_parser_only_raises_the_documented_error(tmp_path) -> None:
    rng = random.Random(20261129)
    seeds = []
    for array in (
        np.arange(12, dtype=np.uint8).reshape(3, 4),
        np.zeros((2, 3, 3), np.int16),
        np.ones(5, np.float32),
        np.zeros((1, 1, 1, 2), np.float64),
    ):
        write_idx(tmp_path / "seed", array)
        seeds.append((tmp_path / "seed").read_bytes())
    parsed = refused = 0
    for i in range(3000):
        if i % 3 == 0:
            data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 40)))
        else:
            data = _mutations(rng, seeds)
        try:
            array = parse_idx(data, name="fuzz")
        except DataFileError:
            refused += 1
            continue
        parsed += 1
        assert isinstance(array, np.ndarray)
    assert parsed > 100 and refused > 1000  # both outcomes were exercised
    # the gzip layer too: garbage behind a gzip magic number
    gzip_refused = 0
    for _ in range(300):
        blob = gzip.compress(bytes(rng.randrange(256) for _ in range(50)))
        (tmp_path / "f.gz").write_bytes(blob[: rng.randint(2, len(blob))])
        try:
            read_idx(tmp_path / "f.gz")
        except DataFileError:
            gzip_refused += 1
    assert gzip_refused == 300  # cut gzip, or random bytes that are no IDX header


@pytest.mark.parametrize("size", [2, 28, 200])
def test_blank_images_of_any_size_are_refused_clearly(size) -> None:
    with pytest.raises(NoDigitError):
        mc.to_mnist_image(np.full((size, size), 17, np.uint8))
    with pytest.raises(InputError):
        mc.to_mnist_image(np.full((size, size), 0.5, np.float32) * np.nan)
