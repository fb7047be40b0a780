"""Table-driven tests for every rule type: events in, exact findings out, edge cases."""

import random

import pandas as pd
import pytest

from chronos import model
from chronos.errors import ChronosError
from chronos.patterns.engine import evaluate, human_span, run_rules, significance_by_event
from chronos.patterns.rules import apply_overrides

from tests.patterns.family import FAMILY, RELATIONSHIPS, event, events_from


def found(rule, rows, *, as_of=None, persons=FAMILY, rels=RELATIONSHIPS, raw=False):
    events = rows if raw else events_from(rows)
    run = evaluate(events, persons, rels, rules=[rule], as_of=as_of)
    return run, sorted((r.person_id, r.event_ids, r.window_start, r.window_end)
                       for r in run.findings.itertuples())


WNB = dict(select={"event_type": "was_not_brought"}, params={"min_count": 3, "window": "9 months"})

COUNT_CASES = [
    # (name, params override, rows, expected [(person, ids, start, end)])
    ("three in window", {}, [("E1", "2023-01-04", "was_not_brought"), ("E2", "2023-05-01", "was_not_brought"),
                             ("E3", "2023-09-20", "was_not_brought")],
     [("C1", "E1;E2;E3", "2023-01-04", "2023-09-20")]),
    ("end day inclusive", {}, [("E1", "2023-01-04", "was_not_brought"), ("E2", "2023-05-01", "was_not_brought"),
                               ("E3", "2023-10-04", "was_not_brought")],
     [("C1", "E1;E2;E3", "2023-01-04", "2023-10-04")]),
    ("one day over", {}, [("E1", "2023-01-04", "was_not_brought"), ("E2", "2023-05-01", "was_not_brought"),
                          ("E3", "2023-10-05", "was_not_brought")], []),
    ("month end clamps", {"min_count": 2, "window": "1 month"},
     [("E1", "2023-01-31", "was_not_brought"), ("E2", "2023-02-28", "was_not_brought")],
     [("C1", "E1;E2", "2023-01-31", "2023-02-28")]),
    ("month end clamp, next month", {"min_count": 2, "window": "1 month"},
     [("E1", "2023-01-31", "was_not_brought"), ("E2", "2023-03-01", "was_not_brought")], []),
    ("days window", {"min_count": 2, "window": "30d"},
     [("E1", "2023-01-01", "was_not_brought"), ("E2", "2023-01-31", "was_not_brought"),
      ("E3", "2023-04-01", "was_not_brought"), ("E4", "2023-05-02", "was_not_brought")],
     [("C1", "E1;E2", "2023-01-01", "2023-01-31")]),
    ("same-day ties count as events", {"window": "0d"},
     [("E1", "2023-01-04", "was_not_brought"), ("E2", "2023-01-04", "was_not_brought", "C1", "Dental"),
      ("E3", "2023-01-04", "was_not_brought", "C1", "Clinic")],
     [("C1", "E1;E2;E3", "2023-01-04", "2023-01-04")]),
    ("same-day ties, distinct days", {"window": "0d", "distinct_days": True},
     [("E1", "2023-01-04", "was_not_brought"), ("E2", "2023-01-04", "was_not_brought"),
      ("E3", "2023-01-04", "was_not_brought")], []),
    ("overlapping windows merge", {},
     [("E1", "2023-01-01", "was_not_brought"), ("E2", "2023-06-01", "was_not_brought"),
      ("E3", "2023-09-01", "was_not_brought"), ("E4", "2024-02-01", "was_not_brought")],
     [("C1", "E1;E2;E3;E4", "2023-01-01", "2024-02-01")]),
    ("two separate episodes", {},
     [("E1", "2021-01-01", "was_not_brought"), ("E2", "2021-02-01", "was_not_brought"),
      ("E3", "2021-03-01", "was_not_brought"), ("E4", "2023-01-01", "was_not_brought"),
      ("E5", "2023-02-01", "was_not_brought"), ("E6", "2023-03-01", "was_not_brought")],
     [("C1", "E1;E2;E3", "2021-01-01", "2021-03-01"), ("C1", "E4;E5;E6", "2023-01-01", "2023-03-01")]),
    ("undated excluded", {},
     [("E1", "2023-01-04", "was_not_brought"), ("E2", "2023-05-01", "was_not_brought"),
      ("E3", None, "was_not_brought")], []),
    ("month precision counts", {},
     [("E1", "2023-01-04", "was_not_brought"), ("E2", "2023-05-01", "was_not_brought", "C1", "GP",
                                                 {"date_precision": "month"}),
      ("E3", "2023-09-20", "was_not_brought")],
     [("C1", "E1;E2;E3", "2023-01-04", "2023-09-20")]),
    ("year precision excluded", {},
     [("E1", "2023-01-04", "was_not_brought"), ("E2", "2023-01-01", "was_not_brought", "C1", "GP",
                                                 {"date_precision": "year"}),
      ("E3", "2023-09-20", "was_not_brought")], []),
    ("year precision when allowed", {"min_precision": "year"},
     [("E1", "2023-01-04", "was_not_brought"), ("E2", "2023-01-01", "was_not_brought", "C1", "GP",
                                                 {"date_precision": "year"}),
      ("E3", "2023-09-20", "was_not_brought")],
     [("C1", "E1;E2;E3", "2023-01-01", "2023-09-20")]),
    ("merged duplicate in table is ignored", {},
     [("E1", "2023-01-04", "was_not_brought"), ("E2", "2023-05-01", "was_not_brought", "C1", "GP",
                                                 {"corroborated_by": "E2b"}),
      ("E2b", "2023-05-01", "was_not_brought", "C1", "Hospital")], []),
    ("survivor counted once", {},
     [("E1", "2023-01-04", "was_not_brought"), ("E2", "2023-05-01", "was_not_brought", "C1;C1", "GP",
                                                 {"corroborated_by": "E9;E8"}),
      ("E3", "2023-09-20", "was_not_brought")],
     [("C1", "E1;E2;E3", "2023-01-04", "2023-09-20")]),
    ("an event for two children counts for each", {"min_count": 1, "window": "0d"},
     [("E1", "2023-01-04", "was_not_brought", "C1;T1")],
     [("C1", "E1", "2023-01-04", "2023-01-04"), ("T1", "E1", "2023-01-04", "2023-01-04")]),
    ("adults are not children", {"min_count": 1, "window": "0d"},
     [("E1", "2023-01-04", "was_not_brought", "M1")], []),
    ("child until the day before 18", {"min_count": 1, "window": "0d"},
     [("E1", "2026-02-28", "was_not_brought", "T1"), ("E2", "2026-03-01", "was_not_brought", "T1")],
     [("T1", "E1", "2026-02-28", "2026-02-28")]),
    ("other event types ignored", {"min_count": 2},
     [("E1", "2023-01-04", "was_not_brought"), ("E2", "2023-01-05", "appointment_attended")], []),
]


