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
