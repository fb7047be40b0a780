"""The screen's engines: every catalogue rule has a Spark query (no Spark needed); splink's
database released after linking."""

from __future__ import annotations

from chronos.patterns.engine import resolve_rules
from chronos.screen import engines


def test_every_catalogue_rule_has_a_spark_query():
    for rule in resolve_rules():
        sql = engines.spark_rule_sql(rule, "2024-03-31")
        assert "approx_ids" in sql and "collect_set" in sql


def test_splinks_database_is_closed_when_linking_is_done(tmp_path):
    """The link stage closes splink's DuckDB after linking: its tables do not wait for a
    garbage collection while the events are mapped."""
    import duckdb
    import pytest

    engine = engines.DuckEngine(tmp_path / "work", "1GB")
    try:
        api = engine.link_api()
        con = api._con
        # the screen's memory limit (1GB: 953.6 MiB), not DuckDB's default (80% of RAM)
        assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == "953.6 MiB"
        con.execute("CREATE TABLE pairs AS SELECT range AS k FROM range(1000)")
        engine.release_link_api(api)
        with pytest.raises(duckdb.ConnectionException):
            con.execute("SELECT COUNT(*) FROM pairs")
        assert engine.scalar("SELECT 1") == 1          # the screen's own engine still open
    finally:
        engine.close()
