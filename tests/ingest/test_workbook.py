"""Workbooks: every row whatever the dimension tag says, unsaved formulas kept visible,
the cells of a sheet bounded, a damaged sheet named."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest

from chronos import limits
from chronos.errors import SourceError
from chronos.ingest.base import Source
from chronos.ingest.chronology_table import ChronologyTableIngester
from chronos.ingest.mapped import read_mapped
from chronos.ingest.workbook import Formula, read_sheets
from tests.hostile_corpus import chronology_workbook, rewrite_part


def test_a_stale_dimension_tag_does_not_hide_rows(tmp_path):
    path = chronology_workbook(tmp_path / "stale.xlsx", rows=10, dimension="A1:D1")
    with zipfile.ZipFile(path) as archive:
        assert b'<dimension ref="A1:D1"/>' in archive.read("xl/worksheets/sheet1.xml")
    book = openpyxl.load_workbook(path, read_only=True)          # what openpyxl alone does
    assert len(list(book.active.iter_rows(values_only=True))) == 1
    book.close()
    assert len(read_sheets(path, "stale.xlsx")["Sheet"]) == 11
    result = ChronologyTableIngester().read(Source(path=path, name="c"))
    assert (result.records_read, result.records_to_data) == (10, 10) and result.reconciles()


def test_the_mapped_reader_reads_every_row_of_a_stale_sheet(tmp_path):
    path = chronology_workbook(tmp_path / "stale.xlsx", rows=10, dimension="A1:B2")
    mapping = {"events": [{"date": "Date", "type": {"value": "other"}, "summary": "{Event}"}],
               "person": {"id": {"value": "x"}}}
    result = read_mapped(Source(path=path, name="m", mapping=mapping))
    assert result.records_read == 10 and len(result.events) == 10


def test_an_unsaved_formula_is_a_formula_not_an_empty_cell(tmp_path):
    path = chronology_workbook(tmp_path / "f.xlsx", rows=4, formulas=True)
    rows = read_sheets(path, "f.xlsx")["Sheet"]
    assert rows[2][3] == '=CONCATENATE("Seen ", B3)' and isinstance(rows[2][3], Formula)
    assert not any(isinstance(v, Formula) for r in rows[:2] + rows[3:] for v in r)
    result = ChronologyTableIngester().read(Source(path=path, name="c"))
    assert [(q.code, q.source_ref, q.column) for q in result.quarantine] == [
        ("cell.formula_not_calculated", "Sheet:3", "Outcome")]
    assert result.records_to_data == 3 and result.reconciles()


def test_a_saved_formula_result_is_read(tmp_path):
    path = chronology_workbook(tmp_path / "f.xlsx", rows=2, formulas=True)
    rewrite_part(path, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(
        b'<c r="D3"><f>', b'<c r="D3" t="str"><f>').replace(b"<v></v>", b"<v>Seen GP</v>"))
    rows = read_sheets(path, "f.xlsx")["Sheet"]
    assert rows[2][3] == "Seen GP" and not isinstance(rows[2][3], Formula)


def test_the_cells_of_a_sheet_are_bounded(tmp_path, monkeypatch):
    path = chronology_workbook(tmp_path / "w.xlsx", rows=50)
    monkeypatch.setattr(limits, "MAX_SHEET_CELLS", 100)
    with pytest.raises(SourceError, match="more than 100 cells by row 26") as raised:
        read_sheets(path, "w.xlsx")
    assert raised.value.file == "w.xlsx"


def test_a_damaged_sheet_is_named(tmp_path):
    path = chronology_workbook(tmp_path / "d.xlsx", rows=30)
    rewrite_part(path, "xl/worksheets/sheet1.xml", lambda xml: xml[:len(xml) // 2])
    with pytest.raises(SourceError, match="sheet 'Sheet' cannot be read after row"):
        read_sheets(path, "d.xlsx")


def test_the_mapped_reader_quarantines_an_unsaved_formula_in_a_mapped_column(tmp_path):
    path = chronology_workbook(tmp_path / "f.xlsx", rows=4, formulas=True)
    mapping = {"events": [{"date": "Date", "type": {"value": "other"}, "summary": "{Event}",
                           "outcome": "Outcome"}], "person": {"id": {"value": "x"}}}
    result = read_mapped(Source(path=path, name="m", mapping=mapping))
    assert [(q.code, q.source_ref, q.column, q.value) for q in result.quarantine] == [
        ("cell.formula_not_calculated", "Sheet!3", "Outcome", '=CONCATENATE("Seen ", B3)')]
    assert result.records_to_data == 3 and result.reconciles()
    unmapped = {**mapping, "events": [{**mapping["events"][0], "outcome": None}]}
    del unmapped["events"][0]["outcome"]
    assert not read_mapped(Source(path=path, name="m", mapping=unmapped)).quarantine


# --- python-calamine for plain sheets, openpyxl for the rest -----------------------------

def _openpyxl_rows(path) -> dict:
    """What openpyxl alone reads (the reference the fast reader must equal)."""
    from chronos.ingest.workbook import sheet_rows

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return {s.title: [tuple(r) for r in sheet_rows(s, "x")] for s in book.worksheets}
    finally:
        book.close()


def _varied_workbook(path):
    """Two sheets of the values agency workbooks hold: text, whole and decimal numbers,
    big identifiers, dates, date-times, times, booleans, blanks, a gap and a table that
    starts at C3; a hidden third sheet."""
    import datetime as dt

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "ED Attendances"
    sheet.append(["Hospital No", "NHS Number", "Arrival", "DOB", "Age", "Seen", "Time"])
    for n in range(40):
        sheet.append([f"RV{n:05d}", 9434765919 + n, dt.datetime(2021, 3, 4, 10, n % 60),
                      dt.date(2016, 11, n % 28 + 1), n + 0.5 if n % 3 else n, n % 2 == 0,
                      dt.time(9, n % 60)])
    sheet["A50"] = "after a gap"
    other = book.create_sheet("Outpatients")
    other["C3"], other["D3"], other["D4"] = "Clinic", "Date", "12/05/2021"
    book.create_sheet("Old").sheet_state = "hidden"
    book.save(path)
    return path


def test_plain_sheets_are_read_by_calamine_with_the_values_openpyxl_gives(tmp_path):
    from chronos.ingest.workbook import open_book

    path = _varied_workbook(tmp_path / "varied.xlsx")
    with open_book(path, "varied.xlsx") as book:
        assert book.titles == ["ED Attendances", "Outpatients", "Old"]
        assert all(book.plain(t) for t in book.titles)
    assert read_sheets(path, "varied.xlsx") == _openpyxl_rows(path)
    first = read_sheets(path, "varied.xlsx", max_sheets=1, max_rows=3)
    assert first == {"ED Attendances": _openpyxl_rows(path)["ED Attendances"][:3]}


def test_a_cell_far_away_is_read_row_by_row_not_allocated(tmp_path):
    from chronos.ingest.workbook import open_book

    book = openpyxl.Workbook()
    book.active.append(["Date", "Event"])
    book.active["XFD1048576"] = "far"       # calamine would allocate 17 billion cells
    book.save(tmp_path / "far.xlsx")
    with open_book(tmp_path / "far.xlsx", "far.xlsx") as opened:
        assert not opened.plain("Sheet")
    rows = read_sheets(tmp_path / "far.xlsx", "far.xlsx")["Sheet"]   # openpyxl, row by row
    assert len(rows) == 1048576 and rows[0] == ("Date", "Event")
    assert rows[-1][-1] == "far" and len(rows[-1]) == 16384


def test_error_values_and_formulas_are_read_as_openpyxl_reads_them(tmp_path):
    from chronos.ingest.workbook import open_book

    book = openpyxl.Workbook()
    book.active.append(["Date", "Lookup"])
    book.active.append(["01/02/2020", "#N/A"])             # an error value (t="e")
    book.create_sheet("Formulas").append(["Date", "=A1"])
    book.save(tmp_path / "e.xlsx")
    with open_book(tmp_path / "e.xlsx", "e.xlsx") as opened:
        assert [opened.plain(t) for t in opened.titles] == [False, False]
    rows = read_sheets(tmp_path / "e.xlsx", "e.xlsx")
    assert rows["Sheet"][1] == ("01/02/2020", "#N/A")
    assert isinstance(rows["Formulas"][0][1], Formula)


def test_a_sheet_calamine_cannot_read_is_read_by_openpyxl(tmp_path, monkeypatch):
    from chronos.ingest import workbook

    path = _varied_workbook(tmp_path / "varied.xlsx")

    def broken(sheet, max_rows):
        raise RuntimeError("calamine could not read it")

    monkeypatch.setattr(workbook, "_calamine_rows", broken)
    assert read_sheets(path, "varied.xlsx") == _openpyxl_rows(path)
