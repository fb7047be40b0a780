"""Read CSV, TSV and XLSX exports into string tables with spreadsheet row numbers.

Agency exports are untidy: a title line above the header, a header split over two
merged rows, a byte-order mark or a Windows (cp1252) encoding, blank lines, a "Total"
row at the bottom. This module finds the header row by looking for the columns a
mapping names, decodes the file, and returns every row below the header as strings
(empty cells are ``""``), each with the row number a spreadsheet user would see:
the file line number for CSV/TSV, ``Sheet!row`` (the sheet name and the Excel row
number, as Excel writes a reference) for XLSX. It does not interpret values: that is the mapping's job.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from chronos import limits
from chronos.errors import MappingError, SourceError

#: How many rows at the top of a sheet are searched for the header row.
HEADER_SEARCH_ROWS = 30
DELIMITERS = (",", "\t", ";", "|")
EXCEL_EXTENSIONS = (".xlsx", ".xlsm")


@dataclass
class Table:
    """One sheet (or one delimited file) below its header row.

    ``frame`` has one string column per header cell (empty cells are ``""``), and
    ``refs`` the source_ref of each row (its line or Excel row number as a string).
    ``issues`` are warnings met reading it (bytes that did not decode, placed in their
    row and column); ``formulas`` the rows (positions in ``frame``) of each column whose
    cell is a formula without a saved result (workbooks).
    """

    frame: pd.DataFrame
    refs: pd.Series
    info: dict = field(default_factory=dict)
    issues: list = field(default_factory=list)
    formulas: dict = field(default_factory=dict)


def map_values(series: pd.Series, func) -> pd.Series:
    """``func`` applied to each distinct value of a string column (fast: the values are
    dictionary-encoded, ``func`` runs once per distinct value, and the result is taken
    back in Arrow). ``func`` returns a string or None; the result is a ``string`` Series."""
    import pyarrow as pa

    if not isinstance(series.dtype, pd.StringDtype):
        return _map_values_factorized(series, func)
    text = arrow_text(series)
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    encoded = text.dictionary_encode()
    uniques = encoded.dictionary.to_pylist()
    mapped = pa.array([func(u) for u in uniques], type=pa.large_string())
    return string_series(mapped.take(encoded.indices)).set_axis(series.index)


def per_distinct(series: pd.Series, clean) -> pd.Series:
    """``clean`` (text operations on a ``string`` Series, value by value) applied to the
    distinct values of ``series`` only and taken back to every row: the same result, in
    one pass over the distinct values instead of over every row (a person's fields
    repeat on each of their rows). Columns of mostly distinct values are cleaned whole."""
    import pyarrow as pa

    if not isinstance(series.dtype, pd.StringDtype) or len(series) < 1024:
        return clean(series)
    text = arrow_text(series)
    text = text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text
    encoded = text.dictionary_encode()
    if len(encoded.dictionary) * 4 > len(series):
        return clean(series)
    cleaned = arrow_text(clean(string_series(encoded.dictionary)))
    cleaned = cleaned.combine_chunks() if isinstance(cleaned, pa.ChunkedArray) else cleaned
    return string_series(cleaned.take(encoded.indices)).set_axis(series.index)


def factorize(series: pd.Series):
    """``pd.factorize(series)`` (codes in order of first appearance, -1 for missing; the
    distinct values as a list), dictionary-encoded in Arrow for ``string`` columns."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if not isinstance(series.dtype, pd.StringDtype) or series.dtype.storage != "pyarrow":
        codes, uniques = pd.factorize(series)
        return codes, uniques.tolist()
    text = arrow_text(series)
    text = pa.chunked_array([text]) if isinstance(text, pa.Array) else text
    encoded = text.dictionary_encode()
    dictionary = encoded.chunk(0).dictionary if encoded.num_chunks else pa.array([], pa.string())
    indices = pa.chunked_array([c.indices for c in encoded.chunks], type=pa.int32())
    codes = pc.fill_null(indices, -1).to_numpy().astype(np.intp)
    return codes, dictionary.to_pylist()


