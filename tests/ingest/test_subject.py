"""The person a per-child chronology is about: from the manifest or from the lines above
the table, put on the events that name nobody (fixtures written here, as schools and
health services write them)."""

from pathlib import Path

import docx
import openpyxl
import pytest

from chronos.errors import ManifestError
from chronos.ingest.base import Source, read_source
from chronos.ingest.subject import Subject, detect_subject, parse_subject

ROWS = [("12/09/2023", "Class teacher", "Jade arrived hungry and asked for toast", "Breakfast club"),
        ("03/10/2023", "DSL", "Head lice seen again; third time this term", "Letter home"),
        ("17/10/2023", "School office", "Mum rang: Jade ill, no further contact", "Absence logged"),
        ("20/10/2023", "Class teacher", "Same uniform all week, smelt of urine", "Spoke to mum")]


def school_docx(path: Path, above: list[str], header_text: str | None = None) -> Path:
    document = docx.Document()
    if header_text:
        document.sections[0].header.paragraphs[0].text = header_text
    for line in above:
        document.add_paragraph(line)
    table = document.add_table(rows=1, cols=4)
    for cell, text in zip(table.rows[0].cells, ["Date", "Source", "Event", "Action taken"]):
        cell.text = text
    for row in ROWS:
        for cell, text in zip(table.add_row().cells, row):
            cell.text = text
    document.save(path)
    return path


def read(path, **source):
    return read_source(Source(path=Path(path), name="school", format="chronology_table",
                              options={"as_of": "2024-03-31"}, **source))


@pytest.mark.parametrize("lines, name, dob", [
    (["Oakfield Primary School", "Child: Jade SMITH (DOB 03/05/2016)"], ("Jade", "Smith"),
     "2016-05-03"),
    (["Chronology for Jade Louise Smith, born 3 May 2016"], ("Jade Louise", "Smith"),
     "2016-05-03"),
    (["Name: Smith, Jade", "D.O.B.: 03/05/2016", "NHS No: 943 476 5919"], ("Jade", "Smith"),
     "2016-05-03"),
    (["Re: Jade Smith - Year 2"], ("Jade", "Smith"), None),
    (["Child's name - Kai O'Neill (12.01.2019)"], ("Kai", "O'Neill"), "2019-01-12"),
])
def test_the_child_named_above_the_table_is_found(lines, name, dob):
    found = detect_subject(lines)
    assert (found.given_name, found.family_name) == name
    assert found.dob == dob and found.origin == "detected"


@pytest.mark.parametrize("lines", [
    ["Chronology for the review of Child A"],          # a heading, not a name
    ["Multi-agency chronology", "Page 1 of 3"],
    ["Date of meeting: 04/03/2024"],
    [],
])
def test_headings_name_nobody(lines):
    assert detect_subject(lines) is None


def test_nhs_number_beside_the_name_is_kept():
    found = detect_subject(["Child: Jade Smith", "NHS number: 943 476 5919", "DOB 03/05/2016"])
    assert (found.nhs_number, found.dob) == ("9434765919", "2016-05-03")


def test_word_chronology_events_go_to_the_child_named_above_it(tmp_path):
    path = school_docx(tmp_path / "jade.docx", ["Oakfield Primary: safeguarding chronology",
                                                "Child: Jade SMITH (DOB 03/05/2016)"])
    result = read(path, agency="Oakfield Primary")
    assert set(result.events["person_ids"]) == {"school:subject"}
    person = result.persons.set_index("record_key").loc["school:subject"]
    assert (person["given_name"], person["family_name"], person["dob"], person["role"]) == \
        ("Jade", "Smith", "2016-05-03", "child")
    assert result.summary()["events_unattributed"] == 0
    assert result.info["subject"]["origin"] == "detected"
    # one school, one agency: the cells name who wrote each entry
    assert set(result.events["agency"]) == {"Oakfield Primary"}
    assert list(result.events["author"]) == ["Class teacher", "DSL", "School office",
                                             "Class teacher"]


def test_the_name_in_the_page_header_or_a_details_table(tmp_path):
    path = school_docx(tmp_path / "hdr.docx", [], header_text="CONFIDENTIAL  Child: Kai Brown")
    assert read(path).persons.iloc[0]["family_name"] == "Brown"
    document = docx.Document()
    details = document.add_table(rows=2, cols=2)
    details.rows[0].cells[0].text, details.rows[0].cells[1].text = "Child's name", "Amira Khan"
    details.rows[1].cells[0].text, details.rows[1].cells[1].text = "Date of birth", "14/02/2020"
    table = document.add_table(rows=2, cols=3)
    for cell, text in zip(table.rows[0].cells, ["Date", "Event", "Outcome"]):
        cell.text = text
    for cell, text in zip(table.rows[1].cells, ["01/03/2023", "Was not brought to HV clinic",
                                                 "Rebooked"]):
        cell.text = text
    document.save(tmp_path / "details.docx")
    result = read(tmp_path / "details.docx")
    person = result.persons.iloc[0]
    assert (person["given_name"], person["family_name"], person["dob"]) == \
        ("Amira", "Khan", "2020-02-14")
    assert result.events.iloc[0]["person_ids"] == "school:subject"


