import stat

import pytest

from chronos.report import docx_writer, xlsx_writer
from chronos.report.outputs import parse_formats, write_reports
from chronos.errors import OutputError
from chronos.report.safe_files import MARKER, staged_files


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_every_output_is_owner_only(example, tmp_path):
    out = tmp_path / "new" / "reports"
    run = write_reports(example, out, formats=["docx", "xlsx", "html", "csv", "md", "timeline",
                                               "casemap", "report"])
    assert mode(out) == 0o700 and mode(out.parent) == 0o700
    assert run.files and all(mode(p) == 0o600 for p in run.files)
    assert mode(out / MARKER) == 0o600
    assert sorted(p.name for p in out.iterdir()) == sorted([MARKER, *(p.name for p in run.files)])


@pytest.mark.parametrize("module, writer, name", [
    (docx_writer, "write_docx", "c.docx"), (xlsx_writer, "write_xlsx", "c.xlsx")])
def test_a_failure_mid_write_leaves_no_file(chron, tmp_path, monkeypatch, module, writer, name):
    calls = {"n": 0}
    original = module.neutralise if hasattr(module, "neutralise") else module.clean
    target = "neutralise" if hasattr(module, "neutralise") else "clean"

    def fail_later(value):
        calls["n"] += 1
        if calls["n"] > 50:
            raise OSError("disk full")
        return original(value)

    monkeypatch.setattr(module, target, fail_later)
    with pytest.raises(OSError, match="disk full"):
        getattr(module, writer)(chron, tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_run_changes_nothing_in_the_output_folder(example, tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_reports(example, out, formats=["csv"])
    before = (out / "chronology.csv").read_bytes()
    import chronos.report.md_writer as md

    monkeypatch.setattr(md, "render_markdown", lambda chron: 1 / 0)
    example.events = example.events.iloc[:5]
    with pytest.raises(ZeroDivisionError):
        write_reports(example, out, formats=["csv", "md"])
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "chronology.csv"]
    assert (out / "chronology.csv").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_staged_files_keep_what_a_person_added_to_a_chronos_folder(tmp_path):
    with staged_files(tmp_path / "out") as stage:
        (stage / "old.txt").write_text("x")
    (tmp_path / "out" / "mine.txt").write_text("keep")
    with staged_files(tmp_path / "out") as stage:
        (stage / "new.txt").write_text("x")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        MARKER, "mine.txt", "new.txt", "old.txt"]
    assert (tmp_path / "out" / "mine.txt").read_text() == "keep"


def test_staged_files_refuse_a_folder_chronos_did_not_make(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "mine.txt").write_text("keep")
    with pytest.raises(OutputError, match="files chronos did not write"):
        with staged_files(tmp_path / "out") as stage:
            (stage / "mine.txt").write_text("x")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["mine.txt"]
    assert (tmp_path / "out" / "mine.txt").read_text() == "keep"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_parse_formats():
    from chronos.errors import ChronosError

    assert parse_formats("docx, XLSX,docx") == ["docx", "xlsx"]
    assert "report" in parse_formats(None)
    with pytest.raises(ChronosError, match="unknown format"):
        parse_formats("docx,pptx")
