"""Splitting delimited text (CSV, TSV) into records, with the errors a damaged file needs.

Python's ``csv`` module, left to itself, reads an unclosed quote as one cell holding the
rest of the file, stops with a bare ``field larger than field limit`` on a long cell, and
says nothing about which line. :func:`records` reads strictly first (an unclosed quote is
an error naming the line and column where it opens), falls back to the lenient reading
for quotes inside unquoted cells (``5'11"``), bounds a cell at
:data:`~chronos.limits.MAX_LINE_BYTES` characters and a row at
:data:`~chronos.limits.MAX_COLUMNS` cells, and gives the line each record starts on.
"""

from __future__ import annotations

import csv
import io

from chronos import limits
from chronos.errors import SourceError

#: Characters of a line walked to find the column where an unclosed quote opens.
_WALK = 200_000


def records(text: str, delimiter: str, label: str) -> tuple[list[list[str]], list[int]]:
    """``(rows, start line of each row)`` of delimited ``text``."""
    raise_field_limit()
    rows, starts, malformed = _read(text, delimiter, label, strict=True)
    if not malformed:
        return rows, starts
    rows, starts, _ = _read(text, delimiter, label, strict=False)
    return rows, starts


def raise_field_limit() -> None:
    """Let the csv module read cells up to the line limit (its default stops at 131,072
    characters; the setting is the process's, so it is made before every read)."""
    csv.field_size_limit(limits.MAX_LINE_BYTES)


def _read(text: str, delimiter: str, label: str, strict: bool):
    """Read every record; strictly, a quote inside an unquoted cell is noted (the caller
    reads again leniently) and the reading goes on, so that an unclosed quote further on
    is still found."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=strict)
    rows, starts, last, malformed = [], [], 0, False
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return rows, starts, malformed
        except csv.Error as exc:
            _fail(exc, text, delimiter, label, last + 1, strict)
            malformed, last = True, reader.line_num
            continue
        if len(row) > limits.MAX_COLUMNS:
            raise SourceError(f"line {last + 1} has {len(row):,} cells, more than "
                              f"{limits.MAX_COLUMNS:,}", file=label, row=f"line {last + 1}",
                              hint="is the delimiter right? set delimiter: in the manifest")
        rows.append(row)
        starts.append(last + 1)
        last = reader.line_num


def _fail(exc: csv.Error, text: str, delimiter: str, label: str, line: int, strict: bool):
    message = str(exc)
    if "field larger than field limit" in message:
        raise SourceError(f"a cell in the record starting at line {line} is longer than "
                          f"{limits.MAX_LINE_BYTES:,} characters", file=label,
                          row=f"line {line}", hint="most often an unclosed quote: check "
                          "the quotes on that line") from None
    if "unexpected end of data" in message or "EOF" in message:
        raise unclosed_quote(lambda: io.StringIO(text, newline=""), delimiter, label,
                             line) from None
    if strict:
        return
    raise SourceError(f"cannot split line {line} into cells: {message}", file=label,
                      row=f"line {line}") from None


def unclosed_quote(lines, delimiter: str, label: str, line: int) -> SourceError:
    """The error for a quote opened at ``line`` and never closed (``lines``: a callable
    giving the file's lines afresh, ends kept)."""
    text_of_line, total = "", 0
    for total, text in enumerate(lines(), start=1):
        if total == line:
            text_of_line = text[:_WALK]
    column = _open_quote_column(text_of_line.rstrip("\r\n"), delimiter)
    return SourceError(f"a quote opens here and is never closed: the {total - line:,} "
                       "line(s) after it would be read as one cell", file=label,
                       row=f"line {line}", column=f"column {column}" if column else None,
                       hint="fix the quote in the export (or ask the agency for a new "
                            "export); chronos does not guess where the cell should end")


def _open_quote_column(line: str, delimiter: str) -> int | None:
    """The 1-based cell where a quote opens and is still open at the end of ``line``."""
    column, quoted, start, opened = 1, False, True, None
    i = 0
    while i < len(line):
        char = line[i]
        if quoted:
            if char == '"' and i + 1 < len(line) and line[i + 1] == '"':
                i += 1
            elif char == '"':
                quoted = False
        elif char == delimiter:
            column, start = column + 1, True
            i += 1
            continue
        elif char == '"' and start:
            quoted, opened = True, column
        start = False
        i += 1
    return opened if quoted else None


def record_line(lines, delimiter: str, index: int) -> int:
    """The line on which record ``index`` (0-based, counting every record) starts
    (``lines``: an iterable of the file's lines, ends kept)."""
    raise_field_limit()
    reader = csv.reader(lines, delimiter=delimiter)
    last = 0
    try:
        for number, _ in enumerate(reader):
            if number == index:
                return last + 1
            last = reader.line_num
    except csv.Error:
        pass
    return last + 1
