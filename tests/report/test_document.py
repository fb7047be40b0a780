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


# --------------------------------------------------------------------------- review decisions


def _row(chron, event_id):
    return chron.rows[chron.rows["event_id"] == event_id].iloc[0]


def test_significance_decisions_move_rows_in_and_out_of_the_significant_events(
        example, decisions, reviewed):
    plain = build_chronology(example, ChronologyOptions(significant=True))
    short = build_chronology(example, ChronologyOptions(significant=True,
                                                        annotations=decisions))
    assert "Eeec9e4ab21fe" not in set(plain.rows["event_id"])
    assert "Eeec9e4ab21fe" in set(short.rows["event_id"])
    assert "E4e7819b0d2bb" in set(plain.rows["event_id"])
    assert "E4e7819b0d2bb" not in set(short.rows["event_id"])
    # the full record keeps both, saying who decided, when and why
    marked = _row(reviewed, "Eeec9e4ab21fe")
    assert marked["significant"] and "Routine" not in marked["Significance"]
    assert marked["Significance"] == ("Marked significant (A Analyst, 07/12/2026): first sign "
                                      "of the pattern")
    hidden = _row(reviewed, "E4e7819b0d2bb")
    assert not hidden["significant"]
    assert "Marked not significant (A Analyst, 07/12/2026)" in hidden["Significance"]
    assert "Note (A Analyst, 07/12/2026): nursery photo, not a sign" in hidden["Significance"]


def test_a_dismissed_finding_stays_listed_but_flags_nothing(chron, reviewed):
    f1 = reviewed.findings[reviewed.findings["_finding_id"] == "F-wnb"].iloc[0]
    assert f1["_dismissed"] and f1["Ref"] == "F1"
    assert f1["Review"] == ("Dismissed (B Reviewer, 07/12/2026): appointments moved by the "
                            "clinic; Note (B Reviewer, 07/12/2026): checked with the practice")
    assert "F1" in set(chron.rows["finding_refs"])
    assert "F1" not in set(reviewed.rows["finding_refs"])
    assert not reviewed.rows["Significance"].str.contains("was-not-brought").any()
    assert reviewed.rows["finding_refs"].str.contains("F2").any()  # the other finding stays


def test_every_decision_is_listed_and_one_about_a_gone_event_is_not_dropped(reviewed):
    table = reviewed.decisions
    assert list(table.columns[:6]) == ["About", "Decision", "By", "When", "Reason", "Status"]
    assert len(table) == 6
    gone = table[table["_target"] == "Egone0000001"].iloc[0]
    assert gone["Status"] == "not applied: the case no longer has this event"
    assert gone["Decision"] == "Note: from an older export" and gone["By"] == "A Analyst"
    assert set(table.loc[table["_target"] != "Egone0000001", "Status"]) == {"applied"}
    assert table.loc[table["_target"] == "Eeec9e4ab21fe", "About"].iloc[0] == \
        "Row 2 (Eeec9e4ab21fe)"
    assert table.loc[table["_field"] == "dismissed", "About"].iloc[0] == "Finding F1 (F-wnb)"
    assert any("6 recorded" in n and "1 concerns an event or finding the case no longer has"
               in n for n in reviewed.notes)


def test_no_decisions_no_change(example, chron):
    from chronos.annotations import Annotations

    again = build_chronology(example, ChronologyOptions(produced="2024-03-31",
                                                        annotations=Annotations()))
    assert again.rows["Significance"].equals(chron.rows["Significance"])
    assert len(again.decisions) == 0 and again.notes == chron.notes


def test_a_court_chronology_uses_significance_but_shows_no_notes(example, decisions):
    from chronos.settings import Court, Settings

    whole = Settings(court=Court(summarise_years=0))  # every event in full
    court = build_chronology(example, ChronologyOptions(court=True, annotations=decisions,
                                                        settings=whole))
    ids = set(court.rows["event_id"])
    assert "Eeec9e4ab21fe" in ids and "E4e7819b0d2bb" not in ids
    text = " ".join(court.display.astype(str).agg(" ".join, axis=1))
    assert "Note" not in text and "Marked" not in text and "A Analyst" not in text


def test_a_case_without_findings_builds_with_decisions_or_none(example, decisions):
    example.findings = example.findings.iloc[0:0]
    for given in (None, decisions):
        chron = build_chronology(example, ChronologyOptions(annotations=given))
        assert len(chron.findings) == 0 and (chron.rows["finding_refs"] == "").all()
    assert "Not applied" not in " ".join(chron.decisions["Status"])
    assert chron.decisions.loc[chron.decisions["_target"] == "F-wnb", "Status"].iloc[0] == \
        "not applied: the case no longer has this finding"


def _with_ae_finding(example):
    """The example with a third finding whose evidence is an A&E attendance and a police
    call-out: rows that are significant only as its evidence."""
    import pandas as pd

    rows = build_chronology(example).rows
    ids = [rows.loc[rows["event_type"] == t, "event_id"].iloc[0]
           for t in ("ae_attendance", "police_call_out")]
    extra = example.findings.iloc[[0]].assign(
        finding_id="F-ae", rule_id="ae_frequency", title="A&E attendances",
        event_ids=";".join(ids), category="physical")
    example.findings = pd.concat([example.findings, extra], ignore_index=True)
    return ids


def test_a_dismissed_findings_evidence_leaves_the_significant_events(example):
    from chronos.annotations import Annotation, Annotations

    ids = _with_ae_finding(example)
    dismissed = Annotation("F-ae", "dismissed", "yes", "B Reviewer", "2026-12-07T11:00:00",
                           "one visit was a sibling's")
    plain = build_chronology(example, ChronologyOptions(significant=True))
    assert set(ids) <= set(plain.rows["event_id"])
    reviewed = build_chronology(example, ChronologyOptions(
        significant=True, annotations=Annotations([dismissed])))
    assert not set(ids) & set(reviewed.rows["event_id"])
    assert "F-wnb" in ";".join(reviewed.rows["finding_ids"])  # other evidence stays
    # the full record keeps them, not significant; a person's own mark still decides
    kept = Annotation(ids[0], "significance", "significant", "A Analyst",
                      "2026-12-07T12:00:00", "")
    full = build_chronology(example, ChronologyOptions(annotations=Annotations([dismissed, kept])))
    flags = full.rows.set_index("event_id")["significant"]
    assert flags[ids[0]] and not flags[ids[1]]
    # the court chronology likewise (nothing older summarised, so every entry is its own)
    court = [build_chronology(example, ChronologyOptions(
        court=True, since="2000-01-01", annotations=Annotations(decided))).rows["event_id"]
             for decided in ([], [dismissed])]
    assert set(ids) <= set(court[0]) and not set(ids) & set(court[1])


def test_evidence_of_a_finding_still_in_force_stays_significant(example):
    from chronos.annotations import Annotation, Annotations

    ids = _with_ae_finding(example)
    other = Annotation("F-phys", "dismissed", "yes", "B Reviewer", "2026-12-07T11:00:00", "x")
    reviewed = build_chronology(example, ChronologyOptions(
        significant=True, annotations=Annotations([other])))
    assert set(ids) <= set(reviewed.rows["event_id"])
