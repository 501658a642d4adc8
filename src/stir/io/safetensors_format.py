"""The safetensors format: written by the `safetensors` package, read here, strictly.

A safetensors file is an 8-byte little-endian header length N, N bytes of UTF-8 JSON, then
the tensors' bytes. The JSON maps each tensor name to {"dtype", "shape", "data_offsets":
[begin, end]} (offsets into the data that follows the header), plus an optional
"__metadata__" of string → string.

`read` opens only regular files (a FIFO, a device or a folder is refused at once, before a
byte is read), takes the size from `fstat`, checks the length prefix against it, parses
the header within a memory budget (`bounded_json`), checks every claim the header makes
(dtypes, shapes, byte ranges that tile the data exactly, the total against the file's size)
and only then reads each tensor's bytes straight into its array. A hostile file therefore
costs its own size in memory plus a bounded header, and raises `ModelFormatError` rather
than anything else.
"""

from __future__ import annotations

import io
import math
import os
from typing import Any, BinaryIO

import numpy as np

from ..regular_files import NotARegularFile, open_regular
from . import bounded_json
from .errors import ModelFormatError, quote

#: Headers larger than this are refused before they are parsed (safetensors allows 100 MB;
#: a model's index needs a few hundred bytes per tensor).
MAX_HEADER_BYTES = 16 * 2**20
LENGTH_BYTES = 8
#: safetensors dtype names → little-endian NumPy dtypes (what `safetensors.numpy` reads).
DTYPES = {
    "F64": np.dtype("<f8"), "F32": np.dtype("<f4"), "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"), "I32": np.dtype("<i4"), "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"), "U64": np.dtype("<u8"), "U32": np.dtype("<u4"),
    "U16": np.dtype("<u2"), "U8": np.dtype("u1"), "BOOL": np.dtype("?"),
}
TENSOR_FIELDS = {"dtype", "shape", "data_offsets"}
#: NumPy's own limit on dimensions.
MAX_DIMS = 64
#: The largest tensor a header may describe, in bytes, counting a zero dimension as one
#: (NumPy refuses a shape such as [0, 2**62] whose other dimensions overflow).
MAX_TENSOR_BYTES = 2**48
#: Memory the header's JSON may take besides the file's own size (see `bounded_json`).
HEADER_BUDGET = 8 * 2**20
CHUNK = 2**20


def encode(tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> bytes:
    """The bytes of a safetensors file holding `tensors` and `metadata` (via `safetensors`).

    >>> data = encode({"w": np.ones(2, np.float32)}, {"note": "hi"})
    >>> decode(data, "example")[0]["w"].tolist(), decode(data, "example")[1]
    ([1.0, 1.0], {'note': 'hi'})
    """
    from safetensors.numpy import save

    for name, array in tensors.items():
        if array.dtype.newbyteorder("<") not in DTYPES.values():
            raise TypeError(f"cannot save tensor {name!r}: dtype {array.dtype} has no "
                            f"safetensors name (supported: {', '.join(DTYPES)})")
    # safetensors wants C-contiguous little-endian arrays.
    # (reshaped: ascontiguousarray makes a 0-d array 1-d, and a scalar keeps its shape ())
    arrays = {name: np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).reshape(
        array.shape) for name, array in tensors.items()}
    return save(arrays, metadata=metadata or None)


def decode(data: bytes, name: str) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The tensors (writable arrays) and metadata of the safetensors file held in `data`;
    `name` is used in messages. Raises ModelFormatError for anything malformed."""
    return read(io.BytesIO(data), name)


def read(source: str | os.PathLike[str] | BinaryIO, name: str
         ) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The tensors (writable native-order arrays) and metadata of the safetensors file at
    the path `source`, or in the binary file object `source` (read from its position to its
    end); `name` is used in messages. Raises ModelFormatError for anything malformed, a
    non-regular file included; OSError if the file cannot be opened.

    >>> import tempfile, os
    >>> read(tempfile.mkdtemp(), "a folder")
    Traceback (most recent call last):
    ...
    stir.ModelFormatError: a folder: not a regular file but a directory; stir reads model and checkpoint files only
    """
    with _opened(source, name) as (file, size):
        entries, metadata, data_size = _header(file, size, name)
        tensors = {}
        if size is None or not hasattr(file, "readinto"):
            # A stream of unknown length: never allocate more than has arrived.
            data = _read_to_end(file, data_size, name)
            for key, entry in entries.items():
                begin = entry["data_offsets"][0]
                tensors[key] = np.frombuffer(data, entry["numpy_dtype"], entry["numel"],
                                             begin).copy()
        else:
            for key, entry in entries.items():  # in offset order: the ranges tile the data
                tensors[key] = _read_array(file, entry, name)
    for key, entry in entries.items():
        array = tensors[key]
        if not array.dtype.isnative:
            array = array.astype(array.dtype.newbyteorder("="))
        array.shape = tuple(entry["shape"])
        tensors[key] = array
    return tensors, metadata


