"""The screen's engines: every catalogue rule has a Spark query (no Spark needed)."""

from __future__ import annotations

from chronos.patterns.engine import resolve_rules
from chronos.screen import engines


def test_every_catalogue_rule_has_a_spark_query():
    for rule in resolve_rules():
        sql = engines.spark_rule_sql(rule, "2024-03-31")
        assert "approx_ids" in sql and "collect_set" in sql