@pytest.mark.parametrize("name,params,rows,expected", COUNT_CASES, ids=[c[0] for c in COUNT_CASES])
def test_count_in_window(rule_of, name, params, rows, expected):
    rule = rule_of("count_in_window", select=WNB["select"], params={**WNB["params"], **params})
    assert found(rule, rows)[1] == expected


def test_undated_events_are_counted_in_a_note(rule_of):
    rule = rule_of("count_in_window", **WNB)
    run, hits = found(rule, [("E1", "2023-01-04", "was_not_brought"), ("E2", None, "was_not_brought"),
                             ("E3", "2023-01-01", "was_not_brought", "C1", "GP", {"date_precision": "year"})])
    assert hits == []
    assert run.notes[["rule_id", "person_id", "undated_events", "event_ids"]].values.tolist() == [
        ["r", "C1", 2, "E2;E3"]]


def test_explanation_is_rendered_in_uk_dates_with_agencies_in_order(rule_of):
    rule = rule_of("count_in_window", explanation=(
        "{count} was-not-brought health appointments in {span} ({agencies}), {start} to {end}"), **WNB)
    rows = [("E1", "2023-01-04", "was_not_brought", "C1", "GP"),
            ("E2", "2023-05-01", "was_not_brought", "C1", "dental"),
            ("E3", "2023-09-20", "was_not_brought", "C1", "paediatric")]
    findings = run_rules(events_from(rows), FAMILY, rules=[rule])
    assert findings["explanation"].tolist() == [
        "3 was-not-brought health appointments in 9 months (GP, dental, paediatric), "
        "04/01/2023 to 20/09/2023"]
    assert findings["agencies"].tolist() == ["dental;GP;paediatric"]
    assert list(findings.columns) == list(model.FINDINGS)


