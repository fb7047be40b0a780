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


# --------------------------------------------------------------- --out never removes (issue 13)
import hashlib
import shutil
from pathlib import Path

from typer.testing import CliRunner

from chronos.cli import app

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "smith-family"


def snapshot(root: Path) -> dict:
    """Every path under ``root`` with its kind and content hash."""
    found = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            found[rel] = "link->" + str(path.readlink())
        elif path.is_dir():
            found[rel] = "dir"
        else:
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture
def workspace(tmp_path):
    """A copy of the example case, a person's notes folder, a file and a link beside it."""
    shutil.copytree(EXAMPLE, tmp_path / "case")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "visit.txt").write_text("my notes")
    (tmp_path / "summary.docx").write_text("not chronos's")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "keep.txt").write_text("keep")
    (tmp_path / "linked").symlink_to(tmp_path / "elsewhere")
    return tmp_path


OUTS = {"the case folder": "case", "inside the case folder": "case/out",
        "the exports folder": "case/exports", "inside the exports folder": "case/exports/out",
        "the case folder's parent": ".", "a folder of notes": "notes",
        "a file": "summary.docx", "a symbolic link": "linked", "under a file": "summary.docx/out"}


@pytest.mark.parametrize("command", ["build", "report", "screen", "link"])
@pytest.mark.parametrize("where", list(OUTS))
def test_out_never_removes_a_file_chronos_did_not_write(workspace, command, where):
    before = snapshot(workspace)
    out = workspace / OUTS[where] if OUTS[where] != "." else workspace
    result = CliRunner().invoke(app, [command, str(workspace / "case"), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "hint:" in result.output
    assert snapshot(workspace) == before


@pytest.mark.parametrize("command, name", [("genogram", "g.png"), ("ecomap", "e.png"),
                                           ("timeline", "t.png"), ("casemap", "c.docx")])
def test_a_chart_is_never_written_into_the_case_or_over_a_link(workspace, command, name):
    (workspace / "elsewhere" / name).write_text("mine")
    (workspace / "link.png").symlink_to(workspace / "elsewhere" / name)
    before = snapshot(workspace)
    for out in (workspace / "case" / "exports" / name, workspace / "link.png",
                workspace / "notes"):
        result = CliRunner().invoke(app, [command, str(workspace / "case"), "--out", str(out)])
        assert result.exit_code == 1, result.output
        assert "hint:" in result.output
    assert snapshot(workspace) == before
