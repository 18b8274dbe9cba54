"""Read and write IDX, MNIST's first format (http://yann.lecun.com/exdb/mnist/): two zero
bytes, a type code, the number of dimensions, a big-endian uint32 per dimension, the values."""

from __future__ import annotations

import gzip
import math
import os
import zlib
from pathlib import Path

import numpy as np

from ..errors import DataFileError
from ..files import atomic_path, open_regular_file
from ..language import tr

_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_CODES = {np.dtype(dtype).newbyteorder("="): code for code, dtype in _DTYPES.items()}
# The most data one array may hold when read: 20 times MNIST's largest file (47 MB).
MAX_BYTES = 1 << 30


def _header(data: bytes, name: str) -> tuple[np.dtype, tuple[int, ...], int]:
    """The big-endian dtype, the shape and the header's size that ``data`` begins with."""
    if len(data) < 4:
        raise DataFileError(
            "{name}: only {size} bytes, too short to be an IDX file (the header alone is at "
            "least 4 bytes). The file is empty or truncated: download it again.",
            name=name,
            size=len(data),
        )
    if data[:2] != b"\0\0" or data[2] not in _DTYPES:
        raise DataFileError(
            "{name}: bad IDX magic number 0x{magic} (expected 0x0000 followed by a "
            "type code such as 0x08 and the number of dimensions). This is not an "
            "IDX file, or it is still compressed.",
            name=name,
            magic=data[:4].hex(),
        )
    ndim = data[3]
    if ndim == 0 or ndim > 4:  # MNIST's are 1 (labels) and 3 (images)
        raise DataFileError(
            "{name}: IDX header declares {ndim} dimensions; MNIST files have 1 or 3.",
            name=name,
            ndim=ndim,
        )
    if len(data) < 4 + 4 * ndim:
        raise DataFileError(
            "{name}: the header declares {ndim} dimensions but the file ends after "
            "{size} bytes, before their sizes. The file is truncated.",
            name=name,
            ndim=ndim,
            size=len(data),
        )
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return np.dtype(_DTYPES[data[2]]), shape, 4 + 4 * ndim


def parse_idx(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """Decode one uncompressed IDX file (``name`` for messages) into a native-order array."""
    dtype, shape, start = _header(data, name)
    # exact integers: four 32-bit sizes can overflow int64 and wrap to a plausible size
    expected, body = math.prod(shape) * dtype.itemsize, len(data) - start
    if body != expected:
        what = tr("truncated") if body < expected else tr("longer than its header says")
        raise DataFileError(
            "{name}: the header declares shape {shape} ({expected} bytes of data) but the file "
            "holds {body} bytes after the header: it is {what}. Download the file again.",
            name=name,
            shape=shape,
            expected=expected,
            body=body,
            what=what,
        )
    array = np.frombuffer(data, dtype=dtype, offset=start).reshape(shape)
    return array.astype(dtype.newbyteorder("="))


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file, plain or gzip-compressed (told by its first bytes, not its name)."""
    path = Path(path)
    try:
        with open_regular_file(path, what=tr("an IDX file"), error=DataFileError) as file:
            head = file.read(2)
            if head == b"\x1f\x8b":
                file.seek(0)
                raw = _gunzip(file, path)
            elif path.suffix == ".gz":
                raise DataFileError(
                    "{path}: the name ends in .gz but the content is not gzip-compressed. "
                    "The download may have been replaced by an error page; download it again.",
                    path=path,
                )
            else:
                raw = head + file.read()  # as long as the file on disk: nothing to bound
    except OSError as error:
        raise DataFileError(
            "{path}: cannot be read ({error}).", path=path, error=error.strerror or error
        ) from None
    return parse_idx(raw, name=str(path))


def _gunzip(file, path: Path) -> bytes:
    """Decompress no further than the header declares, so a "gzip bomb" is refused."""
    try:
        with gzip.GzipFile(fileobj=file) as stream:
            start = stream.read(4)
            header = start + stream.read(4 * start[3] if len(start) == 4 else 0)
            dtype, shape, _ = _header(header, str(path))
            declared = math.prod(shape) * dtype.itemsize
            if declared > MAX_BYTES:
                raise DataFileError(
                    "{path}: the header declares {declared:,} bytes of data, more than the "
                    "{max_bytes:,} an IDX file read here may hold (MNIST's largest holds "
                    "47,040,000). It is not an MNIST file, or it is damaged.",
                    path=path,
                    declared=declared,
                    max_bytes=MAX_BYTES,
                )
            return header + stream.read(declared + 1)  # one more, to notice a longer file
    except (OSError, EOFError, zlib.error) as error:
        raise DataFileError(
            "{path}: the gzip data is corrupt or truncated ({error}). Download the file again.",
            path=path,
            error=error,
        ) from None


def write_idx(path: str | os.PathLike[str], array: np.ndarray) -> None:
    """Write ``array`` (uint8, int8, int16, int32, float32 or float64, 1 dimension or more) as an
    IDX file, atomically; gzip-compressed where ``path`` ends in .gz."""
    array = np.asarray(array)
    code = _CODES.get(array.dtype.newbyteorder("="))
    if code is None or array.ndim == 0 or array.ndim > 255:
        raise DataFileError(
            "cannot write IDX: dtype {dtype} with {ndim} dimensions; use uint8, "
            "int8, int16, int32, float32 or float64 with 1 to 255 dimensions.",
            dtype=array.dtype,
            ndim=array.ndim,
        )
    sizes = b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    payload = bytes([0, 0, code, array.ndim]) + sizes + array.astype(_DTYPES[code]).tobytes()
    if Path(path).suffix == ".gz":
        payload = gzip.compress(payload, mtime=0)
    with atomic_path(path) as tmp:
        tmp.write_bytes(payload)
