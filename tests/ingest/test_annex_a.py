"""Annex A workbook ingester: the real liia-tools sample and synthetic messy workbooks."""

from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from chronos.errors import SourceError
from chronos.ingest.annex_a import AnnexAIngester, identify_sheet, load_spec
from chronos.ingest.base import Source

ROOT = Path(__file__).resolve().parents[2]
# ../shared/data next to the project root (for a git worktree, next to an ancestor)
SHARED = next((p / "shared" / "data" for p in ROOT.parents if (p / "shared" / "data").exists()),
              ROOT / ".." / "shared" / "data")
SAMPLE = SHARED / "annex-a" / "Annex_A.xlsx"


def read(path, name="aa"):
    return AnnexAIngester().read(Source(path=Path(path), name=name, agency="CSC"))


@pytest.fixture(scope="module")
def sample():
    if not SHARED.exists():
        pytest.skip("shared sample data not present")
    return read(SAMPLE)


# --- the real sample (numbers counted from an openpyxl dump of the file) -------------

def test_sample_counts_reconcile(sample):
    # data rows per sheet: 5, 5, 6, 5, 5, 5, 7, 5, 6, 5, 5
    assert sample.records_read == 59
    assert sample.records_to_data == 59
    assert sample.reconciles()
    assert sample.warnings == [] and sample.quarantine == []


def test_sample_people(sample):
    persons = sample.persons.set_index("record_key")
    adopters = persons[persons["role"] == "adopter"]
    assert len(adopters) == 5                      # List 11 rows
    assert len(persons) - len(adopters) == 48      # distinct child ids on Lists 1-10
    child = persons.loc["aa:9212044"]              # List 1 row 1: 'Female', 2015-01-25
    assert (child["sex"], child["dob"], child["la_child_id"]) == ("F", "2015-01-25", "9212044")
    assert persons.loc["aa:6890906", "sex"] == "U"  # 'c) Not stated/recorded'
    assert pd.isna(persons.loc["aa:11973218", "dob"])   # blank date of birth on List 1


def test_sample_event_counts(sample):
    counts = sample.events["event_type"].value_counts().to_dict()
    assert len(sample.events) == 182
    assert counts["contact"] == 5
    assert counts["s47_enquiry"] == 5 and counts["initial_conference"] == 3
    assert counts["cp_plan_start"] == 7 and counts["cp_plan_end"] == 5
    assert counts["care_leaver"] == 6              # List 9 has no dates: undated events
    # List 10: decision, matching, placed, order for 5 children + 1 'no longer placed';
    # List 11: 8 dated steps for 5 adopters + 1 'left the process'
    assert counts["adoption"] == 4 * 5 + 1 + 8 * 5 + 1


def test_sample_chosen_records(sample):
    ev = sample.events
    cp = ev[(ev.person_ids == "aa:10721552") & (ev.event_type == "cp_plan_start")].iloc[0]
    assert cp["date"] == "2020-11-23" and "Physical abuse" in cp["summary"]
    ceased = ev[(ev.person_ids == "aa:3623204") & (ev.event_type == "looked_after_end")].iloc[0]
    assert ceased["date"] == "2020-09-22"
    assert ceased["outcome"].startswith("E47: Special Guardianship")
    assert ceased["source_ref"] == "List 8:5"
    leavers = ev[ev.event_type == "care_leaver"]
    assert leavers["date"].isna().all() and (leavers["date_precision"] == "unknown").all()
    # '#N/A' team and worker on List 6 do not reach the details
    assert not ev["details"].fillna("").str.contains("#N/A").any()


def test_sample_formula_dates_use_cached_values(sample):
    ev = sample.events
    order = ev[(ev.person_ids == "aa:7961370") & (ev.summary == "Adoption order")]
    assert order["date"].tolist() == ["2009-08-31"]   # '=L2+5' cached as 31/08/2009


def test_sample_adoptive_links_by_family_id(sample):
    rel = sample.relationships
    assert len(rel) == 5
    link = rel[rel.person_a == "aa:adopter-7105179"].iloc[0]
    assert (link["person_b"], link["kind"], link["subtype"]) == ("aa:7961370", "parent", "adoptive")


def test_sample_sniffed(sample):
    head = SAMPLE.read_bytes()[:65536]
    assert AnnexAIngester().sniff(SAMPLE, head) >= 0.9


# --- synthetic messy workbooks ------------------------------------------------------

