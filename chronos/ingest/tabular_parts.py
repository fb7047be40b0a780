"""Read a big CSV or TSV export a block of rows at a time (see :mod:`chronos.ingest.tabular`).

The whole-file decisions are made once, as the one-shot reader makes them: the
encoding (a BOM, else UTF-8 if the whole file decodes, else cp1252, checked by streaming
the bytes, not by loading them), the delimiter and the header row (from the top of the
file), whether any cell can hold a newline. Then :func:`iter_tables` gives the rows
below the header as :class:`~chronos.ingest.tabular.Table` blocks with the same
strings and row numbers as :func:`~chronos.ingest.tabular.read_tables`: blank rows at
the very end of the file are dropped (a block's trailing blank rows wait for the next
block), and rows wider than the header get ``(extra field N)`` columns as in the
one-shot reader (which keeps only those used; an unused one is all empty, and an empty
cell changes nothing downstream).
"""

from __future__ import annotations

import codecs
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pandas as pd

from chronos.errors import SourceError
from chronos.ingest.encoding import Decoded, StreamCheck, prefer_utf8
from chronos.ingest.guards import check_lines
from chronos.ingest.tabular import (Table, _arrow_string, _head_records, _trim_trailing_blank,
                                    detect_delimiter, find_header, place_bytes)
from chronos.safe_input import open_regular, os_error

#: Bytes read at a time when streaming a file (encoding check, widest row).
BLOCK = 1 << 23


@dataclass
class DelimitedPlan:
    """How to read one delimited file: the decisions the one-shot reader makes."""

    path: Path
    label: str
    encoding: str
    errors: str                     # "strict", or "replace" when strict decoding fails
    delimiter: str
    names: list[str]                # the header's column names
    header_end_line: int            # the file line of the (last) header row
    quoted: bool                    # any '"' in the file: cells may hold newlines
    info: dict = field(default_factory=dict)
    decoded: Decoded | None = None  # the encoding decision and the bytes that did not decode


def plan_delimited(path: Path, label: str, wanted: list[str], options: dict) -> DelimitedPlan:
    """The reading plan of a CSV/TSV file, with the checks and errors of the one-shot reader."""
    head, size = _head(path, label)
    if size < 65536 and not head.strip(b" \t\r\n\xef\xbb\xbf"):
        raise SourceError("the file is empty", file=label)
    if b"\x00" in head[:4096] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SourceError("the file is binary, not CSV/TSV text", file=label,
                          hint="is it a workbook? give it an .xlsx extension")
    check_lines(_blocks(path, label), label)
    decoded, quoted = _scan_bytes(path, label, head, options.get("encoding", "auto"))
    encoding, strict = decoded.encoding, not decoded.bad_count
    head_text = head.decode(encoding, errors="replace")
    delim = detect_delimiter(head_text, path.suffix.lower(), options.get("delimiter", "auto"))
    head_rows, head_lines = _head_records(head_text, delim)
    first, count, names = find_header(head_rows, wanted, label, options.get("header_row", "auto"))
    end = head_lines[first + count - 1][1]
    info = {"encoding": encoding, "delimiter": delim, "header_row": end, "header_rows": count}
    return DelimitedPlan(path, label, encoding, "strict" if strict else "replace", delim, names,
                         end, quoted, info, decoded)


def _head(path: Path, label: str) -> tuple[bytes, int]:
    with open_regular(path, label) as handle:
        try:
            return handle.read(262144), os.fstat(handle.fileno()).st_size
        except OSError as exc:
            raise os_error(exc, label) from None


def _blocks(path: Path, label: str = "") -> Iterator[bytes]:
    with open_regular(path, label or str(path)) as handle:
        while block := handle.read(BLOCK):
            yield block


