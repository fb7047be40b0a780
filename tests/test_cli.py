"""The command line as a user meets it: help, version, errors without tracebacks."""

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from chronos.cli import app

runner = CliRunner()


def test_help_lists_every_command_with_a_summary():
    result = runner.invoke(app, ["-h"])
    assert result.exit_code == 0
    for command in ("build", "chronology", "formats", "inspect", "flags", "rules",
                    "genogram", "ecomap"):
        assert command in result.output


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("chronos ")


def test_a_build_runs_with_fewer_garbage_collections():
    import gc

    from chronos import cli

    before = gc.get_threshold()      # another test's build may have tuned it already
    gc.set_threshold(700, 10, 10)    # Python's defaults
    try:
        assert runner.invoke(app, ["build", "nowhere"]).exit_code == 2
        assert gc.get_threshold() == cli.BUILD_GC_THRESHOLDS
    finally:
        gc.set_threshold(*before)


def test_help_does_not_import_heavy_libraries():
    code = ("import contextlib, io, sys\n"
            "from chronos.cli import app\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n        app(['--help'])\n    except SystemExit:\n        pass\n"
            "print(sorted(m for m in ('pandas', 'duckdb', 'matplotlib', 'splink', 'docx',"
            " 'openpyxl', 'numpy', 'networkx') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("args, code, fragment", [
    (["build", "nowhere"], 2, "case manifest not found"),
    (["chronology", "nowhere"], 2, "case manifest not found"),
])
def test_errors_are_one_clear_line_not_a_traceback(args, code, fragment):
    result = runner.invoke(app, args)
    assert result.exit_code == code
    assert fragment in result.output
    assert "Traceback" not in result.output


def test_build_on_a_wrong_file_names_it(tmp_path):
    case = tmp_path / "case"
    case.mkdir()
    (case / "notes.txt").write_text("just some text\n")
    (case / "case.yaml").write_text("case: x\nsources:\n  - {path: notes.txt}\n")
    result = runner.invoke(app, ["build", str(case), "--out", str(tmp_path / "out")])
    assert result.exit_code == 3
    assert "notes.txt" in result.output and "formats tried" in result.output
    assert not (tmp_path / "out").exists()


def _commands():
    """Every command of the ``chronos`` tree: (name, click command)."""
    import typer

    def walk(group, prefix):
        for name, command in group.commands.items():
            if getattr(command, "commands", None):
                yield from walk(command, f"{prefix}{name} ")
            else:
                yield f"{prefix}{name}", command

    return list(walk(typer.main.get_command(app), ""))


def test_every_command_prints_json_when_asked():
    without = [name for name, command in _commands()
               if not any("--json" in p.opts for p in command.params)]
    assert without == []


def test_an_option_name_means_one_thing_in_every_command():
    """Each option name has one help text across commands (--out says what is written)."""
    meanings: dict[str, set[str]] = {}
    for _, command in _commands():
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("-") and opt not in ("--out", "-o"):
                    meanings.setdefault(opt, set()).add(param.help)
    assert {opt: helps for opt, helps in meanings.items() if len(helps) > 1} == {}
    assert {"--quiet", "--rules", "--json", "--child"} <= set(meanings)


def test_shell_completion_is_offered():
    result = runner.invoke(app, ["--help"])
    assert "--install-completion" in result.output and "--show-completion" in result.output


@pytest.mark.parametrize("text, iso", [("2020-04-01", "2020-04-01"), ("01/04/2020", "2020-04-01"),
                                       ("1850-01-01", "1850-01-01"), (None, None)])
def test_one_date_option_parser(text, iso):
    from chronos.dates import date_option

    assert date_option(text, "--as-of") == iso


def test_a_bad_date_option_names_the_option():
    from chronos.dates import date_option
    from chronos.errors import ChronosError

    with pytest.raises(ChronosError, match="--since: '31/02/2020' is not a date"):
        date_option("31/02/2020", "--since")


def test_inspect_tries_a_mapping_on_one_file(tmp_path):
    (tmp_path / "log.csv").write_text(
        "Pupil Ref,Pupil,Incident Date,Notes\n"
        "P1,Kayden Brookes,12-Sep-2023,Came in hungry again\n"
        "P1,Kayden Brookes,31/11/2023,Toothache\n", "utf-8")
    (tmp_path / "school.yaml").write_text(
        "person: {id: Pupil Ref, name: Pupil}\n"
        "events:\n  - {date: Incident Date, summary: Notes,"
        " type: {column: Notes, unmapped: keywords}}\n", "utf-8")
    result = runner.invoke(app, ["inspect", str(tmp_path / "log.csv"), "--mapping",
                                 str(tmp_path / "school.yaml"), "--json"])
    assert result.exit_code == 0, result.output
    import json

    found = json.loads(result.stdout)
    assert found["format"] == "mapped"
    assert [(e["event_type"], e["person_ids"]) for e in found["events"]] == [
        ("hunger", "file:P1")]
    assert [q["code"] for q in found["quarantine"]] == ["date.impossible"]
    missing = runner.invoke(app, ["inspect", str(tmp_path / "log.csv"), "-m",
                                  str(tmp_path / "nowhere.yaml")])
    assert missing.exit_code == 2 and "mapping file not found" in missing.output
