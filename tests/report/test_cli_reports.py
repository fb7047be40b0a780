"""The report commands are thin: they build the case and call the library."""

import zipfile

import pytest
from typer.testing import CliRunner

from chronos.cli import app
from chronos.report._example import example_result


@pytest.fixture
def built(monkeypatch):
    import chronos.case

    monkeypatch.setattr(chronos.case, "build_case", lambda case, **kw: example_result())


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_report_writes_the_chosen_formats(built, tmp_path):
    result = run("report", "case.yaml", "--out", tmp_path / "out", "--outputs", "docx,xlsx,csv",
                 "--quiet")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        ".chronos-output.json", "chronology.csv", "chronology.docx", "chronology.xlsx"]
    assert result.stdout.strip().splitlines()[0].endswith("chronology.docx")


def test_report_court_summarise_before_and_child(built, tmp_path):
    result = run("report", "case.yaml", "--out", tmp_path / "o", "--outputs", "csv", "--court",
                 "--summarise-before", "01/01/2019", "--child", "Jordan", "-q")
    assert result.exit_code == 0, result.output
    text = (tmp_path / "o" / "chronology.csv").read_text("utf-8-sig")
    assert text.splitlines()[0] == "No.,Date,Event,Source,Bundle ref"
    assert "summarised" in text and "Amelia was not brought" not in text


def test_report_pseudonymised_with_key_outside(built, tmp_path):
    result = run("report", "case.yaml", "--out", tmp_path / "shared", "--outputs", "docx",
                 "--pseudonymise", "--shift-days", "10", "--key", tmp_path / "k.json", "-q")
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "shared" / "chronology.docx") as z:
        xml = z.read("word/document.xml").decode()
    assert "Child 1" in xml and "Jordan" not in xml
    back = run("reidentify", tmp_path / "shared" / "chronology.docx", "--key", tmp_path / "k.json")
    assert back.exit_code == 0, back.output
    with zipfile.ZipFile(back.stdout.strip()) as z:
        assert "Jordan" in z.read("word/document.xml").decode()


def test_bad_options_are_clear_errors(built, tmp_path):
    assert run("report", "c", "--out", tmp_path / "o", "--outputs", "pptx").exit_code == 1
    bad_date = run("report", "c", "--out", tmp_path / "o", "--summarise-before", "31/02/2020")
    assert bad_date.exit_code == 1 and "not a date" in bad_date.output
    assert run("timeline", "c", "--out", tmp_path / "t.gif").exit_code == 1
    assert not (tmp_path / "o").exists()


def test_timeline_and_casemap_commands(built, tmp_path):
    assert run("timeline", "c", "--out", tmp_path / "t.svg", "--child", "Amelia").exit_code == 0
    assert (tmp_path / "t.svg").read_bytes().startswith(b"<?xml")
    assert run("casemap", "c", "--out", tmp_path / "m.docx").exit_code == 0
    assert run("casemap", "c", "--out", tmp_path / "m.html").exit_code == 0
    assert "What do we not know?" in (tmp_path / "m.html").read_text()


# --------------------------------------------------------------------------- chronos annotate


@pytest.fixture
def case_dir(monkeypatch, tmp_path):
    """A case folder whose build is the example (its annotations.csv is real)."""
    from types import SimpleNamespace

    import chronos.case

    folder = tmp_path / "case"
    folder.mkdir()

    def build(case, **kw):
        result = example_result()
        result.case = SimpleNamespace(root=folder)
        return result
    monkeypatch.setattr(chronos.case, "build_case", build)
    monkeypatch.setattr("getpass.getuser", lambda: "jdoe")
    return folder


def test_annotate_records_decisions_with_who_and_when(case_dir):
    result = run("annotate", case_dir, "--mark-not-significant", "E4e7819b0d2bb",
                 "--note", "E4e7819b0d2bb=nursery photo", "--mark-significant", "Eeec9e4ab21fe")
    assert result.exit_code == 0, result.output
    lines = [line.split("\t") for line in result.stdout.strip().splitlines()]
    assert [line[:4] for line in lines] == [
        ["Eeec9e4ab21fe", "significance", "significant", "jdoe"],
        ["E4e7819b0d2bb", "significance", "not significant", "jdoe"],
        ["E4e7819b0d2bb", "note", "nursery photo", "jdoe"]]
    assert lines[0][4][:4].isdigit() and "T" in lines[0][4]
    assert "3 recorded in" in result.stderr
    again = run("annotate", case_dir, "--mark-significant", "Eeec9e4ab21fe", "--who", "Someone Else")
    assert again.stdout == "" and "0 recorded" in again.stderr and "1 already in force" in again.stderr
    assert len((case_dir / "annotations.csv").read_text("utf-8").splitlines()) == 4


