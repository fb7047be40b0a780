"""Recording returns in the case (manifest, register, copies) and who has returned."""

from __future__ import annotations

import datetime as dt
import os
import stat

import yaml

from chronos.returns.register import load_register
from chronos.returns.status import check_and_record, open_case, returns_status
from chronos.settings import Settings
from tests.returns.agency import fill_docx, fill_xlsx, set_paragraph
from tests.returns.conftest import CHECKED_AT, template

ROWS = [("03/04/2021", "", "Class teacher", "Jade arrived hungry", "Breakfast club offered",
         "", ""),
        ("12/05/2021", "", "DSL", "Head lice again", "Letter home", "", ""),
        ("20/06/2021", "", "DSL", "Jade said she was left alone at night", "Referral to CSC",
         "", "")]


def record(review, path, at=CHECKED_AT, **kwargs):
    return check_and_record(path, Settings(), case=open_case(review), now=at, **kwargs)


def sources(review) -> dict:
    data = yaml.safe_load((review / "case.yaml").read_text())
    return {s["name"]: s for s in data["sources"] or []}


def test_a_return_from_elsewhere_is_copied_in_and_added_to_the_manifest(review, tmp_path):
    path = fill_docx(template(review, "oakfield-primary-school", ".docx"),
                     tmp_path / "from-email.docx", ROWS)
    checked = record(review, path)
    done = checked.recorded
    assert (done.state, done.source) == ("added", "return-oakfield-primary-school")
    kept = review / "returns" / "received" / "oakfield-primary-school" / "2024-05-01-from-email.docx"
    assert done.file == str(kept.relative_to(review)) and kept.read_bytes() == path.read_bytes()
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert sources(review)["return-oakfield-primary-school"] == {
        "name": "return-oakfield-primary-school", "path": done.file,
        "format": "chronology_table", "agency": "Oakfield Primary School",
        "agency_column": "team", "subject": {"name": "Jade Smith", "dob": "2016-05-03"}}
    assert "+  - name: return-oakfield-primary-school" in done.manifest.diff
    assert done.manifest.backup.read_text().endswith("sources: []\n")
    assert checked.report_path.parent == review / "returns" / "reports"
    received = load_register(review).entry("Oakfield Primary School").received
    assert [(r.rows, r.events, r.errors, r.source) for r in received] == [
        (3, 3, 0, "return-oakfield-primary-school")]
    assert received[0].report == str(checked.report_path.relative_to(review))


def test_an_excel_return_is_read_from_its_chronology_sheet(review, tmp_path):
    path = fill_xlsx(template(review, "police", ".xlsx"), review / "returns" / "police.xlsx",
                     ROWS)
    done = record(review, path).recorded
    assert done.copied_from is None and done.file == "returns/police.xlsx"   # inside the case
    assert sources(review)["return-police"]["sheet"] == "Chronology"


def test_a_later_return_replaces_the_earlier_and_shows_the_difference(review, tmp_path):
    first = fill_docx(template(review, "oakfield-primary-school", ".docx"),
                      tmp_path / "v1.docx", ROWS)
    record(review, first)
    rows = [ROWS[0], ("12/05/2021", "", "DSL", "Head lice again; treatment given to mum",
                      "Letter home", "", ""),
            ("01/07/2021", "", "DSL", "Attendance below 80%", "EWO referral", "", "")]
    second = fill_xlsx(template(review, "oakfield-primary-school", ".xlsx"),
                       tmp_path / "v2.xlsx", rows)
    done = record(review, second, at=CHECKED_AT + dt.timedelta(days=3)).recorded
    assert (done.state, done.source) == ("replaced", "return-oakfield-primary-school")
    school = sources(review)["return-oakfield-primary-school"]
    assert school["path"].endswith("2024-05-04-v2.xlsx") and school["sheet"] == "Chronology"
    assert len([s for s in sources(review).values() if "oakfield" in s["name"]]) == 1
    diff = done.difference
    assert diff.summary == "1 row(s) added, 1 removed, 1 changed, 1 the same"
    assert [r["event"] for r in diff.added] == ["Attendance below 80%"]
    assert [r["event"] for r in diff.removed] == ["Jade said she was left alone at night"]
    assert diff.changed[0][1]["event"] == "Head lice again; treatment given to mum"
    assert "-    path: returns/received/oakfield-primary-school/2024-05-01-v1.docx" \
        in done.manifest.diff


