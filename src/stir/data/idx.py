"""MNIST-format IDX files: `read_idx`, `write_idx`, and `load_mnist` with a download cache.

An IDX file is a 4-byte magic number (0, 0, dtype code, number of dimensions), one
big-endian uint32 per dimension, then the values in C order, big-endian. MNIST ships its
four files gzipped; both forms are read.
"""

from __future__ import annotations

import gzip
import os
import shutil
import struct
import tempfile
import urllib.request
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .._types import Array

#: dtype code (the magic number's third byte) → big-endian NumPy dtype.
IDX_DTYPES = {
    0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8"),
}
MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"
MNIST_FILES = (
    "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
)
DOWNLOAD_TIMEOUT = 10.0  # seconds per file


class IDXError(ValueError):
    """A file that is not a valid IDX file; the message names the file and the problem."""


class DatasetNotFoundError(FileNotFoundError):
    """A dataset is neither in its cache directory nor downloadable."""


class MNIST(NamedTuple):
    """MNIST's splits: X float32 in [0, 1], (n, 784) flattened or (n, 28, 28); y int64 (n,)."""

    X_train: Array
    y_train: Array
    X_test: Array
    y_test: Array


def read_idx(path: str | Path) -> Array:
    """The array in an IDX file (gzipped or raw), native byte order.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "a.idx.gz")
    >>> write_idx(path, np.arange(6, dtype=np.uint8).reshape(2, 3))
    >>> read_idx(path).tolist()
    [[0, 1, 2], [3, 4, 5]]
    """
    name = str(path)
    try:
        with open(name, "rb") as handle:
            raw = handle.read()
    except OSError as error:
        raise IDXError(f"{name}: cannot open: {error.strerror or error}") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as error:
            raise IDXError(f"{name}: a damaged or truncated gzip file ({error})") from None
    if len(raw) < 4:
        raise IDXError(f"{name}: truncated: {len(raw)} bytes, shorter than the 4-byte magic")
    zero, code, ndim = raw[0:2], raw[2], raw[3]
    if zero != b"\x00\x00" or code not in IDX_DTYPES:
        raise IDXError(
            f"{name}: bad magic number 0x{raw[:4].hex()}: an IDX file starts with two zero "
            f"bytes, a dtype code in {[hex(c) for c in IDX_DTYPES]} and the dimension count"
        )
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise IDXError(f"{name}: truncated in the header: {ndim} dimensions need "
                       f"{header_size} bytes, the file has {len(raw)}")
    shape = struct.unpack(f">{ndim}I", raw[4:header_size])
    dtype = IDX_DTYPES[code]
    expected = header_size + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        state = "truncated" if len(raw) < expected else "too long"
        raise IDXError(f"{name}: {state}: shape {shape} of {dtype.name} needs {expected} bytes, "
                       f"the file has {len(raw)}")
    array = np.frombuffer(raw, dtype=dtype, offset=header_size).reshape(shape)
    return array.astype(dtype.newbyteorder("="))


def write_idx(path: str | Path, array: Array) -> None:
    """Write `array` as an IDX file, gzipped when `path` ends in .gz.

    Supported dtypes: uint8, int8, int16, int32, float32, float64.
    """
    array = np.asarray(array)
    codes = {dtype.newbyteorder("="): code for code, dtype in IDX_DTYPES.items()}
    native = array.dtype.newbyteorder("=")
    if native not in codes:
        raise TypeError(f"write_idx: IDX cannot hold {array.dtype}; use one of "
                        f"{sorted(d.name for d in codes)}")
    if array.ndim > 255:
        raise ValueError(f"write_idx: at most 255 dimensions, got {array.ndim}")
    header = bytes([0, 0, codes[native], array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    body = np.ascontiguousarray(array, dtype=IDX_DTYPES[codes[native]]).tobytes()
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as handle:
        handle.write(header + body)


def default_mnist_root() -> Path:
    """~/.cache/stir/mnist, where `load_mnist` looks for and caches the files."""
    return Path.home() / ".cache" / "stir" / "mnist"


def load_mnist(
    root: str | Path | None = None, download: bool = True, flatten: bool = True,
) -> MNIST:
    """MNIST from `root` (default ~/.cache/stir/mnist), downloading missing files when asked.

    Each of MNIST_FILES may be present gzipped or uncompressed (without .gz). Offline, a
    DatasetNotFoundError names the four files and the directory to put them in.
    """
    directory = Path(root) if root is not None else default_mnist_root()
    paths = [_find_or_download(directory, name, download) for name in MNIST_FILES]
    images_train, labels_train, images_test, labels_test = (read_idx(p) for p in paths)
    for images, labels, split in ((images_train, labels_train, "train"),
                                  (images_test, labels_test, "t10k")):
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise IDXError(f"{directory}: {split} images {tuple(images.shape)} and labels "
                           f"{tuple(labels.shape)} do not form an MNIST split")

    def prepared(images: Array) -> Array:
        X = images.astype(np.float32) / 255.0
        return X.reshape(len(X), -1) if flatten else X

    return MNIST(prepared(images_train), labels_train.astype(np.int64),
                 prepared(images_test), labels_test.astype(np.int64))


def _find_or_download(directory: Path, name: str, download: bool) -> Path:
    for candidate in (directory / name, directory / name.removesuffix(".gz")):
        if candidate.is_file():
            return candidate
    reason = "download=False"
    if download:
        try:
            return _download(MNIST_URL + name, directory / name)
        except (OSError, ValueError) as error:
            reason = f"downloading {MNIST_URL + name} failed: {error}"
    raise DatasetNotFoundError(
        f"MNIST file {name} is not in {directory} ({reason}). Place the four files "
        f"{', '.join(MNIST_FILES)} (gzipped or not) in {directory}, or pass root= to "
        f"load_mnist."
    )


def _download(url: str, destination: Path) -> Path:
    destination.parent.mkdir(parents=True, exist_ok=True)
    # A temporary file then a rename, so an interrupted download never looks complete.
    handle, temporary = tempfile.mkstemp(dir=destination.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out, \
                urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response:
            shutil.copyfileobj(response, out)
        os.replace(temporary, destination)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return destination
