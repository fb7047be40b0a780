"""The mapped ingester on small CSV, TSV and XLSX fixtures written by the tests."""

from __future__ import annotations

import csv
import datetime as dt

import openpyxl
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chronos.errors import MappingError, SourceError
from chronos.ingest.base import Source, read_source, registry
from chronos.ingest.mapped import render_template
from chronos.ingest.mapped_events import event_ids
from chronos.ingest.mapped_events import parse_time
from chronos.ingest.mapped_people import first_filled_per_key, split_name
from chronos.ingest.mapping import load_mapping, parse_mapping, shipped_wordings
from chronos.ingest.tabular import detect_encoding, factorize
from chronos.model import make_event_id, vocabulary

HEADER = ["PatientID", "Forename", "Surname", "DOB", "Gender", "Appt Date", "Time", "Clinic",
          "Outcome"]
ROWS = [
    ["P1", "Jade", "Smith", "01/02/2015", "Female", "03/04/2022", "09:30", "GP", "DNA"],
    ["P2", "Kayden", "Smith", "05/06/2019", "M", "04/04/2022", "10:00", "Dental", "Attended"],
    ["P1", "Jade", "Smith", "01/02/2015", "F", "10/05/2022", "1430", "Paediatrics", "WNB"],
]
GP_MAPPING = {
    "agency": "GP",
    "person": {"id": "PatientID", "given_name": "Forename", "family_name": "Surname",
               "dob": "DOB", "sex": "Gender"},
    "events": [{
        "date": "Appt Date", "time": "Time",
        "type": {"column": "Outcome", "map": {"DNA": "was_not_brought",
                                              "Attended": "appointment_attended"}},
        "summary": "{Clinic} appointment: {Outcome}",
    }],
}


