"""Bundle references typed into a court chronology (Word or Excel) read back by event id."""

import pytest
from docx import Document
from openpyxl import load_workbook

from chronos.errors import AnnotationError, ChronosError
from chronos.report.bundle_refs import read_bundle_refs
from chronos.report.document import ChronologyOptions, build_chronology
from chronos.report.docx_writer import write_docx
from chronos.report.xlsx_writer import write_xlsx


@pytest.fixture
def court(example):
    return build_chronology(example, ChronologyOptions(court=True, produced="2024-03-31"))


def _fill_word(path, refs_by_row: dict[int, str]):
    doc = Document(str(path))
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "No.")
    heads = [c.text for c in table.rows[0].cells]
    for row in table.rows[1:]:
        number = int(row.cells[0].text)
        if number in refs_by_row:
            row.cells[heads.index("Bundle ref")].text = refs_by_row[number]
    doc.save(str(path))


def test_references_typed_in_word_are_read_back_by_event(court, tmp_path):
    path = write_docx(court, tmp_path / "court.docx")
    _fill_word(path, {1: "C12", 3: "  C23 -\nC25 "})
    events = dict(zip(court.rows["No."], court.rows["ref_event"]))
    assert court.rows["summarised"].iloc[0]  # row 1 summarises older records: its first event
    assert read_bundle_refs(path) == {events[1]: "C12", events[3]: "C23 - C25"}


def test_references_typed_in_excel_are_read_back_by_event(court, tmp_path):
    path = write_xlsx(court, tmp_path / "court.xlsx")
    book = load_workbook(path)
    ws = book["Chronology"]
    heads = [c.value for c in ws[5]]
    bundle, event = heads.index("Bundle ref") + 1, heads.index("Event id (do not edit)") + 1
    ws.cell(6, bundle, "E4")
    ws.cell(8, bundle, "E5")
    book.save(path)
    assert read_bundle_refs(path) == {ws.cell(6, event).value: "E4", ws.cell(8, event).value: "E5"}


def test_an_unfilled_chronology_gives_no_references(court, tmp_path):
    assert read_bundle_refs(write_docx(court, tmp_path / "c.docx")) == {}
    assert read_bundle_refs(write_xlsx(court, tmp_path / "c.xlsx")) == {}


def test_files_that_are_not_a_court_chronology_are_named(chron, tmp_path):
    with pytest.raises(AnnotationError, match="not notes.txt"):
        read_bundle_refs(tmp_path / "notes.txt")
    with pytest.raises(AnnotationError, match="no chronology table with a Bundle ref"):
        read_bundle_refs(write_docx(chron, tmp_path / "family.docx"))
    with pytest.raises(AnnotationError, match="Event id \\(do not edit\\)"):
        read_bundle_refs(write_xlsx(chron, tmp_path / "family.xlsx"))
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ChronosError, match="not a complete zip") as err:
        read_bundle_refs(broken)
    assert "broken.docx" in str(err.value.file or err.value)
