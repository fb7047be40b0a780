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
        ("cell.formula_not_calculated", "Sheet:2", "Outcome")]
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
