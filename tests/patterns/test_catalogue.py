"""Every catalogue rule, table-driven: the worked examples in data/catalogue_cases.yaml
(a case that must be found and a near miss that must not), plus catalogue-wide checks."""

from pathlib import Path

import pytest
import yaml

from chronos.patterns.checks import run_rule_tests
from chronos.patterns.compile import compile_rule, prepare_sql, to_dialect

CASES = Path(__file__).parent / "data" / "catalogue_cases.yaml"


@pytest.fixture(scope="module")
def results():
    return {(r.rule_id, r.name): r for r in run_rule_tests(CASES)}


def _case_ids():
    return [(t["rule"], t["name"]) for t in yaml.safe_load(CASES.read_text())["tests"]]


@pytest.mark.parametrize("rule_id,name", _case_ids(), ids=[f"{r}: {n}" for r, n in _case_ids()])
def test_catalogue_case(results, rule_id, name):
    result = results[(rule_id, name)]
    assert result.got == result.expected, result.explanations


def test_every_catalogue_rule_has_a_hit_and_a_near_miss(catalogue):
    tests = yaml.safe_load(CASES.read_text())["tests"]
    hits = {t["rule"] for t in tests if t["expect"]}
    misses = {t["rule"] for t in tests if not t["expect"]}
    assert set(catalogue) - hits == set()
    assert set(catalogue) - misses == set()


def test_every_catalogue_rule_transpiles_to_spark(catalogue):
    for rule in catalogue.values():
        spark = to_dialect(compile_rule(rule, "2024-03-31"), "spark")
        assert "SELECT" in spark and "person_id" in spark


def test_prepared_tables_transpile_to_spark():
    for statement in prepare_sql("2024-03-31"):
        assert to_dialect(statement, "spark")


def test_catalogue_rules_are_complete(catalogue):
    assert len(catalogue) >= 30
    for rule in catalogue.values():
        assert rule.source and rule.title and rule.explanation
        assert rule.severity in {"low", "medium", "high"}


def test_docs_rules_md_is_in_step_with_the_catalogue(catalogue):
    """docs/rules.md holds catalogue_markdown() of the shipped rules (regenerate it when a
    rule changes: see docs/writing-rules.md)."""
    from chronos.patterns.present import catalogue_markdown

    docs = (Path(__file__).resolve().parents[2] / "docs" / "rules.md").read_text()
    assert catalogue_markdown(list(catalogue.values())) in docs
    for rule in catalogue.values():
        assert f"### `{rule.id}`" in docs