def messy_workbook(path):
    book = openpyxl.Workbook()
    contacts = book.active
    contacts.title = "Contacts"                       # no "List 1" in the name
    contacts.append(["Annex A return"])               # a title row above the headings
    contacts.append([])
    contacts.append(["CHILD UNIQUE ID:", "gender", "Ethnicity", "Date of birth", "Age",
                     "Date of Contatc", "Contact  source"])   # typo and spacing
    contacts.append(["C1", "a) Male", "a) WBRI", "03/04/2015", 5, "16/09/2020", "q) 6: Police"])
    contacts.append(["C2", "b) Female", "#N/A", 42005, 5, 44090, None])    # serials
    contacts.append(["C3", "Female", None, None, None, "31/02/2020", "b) 1B: Individual"])
    contacts.append([None, "a) Male", None, None, None, "01/10/2020", None])  # no id
    notes = book.create_sheet("List 3")
    notes.append(["This list is not returned this year"])
    notes.append(["see guidance"])
    cp = book.create_sheet("CP")
    cp.append(["Child Unique ID", "Gender", "Child Protection Plan Start Date",
               "Initial Category of Abuse", "Child Protection Plan End Date"])
    cp.append(["C1", "a) Male", datetime(2021, 1, 4), "Neglect", "#N/A"])
    book.save(path)
    return path


def test_messy_headings_codes_and_dates(tmp_path):
    result = read(messy_workbook(tmp_path / "messy.xlsx"), name="la")
    ev = result.events
    contacts = ev[ev.event_type == "contact"].set_index("source_ref")
    assert contacts.loc["Contacts:1", "date"] == "2020-09-16"      # text, day first
    assert contacts.loc["Contacts:2", "date"] == "2020-09-16"      # Excel serial 44090
    assert contacts.loc["Contacts:1", "details"].endswith("source=6: Police")
    persons = result.persons.set_index("record_key")
    assert persons.loc["la:C1", "dob"] == "2015-04-03"
    assert persons.loc["la:C2", "dob"] == "2015-01-01"             # serial 42005
    assert persons.loc["la:C3", "sex"] == "F"                      # uncoded 'Female'
    cp = ev[ev.event_type == "cp_plan_start"].iloc[0]
    assert cp["date"] == "2021-01-04" and cp["person_ids"] == "la:C1"


def test_messy_bad_rows_and_sheet(tmp_path):
    result = read(messy_workbook(tmp_path / "messy.xlsx"), name="la")
    codes = [w.code for w in result.warnings]
    assert "date.impossible" in codes                              # 31/02/2020 on C3
    no_header = [w for w in result.warnings if w.code == "annex_a.no_header"]
    assert len(no_header) == 1 and "'List 3'" in no_header[0].message
    assert result.records_skipped == {"annex_a.no_header": 2}
    assert [q.code for q in result.quarantine] == ["annex_a.missing_id"]
    assert result.quarantine[0].source_ref == "Contacts:4"
    # C3's only date was impossible: the row is kept as an undated contact
    c3 = result.events[result.events.person_ids == "la:C3"]
    assert c3["date"].isna().all() and len(c3) == 1
    assert result.reconciles()


def test_sheet_identified_by_headings_alone():
    spec = load_spec()
    rows = [("Child ID", "Gender", "Date of Referral", "Referral Source", "Referral NFA?")]
    lst, header, columns = identify_sheet("Sheet1", rows, spec)
    assert lst.number == 3 and header == 0 and "ev0.date" in columns


def test_truncated_workbook_is_a_source_error(tmp_path):
    path = messy_workbook(tmp_path / "whole.xlsx")
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(path.read_bytes()[:1500])
    with pytest.raises(SourceError) as info:
        read(cut)
    assert "cut.xlsx" in str(info.value)


def test_workbook_without_lists_is_refused(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["Name", "Score"])
    book.active.append(["x", 1])
    path = tmp_path / "other.xlsx"
    book.save(path)
    assert AnnexAIngester().sniff(path, path.read_bytes()[:65536]) == 0.0
    text = tmp_path / "notes.txt"
    text.write_text("just some notes\nabout nothing\n")
    assert AnnexAIngester().sniff(text, text.read_bytes()) == 0.0


def test_deterministic_output(tmp_path):
    path = messy_workbook(tmp_path / "messy.xlsx")
    first, second = read(path), read(path)
    assert first.events.to_csv(index=False) == second.events.to_csv(index=False)
    assert first.persons.to_csv(index=False) == second.persons.to_csv(index=False)


def test_a_row_with_a_date_after_as_of_is_quarantined(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "List 1"
    sheet.append(["Child Unique ID", "Gender", "Date of Birth", "Date of Contact",
                  "Contact Source"])
    sheet.append(["C1", "a) Male", "03/04/2015", "16/09/2020", "q) 6: Police"])
    sheet.append(["C2", "b) Female", "03/04/2016", "16/09/2036", "q) 6: Police"])
    path = tmp_path / "annex.xlsx"
    book.save(path)
    result = AnnexAIngester().read(Source(path=path, name="aa", agency="CSC",
                                          options={"as_of": "2024-03-31"}))
    assert [(q.code, q.source_ref, q.value) for q in result.quarantine] == [
        ("date.future", "List 1:2", "16/09/2036")]
    assert set(result.events["person_ids"]) == {"aa:C1"} and result.reconciles()