def write_csv(path, rows, *, delimiter=",", encoding="utf-8", before=()):
    with open(path, "w", newline="", encoding=encoding) as handle:
        for line in before:
            handle.write(line + "\n")
        csv.writer(handle, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return path


def ingest(path, mapping=GP_MAPPING, name="gp", **options):
    options.setdefault("as_of", "2024-03-31")
    return read_source(Source(path=path, name=name, format="mapped", mapping=mapping,
                              options=options, display_path=path.name))


def assert_reconciles(result):
    skipped = sum(result.records_skipped.values())
    assert result.records_read == result.records_to_data + result.records_quarantined + skipped
    assert result.reconciles()


# ------------------------------------------------------------------ formats

def test_mapped_is_registered_and_needs_a_mapping():
    assert registry()["mapped"].needs_mapping


def test_csv_rows_become_events_persons_and_provenance(tmp_path):
    result = ingest(write_csv(tmp_path / "gp.csv", [HEADER] + ROWS))
    events = result.events
    assert list(events["event_type"]) == ["was_not_brought", "appointment_attended",
                                          "was_not_brought"]
    assert list(events["date"]) == ["2022-04-03", "2022-04-04", "2022-05-10"]
    assert list(events["time"]) == ["09:30", "10:00", "14:30"]
    assert list(events["source_ref"]) == ["2", "3", "4"]  # file line numbers
    assert list(events["person_ids"]) == ["gp:P1", "gp:P2", "gp:P1"]
    assert events.loc[0, "summary"] == "GP appointment: DNA"
    assert events.loc[0, "categories"] == vocabulary().categories_for("was_not_brought")
    assert set(events["agency"]) == {"GP"} and set(events["source_format"]) == {"mapped"}
    persons = result.persons.set_index("record_key")
    assert persons.loc["gp:P1", "dob"] == "2015-02-01"
    assert persons.loc["gp:P1", "sex"] == "F" and persons.loc["gp:P2", "sex"] == "M"
    assert persons.loc["gp:P2", "source_ref"] == "3"
    assert result.records_to_data == 3
    assert_reconciles(result)


def test_event_ids_are_the_contract_ids_and_stable(tmp_path):
    path = write_csv(tmp_path / "gp.csv", [HEADER] + ROWS)
    first, second = ingest(path).events, ingest(path).events
    assert list(first["event_id"]) == list(second["event_id"])
    row = first.iloc[0]
    assert row["event_id"] == make_event_id("gp.csv", "2", "was_not_brought", "2022-04-03", 0)
    refs = [str(i) for i in range(400_000)]   # rows enough for DuckDB's threads to share
    dates = [None if i % 3 else "2022-04-03" for i in range(len(refs))]  # None counts as ""
    ordinals = [i % 2 for i in range(len(refs))]
    bulk = event_ids("a'b Zoë.csv", refs, ["x"] * len(refs), dates, ordinals)
    for i in [6, 7, 8, 399_999] + list(range(0, len(refs), 4_999)):   # in order, each one
        assert bulk[i] == make_event_id("a'b Zoë.csv", str(i), "x", dates[i] or "", i % 2)


def test_tsv_is_read_by_its_extension(tmp_path):
    path = write_csv(tmp_path / "gp.tsv", [HEADER] + ROWS, delimiter="\t")
    result = ingest(path)
    assert len(result.events) == 3 and result.info["delimiter"] == "\t"


def test_semicolon_delimiter_is_sniffed(tmp_path):
    path = write_csv(tmp_path / "gp.csv", [HEADER] + ROWS, delimiter=";")
    assert len(ingest(path).events) == 3


def _workbook(path, sheets):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_xlsx_every_sheet_with_sheet_row_refs(tmp_path):
    date_rows = [[r[0], r[1], r[2], r[3], r[4], dt.datetime(2022, 4, 3 + i, 9, 30), "",
                  r[7], r[8]] for i, r in enumerate(ROWS)]
    path = _workbook(tmp_path / "ae.xlsx", {
        "2022": [["Attendances 2022"], [], HEADER] + date_rows[:2],
        "Notes": [["These notes are not data"]],
        "2023": [HEADER, date_rows[2]],
    })
    result = ingest(path)
    assert list(result.events["source_ref"]) == ["2022!4", "2022!5", "2023!2"]
    assert list(result.events["date"]) == ["2022-04-03", "2022-04-04", "2022-04-05"]
    assert list(result.events["time"]) == ["09:30"] * 3
    assert result.info["sheets"] == ["2022", "2023"]
    assert_reconciles(result)


def test_xlsx_named_sheet_and_missing_sheet(tmp_path):
    path = _workbook(tmp_path / "ae.xlsx", {"A": [HEADER] + ROWS[:1], "B": [HEADER] + ROWS})
    assert list(ingest(path, sheet="B").events["source_ref"]) == ["B!2", "B!3", "B!4"]
    with pytest.raises(MappingError) as err:
        ingest(path, sheet="C")
    assert "ae.xlsx" in str(err.value) and "A, B" in str(err.value)


def test_merged_two_row_header_is_joined(tmp_path):
    upper = ["Patient", "", "", "", "", "Appointment", "", "", ""]
    lower = ["PatientID", "Forename", "Surname", "DOB", "Gender", "Date", "Time", "Clinic",
             "Outcome"]
    mapping = yaml.safe_load(yaml.safe_dump(GP_MAPPING))
    mapping["events"][0]["date"] = "Appointment Date"
    mapping["events"][0]["time"] = "Appointment Time"
    path = _workbook(tmp_path / "gp.xlsx", {"S": [upper, lower] + ROWS})
    result = ingest(path, mapping)
    assert result.info["header_rows"] == 2
    assert list(result.events["source_ref"]) == ["S!3", "S!4", "S!5"]


# ------------------------------------------------------------------ untidy files

def test_utf8_bom_and_cp1252_are_detected(tmp_path):
    rows = [HEADER, ["P1", "Zoë", "O'Brien", "01/02/2015", "F", "03/04/2022", "", "£ clinic",
                     "DNA"]]
    bom = ingest(write_csv(tmp_path / "bom.csv", rows, encoding="utf-8-sig"))
    assert bom.info["encoding"] == "utf-8-sig"
    assert bom.persons.loc[0, "given_name"] == "Zoë"
    assert not [w for w in bom.warnings if w.code == "encoding.not_utf8"]
    win = ingest(write_csv(tmp_path / "win.csv", rows, encoding="cp1252"))
    assert win.info["encoding"] == "cp1252"
    assert win.persons.loc[0, "given_name"] == "Zoë"
    assert win.events.loc[0, "summary"] == "£ clinic appointment: DNA"
    assert [w.code for w in win.warnings] == ["encoding.not_utf8"]


def test_totals_row_is_judged_by_its_first_filled_cell(tmp_path):
    named_total = ["P7", "Total", "Recall"] + ROWS[0][3:]   # a person, not a totals row
    rows = [HEADER, ROWS[0], ["", "  SUB-TOTAL", "", "", "", "", "", "", "3"], named_total]
    result = ingest(write_csv(tmp_path / "gp.csv", rows))
    assert result.records_skipped == {"totals_row": 1}
    assert list(result.events["source_ref"]) == ["2", "4"]
    assert_reconciles(result)


def test_blank_totals_and_title_rows_are_counted_not_lost(tmp_path):
    rows = [HEADER, ROWS[0], [""] * 9, ROWS[1], ["Total", "", "", "", "", "", "", "", "2"],
            ["Grand total: 2"], ROWS[2], HEADER]
    path = write_csv(tmp_path / "gp.csv", rows, before=["GP appointments export", ""])
    result = ingest(path)
    assert result.info["header_row"] == 3
    assert list(result.events["source_ref"]) == ["4", "6", "9"]
    assert result.records_skipped == {"blank_row": 1, "repeated_header": 1, "totals_row": 2}
    assert result.records_read == 7
    assert_reconciles(result)


def test_rows_of_spaces_are_blank_but_unmapped_text_is_not(tmp_path):
    rows = [HEADER + ["Notes"], ROWS[0] + [""], [" "] * 9 + ["   "], [""] * 9 + ["a note"]]
    result = ingest(write_csv(tmp_path / "gp.csv", rows))
    assert result.records_skipped == {"blank_row": 1}
    assert [(q.code, q.source_ref) for q in result.quarantine] == [("person.missing", "4")]


def test_blank_lines_inside_the_file_keep_line_numbers(tmp_path):
    path = tmp_path / "gp.csv"
    path.write_text(",".join(HEADER) + "\n\n" + ",".join(ROWS[0]) + "\n\n\n"
                    + ",".join(ROWS[1]) + '\n"P3","Ava\nMay",Smith,,,01/01/2022,,GP,DNA\n'
                    + ",".join(ROWS[2]) + "\n\n", encoding="utf-8")
    result = ingest(path)
    assert list(result.events["source_ref"]) == ["3", "6", "7", "9"]
    assert result.records_skipped == {"blank_row": 3}


def test_trailing_blank_rows_are_not_records(tmp_path):
    path = tmp_path / "gp.csv"
    path.write_text(",".join(HEADER) + "\n" + ",".join(ROWS[0]) + "\n\n"
                    + ",".join(ROWS[1]) + "\n" + ",,,,,,,,\n" * 100, encoding="utf-8")
    result = ingest(path)
    assert result.records_read == 3 and result.records_skipped == {"blank_row": 1}


def test_bytes_no_encoding_can_read_are_replaced_not_fatal(tmp_path):
    path = tmp_path / "gp.csv"
    line = ",".join(ROWS[0]).replace("GP", "GP \x81").encode("latin-1")
    path.write_bytes(",".join(HEADER).encode() + b"\n" + line + b"\n")
    result = ingest(path)
    assert result.info["encoding"] == "cp1252"
    assert result.events.loc[0, "summary"] == "GP \ufffd appointment: DNA"


def test_row_with_too_many_fields_is_quarantined(tmp_path):
    path = tmp_path / "gp.csv"
    path.write_text(",".join(HEADER) + "\n" + ",".join(ROWS[0]) + ",oops,extra\n"
                    + ",".join(ROWS[1]) + "\n", encoding="utf-8")
    result = ingest(path)
    assert [(q.code, q.source_ref) for q in result.quarantine] == [("row.extra_fields", "2")]
    assert len(result.events) == 1
    assert_reconciles(result)


# ------------------------------------------------------------------ quarantine

def _bad_rows():
    return [HEADER,
            ["P1", "Jade", "Smith", "01/02/2015", "F", "31/02/2022", "", "GP", "DNA"],
            ["P1", "Jade", "Smith", "01/02/2015", "F", "", "", "GP", "DNA"],
            ["P1", "Jade", "Smith", "01/02/2015", "F", "03/04/2022", "", "GP", "Gone fishing"],
            ["P1", "Jade", "Smith", "01/02/2015", "F", "01/01/2030", "", "GP", "DNA"],
            ["P1", "Jade", "Smith", "01/02/2015", "F", "05/04/2022", "", "GP", "Attended"]]


def test_bad_rows_are_quarantined_with_file_row_column_and_value(tmp_path):
    result = ingest(write_csv(tmp_path / "gp.csv", _bad_rows()))
    found = {q.code: q for q in result.quarantine}
    assert set(found) == {"date.impossible", "date.missing", "event_type.unmapped",
                          "date.future"}
    assert (found["date.impossible"].source_ref, found["date.impossible"].column,
            found["date.impossible"].value) == ("2", "Appt Date", "31/02/2022")
    assert found["date.missing"].source_ref == "3"
    unmapped = found["event_type.unmapped"]
    assert (unmapped.source_ref, unmapped.column, unmapped.value) == ("4", "Outcome",
                                                                       "Gone fishing")
    assert "Gone fishing" in unmapped.message and "gp.csv" in str(unmapped)
    assert "2024-03-31" in found["date.future"].message
    assert all(q.severity == "error" and q.source_file == "gp.csv" for q in result.quarantine)
    assert list(result.events["source_ref"]) == ["6"]
    assert_reconciles(result)


def test_unmapped_other_and_undated_keep(tmp_path):
    mapping = yaml.safe_load(yaml.safe_dump(GP_MAPPING))
    mapping["events"][0]["type"]["unmapped"] = "other"
    mapping["events"][0]["undated"] = "keep"
    result = ingest(write_csv(tmp_path / "gp.csv", _bad_rows()), mapping)
    kept = result.events.set_index("source_ref")
    assert kept.loc["3", "date_precision"] == "unknown" and kept.loc["3", "date"] is not None
    assert kept.loc["4", "event_type"] == "other"
    assert [w.code for w in result.warnings if w.code == "event_type.other"] == ["event_type.other"]
    assert {q.code for q in result.quarantine} == {"date.impossible", "date.future"}
    assert_reconciles(result)


def test_as_of_defaults_to_today(tmp_path):
    rows = _bad_rows()[:1] + [_bad_rows()[4]]
    path = write_csv(tmp_path / "gp.csv", rows)
    result = read_source(Source(path=path, name="gp", format="mapped", mapping=GP_MAPPING))
    assert [q.code for q in result.quarantine] == ["date.future"]


# ------------------------------------------------------------------ whole-file errors

def test_missing_column_names_file_column_and_suggests(tmp_path):
    mapping = yaml.safe_load(yaml.safe_dump(GP_MAPPING))
    mapping["events"][0]["date"] = "Appt. Date"
    with pytest.raises(MappingError) as err:
        ingest(write_csv(tmp_path / "gp.csv", [HEADER] + ROWS), mapping)
    text = str(err.value)
    assert err.value.file == "gp.csv" and err.value.column == "Appt. Date"
    assert "did you mean 'Appt Date'" in text and "Outcome" in text


def test_column_names_match_ignoring_case_and_spaces(tmp_path):
    header = [h.upper().replace(" ", "  ") for h in HEADER]
    result = ingest(write_csv(tmp_path / "gp.csv", [header] + ROWS))
    assert len(result.events) == 3


def test_missing_file_and_unreadable_workbook(tmp_path):
    with pytest.raises(SourceError) as err:
        ingest(tmp_path / "nope.csv")
    assert "nope.csv" in str(err.value)
    bad = tmp_path / "ae.xlsx"
    bad.write_text("PatientID,DOB\n1,2\n")
    with pytest.raises(SourceError) as err:
        ingest(bad)
    assert "ae.xlsx" in str(err.value) and "workbook" in str(err.value)


def test_empty_and_header_only_files(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"\xef\xbb\xbf\r\n")
    with pytest.raises(SourceError) as err:
        ingest(tmp_path / "empty.csv")
    assert "empty.csv" in str(err.value) and "empty" in err.value.message
    result = ingest(write_csv(tmp_path / "header.csv", [HEADER]))
    assert result.records_read == 0 and len(result.events) == 0 and result.reconciles()


def test_inline_mapping_is_named_in_messages(tmp_path):
    mapping = yaml.safe_load(yaml.safe_dump(GP_MAPPING))
    mapping["person"]["dob"] = "Birth"
    with pytest.raises(MappingError) as err:
        ingest(write_csv(tmp_path / "gp.csv", [HEADER] + ROWS), mapping)
    assert "inline mapping of source 'gp'" in str(err.value)


def test_file_without_any_mapped_column(tmp_path):
    with pytest.raises(MappingError) as err:
        ingest(write_csv(tmp_path / "gp.csv", [["a", "b"], ["1", "2"]]))
    assert "gp.csv" in str(err.value) and "Appt Date" in str(err.value)


@pytest.mark.parametrize("bad, words", [
    ({"events": [{"date": "D", "type": {"value": "was_not_broght"}}]}, "was_not_brought"),
    ({"events": [{"date": "D", "typ": {"value": "referral"}}]}, "'type'"),
    ({"events": [{"type": {"value": "referral"}}]}, "undated: keep"),
    ({"person": {"id": "X"}, "related": [{"column": "M", "kind": "mum"}]}, "parent"),
    ({"agency": "GP"}, "neither events nor person"),
])
def test_invalid_mappings_say_what_is_wrong(bad, words):
    with pytest.raises(MappingError) as err:
        parse_mapping(bad, origin="mappings/gp.yaml")
    assert "mappings/gp.yaml" in str(err.value) and words in str(err.value)


def test_mapping_file_from_yaml_and_case_loader_key(tmp_path):
    path = tmp_path / "gp.yaml"
    path.write_text(yaml.safe_dump(GP_MAPPING))
    assert load_mapping(path).events[0].date == "Appt Date"
    assert parse_mapping(dict(GP_MAPPING, _file="m/gp.yaml")).origin == "m/gp.yaml"
    (tmp_path / "bad.yaml").write_text("events: [\n")
    with pytest.raises(MappingError):
        load_mapping(tmp_path / "bad.yaml")


# ------------------------------------------------------------------ richer mappings

def test_several_events_per_row_with_conditions(tmp_path):
    rows = [["ChildID", "Name", "Referral Date", "Closed", "Reason"],
            ["C1", "Smith, Jade", "01/03/2022", "15/06/2022", "Neglect"],
            ["C2", "Kayden SMITH", "02/03/2022", "", "Neglect"],
            ["C3", "Mia Smith", "03/03/2022", "", "Cancelled"]]
    mapping = {
        "agency": "Children's social care",
        "person": {"id": "ChildID", "name": "Name"},
        "events": [
            {"date": "Referral Date", "type": {"value": "referral"}, "outcome": "Reason",
             "details": ["Reason"], "when": {"column": "Reason", "not_in": ["cancelled"]}},
            {"date": "Closed", "type": "case_closed",
             "when": {"column": "Closed", "not_empty": True}},
        ],
    }
    result = ingest(write_csv(tmp_path / "csc.csv", rows), mapping, name="csc")
    events = result.events
    assert list(zip(events["source_ref"], events["event_type"])) == [
        ("2", "referral"), ("2", "case_closed"), ("3", "referral")]
    assert events.loc[0, "details"] == "Reason=Neglect"
    assert result.records_skipped == {"no_event": 1}
    people = result.persons.set_index("record_key")
    assert (people.loc["csc:C1", "given_name"], people.loc["csc:C1", "family_name"]) == \
        ("Jade", "Smith")
    assert people.loc["csc:C2", "family_name"] == "Smith"
    assert_reconciles(result)


def test_when_lists_and_unmapped_ignore(tmp_path):
    rows = [["ID", "Type", "Start", "End", "Code"],
            ["1", "CP Plan", "01/07/2022", "20/10/2023", "Head lice"],
            ["1", "Assessment", "01/06/2022", "20/06/2022", "Otitis media"],
            ["1", "CP Plan", "01/11/2023", "", ""]]
    mapping = {"person": {"id": "ID"}, "events": [
        {"date": "Start", "type": {"column": "Type", "map": {"CP Plan": "cp_plan_start"}}},
        {"date": "End", "type": "cp_plan_end",
         "when": [{"column": "End", "not_empty": True}, {"column": "Type", "equals": "cp plan"}]},
        {"date": "Start", "type": {"column": "Code", "unmapped": "ignore"},
         "when": {"column": "Code", "not_empty": True}}]}
    result = ingest(write_csv(tmp_path / "x.csv", rows), mapping)
    assert list(zip(result.events["source_ref"], result.events["event_type"])) == [
        ("2", "cp_plan_start"), ("2", "cp_plan_end"), ("2", "head_lice"), ("3", "assessment"),
        ("4", "cp_plan_start")]
    assert_reconciles(result)


def test_ignored_wordings_are_counted_skips(tmp_path):
    mapping = yaml.safe_load(yaml.safe_dump(GP_MAPPING))
    mapping["events"][0]["type"]["map"]["Attended"] = "ignore"
    result = ingest(write_csv(tmp_path / "gp.csv", [HEADER] + ROWS), mapping)
    assert result.records_skipped == {"event_type.ignored": 1}
    assert_reconciles(result)


def test_persons_file_with_relationships_and_household(tmp_path):
    rows = [["Ref", "First", "Last", "Born", "Sex", "NHS", "Mother", "Partner", "Household"],
            ["A1", "Donna", "Smith", "12/12/1990", "F", "943 476 5919", "", "A2", "H1"],
            ["A2", "Ryan", "Cole", "1/1/1988", "M", "", "", "A1", "H1"],
            ["C1", "Jade", "Smith", "01/02/2015", "F", "", "A1", "", "H1"],
            ["", "Lee", "Smith", "03/03/2019", "M", "", "A1", "", ""],
            ["", "", "", "", "", "", "", "", "H2"]]
    mapping = {"person": {"id": "Ref", "given_name": "First", "family_name": "Last",
                          "dob": "Born", "sex": "Sex", "nhs_number": "NHS"},
               "related": [{"column": "Mother", "kind": "parent", "subtype": "biological"},
                           {"column": "Partner", "kind": "partner"}],
               "household": "Household"}
    result = ingest(write_csv(tmp_path / "family.csv", rows), mapping, name="family")
    keys = set(result.persons["record_key"])
    derived = [k for k in keys if k.startswith("family:~")]
    assert {"family:A1", "family:A2", "family:C1"} <= keys and len(derived) == 1
    rel = result.relationships
    parents = rel[rel["kind"] == "parent"]
    assert set(zip(parents["person_a"], parents["person_b"])) == {
        ("family:A1", "family:C1"), ("family:A1", derived[0])}
    assert set(parents["subtype"]) == {"biological"}
    assert len(rel[rel["kind"] == "partner"]) == 1
    assert len(rel[rel["kind"] == "household"]) == 3
    nhs = result.persons.set_index("record_key").loc["family:A1", "nhs_number"]
    assert nhs == "9434765919"
    assert [q.code for q in result.quarantine] == ["person.missing"]
    assert_reconciles(result)


def test_value_and_related_people_in_events(tmp_path):
    rows = [["Pupil", "Term", "Attendance %", "Start"],
            ["U1", "Autumn 2022", "88.5%", "01/09/2022"],
            ["U1", "Spring 2023", "n/a", "01/01/2023"]]
    mapping = {"person": {"id": "Pupil"},
               "events": [{"date": "Start", "type": {"value": "attendance_summary"},
                           "value": "Attendance %", "summary": "{Term}: {Attendance %}"}]}
    result = ingest(write_csv(tmp_path / "school.csv", rows), mapping, name="school")
    assert result.events["value"].tolist()[0] == 88.5
    assert result.events["value"].isna().tolist() == [False, True]
    assert [w.code for w in result.warnings] == ["value.not_numeric"]


def test_shipped_wordings_are_unique_and_known_types():
    import importlib.resources

    raw = yaml.safe_load(importlib.resources.files("chronos").joinpath(
        "data", "event_wordings.yaml").read_text("utf-8"))["wordings"]
    total = sum(len(v) for v in raw.values())
    assert len(shipped_wordings()) == total  # no wording listed twice
    assert set(raw) <= set(vocabulary().event_types)


def test_shipped_wordings_match_loosely(tmp_path):
    rows = [["ID", "When", "What"], ["1", "01/01/2022", "  did NOT attend "],
            ["1", "02/01/2022", "A&E"], ["1", "03/01/2022", "head_lice"]]
    mapping = {"person": {"id": "ID"}, "events": [{"date": "When", "type": {"column": "What"}}]}
    result = ingest(write_csv(tmp_path / "x.csv", rows), mapping)
    assert list(result.events["event_type"]) == ["was_not_brought", "ae_attendance", "head_lice"]


# ------------------------------------------------------------------ helpers and properties

@pytest.mark.parametrize("text, expected", [
    ("Smith, Jade", ("Jade", "Smith")), ("SMITH Jade", ("Jade", "Smith")),
    ("Jade Louise Smith", ("Jade Louise", "Smith")), ("Cher", ("", "Cher")), ("", ("", "")),
    ("Ms Donna SMITH", ("Donna", "Smith")), ("Kayden SMITH", ("Kayden", "Smith")),
])
def test_split_name(text, expected):
    assert split_name(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("09:30", "09:30"), ("930", "09:30"), ("2.05pm", "14:05"), ("12:00 am", "00:00"),
    ("14:05:30", "14:05:30"), ("2022-01-01 08:15:00", "08:15"), ("25:00", None), ("soon", None),
])
def test_parse_time(text, expected):
    assert parse_time(text) == expected


