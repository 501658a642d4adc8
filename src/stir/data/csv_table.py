"""Reading a CSV file's header and rows: regular files only, UTF-8, with line numbers, in
chunks of rows so that a file of millions of rows never becomes millions of Python lists.

`CSVTable(name)` opens the file, detects its delimiter (`,`, `;`, tab or `|`, from the
first lines) and reads the header (names stripped, none empty or repeated);
`table.chunks()` then yields the data rows as `Chunk`s: each row's line number and the
cells column by column. Every problem raises `CSVError` naming the file and the line. A
FIFO, a device or a folder is refused before anything is read (opened without blocking);
bytes that are not UTF-8 are reported at their line, and a UTF-16 or UTF-32 file by its
byte-order mark. Quoted fields may hold delimiters, quotes ("") and line breaks.

>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "semicolons.csv")
>>> _ = open(path, "w").write('a;b\\n1;"x; y"\\n\\n2;z\\n')
>>> table = CSVTable(path)
>>> table.header, table.delimiter
(['a', 'b'], ';')
>>> [(chunk.lines.tolist(), chunk.columns) for chunk in table.chunks()]
[([2, 4], [('1', '2'), ('x; y', 'z')])]
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import os
from collections import Counter
from dataclasses import dataclass
from typing import BinaryIO, Iterator, TextIO

import numpy as np

from .._types import Array
from ..regular_files import NotARegularFile, open_regular

#: Delimiters tried, in order of preference when more than one reads the sample evenly.
DELIMITERS = (",", ";", "\t", "|")
CHUNK_ROWS = 20_000  # rows per chunk: ~1 MB of cells for 20 columns, freed before the next
_SAMPLE_BYTES = 1 << 16  # what delimiter detection reads
_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
              (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}


class CSVError(ValueError):
    """A CSV file that cannot be used; the message names the file, line and column."""


@dataclass
class Chunk:
    """Consecutive data rows: `lines` (int64, each row's line number in the file) and
    `columns`, one tuple of cell strings per header column; or, when every cell was a
    number, `numbers` instead (float64, rows × columns) and no `columns`."""

    lines: Array
    columns: list[tuple[str, ...]]
    numbers: Array | None = None


class CSVTable:
    """A CSV file's header and delimiter; `chunks()` reads its rows (every call reads the
    file again from the start). `delimiter` None detects it (see `detect_delimiter`)."""

    def __init__(self, name: str, delimiter: str | None = None) -> None:
        self.name = name
        with _open_text(name) as handle:
            try:
                sample = handle.read(_SAMPLE_BYTES)
                self.delimiter = delimiter or detect_delimiter(sample)
                handle.seek(0)
                reader = _reader(handle, self.delimiter)
                header = next((row for row in reader if row), None)
            except csv.Error as error:
                raise CSVError(f"{name}: line {reader.line_num}: {error}") from None
            except UnicodeDecodeError:
                raise CSVError(_not_utf8(name, handle.buffer)) from None
            if header is None:
                raise CSVError(f"{name}: the file is empty; expected a header row of column "
                               f"names")
            self.header = [h.strip() for h in header]
            self.header_line = reader.line_num
            size = os.fstat(handle.buffer.fileno()).st_size
        _check_header(name, self.header_line, self.header)
        self.rows_hint = _rows_hint(size, sample, len(self.header))
        if len(self.header) == 1 and delimiter is None:
            self._hint = _one_column_hint(sample)
        else:
            self._hint = ""

    def chunks(self, rows: int = CHUNK_ROWS, numbers: bool = True) -> Iterator[Chunk]:
        """The data rows, about `rows` at a time (blank lines skipped); a CSVError at the
        first row whose length differs from the header's, and if there are no data rows.

        A block of lines with no quote, no blank line and no lone carriage return is handed
        to NumPy's C parser (`np.loadtxt`, ~0.05 µs a cell against ~0.3 µs in Python), and
        comes back as numbers when every cell is one (`Chunk.numbers`); a block it refuses
        (text, missing markers) is split by the csv module; from the first block with a
        quote or a lone CR on, the csv module reads the rest of the file, since a quoted
        cell may hold line breaks. `numbers=False` gives every chunk as cells."""
        empty = True
        with _open_raw(self.name) as raw:
            head = b"".join(raw.readline() for _ in range(self.header_line))
            if head.count(b"\r") != head.count(b"\r\n"):  # lines end in a lone CR
                yield from self._csv_rows(0, 1, rows, skip=1)
                return
            line = self.header_line + 1  # of the block's first row
            for start, block, count in _line_blocks(raw, rows):
                if b'"' in block or (b"\r" in block
                                     and block.count(b"\r") != block.count(b"\r\n")):
                    for chunk in self._csv_rows(start, line, rows):
                        empty = False
                        yield chunk
                    break
                chunk = self._numbers(block, count, line) if numbers else None
                if chunk is None:
                    try:
                        text = block.decode("utf-8")
                    except UnicodeDecodeError:
                        raise CSVError(_not_utf8(self.name, raw)) from None
                    chunk = self._lines(text.split("\n")[:count], line)
                line += count
                if chunk is not None:
                    empty = False
                    yield chunk
        if empty:
            raise CSVError(f"{self.name}: line {self.header_line}: only a header row; no data "
                           f"rows")

    def _numbers(self, block: bytes, count: int, first: int) -> Chunk | None:
        """A block of `count` whole lines (no quotes) as numbers, if NumPy parses every cell
        as one and every line is a row (loadtxt skips blank lines: then the shape tells);
        else None. The bytes go to loadtxt as they are: it splits and decodes the lines in
        C, faster than a list of Python strings."""
        width = len(self.header)
        if width == 1:  # (one column: a blank line would be a missing cell, not skipped)
            return None
        try:
            parsed = np.loadtxt(io.BytesIO(block), delimiter=self.delimiter, comments=None,
                                dtype=np.float64, ndmin=2, encoding="utf-8")
        except ValueError:  # text, a marker, or not UTF-8 (UnicodeDecodeError is one)
            return None
        if parsed.shape != (count, width):
            return None
        return Chunk(np.arange(first, first + count, dtype=np.int64), [], parsed)

    def _lines(self, lines: list[str], first: int) -> Chunk | None:
        """A block of whole lines (no quotes) as cells, split by the csv module (blank lines
        skipped; None if all are blank)."""
        width = len(self.header)
        numbered, cells = [], []
        for index, row in enumerate(_reader(iter(lines), self.delimiter)):
            if len(row) != width or width == 1:
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue  # a blank line
                if len(row) != width:
                    raise CSVError(self._ragged(first + index, len(row)))
            numbered.append(first + index)
            cells.append(row)
        if not cells:
            return None
        return Chunk(np.array(numbered, dtype=np.int64), list(zip(*cells)))

    def _csv_rows(self, start: int, line: int, rows: int, skip: int = 0) -> Iterator[Chunk]:
        """The rows from byte `start` (line `line`) to the end, read by the csv module,
        after `skip` rows that are not blank (the header, when reading from the start)."""
        width, name = len(self.header), self.name
        with _open_text(name) as handle:
            handle.seek(start)
            reader = _reader(handle, self.delimiter)
            offset = line - 1  # the reader counts lines from here
            try:
                lines: list[int] = []
                cells: list[list[str]] = []
                ended = 0  # the line where the last row read ends
                for row in reader:
                    ended = reader.line_num
                    if skip and row:
                        skip -= 1
                        continue
                    if len(row) != width or width == 1:
                        if not row or (len(row) == 1 and not row[0].strip()):
                            continue  # a blank line
                        if len(row) != width:
                            raise CSVError(self._ragged(offset + reader.line_num, len(row)))
                    lines.append(offset + reader.line_num)
                    cells.append(row)
                    if len(cells) == rows:
                        yield Chunk(np.array(lines, dtype=np.int64), list(zip(*cells)))
                        lines, cells = [], []
            except csv.Error as error:
                if reader.line_num > ended and "unexpected end of data" in str(error):
                    # (the reader stops at the file's end; the open quote is in the row
                    # after the last one read whole)
                    raise CSVError(f"{name}: line {offset + ended + 1}: a quote (\") opened "
                                   f"in this row is never closed; the file ends inside it"
                                   ) from None
                raise CSVError(f"{name}: line {offset + reader.line_num}: {error}") from None
            except UnicodeDecodeError:
                raise CSVError(_not_utf8(name, handle.buffer)) from None
        if cells:
            yield Chunk(np.array(lines, dtype=np.int64), list(zip(*cells)))

    def cell(self, line: int, column: str) -> str:
        """One cell's text (stripped), by its row's line number and its column's name: read
        from the file again, for the messages that quote a cell as it is written."""
        position = self.header.index(column)
        for chunk in self.chunks(numbers=False):
            found = np.flatnonzero(chunk.lines == line)
            if found.size:
                return chunk.columns[position][int(found[0])].strip()
        raise KeyError(f"{self.name}: no data row at line {line}")

    def _ragged(self, line: int, got: int) -> str:
        return (f"{self.name}: line {line}: expected {len(self.header)} values (one per column "
                f"of the header), got {got}{self._hint}")


def _line_blocks(raw: BinaryIO, rows: int) -> Iterator[tuple[int, bytes, int]]:
    """The rest of the file in blocks of whole lines: (byte offset, bytes, line count).

    The first block is `rows` lines; the next ones as many bytes as those took, read in one
    call and completed to the end of their last line: reading bytes, not lines, spares a
    Python object per line."""
    start = raw.tell()
    block = b"".join(itertools.islice(raw, rows))
    size = max(len(block), 1)
    while block:
        yield start, block, block.count(b"\n") + (not block.endswith(b"\n"))
        start += len(block)
        block = raw.read(size)
        if block and not block.endswith(b"\n"):
            block += raw.readline()


def _rows_hint(size: int, sample: str, width: int) -> int:
    """About how many data rows a file of `size` bytes holds, from the lines in its first
    `sample` and 10% to spare; at most size / width, since a row takes at least a delimiter
    or a line break per column. The columns are allocated at this length once (the pages
    of an array that are never written take no memory), rather than grown as read.

    >>> _rows_hint(1000, "a,b\\n1,2\\n", 2)  # 8 characters for 2 lines: 250 lines
    276
    """
    lines = max(sample.count("\n"), 1)
    return min(int(1.1 * size * lines / max(len(sample), 1)), size // max(width, 1)) + 1


def detect_delimiter(sample: str) -> str:
    """The delimiter of `DELIMITERS` that splits the sample's complete lines into the same
    number (more than one) of fields, the most fields winning; "," if none does.

    >>> detect_delimiter("a;b;c\\n1,5;2;3\\n")  # decimal commas inside, semicolons between
    ';'
    >>> detect_delimiter("name\\nAda\\n")
    ','
    """
    complete = sample[:sample.rfind("\n") + 1] if "\n" in sample else sample
    best, best_width = ",", 1
    for delimiter in DELIMITERS:
        try:
            widths = {len(row) for row in _reader(io.StringIO(complete), delimiter) if row}
        except csv.Error:
            continue
        if len(widths) == 1 and (width := widths.pop()) > best_width:
            best, best_width = delimiter, width
    return best


def _one_column_hint(sample: str) -> str:
    """For a file read as one column: which delimiter the rows seem to use instead."""
    counts = {d: sample.count(d) for d in DELIMITERS if sample.count(d)}
    if not counts:
        return ""
    common = max(counts, key=counts.__getitem__)
    return (f"; the header has one column, but the rows hold {_DELIMITER_NAMES[common]}s: "
            f"is the header written with another delimiter?")


def _reader(handle: TextIO, delimiter: str) -> Iterator[list[str]]:
    return csv.reader(handle, delimiter=delimiter, strict=True)


def _open_text(name: str) -> TextIO:
    """The file as UTF-8 text (a BOM is skipped) if it is a regular file: a FIFO would wait
    for a writer, and a device such as /dev/zero would never end."""
    return io.TextIOWrapper(_open_raw(name), newline="", encoding="utf-8-sig")


def _open_raw(name: str) -> BinaryIO:
    """The regular file `name` as bytes, refused if its byte-order mark says UTF-16 or
    UTF-32 (see `_open_text`)."""
    try:
        descriptor, _ = open_regular(name)
    except NotARegularFile as error:
        raise CSVError(f"{name}: not a regular file but {error.kind}; give a CSV file") from None
    except OSError as error:
        raise CSVError(f"{name}: cannot open: {error.strerror or error}") from None
    raw = os.fdopen(descriptor, "rb")
    start = raw.read(4)
    for bom, encoding in _WIDE_BOMS:
        if start.startswith(bom):
            raw.close()
            raise CSVError(f"{name}: {encoding} text (by its byte-order mark); save it as "
                           f"UTF-8")
    raw.seek(0)
    return raw


def _not_utf8(name: str, raw: BinaryIO) -> str:
    """The message for a file that is not UTF-8, naming the line of the first bad byte.

    The text layer decodes blocks ahead of the csv reader, so the reader's line count is of
    no use; the line is counted in the bytes instead, as the reader counts lines (each \\n,
    \\r\\n or lone \\r ends one)."""
    raw.seek(0)
    data = raw.read()
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        data[start:].decode("utf-8")
    except UnicodeDecodeError as error:
        offset = start + error.start
        before = data[:offset]
        line = 1 + before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n")
        bad = data[offset:start + error.end].hex(" ")
        return (f"{name}: line {line}: not UTF-8 text (byte {bad} at offset {offset}: "
                f"{error.reason}); save it as UTF-8 (from Latin-1, for instance: "
                f"iconv -f latin1 -t utf-8)")
    return f"{name}: not UTF-8 text; save it as UTF-8"


def _check_header(name: str, line: int, header: list[str]) -> None:
    for position, column in enumerate(header):
        if not column:
            raise CSVError(f"{name}: line {line}: column {position + 1} has an empty name")
    duplicates = sorted(h for h, count in Counter(header).items() if count > 1)
    if duplicates:
        raise CSVError(f"{name}: line {line}: duplicate column name(s) {duplicates}")
