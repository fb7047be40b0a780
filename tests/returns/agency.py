"""Filling returns the way agencies do: open the template sent, type rows, save it under a
new name; or re-type the table in a new document. Rows are tuples in the template's
column order (Date, Time, Agency / source, Event, Action / outcome, Significance,
Reference)."""

from __future__ import annotations

from pathlib import Path

import docx
import openpyxl

HEADINGS = ["Date", "Time", "Agency / source", "Event", "Action / outcome", "Significance",
            "Reference"]


def fill_docx(template: Path, out: Path, rows, edit=None) -> Path:
    """Type ``rows`` into the Word template's table (adding rows when it is full), let
    ``edit(document)`` change anything else, and save as ``out``."""
    document = docx.Document(str(template))
    table = document.tables[0]
    for number, values in enumerate(rows, start=1):
        row = table.rows[number] if number < len(table.rows) else table.add_row()
        for cell, value in zip(row.cells, values):
            cell.text = "" if value is None else str(value)
    if edit is not None:
        edit(document)
    document.save(str(out))
    return out


def header_row(sheet) -> int:
    """The Excel row of the template's headings."""
    return next(r for r in range(1, 12) if sheet.cell(r, 1).value == "Date")


def fill_xlsx(template: Path, out: Path, rows, edit=None) -> Path:
    """Type ``rows`` under the Excel template's headings, let ``edit(book, sheet, top)``
    change anything else, and save as ``out``."""
    book = openpyxl.load_workbook(str(template))
    sheet = book["Chronology"]
    top = header_row(sheet)
    for offset, values in enumerate(rows, start=1):
        for column, value in enumerate(values, start=1):
            sheet.cell(top + offset, column, value)
    if edit is not None:
        edit(book, sheet, top)
    book.save(str(out))
    return out


def retyped_docx(out: Path, rows, lines=(), headings=HEADINGS) -> Path:
    """A new Word document with the template's table typed again (no hidden reference)."""
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    table = document.add_table(rows=1, cols=len(headings))
    for cell, heading in zip(table.rows[0].cells, headings):
        cell.text = heading
    for values in rows:
        for cell, value in zip(table.add_row().cells, values):
            cell.text = "" if value is None else str(value)
    document.save(str(out))
    return out


def set_paragraph(document, starts: str, text: str | None) -> None:
    """Replace (or with None, delete) the first paragraph that starts with ``starts``."""
    for paragraph in document.paragraphs:
        if paragraph.text.startswith(starts):
            if text is None:
                paragraph._p.getparent().remove(paragraph._p)
            else:
                for run in paragraph.runs[1:]:
                    run._r.getparent().remove(run._r)
                paragraph.runs[0].text = text
            return
    raise AssertionError(f"no paragraph starts with {starts!r}")


def delete_docx_column(table, position: int) -> None:
    """Delete a column of a Word table as Word does (its cells and its grid column)."""
    grid = table._tbl.tblGrid
    grid.remove(grid.gridCol_lst[position])
    for row in table.rows:
        row._tr.remove(row._tr.tc_lst[position])
