import pandas as pd
import pytest

from chronos.errors import ChronosError
from chronos.report._example import AMELIA, JORDAN, KERRY
from chronos.report.chronology import DISPLAY_COLUMNS
from chronos.report.document import COURT_COLUMNS, ChronologyOptions, build_chronology


def test_rows_are_numbered_in_date_order_with_undated_last(example, chron):
    rows = chron.rows
    assert chron.columns == DISPLAY_COLUMNS
    assert list(rows["No."]) == list(range(1, len(example.events) + 1))
    dated = rows.loc[rows["date"] != "", "date"]
    assert list(dated) == sorted(dated)
    assert rows.iloc[-1]["Date"] == "Undated"


def test_uncertain_and_partial_dates_are_shown_as_such(chron):
    shown = dict(zip(chron.rows["event_type"] + chron.rows["date"], chron.rows["Date"]))
    assert shown["was_not_brought2016-05-22"] == "?22/05/2016"
    assert shown["health_visitor_contact2015-05-01"] == "May 2015"
    assert shown["police_call_out2017-01-01"] == "2017"


def test_findings_cite_the_rows_of_their_evidence(example, chron):
    by_no = dict(zip(chron.rows["No."].astype(str), chron.rows["event_id"]))
    for f in chron.findings.to_dict("records"):
        cited = {by_no[n] for n in f["Evidence rows"].split(", ")}
        assert cited == set(f["_event_ids"].split(";"))
        for n in f["Evidence rows"].split(", "):
            assert f["Ref"] in chron.rows.set_index(chron.rows["No."].astype(str))\
                .loc[n, "Significance"]


def test_positive_events_are_kept(example, chron):
    positive = chron.rows[chron.rows["kind"] == "positive"]
    assert len(positive) == 4      # kept, and labelled: routine appointments as routine
    from chronos.report.significance import significance_rules

    routine = significance_rules().routine
    labels = dict(zip(positive["event_type"], positive["Significance"]))
    assert all(("Routine" in s) if t in routine else ("Positive" in s) for t, s in labels.items())
    assert {"Routine", "Positive / protective"} <= set(labels.values())


def test_per_child_keeps_the_adults_around_the_child_but_not_sibling_only_events(example):
    chron = build_chronology(example, ChronologyOptions(child="Amelia"))
    persons = [set(p.split(";")) for p in chron.rows["person_ids"]]
    assert not any(p == {JORDAN} for p in persons)
    assert any(p == {AMELIA} for p in persons)
    assert any(KERRY in p and AMELIA not in p for p in persons)  # mother's events kept
    assert [c["person_id"] for c in chron.children] == [AMELIA]


def test_unknown_child_is_a_clear_error(example):
    with pytest.raises(ChronosError, match="no single person"):
        build_chronology(example, ChronologyOptions(child="Nobody"))


def test_since_summarises_older_events_per_year_and_category(example):
    full = build_chronology(example)
    chron = build_chronology(example, ChronologyOptions(since="2019-01-01"))
    old = full.rows[(full.rows["date"] != "") & (full.rows["date"] < "2019-01-01")]
    summaries = chron.rows[chron.rows["summarised"].astype(bool)]
    assert not ((chron.rows["date"] < "2019-01-01") & ~chron.rows["summarised"].astype(bool)
                & (chron.rows["date"] != "")).any()
    assert sum(len(ids.split(";")) for ids in summaries["event_ids"]) == len(old)
    assert len(chron.rows) == len(full.rows) - len(old) + len(summaries)
    assert set(summaries["Date"]) == {d[:4] for d in old["date"]}
    assert chron.notes and "summarised" in chron.notes[0]


def test_court_style_has_plo_columns_and_concise_text(example):
    long = example.events.copy()
    long.loc[0, "summary"] = "word " * 200
    example.events = long
    chron = build_chronology(example, ChronologyOptions(court=True))
    assert chron.columns == COURT_COLUMNS
    assert list(chron.display.columns) == COURT_COLUMNS
    assert all(len(t) <= 245 for t in chron.display["Event"])
    assert chron.display["Source"].str.contains("row").any()
    assert (chron.display["Bundle ref"] == "").all()  # none given yet


def test_agency_colours_are_stable_and_distinct(chron):
    assert len(set(chron.agencies.values())) == len(chron.agencies)
    assert list(chron.agencies) == sorted(chron.agencies)


def test_findings_point_at_summary_rows_when_their_evidence_was_summarised(example):
    chron = build_chronology(example, ChronologyOptions(since="2019-01-01"))
    f1 = chron.findings.set_index("Ref").loc["F1"]
    rows = chron.rows.set_index(chron.rows["No."].astype(str))
    cited = f1["Evidence rows"].split(", ")
    assert len(cited) == 3  # two summary rows (2016, 2017) and the 2020 event
    assert sum(bool(rows.loc[n, "summarised"]) for n in cited) == 2
    assert all("F1" in rows.loc[n, "finding_refs"] for n in cited)
