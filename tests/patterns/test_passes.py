"""Shared passes: rules of one kind evaluated together give what each gives alone."""

import pandas as pd
import pytest

from chronos.patterns import passes
from chronos.patterns.engine import evaluate

from tests.patterns.family import FAMILY, RELATIONSHIPS, events_from


def _count(rule_of, rid, select, **params):
    return rule_of("count_in_window", id=rid, select=select,
                   params={"min_count": 2, "window": "12 months", **params},
                   explanation="{count} in {span} ({agencies}), {dates}; {window}")


def _recurrence(rule_of, rid, select, **params):
    return rule_of("recurrence", id=rid, select=select,
                   params={"within": "6 months", "min_count": 3, **params},
                   explanation="{count} each within {window} of the last, {dates}")


def _rows(run):
    return sorted((r.rule_id, r.person_id, r.event_ids, r.window_start, r.window_end, r.finding_id,
                   r.explanation) for r in run.findings.itertuples())


#: one child's was-not-brought (dental or not) and A&E records, a household adult's
#: incidents (counting for every child), some undated or imprecise or repeated on a day
EVENTS = events_from([
    ("W1", "2022-01-03", "was_not_brought", "C1", "Dental practice"),
    ("W2", "2022-01-20", "was_not_brought", "C1", "GP"),
    ("W3", "2022-01-20", "was_not_brought", "C1", "Clinic"),
    ("W4", "2022-05-01", "was_not_brought", "C1", "Dental practice"),
    ("W5", "2022-11-30", "was_not_brought", "C1", "GP", {"date_precision": "month"}),
    ("W6", "2023-09-01", "was_not_brought", "C1", "GP", {"date_precision": "year"}),
    ("W7", None, "was_not_brought", "C1", "GP"),
    ("W8", "2021-03-01", "was_not_brought", "T1", "GP"),
    ("W9", "2021-03-20", "was_not_brought", "T1;C1", "GP"),
    ("A1", "2020-06-01", "ae_attendance", "C1", "Hospital"),
    ("A2", "2020-09-01", "ae_attendance", "C1", "Hospital"),
    ("A3", "2021-02-01", "ae_attendance", "C1", "Hospital"),
    ("A4", "2021-08-15", "ae_attendance", "C1", "Hospital"),
    ("A5", "2021-08-15", "ae_attendance", "C1", "Hospital"),
    ("D1", "2022-02-01", "domestic_abuse_incident", "M1", "Police"),
    ("D2", "2022-03-01", "domestic_abuse_incident", "M1", "Police"),
    ("D3", "2022-10-01", "domestic_abuse_incident", "M1", "Police"),
])


@pytest.fixture
def count_rules(rule_of):
    """Count rules of one kind that differ in every way a shared pass must keep apart:
    window unit and length, threshold, distinct days, precision, ages, agencies, subject."""
    return [
        _count(rule_of, "wnb_days", {"event_type": "was_not_brought"}, window="30d"),
        _count(rule_of, "wnb_year", {"event_type": "was_not_brought"}, min_count=4),
        _count(rule_of, "wnb_year_days", {"event_type": "was_not_brought"}, min_count=4,
               distinct_days=True),
        _count(rule_of, "wnb_any_year_precision", {"event_type": "was_not_brought"}, min_count=7,
               window="any", min_precision="year"),
        _count(rule_of, "wnb_dental", {"event_type": "was_not_brought", "agency_contains": ["dental"]},
               window="6 months"),
        _count(rule_of, "ae_toddler", {"event_type": "ae_attendance", "age_months": {"min": 12}},
               distinct_days=True),
        _count(rule_of, "ae_baby", {"event_type": "ae_attendance", "age_months": {"max": 12}},
               min_count=2, window="3 months"),
        _count(rule_of, "household_da", {"event_type": "domestic_abuse_incident",
                                         "subject": "household"}, min_count=3, window="9 months"),
    ]


