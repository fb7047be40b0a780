"""The people of a case as reports need them (chronos.report.people)."""

from chronos.case import build_case
from chronos.report import people


def test_index_children_are_worked_out_once_per_result_and_each_caller_has_its_own(
        monkeypatch):
    from pathlib import Path

    result = build_case(Path(__file__).resolve().parents[2] / "examples" / "smith-family")
    calls = []
    work = people._index_children
    monkeypatch.setattr(people, "_index_children", lambda r: calls.append(1) or work(r))
    first = people.index_children(result)
    first[0]["name"] = "changed by a caller"
    again = people.index_children(result)
    assert len(calls) == 1
    assert again[0]["name"] != "changed by a caller"
    assert [k["person_id"] for k in again] == [k["person_id"] for k in first]
    result.persons = result.persons.iloc[::-1].reset_index(drop=True)   # a new table
    people.index_children(result)
    assert len(calls) == 2


def test_index_children_of_a_result_that_cannot_remember_are_worked_out_each_time(example):
    assert people.index_children(example) == people.index_children(example)
    assert [k["first_name"] for k in people.index_children(example)]


def test_a_childs_circle_is_parents_then_partners_and_households_touching_it():
    from types import SimpleNamespace

    import pandas as pd

    from chronos.report.people import circle_of, circles_of

    rel = pd.DataFrame(
        [("mum", "kid", "parent"), ("mum", "stepdad", "partner"),
         ("stepdad", "lodger", "household"), ("stranger", "other", "partner"),
         ("nan", "mum", "parent")],
        columns=["person_a", "person_b", "kind"])
    result = SimpleNamespace(relationships=rel)
    assert circle_of(result, "kid") == {"kid", "mum", "stepdad", "lodger"}
    assert circles_of(result, ["kid", "other"]) == {
        "kid": {"kid", "mum", "stepdad", "lodger"}, "other": {"other", "stranger"}}