_cell = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.booleans(), _cell), min_size=1, max_size=12))
def test_any_text_lands_with_its_line_number(tmp_path, rows):
    """Blank lines anywhere, any cell text (quoted newlines too): each row's ref is the
    file line its record starts on, and the text arrives intact."""
    text, expected = "ID,When,Note\n", {}
    for i, (blank_before, note) in enumerate(rows):
        if blank_before:
            text += "\n"
        expected[f"t:{i}"] = (text.count("\n") + 1, note.strip())
        text += f'{i},01/01/2022,"' + note.replace('"', '""') + '"\n'
    path = tmp_path / "p.csv"
    path.write_text(text, encoding="utf-8", newline="")
    mapping = {"person": {"id": "ID"},
               "events": [{"date": "When", "type": "other", "outcome": "Note"}]}
    result = ingest(path, mapping, name="t")
    assert_reconciles(result)
    got = {pid: (int(ref), out) for pid, ref, out in
           zip(result.events["person_ids"], result.events["source_ref"], result.events["outcome"])}
    assert set(got) == set(expected)
    for pid, (line, note) in expected.items():
        assert got[pid][0] == line
        assert (got[pid][1] if got[pid][1] is not None and got[pid][1] is not pd.NA else "") == note


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from(["", "1", "2"]),
                          st.sampled_from(["", "p"])), min_size=1, max_size=30))