def test_finding_id_is_stable_over_rule_person_window_and_evidence(rule_of):
    rule = rule_of("count_in_window", **WNB)
    rows = [("E1", "2023-01-04", "was_not_brought"), ("E2", "2023-05-01", "was_not_brought"),
            ("E3", "2023-09-20", "was_not_brought")]
    findings = run_rules(events_from(rows), FAMILY, rules=[rule])
    expected = model.stable_id("F", "r", "C1", "2023-01-04", "2023-09-20", "E1;E2;E3")
    assert findings["finding_id"].tolist() == [expected]


def test_approximate_dates_are_said_in_the_explanation(rule_of):
    rule = rule_of("count_in_window", **WNB)
    rows = [("E1", "2023-01-04", "was_not_brought"),
            ("E2", "2023-05-01", "was_not_brought", "C1", "GP", {"date_uncertain": True}),
            ("E3", "2023-09-20", "was_not_brought")]
    findings = run_rules(events_from(rows), FAMILY, rules=[rule])
    assert findings["explanation"].iloc[0].endswith("(some dates approximate)")


AGE_CASES = [  # injury under 6 months; B1 born 2023-06-10
    ("day before 6 months", "2023-12-09", ["B1"]),
    ("exactly 6 months", "2023-12-10", []),
    ("day of birth", "2023-06-10", ["B1"]),
    ("before birth is prenatal, not under 6 months", "2023-06-09", []),
]


@pytest.mark.parametrize("name,date,expected", AGE_CASES, ids=[c[0] for c in AGE_CASES])
def test_age_boundaries(rule_of, name, date, expected):
    rule = rule_of("count_in_window", select={"event_type": "injury", "age_months": {"max": 6}},
                   params={"min_count": 1, "window": "0d"})
    assert [f[0] for f in found(rule, [("E1", date, "injury", "B1")])[1]] == expected


BAND_CASES = [  # C1 born 2020-01-15
    ("0-2", "2022-01-14", True), ("0-2", "2022-01-15", False), ("2-4", "2022-01-15", True),
    ("2-4", "2025-01-14", True), ("2-4", "2025-01-15", False), ("5-11", "2025-01-15", True),
    ("prenatal", "2020-01-14", True), ("prenatal", "2020-01-15", False),
]


@pytest.mark.parametrize("band,date,hit", BAND_CASES)
def test_age_bands(rule_of, band, date, hit):
    rule = rule_of("count_in_window", age_band=band, select={"event_type": "speech_delay"},
                   params={"min_count": 1, "window": "0d"})
    assert bool(found(rule, [("E1", date, "speech_delay")])[1]) is hit


def test_household_events_count_for_the_unborn_child_as_prenatal(rule_of):
    rule = rule_of("count_in_window", age_band="prenatal",
                   select={"event_type": "antenatal_missed", "subject": "household"},
                   params={"min_count": 2, "window": "9 months"})
    rows = [("A1", "2023-01-10", "antenatal_missed", "M1", "Midwifery"),
            ("A2", "2023-03-01", "antenatal_missed", "M1", "Midwifery"),
            ("A3", "2023-07-01", "antenatal_missed", "M1", "Midwifery")]
    assert found(rule, rows)[1] == [("B1", "A1;A2", "2023-01-10", "2023-03-01")]


RECURRENCE_CASES = [
    ("chain each within 6 months", [("E1", "2023-01-01", "head_lice"), ("E2", "2023-07-01", "head_lice"),
                                    ("E3", "2024-01-01", "head_lice")],
     [("C1", "E1;E2;E3", "2023-01-01", "2024-01-01")]),
    ("chain broken by one day", [("E1", "2023-01-01", "head_lice"), ("E2", "2023-07-02", "head_lice"),
                                 ("E3", "2024-01-01", "head_lice")], []),
    ("same-day duplicates are one day", [("E1", "2023-01-01", "head_lice"), ("E2", "2023-01-01", "head_lice"),
                                         ("E3", "2023-03-01", "head_lice")], []),
]


@pytest.mark.parametrize("name,rows,expected", RECURRENCE_CASES, ids=[c[0] for c in RECURRENCE_CASES])
def test_recurrence(rule_of, name, rows, expected):
    rule = rule_of("recurrence", select={"event_type": "head_lice"},
                   params={"within": "6 months", "min_count": 3, "distinct_days": True})
    assert found(rule, rows)[1] == expected


