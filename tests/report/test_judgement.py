"""The chronology a practitioner can use, shown on both example cases through a real
build: one row per real event, neglect labels only where the event indicates them,
routine appointments marked routine, compact finding references, the significant-events
view, and the harm index in timeline.png and case-report.html."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from chronos.case import build_case, write_outputs
from chronos.report.chronology import chronology_rows
from chronos.report.document import ChronologyOptions, build_chronology

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CASES = ["smith-family", "walsh-family"]


@pytest.fixture(scope="module", params=CASES)
def built(request, tmp_path_factory):
    result = build_case(EXAMPLES / request.param)
    out = tmp_path_factory.mktemp(request.param) / "out"
    write_outputs(result, out)
    return result, out


def _rows(result) -> pd.DataFrame:
    return chronology_rows(result)


def test_no_row_repeats_another_rows_date_agency_and_event(built):
    result, out = built
    rows = pd.read_csv(out / "chronology.csv", dtype=str, encoding="utf-8-sig")
    assert not rows.duplicated(["Date", "Agency / source", "Event"]).any()
    events = result.events
    made = events.dropna(subset=["source_ref"])
    assert not made.duplicated(["source_file", "source_ref", "event_type", "date"]).any()


def test_one_row_per_source_row_and_date(built):
    result, _ = built
    rows = _rows(result)
    keys = [(f, r.split(";")[0], d) for f, r, d in zip(result.events["source_file"],
                                                       result.events["source_ref"].fillna(""),
                                                       result.events["date"].fillna(""))]
    assert len(rows) == len(set(keys))


def test_no_neglect_label_on_attendance_at_or_above_90(built):
    result, _ = built
    rows = _rows(result)
    events = result.events.set_index("event_id")
    attendance = rows[rows["event_type"] == "attendance_summary"]
    values = attendance["event_id"].map(events["value"]).astype(float)
    good = attendance[values >= 90]
    assert len(good) and not good["Significance"].str.contains("neglect").any()
    low = attendance[values < 90]
    assert len(low) and low["Significance"].str.contains("Educational neglect").all()


def test_no_neglect_label_on_an_injury_with_no_concern_recorded(built):
    result, _ = built
    rows = _rows(result)
    injuries = rows[rows["event_ids"].map(lambda ids: any(
        t == "injury" for t in result.events.set_index("event_id").loc[ids.split(";"), "event_type"]))]
    concern = injuries["Action / outcome"].str.contains("safeguarding|unexplained", case=False) | \
        injuries["Event"].str.contains("unexplained|unsure how", case=False)
    assert len(injuries[~concern]) and not injuries[~concern]["Significance"].str.contains("neglect").any()
    assert injuries[concern]["Significance"].str.contains("neglect").all()


def test_routine_appointments_are_marked_routine_and_not_significant(built):
    result, _ = built
    rows = _rows(result)
    routine = rows[rows["Significance"] == "Routine"]
    assert len(routine) > 3 and not routine["significant"].any()
    assert not rows["Significance"].str.contains("Positive / protective").any() or \
        (rows.loc[rows["Significance"].str.contains("Positive"), "event_type"] != "appointment_attended").all()


def test_finding_references_are_sorted_and_each_title_once(built):
    result, _ = built
    chron = build_chronology(result, ChronologyOptions(produced="2024-06-30"))
    for text in chron.rows["Significance"]:
        refs = [int(r) for r in re.findall(r"\bF(\d+)\b", text)]
        assert refs == sorted(refs) and len(refs) == len(set(refs))
        titles = [p.split(" ", 1)[1] for p in text.split("; ") if re.match(r"F\d+", p)]
        assert len(titles) == len(set(titles))


def test_action_outcome_does_not_copy_the_event(built):
    result, _ = built
    rows = _rows(result)
    filled = rows[rows["Action / outcome"] != ""]
    copies = [a for a, e in zip(filled["Action / outcome"], filled["Event"]) if e.endswith(a)]
    assert copies == []


def test_the_significant_view_keeps_evidence_and_key_events(built):
    result, _ = built
    full = build_chronology(result, ChronologyOptions(produced="2024-06-30"))
    short = build_chronology(result, ChronologyOptions(produced="2024-06-30", significant=True))
    assert 0 < len(short.rows) < len(full.rows)
    assert short.other_rows is not None and len(short.other_rows) == len(full.rows)
    cited = {e for ids in result.findings["event_ids"] for e in ids.split(";")}
    shown = {e for ids in short.rows["event_ids"] for e in ids.split(";")}
    assert cited <= shown
    assert short.findings["Evidence rows"].str.len().gt(0).all()
    assert set(short.rows["event_type"]) >= {"cp_plan_start", "domestic_abuse_incident"}


def test_the_workbook_offers_both_views(built, tmp_path):
    import openpyxl

    from chronos.report.xlsx_writer import write_xlsx

    result, out = built
    assert openpyxl.load_workbook(out / "chronology.xlsx").sheetnames[:3] == \
        ["Cover", "Chronology", "Significant events"]
    short = build_chronology(result, ChronologyOptions(significant=True))
    path = write_xlsx(short, tmp_path / "short.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:3] == ["Cover", "Chronology", "Full record"]
    assert book["Full record"].max_row > book["Chronology"].max_row


def test_the_harm_index_reaches_the_timeline_and_the_case_report(built):
    result, out = built
    assert result.harm_index is not None and len(result.harm_index)
    assert (out / "timeline.png").stat().st_size > 10_000
    html = (out / "case-report.html").read_text(encoding="utf-8")
    kids = result.index_person_ids
    assert html.count('class="child-page"') == len(kids)
    assert html.count('alt="Cumulative harm index over time"') == len(kids)
    last = result.harm_index.sort_values("date").groupby("person_id").tail(1)
    for value in last["index"]:
        assert f"cumulative harm index {float(value):.1f}" in html
    assert html.index('class="child-page"') < html.index('id="findings"')


def test_the_case_report_lists_at_most_five_key_concerns_linked_to_evidence(built):
    result, out = built
    html = (out / "case-report.html").read_text(encoding="utf-8")
    pages = html.split('class="child-page"')[1:]
    for page in pages:
        keys = page.split('<ol class="keys">', 1)[1].split("</ol>", 1)[0]
        items = keys.count("<li>")
        assert 1 <= items <= 5
        assert keys.count('href="#finding-F') == items and 'href="#row-' in keys
    assert '<table class="heat">' in html
    assert "positive events" not in html


@pytest.fixture(scope="module")
def walsh_school_unassigned(tmp_path_factory):
    """The Walsh case without the manifest's subject: on Ruby's school chronology, so its
    2022 entries (hunger, head lice) name nobody and are household history for every
    child, Alfie (born 2023) included."""
    import shutil

    case = tmp_path_factory.mktemp("walsh-unassigned") / "walsh"
    shutil.copytree(EXAMPLES / "walsh-family", case,
                    ignore=shutil.ignore_patterns(".chronos-cache"))
    manifest = case / "case.yaml"
    text = manifest.read_text()
    assert ", subject: {name: Ruby Walsh, dob: 2015-08-30}" in text
    manifest.write_text(text.replace(", subject: {name: Ruby Walsh, dob: 2015-08-30}", ""))
    return build_case(case)


@pytest.mark.parametrize("which", ["examples", "unassigned"])
def test_a_childs_heat_map_counts_nothing_from_before_the_child_was_conceived(
        which, built, request):
    """A household entry from before a child existed (in the chronology as family
    history) indicates no neglect of that child: the child's heat-map starts 40 weeks
    before the birth, while the entries from before stay in the child's chronology."""
    from chronos.report.case_report import glances
    from chronos.report.chronology import conceived
    from chronos.report.people import index_children

    result, _ = built
    if which == "unassigned":
        if not result.name.startswith("Walsh"):
            pytest.skip("the unassigned school chronology is the Walsh case's")
        result = request.getfixturevalue("walsh_school_unassigned")
    born = {k["person_id"]: k["dob"] for k in index_children(result)}
    chron = build_chronology(result)
    earlier_rows = 0
    for glance in glances(result, chron):
        start = conceived(born[glance["person_id"]])
        years, counts = glance["heat"]
        assert all(year >= start[:4] for _, year in counts)
        rows = chronology_rows(result, child=glance["person_id"])
        earlier = rows[(rows["date"] != "") & (rows["date"] < start) & (rows["categories"] != "")]
        earlier_rows += len(earlier)
        same_year = rows[(rows["date"] >= start) & (rows["date"].str[:4] == start[:4])]
        for cat in {c for cats in earlier["categories"] for c in cats.split(";")
                    if not any(cat_in(c, r) for r in same_year["categories"])}:
            assert (cat, start[:4]) not in counts
    if which == "unassigned":
        assert earlier_rows  # Alfie, born 2023, has 2022 family history that says neglect


def cat_in(category: str, categories: str) -> bool:
    return category in categories.split(";")