def test_person_fields_are_the_first_filled_value_of_each_key(rows):
    frame = pd.DataFrame(rows, columns=["k", "x", "y"], dtype="string")
    expected = frame.apply(lambda c: c.mask(c.eq(""))).groupby("k", sort=False).first()
    got = first_filled_per_key(frame, "k")
    pd.testing.assert_frame_equal(got, expected.reset_index())


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", "GP", " -Dental", "ü;", "a:"] + [str(i) for i in range(30)]),
                          st.sampled_from(["", "DNA", "1", "x -"])), max_size=200),
       st.sampled_from(["{A} appointment: {B}", "- {A}{B} -", "{B}", "{B}, {A}: {B}", "fixed"]))
def test_templates_render_every_row_as_written(rows, template):
    frame = pd.DataFrame(rows, columns=["A", "B"], dtype="string")
    expected = [template.format(A=a, B=b).strip(" :;,-") for a, b in rows]
    assert list(render_template(template, frame)) == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "", None, "é"]), max_size=30))
def test_arrow_factorize_is_pandas_factorize(values):
    series = pd.Series(values, dtype="string")
    codes, uniques = pd.factorize(series)
    got_codes, got_uniques = factorize(series)
    assert list(got_codes) == list(codes) and got_uniques == list(uniques)