CO_CASES = [
    ("both within a year", [("D1", "2023-01-01", "domestic_abuse_incident", "M1", "Police"),
                            ("S1", "2024-01-01", "substance_misuse", "M1", "Drugs service")],
     {"S0", "T1", "C1", "B1"}),
    ("a day too far apart", [("D1", "2023-01-01", "domestic_abuse_incident", "M1", "Police"),
                             ("S1", "2024-01-02", "substance_misuse", "M1", "Drugs service")], set()),
    ("one kind twice is not two kinds", [("D1", "2023-01-01", "domestic_abuse_incident", "M1", "Police"),
                                         ("D2", "2023-02-01", "domestic_abuse_incident", "M1", "Police")],
     set()),
]


@pytest.mark.parametrize("name,rows,children", CO_CASES, ids=[c[0] for c in CO_CASES])
def test_co_occurrence_in_the_household(rule_of, name, rows, children):
    rule = rule_of("co_occurrence", params={"window": "12 months"}, groups={
        "da": {"event_type": "domestic_abuse_incident", "subject": "household"},
        "sm": {"event_type": "substance_misuse", "subject": "household"}})
    hits = found(rule, rows)[1]
    assert {h[0] for h in hits} == children
    assert all(h[1] == "D1;S1" for h in hits)


DURATION_CASES = [
    ("exactly 12 months is not longer", [("P1", "2022-01-10", "cp_plan_start", "C1", "CSC"),
                                         ("P2", "2023-01-10", "cp_plan_end", "C1", "CSC")], None, []),
    ("a day longer", [("P1", "2022-01-10", "cp_plan_start", "C1", "CSC"),
                      ("P2", "2023-01-11", "cp_plan_end", "C1", "CSC")], None,
     [("C1", "P1;P2", "2022-01-10", "2023-01-11")]),
    ("still open at as-of", [("P1", "2022-01-10", "cp_plan_start", "C1", "CSC")], "2023-06-01",
     [("C1", "P1", "2022-01-10", "2023-06-01")]),
    ("end date on the start event", [("P1", "2022-01-10", "cp_plan_start", "C1", "CSC",
                                      {"end_date": "2023-05-01"})], "2024-01-01",
     [("C1", "P1", "2022-01-10", "2023-05-01")]),
    ("second plan short", [("P1", "2020-01-01", "cp_plan_start", "C1", "CSC"),
                           ("P2", "2020-03-01", "cp_plan_end", "C1", "CSC"),
                           ("P3", "2022-01-01", "cp_plan_start", "C1", "CSC")], "2022-06-01", []),
]


@pytest.mark.parametrize("name,rows,as_of,expected", DURATION_CASES, ids=[c[0] for c in DURATION_CASES])
def test_duration(rule_of, name, rows, as_of, expected):
    rule = rule_of("duration", start={"event_type": "cp_plan_start"}, end={"event_type": "cp_plan_end"},
                   params={"longer_than": "12 months"})
    assert found(rule, rows, as_of=as_of)[1] == expected


SEQUENCE_CASES = [
    ("same day is not after", "2023-01-10", []),
    ("12 months later inclusive", "2024-01-10", [("C1", "X1;X2", "2023-01-10", "2024-01-10")]),
    ("a day too late", "2024-01-11", []),
    ("before closure", "2022-12-01", []),
]


@pytest.mark.parametrize("name,date,expected", SEQUENCE_CASES, ids=[c[0] for c in SEQUENCE_CASES])
def test_sequence(rule_of, name, date, expected):
    rule = rule_of("sequence", first={"event_type": "case_closed"}, then={"event_type": "referral"},
                   params={"within": "12 months"})
    rows = [("X1", "2023-01-10", "case_closed", "C1", "CSC"), ("X2", date, "referral", "C1", "CSC")]
    assert found(rule, rows)[1] == expected


FOLLOWUP_CASES = [
    ("followed up on day 28", [("H1", "2023-01-29", "health_visitor_contact", "B1", "Health visiting")],
     None, []),
    ("followed up on day 29 is too late", [("H1", "2023-01-30", "health_visitor_contact", "B1", "HV")],
     None, [("B1", "A1", "2023-01-01", "2023-01-01")]),
    ("not yet due at as-of", [], "2023-01-20", []),
    ("due exactly at as-of", [], "2023-01-29", [("B1", "A1", "2023-01-01", "2023-01-01")]),
    ("same-day follow-up counts", [("H1", "2023-01-01", "health_visitor_contact", "B1", "HV")], None, []),
]


