"""Opening Excel workbooks safely, and reading every row of every sheet.

Shared by every reader of ``.xlsx`` (the mapped format, agency chronology tables, Annex A,
attendance). Before any library sees a workbook, :func:`chronos.ingest.guards.check_zip`
checks it is a real zip that is not a zip bomb and that no part holds a DTD or a cell
longer than the limit, and measures how far each sheet's cells reach
(:class:`~chronos.ingest.guards.SheetShape`).

Values are read with python-calamine (Rust; about twenty times faster than openpyxl) when
a sheet is plain: its cells' reach is known and bounded (calamine builds a sheet's whole
grid at once, and a sparse sheet with a cell at XFD1048576 would not fit in memory), it
holds no formula (a formula without a saved result must be seen as such) and no error
value (calamine reads ``#N/A`` as empty). Any other sheet, and any sheet calamine cannot
read, is read by openpyxl row by row, as before: the same values either way (calamine's
numbers and dates are given back as openpyxl gives them: whole numbers as ``int``, dates
as ``datetime``). openpyxl also writes every workbook chronos writes. For either reader:

- every row is read, whatever the sheet's ``<dimension>`` tag says (a stale tag made
  openpyxl stop after the first rows, silently);
- the cells a sheet may hold are bounded (:data:`~chronos.limits.MAX_SHEET_CELLS`);
- a formula whose result was never saved (a workbook written by a program, never opened
  in Excel) is not an empty cell: it comes back as a :class:`Formula` (its text), so the
  reader can quarantine the row with a reason;
- anything openpyxl raises on a damaged file becomes a :class:`~chronos.errors.SourceError`
  naming the file and the sheet.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date as _date
from datetime import datetime as _datetime
from pathlib import Path
from typing import Iterator

from chronos import limits
from chronos.errors import SourceError
from chronos.ingest.guards import ZipFacts, check_zip
from chronos.safe_input import open_regular


class Formula(str):
    """A formula cell with no saved result: the formula's text (``=B2+1``)."""


@contextmanager
def open_workbook(path: Path, label: str, *, data_only: bool = True,
                  facts: ZipFacts | None = None):
    """An openpyxl workbook (read-only) after :func:`check_zip`; yields ``(book, facts)``."""
    import openpyxl

    facts = facts or check_zip(path, label, "workbook")
    with open_regular(path, label) as handle:
        try:
            book = openpyxl.load_workbook(handle, read_only=True, data_only=data_only)
        except Exception as exc:  # openpyxl raises KeyError, ValueError, its own types...
            raise SourceError(f"cannot open the workbook ({_reason(exc)})", file=label,
                              hint="is it a real .xlsx file (not a renamed CSV or an old "
                                   ".xls)? open and re-save it in Excel") from None
        try:
            yield book, facts
        finally:
            book.close()