def test_the_same_file_twice_is_recorded_once(review, tmp_path):
    path = fill_docx(template(review, "police", ".docx"), tmp_path / "p.docx", ROWS)
    record(review, path)
    before = (review / "case.yaml").read_bytes()
    again = record(review, path).recorded
    assert again.state == "already recorded"
    assert (review / "case.yaml").read_bytes() == before
    assert len(load_register(review).entry("Police").received) == 1


def test_a_return_for_the_wrong_child_is_kept_out_of_the_case(review, tmp_path):
    path = fill_docx(template(review, "police", ".docx"), tmp_path / "p.docx", ROWS,
                     lambda d: set_paragraph(d, "Child:", "Child: Kai BROWN (DOB 01/02/2015)"))
    before = (review / "case.yaml").read_bytes()
    done = record(review, path).recorded
    assert (done.state, done.source, done.manifest) == ("rejected", None, None)
    assert (review / "case.yaml").read_bytes() == before
    entry = load_register(review).entry("Police")
    assert entry.latest.blocking and entry.current is None


def test_a_nil_return_is_recorded_but_adds_no_source(review, tmp_path):
    path = fill_docx(template(review, "housing", ".docx"), tmp_path / "nil.docx", [])
    done = record(review, path).recorded
    assert (done.state, done.source) == ("nil return", None)
    assert sources(review) == {}


def test_status_records_files_dropped_in_received_and_lists_every_agency(review, tmp_path):
    inbox = review / "returns" / "received"
    inbox.mkdir()
    older = fill_docx(template(review, "police", ".docx"), inbox / "police.docx", ROWS)
    newer = fill_xlsx(template(review, "police", ".xlsx"), inbox / "police-corrected.xlsx",
                      ROWS[:2])
    os.utime(older, (1_700_000_000, 1_700_000_000))
    os.utime(newer, (1_700_100_000, 1_700_100_000))
    fill_docx(template(review, "health-visiting", ".docx"), inbox / "hv.docx",
              [("31/02/2021", "", "HV", "Visit", "", "", "")])
    fill_docx(template(review, "housing", ".docx"), inbox / "housing.docx", [])
    (inbox / "~$police.docx").write_bytes(b"lock file of an open document")
    found = returns_status(review, Settings(), now=dt.datetime(2024, 5, 12, 10, 0))
    # oldest first, so that the corrected police return replaces the first one
    assert [c.file.name for c in found.recorded][:2] == ["police.docx", "police-corrected.xlsx"]
    assert sorted(c.file.name for c in found.recorded[2:]) == ["housing.docx", "hv.docx"]
    assert [c.recorded.state for c in found.recorded[:2]] == ["added", "replaced"]
    states = {a.agency: (a.state, a.rows, a.errors, a.returns) for a in found.agencies}
    assert states == {"Health visiting": ("problems", 1, 1, 1),
                      "Housing": ("nil return", 0, 0, 1),
                      "Oakfield Primary School": ("overdue", 0, 0, 0),
                      "Police": ("returned", 2, 0, 2)}
    police = next(a for a in found.agencies if a.agency == "Police")
    assert police.file == "returns/received/police-corrected.xlsx" and police.in_manifest
    assert set(sources(review)) == {"return-police", "return-health-visiting"}
    assert sources(review)["return-police"]["path"] == "returns/received/police-corrected.xlsx"
    again = returns_status(review, Settings(), now=dt.datetime(2024, 5, 12, 10, 5))
    assert again.recorded == []                       # nothing new the second time


def test_outstanding_before_the_due_date_and_unmatched_files(review, tmp_path):
    inbox = review / "returns" / "received"
    inbox.mkdir()
    from tests.returns.agency import retyped_docx

    retyped_docx(inbox / "scan.docx", ROWS)
    found = returns_status(review, Settings(), now=dt.datetime(2024, 5, 2, 10, 0))
    assert {a.state for a in found.agencies} == {"outstanding"}
    assert len(found.not_matched) == 1 and "cannot tell which agency" in found.not_matched[0]
