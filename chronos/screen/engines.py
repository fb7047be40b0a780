"""The two engines of ``chronos screen``: DuckDB (embedded, out of core) and Spark.

Both are a :class:`chronos.sql.engines.Engine` with what a population run adds: the run's
work folder, the events mapped to person ids and the rules over Parquet (written once,
in :class:`PopulationEngine`), and splink's database API for linking.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pandas as pd

from chronos.errors import ChronosError
from chronos.sql.engines import DuckDBEngine, Engine, SparkSQLEngine

#: DuckDB's memory limit when none is given: DuckDB's own default (80% of RAM) lets one
#: query take most of the machine; with this, big joins and sorts spill to the work folder.
DEFAULT_MEMORY_LIMIT = "4GB"


class PopulationEngine:
    """What a screen asks of either engine beyond SQL, written once over the
    :class:`chronos.sql.engines.Engine` operations."""

    def max_event_date(self: Engine, events) -> str | None:
        """The latest event date in the events Parquet, ISO, or None."""
        self.view("events_raw", events)
        value = self.scalar("SELECT MAX(TRY_CAST(date AS DATE)) FROM events_raw")
        self.drop("events_raw")
        return None if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()

    def map_events(self: Engine, events, links, out: Path, *, plain_join: bool = True) -> int:
        """Write ``out``: the events with record keys replaced by person ids (sorted,
        distinct, ';'-joined) in ``person_ids`` and in ``person_roles`` (as
        :func:`chronos.link.apply.map_person_roles`); keys no person record has are kept.
        Their count.

        Most events name one record with one role: those are mapped by a plain join on
        their key (``plain_join``); only the others are split, mapped and aggregated (at
        100,000 children every event was of the first kind, and splitting them all took
        three times the CPU and 3.4 GB). ``plain_join=False`` splits every event (the
        same values: the tests compare the two). The rows are written in no particular
        order: every later stage joins, groups and sorts by id (sorting 1.9 million
        events here cost a third of the stage's CPU and a gigabyte of memory)."""
        self.view("map_events_in", events)
        self.view("map_links", links)
        d = self.dialect
        names = self.columns("map_events_in")
        has_roles = "person_roles" in names
        plain_ids, plain_roles = ((_plain_ids(), _plain_roles()) if plain_join
                                  else ("FALSE", "FALSE"))
        mapped = {"person_ids": _mapped_ids(d, plain_ids) + " AS person_ids",
                  "person_roles": _mapped_roles(d, plain_roles) + " AS person_roles"}
        columns = ", ".join(mapped.get(c) or f"e.{d.ident(c)}" for c in names)
        roles = f",\n{_roles_sql(d, plain_roles)}" if has_roles else ""
        join_roles = (f" LEFT JOIN rr ON rr.event_id = e.event_id LEFT JOIN map_links mr"
                      f" ON mr.record_key = CASE WHEN {plain_roles} THEN e._role_key END"
                      if has_roles else "")
        # an event's one key and role split out once (not once per use: a third of the
        # query's CPU went on splitting the same text four times)
        source = (f"(SELECT *, {_role_part(d, 1)} AS _role_key, {_role_part(d, 2)} AS "
                  f"_role_value FROM map_events_in e)" if has_roles else "map_events_in")
        count = self.copy(f"""WITH x AS (SELECT event_id, TRIM(k) AS k FROM (
    SELECT e.event_id, {d.explode_split('e.person_ids')} AS k FROM map_events_in e
    WHERE NOT ({plain_ids})) s),
p AS (SELECT x.event_id, {d.agg_sorted_distinct('COALESCE(m.person_id, x.k)')} AS pids
  FROM x LEFT JOIN map_links m ON m.record_key = x.k WHERE x.k <> '' GROUP BY x.event_id){roles}
SELECT {columns} FROM {source} e LEFT JOIN p ON p.event_id = e.event_id
LEFT JOIN map_links mi
  ON mi.record_key = CASE WHEN {plain_ids} THEN TRIM(e.person_ids) END{join_roles}""",
                          out, native=True)
        self.drop("map_events_in", "map_links")
        return count

    def run_rules(self: Engine, events, persons, relationships, rules, as_of: str):
        """``(findings, notes)`` of ``rules`` over the Parquet tables
        (:func:`chronos.patterns.engine.run_on_engine`); the prepared tables stay for
        the harm index."""
        from chronos.patterns.engine import run_on_engine

        self.view("events_in", events)
        self.view("persons_in", persons)
        self.view("relationships_in", relationships)
        run = run_on_engine(self, rules, as_of)
        return run.findings, run.notes


def make_engine(opts, work: Path):
    """The engine named by ``opts.engine``."""
    if opts.engine == "spark":
        return SparkEngine(opts.spark_master, work)
    return DuckEngine(work, opts.memory_limit)


def duckdb_config(work: Path, memory_limit: str | None) -> dict:
    """Settings for every DuckDB connection of a screen: bounded memory, spill to ``work``."""
    return {"memory_limit": memory_limit or DEFAULT_MEMORY_LIMIT,
            "temp_directory": str(work / "spill"), "preserve_insertion_order": False}


class DuckEngine(PopulationEngine, DuckDBEngine):
    """DuckDB with a database file and spill folder in the work folder (out of core)."""

    def __init__(self, work: Path, memory_limit: str | None = None):
        import duckdb

        work.mkdir(parents=True, exist_ok=True)
        self.work, self.memory_limit = work, memory_limit
        self.path = work / "screen.duckdb"
        self.path.unlink(missing_ok=True)
        try:
            con = duckdb.connect(str(self.path), config=duckdb_config(work, memory_limit))
        except duckdb.Error as exc:
            raise ChronosError(f"cannot start DuckDB: {exc}",
                               hint="check --memory-limit (e.g. 6GB) and the output folder") from None
        super().__init__(con)

    def close(self) -> None:
        super().close()
        self.path.unlink(missing_ok=True)

    def link_api(self):
        """splink on its own in-memory DuckDB, with the same memory limit and spill folder."""
        import duckdb
        from splink import DuckDBAPI

        return DuckDBAPI(duckdb.connect(config=duckdb_config(self.work, self.memory_limit)))

    def release_link_api(self, api) -> None:
        """Close splink's database once linking is done: its tables (the records, the
        blocked pairs, the predictions) would otherwise stay in memory until a garbage
        collection finds the linker's reference cycles, through the rest of the stage."""
        con = getattr(api, "_con", None)
        if con is not None:
            con.close()


class SparkEngine(PopulationEngine, SparkSQLEngine):
    """Spark SQL (local or a cluster): the same SQL in Spark's dialect; prepared tables
    under ``<work>/spark-tables`` (see :class:`chronos.sql.engines.SparkSQLEngine`)."""

    def __init__(self, master: str | None, work: Path):
        super().__init__(spark_session(master), work / "spark-tables")
        self.work = work
        context = self.spark.sparkContext
        if context.getCheckpointDir() is None:  # splink breaks lineage with checkpoints
            context.setCheckpointDir(str(work / "spark-checkpoints"))

    def close(self) -> None:
        super().close()
        shutil.rmtree(self.work / "spark-checkpoints", ignore_errors=True)

    def map_events(self, events, links, out: Path, *, plain_join: bool = True) -> int:
        self.spark.catalog.clearCache()  # anything splink persisted: linking is done
        return super().map_events(events, links, out, plain_join=plain_join)

    def release_link_api(self, api) -> None:
        """Nothing to release: splink's tables are Spark's (cleared in map_events)."""

    def link_api(self):
        """splink's Spark API, breaking lineage with Parquet checkpoints (its default), the
        person records handed over through Parquet (see :func:`_splink_spark_api`)."""
        return _splink_spark_api(self.spark, self.tables / "splink-input")


def _splink_spark_api(spark, folder: Path):
    """splink's ``SparkAPI`` that registers pandas frames by writing them to Parquet in
    ``folder``: ``createDataFrame`` keeps the frame inside every plan that reads it, and
    splink's plans read the records many times (257,000 records filled a 4 GB heap)."""
    from splink import SparkAPI

    class ParquetSparkAPI(SparkAPI):
        def _table_registration(self, input, table_name):
            if isinstance(input, pd.DataFrame):
                folder.mkdir(parents=True, exist_ok=True)
                path = folder / f"t{table_name}.parquet"  # Spark skips names starting "_"
                input.to_parquet(path, index=False)
                input = self.spark.read.parquet(str(path))
            super()._table_registration(input, table_name)

    return ParquetSparkAPI(spark_session=spark)


def spark_rule_sql(rule, as_of: str) -> str:
    """One rule's findings query in Spark SQL
    (:func:`chronos.patterns.engine.findings_query`)."""
    from chronos.patterns.engine import findings_query

    return findings_query(rule, as_of, "spark")


#: Spark settings for local mode (one machine): few shuffle partitions, a 4 GB driver heap
#: (the default 1 GB ran out collecting results) and no adaptive re-planning (on one
#: machine it costs more than it saves: the catalogue ran 20-70% faster without it).
#: The broadcast threshold stays Spark's 10 MB (a 64 MB one was dropped while chasing a
#: full heap at 100,000 children whose cause was splink's pandas input; see link_api).
LOCAL_CONF = {"spark.sql.shuffle.partitions": "4", "spark.driver.memory": "4g",
              "spark.sql.adaptive.enabled": "false"}


def spark_session(master: str | None = None):
    """The active SparkSession, or a new one against ``master`` (default ``local[*]``).

    Under ``spark-submit`` (no ``master`` given) the submitted settings are kept; in local
    mode :data:`LOCAL_CONF` applies unless ``CHRONOS_SPARK_CONF`` overrides single keys
    (``key=value,key=value``)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ChronosError("the spark engine needs pyspark",
                           hint='pip install "chronos-safeguarding[spark]" (and Java 17)') from exc
    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        return active
    submitted = master is None and "PYSPARK_GATEWAY_PORT" in os.environ
    local = not submitted and (master or "local[*]").startswith("local")
    if local:   # Python workers (the dedupe stage's applyInPandas) need this Python
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("chronos screen")
    if not submitted:
        builder = builder.master(master or "local[*]")
    conf = {"spark.sql.session.timeZone": "UTC", "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false", "spark.jars": _similarity_jar()}
    if local:
        conf.update(LOCAL_CONF)
    conf.update(_env_conf())
    for key, value in conf.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _env_conf() -> dict:
    text = os.environ.get("CHRONOS_SPARK_CONF", "")
    pairs = (item.split("=", 1) for item in text.split(",") if "=" in item)
    return {key.strip(): value.strip() for key, value in pairs}


def _similarity_jar() -> str:
    """splink's jar of string-similarity functions (jaro_winkler, damerau_levenshtein)."""
    from splink.backends.spark import similarity_jar_location

    return similarity_jar_location()


def _plain_ids() -> str:
    """An event's ``person_ids`` is one record key (or NULL): mapped by a join."""
    return "COALESCE(instr(e.person_ids, ';') = 0, TRUE)"


def _plain_roles() -> str:
    """An event's ``person_roles`` is one ``key=role`` pair with one role (or NULL)."""
    return ("COALESCE(instr(e.person_roles, ';') = 0 AND instr(e.person_roles, '+') = 0, "
            "TRUE)")


def _role_part(d, part: int) -> str:
    """The key (``part`` 1) or the role (2) of a one-pair ``person_roles``."""
    return f"TRIM({d.split_part('TRIM(e.person_roles)', chr(39) + '=' + chr(39), part)})"


def _mapped_ids(d, plain: str) -> str:
    """``person_ids`` mapped: one key through the join ``mi``, several through ``p``."""
    return (f"CASE WHEN {plain} THEN CASE WHEN TRIM(e.person_ids) <> '' THEN "
            f"COALESCE(mi.person_id, TRIM(e.person_ids)) END ELSE p.pids END")


def _mapped_roles(d, plain: str) -> str:
    """``person_roles`` mapped: one pair through the join ``mr``, the others through ``rr``
    (a pair without '=' or without a role is dropped, as :func:`_roles_sql` drops it)."""
    return (f"CASE WHEN {plain} THEN CASE WHEN instr(e.person_roles, '=') > 0 AND "
            f"e._role_value <> '' THEN COALESCE(mr.person_id, e._role_key) || '=' || "
            f"e._role_value END ELSE rr.proles END")


def _roles_sql(d, plain: str = "FALSE") -> str:
    """``rr``: each event's ``person_roles`` (``key=role+role;...``) with record keys
    mapped to person ids, in the dialect ``d``: a person's roles merged in the roles
    vocabulary's order, pairs sorted by person id (as
    :func:`chronos.link.apply.map_person_roles`); only the events for which ``plain``
    (a condition on ``e``) does not hold. Needs ``map_events_in`` and ``map_links``."""
    from chronos import model

    names = list(model.roles().labels)
    order = "CASE role " + " ".join(f"WHEN '{n}' THEN {i}" for i, n in enumerate(names)) + \
        f" ELSE {len(names)} END"
    key = f"TRIM({d.split_part('pair', chr(39) + '=' + chr(39), 1)})"
    return f"""r AS (SELECT event_id, TRIM(pair) AS pair FROM (
    SELECT e.event_id, {d.explode_split('e.person_roles')} AS pair FROM map_events_in e
    WHERE NOT ({plain})) s),
r1 AS (SELECT r.event_id, COALESCE(m.person_id, {key.replace('pair', 'r.pair')}) AS pid,
    {d.split_part('r.pair', "'='", 2)} AS roles
  FROM r LEFT JOIN map_links m ON m.record_key = {key.replace('pair', 'r.pair')}
  WHERE r.pair <> '' AND instr(r.pair, '=') > 0),
r2 AS (SELECT DISTINCT event_id, pid, TRIM(role) AS role FROM (
    SELECT event_id, pid, {d.explode_split('roles', "'+'")} AS role FROM r1) s),
r3 AS (SELECT event_id, pid, {d.agg_in_order('role', [order, 'role'], "'+'")} AS roles
  FROM r2 WHERE role <> '' GROUP BY event_id, pid),
rr AS (SELECT event_id, {d.agg_in_order("pid || '=' || roles", ['pid'])} AS proles
  FROM r3 GROUP BY event_id)"""