def _reason(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def sheet_rows(sheet, label: str, formulas: dict | None = None) -> Iterator[tuple]:
    """Every row of a read-only sheet as a tuple of values (trailing empty cells
    dropped), all rows whatever the ``<dimension>`` tag says. ``formulas`` (from
    :func:`formula_cells`) turns unsaved formula results into :class:`Formula` values."""
    if hasattr(sheet, "reset_dimensions"):
        sheet.reset_dimensions()
    cells = 0
    rows = sheet.iter_rows(values_only=True)
    number = 0
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # a damaged part: zlib, XML or openpyxl errors
            raise SourceError(f"sheet {sheet.title!r} cannot be read after row {number} "
                              f"({_reason(exc)})", file=label,
                              hint="the file may be truncated or damaged; open and re-save "
                                   "it in Excel") from None
        number += 1
        cells += max(len(row), 1)
        if cells > limits.MAX_SHEET_CELLS:
            raise SourceError(f"sheet {sheet.title!r} holds more than "
                              f"{limits.MAX_SHEET_CELLS:,} cells by row {number}",
                              file=label, row=number,
                              hint="save the sheet as CSV, or delete its empty rows and "
                                   "columns")
        yield _with_formulas(_trimmed(tuple(row)), number, formulas)


def _trimmed(row: tuple) -> tuple:
    end = len(row)
    while end and row[end - 1] is None:
        end -= 1
    return row if end == len(row) else row[:end]


def _with_formulas(row: tuple, number: int, formulas: dict | None) -> tuple:
    if not formulas or number not in formulas:
        return row
    found = formulas[number]
    width = max(len(row), max(found) + 1)
    values = list(row) + [None] * (width - len(row))
    for column, text in found.items():
        if values[column] is None:
            values[column] = Formula(text)
    return tuple(values)


def formula_cells(path: Path, label: str, facts: ZipFacts) -> dict[str, dict]:
    """For each sheet holding formulas: ``{row number: {column index: formula}}`` of every
    formula cell (read only when :func:`check_zip` saw a formula in the sheet)."""
    if not facts.formulas:
        return {}
    found: dict[str, dict] = {}
    with open_workbook(path, label, data_only=False, facts=facts) as (book, _):
        for sheet in book.worksheets:
            if getattr(sheet, "_worksheet_path", "").lstrip("/") not in facts.formulas:
                continue
            rows: dict[int, dict] = {}
            for number, row in enumerate(sheet_rows(sheet, label), start=1):
                texts = {i: _formula_text(v) for i, v in enumerate(row) if _is_formula(v)}
                if texts:
                    rows[number] = texts
            found[sheet.title] = rows
    return found


def _is_formula(value) -> bool:
    return (isinstance(value, str) and value.startswith("=")) or \
        type(value).__name__ in ("ArrayFormula", "DataTableFormula")


def _formula_text(value) -> str:
    return value if isinstance(value, str) else str(getattr(value, "text", "") or "=")


class Book:
    """A workbook open for reading values: :attr:`titles` (its worksheets, in order) and
    :meth:`rows` of each. Use :func:`open_book`."""

    def __init__(self, path: Path, label: str, facts: ZipFacts, calamine, parts: dict):
        self.path, self.label, self.facts = path, label, facts
        self.calamine, self.parts = calamine, parts
        self._openpyxl = None
        self._formulas: dict | None = None
        self.titles = self._titles()

    def _titles(self) -> list[str]:
        if self.calamine is not None:
            from python_calamine import SheetTypeEnum

            return [m.name for m in self.calamine.sheets_metadata
                    if m.typ == SheetTypeEnum.WorkSheet]
        return [sheet.title for sheet in self._book().worksheets]

    def rows(self, title: str, max_rows: int | None = None) -> list[tuple]:
        """Every row of sheet ``title`` (or its first ``max_rows``) as a tuple of values,
        trailing empty cells dropped; unsaved formulas as :class:`Formula` values."""
        if self.plain(title):
            try:
                return _calamine_rows(self.calamine.get_sheet_by_name(title), max_rows)
            except Exception:  # a part calamine cannot read: openpyxl names the problem
                pass
        formulas = self.formulas().get(title) if max_rows is None else None
        rows = []
        for row in sheet_rows(self._book()[title], self.label, formulas):
            rows.append(row)
            if max_rows is not None and len(rows) >= max_rows:
                break
        return rows

    def grid(self, title: str) -> list[list] | None:
        """Sheet ``title``'s rows from A1 as python-calamine gives them (each row as wide
        as the grid, ``""`` for an empty cell; :func:`openpyxl_value` turns a value into
        what :meth:`rows` gives), when calamine reads the sheet (:meth:`plain`); None
        when it does not (then read it with :meth:`rows`). For a reader that turns the
        cells into text column by column: no Python call per cell."""
        if not self.plain(title):
            return None
        try:
            return self.calamine.get_sheet_by_name(title).to_python(skip_empty_area=False)
        except Exception:  # a part calamine cannot read: openpyxl names the problem
            return None

    def plain(self, title: str) -> bool:
        """Whether calamine reads sheet ``title`` (see the module's docstring)."""
        part = self.parts.get(title)
        shape = self.facts.shapes.get(part) if part else None
        return (self.calamine is not None and shape is not None and shape.regular
                and shape.bound() <= limits.MAX_SHEET_CELLS
                and part not in self.facts.formulas)

    def formulas(self) -> dict[str, dict]:
        if self._formulas is None:
            self._formulas = formula_cells(self.path, self.label, self.facts)
        return self._formulas

    def _book(self):
        if self._openpyxl is None:
            self._opened = open_workbook(self.path, self.label, facts=self.facts)
            self._openpyxl, _ = self._opened.__enter__()
        return self._openpyxl

    def close(self) -> None:
        if self._openpyxl is not None:
            self._opened.__exit__(None, None, None)
            self._openpyxl = None
        if self.calamine is not None:
            self.calamine.close()


@contextmanager
def open_book(path: Path, label: str):
    """A :class:`Book` after :func:`check_zip` (closed after the block)."""
    facts = check_zip(path, label, "workbook")
    calamine, parts = _calamine(path, label), {}
    if calamine is not None:
        parts = _sheet_parts(path, label)
    book = Book(path, label, facts, calamine, parts)
    try:
        yield book
    finally:
        book.close()


def _calamine(path: Path, label: str):
    """The workbook opened by python-calamine (None where it cannot open it: openpyxl
    then reads every sheet, and says what is wrong if anything is)."""
    from python_calamine import CalamineWorkbook

    try:
        with open_regular(path, label) as handle:
            return CalamineWorkbook.from_filelike(handle)
    except SourceError:
        raise
    except Exception:
        return None


def _sheet_parts(path: Path, label: str) -> dict[str, str]:
    """Sheet name -> the zip part that holds it (from ``xl/workbook.xml`` and its
    relationships; empty when they cannot be read, and openpyxl reads every sheet)."""
    import posixpath
    import xml.etree.ElementTree as ET
    import zipfile

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    try:
        with open_regular(path, label) as handle, zipfile.ZipFile(handle) as archive:
            book = ET.fromstring(archive.read("xl/workbook.xml"))
            rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except Exception:  # check_zip has vetted the bytes; an odd layout goes to openpyxl
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    parts = {}
    for sheet in book.iter(f"{main}sheet"):
        target = targets.get(sheet.get(f"{rel}id"), "")
        if target:
            joined = target.lstrip("/") if target.startswith("/") else \
                posixpath.normpath(posixpath.join("xl", target))
            parts[sheet.get("name")] = joined
    return parts


def _calamine_rows(sheet, max_rows: int | None) -> list[tuple]:
    """A calamine sheet's rows from A1, with values as openpyxl gives them."""
    values = sheet.to_python(skip_empty_area=False, nrows=max_rows)
    return [_trimmed(tuple(map(openpyxl_value, row))) for row in values]


_WHOLE = 2 ** 53


def openpyxl_value(value):
    """A calamine value as openpyxl reads it: no value as None, whole numbers as int
    (Excel stores them without a decimal point), dates as datetime."""
    kind = type(value)
    if kind is str:
        return value or None
    if kind is float:
        return int(value) if value.is_integer() and -_WHOLE < value < _WHOLE else value
    if kind is _date:
        return _datetime(value.year, value.month, value.day)
    return value


def read_sheets(path: Path, label: str, *, max_sheets: int | None = None,
                max_rows: int | None = None) -> dict[str, list[tuple]]:
    """Every sheet (or the first ``max_sheets``, ``max_rows`` rows each) as row tuples,
    with unsaved formulas as :class:`Formula` values."""
    with open_book(path, label) as book:
        return {title: book.rows(title, max_rows) for title in book.titles[:max_sheets]}