@pytest.mark.parametrize("name,extra,as_of,expected", FOLLOWUP_CASES, ids=[c[0] for c in FOLLOWUP_CASES])
def test_absence_of_followup(rule_of, name, extra, as_of, expected):
    rule = rule_of("absence_of_followup", event={"event_type": "ae_attendance"},
                   followup={"event_type": "health_visitor_contact"}, params={"within": "28 days"})
    rows = [("A1", "2023-01-01", "ae_attendance", "B1", "Hospital")] + extra + [
        ("Z9", "2023-06-01", "other", "B1", "GP")]
    assert found(rule, rows, as_of=as_of)[1] == expected


@pytest.mark.parametrize("agency,hit", [("Police", True), ("CSC", False)])
def test_absence_of_followup_by_another_agency(rule_of, agency, hit):
    rule = rule_of("absence_of_followup", event={"event_type": "domestic_abuse_incident"},
                   followup={"event_type": "referral"},
                   params={"within": "30 days", "different_agency": True})
    rows = [("D1", "2023-01-01", "domestic_abuse_incident", "C1", "Police"),
            ("R1", "2023-01-05", "referral", "C1", agency), ("Z9", "2023-06-01", "other")]
    assert bool(found(rule, rows)[1]) is hit


THRESHOLD_CASES = [
    (89.9, ["medium"]), (90.0, []), (50.0, ["medium"]), (49.9, ["high"]), (0.0, ["high"]),
]


@pytest.mark.parametrize("value,expected", THRESHOLD_CASES)
def test_threshold_run_severity_follows_the_lowest_value(catalogue, value, expected):
    rows = events_from([("T1", "2023-09-01", "attendance_summary", "C1", "School", {"value": value})])
    findings = run_rules(rows, FAMILY, rules=[catalogue["absence_persistent"]])
    assert list(findings["severity"]) == expected


def test_threshold_run_is_one_finding_naming_the_fall(catalogue):
    terms = [("T1", "2022-07-20", 95.0), ("T2", "2022-12-16", 88.9), ("T3", "2023-04-01", 72.0),
             ("T4", "2023-12-15", 47.9), ("T5", "2024-03-28", 41.4)]
    rows = events_from([(i, d, "attendance_summary", "C1", "School", {"value": v}) for i, d, v in terms])
    findings = run_rules(rows, FAMILY, rules=[catalogue["absence_persistent"]])
    assert len(findings) == 1
    finding = findings.iloc[0]
    assert finding["event_ids"] == "T1;T2;T3;T4;T5" and finding["severity"] == "high"
    assert "4 term(s)" in finding["explanation"] and "41.4% in the last term" in finding["explanation"]
    assert "95% in the term before" in finding["explanation"]


def test_threshold_each_keeps_undated_measures(catalogue):
    from chronos.patterns.rules import build_rule

    rule = build_rule({**catalogue["absence_persistent"].raw,
                       "params": {"measure": "value", "below": 50}})
    rows = events_from([("T1", None, "attendance_summary", "C1", "School", {"value": 40})])
    findings = run_rules(rows, FAMILY, rules=[rule])
    assert findings[["event_ids", "window_start"]].values.tolist() == [["T1", ""]]


@pytest.mark.parametrize("details,hit", [("physical_care=4;safety=1", True), ("physical_care=3;safety=2", False),
                                         ("safety=5", True), ("", False), ("physical_care=n/a", False)])
def test_threshold_on_details(catalogue, details, hit):
    rows = events_from([("G1", "2023-09-01", "gcp2_assessment", "C1", "CSC", {"details": details})])
    assert bool(len(run_rules(rows, FAMILY, rules=[catalogue["gcp2_high_grade"]]))) is hit


@pytest.mark.parametrize("grades,hits", [((4, 4), 1), ((4, 3), 0), ((3, 5), 1), ((2, 2), 0), ((4, 4, 4), 2)])
def test_threshold_no_improvement(catalogue, grades, hits):
    rows = events_from([(f"G{i}", f"202{i}-03-01", "gcp2_assessment", "C1", "CSC", {"value": g})
                        for i, g in enumerate(grades)])
    assert len(run_rules(rows, FAMILY, rules=[catalogue["gcp2_no_improvement"]])) == hits