def test_count_rules_share_one_pass_and_give_what_each_gives_alone(count_rules):
    runs = passes.plan(count_rules)
    assert [run.key for run in runs] == ["pass:count_in_window"]
    together = evaluate(EVENTS, FAMILY, RELATIONSHIPS, rules=count_rules, as_of="2024-01-01")
    alone = [evaluate(EVENTS, FAMILY, RELATIONSHIPS, rules=[rule], as_of="2024-01-01")
             for rule in count_rules]
    assert _rows(together) == sorted(row for run in alone for row in _rows(run))
    pd.testing.assert_frame_equal(
        together.notes.sort_values(["rule_id", "person_id"]).reset_index(drop=True),
        pd.concat([run.notes for run in alone]).sort_values(["rule_id", "person_id"])
        .reset_index(drop=True), check_dtype=False)
    # every rule finds something, and not the same as its neighbours: a pass that read one
    # rule's window, threshold or filter for another would change these
    found = {rule.id: {(r[1], r[2]) for r in _rows(run)} for rule, run in zip(count_rules, alone)}
    assert all(found.values()), found
    assert found["wnb_days"] == {("C1", "W1;W2;W3"), ("T1", "W8;W9")}
    assert found["wnb_year"] == {("C1", "W1;W2;W3;W4;W5;W9")}
    assert found["wnb_year_days"] == {("C1", "W1;W2;W3;W4;W5")}
    assert found["wnb_any_year_precision"] == {("C1", "W1;W2;W3;W4;W5;W6;W9")}
    assert found["wnb_dental"] == {("C1", "W1;W4")}
    assert found["ae_toddler"] == {("C1", "A3;A4;A5")}
    assert found["ae_baby"] == {("C1", "A1;A2")}
    assert found["household_da"] == {(child, "D1;D2;D3") for child in ("S0", "T1", "C1")}


def test_distinct_days_is_kept_per_rule_in_a_shared_pass(rule_of):
    """Three records on two days: three events for one rule, two days for the other."""
    rows = events_from([("X1", "2022-01-01", "exclusion"), ("X2", "2022-01-01", "exclusion", "C1", "School"),
                        ("X3", "2022-02-01", "exclusion")])
    events = _count(rule_of, "events", {"event_type": "exclusion"}, min_count=3)
    days = _count(rule_of, "days", {"event_type": "exclusion"}, min_count=3, distinct_days=True)
    run = evaluate(rows, FAMILY, RELATIONSHIPS, rules=[days, events], as_of="2024-01-01")
    assert [(r.rule_id, r.event_ids) for r in run.findings.itertuples()] == [("events", "X1;X2;X3")]


def test_recurrence_rules_share_one_pass_with_their_own_gaps_and_counts(rule_of):
    rules = [
        _recurrence(rule_of, "lice_6m", {"event_type": "head_lice"}, distinct_days=True),
        _recurrence(rule_of, "lice_30d_two", {"event_type": "head_lice"}, within="30d", min_count=2),
        _recurrence(rule_of, "lice_year_four", {"event_type": "head_lice"}, within="12 months",
                    min_count=4),
    ]
    rows = events_from([("L1", "2022-01-01", "head_lice"), ("L2", "2022-01-20", "head_lice"),
                        ("L3", "2022-06-01", "head_lice"), ("L4", "2022-06-01", "head_lice", "C1", "School"),
                        ("L5", "2023-04-01", "head_lice")])
    assert [run.key for run in passes.plan(rules)] == ["pass:recurrence"]
    together = evaluate(rows, FAMILY, RELATIONSHIPS, rules=rules, as_of="2024-01-01")
    alone = [evaluate(rows, FAMILY, RELATIONSHIPS, rules=[r], as_of="2024-01-01") for r in rules]
    assert _rows(together) == sorted(row for run in alone for row in _rows(run))
    assert [(r.rule_id, r.event_ids) for r in together.findings.itertuples()] == [
        ("lice_30d_two", "L1;L2"), ("lice_30d_two", "L3;L4"),
        ("lice_6m", "L1;L2;L3;L4"), ("lice_year_four", "L1;L2;L3;L4;L5")]


def test_the_catalogue_together_gives_what_each_rule_gives_alone(catalogue):
    rules = list(catalogue.values())
    shared = [run for run in passes.plan(rules) if run.shared]
    assert {run.key for run in shared} == {"pass:count_in_window", "pass:recurrence"}
    together = evaluate(EVENTS, FAMILY, RELATIONSHIPS, rules=rules, as_of="2024-01-01")
    alone = [evaluate(EVENTS, FAMILY, RELATIONSHIPS, rules=[rule], as_of="2024-01-01")
             for run in shared for rule in run.rules]
    ids = {rule.id for run in shared for rule in run.rules}
    assert sorted(r for r in _rows(together) if r[0] in ids) == sorted(r for a in alone for r in _rows(a))
    assert any(r[0] in ids for r in _rows(together))


def test_what_cannot_share_runs_alone(rule_of, catalogue):
    during = catalogue["concerns_during_plan"]  # a count with an open period
    single = _recurrence(rule_of, "lice", {"event_type": "head_lice"})
    one, two = (_count(rule_of, n, {"event_type": "exclusion"}) for n in ("one", "two"))
    keys = [run.key for run in passes.plan([during, one, single, two])]
    assert keys == ["concerns_during_plan", "pass:count_in_window", "lice"]
    assert [r.id for r in passes.plan([during, one, single, two])[1].rules] == ["one", "two"]
