"""Cells, headers and small tables: helpers shared by the spreadsheet-like ingesters.

Spreadsheets from agencies hold dates as real dates, Excel serial numbers or text; blank
cells, ``#N/A`` and other Excel error values; headings that vary in case, punctuation and
spacing. The functions here turn all of that into plain values: :func:`cell_text`,
:func:`cell_date`, :func:`norm_header` and :func:`match_header`, plus readers that return
rows of raw cell values for ``.xlsx`` and ``.csv`` files (:func:`read_workbook`,
:func:`read_csv_rows`) and a cached peek at the first rows for sniffing.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path


#: Excel error values and other spellings of "no value"
MISSING_VALUES = {"#n/a", "#ref!", "#value!", "#div/0!", "#name?", "#null!", "#num!",
                  "#getting_data", "n/a#"}
EXCEL_EPOCH = date(1899, 12, 30)
SERIAL_RANGE = (1, 2958465)          # 1900-01-01 .. 9999-12-31
TEXT_SERIAL = re.compile(r"\d{5}(\.0+)?")


@dataclass(frozen=True)
class CellDate:
    """A date read from a cell: ISO date, precision, uncertainty, or an error code."""

    date: str | None = None
    precision: str = "unknown"
    uncertain: bool = False
    time: str | None = None
    error: str | None = None
    message: str | None = None


def cell_text(value) -> str | None:
    """The cell as clean text, or None for blanks and Excel errors (``#N/A``...)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() \
            else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    text = " ".join(str(value).replace("\xa0", " ").split())
    if not text or text.lower() in MISSING_VALUES:
        return None
    return text


def excel_serial_to_date(serial: float) -> date:
    """The calendar date of an Excel (1900 system) serial number."""
    return EXCEL_EPOCH + timedelta(days=int(serial))


def cell_date(value) -> CellDate:
    """A date from a cell holding a date, an Excel serial or text (via chronos.dates)."""
    if isinstance(value, datetime):
        time = value.strftime("%H:%M") if value.time() != datetime.min.time() else None
        return CellDate(value.date().isoformat(), "day", time=time)
    if isinstance(value, date):
        return CellDate(value.isoformat(), "day")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _serial(float(value))
    text = cell_text(value)
    if text is None:
        return CellDate()
    if TEXT_SERIAL.fullmatch(text):
        return _serial(float(text))
    from chronos.dates import parse_date

    parsed = parse_date(text)
    return CellDate(parsed.date, parsed.precision if parsed.date else "unknown",
                    bool(parsed.uncertain), parsed.time, parsed.error, parsed.message)


def _serial(number: float) -> CellDate:
    if not SERIAL_RANGE[0] <= number <= SERIAL_RANGE[1]:
        return CellDate(error="date.out_of_range",
                        message=f"{number:g} is not an Excel date serial number")
    return CellDate(excel_serial_to_date(number).isoformat(), "day")


def norm_header(text) -> str:
    """A heading reduced to lower-case words: case, punctuation and spacing ignored."""
    if text is None:
        return ""
    text = str(text).replace("\xa0", " ").replace("’", "'").replace("‘", "'").lower()
    text = re.sub(r"[^a-z0-9]+", " ", text.replace("'", ""))
    return " ".join(text.split())


def match_header(header, synonyms, cutoff: float = 0.86) -> float:
    """How well a heading matches any of ``synonyms`` (0, or 0.86..1 for fuzzy matches)."""
    name = norm_header(header)
    if not name:
        return 0.0
    return _match(name, tuple(synonyms), cutoff)


@lru_cache(maxsize=65536)
def _match(name: str, synonyms: tuple, cutoff: float) -> float:
    best = 0.0
    for synonym in synonyms:
        wanted = norm_header(synonym)
        if name == wanted:
            return 1.0
        if abs(len(name) - len(wanted)) > len(wanted) * 0.3 + 2:
            continue                     # too different in length to pass the cutoff
        ratio = difflib.SequenceMatcher(None, name, wanted).ratio()
        if ratio >= cutoff:
            best = max(best, ratio)
    return best


def find_columns(headers: list, fields: dict[str, list[str]]) -> dict[str, int]:
    """Map field names to column positions, each column used at most once (best first).
    Only the first :data:`~chronos.limits.MAX_HEADER_CELLS` cells are compared."""
    from chronos.limits import MAX_HEADER_CELLS

    headers = headers[:MAX_HEADER_CELLS]
    candidates = []
    for field_name, synonyms in fields.items():
        for position, header in enumerate(headers):
            score = match_header(header, synonyms)
            if score:
                candidates.append((-score, position, field_name))
    chosen: dict[str, int] = {}
    used: set[int] = set()
    for _, position, field_name in sorted(candidates):
        if field_name not in chosen and position not in used:
            chosen[field_name] = position
            used.add(position)
    return chosen


def split_coded(text: str | None) -> tuple[str | None, str | None]:
    """Split a coded value: ``a) Male`` -> (None, 'Male'); ``N1 - Abuse or neglect`` ->
    ('N1', 'Abuse or neglect'); ``q) 6: Police`` -> ('6', 'Police')."""
    if text is None:
        return None, None
    text = re.sub(r"^[a-z]{1,2}\)\s*", "", text.strip())
    match = re.match(r"^([A-Z0-9]{1,7})\s*(?::|-|–)\s*(.+)$", text)
    if match:
        return match.group(1), match.group(2).strip()
    return None, text


def detail_value(value) -> str:
    """A value made safe for the ``key=value;key=value`` details column."""
    text = cell_text(value) or ""
    return text.replace(";", ",").replace("=", ":")


def join_details(pairs) -> str:
    """``key=value`` pairs joined with ';' (empty values left out, order kept)."""
    return ";".join(f"{key}={detail_value(value)}" for key, value in pairs
                    if detail_value(value) != "")


# --- readers ---------------------------------------------------------------------------

class CsvRows(list):
    """The rows of a delimited file (a list of lists of str), with ``lines`` (the line each
    row starts on) and ``issues`` (warnings met decoding it: bytes that are not valid in
    its encoding, each with its line and column)."""

    def __init__(self, rows=(), lines=(), issues=()):
        super().__init__(rows)
        self.lines = list(lines)
        self.issues = list(issues)


def read_workbook(path: Path, label: str) -> dict[str, list[tuple]]:
    """Every sheet of an .xlsx workbook as a list of row tuples (cached values; every row
    whatever the sheet's dimension tag says; a formula without a saved result comes back
    as a :class:`~chronos.ingest.workbook.Formula`). Damaged, hostile or oversized
    workbooks raise :class:`SourceError` (:mod:`chronos.ingest.workbook`)."""
    from chronos.ingest.workbook import read_sheets

    return read_sheets(path, label)


def decode_text(data: bytes, label: str, encoding: str | None = None) -> str:
    """Bytes of a text file as str, by the policy of :mod:`chronos.ingest.encoding` (the
    given encoding, else a BOM, else UTF-8, else cp1252 for a file that is not UTF-8)."""
    from chronos.ingest.encoding import decode

    return decode(data, label, encoding or "auto").text


def read_csv_rows(path: Path, label: str, encoding: str | None = None,
                  delimiter: str | None = None) -> CsvRows:
    """A delimited text file (comma, tab, semicolon or pipe, or ``delimiter``) as rows of
    strings, with the limits of :mod:`chronos.limits` and a warning for each byte that
    does not decode."""
    from chronos.ingest.delimited import records
    from chronos.ingest.encoding import decode
    from chronos.ingest.guards import CHUNK, check_lines
    from chronos.safe_input import read_bytes

    data = read_bytes(path, label)
    check_lines((data[i:i + CHUNK] for i in range(0, len(data), CHUNK)), label)
    decoded = decode(data, label, encoding or "auto")
    rows, lines = records(decoded.text, delimiter or _delimiter(decoded.text), label)
    return CsvRows(rows, lines, decoded.placed_issues(label, lines, rows))


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {sep: first.count(sep) for sep in (",", "\t", ";", "|")}
    return max(counts, key=lambda sep: (counts[sep], sep == ","))


@lru_cache(maxsize=64)
def _peek(path: str, mtime: float, size: int, rows: int) -> tuple:
    from chronos.safe_input import open_regular

    suffix = Path(path).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from chronos.ingest.workbook import read_sheets

        sheets = read_sheets(Path(path), path, max_sheets=40, max_rows=rows)
        return tuple((title, tuple(tuple(r) for r in body)) for title, body in sheets.items())
    with open_regular(path) as handle:
        text = decode_text(handle.read(65536), path)
    lines = text.splitlines()[:rows]
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=_delimiter(text))
    return (("", tuple(tuple(r) for r in reader)),)


def peek_rows(path: Path, rows: int = 15) -> tuple:
    """The first rows of each sheet (or of a CSV file) as ((sheet, rows), ...), cached;
    an empty tuple when the file cannot be read as a table."""
    try:
        stat = path.stat()
        return _peek(str(path), stat.st_mtime, stat.st_size, rows)
    except Exception:  # sniffing must never fail
        return ()