SEEN = {"details": "persons_assessed=Mia Test (mother)"}   # the assessment records who was seen
PAUL = ("S1", "2023-01-10", "police_call_out", "P1", "Police")   # the partner's first record
STRUCT_CASES = [
    ("partner never assessed", [PAUL, ("A1", "2023-03-01", "assessment", "C1;M1", "CSC", SEEN)],
     [("C1", "A1;S1")]),
    ("partner assessed", [PAUL, ("A1", "2023-03-01", "assessment", "C1;M1;P1", "CSC", SEEN)], []),
    ("partner assessed with another child", [PAUL, ("A1", "2023-03-01", "assessment", "C1;M1", "CSC", SEEN),
                                             ("A2", "2023-04-01", "assessment", "S0;P1", "CSC")], []),
    ("no assessment at all", [PAUL, ("E1", "2023-03-01", "was_not_brought")], []),
    ("partner seen but the child never assessed",
     [("E1", "2023-03-01", "domestic_abuse_incident", "C1;P1", "Police")], []),
    ("assessed before the partner is known to be there",
     [("A1", "2023-03-01", "assessment", "C1;M1", "CSC", SEEN),
      ("S1", "2023-06-01", "police_call_out", "P1", "Police")], []),
    ("only the assessments of the partner's time count",
     [("A1", "2022-03-01", "assessment", "C1;M1", "CSC", SEEN), PAUL,
      ("A2", "2023-05-01", "assessment", "C1;M1", "CSC")], [("C1", "A2;S1")]),
    ("no record says who was seen: a gap, not a finding",
     [PAUL, ("A1", "2023-03-01", "assessment", "C1;M1", "CSC")], []),
]


@pytest.mark.parametrize("name,rows,expected", STRUCT_CASES, ids=[c[0] for c in STRUCT_CASES])
def test_structural_adult_unassessed(catalogue, name, rows, expected):
    run, hits = found(catalogue["invisible_adult"], rows, as_of="2024-01-01")
    assert [(h[0], h[1]) for h in hits] == expected
    if expected:
        assert "Paul Other (adult)" in run.findings["explanation"].iloc[0]


def test_no_record_of_who_was_seen_is_an_information_gap(catalogue):
    run, hits = found(catalogue["invisible_adult"],
                      [PAUL, ("A1", "2023-03-01", "assessment", "C1;M1", "CSC")], as_of="2024-01-01")
    assert hits == []
    gaps = run.notes[run.notes["note"].str.startswith("information gap")]
    assert list(gaps["person_id"]) == ["C1"] and "Paul Other" in gaps["note"].iloc[0]


def test_a_separated_partner_is_not_in_the_household(catalogue):
    rels = [r for r in RELATIONSHIPS if r["kind"] == "parent"] + [
        {"person_a": "M1", "person_b": "P1", "kind": "partner", "subtype": "separated"}]
    rows = [PAUL, ("A1", "2023-03-01", "assessment", "C1;M1", "CSC", SEEN)]
    assert found(catalogue["invisible_adult"], rows, as_of="2024-01-01", rels=rels)[1] == []


@pytest.mark.parametrize("min_assessments,expected", [(1, 1), (2, 0)])
def test_structural_adult_unassessed_needs_assessments_of_the_child(catalogue, min_assessments,
                                                                    expected):
    """The question is who the child's assessments left out: with one assessment, no
    finding when two are asked for; with none, no finding."""
    rule = apply_overrides([catalogue["invisible_adult"]],
                           {"invisible_adult": {"min_assessments": min_assessments}})[0]
    rows = [PAUL]
    assert found(rule, rows, as_of="2024-01-01")[1] == []
    with_one = rows + [("A1", "2023-05-01", "assessment", "C1;M1", "CSC", SEEN)]
    assert len(found(rule, with_one, as_of="2024-01-01")[1]) == expected


@pytest.mark.parametrize("older_records,expected", [(0, ["S0", "T1"]), (2, ["S0", "T1"]), (3, ["T1"])])
def test_structural_sibling_disparity(catalogue, older_records, expected):
    rows = [(f"C{i}", f"2023-01-{i + 1:02d}", "school_absence", "C1", "School") for i in range(10)]
    rows += [(f"S{i}", f"2023-02-{i + 1:02d}", "health_contact", "S0", "GP") for i in range(older_records)]
    hits = found(catalogue["older_sibling_overlooked"], rows, as_of="2024-01-01")[1]
    assert [h[0] for h in hits] == expected
    assert all(h[1] == ";".join(sorted(f"C{i}" for i in range(10))) for h in hits)