@given(st.binary(max_size=12))
def test_utf8_detection_follows_the_policy(data):
    """UTF-8 when the bytes decode, or when valid non-ASCII characters are at least as many
    as the bytes that are not UTF-8; otherwise cp1252 (Python's surrogateescape decoding
    is the independent count)."""
    text = data.decode("utf-8", errors="surrogateescape")
    invalid = sum(1 for c in text if "\udc80" <= c <= "\udcff")
    valid = sum(1 for c in text if ord(c) > 127 and not "\udc80" <= c <= "\udcff")
    expected = "utf-8" if not invalid or (valid and valid >= invalid) else "cp1252"
    if not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        assert detect_encoding(data) == expected


def test_a_totals_row_labelled_under_a_later_column_is_skipped(tmp_path):
    # a finance-style export: the label sits under "Clinic", the counts under the rest
    rows = [HEADER, ROWS[0], ROWS[1], ["", "", "", "", "", "", "", "Total appointments", "2"],
            ["", "", "", "", "", "", "", "TOTALS:", "£1,204.50"],
            ["P9", "", "", "", "", "", "", "Total clinic", "DNA"]]   # a person: not totals
    result = ingest(write_csv(tmp_path / "gp.csv", rows))
    assert result.records_skipped == {"totals_row": 2}
    assert [(q.code, q.source_ref) for q in result.quarantine] == [("date.missing", "6")]
    assert_reconciles(result)


