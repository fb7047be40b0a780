"""``chronos returns new|check|status`` as a user meets them: output, JSON, exit codes."""

from __future__ import annotations

import json

import yaml
from typer.testing import CliRunner

from chronos.cli import app
from tests.returns.agency import fill_docx
from tests.returns.conftest import template

runner = CliRunner()


def run(*args):
    return runner.invoke(app, ["returns", *map(str, args)])


def test_new_writes_two_templates_per_agency(tmp_path):
    case = tmp_path / "child-d"
    result = run("new", case, "--agencies", "GP, Oakfield Primary ,Police", "--child",
                 "Jade Smith", "--dob", "03/05/2016", "--from", "01/01/2019", "--to",
                 "31/03/2024", "--due", "10/05/2024")
    assert result.exit_code == 0, result.output
    paths = result.stdout.split()
    assert paths == [str(case / "returns" / "templates" / f"{name}{suffix}")
                     for name in ("gp", "oakfield-primary", "police")
                     for suffix in (".docx", ".xlsx")]
    assert "created" in result.output and "R-" in result.output
    again = run("new", case, "--agencies", "Housing", "--json")
    data = json.loads(again.stdout)
    assert data["child_dob"] == "2016-05-03" and data["period"] == ["2019-01-01", "2024-03-31"]
    assert data["agencies"][0]["agency"] == "Housing"


def test_check_prints_numbered_messages_and_exits_1_on_errors(review, tmp_path):
    rows = [("31/02/2021", "", "HV", "Visit", "", "", ""), ("03/04/2021", "", "HV", "", "", "",
                                                           "")]
    path = fill_docx(template(review, "health-visiting", ".docx"), tmp_path / "hv.docx", rows)
    result = run("check", path, "--case", review)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "1. [error, check 12] table 1, row 2, column 1 (Date): the date '31/02/2021' cannot be read: "
        "31 February 2021 does not exist; the row is not in the chronology until it is "
        "corrected",
        "2. [error, check 14] table 1, row 3, column 4 (Event): the row has no event: nothing is said "
        "about what happened"]
    assert "report for the agency" in result.output and "added as source" in result.output
    assert "return-health-visiting" in yaml.safe_load((review / "case.yaml").read_text())[
        "sources"][0]["name"]


def test_check_json_and_a_clean_return_exits_0(review, tmp_path):
    rows = [("03/04/2021", "", "HV", "Home visit", "Advice", "", "")]
    path = fill_docx(template(review, "health-visiting", ".docx"), tmp_path / "hv.docx", rows)
    result = run("check", path, "--case", review, "--json", "--no-record")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["agency"], data["events"], data["messages"], data["recorded"]) == (
        "Health visiting", 1, [], None)
    assert yaml.safe_load((review / "case.yaml").read_text())["sources"] == []
    assert data["report"] is None and not (review / "returns" / "reports").exists()


def test_check_no_record_writes_the_report_only_where_asked(review, tmp_path):
    rows = [("03/04/2021", "", "HV", "Home visit", "Advice", "", "")]
    path = fill_docx(template(review, "health-visiting", ".docx"), tmp_path / "hv.docx", rows)
    result = run("check", path, "--case", review, "--no-record", "--report",
                 tmp_path / "mine.docx")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "mine.docx").is_file()
    assert not (review / "returns" / "reports").exists()


def test_check_finds_the_case_a_file_was_saved_in(review):
    inbox = review / "returns" / "received"
    inbox.mkdir()
    path = fill_docx(template(review, "police", ".docx"), inbox / "police.docx",
                     [("03/04/2021", "", "PC 1", "Domestic incident", "DASH", "", "")])
    result = run("check", path)
    assert result.exit_code == 0, result.output
    assert "Police: added as source return-police" in result.output


def test_check_outside_any_case_says_so(review, tmp_path):
    path = fill_docx(template(review, "police", ".docx"), tmp_path / "p.docx", [])
    result = run("check", path)
    assert result.exit_code == 0 and "not recorded" in result.output


def test_status_table_and_json(review):
    result = run("status", review)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Returns: review (Jade Smith; 2019-01-01 to 2024-03-31)"
    assert lines[1].split() == ["agency", "state", "due", "received", "rows", "errors",
                                "warnings", "note"]
    assert len(lines) == 6
    data = json.loads(run("status", review, "--json").stdout)
    assert [a["agency"] for a in data["agencies"]] == [
        "Health visiting", "Housing", "Oakfield Primary School", "Police"]


def test_errors_are_one_clear_line(tmp_path):
    (tmp_path / "case.yaml").write_text("case: x\nsources: []\n")
    result = run("status", tmp_path)
    assert result.exit_code == 1 and "no returns were issued" in result.output
    assert "Traceback" not in result.output
    (tmp_path / "chronos.toml").write_text('[returns]\ncolumns = ["date"]\n')
    result = run("new", tmp_path, "--agencies", "GP", "--child", "Jade Smith", "--dob",
                 "03/05/2016")
    assert result.exit_code == 2 and "must include event" in result.output
    result = run("check", tmp_path / "missing.docx")
    assert result.exit_code == 1 and "file not found" in result.output