@pytest.mark.parametrize("absences,expected", [(10, ["S0", "T1"]), (9, [])])
def test_sibling_disparity_counts_the_types_asked_for_and_each_record_once(catalogue, absences,
                                                                          expected):
    """The sibling check reads a narrow table of every person's events: its ``count_types``
    filter must still see the event type, and an event naming the child twice is one record."""
    rule = apply_overrides([catalogue["older_sibling_overlooked"]],
                           {"older_sibling_overlooked": {"count_types": ["school_absence"]}})[0]
    rows = [(f"C{i}", f"2023-01-{i + 1:02d}", "school_absence", "C1;C1", "School")
            for i in range(absences)]
    rows += [(f"S{i}", f"2023-02-{i + 1:02d}", "health_contact", "S0", "GP") for i in range(5)]
    hits = found(rule, rows, as_of="2024-01-01")[1]
    assert [h[0] for h in hits] == expected   # S0's five GP contacts are not counted


def test_shuffling_the_input_changes_nothing(catalogue):
    rows = events_from(
        [(f"W{i}", f"2023-0{1 + i}-10", "was_not_brought", "C1", ["GP", "Dental"][i % 2]) for i in range(5)]
        + [("D1", "2023-02-01", "domestic_abuse_incident", "M1;C1", "Police"),
           ("S1", "2023-03-01", "substance_misuse", "M1", "Drugs"),
           ("H1", "2023-04-01", "parental_mental_health", "M1", "GP"),
           ("A1", "2023-05-01", "assessment", "C1;M1", "CSC"),
           ("L1", "2023-01-01", "head_lice", "C1", "School"), ("L2", "2023-04-01", "head_lice", "C1", "School"),
           ("L3", "2023-08-01", "head_lice", "C1", "School"), ("U1", None, "was_not_brought")])
    rules = list(catalogue.values())
    first = run_rules(rows, FAMILY, RELATIONSHIPS, rules=rules, as_of="2024-01-01")
    assert len(first) >= 5
    for seed in range(2):
        shuffled = rows[:]
        random.Random(seed).shuffle(shuffled)
        persons = FAMILY[::-1]
        again = run_rules(shuffled, persons, RELATIONSHIPS[::-1], rules=rules[::-1], as_of="2024-01-01")
        pd.testing.assert_frame_equal(first, again)


def test_as_of_defaults_to_the_latest_event(rule_of):
    rule = rule_of("duration", start={"event_type": "cp_plan_start"}, params={"longer_than": "6 months"})
    rows = [("P1", "2022-01-10", "cp_plan_start", "C1", "CSC"), ("Z1", "2022-09-01", "other")]
    run, hits = found(rule, rows)
    assert run.as_of == "2022-09-01" and hits == [("C1", "P1", "2022-01-10", "2022-09-01")]


def test_unknown_engine_is_a_clear_error(rule_of):
    with pytest.raises(ChronosError, match="engine 'spark'"):
        run_rules([], FAMILY, rules=[rule_of("count_in_window", **WNB)], engine="spark")


def test_no_events_gives_empty_findings_with_the_contract_columns(catalogue):
    findings = run_rules([], FAMILY, RELATIONSHIPS, rules=list(catalogue.values()))
    assert findings.empty and list(findings.columns) == list(model.FINDINGS)


def test_significance_maps_events_to_finding_titles(rule_of):
    rule = rule_of("count_in_window", **WNB)
    rows = [("E1", "2023-01-04", "was_not_brought"), ("E2", "2023-05-01", "was_not_brought"),
            ("E3", "2023-09-20", "was_not_brought"), ("E4", "2023-09-21", "other")]
    sig = significance_by_event(run_rules(events_from(rows), FAMILY, rules=[rule]))
    assert sig == {"E1": "Test rule", "E2": "Test rule", "E3": "Test rule"}


@pytest.mark.parametrize("start,end,text", [
    ("2023-01-04", "2023-09-20", "9 months"), ("2023-01-01", "2023-01-01", "the same day"),
    ("2023-01-01", "2023-01-02", "1 day"), ("2023-01-01", "2023-02-05", "5 weeks"),
    ("2020-01-01", "2023-01-01", "3 years"), (None, "2023-01-01", "an unknown period")])
def test_human_span(start, end, text):
    assert human_span(start, end) == text