def test_rows_a_when_filter_leaves_out_are_skipped_whoever_they_name(tmp_path):
    # a school log: only the "Concern" rows are events; the notes rows name nobody and
    # must not be quarantined as person.missing (a --strict build would never pass)
    mapping = {"person": {"id": "UPN", "name": "Pupil"},
               "events": [{"date": "Date", "type": {"value": "hygiene_clothing"},
                           "summary": "Note", "when": {"column": "Kind", "equals": "Concern"}}]}
    rows = [["UPN", "Pupil", "Date", "Kind", "Note"],
            ["A123456789012", "Jade Smith", "12/09/2023", "Concern", "Smelt of urine"],
            ["", "", "13/09/2023", "Staff note", "Cover teacher in class"],
            ["", "", "14/09/2023", "Concern", "No coat in the rain"]]
    result = ingest(write_csv(tmp_path / "log.csv", rows), mapping=mapping, name="school")
    assert result.records_skipped == {"no_event": 1}
    assert [(q.code, q.source_ref) for q in result.quarantine] == [("person.missing", "4")]
    assert_reconciles(result)


def test_the_postcode_is_taken_out_of_an_address_column(tmp_path):
    mapping = {"person": {"id": "ID", "name": "Name", "address": "Address"},
               "events": [{"date": "Date", "type": {"value": "home_visit"}}]}
    rows = [["ID", "Name", "Address", "Date"],
            ["H1", "Jade Smith", "Flat 2, 12 Oak Road, Leeds ls6 2ab", "01/02/2023"],
            ["H2", "Kai Brown", "4 Elm Close, Bradford BD7 1AA (temporary)", "02/02/2023"],
            ["H3", "Amy Cole", "No fixed abode", "03/02/2023"]]
    result = ingest(write_csv(tmp_path / "housing.csv", rows), mapping=mapping, name="h")
    postcodes = result.persons.set_index("record_key")["postcode"]
    assert postcodes["h:H1"] == "LS6 2AB" and postcodes["h:H2"] == "BD7 1AA"
    assert pd.isna(postcodes["h:H3"])
    same_column = {**mapping, "person": {"id": "ID", "name": "Name", "postcode": "Address"}}
    again = ingest(write_csv(tmp_path / "h2.csv", rows), mapping=same_column, name="h")
    assert again.persons.set_index("record_key")["postcode"]["h:H1"] == "LS6 2AB"


