"""Attendance ingester: synthetic register marks and termly aggregates."""

from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, strategies as st

from chronos.errors import SourceError
from chronos.ingest.attendance import (AttendanceIngester, attendance_codes, lookup_code,
                                       summary_details, term_from_text, term_of)
from chronos.ingest.base import Source
from chronos.model import vocabulary

MARKS = """UPN,Date,Session,Mark
A123456789012,02/09/2024,AM,/
A123456789012,02/09/2024,PM,\\
A123456789012,03/09/2024,AM,N
A123456789012,03/09/2024,PM,I
A123456789012,04/09/2024,AM,L
A123456789012,04/09/2024,PM,#
P77,06/01/2025,AM,G
P77,06/01/2025,PM,G
P77,07/01/2025,AM,Q9
,07/01/2025,PM,/
P77,08/01/2025,PM,-
P77,06/01/2025,AM,/
"""


def read(path, name="sch"):
    return AttendanceIngester().read(Source(path=Path(path), name=name, agency="School"))


@pytest.fixture
def marks(tmp_path):
    path = tmp_path / "marks.csv"
    path.write_text(MARKS, encoding="utf-8")
    return read(path)


def test_codes_file_covers_the_2024_codes():
    codes = attendance_codes()
    for code in ["/", "\\", "L", "B", "D", "K", "P", "V", "W", "C", "C1", "C2", "E", "I",
                 "J1", "M", "R", "S", "T", "G", "N", "O", "U", "X", "Y1", "Y7", "Z", "#"]:
        assert code in codes, code
    assert codes["N"].category == "unauthorised" and codes["I"].category == "authorised"
    assert codes["K"].category == "aea" and codes["Y3"].category == "not_possible"
    assert lookup_code("n").code == "N" and lookup_code("??") is None


def test_absence_events_one_per_day(marks):
    absences = marks.events[marks.events.event_type == "school_absence"].set_index("person_ids")
    day = absences.loc["sch:A123456789012"]
    assert day["date"] == "2024-09-03" and day["source_ref"] == "3,4"
    assert "codes=N,I" in day["details"] and "absence=unauthorised" in day["details"]
    assert "authorised=1;unauthorised=1" in day["details"]
    assert absences.loc["sch:P77", "date"] == "2025-01-06"
    assert set(vocabulary().categories_for("school_absence").split(";")) == {"educational"}


def test_term_summaries(marks):
    summary = marks.events[marks.events.event_type == "attendance_summary"].set_index("person_ids")
    autumn = summary.loc["sch:A123456789012"]
    # possible: /, \, N, I, L (the # closure is not counted); attended: /, \, L
    assert autumn["value"] == 60.0
    assert (autumn["date"], autumn["end_date"]) == ("2024-09-01", "2024-12-31")
    assert "possible=5;attended=3;authorised=1;unauthorised=1;not_counted=1" in autumn["details"]
    assert "persistent_absence=yes;severe_absence=no" in autumn["details"]
    spring = summary.loc["sch:P77"]
    assert spring["value"] == 0.0 and "severe_absence=yes" in spring["details"]


def test_bad_rows_quarantined_and_counts_reconcile(marks):
    assert sorted((q.code, q.source_ref) for q in marks.quarantine) == [
        ("attendance.duplicate_session", "12"), ("attendance.missing_pupil", "10"),
        ("attendance.unknown_code", "9")]
    assert marks.records_skipped == {"attendance.no_mark": 1}
    assert marks.records_read == 12 and marks.reconciles()
    persons = marks.persons.set_index("record_key")
    assert persons.loc["sch:A123456789012", "upn"] == "A123456789012"
    assert persons.loc["sch:P77", "other_ids"] == "pupil_id=P77"


def test_daily_layout_with_am_and_pm_columns(tmp_path):
    path = tmp_path / "daily.csv"
    path.write_text("Pupil ID,Date,AM,PM\nX1,2025-04-22,/,\\\nX1,23/04/2025,M,O\n")
    result = read(path)
    absence = result.events[result.events.event_type == "school_absence"].iloc[0]
    assert absence["date"] == "2025-04-23" and "sessions=AM,PM" in absence["details"]
    summary = result.events[result.events.event_type == "attendance_summary"].iloc[0]
    assert summary["value"] == 50.0 and "term=summer;academic_year=2024/25" in summary["details"]


