"""`chronos flags` and `chronos rules list|show|test`, on a tiny case read by a test-only
ingester (YAML with persons, relationships and events)."""

import json

import pytest
import yaml
from typer.testing import CliRunner

from chronos import model
from chronos.cli import app
from chronos.ingest.base import Ingester, SourceResult, register


@register
class _PatternRows(Ingester):
    """Test format: a YAML file with persons, relationships and events (record keys local)."""

    name = "test_pattern_rows"
    description = "test only"

    def read(self, source):
        data = yaml.safe_load(source.path.read_text())
        result = SourceResult(source=source, format=self.name)
        key = lambda local: f"{source.name}:{local}"  # noqa: E731
        events = []
        for number, ev in enumerate(data["events"], 1):
            result.records_read += 1
            result.records_to_data += 1
            events.append({**ev, "person_ids": ";".join(key(p) for p in ev["person_ids"].split(";")),
                           "source_file": source.file_label, "source_ref": str(number),
                           "date_precision": "day", "source_format": self.name})
        result.events = model.conform(events, "events")
        result.persons = model.conform([{**p, "record_key": key(p["id"]), "source_file": source.file_label,
                                         "source_ref": p["id"]} for p in data["persons"]], "persons")
        result.relationships = model.conform(
            [{**r, "person_a": key(r["person_a"]), "person_b": key(r["person_b"])}
             for r in data.get("relationships", [])], "relationships")
        return result


CASE = {
    "persons": [{"id": "C1", "given_name": "Cal", "family_name": "Test", "dob": "2020-01-15", "role": "child"},
                {"id": "M1", "given_name": "Mia", "family_name": "Test", "dob": "1990-04-02", "role": "parent"}],
    "relationships": [{"person_a": "M1", "person_b": "C1", "kind": "parent"}],
    "events": [
        {"event_id": "W1", "date": "2023-01-04", "event_type": "was_not_brought", "person_ids": "C1", "agency": "GP"},
        {"event_id": "W2", "date": "2023-05-01", "event_type": "was_not_brought", "person_ids": "C1",
         "agency": "dental"},
        {"event_id": "W3", "date": "2023-09-20", "event_type": "was_not_brought", "person_ids": "C1",
         "agency": "paediatric"},
        {"event_id": "A1", "date": "2023-10-01", "event_type": "attendance_summary", "person_ids": "C1",
         "agency": "School", "value": 40},
    ],
}


@pytest.fixture
def case_dir(tmp_path):
    (tmp_path / "records.yaml").write_text(yaml.safe_dump(CASE))
    (tmp_path / "case.yaml").write_text(
        "case: Test family\nas_of: 2024-03-31\nsources:\n"
        "  - {name: all, path: records.yaml, format: test_pattern_rows, agency: Mixed}\n")
    return tmp_path


runner = CliRunner()


def test_flags_json_groups_by_child_and_category_with_evidence(case_dir):
    result = runner.invoke(app, ["flags", str(case_dir), "--json", "--quiet"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    (child,) = data["children"]
    assert child["name"] == "Cal Test" and data["as_of"] == "2024-03-31"
    cats = {c["category"]: c["findings"] for c in child["categories"]}
    assert set(cats) == {"medical", "educational"}
    (wnb,) = cats["medical"]
    assert wnb["rule_id"] == "wnb_health"
    assert [e["event_id"] for e in wnb["evidence"]] == ["W1", "W2", "W3"]
    assert wnb["evidence"][0]["date"] == "04/01/2023" and wnb["evidence"][0]["source"] == "records.yaml row 1"


def test_flags_text_shows_explanations_and_evidence(case_dir):
    result = runner.invoke(app, ["flags", str(case_dir), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "3 was-not-brought health appointments in 9 months (GP, dental, paediatric)" in result.stdout
    assert "Attendance below 90% for 1 term(s) in a row" in result.stdout and "lowest 40%" in result.stdout
    assert "04/01/2023" in result.stdout


def test_flags_rules_file_replaces_a_rule(case_dir, tmp_path):
    rules = tmp_path / "local.yaml"
    rules.write_text(yaml.safe_dump({"rules": [{
        "id": "wnb_health", "title": "Local WNB", "type": "count_in_window", "category": "medical",
        "severity": "high", "select": {"event_type": "was_not_brought"},
        "params": {"min_count": 4, "window": "12 months"}, "explanation": "{count}", "source": "local"}]}))
    result = runner.invoke(app, ["flags", str(case_dir), "--json", "--quiet", "--rules", str(rules)])
    assert result.exit_code == 0, result.output
    rule_ids = [f["rule_id"] for c in json.loads(result.stdout)["children"] for cat in c["categories"]
                for f in cat["findings"]]
    assert rule_ids == ["absence_persistent"]


def test_flags_params_override(case_dir, tmp_path):
    params = tmp_path / "overrides.yaml"
    params.write_text("overrides:\n  absence_persistent: {below: 30}\n")
    result = runner.invoke(app, ["flags", str(case_dir), "--json", "--quiet", "--params", str(params)])
    rule_ids = [f["rule_id"] for c in json.loads(result.stdout)["children"] for cat in c["categories"]
                for f in cat["findings"]]
    assert rule_ids == ["wnb_health"]


def test_rules_list_json_covers_the_catalogue():
    result = runner.invoke(app, ["rules", "list", "--json"])
    ids = [r["id"] for r in json.loads(result.stdout)]
    assert result.exit_code == 0 and "invisible_adult" in ids and len(ids) == len(set(ids))


def test_rules_show_and_unknown_rule():
    shown = runner.invoke(app, ["rules", "show", "wnb_health"])
    assert shown.exit_code == 0 and yaml.safe_load(shown.stdout)["params"]["window"] == "9 months"
    missing = runner.invoke(app, ["rules", "show", "nope"])
    assert missing.exit_code == 2 and "no rule 'nope'" in missing.output


def test_rules_test_reports_failures_with_exit_1(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump({"tests": [
        {"rule": "wnb_health", "name": "expects too much",
         "events": [["E1", "2023-01-04", "was_not_brought", "C1", "GP"]], "expect": [["C1", "E1"]]}]}))
    result = runner.invoke(app, ["rules", "test", str(path)])
    assert result.exit_code == 1 and "FAIL wnb_health: expects too much" in result.stdout


def test_rules_test_invalid_rule_names_the_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"rules": [{"id": "x", "title": "X", "type": "count_in_window",
                                               "category": "medical", "severity": "low",
                                               "select": {"event_type": "did_not_attend"},
                                               "explanation": "x", "source": "x"}]}))
    result = runner.invoke(app, ["rules", "test", str(path)])
    assert result.exit_code == 2
    assert "bad.yaml" in result.output and "unknown event type 'did_not_attend'" in result.output
