import pytest
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


def test_a_factor_is_one_line_whichever_agency_recorded_it_and_how():
    import pandas as pd

    from chronos.report.case_map import _complicating

    rows = pd.DataFrame({
        "No.": [3, 5, 8, 9],
        "Date": ["10/06/2022", "20/06/2022", "09/05/2023", "01/06/2023"],
        "agency": ["GP", "Police", "GP", "Housing"],
        "kind": ["context", "context", "context", "positive"],
        "label": ["Parental mental ill-health / Appointment attended",
                  "Parental mental ill-health",
                  "Parental mental ill-health / Appointment attended",
                  "Appointment attended"]})
    [factor] = _complicating(rows)
    assert factor.text == "Parental mental ill-health ×3"
    assert factor.detail == "GP, Police; 10/06/2022 to 09/05/2023"
    assert factor.evidence == ["3", "5", "8"]


def test_working_well_is_demonstrated_safety_not_appointments_kept(example):
    cm = build_case_map(example)
    assert [i.evidence for i in cm.working_well] == [["15"], ["25"]]
    assert "Grandmother Pat Smith collecting Jordan" in cm.working_well[0].text
    assert not any("Attended" in t or "attended" in t for t in texts(cm.working_well))
    assert texts(cm.protective_people) == ["Kerry Smith (parent)", "Patricia Smith (carer)"]


def test_a_carer_named_only_in_the_text_or_the_family_file_is_protective(example):
    """The grandmother who gives after-school care: named in the record's words, not as
    one of its people; a carer with no record at all is still listed."""
    from chronos.report._example import PAT

    events = example.events.copy()
    events["person_ids"] = events["person_ids"].fillna("").map(
        lambda ids: ";".join(i for i in ids.split(";") if i != PAT))
    events.loc[events["summary"].fillna("").str.startswith("Grandmother"), "summary"] = \
        "Family network meeting: Patricia Smith to collect Jordan from school twice weekly."
    example.events = events
    people = {i.text: i for i in build_case_map(example).protective_people}
    assert people["Patricia Smith (carer)"].evidence == ["15"]
    example.events = events[~events["summary"].fillna("").str.contains("Patricia")]
    people = {i.text: i for i in build_case_map(example).protective_people}
    assert people["Patricia Smith (carer)"].detail == "recorded as a carer"


def test_danger_statements_and_safety_goals_are_drafted_from_the_findings(example):
    cm = build_case_map(example)
    assert len(cm.dangers) == len(cm.goals) == 2  # one per harm category
    assert cm.dangers[0].text.startswith("GP are worried that Jordan may not get the health "
                                         "care they need: the records show repeated")
    assert cm.dangers[0].evidence == ["4", "7", "18"]
    assert cm.goals[1].text.startswith("For Jordan: a home that is safe, warm and clean")
    assert all(i.detail == "Draft from the records: edit with the family."
               for i in cm.dangers + cm.goals)


def test_a_dismissed_finding_drafts_nothing(example, decisions):
    from chronos.report.document import ChronologyOptions, build_chronology

    chron = build_chronology(example, ChronologyOptions(annotations=decisions))
    cm = build_case_map(example, chron)
    assert [t.split()[0] for t in texts(cm.harm)] == ["F2"]
    assert len(cm.dangers) == 1 and "hurt, or live somewhere unsafe" in cm.dangers[0].text
    assert "health care" not in " ".join(texts(cm.dangers))


def test_everyone_scores_on_the_scale(example):
    scorers = build_case_map(example).scorers
    assert scorers[:3] == ["Kerry Smith (parent)", "Dean Walsh (adult)", "Patricia Smith (carer)"]
    assert "GP" in scorers and "School" in scorers and not any("Jordan" in s for s in scorers)


def test_long_lists_are_capped_and_counted(example):
    from chronos.report.case_map import MAX_ITEMS, _capped, Item

    items = [Item(str(i)) for i in range(MAX_ITEMS["harm"] + 3)]
    capped = _capped(items, "harm", "more findings")
    assert len(capped) == MAX_ITEMS["harm"] + 1 and capped[-1].text == "… and 3 more findings"
    assert _capped(items[:MAX_ITEMS["harm"] + 1], "harm", "more findings")[-1].text == \
        "… and 1 more finding"


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


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def test_word_case_map_has_the_three_questions_and_the_scale(example, tmp_path):
    doc = Document(str(write_case_map_docx(example, tmp_path / "cm.docx")))
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == [
        "What are we worried about?", "What's working well?", "What needs to happen?"]
    assert table.rows[0]._tr.find(f"{W}trPr/{W}tblHeader") is not None
    worries, well, next_steps = (c.text for c in table.rows[1].cells)
    assert "What do we not know?" in worries and "Dean Walsh" in worries
    assert "Complicating factors" in worries
    assert "Patricia Smith" in well and "Demonstrated safety" in well
    assert "Danger statements" in next_steps and "Safety goals" in next_steps
    assert "Next steps" in next_steps
    scale = doc.tables[1]
    assert [c.text for c in scale.rows[0].cells] == ["Who", "Score (0–10)", "Why this number"]
    assert [r.cells[0].text for r in scale.rows[1:4]] == [
        "Kerry Smith (parent)", "Dean Walsh (adult)", "Patricia Smith (carer)"]
    assert "0 to 10" in "\n".join(p.text for p in doc.paragraphs)


def test_the_smith_family_case_map_fits_two_pages(tmp_path):
    """Sixteen findings, thirty-odd routine appointments: still two pages at most."""
    import shutil
    import subprocess
    from pathlib import Path

    from pypdf import PdfReader

    from chronos.case import build_case

    office = shutil.which("soffice") or shutil.which("libreoffice")
    if not office:
        pytest.skip("LibreOffice is not installed: cannot count printed pages here")
    result = build_case(Path(__file__).resolve().parents[2] / "examples" / "smith-family")
    path = write_case_map_docx(result, tmp_path / "cm.docx")
    subprocess.run([office, f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                    "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   capture_output=True, timeout=240, check=True)
    assert len(PdfReader(str(tmp_path / "cm.pdf")).pages) <= 2