def test_aggregate_export(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Pupil UPN", "Term", "Academic Year", "Possible sessions",
                  "Authorised absence", "Unauthorised absence"])
    sheet.append(["A123456789012", "Autumn", "2024/25", 140, 10, 5])
    sheet.append(["A123456789012", "Spring", "2024/25", 120, 70, 2])
    sheet.append(["B1", "Summer 2025", None, "lots", 1, 1])
    sheet.append(["B1", "Whenever", None, 100, 1, 1])
    path = tmp_path / "totals.xlsx"
    book.save(path)
    assert AttendanceIngester().sniff(path, path.read_bytes()[:65536]) >= 0.9
    result = read(path)
    ev = result.events.set_index("source_ref")
    assert ev.loc["1", "value"] == pytest.approx(89.3)          # 125 of 140
    assert "absence_rate=10.7;persistent_absence=yes" in ev.loc["1", "details"]
    assert ev.loc["2", "date"] == "2025-01-01" and "severe_absence=yes" in ev.loc["2", "details"]
    assert sorted(q.code for q in result.quarantine) == ["attendance.bad_number",
                                                         "attendance.bad_term"]
    assert result.reconciles()


def test_terms_by_month():
    assert term_of("2024-12-31").season == "autumn"
    assert term_of("2025-03-31").season == "spring"
    assert term_of("2025-04-01").season == "summer"
    assert term_of("2025-08-31").academic_year == "2024/25"
    assert term_from_text("Spring term 2024-25").start == "2025-01-01"
    assert term_from_text("Autumn", "2024/2025").start == "2024-09-01"
    assert term_from_text("Spring 2025").start == "2025-01-01"
    assert term_from_text("no term here") is None


@given(st.integers(0, 400), st.integers(0, 400), st.integers(0, 400))
def test_summary_flags_follow_the_thresholds(attended, authorised, unauthorised):
    possible = attended + authorised + unauthorised
    value, details = summary_details(possible, attended, authorised, unauthorised,
                                     term_of("2024-10-01"))
    if possible == 0:
        assert value is None
        return
    rate = 100 * (authorised + unauthorised) / possible
    assert ("persistent_absence=yes" in details) == (round(rate, 1) >= 10)
    assert ("severe_absence=yes" in details) == (round(rate, 1) >= 50)
    assert value == pytest.approx(100 * attended / possible, abs=0.06)


def test_not_attendance(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("Name,Score\nx,1\n")
    assert AttendanceIngester().sniff(path, path.read_bytes()) == 0.0
    with pytest.raises(SourceError):
        read(path)


def test_marks_and_terms_after_as_of_are_quarantined(tmp_path):
    marks = tmp_path / "marks.csv"
    marks.write_text("UPN,Date,Session,Mark\nP1,02/09/2024,AM,N\nP1,02/09/2034,AM,N\n",
                     encoding="utf-8")
    options = {"as_of": "2025-03-31"}
    result = AttendanceIngester().read(Source(path=marks, name="sch", options=options))
    assert [(q.code, q.source_ref) for q in result.quarantine] == [("date.future", "2")]
    absences = result.events[result.events["event_type"] == "school_absence"]
    assert list(absences["date"]) == ["2024-09-02"] and result.reconciles()
    assert (result.events["date"] <= "2025-03-31").all()
    terms = tmp_path / "terms.csv"
    terms.write_text("UPN,Term,Possible sessions,Authorised absence,Unauthorised absence\n"
                     "P1,Autumn 2024,140,4,2\nP1,Autumn 2031,140,4,2\n", encoding="utf-8")
    result = AttendanceIngester().read(Source(path=terms, name="sch", options=options))
    assert [(q.code, q.source_ref) for q in result.quarantine] == [("date.future", "2")]
    assert len(result.events) == 1 and result.reconciles()
