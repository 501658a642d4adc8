"""Reading a CSV file's header and rows: regular files only, UTF-8, with line numbers.

`read_table` gives the header (names stripped, none empty or repeated), each data row's
line number and the rows as strings, or raises `CSVError` naming the file and the line. A
FIFO, a device or a folder is refused before anything is read (opened without blocking),
and bytes that are not UTF-8 are reported at their line.
"""

from __future__ import annotations

import codecs
import csv
import os
from collections import Counter
from typing import BinaryIO, TextIO

from ..regular_files import NotARegularFile, open_regular



class CSVError(ValueError):
    """A CSV file that cannot be used; the message names the file, line and column."""


def _open_regular(name: str) -> TextIO:
    """The file as UTF-8 text (a BOM is skipped) if it is a regular file: a FIFO would wait
    for a writer, and a device such as /dev/zero would never end."""
    try:
        descriptor, _ = open_regular(name)
    except NotARegularFile as error:
        raise CSVError(f"{name}: not a regular file but {error.kind}; give a CSV file") from None
    except OSError as error:
        raise CSVError(f"{name}: cannot open: {error.strerror or error}") from None
    return os.fdopen(descriptor, newline="", encoding="utf-8-sig")


def read_table(name: str) -> tuple[list[str], list[int], list[list[str]]]:
    """Header, each data row's line number, and the rows (blank lines skipped)."""
    with _open_regular(name) as handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = next((row for row in reader if row), None)
            if header is None:
                raise CSVError(f"{name}: the file is empty; expected a header row of column names")
            header = [h.strip() for h in header]
            header_line = reader.line_num
            _check_header(name, header_line, header)
            lines, rows = [], []
            for row in reader:
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                if len(row) != len(header):
                    raise CSVError(
                        f"{name}: line {reader.line_num}: expected {len(header)} values "
                        f"(one per column of the header), got {len(row)}"
                    )
                lines.append(reader.line_num)
                rows.append(row)
        except csv.Error as error:
            raise CSVError(f"{name}: line {reader.line_num}: {error}") from None
        except UnicodeDecodeError:
            raise CSVError(_not_utf8(name, handle.buffer)) from None
    if not rows:
        raise CSVError(f"{name}: line {header_line}: only a header row; no data rows")
    return header, lines, rows


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
                f"{error.reason}); save it as UTF-8")
    return f"{name}: not UTF-8 text; save it as UTF-8"


def _check_header(name: str, line: int, header: list[str]) -> None:
    for position, column in enumerate(header):
        if not column:
            raise CSVError(f"{name}: line {line}: column {position + 1} has an empty name")
    duplicates = sorted(h for h, count in Counter(header).items() if count > 1)
    if duplicates:
        raise CSVError(f"{name}: line {line}: duplicate column name(s) {duplicates}")