def read_header(source: str | os.PathLike[str] | BinaryIO, name: str
                ) -> tuple[dict[str, dict[str, Any]], dict[str, str], int]:
    """The checked header of the file `source` (as `parse_header` gives it), without
    reading the tensors."""
    with _opened(source, name) as (file, size):
        return _header(file, size, name)


def _header(file: BinaryIO, size: int | None, name: str
            ) -> tuple[dict[str, dict[str, Any]], dict[str, str], int]:
    """Read and check the length prefix and the header; with the file's size known, the
    data the header describes must fill the rest of it exactly."""
    first = _read_exactly(file, LENGTH_BYTES, name, size)
    header_length = int.from_bytes(first, "little")
    if header_length > MAX_HEADER_BYTES or (size is not None
                                            and header_length > size - LENGTH_BYTES):
        _refuse_foreign(bytes(first), name)
    if header_length > MAX_HEADER_BYTES:
        raise ModelFormatError(f"{name}: not a safetensors file: its first 8 bytes claim "
                               f"a {header_length}-byte header, more than the "
                               f"{MAX_HEADER_BYTES // 2**20} MiB limit")
    if size is not None and header_length > size - LENGTH_BYTES:
        raise ModelFormatError(f"{name}: the header claims {header_length} bytes but the "
                               f"file has only {size - LENGTH_BYTES} after the length; it "
                               "is truncated or not a safetensors file")
    text = _utf8(_read_exactly(file, header_length, name, size), name)  # the bytes freed
    budget = HEADER_BUDGET + (size if size is not None else LENGTH_BYTES + header_length)
    entries, metadata, data_size = parse_header(text, name, budget)
    if size is not None:
        _check_total(data_size, size - LENGTH_BYTES - header_length, name)
    return entries, metadata, data_size


#: How PyTorch's files begin: `torch.save` writes a zip archive (since PyTorch 1.6) or,
#: before that, a bare stream of Python's object serialization, protocol 2 and up.
ZIP_MAGIC = b"PK\x03\x04"
#: The advice every refusal of a PyTorch file gives.
CONVERT = ("convert it once, in PyTorch: `from safetensors.torch import save_file; "
           "save_file(model.state_dict(), 'model.safetensors')`, then in stir: "
           "`stir.load('model.safetensors', model=YourModel())`")


def _refuse_foreign(first: bytes, name: str) -> None:
    """Raise ModelFormatError naming the format of a file that is not safetensors, when its
    first bytes say what it is: PyTorch's own files get the way to convert them."""
    if first.startswith(ZIP_MAGIC):
        raise ModelFormatError(
            f"{name}: this is a zip archive, as `torch.save` writes (a .pt or .pth file "
            "holding Python objects to unpickle); stir never unpickles a file, since "
            f"unpickling can run any code. To use its weights, {CONVERT}")
    if first[:1] == b"\x80" and 2 <= first[1] <= 5:
        raise ModelFormatError(
            f"{name}: this is a file of serialized Python objects, as the torch.save of "
            "PyTorch before 1.6 wrote; stir never unpickles a file, since unpickling can run "
            f"any code. To use its weights, {CONVERT}")