def test_unknown_wordings_typed_by_the_words_of_the_note(tmp_path):
    # a school welfare log whose categories no shipped wording knows ("Welfare"): with
    # unmapped: keywords the note's words decide; a note with none stays "other", warned
    mapping = {"agency": "School",
               "person": {"id": "Pupil Ref", "name": "Pupil"},
               "events": [{"date": "Incident Date", "summary": "Notes", "author": "Logged By",
                           "type": {"column": "Category", "map": {"Attendance": "school_absence"},
                                    "unmapped": "keywords"}}]}
    rows = [["Pupil Ref", "Pupil", "Incident Date", "Category", "Notes", "Logged By"],
            ["P1", "Kayden Brookes", "12-Sep-2023", "Welfare",
             "Came in hungry again, asked for toast at breakfast club", "Class teacher"],
            ["P1", "Kayden Brookes", "19-Sep-2023", "Attendance", "Late 4 times", "School office"],
            ["P1", "Kayden Brookes", "04-Oct-2023", "Welfare",
             "Bruise on left forearm, says she fell off her bike", "DSL"],
            ["P1", "Kayden Brookes", "05-Oct-2023", "Welfare", "Parents evening booked", ""]]
    result = ingest(write_csv(tmp_path / "log.csv", rows), mapping=mapping, name="school")
    events = result.events.set_index("source_ref")
    assert list(events["event_type"]) == ["hunger", "school_absence", "injury", "other"]
    assert list(events["author"].fillna("")) == ["Class teacher", "School office", "DSL", ""]
    assert set(events["agency"]) == {"School"}
    warned = [(w.code, w.source_ref, w.value, "no known words" in w.message)
              for w in result.warnings if w.code.startswith("event_type")]
    assert warned == [("event_type.other", "5", "Welfare", True)]
    assert_reconciles(result)


