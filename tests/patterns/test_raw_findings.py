"""The raw findings every engine's findings SQL gives are the columns named once in
``model.RAW_FINDINGS``, which is what rendering reads."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
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


def _raw(frame: pd.DataFrame) -> list[tuple]:
    """Raw findings comparable across engines: text NULL and '' alike, counts as int."""
    rows = []
    for rec in frame.to_dict("records"):
        rows.append(tuple(int(rec[c]) if c in ("n", "approx") else (rec[c] or "")
                          for c in model.RAW_FINDINGS))
    return sorted(rows)


@pytest.fixture(scope="module")
def spark_engine(connection, spark, tmp_path_factory):
    from chronos.sql.engines import SparkSQLEngine

    folder = tmp_path_factory.mktemp("raw-spark")
    for name in ("events_in", "persons_in", "relationships_in"):
        connection.execute(f"COPY (SELECT * FROM {name}) TO '{folder / name}.parquet' (FORMAT parquet)")
    engine = SparkSQLEngine(spark, folder / "tables")
    for name in ("events_in", "persons_in", "relationships_in"):
        engine.view(name, folder / f"{name}.parquet")
    engine.prepare(comp.prepare_sql(AS_OF, text=True))
    yield engine
    engine.close()


def _one_rule_per_type() -> list:
    """The first catalogue rule of each rule type (Spark plans each rule for a second or
    two: the whole catalogue would take minutes)."""
    chosen = {}
    for rule in resolve_rules():
        chosen.setdefault(rule.type, rule)
    return list(chosen.values())


@pytest.mark.spark
def test_spark_gives_the_raw_findings_of_duckdb(connection, spark_engine):
    """Spark, with the plan that uses the most constructs (one pass; the screen's Spark
    test runs the default plan), gives DuckDB's raw findings."""
    found, rules = 0, _one_rule_per_type()
    assert len(rules) == 8
    for rule in rules:
        structural = rule.type == "structural"
        duck = connection.execute(comp.findings_sql(
            comp.compile_rule(rule, AS_OF), rule.id, structural=structural)).df()
        sql = comp.findings_sql(comp.compile_rule(rule, AS_OF, dialect="spark"), rule.id,
                                structural=structural, one_pass=True, dialect="spark")
        assert _raw(spark_engine.spark.sql(sql).toPandas()) == _raw(duck), rule.id
        found += len(duck)
    assert found > 5


def _shared_passes() -> list:
    """The catalogue's shared passes (:mod:`chronos.patterns.passes`)."""
    from chronos.patterns import passes

    return [run for run in passes.plan(resolve_rules()) if run.shared]


@pytest.mark.parametrize("one_pass", [False, True])
def test_a_shared_pass_gives_the_raw_finding_columns_after_the_rule(connection, one_pass):
    runs = _shared_passes()
    assert {run.rules[0].type for run in runs} == {"count_in_window", "recurrence"}
    for run in runs:
        sql = run.findings_sql(AS_OF, one_pass=one_pass)
        columns = [d[0] for d in connection.execute(f"SELECT * FROM ({sql}) LIMIT 0").description]
        assert columns == ["rule_id", *model.RAW_FINDINGS], run.key


@pytest.mark.spark
def test_spark_gives_duckdbs_raw_findings_of_a_shared_pass(connection, spark_engine):
    """The recurrence pass and a count pass of two rules of different windows, on Spark."""
    from chronos.patterns import passes

    rules = {r.id: r for r in resolve_rules()}
    picked = [rules[i] for i in ("wnb_health", "ae_frequent", "re_referral", "head_lice_repeated")]
    found = 0
    for run in passes.plan(picked):
        assert run.shared, run.key
        duck = connection.execute(run.findings_sql(AS_OF)).df()
        spark = spark_engine.spark.sql(run.findings_sql(AS_OF, "spark", one_pass=True)).toPandas()
        assert _raw(spark) == _raw(duck), run.key  # the finding ids hash each row's rule
        assert sorted(spark["rule_id"]) == sorted(duck["rule_id"]), run.key
        found += len(duck)
    assert found > 0