def _utf8(raw: bytearray, name: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ModelFormatError(f"{name}: the header is not valid UTF-8 (byte "
                               f"{error.start + LENGTH_BYTES})") from None


def parse_header(text: str, name: str, budget: int
                 ) -> tuple[dict[str, dict[str, Any]], dict[str, str], int]:
    """Check the header `text` completely: (tensor entries in offset order, metadata, the
    number of data bytes they need). The JSON may cost at most `budget` bytes to parse.

    Each entry gets "numpy_dtype" and "numel" added. The byte ranges must tile the data
    exactly: no gaps or overlaps.
    """
    cost = bounded_json.parse_cost(text)
    if cost > budget:
        raise ModelFormatError(f"{name}: the header's JSON would take about {cost // 2**20} "
                               f"MiB to read, more than stir allows for a file of this size "
                               f"({budget // 2**20} MiB)")
    header = bounded_json.loads(text, f"{name}: the header")
    if not isinstance(header, dict):
        raise ModelFormatError(f"{name}: the header must be a JSON object, got "
                               f"{type(header).__name__}")
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(
            isinstance(value, str) for value in metadata.values()):
        raise ModelFormatError(f"{name}: __metadata__ must map strings to strings")
    entries = {key: _entry(key, value, name) for key, value in header.items()}
    ordered = dict(sorted(entries.items(), key=lambda item: item[1]["data_offsets"]))
    return ordered, metadata, _check_layout(ordered, name)


def _entry(key: str, value: Any, name: str) -> dict[str, Any]:
    where = f"{name}: tensor {quote(key)}"
    if not isinstance(value, dict) or set(value) != TENSOR_FIELDS:
        got = sorted(value) if isinstance(value, dict) else type(value).__name__
        raise ModelFormatError(f"{where}: an entry needs exactly the fields dtype, shape and "
                               f"data_offsets, got {quote(got)}")
    dtype = value["dtype"]
    if not isinstance(dtype, str) or dtype not in DTYPES:
        raise ModelFormatError(f"{where}: unknown or unsupported dtype {quote(dtype)} (stir "
                               f"reads {', '.join(DTYPES)})")
    shape, offsets = value["shape"], value["data_offsets"]
    if not isinstance(shape, list) or len(shape) > MAX_DIMS or not all(map(_natural, shape)):
        raise ModelFormatError(f"{where}: the shape must be a list of at most {MAX_DIMS} "
                               f"integers >= 0, got {quote(shape)}")
    itemsize = DTYPES[dtype].itemsize
    extent = itemsize
    for size in shape:  # stops at the first dimension that makes the tensor too large
        extent *= max(size, 1)
        if extent > MAX_TENSOR_BYTES:
            raise ModelFormatError(f"{where}: the shape {quote(shape)} describes a tensor "
                                   f"larger than {MAX_TENSOR_BYTES // 2**40} TiB")
    if (not isinstance(offsets, list) or len(offsets) != 2 or not all(map(_natural, offsets))
            or offsets[0] > offsets[1]):
        raise ModelFormatError(f"{where}: data_offsets must be [begin, end] with "
                               f"0 <= begin <= end, got {quote(offsets)}")
    numel = math.prod(shape)
    if numel * itemsize != offsets[1] - offsets[0]:
        raise ModelFormatError(
            f"{where}: shape {shape} of {dtype} needs {numel * itemsize} bytes "
            f"but data_offsets {offsets} span {offsets[1] - offsets[0]}")
    return {**value, "numpy_dtype": DTYPES[dtype], "numel": numel}


def _natural(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_layout(entries: dict[str, dict[str, Any]], name: str) -> int:
    """The byte ranges, in order, must tile [0, total) exactly; returns the total."""
    position = 0
    for key, entry in entries.items():
        begin, end = entry["data_offsets"]
        if begin < position:
            raise ModelFormatError(f"{name}: tensor {quote(key)} starts at byte {begin}, "
                                   "inside the previous tensor (overlapping ranges)")
        if begin > position:
            raise ModelFormatError(f"{name}: bytes {position}–{begin} belong to no tensor "
                                   f"(a gap before {quote(key)})")
        position = end
    return position


def _check_total(needed: int, held: int, name: str) -> None:
    if needed > held:
        raise ModelFormatError(f"{name}: the tensors need {needed} bytes of data but the "
                               f"file holds {held}; it is truncated")
    if needed < held:
        raise ModelFormatError(f"{name}: {held - needed} trailing bytes after the last "
                               "tensor")


class _opened:
    """`with _opened(source, name) as (file, size)`: a binary file and its size in bytes
    from the current position (None for a stream whose length cannot be known). A path is
    opened without blocking (a FIFO would wait for a writer) and must be a regular file."""

    def __init__(self, source: Any, name: str) -> None:
        self.source, self.name, self.owned = source, name, None

    def __enter__(self) -> tuple[BinaryIO, int | None]:
        if hasattr(self.source, "read"):
            return self.source, _remaining(self.source)
        try:
            descriptor, status = open_regular(self.source)
        except NotARegularFile as error:
            raise ModelFormatError(f"{self.name}: not a regular file but {error.kind}; stir "
                                   "reads model and checkpoint files only") from None
        self.owned = os.fdopen(descriptor, "rb", buffering=0)
        return self.owned, status.st_size

    def __exit__(self, *exc_info: object) -> None:
        if self.owned is not None:
            self.owned.close()


def _remaining(file: Any) -> int | None:
    """How many bytes `file` holds after its position, if it can say."""
    if isinstance(file, io.BytesIO):
        return file.getbuffer().nbytes - file.tell()
    try:
        if not file.seekable():
            return None
        position = file.tell()
        end = file.seek(0, os.SEEK_END)
        file.seek(position)
    except (OSError, AttributeError, ValueError):
        return None
    return max(end - position, 0)


def _read_exactly(file: BinaryIO, count: int, name: str, size: int | None) -> bytearray:
    """The next `count` bytes (at most MAX_HEADER_BYTES: the caller checks), in one buffer
    filled in place."""
    data = bytearray(count)
    view, filled = memoryview(data), 0
    while filled < count:
        if hasattr(file, "readinto"):
            got = file.readinto(view[filled:])
        else:
            chunk = file.read(count - filled)
            if isinstance(chunk, (bytes, bytearray)):
                view[filled:filled + len(chunk)] = chunk
            got = len(chunk) if isinstance(chunk, (bytes, bytearray)) else chunk
        if got is None or not isinstance(got, int):
            _not_binary(got, name)
        if not got:
            break
        filled += got
    view.release()
    if filled < count:
        if filled == 0 and count == LENGTH_BYTES and size in (0, None):
            raise ModelFormatError(f"{name}: the file is empty")
        if count == LENGTH_BYTES:
            raise ModelFormatError(f"{name}: the file has {filled} bytes, fewer than the "
                                   "8 of a safetensors header length; it is not a model file")
        raise ModelFormatError(f"{name}: the file ends after {filled} of the header's "
                               f"{count} bytes; it is truncated")
    return data


def _read_array(file: BinaryIO, entry: dict[str, Any], name: str) -> np.ndarray:
    """The next tensor's bytes, read straight into its array (no second copy)."""
    array = np.empty(entry["numel"], dtype=entry["numpy_dtype"])
    view = memoryview(array).cast("B")
    filled = 0
    while filled < len(view):
        count = file.readinto(view[filled:filled + 64 * CHUNK])
        if not count:
            raise ModelFormatError(f"{name}: the file ended while reading its tensors (it "
                                   "changed or was truncated while being read)")
        filled += count
    return array


def _read_to_end(file: BinaryIO, needed: int, name: str) -> bytearray:
    """All that is left of a stream, refusing it the moment it holds more than `needed`."""
    data = bytearray()
    while len(data) <= needed:
        chunk = file.read(min(CHUNK, needed + 1 - len(data)))
        if chunk is None or not isinstance(chunk, (bytes, bytearray)):
            _not_binary(chunk, name)
        if not chunk:
            break
        data += chunk
    if len(data) > needed:
        raise ModelFormatError(f"{name}: trailing bytes after the last tensor")
    _check_total(needed, len(data), name)
    return data


def _not_binary(chunk: Any, name: str) -> None:
    if isinstance(chunk, str):
        raise TypeError(f"{name}: open the file in binary mode ('rb'), not text mode")
    raise ModelFormatError(f"{name}: the stream gave {type(chunk).__name__} instead of bytes "
                           "(a non-blocking stream with no data yet?)")
