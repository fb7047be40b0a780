from docx import Document

from chronos.report._example import DEAN, KERRY
from chronos.report.case_map import build_case_map, write_case_map_docx


def texts(items):
    return [i.text for i in items]


def test_worries_split_harm_from_complicating_factors(example):
    cm = build_case_map(example)
    assert [t.split()[0] for t in texts(cm.harm)] == ["F1", "F2"]
    assert cm.harm[0].evidence == ["4", "7", "18"]
    complicating = " ".join(texts(cm.complicating))
    assert "Domestic abuse incident" in complicating and "Parental substance misuse" in complicating
    assert "Was not brought" not in complicating


def test_working_well_lists_positive_events_and_protective_people(example):
    cm = build_case_map(example)
    assert len(cm.working_well) == 4
    assert texts(cm.protective_people) == ["Patricia Smith (carer)"]


def test_information_gaps(example):
    gaps = " | ".join(texts(build_case_map(example).gaps))
    assert "Dean Walsh: adult in the household, no assessment recorded" in gaps
    assert "No father recorded for Jordan Smith" in gaps
    assert "No records for 11 months" in gaps
    assert "1 record without a date" in gaps
    assert "No School records" not in gaps


def test_a_child_unknown_to_an_agency_that_should_know_them(example):
    example.events = example.events[example.events["agency"] != "School"]
    gaps = texts(build_case_map(example).gaps)
    assert "No School records for Jordan Smith" in gaps
    assert "No School records for Amelia Smith" not in gaps  # too young for school


def test_assessed_adults_and_known_fathers_are_not_gaps(example):
    from chronos import model
    import pandas as pd

    events = example.events.copy()
    events.loc[events["event_type"] == "assessment", "person_ids"] += f";{DEAN}"
    example.events = events
    rel = pd.concat([example.relationships, model.conform(
        [{"person_a": DEAN, "person_b": "P-amelia", "kind": "parent"}], "relationships")])
    example.relationships = rel
    gaps = " | ".join(texts(build_case_map(example).gaps))
    assert "Dean Walsh" not in gaps and "father recorded for Amelia" not in gaps
    assert "father recorded for Jordan" in gaps and KERRY


def test_word_case_map_has_three_columns_and_space_for_the_meeting(example, tmp_path):
    doc = Document(str(write_case_map_docx(example, tmp_path / "cm.docx")))
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == [
        "What are we worried about?", "What is working well?", "What do we not know?"]
    assert "Dean Walsh" in table.rows[1].cells[2].text
    assert "Patricia Smith" in table.rows[1].cells[1].text
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Scaling" in text and "Next steps" in text