def test_excel_rows_above_the_headings(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Health visiting chronology"])
    sheet.append(["Child:", "Leo Ward"])
    sheet.append(["DOB:", "05/08/2022"])
    sheet.append([])
    sheet.append(["Date", "Agency", "Description", "Outcome"])
    sheet.append(["12/12/2022", "HV", "New birth visit, home cluttered, no cot", "Review"])
    book.save(tmp_path / "hv.xlsx")
    result = read(tmp_path / "hv.xlsx", agency="Health visiting")
    person = result.persons.iloc[0]
    assert (person["given_name"], person["family_name"], person["dob"]) == \
        ("Leo", "Ward", "2022-08-05")
    assert result.events.iloc[0]["author"] == "HV"


def test_manifest_subject_wins_and_a_different_name_above_is_warned(tmp_path):
    path = school_docx(tmp_path / "jade.docx", ["Child: Jade SMITH (DOB 03/05/2016)"])
    result = read(path, subject={"name": "Jayde Smith", "dob": "2016-05-03",
                                 "upn": "A123456789012"})
    person = result.persons.set_index("record_key").loc["school:subject"]
    assert (person["given_name"], person["upn"]) == ("Jayde", "A123456789012")
    assert [w.code for w in result.warnings if w.code.startswith("subject")] == \
        ["subject.mismatch"]


def test_without_a_subject_events_are_counted_as_naming_nobody(tmp_path):
    path = school_docx(tmp_path / "anon.docx", ["Chronology for the review of Child A"])
    result = read(path)
    assert result.summary()["events_unattributed"] == len(ROWS)
    assert result.persons.empty or "school:subject" not in set(result.persons["record_key"])
    # roles in the agency column without a manifest agency: kept, and warned about
    assert [w.code for w in result.warnings] == ["chronology.roles_as_agency"]


def test_a_multi_agency_table_keeps_each_rows_agency(tmp_path):
    path = tmp_path / "multi.csv"
    path.write_text("Child: Jade Smith\nDate,Agency,Event,Outcome\n"
                    "01/02/2023,GP,Was not brought to the asthma review,Letter\n"
                    "03/02/2023,Police,Domestic incident at the home,DASH completed\n",
                    encoding="utf-8")
    result = read(path, agency="Multi-agency review")
    assert list(result.events["agency"]) == ["GP", "Police"]
    assert result.events["author"].isna().all()
    assert set(result.events["person_ids"]) == {"school:subject"}


@pytest.mark.parametrize("raw, expected", [
    ("Jade Smith (03/05/2016)", ("Jade", "Smith", "2016-05-03")),
    ({"name": "SMITH, Jade", "dob": "2016-05-03", "sex": "F"}, ("Jade", "Smith", "2016-05-03")),
    ({"given_name": "Jade", "family_name": "Smith"}, ("Jade", "Smith", None)),
])
def test_manifest_subject_forms(raw, expected):
    found = parse_subject(raw)
    assert (found.given_name, found.family_name, found.dob) == expected


@pytest.mark.parametrize("raw, fragment", [
    ({"name": "Jade Smith", "born": "2016"}, "unknown key 'born'"),
    ({"name": "Jade Smith", "dob": "the third"}, "cannot read the date of birth"),
    ({"sex": "F"}, "names nobody"),
    (["Jade"], "expected a name or a mapping"),
])
def test_bad_manifest_subjects_are_refused(raw, fragment):
    with pytest.raises(ManifestError, match=fragment):
        parse_subject(raw)


def test_subject_reaches_mapped_sources_too(tmp_path):
    path = tmp_path / "gp.csv"
    path.write_text("Date,What\n01/02/2023,Head lice\n", encoding="utf-8")
    source = Source(path=path, name="gp", format="mapped", agency="GP",
                    mapping={"events": [{"date": "Date", "type": {"column": "What"}}]},
                    options={"as_of": "2024-03-31"}, subject=Subject("Jade", "Smith"))
    result = read_source(source)
    assert list(result.events["person_ids"]) == ["gp:subject"]
    assert result.persons.iloc[0]["family_name"] == "Smith"