def _map_values_factorized(series: pd.Series, func) -> pd.Series:
    import numpy as np
    import pyarrow as pa

    codes, uniques = pd.factorize(series)
    mapped = pa.array([func(u) for u in uniques.tolist()] + [None], type=pa.large_string())
    codes = np.where(codes < 0, len(uniques), codes)
    taken = mapped.take(pa.array(codes))
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([taken])), index=series.index)


def text_column(value: str, index: pd.Index) -> pd.Series:
    """A ``string`` column holding ``value`` on every row (built in Arrow, not in Python)."""
    import pyarrow as pa

    array = pa.repeat(pa.scalar(value, type=pa.large_string()), len(index))
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([array])), index=index)


def string_series(array) -> pd.Series:
    """An Arrow string (chunked) array as a pandas ``string`` Series, without copying
    (pandas keeps ``large_string``: building in that type avoids a cast)."""
    import pyarrow as pa

    if isinstance(array, pa.Array):
        array = pa.chunked_array([array])
    return pd.Series(pd.arrays.ArrowStringArray(array.cast(pa.large_string())), dtype="string")


def pa_text(values: list) -> "pa.Array":
    """A list of str (or None) as an Arrow ``large_string`` array."""
    import pyarrow as pa

    return pa.array(values, type=pa.large_string())


def arrow_text(values):
    """Any column of values as an Arrow ``large_string`` array (zero-copy when it is
    already a pandas ``string`` column)."""
    import pyarrow as pa

    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    if series.dtype.kind in "iu":
        return pa.array(series.to_numpy()).cast(pa.large_string())
    return pa.array(series.astype("string").array).cast(pa.large_string())


def pick(values, mask: pd.Series):
    """``values[mask]``, without copying when every row is picked (the common case)."""
    return values if bool(mask.all()) else values[mask]


def normalise_name(text: object) -> str:
    """A column name compared case- and whitespace-insensitively."""
    return " ".join(str(text).split()).casefold()


def read_tables(path: Path, label: str, wanted: list[str], options: dict) -> list[Table]:
    """The tables of a CSV, TSV or XLSX file, headers found by the ``wanted`` columns.

    ``options``: ``sheet`` ("*" for every sheet, or a name), ``encoding`` ("auto" or a
    codec), ``delimiter`` ("auto" or a character), ``header_row`` ("auto" or the 1-based
    row number of the (last) header row).
    """
    if path.suffix.lower() in EXCEL_EXTENSIONS:
        return _read_workbook(path, label, wanted, options)
    if path.suffix.lower() == ".xls":
        raise SourceError("old Excel .xls workbooks are not supported", file=label,
                          hint="save the file as .xlsx or .csv and point the manifest at it")
    return [_read_delimited(path, label, wanted, options)]


# --------------------------------------------------------------------------- headers

def find_header(rows: list[list[str]], wanted: list[str], label: str,
                header_row: object = "auto") -> tuple[int, int, list[str]]:
    """Where the header is in ``rows`` (top rows of a sheet, 0-based).

    Returns ``(first, count, names)``: the header spans rows ``first .. first+count-1``
    and ``names`` are the column names (unique, never empty). A header split over two
    rows (a merged group row above the names) is joined as ``"upper lower"`` when that
    is what the mapping names.
    """
    want = {normalise_name(w) for w in wanted}
    if header_row not in (None, "auto"):
        index = int(header_row) - 1
        if not 0 <= index < len(rows):
            raise MappingError(f"header_row {header_row} is beyond the top of the file",
                               file=label)
        return index, 1, _unique_names(rows[index])
    candidates = [(i, 1, row) for i, row in enumerate(rows)]
    candidates += [(i, 2, _stacked(row, rows[i + 1], want)) for i, row in enumerate(rows[:-1])
                   if any(c.strip() for c in row)]
    best = (0, 0, 1, None)
    for first, count, names in candidates:  # single rows win ties over stacked pairs
        score = sum(1 for n in {normalise_name(c) for c in names} if n in want)
        if score > best[0]:
            best = (score, first, count, names)
    if best[0] == 0:
        cells = len([c for c in (rows[0] if rows else []) if c])
        raise MappingError("none of the mapped columns is in the first "
                           f"{HEADER_SEARCH_ROWS} rows", file=label,
                           hint=f"mapped columns: {', '.join(wanted)}; the first row has "
                                f"{cells} filled cell(s) (not shown: chronos does not echo a "
                                "file it cannot read as an export); is it the right file, "
                                "and is the delimiter right?")
    return best[1], best[2], _unique_names(best[3])