def test_params_override_by_dict_and_flat_key(rule_of):
    rule = rule_of("count_in_window", **WNB)
    rows = events_from([("E1", "2023-01-04", "was_not_brought"), ("E2", "2023-05-01", "was_not_brought")])
    assert run_rules(rows, FAMILY, rules=[rule]).empty
    assert len(run_rules(rows, FAMILY, rules=[rule], params={"r": {"min_count": 2}})) == 1
    assert len(run_rules(rows, FAMILY, rules=[rule], params={"r.min_count": 2})) == 1


def test_event_builder_sets_unknown_precision_for_undated():
    assert event("E", None, "other")["date_precision"] == "unknown"


def test_optimizer_on_and_off_give_the_same_findings(catalogue, monkeypatch):
    """Small cases run with DuckDB's optimizer off (planning dominates); both paths agree."""
    from chronos.patterns import engine

    rows = events_from(
        [(f"W{i}", f"2023-0{1 + i}-10", "was_not_brought", "C1", "GP") for i in range(4)]
        + [("D1", "2023-02-01", "domestic_abuse_incident", "M1;C1", "Police"),
           ("S1", "2023-03-01", "substance_misuse", "P1", "Drugs"),
           ("H1", "2023-04-01", "parental_mental_health", "M1", "GP"),
           ("A1", "2023-05-01", "assessment", "C1;M1", "CSC"),
           ("P1", "2021-01-01", "cp_plan_start", "C1", "CSC"), ("G1", "2022-01-01", "gcp2_assessment", "C1", "CSC",
                                                             {"value": 4, "details": "safety=5"}),
           ("G2", "2023-01-01", "gcp2_assessment", "C1", "CSC", {"value": 4})])
    rules = list(catalogue.values())
    off = run_rules(rows, FAMILY, RELATIONSHIPS, rules=rules, as_of="2024-01-01")
    monkeypatch.setattr(engine, "TINY_CASE", 0)
    on = run_rules(rows, FAMILY, RELATIONSHIPS, rules=rules, as_of="2024-01-01")
    assert len(off) >= 6
    pd.testing.assert_frame_equal(off, on)


def test_one_pass_and_ordered_aggregation_give_the_same_findings(catalogue, monkeypatch):
    """Populations aggregate evidence in one pass, small cases with ordered aggregates:
    the same findings, including missing and empty agencies, undated and imprecise dates,
    events naming several people (evidence rows that repeat) and sibling counts."""
    from chronos.patterns import engine

    rows = events_from(
        [(f"W{i}", f"2023-0{1 + i}-10", "was_not_brought", "C1", ["GP", None, "", "gp"][i]) for i in range(4)]
        + [(f"A{i}", f"2023-0{1 + i}-02", "ae_attendance", "C1;M1;C1", "A&E") for i in range(4)]
        + [("D1", "2023-02-01", "domestic_abuse_incident", "M1;C1", "Police"),
           ("D2", "2023-02-01", "domestic_abuse_incident", "C1", None),
           ("S1", "2023-03-01", "substance_misuse", "P1", "Drugs"),
           ("H1", "2023-04-01", "parental_mental_health", "M1", "GP"),
           ("X1", "2023-04-01", "home_visit", "P1", "CSC", {"summary": "Paul Other at home"}),
           ("X2", "2023-04-05", "home_visit", "C1", "HV", {"summary": "Seen with PAUL OTHER"}),
           ("A9", "2023-05-01", "assessment", "C1;M1", "CSC", {"details": "persons_assessed=Mia"}),
           ("U1", None, "attendance_summary", "S0", "School", {"value": 40}),
           ("U2", "2023-01-01", "attendance_summary", "S0", "School", {"value": 30, "date_precision": "month"}),
           ("T1", "2022-05-01", "referral", "T1", "CSC"), ("T2", "2022-06-01", "referral", "T1", "CSC"),
           ("G1", "2022-01-01", "gcp2_assessment", "C1", "CSC", {"value": 4, "details": "safety=5"}),
           ("G2", "2023-01-01", "gcp2_assessment", "C1", "CSC", {"value": 4})])
    rules = list(catalogue.values())
    ordered = run_rules(rows, FAMILY, RELATIONSHIPS, rules=rules, as_of="2024-01-01")
    monkeypatch.setattr(engine, "ONE_PASS_ROWS", 0)
    one_pass = run_rules(rows, FAMILY, RELATIONSHIPS, rules=rules, as_of="2024-01-01")
    assert len(ordered) >= 8 and {"invisible_adult", "wnb_health"} <= set(ordered["rule_id"])
    pd.testing.assert_frame_equal(ordered, one_pass)