def _scan_bytes(path: Path, label: str, head: bytes, requested) -> tuple[Decoded, bool]:
    """(the encoding decision with its bad bytes, whether the file has a '"'), streaming:
    :func:`chronos.ingest.encoding.decode`'s policy without holding the file."""
    if requested not in (None, "", "auto"):
        candidates = [str(requested)]
    elif head.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "cp1252"]
    quoted = False
    check = StreamCheck(candidates[0], label)
    for block in _blocks(path, label):
        quoted = quoted or b'"' in block
        check.feed(block)
    check.feed(b"", final=True)
    decoded = check.decided(_blocks(path, label))
    if len(candidates) == 1 or not check.recorder.count or \
            prefer_utf8(check.valid, check.recorder.count):
        return decoded, quoted
    fallback = StreamCheck("cp1252", label)
    for block in _blocks(path, label):
        fallback.feed(block)
    fallback.feed(b"", final=True)
    result = fallback.decided(_blocks(path, label))
    result.fallback = decoded.bad[0] if decoded.bad else None
    return result, quoted


# --------------------------------------------------------------------------- records

def iter_tables(plan: DelimitedPlan, rows: int) -> Iterator[Table]:
    """The rows below the header in blocks of about ``rows``, each a :class:`Table` with
    the one-shot reader's strings and row numbers (trailing blank rows dropped)."""
    line, held = plan.header_end_line + 1, None
    pending = list(plan.decoded.bad) if plan.decoded is not None else []
    for frame in iter_records(plan, rows):
        refs, line = line_numbers(frame, line, plan.quoted)
        if held is not None:
            frame, refs = _prepend(held, frame, refs)
        body, body_refs = _trim_trailing_blank(frame, refs)
        held = (frame.iloc[len(body):], refs.iloc[len(body):]) if len(body) < len(frame) else None
        if len(body):
            extra = [c for c in body.columns if c not in plan.names]
            table = Table(body.reset_index(drop=True), body_refs.reset_index(drop=True),
                          {**plan.info, "extra_fields": extra})
            here = [b for b in pending if b.line < line]
            pending = pending[len(here):]
            table.issues = place_bytes(plan.decoded, table, plan.label, here)
            yield table


def _prepend(held, frame: pd.DataFrame, refs: pd.Series):
    """The held blank rows of the block before, then ``frame`` (columns as ``frame``'s)."""
    blank, blank_refs = held
    blank = blank.reindex(columns=frame.columns, fill_value="").astype(frame.dtypes.to_dict())
    return (pd.concat([blank, frame], ignore_index=True),
            pd.concat([blank_refs, refs], ignore_index=True))


def line_numbers(frame: pd.DataFrame, first: int, quoted: bool) -> tuple[pd.Series, int]:
    """(the file line on which each record starts, the line after the block), the first
    record starting on line ``first`` (as :func:`tabular._line_numbers`)."""
    import numpy as np
    import pyarrow as pa

    start = np.arange(len(frame), dtype="int64") + first
    after = first + len(frame)
    if quoted and len(frame) and _any_newline(frame):
        newlines = sum(frame[c].str.count("\n").to_numpy(dtype="int64", na_value=0)
                       for c in frame.columns)
        start[1:] += np.cumsum(newlines)[:-1]
        after = int(start[-1] + newlines[-1] + 1)
    text = pa.array(start).cast(pa.string())
    refs = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([text])), index=frame.index)
    return refs, after


def _any_newline(frame: pd.DataFrame) -> bool:
    """True when some cell may hold a newline: a scan of the columns' character buffers
    at memory speed (a buffer shared with rows outside the frame can only say yes)."""
    import numpy as np
    import pyarrow as pa

    for column in frame.columns:
        array = pa.array(frame[column].array)
        for chunk in array.chunks if isinstance(array, pa.ChunkedArray) else [array]:
            if chunk.type not in (pa.string(), pa.large_string()):
                return True  # not plain text: let the exact count decide
            data = chunk.buffers()[2]
            if data is not None and (np.frombuffer(data, dtype=np.uint8) == 10).any():
                return True
    return False