def _stacked(upper: list[str], lower: list[str], want: set[str]) -> list[str]:
    """Two header rows as one: the upper (merged) cells carried right and joined to the
    lower (``"Appointment" + "Date"``) where the mapping names the joined form."""
    width = max(len(upper), len(lower))
    upper = list(upper) + [""] * (width - len(upper))
    lower = list(lower) + [""] * (width - len(lower))
    names, carry = [], ""
    for top, bottom in zip(upper, lower):
        carry = top.strip() or carry
        joined = " ".join(p for p in (carry, bottom.strip()) if p)
        names.append(joined if normalise_name(joined) in want else (bottom.strip() or top.strip()))
    return names


def _unique_names(row: list[str]) -> list[str]:
    names, seen = [], {}
    for i, cell in enumerate(row):
        name = " ".join(str(cell).split()) or f"column {i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        names.append(name)
    return names


# --------------------------------------------------------------------------- delimited

def detect_encoding(data: bytes, requested: str = "auto") -> str:
    """The encoding of a text file by the policy of :mod:`chronos.ingest.encoding`: the
    requested one, a BOM, UTF-8 (also with a few damaged bytes among valid UTF-8
    characters), else cp1252."""
    from chronos.ingest.encoding import decode

    return decode(data, "", requested, keep_text=False).encoding


def place_bytes(decoded, table: Table, label: str, bad: list) -> list:
    """A warning for each of the ``bad`` bytes (:class:`~chronos.ingest.encoding.BadByte`)
    that fall in ``table``'s rows, naming its row and column; bytes above the first row
    (in the header) are named by line."""
    if not bad:
        return []
    frame, refs = table.frame, table.refs

    def row(index: int):
        return refs.iloc[index], {c: frame.iat[index, j] for j, c in enumerate(frame.columns)}

    return decoded.place(bad, label, [int(r) for r in refs], row)


