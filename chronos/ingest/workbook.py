"""Opening Excel workbooks safely, and reading every row of every sheet.

Shared by every reader of ``.xlsx`` (the mapped format, agency chronology tables, Annex A,
attendance). Before openpyxl sees a workbook, :func:`chronos.ingest.guards.check_zip`
checks it is a real zip that is not a zip bomb and that no part holds a DTD or a cell
longer than the limit. Then:

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
        yield _with_formulas(_trimmed(row), number, formulas)


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


def read_sheets(path: Path, label: str, *, max_sheets: int | None = None,
                max_rows: int | None = None) -> dict[str, list[tuple]]:
    """Every sheet (or the first ``max_sheets``, ``max_rows`` rows each) as row tuples,
    with unsaved formulas as :class:`Formula` values."""
    with open_workbook(path, label) as (book, facts):
        formulas = formula_cells(path, label, facts) if max_rows is None else {}
        out = {}
        for sheet in book.worksheets[:max_sheets]:
            rows = []
            for row in sheet_rows(sheet, label, formulas.get(sheet.title)):
                rows.append(row)
                if max_rows is not None and len(rows) >= max_rows:
                    break
            out[sheet.title] = rows
    return out