def iter_records(plan: DelimitedPlan, rows: int, usecols: list[str] | None = None
                 ) -> Iterator[pd.DataFrame]:
    """Every record below the header as ``string`` columns, ``rows`` at a time. As the
    one-shot reader, rows wider than the header bring ``(extra field N)`` columns, and
    bytes that do not decode strictly are read leniently: either restarts the read (the
    records already given are skipped); a parse error with the wider columns is final."""
    state = {"names": plan.names, "errors": plan.errors, "wide": False}
    done = 0
    while True:
        try:
            for frame in _skip_records(_chunks(plan, rows, usecols, **state), done):
                yield frame
                done += len(frame)
            return
        except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
            unclosed_quote_in(plan, exc)
            if state["wide"]:
                raise SourceError(f"cannot parse the file: {str(exc)[:200]}",
                                  file=plan.label) from None
            state.update(wide=True, names=plan.names + extra_names(plan))
        except UnicodeDecodeError:
            if state["errors"] == "replace":
                raise
            state["errors"] = "replace"
        except LookupError as exc:
            raise SourceError(f"cannot decode the file as {plan.encoding}: {exc}",
                              file=plan.label,
                              hint="set encoding: in the mapping's reader options") from exc


def unclosed_quote_in(plan: DelimitedPlan, exc: Exception) -> None:
    """Raise the unclosed-quote error (naming its line, found by streaming the file) when
    pandas stopped at the end of the file inside a quoted cell."""
    import io
    import re

    from chronos.ingest.delimited import record_line, unclosed_quote

    found = re.search(r"EOF inside string starting at row (\d+)", str(exc))
    if not found:
        return

    def lines():
        handle = open_regular(plan.path, plan.label)
        return io.TextIOWrapper(handle, plan.encoding, errors="replace", newline="")

    with lines() as text:
        line = record_line(text, plan.delimiter, int(found.group(1)))
    with lines() as text:
        error = unclosed_quote(lambda: text, plan.delimiter, plan.label, line)
    raise error from None


def _skip_records(frames: Iterator[pd.DataFrame], count: int) -> Iterator[pd.DataFrame]:
    """``frames`` without their first ``count`` records."""
    for frame in frames:
        if count >= len(frame):
            count -= len(frame)
            continue
        yield frame.iloc[count:] if count else frame
        count = 0


def _chunks(plan: DelimitedPlan, rows: int, usecols: list[str] | None, names: list[str],
            errors: str, wide: bool) -> Iterator[pd.DataFrame]:
    """pandas' C reader over the file, ``rows`` records at a time (a ParserWarning is an
    error until the read is ``wide``, as in the one-shot reader's first attempt)."""
    options = dict(sep=plan.delimiter, header=None, names=names, skiprows=plan.header_end_line,
                   dtype=_arrow_string(), keep_default_na=False, na_filter=False,
                   skip_blank_lines=False, index_col=False, encoding=plan.encoding,
                   encoding_errors=errors, engine="c", chunksize=rows, usecols=usecols)
    with open_regular(plan.path, plan.label) as handle:
        yield from _read_chunks(handle, options, wide)


def _read_chunks(handle, options: dict, wide: bool) -> Iterator[pd.DataFrame]:
    try:
        reader = pd.read_csv(handle, **options)
    except pd.errors.EmptyDataError:  # nothing below the header
        return
    with reader:
        while True:
            with warnings.catch_warnings():
                if not wide:
                    warnings.simplefilter("error", pd.errors.ParserWarning)
                try:
                    frame = next(reader)
                except (StopIteration, pd.errors.EmptyDataError):
                    return
            yield frame.astype("string")


def extra_names(plan: DelimitedPlan) -> list[str]:
    """``(extra field N)`` columns up to the widest line (the one-shot reader's count:
    delimiters per line, lines split at ``\\n`` and ``\\r``)."""
    from chronos.limits import MAX_COLUMNS

    width, widest = len(plan.names), widest_line(plan)
    if widest > MAX_COLUMNS:
        raise SourceError(f"a line has {widest:,} cells, more than {MAX_COLUMNS:,}",
                          file=plan.label, hint="is the delimiter right? set delimiter: in "
                                                "the mapping's reader options")
    return [f"(extra field {i})" for i in range(width + 1, widest + 1)]


def widest_line(plan: DelimitedPlan) -> int:
    """1 + the most delimiters on one line of the file (streamed)."""
    delim, most, rest = plan.delimiter.encode(), 0, b""
    for block in _blocks(plan.path, plan.label):
        lines = (rest + block).splitlines(keepends=True)
        rest = lines.pop() if lines and not lines[-1].endswith((b"\n", b"\r")) else b""
        most = max([most] + [ln.count(delim) for ln in lines])
    return max(most, rest.count(delim)) + 1
