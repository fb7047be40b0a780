"""The SQL dialects: every construct gives the same values on DuckDB and on Spark, with the
NULLs, repeats and empty groups where the engines' defaults differ."""

from __future__ import annotations

import duckdb
import pytest

from chronos import model
from chronos.errors import ChronosError
from chronos.sql import DUCKDB, SPARK, dialect

#: (g, v, d, e): a group with a NULL value, a NULL date, a repeat and mixed case; a
#: group whose values are all NULL
ROWS = [(1, "b", "2020-01-02", "e2"), (1, "a", None, "e1"), (1, "C", "2020-01-01", "e3"),
        (1, None, "2020-01-01", "e0"), (1, "b", "2020-01-02", "e4"), (2, None, "2020-01-01", "e9")]
VALUES = ", ".join(
    f"({g}, {'NULL' if v is None else repr(v)}, "
    f"{'CAST(NULL AS DATE)' if d is None else f'DATE {d!r}'}, {e!r})" for g, v, d, e in ROWS)


def aggregates(d) -> str:
    return f"""SELECT g,
  {d.agg_sorted_distinct('v')} AS sorted_distinct,
  {d.agg_sorted_distinct_by('v', 'lower(v)')} AS by_key,
  {d.agg_in_order('v', ['d', 'e'])} AS in_order,
  {d.list_join(d.agg_sorted_list("e || ':' || v"), "'|'")} AS sorted_list,
  {d.list_len(d.agg_set('v'))} AS n_set
FROM t GROUP BY g ORDER BY g"""


EXPECTED = [
    (1, "C;a;b", "a;b;C", "C;b;b;a", "e1:a|e2:b|e3:C|e4:b", 3),
    (2, None, None, None, None, 0),
]


def duck_rows(sql: str) -> list[tuple]:
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t AS SELECT * FROM (VALUES {VALUES}) t(g, v, d, e)")
    return con.execute(sql).fetchall()


def spark_rows(spark, sql: str) -> list[tuple]:
    spark.sql(f"CREATE OR REPLACE TEMP VIEW t AS SELECT * FROM VALUES {VALUES} AS t(g, v, d, e)")
    return [tuple(row) for row in spark.sql(sql).collect()]


def test_duckdb_aggregates():
    assert duck_rows(aggregates(DUCKDB)) == EXPECTED


@pytest.mark.spark
def test_spark_aggregates_are_duckdbs(spark):
    assert spark_rows(spark, aggregates(SPARK)) == EXPECTED


def lists(d) -> str:
    items = "xs"
    doubled = d.list_map(items, "x", "x || x")
    kept = d.list_filter(items, "x", "x <> 'b'")
    return f"""SELECT {d.list_join(d.list_sort(d.list_distinct(items)), "';'")},
  {d.list_join(doubled, "';'")}, {d.list_join(kept, "';'")}, {d.list_len(items)},
  {d.split_part("'a' || " + d.chr(2) + " || 'b'", d.chr(2), 2)}
FROM (SELECT {d.agg_list('v')} AS xs FROM (SELECT v FROM t WHERE g = 1 AND v IS NOT NULL
  ORDER BY e) s) l"""


def test_list_constructs_on_duckdb():
    (row,) = duck_rows(lists(DUCKDB))
    assert row[0] == "C;a;b" and row[3] == 4 and row[4] == "b"
    assert sorted(row[1].split(";")) == ["CC", "aa", "bb", "bb"]
    assert sorted(row[2].split(";")) == ["C", "a"]


@pytest.mark.spark
def test_list_constructs_on_spark_match(spark):
    (duck,) = duck_rows(lists(DUCKDB))
    (mine,) = spark_rows(spark, lists(SPARK))
    assert mine[0] == duck[0] and mine[3:] == duck[3:]
    assert sorted(mine[1].split(";")) == sorted(duck[1].split(";"))
    assert sorted(mine[2].split(";")) == sorted(duck[2].split(";"))


def explode(d) -> str:
    return (f"SELECT e, TRIM(p) AS p FROM (SELECT e, {d.explode_split('ids')} AS p FROM "
            "(SELECT 'x' AS e, 'P1; P2;;P.3' AS ids UNION ALL SELECT 'y', NULL) s) x ORDER BY 1, 2")


def test_explode_splits_on_the_literal_separator():
    assert duck_rows(explode(DUCKDB)) == [("x", ""), ("x", "P.3"), ("x", "P1"), ("x", "P2")]


@pytest.mark.spark
def test_spark_explode_is_duckdbs(spark):
    assert spark_rows(spark, explode(SPARK)) == duck_rows(explode(DUCKDB))


def stable_ids(d) -> str:
    return (f"SELECT {d.stable_id('F', ['a', 'b', 'c'])} FROM (SELECT 'r1' AS a, "
            "CAST(NULL AS VARCHAR) AS b, 'é' AS c) s")


def test_stable_id_is_the_python_one():
    assert duck_rows(stable_ids(DUCKDB)) == [(model.stable_id("F", "r1", None, "é"),)]


@pytest.mark.spark
def test_spark_stable_id_is_the_python_one(spark):
    assert spark_rows(spark, stable_ids(SPARK).replace("VARCHAR", "STRING")) == \
        [(model.stable_id("F", "r1", None, "é"),)]


def test_translate_keeps_duckdb_and_rewrites_for_spark():
    sql = "SELECT date_diff('day', d, DATE '2020-01-01') AS n FROM t"
    assert DUCKDB.translate(sql) == sql
    assert "DATEDIFF" in SPARK.translate(sql).upper()


def test_dialects_by_name():
    assert dialect("duckdb") is DUCKDB and dialect(SPARK) is SPARK
    with pytest.raises(ChronosError, match="unknown SQL dialect"):
        dialect("oracle")