def test_unmapped_must_be_a_known_choice():
    mapping = {**GP_MAPPING, "events": [{**GP_MAPPING["events"][0],
                                         "type": {"column": "Outcome", "unmapped": "guess"}}]}
    with pytest.raises(MappingError, match="keywords"):
        parse_mapping(mapping)


def test_totals_labels_after_odd_spaces_or_in_any_case_are_skipped(tmp_path):
    # the quick look for totals words (first bytes of each cell) must not miss a label
    # behind a non-breaking space or a tab, in capitals, under a later column
    rows = [HEADER, ROWS[0], ["\u00a0total", "", "", "", "", "", "", "", "2"],
            ["", "", "", "", "", "", "", "\tGRAND TOTAL", "1,204"],
            ["P5", "Sue", "Sumner", "01/02/2015", "F", "03/04/2022", "09:30",
             "Substance misuse", "DNA"]]   # words that start like "sub"/"sum": a person
    result = ingest(write_csv(tmp_path / "gp.csv", rows))
    assert result.records_skipped == {"totals_row": 2}
    assert list(result.events["source_ref"]) == ["2", "5"]
    assert_reconciles(result)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=8) | st.sampled_from(
    ["Total", " sub-total", "\u00a0Sum:", "COUNT", "grand", "su", "Surname", "ſum"]),
    min_size=1, max_size=12))
def test_the_quick_look_for_totals_words_misses_no_cell_the_exact_test_would_take(cells):
    import pyarrow as pa

    from chronos.ingest.mapped import TOTALS_START, _starts_like_totals

    near = _starts_like_totals(pa.array(cells, type=pa.large_string()))
    exact = [c.lower().lstrip().startswith(TOTALS_START) for c in cells]
    assert all(n for n, e in zip(near, exact) if e)


def test_mapped_cells_are_stripped_of_any_white_space(tmp_path):
    # a column is stripped only when some cell might need it (first or last byte): a
    # non-breaking space or a tab at either end must still be seen
    rows = [HEADER, [" P1", "Jade\u00a0", "\tSmith"] + ROWS[0][3:7] + ["GP ", "DNA\u2003"],
            ROWS[1]]
    result = ingest(write_csv(tmp_path / "gp.csv", rows))
    assert set(result.persons["record_key"]) == {"gp:P1", "gp:P2"}
    jade = result.persons.set_index("record_key").loc["gp:P1"]
    assert (jade["given_name"], jade["family_name"]) == ("Jade", "Smith")
    assert result.events.loc[0, "summary"] == "GP appointment: DNA"
    assert_reconciles(result)
