"""The chronology rows: whose age stands beside an event, and who wrote it."""

import pandas as pd

from chronos import model
from chronos.report._example import example_result
from chronos.report.chronology import chronology_rows


def _with_event(result, **fields):
    row = {"event_id": "Etest0000001", "date": "2023-10-03", "date_precision": "day",
           "event_type": "head_lice", "summary": "Head lice seen again",
           "agency": "Oakfield Primary", "source_file": "school.docx",
           "source_ref": "T1:2", **fields}
    result.events = model.conform(pd.concat([result.events, model.conform([row], "events")],
                                            ignore_index=True), "events")
    return result


def test_an_event_about_nobody_shows_no_childs_age():
    result = _with_event(example_result(), person_ids="")
    rows = chronology_rows(result).set_index("event_id")
    # no child's age is guessed: the column says the record names no one
    assert rows.loc["Etest0000001", "Age of child"] == "no person recorded"
    # the example's own events about its children still show their ages
    named = rows[rows["person_ids"].str.len() > 0]
    assert (named["Age of child"] != "").any()


def test_an_event_about_a_child_shows_that_childs_age():
    result = example_result()
    child = result.persons.loc[result.persons["is_index"].fillna(False).astype(bool), "person_id"].iloc[0]
    rows = chronology_rows(_with_event(result, person_ids=child)).set_index("event_id")
    assert rows.loc["Etest0000001", "Age of child"] not in ("", None)


def test_the_author_stands_beside_the_agency():
    result = _with_event(example_result(), person_ids="", author="Class teacher")
    rows = chronology_rows(result).set_index("event_id")
    assert rows.loc["Etest0000001", "Agency / source"] == "Oakfield Primary (Class teacher)"
