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
    assert "Child A" in xml and "Jordan" not in xml
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
