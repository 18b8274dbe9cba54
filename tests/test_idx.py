from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from mnist_course import DataFileError
from mnist_course.data.idx import parse_idx, read_idx, write_idx


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "float32", "float64"])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_round_trip(tmp_path: Path, dtype: str, suffix: str) -> None:
    array = (np.arange(2 * 3 * 4) - 5).astype(dtype).reshape(2, 3, 4)
    path = tmp_path / f"a-idx3{suffix}"
    write_idx(path, array)
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(back, array)
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_header_layout_matches_the_mnist_specification(tmp_path: Path) -> None:
    path = tmp_path / "labels"
    write_idx(path, np.array([7, 2, 1], dtype=np.uint8))
    assert path.read_bytes() == bytes.fromhex("0000080100000003070201")


def header(code: int, dims: list[int]) -> bytes:
    return bytes([0, 0, code, len(dims)]) + b"".join(d.to_bytes(4, "big") for d in dims)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "too short"),
        (b"\x00\x00", "too short"),
        (b"\x12\x34\x08\x01" + b"\x00" * 8, "bad IDX magic"),
        (b"\x00\x00\x07\x01" + b"\x00" * 8, "bad IDX magic"),
        (header(8, []), "0 dimensions"),
        (b"\x00\x00\x08\x03" + b"\x00\x00\x00\x02", "ends after 8 bytes"),
        (header(8, [2, 28, 28]) + b"\x00" * 100, "truncated"),
        (header(8, [3]) + b"\x00" * 4, "longer than its header says"),
    ],
)
def test_malformed_bytes_are_named(data: bytes, message: str) -> None:
    with pytest.raises(DataFileError, match=message):
        parse_idx(data, name="thefile")


def test_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(header(8, [10, 28, 28]) + b"\x00" * 5)
    with pytest.raises(DataFileError, match="train-images-idx3-ubyte"):
        read_idx(path)


def test_gz_name_without_gzip_content(tmp_path: Path) -> None:
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(b"<html>Not Found</html>")
    with pytest.raises(DataFileError, match="not gzip-compressed"):
        read_idx(path)


def test_truncated_gzip(tmp_path: Path) -> None:
    path = tmp_path / "labels.gz"
    payload = gzip.compress(header(8, [1000]) + bytes(1000))
    path.write_bytes(payload[: len(payload) // 2])
    with pytest.raises(DataFileError, match="gzip data is corrupt or truncated"):
        read_idx(path)


def test_unreadable_path(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="is a folder, not an IDX file"):
        read_idx(tmp_path)


def test_write_refuses_unsupported_dtypes(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="dtype"):
        write_idx(tmp_path / "x", np.zeros(3, dtype=np.uint64))
    assert not list(tmp_path.iterdir())


def test_huge_declared_sizes_do_not_overflow() -> None:
    # 2**16 ** 4 == 2**64 wraps to 0 in int64 arithmetic; it must not pass as an empty body
    with pytest.raises(DataFileError, match="truncated"):
        parse_idx(header(8, [2**16, 2**16, 2**16, 2**16]), name="huge")
