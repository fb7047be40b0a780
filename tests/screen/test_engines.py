"""The Spark engine's SQL plumbing (no Spark needed): every prepared-table statement the
rule compiler emits can be split into a name and a query, and transpiles to Spark SQL."""

from __future__ import annotations

import pytest

from chronos.screen import engines
from chronos.errors import ChronosError
from chronos.patterns import compile as comp
from chronos.patterns.engine import resolve_rules


def test_every_prepared_statement_splits_and_transpiles():
    names = []
    for statement in comp.prepare_sql("2024-03-31"):
        kind, name, select = engines._temp_table(statement)
        assert kind in ("TABLE", "VIEW")
        assert select.lstrip().upper().startswith(("SELECT", "WITH"))
        assert "CREATE" not in comp.to_dialect(select, "spark").upper()
        names.append(name)
    assert len(names) == len(set(names))
    assert {"ev", "people", "hh", "subj", "sev", "sibs", "approx_ids"} <= set(names)


def test_a_statement_that_is_not_a_prepared_table_is_refused():
    with pytest.raises(ChronosError):
        engines._temp_table("SELECT 1")


def test_every_catalogue_rule_has_a_spark_query():
    for rule in resolve_rules():
        sql = engines.spark_rule_sql(rule, "2024-03-31")
        assert "approx_ids" in sql and "collect_set" in sql


@pytest.mark.parametrize("given, spark", [
    ("/x/ingest/events/*.parquet", "/x/ingest/events"),
    ("/x/link/events.parquet", "/x/link/events.parquet"),
])
def test_spark_reads_a_folder_of_parquet_not_a_glob(given, spark):
    assert engines._spark_path(given) == spark
