"""The raw findings every engine's findings SQL gives are the columns named once in
``model.RAW_FINDINGS``, which is what rendering reads."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot

from chronos import model
from chronos.patterns import compile as comp
from chronos.patterns.engine import connect, resolve_rules

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "smith-family"
AS_OF = "2024-03-31"


@pytest.fixture(scope="module")
def connection():
    from chronos.case import build_case

    result = build_case(EXAMPLE, stages=("link", "dedupe"))
    con = connect(result.events, result.persons, result.relationships)
    for statement in comp.prepare_sql(AS_OF, text=True):
        con.execute(statement)
    yield con
    con.close()


@pytest.mark.parametrize("one_pass", [False, True])
def test_duckdb_findings_sql_gives_the_raw_finding_columns(connection, one_pass):
    for rule in resolve_rules():
        sql = comp.findings_sql(comp.compile_rule(rule, AS_OF), rule.id,
                                structural=rule.type == "structural", one_pass=one_pass)
        columns = [d[0] for d in connection.execute(f"SELECT * FROM ({sql}) LIMIT 0").description]
        assert columns == list(model.RAW_FINDINGS), rule.id


def test_spark_findings_sql_gives_the_raw_finding_columns():
    from chronos.screen.engines import spark_rule_sql

    for rule in resolve_rules():
        outer = sqlglot.parse_one(spark_rule_sql(rule, AS_OF), read="spark")
        inner = outer.find(sqlglot.exp.Subquery).this
        names = [outer.selects[0].alias] + [e.alias_or_name for e in inner.selects]
        assert names == list(model.RAW_FINDINGS), rule.id
