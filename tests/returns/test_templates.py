"""The templates each agency is sent, and issuing them (``returns new``)."""

from __future__ import annotations

import datetime as dt
import shutil
import stat
import zipfile

import docx
import openpyxl
import pytest
import yaml

from chronos.errors import ReturnError
from chronos.ingest.chronology_table import HEADER_SCAN_ROWS
from chronos.returns.check import check_return
from chronos.returns.identity import REFERENCE, read_docx_properties, return_id
from chronos.returns.messages import catalogue
from chronos.returns.register import load_register
from chronos.settings import apply_settings, Settings
from tests.conftest import EXAMPLE
from tests.returns.agency import fill_docx
from tests.returns.conftest import issue, template

MINE = {"organisation": "Northshire Safeguarding Children Partnership",
        "author": {"name": "Sam Okafor", "role": "Independent reviewer",
                   "email": "review@example.org"},
        "headings": {"agency": "Source agency", "significance": "Impact on the child"},
        "returns": {"columns": ["date", "agency", "event", "action", "significance"],
                    "instructions": "Include contacts with the father."}}


def test_the_word_template(review):
    path = template(review, "police", ".docx")
    document = docx.Document(str(path))
    header = document.sections[0].header.paragraphs[0].text
    assert header == Settings().marking
    lines = [p.text for p in document.paragraphs]
    reference = load_register(review).entry("Police").references[-1]
    assert lines[1:8] == ["Child: Jade SMITH (DOB 03/05/2016)", "Review: review",
                          "Agency: Police", "Period: 01/01/2019 to 31/03/2024",
                          "Return: by 10/05/2024", f"Return reference: {reference}",
                          "How to fill this in"]
    assert len(document.tables) == 1
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == [
        "Date", "Time", "Agency / source", "Event", "Action / outcome", "Significance",
        "Reference"]
    assert table.rows[0]._tr.trPr.xpath("./w:tblHeader")           # repeated on every page
    for check in catalogue().values():
        assert f"{check.number}. {check.title}" in lines
    properties = read_docx_properties(path)
    assert properties["return_id"] == reference and properties["agency"] == "Police"
    assert properties["period"] == "2019-01-01/2024-03-31"
    assert properties["columns"] == "date|time|agency|event|action|significance|reference"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_excel_template(review):
    path = template(review, "housing", ".xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Chronology", "Instructions"]
    sheet = book["Chronology"]
    column_a = [sheet.cell(r, 1).value for r in range(1, 12)]
    top = column_a.index("Date") + 1
    assert top <= HEADER_SCAN_ROWS                  # where the chronology-table reader looks
    assert column_a[0] == Settings().marking and "Child: Jade SMITH (DOB 03/05/2016)" in column_a
    assert sheet.cell(top, 4).comment.text.startswith("What happened")
    assert sheet.cell(top + 1, 1).number_format == "@"      # dates kept as typed, read day first
    assert sheet.freeze_panes == f"A{top + 1}"
    assert "OFFICIAL-SENSITIVE" in sheet.oddHeader.center.text
    reference = load_register(review).entry("Housing").references[-1]
    assert {p.name: p.value for p in book.custom_doc_props}["chronos_return_id"] == reference
    assert book.defined_names["chronos_return_id"].attr_text == f'"{reference}"'
    instructions = [c for c in book["Instructions"]["A"] if c.value]
    assert any(c.value.startswith("18. ") for c in instructions)
    # the agency reads the instructions as written: no formula guard shows, and a long
    # line has the height of its wrapped lines (no application grows it on opening)
    assert not any(c.value.startswith("'") for c in instructions)
    steps = [c for c in instructions if c.value.startswith("\u2022 ")]
    assert len(steps) >= 3
    for cell in steps:
        height = book["Instructions"].row_dimensions[cell.row].height
        assert height and height >= 15 * (len(cell.value) // 66)


def test_the_authoritys_settings_shape_the_template_and_returns_still_read(tmp_path):
    settings = apply_settings(Settings(), MINE)
    root = tmp_path / "review"
    issue(root, ["GP"], settings=settings)
    document = docx.Document(str(template(root, "gp", ".docx")))
    assert [c.text for c in document.tables[0].rows[0].cells] == [
        "Date", "Source agency", "Event", "Action / outcome", "Impact on the child"]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Requested by: Northshire Safeguarding Children Partnership" in text
    assert "to Sam Okafor, Independent reviewer; review@example.org" in text
    assert "Include contacts with the father." in text
    rows = [("03/04/2021", "Practice nurse", "Immunisations missed", "Letter sent", "Health")]
    found = check_return(fill_docx(template(root, "gp", ".docx"), tmp_path / "gp.docx", rows),
                         register=load_register(root))
    assert found.messages == []
    event = found.events.iloc[0]
    assert (event["outcome"], event["details"]) == ("Letter sent", "impact=Health")


def test_a_heading_the_reader_would_not_recognise_is_refused(tmp_path):
    settings = apply_settings(Settings(), {"headings": {"event": "Narrative text box"}})
    with pytest.raises(ReturnError, match="'Narrative text box'.*not one chronos recognises"):
        issue(tmp_path / "review", ["GP"], settings=settings)
    assert not (tmp_path / "review" / "returns" / "templates" / "gp.docx").exists()


def test_references_are_stable_readable_and_distinct():
    one = return_id("Review of Jade", "Jade Smith", "Police", "2024-04-02")
    assert one == return_id("Review of Jade", "Jade Smith", "Police", "2024-04-02")
    assert REFERENCE.fullmatch(one) and not set(one[2:]) & set("ILOU01")
    others = {return_id("Review of Jade", "Jade Smith", agency, day)
              for agency in ("Police", "GP") for day in ("2024-04-02", "2024-04-03")}
    assert len(others) == 4


def test_issuing_more_agencies_later_keeps_the_review_and_reissuing_keeps_old_references(
        review, tmp_path):
    old_template = tmp_path / "old-police.docx"
    shutil.copy(template(review, "police", ".docx"), old_template)
    issued = issue(review, ["Police", "Ambulance"], child="Jade Smith", dob=None,
                   period_start=None, period_end=None, today=dt.date(2024, 4, 9))
    assert (issued.child.dob, issued.period) == ("2016-05-03", ("2019-01-01", "2024-03-31"))
    register = load_register(review)
    assert len(register.entry("Police").references) == 2
    assert set(register.agencies) == {"oakfield-primary-school", "health-visiting", "police",
                                      "housing", "ambulance"}
    found = check_return(fill_docx(old_template, tmp_path / "r.docx", []), register=register)
    assert (found.agency, found.matched_by) == ("Police", "reference")


def test_a_review_stays_about_one_child(review):
    with pytest.raises(ReturnError, match="already issued for Jade Smith"):
        issue(review, ["GP"], child="Kai Brown", dob="2015-02-01")


def test_a_template_someone_changed_is_never_overwritten(review):
    path = template(review, "police", ".docx")
    fill_docx(path, path, [("03/04/2021", "", "PC 1", "Filled in where it was", "", "", "")])
    with pytest.raises(ReturnError, match="changed since chronos wrote it"):
        issue(review, ["Housing", "Police"])
    assert "Filled in where it was" in "\n".join(
        c.text for c in docx.Document(str(path)).tables[0].rows[1].cells)
    assert load_register(review).entry("Housing").issued == "2024-04-02"   # nothing redone


def test_a_new_case_folder_gets_a_manifest_with_no_sources(tmp_path):
    root = tmp_path / "reviews" / "child-d"
    issued = issue(root, ["GP"])
    assert issued.created_manifest == root / "case.yaml"
    assert "sources: []" in (root / "case.yaml").read_text()
    assert yaml.safe_load((root / "case.yaml").read_text())["index_children"] == ["Jade Smith"]
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert stat.S_IMODE((root / "returns" / "templates").stat().st_mode) == 0o700


def test_the_period_defaults_to_the_childs_birth_until_the_cases_as_of(tmp_path):
    root = tmp_path / "review"
    root.mkdir()
    (root / "case.yaml").write_text("case: Review of Jade\nas_of: 2024-03-31\nsources: []\n")
    issued = issue(root, ["GP"], period_start=None, period_end=None)
    assert issued.period == ("2016-05-03", "2024-03-31") and issued.case == "Review of Jade"


def test_no_child_no_review_and_nothing_written(tmp_path):
    with pytest.raises(ReturnError, match="which child"):
        issue(tmp_path / "review", ["GP"], child=None)
    assert not (tmp_path / "review").exists()


def test_the_child_found_in_the_cases_sources(tmp_path):
    case = tmp_path / "smith"
    shutil.copytree(EXAMPLE, case)
    issued = issue(case, ["School"], child="Kayden Smith", dob=None, period_start="2019-01-01",
                   period_end=None)
    assert (issued.child.name, issued.child.dob) == ("Kayden Smith", "2016-11-22")
    assert issued.period == ("2019-01-01", "2024-03-31")
    with zipfile.ZipFile(template(case, "school", ".docx")) as archive:
        assert "2016-11-22" in archive.read("docProps/custom.xml").decode()
