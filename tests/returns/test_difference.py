"""What changed between two returns from the same agency."""

import pandas as pd

from chronos.returns.difference import difference


def events(*rows):
    return pd.DataFrame([{"date": d, "time": None, "summary": s, "outcome": o}
                         for d, s, o in rows])


def test_same_added_removed_and_changed_rows():
    before = events(("2021-04-03", "Hungry at school", "Breakfast club"),
                    ("2021-05-12", "Head lice", "Letter home"),
                    ("2021-06-20", "Left alone at night", "Referral"),
                    ("2021-06-20", "Left alone at night", "Referral"))
    after = events(("2021-04-03", "Hungry at school", "Breakfast club"),
                   ("2021-05-12", "Head lice again; treatment given", "Letter home"),
                   ("2021-06-20", "Left alone at night", "Referral"),
                   ("2021-07-01", "Attendance below 80%", "EWO referral"))
    found = difference(before, after)
    assert found.same == 2
    assert [r["event"] for r in found.added] == ["Attendance below 80%"]
    assert [r["event"] for r in found.removed] == ["Left alone at night"]      # one of the two
    assert [(a["event"], b["event"]) for a, b in found.changed] == [
        ("Head lice", "Head lice again; treatment given")]
    assert found.lines()[0].startswith("+ 01/07/2021  Attendance below 80%")


def test_rows_with_nothing_alike_on_the_same_day_are_removed_and_added():
    found = difference(events(("2021-04-03", "Home visit, no concerns", "")),
                       events(("2021-04-03", "Police called to a domestic incident", "DASH")))
    assert (len(found.added), len(found.removed), found.changed) == (1, 1, [])


def test_from_nothing():
    found = difference(None, events(("2021-04-03", "Visit", "")))
    assert found.summary == "1 row(s) added, 0 removed, 0 changed, 0 the same"


def test_a_corrected_date_is_a_change():
    found = difference(events((None, "Dad left the family home", "")),
                       events(("2019-09-01", "Dad left the family home", "")))
    assert (found.added, found.removed) == ([], [])
    assert [(a["date"], b["date"]) for a, b in found.changed] == [("", "2019-09-01")]
    assert found.lines() == ["~ undated  Dad left the family home  ->  01/09/2019  Dad left "
                             "the family home"]