def test_annotate_dismisses_a_finding_only_with_a_reason(case_dir):
    refused = run("annotate", case_dir, "--dismiss", "F-wnb")
    assert refused.exit_code == 1 and "with a reason" in refused.stderr
    assert not (case_dir / "annotations.csv").exists()
    done = run("annotate", case_dir, "--dismiss", "F-wnb", "--reason", "clinic moved them",
               "--json")
    assert done.exit_code == 0, done.output
    import json

    data = json.loads(done.stdout)
    assert data["added"][0] | {"when": ""} == {"target": "F-wnb", "field": "dismissed",
                                               "value": "yes", "who": "jdoe", "when": "",
                                               "reason": "clinic moved them"}


def test_annotate_refuses_ids_the_case_does_not_have_and_writes_nothing(case_dir):
    result = run("annotate", case_dir, "--note", "Eeec9e4ab21fe=fine",
                 "--mark-significant", "Enotthere1234")
    assert result.exit_code == 2 and "no event or finding Enotthere1234" in result.stderr
    assert not (case_dir / "annotations.csv").exists()
    wrong_kind = run("annotate", case_dir, "--dismiss", "Eeec9e4ab21fe", "--reason", "x")
    assert wrong_kind.exit_code == 2 and "finding id" in wrong_kind.stderr
    bad = run("annotate", case_dir, "--note", "no equals sign")
    assert bad.exit_code == 1 and "ID=TEXT" in bad.stderr


def test_annotate_lists_decisions_and_those_the_case_no_longer_has(case_dir):
    run("annotate", case_dir, "--note", "Eeec9e4ab21fe=kept")
    with open(case_dir / "annotations.csv", "a", encoding="utf-8") as handle:
        handle.write("Egone0000001,note,from an older export,A Analyst,2026-11-01T09:00:00,\n")
    listed = run("annotate", case_dir)
    assert listed.exit_code == 0, listed.output
    rows = [line.split("\t") for line in listed.stdout.strip().splitlines()]
    assert [(r[0], r[-1]) for r in rows] == [
        ("Eeec9e4ab21fe", "applied"), ("Egone0000001", "not applied: the case no longer has it")]
    assert "1 about events or findings the case no longer has" in listed.stderr
    assert "Egone0000001" in listed.stderr


def test_decisions_survive_a_rebuild_into_every_chronology(case_dir, tmp_path):
    run("annotate", case_dir, "--mark-not-significant", "E4e7819b0d2bb", "--reason", "not a sign")
    for out in ("first", "second"):  # two builds: the decision is in both
        result = run("report", case_dir, "--out", tmp_path / out, "--outputs", "csv,xlsx,html",
                     "-q")
        assert result.exit_code == 0, result.output
        csv_text = (tmp_path / out / "chronology.csv").read_text("utf-8-sig")
        assert "Marked not significant (jdoe, " in csv_text and "not a sign" in csv_text
        assert "Review decisions" in load_workbook_names(tmp_path / out / "chronology.xlsx")
        assert 'id="decisions"' in (tmp_path / out / "chronology.html").read_text("utf-8")


def load_workbook_names(path):
    from openpyxl import load_workbook

    return load_workbook(path).sheetnames


def test_bundle_references_typed_in_word_reach_the_next_court_chronology(case_dir, tmp_path):
    from docx import Document

    first = run("report", case_dir, "--out", tmp_path / "c1", "--court", "--outputs", "docx",
                "-q")
    assert first.exit_code == 0, first.output
    path = tmp_path / "c1" / "chronology.docx"
    doc = Document(str(path))
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "No.")
    table.rows[2].cells[4].text = "C23"
    doc.save(str(path))
    done = run("annotate", case_dir, "--refs-from", path)
    assert done.exit_code == 0, done.output
    assert done.stdout.split("\t")[1:3] == ["bundle_ref", "C23"]
    again = run("report", case_dir, "--out", tmp_path / "c2", "--court", "--outputs", "csv", "-q")
    assert again.exit_code == 0, again.output
    rows = (tmp_path / "c2" / "chronology.csv").read_text("utf-8-sig").splitlines()
    assert rows[2].endswith(",C23")
