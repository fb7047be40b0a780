"""Agency chronology tables in Word, Excel and CSV (synthetic fixtures made here)."""

from pathlib import Path

import docx
import openpyxl
import pytest

from chronos.errors import SourceError
from chronos.ingest.base import Source
from chronos.ingest.chronology_table import ChronologyTableIngester

ROWS = [("?22/05/2016", "GP", "Child was not brought to appointment", "Letter sent"),
        ("May 2016", "School", "Head lice noted by class teacher", "Advice to mum"),
        ("03/06/2016", "Hospital", "Attended A&E with scald to hand", "Referral to CSC"),
        ("", "Police", "Domestic incident reported by neighbour", ""),
        ("31/02/2016", "HV", "Home visit", "")]


def read(path, name="rev"):
    return ChronologyTableIngester().read(Source(path=Path(path), name=name, agency="Review"))


def word_chronology(path):
    document = docx.Document()
    document.add_paragraph("Chronology for the review of Child A")
    table = document.add_table(rows=1, cols=4)
    for cell, text in zip(table.rows[0].cells, ["Date", "Source / Agency",
                                                "Event / Description", "Action / Outcome"]):
        cell.text = text
    for row in ROWS:
        for cell, text in zip(table.add_row().cells, row):
            cell.text = text
    document.add_paragraph("(continued on the next page)")
    more = document.add_table(rows=1, cols=4)        # a split table without headings
    for cell, text in zip(more.rows[0].cells, ("10/07/2016", "School", "Excluded for 2 days",
                                               "Meeting")):
        cell.text = text
    other = document.add_table(rows=2, cols=2)       # not a chronology
    other.rows[0].cells[0].text, other.rows[0].cells[1].text = "Name", "Role"
    other.rows[1].cells[0].text = "Jane"
    document.save(path)
    return path


def test_word_chronology(tmp_path):
    path = word_chronology(tmp_path / "review.docx")
    assert ChronologyTableIngester().sniff(path, path.read_bytes()[:65536]) >= 0.8
    result = read(path)
    ev = result.events.set_index("source_ref")
    assert ev.loc["T1:1", "event_type"] == "was_not_brought"
    assert ev.loc["T1:1", "date"] == "2016-05-22" and bool(ev.loc["T1:1", "date_uncertain"])
    assert (ev.loc["T1:2", "date"], ev.loc["T1:2", "date_precision"]) == ("2016-05-01", "month")
    assert ev.loc["T1:2", "event_type"] == "head_lice"
    assert ev.loc["T1:3", "event_type"] == "ae_attendance"
    assert ev.loc["T1:3", "outcome"] == "Referral to CSC" and ev.loc["T1:3", "agency"] == "Hospital"
    assert ev.loc["T1:4", "date_precision"] == "unknown"          # undated row kept
    assert ev.loc["T2:1", "event_type"] == "exclusion"             # continuation table
    assert [(q.code, q.source_ref) for q in result.quarantine] == [("date.impossible", "T1:5")]
    assert [w.code for w in result.warnings] == ["chronology.no_header"]
    assert result.records_skipped == {"chronology.no_header": 2}
    assert result.reconciles()