def detect_delimiter(text: str, suffix: str, requested: str = "auto") -> str:
    """The field separator: given, tab for .tsv, else the most consistent of , tab ; |."""
    if requested not in (None, "", "auto"):
        return "\t" if requested in ("\\t", "tab") else requested
    if suffix == ".tsv":
        return "\t"
    lines = [ln for ln in text.splitlines()[:40] if ln.strip()]
    best, best_score = ",", 0.0
    for delim in DELIMITERS:
        counts = sorted(ln.count(delim) for ln in lines)
        if not counts or counts[len(counts) // 2] == 0:
            continue
        median = counts[len(counts) // 2]
        score = median * sum(1 for c in counts if c == median) / len(counts)
        if score > best_score:
            best, best_score = delim, score
    return best


def check_text_file(data: bytes, label: str) -> None:
    """Refuse an empty file, a binary one, or one with a line over the limit."""
    from chronos.ingest.guards import CHUNK, check_lines

    if len(data) < 65536 and not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise SourceError("the file is empty", file=label)
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SourceError("the file is binary, not CSV/TSV text", file=label,
                          hint="is it a workbook? give it an .xlsx extension")
    check_lines((data[i:i + CHUNK] for i in range(0, len(data), CHUNK)), label)


def _read_delimited(path: Path, label: str, wanted: list[str], options: dict) -> Table:
    from chronos.ingest.encoding import decode
    from chronos.safe_input import read_bytes

    data = read_bytes(path, label)
    check_text_file(data, label)
    decoded = decode(data, label, options.get("encoding", "auto"), keep_text=False)
    encoding = decoded.encoding
    head_text = data[:262144].decode(encoding, errors="replace")
    delim = detect_delimiter(head_text, path.suffix.lower(), options.get("delimiter", "auto"))
    head_rows, head_lines = _head_records(head_text, delim)
    first, count, names = find_header(head_rows, wanted, label, options.get("header_row", "auto"))
    header_end_line = head_lines[first + count - 1][1]
    frame, extra = _read_body(data, encoding, delim, names, header_end_line, label,
                              valid_utf8=decoded.encoding.lower() in _UTF8 + _ASCII
                              and not decoded.bad_count)
    refs = _line_numbers(frame, header_end_line, quoted=b'"' in data)
    frame, refs = _trim_trailing_blank(frame, refs)
    info = {"encoding": encoding, "delimiter": delim, "header_row": header_end_line,
            "header_rows": count}
    table = Table(frame, refs, info)
    table.info["extra_fields"] = extra
    table.issues = decoded.issues(label) + place_bytes(decoded, table, label, decoded.bad)
    return table


def _head_records(text: str, delim: str) -> tuple[list[list[str]], list[tuple[int, int]]]:
    """The first records of the file and the (first, last) line of each."""
    from chronos.ingest.delimited import raise_field_limit

    raise_field_limit()
    reader = csv.reader(io.StringIO(text), delimiter=delim)
    rows, lines, last = [], [], 0
    try:
        for row in reader:
            rows.append(row)
            lines.append((last + 1, reader.line_num))
            last = reader.line_num
            if len(rows) >= HEADER_SEARCH_ROWS:
                break
    except csv.Error:
        pass
    return rows, lines


def _arrow_string():
    """Arrow strings: pandas' C reader fills them several times faster than ``str``
    (``large_string``, the storage of pandas' ``string`` dtype: no cast after reading)."""
    import pyarrow as pa

    return pd.ArrowDtype(pa.large_string())


def _read_body(data: bytes, encoding: str, delim: str, names: list[str], skip: int,
               label: str, valid_utf8: bool = False) -> tuple[pd.DataFrame, list[str]]:
    """Every record after line ``skip``, as strings. Rows wider than the header get extra
    columns (returned, so their rows can be quarantined): no field is lost.
    ``valid_utf8``: the whole file is known to be valid UTF-8 (not checked again)."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return _parse(data, encoding, delim, names, skip, valid_utf8), []
    except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
        _unclosed_quote(exc, data, encoding, delim, label)
    except (UnicodeDecodeError, LookupError) as exc:
        raise SourceError(f"cannot decode the file as {encoding}: {exc}", file=label,
                          hint="set encoding: in the mapping's reader options") from exc
    widest = widest_row(data, delim)
    if widest > limits.MAX_COLUMNS:
        raise SourceError(f"a line has {widest:,} cells, more than {limits.MAX_COLUMNS:,}",
                          file=label, hint="is the delimiter right? set delimiter: in the "
                                           "mapping's reader options")
    extra = [f"(extra field {i})" for i in range(len(names) + 1, widest + 1)]
    try:
        frame = _parse(data, encoding, delim, names + extra, skip)
    except pd.errors.ParserError as exc:
        _unclosed_quote(exc, data, encoding, delim, label)
        raise SourceError(f"cannot parse the file: {str(exc)[:200]}", file=label) from None
    used = [c for c in extra if frame[c].ne("").any()]
    return frame.drop(columns=[c for c in extra if c not in used]), used


def widest_row(data: bytes, delim: str) -> int:
    """1 + the most delimiters on one line (lines split at LF and CR)."""
    sep = delim.encode()
    most, start = 0, 0
    text = data.replace(b"\r", b"\n") if b"\r" in data else data
    while start < len(text):
        end = text.find(b"\n", start)
        end = len(text) if end == -1 else end
        most = max(most, text.count(sep, start, end))
        start = end + 1
    return most + 1


def _unclosed_quote(exc: Exception, data: bytes, encoding: str, delim: str, label: str) -> None:
    """Raise the unclosed-quote error when pandas stopped at the end of the file inside a
    quoted cell (its message counts records, not lines: the line is found here)."""
    from chronos.ingest.delimited import record_line, unclosed_quote

    found = re.search(r"EOF inside string starting at row (\d+)", str(exc))
    if not found:
        return
    text = data.decode(encoding, errors="replace")
    line = record_line(io.StringIO(text, newline=""), delim, int(found.group(1)))
    raise unclosed_quote(lambda: io.StringIO(text, newline=""), delim, label, line) from None


def _parse(data: bytes, encoding: str, delim: str, names: list[str], skip: int,
           valid_utf8: bool = False) -> pd.DataFrame:
    """The records after ``skip`` lines as ``string`` columns. Strict decoding first (the
    encoding was checked, and lenient decoding is several times slower); bytes the
    encoding cannot read become U+FFFD only if strict decoding fails."""
    fast = _parse_plain(data, encoding, delim, names, skip, valid_utf8)
    if fast is not None:
        return fast
    options = dict(sep=delim, header=None, names=names, skiprows=skip, dtype=_arrow_string(),
                   keep_default_na=False, na_filter=False, skip_blank_lines=False,
                   index_col=False, encoding=encoding, engine="c")
    try:
        try:
            frame = pd.read_csv(io.BytesIO(data), **options)
        except UnicodeDecodeError:
            frame = pd.read_csv(io.BytesIO(data), encoding_errors="replace", **options)
    except pd.errors.EmptyDataError:  # nothing below the header
        return pd.DataFrame({n: pd.Series(dtype="string") for n in names})
    return frame.astype("string")


#: Encodings whose bytes Arrow's CSV reader takes as they are (it reads UTF-8 only);
#: ASCII too when every byte decoded (then the file is ASCII, which is UTF-8).
_UTF8 = ("utf-8", "utf_8", "utf8", "utf-8-sig", "utf_8_sig")
_ASCII = ("ascii", "us-ascii")


def _parse_plain(data: bytes, encoding: str, delim: str, names: list[str],
                 skip: int, valid_utf8: bool = False) -> pd.DataFrame | None:
    """What :func:`_parse` gives, read by Arrow's CSV reader (in C++, on every core) when
    the file is plain enough that the two readers cannot differ: UTF-8 (checked as it
    is read), no quote character anywhere (above the header either), no NUL byte, no
    carriage return outside a CRLF line end, and every line as wide as the header or
    blank (both readers give a blank line as a row of empty cells; a short or a long
    line makes Arrow refuse the file). None when the file is not plain: pandas' reader
    then reads it, with everything it knows about quotes, ragged rows and undecodable
    bytes. ``valid_utf8``: the whole file is known to be valid UTF-8
    (:func:`~chronos.ingest.encoding.is_utf8`): Arrow does not check it again."""
    import pyarrow as pa
    import pyarrow.csv as csv_arrow

    utf8 = encoding.lower() in _UTF8 or (encoding.lower() in _ASCII and valid_utf8)
    if not utf8 or len(delim) != 1 or delim in '"\r\n' \
            or len(names) < 2:  # a single column: rare, left to pandas
        return None
    start = 0
    for _ in range(skip):
        start = data.find(b"\n", start) + 1
        if start == 0:
            return None
    end = len(data)
    if start == end or _not_plain(data, 0, end):   # the lines skipped too: pandas counts records
        return None
    text = pa.large_string()
    try:
        table = csv_arrow.read_csv(
            pa.py_buffer(memoryview(data)[start:end]),
            read_options=csv_arrow.ReadOptions(column_names=names, use_threads=True),
            parse_options=csv_arrow.ParseOptions(delimiter=delim, quote_char=False,
                                                 escape_char=False, double_quote=False,
                                                 newlines_in_values=False,
                                                 ignore_empty_lines=False),
            convert_options=csv_arrow.ConvertOptions(
                column_types={n: text for n in names}, strings_can_be_null=False,
                quoted_strings_can_be_null=False, check_utf8=not valid_utf8))
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError):
        return None
    return pd.DataFrame({name: pd.arrays.ArrowStringArray(table.column(i))
                         for i, name in enumerate(names)}, index=pd.RangeIndex(table.num_rows))


def _not_plain(data: bytes, start: int, end: int) -> bool:
    """Whether ``data[start:end]`` holds what only pandas' reader reads as chronos
    expects: a quote, a NUL, a carriage return alone (each found by ``memchr``)."""
    if data.find(b'"', start, end) >= 0 or data.find(b"\x00", start, end) >= 0:
        return True
    if data.find(b"\r", start, end) < 0:
        return False
    return data.count(b"\r", start, end) != data.count(b"\r\n", start, end)


def _line_numbers(frame: pd.DataFrame, header_end_line: int, quoted: bool) -> pd.Series:
    """The file line on which each record starts (quoted newlines accounted for)."""
    import numpy as np
    import pyarrow as pa

    start = np.arange(len(frame), dtype="int64") + header_end_line + 1
    if quoted and len(frame):
        newlines = sum(frame[c].str.count("\n").to_numpy(dtype="int64", na_value=0)
                       for c in frame.columns)
        start[1:] += np.cumsum(newlines)[:-1]
    text = pa.array(start).cast(pa.string())
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([text])), index=frame.index)


def cell_lengths(series: pd.Series):
    """The length of every cell of a string column, as a numpy array (0 for missing)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    array = pa.array(series.array)
    return pc.fill_null(pc.binary_length(array), 0).to_numpy(zero_copy_only=False)


def _trim_trailing_blank(frame: pd.DataFrame, refs: pd.Series):
    """Drop blank rows at the very end (trailing newlines, formatted empty Excel rows):
    looks at a growing tail only, so a long file costs almost nothing."""
    size, tail = len(frame), 16
    while True:
        part = frame.iloc[max(0, size - tail):]
        filled = part.ne("").any(axis=1) if len(part.columns) else part.index.isna()
        if filled.any() or tail >= size:
            break
        tail *= 4
    keep = size if not len(frame) else \
        (max(0, size - tail) + int(filled.to_numpy().nonzero()[0].max()) + 1
         if filled.any() else 0)
    if keep == size:
        return frame, refs
    return frame.iloc[:keep], refs.iloc[:keep]


# --------------------------------------------------------------------------- workbook

def _read_workbook(path: Path, label: str, wanted: list[str], options: dict) -> list[Table]:
    from chronos.ingest.workbook import open_book

    with open_book(path, label) as book:
        titles = _choose_sheets(book.titles, options.get("sheet", "*"), label)
        tables = []
        for title in titles:
            grid = book.grid(title)
            read = _read_sheet if grid is None else _read_grid
            table = read(title, book.rows(title) if grid is None else grid, label, wanted,
                         options, several=len(titles) > 1)
            if table is not None:
                tables.append(table)
    if not tables:
        raise MappingError("no sheet has the mapped columns", file=label,
                           hint=f"mapped columns: {', '.join(wanted)}; sheets: "
                                f"{', '.join(titles)}")
    return tables


def _choose_sheets(titles: list[str], sheet: object, label: str) -> list[str]:
    if sheet in (None, "", "*"):
        return list(titles)
    if isinstance(sheet, int) and 1 <= sheet <= len(titles):
        return [titles[sheet - 1]]
    if sheet not in titles:
        raise MappingError(f"the workbook has no sheet {sheet!r}", file=label,
                           hint=f"its sheets are: {', '.join(titles)}")
    return [sheet]


def _read_sheet(title: str, values: list[tuple], label: str, wanted: list[str],
                options: dict, several: bool):
    """One sheet below its header: the header found in the top rows, then the body
    turned into text column by column (:func:`_sheet_columns`)."""
    top = [[_cell_text(v) for v in row] for row in values[:HEADER_SEARCH_ROWS]]
    header = _sheet_header(title, top, label, wanted, options, several)
    if header is None:
        return None
    start, count, names = header
    body = values[start:]
    extra = [f"(extra field {i})" for i in range(len(names) + 1,
                                                  max(map(len, body), default=0) + 1)]
    columns, unsaved = _sheet_columns(body, len(names) + len(extra))
    return _sheet_table(title, columns, names, extra, start, count, len(body), unsaved)


def _sheet_header(title: str, top: list[list[str]], label: str, wanted: list[str],
                  options: dict, several: bool) -> tuple[int, int, list[str]] | None:
    """(the first row below the header, the header's rows, the column names) of a sheet
    whose top rows are ``top`` (as text); None for a sheet without the mapped columns
    among several (a notes or summary sheet among data sheets)."""
    where = f"{label} sheet {title!r}"
    try:
        first, count, names = find_header(top, wanted, where, options.get("header_row", "auto"))
    except MappingError:
        if several:
            return None
        raise
    return first + count, count, names


def _read_grid(title: str, grid: list[list], label: str, wanted: list[str], options: dict,
               several: bool):
    """:func:`_read_sheet` for a sheet python-calamine read (:meth:`Book.grid
    <chronos.ingest.workbook.Book.grid>`): the same table, the body's cells turned into
    text a column at a time (:func:`_grid_text`) straight from calamine's values."""
    from itertools import zip_longest

    from chronos.ingest.workbook import openpyxl_value

    top = [[_cell_text(openpyxl_value(v)) for v in _grid_trimmed(row)]
           for row in grid[:HEADER_SEARCH_ROWS]]
    header = _sheet_header(title, top, label, wanted, options, several)
    if header is None:
        return None
    start, count, names = header
    body = grid[start:]
    cells = list(zip_longest(*body, fillvalue="")) if body else []
    reach = max((j + 1 for j, values in enumerate(cells)
                 if j >= len(names) and _filled(values)), default=0)   # past the header
    extra = [f"(extra field {i})" for i in range(len(names) + 1, reach + 1)]
    width = len(names) + len(extra)
    columns = [_grid_text(values) for values in cells[:width]]
    columns += [text_column("", pd.RangeIndex(len(body)))] * (width - len(columns))
    return _sheet_table(title, columns, names, extra, start, count, len(body), [])


def _grid_trimmed(row: list) -> list:
    """A calamine row without its trailing empty cells (as :meth:`Book.rows` trims)."""
    end = len(row)
    while end and (row[end - 1] == "" or row[end - 1] is None):
        end -= 1
    return row[:end]


def _filled(values: tuple) -> bool:
    """Whether a calamine column holds a cell that is not empty ("" or None)."""
    return values.count("") + values.count(None) < len(values)


def _grid_text(values: tuple) -> pd.Series:
    """One column of calamine values as the text :func:`_column_text` gives for the same
    cells read by :meth:`Book.rows <chronos.ingest.workbook.Book.rows>`: text as it is,
    anything else through :func:`~chronos.ingest.workbook.openpyxl_value` and
    :func:`_cell_text` once per distinct value."""
    import pyarrow as pa

    from chronos.ingest.workbook import openpyxl_value

    kinds = set(map(type, values))
    if kinds <= {str}:
        return string_series(pa.array(values, type=pa.large_string()))
    fast = _dates_text(values) if kinds == {dt.date} else \
        _whole_numbers_text(values) if kinds == {float} else None
    if fast is not None:
        return string_series(fast)
    if bool in kinds:  # True == 1: no shared cache
        texts = [_cell_text(openpyxl_value(v)) for v in values]
    else:
        texts = _cached_texts(values, lambda v: _cell_text(openpyxl_value(v)))
    return string_series(pa.array(texts, type=pa.large_string()))


def _dates_text(values: tuple):
    """A column of ``datetime.date`` values (calamine's dates) as ISO text (what
    :func:`_cell_text` gives for them), in Arrow; None for a year before 1000."""
    import pyarrow as pa
    import pyarrow.compute as pc

    days = pa.array(values, type=pa.date32())
    if pc.min(days).as_py() < dt.date(1000, 1, 1):
        return None
    return pc.cast(days, pa.large_string())


def _whole_numbers_text(values: tuple):
    """A column of floats as :func:`_cell_text` writes them when every one is a whole
    number within 64-bit integers (no decimal point: ``9434765919``), in numpy and
    Arrow; None when some are not."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    numbers = np.array(values, dtype=np.float64)
    if not (np.isfinite(numbers) & (np.floor(numbers) == numbers)
            & (np.abs(numbers) < 2.0 ** 63)).all():
        return None
    return pc.cast(pa.array(numbers.astype(np.int64)), pa.large_string())


def _sheet_table(title: str, columns: list[pd.Series], names: list[str], extra: list[str],
                 start: int, count: int, rows: int, unsaved: list) -> Table:
    """The :class:`Table` of a sheet's body: its text ``columns`` (named ``names`` then
    ``extra``), ``rows`` long from Excel row ``start + 1``, trailing blank rows trimmed;
    ``unsaved``: the (row, column) of each formula without a saved result."""
    frame = pd.DataFrame(dict(enumerate(columns)), index=pd.RangeIndex(rows))
    frame.columns = names + extra
    refs = _sheet_refs(title, start + 1, rows)
    frame, refs = _trim_trailing_blank(frame, refs)
    info = {"sheet": title, "header_row": start, "header_rows": count, "extra_fields": extra}
    marked: dict[str, list[int]] = {}
    for row, column in sorted(unsaved):          # in the order of the sheet's cells
        if row < len(frame):
            marked.setdefault(frame.columns[column], []).append(row)
    return Table(frame, refs, info, formulas=marked)


def _sheet_refs(title: str, first: int, count: int) -> pd.Series:
    """``Sheet!row`` for ``count`` rows from Excel row ``first`` (in Arrow)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    numbers = pc.cast(pa.array(np.arange(first, first + count, dtype=np.int64)), pa.large_string())
    refs = pc.binary_join_element_wise(pa.scalar(f"{title}!", pa.large_string()), numbers,
                                       pa.scalar("", pa.large_string()))
    return string_series(refs)


def _sheet_columns(body: list[tuple], width: int) -> tuple[list[pd.Series], list]:
    """The ``width`` columns of a sheet's rows as text (:func:`_cell_text`; missing cells
    ""), and the (row, column) of every unsaved :class:`~chronos.ingest.workbook.Formula`."""
    from itertools import zip_longest

    columns, unsaved = [], []
    for j, values in enumerate(zip_longest(*body, fillvalue=None)):
        if j >= width:
            break
        text, formulas = _column_text(values)
        columns.append(text)
        unsaved += [(i, j) for i in formulas]
    columns += [text_column("", pd.RangeIndex(len(body)))] * (width - len(columns))
    return columns, unsaved


def _column_text(values: tuple) -> tuple[pd.Series, list[int]]:
    """One column's cells as text, and the rows holding an unsaved formula. Text-only
    columns go to Arrow as they are; others are converted once per distinct value."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from chronos.ingest.workbook import Formula

    kinds = set(map(type, values))
    formulas = [i for i, v in enumerate(values) if type(v) is Formula] \
        if Formula in kinds else []
    if kinds <= {str, type(None)}:
        text = pc.fill_null(pa.array(values, type=pa.large_string()), "")
        return string_series(text), formulas
    if bool in kinds:  # True == 1: no shared cache
        texts = [_cell_text(v) for v in values]
    else:
        texts = _cached_texts(values)
    return string_series(pa.array(texts, type=pa.large_string())), formulas


def _cached_texts(values: tuple, convert=None) -> list[str]:
    """``convert`` (:func:`_cell_text`) of each value, computed once per distinct value."""
    convert = convert or _cell_text
    cache: dict = {}
    out = []
    for value in values:
        try:
            text = cache.get(value)
            if text is None:
                text = cache[value] = convert(value)
        except TypeError:  # not hashable
            text = convert(value)
        out.append(text)
    return out


def _cell_text(value: object) -> str:
    """A cell value as the text the mapping sees (dates as ISO, whole floats as ints)."""
    import datetime as dt

    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds" if value.second else "minutes")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
