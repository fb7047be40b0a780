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
    (tmp_path / "notes.txt").write_text("just some text\n")
    (tmp_path / "case.yaml").write_text("case: x\nsources:\n  - {path: notes.txt}\n")
    result = runner.invoke(app, ["build", str(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 3
    assert "notes.txt" in result.output and "formats tried" in result.output
    assert not (tmp_path / "out").exists()