def test_excel_chronology_with_title_rows_and_person(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Health"
    sheet.append(["Multi-agency chronology"])
    sheet.append([])
    sheet.append(["Date of event", "Time", "Child", "Agency", "Description", "Action taken",
                  "Impact on child"])
    # Excel serial 42500 is 10 May 2016 (43831 is 1 January 2020)
    sheet.append([42500, "14.30", "Amy Smith", "GP", "DNA immunisations", "Re-booked",
                  "Missed protection"])
    sheet.append(["c. 2017", None, "Amy Smith", "School", "Poor attendance; referral to EWO",
                  None, None])
    path = tmp_path / "health.xlsx"
    book.save(path)
    assert ChronologyTableIngester().sniff(path, path.read_bytes()[:65536]) >= 0.7
    result = read(path)
    first = result.events.iloc[0]
    assert (first["date"], first["time"], first["event_type"]) == ("2016-05-10", "14:30",
                                                                    "was_not_brought")
    # row 4 of the sheet, where a person opening the workbook finds it
    assert first["source_ref"] == "Health:4" and first["person_ids"] == "rev:amy-smith"
    assert first["details"] == "impact=Missed protection"
    assert result.persons.iloc[0]["family_name"] == "Smith"


def test_csv_chronology(tmp_path):
    path = tmp_path / "police.csv"
    path.write_text("Date,Agency,Event,Outcome\n01/02/2020,Police,Police called to the home,NFA\n")
    assert 0.5 <= ChronologyTableIngester().sniff(path, path.read_bytes()) < 0.9
    assert read(path).events.iloc[0]["event_type"] == "police_call_out"


def test_broken_and_foreign_files(tmp_path):
    path = word_chronology(tmp_path / "whole.docx")
    cut = tmp_path / "cut.docx"
    cut.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(SourceError, match="cut.docx"):
        read(cut)
    assert ChronologyTableIngester().sniff(cut, cut.read_bytes()) == 0.0
    text = tmp_path / "notes.txt"
    text.write_text("Date of meeting: Tuesday\nNothing else.\n")
    assert ChronologyTableIngester().sniff(text, text.read_bytes()) == 0.0
    empty = docx.Document()
    empty.add_paragraph("No tables here")
    empty_path = tmp_path / "empty.docx"
    empty.save(empty_path)
    with pytest.raises(SourceError, match="no chronology table"):
        read(empty_path)


def test_a_row_dated_after_as_of_is_quarantined(tmp_path):
    path = tmp_path / "chron.csv"
    path.write_text("Date,Agency,Event,Action\n"
                    "12/01/2024,School,Head lice noted,Letter home\n"
                    "12/01/2042,School,Was not brought to the dentist,Rebooked\n",
                    encoding="utf-8")
    result = ChronologyTableIngester().read(Source(path=path, name="rev", agency="School",
                                                   options={"as_of": "2024-03-31"}))
    assert [(q.code, q.source_ref, q.value) for q in result.quarantine] == [
        ("date.future", "3", "12/01/2042")]                   # the file's line 3
    assert list(result.events["event_type"]) == ["head_lice"] and result.reconciles()


def test_a_workbook_read_from_the_sheet_the_manifest_names(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Chronology"
    book.active.append(["Date", "Agency", "Event", "Action"])
    book.active.append(["03/04/2021", "School", "Head lice", "Letter home"])
    notes = book.create_sheet("Instructions")
    notes.append(["Type one event per row"])
    path = tmp_path / "return.xlsx"
    book.save(path)
    every = ChronologyTableIngester().read(Source(path=path, name="r"))
    assert every.records_skipped == {"chronology.no_header": 1}
    for sheet in ("Chronology", 1):
        one = ChronologyTableIngester().read(Source(path=path, name="r",
                                                    options={"sheet": sheet}))
        assert one.records_skipped == {} and one.warnings == [] and len(one.events) == 1
    with pytest.raises(SourceError, match="(?s)no sheet .Chronolgy.*Chronology, Instructions"):
        ChronologyTableIngester().read(Source(path=path, name="r",
                                              options={"sheet": "Chronolgy"}))


def subject_csv(tmp_path):
    path = tmp_path / "school.csv"
    path.write_text("Date,Child,Event,Outcome\n"
                    "03/03/2021,,Head lice noted,Letter home\n"
                    "10/03/2021,Jade,Arrived hungry,Breakfast club\n"
                    "11/03/2021, jade  SMITH ,Dirty clothes,Spoke to mum\n"
                    "12/03/2021,Kim Smith,Mum smelled of alcohol at pick-up,Logged\n")
    return path


def test_the_subject_the_manifest_names_is_concerned_by_every_event(tmp_path):
    path = subject_csv(tmp_path)
    result = ChronologyTableIngester().read(Source(
        path=path, name="hv", agency="Health visiting",
        options={"subject": {"name": " Jade  Smith", "dob": "03/05/2016"}}))
    persons = result.persons.set_index("record_key")
    assert sorted(persons.index) == ["hv:kim-smith", "hv:subject"]
    jade = persons.loc["hv:subject"]
    assert (jade["given_name"], jade["family_name"], jade["dob"], jade["dob_precision"],
            jade["role"]) == ("Jade", "Smith", "2016-05-03", "day", "child")
    assert list(result.events["person_ids"]) == ["hv:subject"] * 3 + ["hv:kim-smith;hv:subject"]


def test_without_a_subject_only_the_named_people_are_records(tmp_path):
    result = read(subject_csv(tmp_path))
    assert sorted(result.persons["record_key"]) == ["rev:jade", "rev:jade-smith",
                                                    "rev:kim-smith"]
    assert list(result.events["person_ids"].fillna("")) == [
        "", "rev:jade", "rev:jade-smith", "rev:kim-smith"]


def test_a_subject_given_as_a_name_alone(tmp_path):
    result = ChronologyTableIngester().read(Source(path=subject_csv(tmp_path), name="s",
                                                   options={"subject": "Jade Smith"}))
    jade = result.persons.set_index("record_key").loc["s:subject"]
    assert jade["given_name"] == "Jade" and jade.isna()["dob"]


@pytest.mark.parametrize("subject, message", [
    ({"dob": "2016-05-03"}, "subject: must be the child's name"),
    ({"name": "Jade Smith", "born": "2016"}, "subject: must be the child's name"),
    (["Jade Smith"], "subject: must be the child's name"),
    ({"name": "Jade Smith", "dob": "31/02/2016"}, "cannot read the date of birth '31/02/2016'")])
def test_a_subject_that_cannot_be_read_is_named(tmp_path, subject, message):
    with pytest.raises(SourceError, match=message) as caught:
        ChronologyTableIngester().read(Source(path=subject_csv(tmp_path), name="s",
                                              options={"subject": subject}))
    assert "school.csv" in str(caught.value)


def test_in_one_agencys_return_the_agency_column_names_its_teams(tmp_path):
    path = tmp_path / "school.csv"
    path.write_text("Date,Agency / source,Event,Outcome\n03/03/2021,Class teacher,Head lice,"
                    "Letter home\n04/03/2021,,Hungry at breakfast club,Toast\n")
    teams = ChronologyTableIngester().read(Source(
        path=path, name="s", agency="Oakfield Primary School",
        options={"agency_column": "team"})).events
    assert list(teams["agency"]) == ["Oakfield Primary School"] * 2
    assert list(teams["source_org"].fillna("")) == ["Class teacher", ""]
    agencies = ChronologyTableIngester().read(Source(path=path, name="s", agency="Review")).events
    # without agency_column: team a role is still not an agency (issue 15): the author
    assert list(agencies["agency"]) == ["Review", "Review"]
    assert list(agencies["author"].fillna("")) == ["Class teacher", ""]
    assert agencies["source_org"].isna().all()
    police = tmp_path / "multi.csv"
    police.write_text("Date,Agency / source,Event,Outcome\n05/03/2021,Police,DA call-out,"
                      "MARAC\n")
    named = ChronologyTableIngester().read(Source(path=police, name="m", agency="Review"))
    assert list(named.events["agency"]) == ["Police"]     # an agency cell is the agency
    with pytest.raises(SourceError, match="agency_column: must be agency or team, not 'teams'"):
        ChronologyTableIngester().read(Source(path=path, name="s", agency="School",
                                              options={"agency_column": "teams"}))
    with pytest.raises(SourceError, match="agency_column: team needs the source's agency"):
        ChronologyTableIngester().read(Source(path=path, name="s",
                                              options={"agency_column": "team"}))


def test_columns_without_a_known_heading_are_kept_in_details(tmp_path):
    path = tmp_path / "chron.csv"
    path.write_text("Date,Agency,Event,Outcome,Worker notes\n"
                    "01/02/2020,GP,Child was not brought,Letter sent,Mum unwell,extra cell\n"
                    "02/02/2020,GP,Seen,,,\n", encoding="utf-8")
    result = read(path)
    details = result.events.set_index("source_ref")["details"]
    assert details["2"] == "worker_notes=Mum unwell;column_6=extra cell"
    assert details.isna()["3"] and result.reconciles()


def test_a_cell_over_the_limit_quarantines_its_row(tmp_path, monkeypatch):
    from chronos import limits

    monkeypatch.setattr(limits, "MAX_CELL_CHARS", 50)
    path = tmp_path / "chron.csv"
    path.write_text("Date,Agency,Event\n01/02/2020,GP," + "x" * 51 + "\n02/02/2020,GP,ok\n",
                    encoding="utf-8")
    result = read(path)
    assert [(q.code, q.source_ref, q.column) for q in result.quarantine] == [
        ("cell.too_long", "2", "Event")]
    assert "51 characters" in result.quarantine[0].message
    assert result.records_to_data == 1 and result.reconciles()


def test_bytes_that_do_not_decode_are_named_by_row_and_column(tmp_path):
    path = tmp_path / "chron.csv"
    path.write_bytes("Date,Agency,Event\n01/02/2020,GP,Zoë seen\n".encode()
                     + b"02/02/2020,GP,Jo\xff seen\n")
    result = read(path)
    assert result.events["summary"].tolist()[0] == "Zoë seen"
    assert [(w.code, w.source_ref, w.column) for w in result.warnings] == [
        ("encoding.invalid_byte", "line 3", "column 3")]


def test_an_unclosed_quote_stops_with_its_line(tmp_path):
    path = tmp_path / "chron.csv"
    path.write_text('Date,Agency,Event\n01/02/2020,GP,"oops\n' + "02/02/2020,GP,ok\n" * 3,
                    encoding="utf-8")
    with pytest.raises(SourceError, match="never closed") as raised:
        read(path)
    assert (raised.value.row, raised.value.column) == ("line 2", "column 3")


def test_a_word_document_that_is_not_a_zip_is_named(tmp_path):
    path = tmp_path / "review.docx"
    path.write_text("not a document")
    with pytest.raises(SourceError, match="Word document is not a complete zip"):
        read(path)


def test_a_csv_row_is_named_by_the_line_it_starts_on(tmp_path):
    path = tmp_path / "chron.csv"
    path.write_text("Date,Agency,Event\n"
                    '01/02/2020,School,"Head lice noted.\nLetter home."\n'
                    "\n"
                    "03/02/2020,GP,Child was not brought\n", encoding="utf-8")
    refs = list(read(path).events["source_ref"])
    assert refs == ["2", "5"]          # the second row starts on line 5, after a blank line
