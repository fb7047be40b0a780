"""The two engines of ``chronos screen``: DuckDB (embedded, out of core) and Spark.

Both are an :class:`Engine`: the same operations over Parquet files, so the stages do not
care which runs. SQL is written once in DuckDB's dialect; :meth:`Engine.sql` gives it in
the engine's own (Spark SQL through sqlglot).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

import pandas as pd

from chronos import model
from chronos.errors import ChronosError

#: Each event's term is summed as an exact decimal, so the total does not depend on the
#: order the engine adds them in; the half-life is a DOUBLE (Spark reads ``182.6`` as a
#: DECIMAL and divided with six decimals, so the two engines' indexes differed).
HARM_EVENTS_SQL = """
SELECT person_id,
  CAST(SUM(CASE WHEN d <= {asof} THEN CAST(w.weight * POWER(0.5, date_diff('day', d, {asof}) / {half})
    AS DECIMAL(38, 12)) ELSE 0 END) AS DOUBLE) AS events_end,
  CAST(SUM(CASE WHEN d <= {since} THEN CAST(w.weight * POWER(0.5, date_diff('day', d, {since}) / {half})
    AS DECIMAL(38, 12)) ELSE 0 END) AS DOUBLE) AS events_start
FROM (SELECT DISTINCT person_id, event_id, d, event_type FROM sev WHERE d IS NOT NULL) e
JOIN harm_weights w ON w.event_type = e.event_type
WHERE w.weight <> 0
GROUP BY person_id"""


#: DuckDB's memory limit when none is given: DuckDB's own default (80% of RAM) lets one
#: query take most of the machine; with this, big joins and sorts spill to the work folder.
DEFAULT_MEMORY_LIMIT = "4GB"


class Engine(Protocol):
    """What the stages of a screen ask of an engine (DuckDB or Spark)."""

    name: str

    def sql(self, text: str) -> str:
        """``text`` (DuckDB SQL) in this engine's dialect."""

    def view(self, name: str, path) -> None:
        """A view ``name`` over a Parquet file, folder or glob."""

    def table(self, name: str, select: str) -> None:
        """Materialise ``select`` (DuckDB SQL) as the temporary table ``name``."""

    def df(self, select: str) -> pd.DataFrame:
        """The rows of ``select`` (DuckDB SQL) as pandas."""

    def register(self, name: str, frame: pd.DataFrame, schema: str) -> None:
        """``frame`` as the temporary table ``name`` (``schema``: column types, Spark DDL)."""

    def drop(self, *names: str) -> None:
        """Drop the temporary tables ``names`` (those that exist)."""

    def max_event_date(self, events) -> str | None:
        """The latest event date in the events Parquet, ISO, or None."""

    def map_events(self, events, links, out: Path) -> int:
        """Write ``out``: the events with record keys replaced by person ids; their count."""

    def run_rules(self, events, persons, relationships, rules, as_of: str):
        """``(findings, notes)`` of ``rules`` over the Parquet tables."""

    def harm_events(self, weights: pd.DataFrame, as_of: str, since: str,
                    half_life_days: float) -> pd.DataFrame:
        """Per child: the events part of the harm index at ``as_of`` and at ``since``."""

    def link_api(self):
        """The splink database API for person linking."""

    def close(self) -> None:
        """Release the engine and its temporary files."""


class _SqlEngine:
    """What both engines do the same way, through :class:`Engine`'s operations."""

    def harm_events(self, weights: pd.DataFrame, as_of: str, since: str, half_life_days: float):
        """Per child: the events part of the harm index at ``as_of`` and at ``since``
        (needs the prepared tables of :meth:`run_rules`)."""
        self.register("harm_weights", weights, "event_type string, weight double")
        sql = HARM_EVENTS_SQL.format(asof=f"DATE '{as_of}'", since=f"DATE '{since}'",
                                     half=f"CAST({float(half_life_days)!r} AS DOUBLE)")
        return self.df(sql).sort_values("person_id", ignore_index=True)


def make_engine(opts, work: Path) -> Engine:
    """The engine named by ``opts.engine``."""
    if opts.engine == "spark":
        return SparkEngine(opts.spark_master, work)
    return DuckEngine(work, opts.memory_limit)


def duckdb_config(work: Path, memory_limit: str | None) -> dict:
    """Settings for every DuckDB connection of a screen: bounded memory, spill to ``work``."""
    return {"memory_limit": memory_limit or DEFAULT_MEMORY_LIMIT,
            "temp_directory": str(work / "spill"), "preserve_insertion_order": False}


def _sorted_findings(frames: list[pd.DataFrame]) -> pd.DataFrame:
    findings = pd.concat(frames, ignore_index=True) if frames else model.empty("findings")
    findings = model.conform(findings, "findings")
    return findings.sort_values(["person_id", "rule_id", "window_start", "finding_id"],
                                kind="stable").reset_index(drop=True)


class DuckEngine(_SqlEngine):
    """DuckDB with a database file and spill folder in the work folder (out of core)."""

    name = "duckdb"

    def __init__(self, work: Path, memory_limit: str | None = None):
        import duckdb

        work.mkdir(parents=True, exist_ok=True)
        self.work, self.memory_limit = work, memory_limit
        self.path = work / "screen.duckdb"
        self.path.unlink(missing_ok=True)
        try:
            self.con = duckdb.connect(str(self.path), config=duckdb_config(work, memory_limit))
        except duckdb.Error as exc:
            raise ChronosError(f"cannot start DuckDB: {exc}",
                               hint="check --memory-limit (e.g. 6GB) and the output folder") from None

    def close(self) -> None:
        self.con.close()
        self.path.unlink(missing_ok=True)

    def sql(self, text: str) -> str:
        return text

    def view(self, name: str, path) -> None:
        """A view ``name`` over a Parquet file or glob."""
        self.con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet('{path}')")

    def table(self, name: str, select: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {select}")

    def df(self, select: str) -> pd.DataFrame:
        return self.con.execute(select).df()

    def register(self, name: str, frame: pd.DataFrame, schema: str) -> None:
        self.con.register(f"{name}_df", frame)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_df")
        self.con.unregister(f"{name}_df")

    def drop(self, *names: str) -> None:
        for name in names:
            self.con.execute(f"DROP TABLE IF EXISTS {name}")

    def max_event_date(self, events) -> str | None:
        value = self.con.execute(
            f"SELECT MAX(TRY_CAST(date AS DATE)) FROM read_parquet('{events}')").fetchone()[0]
        return value.isoformat() if value else None

    def map_events(self, events, links, out: Path) -> int:
        """Write ``out``: the events with record keys replaced by person ids (sorted,
        distinct, ';'-joined); keys no person record has are kept."""
        self.con.execute(f"""COPY (
WITH e AS (SELECT * FROM read_parquet('{events}')),
m AS (SELECT record_key, person_id FROM read_parquet('{links}')),
x AS (SELECT e.event_id, TRIM(k.k) AS k FROM e, UNNEST(string_split(e.person_ids, ';')) AS k(k)),
p AS (SELECT x.event_id, string_agg(DISTINCT COALESCE(m.person_id, x.k), ';'
        ORDER BY COALESCE(m.person_id, x.k)) AS pids
      FROM x LEFT JOIN m ON m.record_key = x.k WHERE x.k <> '' GROUP BY x.event_id),
{_roles_sql()}
SELECT e.* REPLACE (p.pids AS person_ids, rr.proles AS person_roles)
FROM e LEFT JOIN p USING (event_id) LEFT JOIN rr USING (event_id)
ORDER BY e.event_id) TO '{out}' (FORMAT parquet)""")
        return self.con.execute(f"SELECT COUNT(*) FROM read_parquet('{out}')").fetchone()[0]

    def run_rules(self, events, persons, relationships, rules, as_of: str):
        """``(findings, notes)`` of ``rules`` over the Parquet tables."""
        from chronos.patterns.engine import run_on_connection

        self.view("events_in", events)
        self.view("persons_in", persons)
        self.view("relationships_in", relationships)
        run = run_on_connection(self.con, rules, as_of)
        return run.findings, run.notes

    def link_api(self):
        """splink on its own in-memory DuckDB, with the same memory limit and spill folder."""
        import duckdb
        from splink import DuckDBAPI

        return DuckDBAPI(duckdb.connect(config=duckdb_config(self.work, self.memory_limit)))


class SparkEngine(_SqlEngine):
    """Spark SQL (local or a cluster): the same rule SQL, transpiled by sqlglot.

    The prepared tables are written to Parquet under ``<work>/spark-tables`` and read back:
    each rule's plan starts from a short scan instead of repeating the prepared tables'
    lineage (Spark inlines views, and a cached view holding a ``WITH`` never matches its
    cache, so every rule re-ran e.g. ``sibs``). Each rule runs as its own query, so plans
    stay small (one UNION ALL of 32 rules planned for minutes and ran out of heap). The
    tables are not cached in memory as well: a Parquet scan of the few columns a rule reads
    cost about what the cache's own pass did."""

    name = "spark"
    #: rules in flight at once: one rule's planning on the driver overlaps another's tasks
    rule_threads = 2

    def __init__(self, master: str | None, work: Path):
        self.spark = spark_session(master)
        self.work = work
        self.tables = work / "spark-tables"
        self.views: set[str] = set()
        context = self.spark.sparkContext
        if context.getCheckpointDir() is None:  # splink breaks lineage with checkpoints
            context.setCheckpointDir(str(work / "spark-checkpoints"))

    def close(self) -> None:
        for name in sorted(self.views):
            self.spark.catalog.dropTempView(name)
        shutil.rmtree(self.tables, ignore_errors=True)
        shutil.rmtree(self.work / "spark-checkpoints", ignore_errors=True)

    def sql(self, text: str) -> str:
        from chronos.patterns.compile import to_dialect

        return to_dialect(text, "spark")

    def view(self, name: str, path) -> None:
        self.spark.read.parquet(_spark_path(path)).createOrReplaceTempView(name)
        self.views.add(name)

    def table(self, name: str, select: str) -> None:
        """Cached in memory (a stage's working tables are small next to its inputs)."""
        frame = self.spark.sql(self.sql(select)).cache()
        frame.count()
        frame.createOrReplaceTempView(name)

    def df(self, select: str) -> pd.DataFrame:
        return self.spark.sql(self.sql(select)).toPandas()

    def register(self, name: str, frame: pd.DataFrame, schema: str) -> None:
        rows = frame.astype(object).where(frame.notna(), None)
        self.spark.createDataFrame(rows.to_dict("records") or [], schema).createOrReplaceTempView(name)
        self.views.add(name)

    def drop(self, *names: str) -> None:
        for name in names:
            self.spark.catalog.dropTempView(name)
            self.views.discard(name)

    def max_event_date(self, events) -> str | None:
        self.view("events_raw", events)
        value = self.spark.sql("SELECT MAX(TRY_CAST(date AS DATE)) FROM events_raw").collect()[0][0]
        return value.isoformat() if value else None

    def map_events(self, events, links, out: Path) -> int:
        from pyspark.sql import functions as F

        self.spark.catalog.clearCache()  # anything splink persisted: linking is done
        ev = self.spark.read.parquet(_spark_path(events))
        links_df = self.spark.read.parquet(str(links)).select("record_key", "person_id")
        keys = ev.select("event_id", F.explode(F.split("person_ids", ";")).alias("k"))
        keys = keys.withColumn("k", F.trim("k")).where(F.col("k") != "")
        keys = keys.join(links_df, keys.k == links_df.record_key, "left")
        ids = keys.groupBy("event_id").agg(F.array_join(F.array_sort(F.collect_set(
            F.coalesce("person_id", "k"))), ";").alias("pids"))
        mapped = ev.join(ids, "event_id", "left").withColumn("person_ids", F.col("pids"))
        mapped = mapped.join(_spark_roles(ev, links_df), "event_id", "left") \
            .withColumn("person_roles", F.col("proles"))
        mapped.select(*ev.columns).orderBy("event_id").write.mode("overwrite").parquet(str(out))
        return self.spark.read.parquet(str(out)).count()

    def materialise(self, name: str, sql: str) -> None:
        """Write the Spark SQL query ``sql`` to Parquet and make it the view ``name``."""
        path = str(self.tables / name)
        self.spark.sql(sql).write.mode("overwrite").parquet(path)
        self.view(name, path)

    def _prepare(self, as_of: str, rules) -> None:
        from chronos.patterns import compile as comp

        for statement in comp.prepare_sql(as_of, text=comp.needs_text(rules)):
            kind, name, select = _temp_table(statement)
            if kind == "TABLE":
                self.materialise(name, comp.to_dialect(select, "spark"))
            else:
                self.spark.sql(comp.to_dialect(select, "spark")).createOrReplaceTempView(name)
                self.views.add(name)

    def run_rules(self, events, persons, relationships, rules, as_of: str):
        from chronos.patterns.engine import NOTE_COLUMNS, render

        self.view("events_in", events)
        self.view("persons_in", persons)
        self.view("relationships_in", relationships)
        self._prepare(as_of, rules)
        with ThreadPoolExecutor(self.rule_threads) as pool:
            raws = list(pool.map(lambda rule: self.spark.sql(spark_rule_sql(rule, as_of))
                                 .toPandas(), rules))
        frames = [render(rule, raw, as_of) for rule, raw in zip(rules, raws) if len(raw)]
        return _sorted_findings(frames), pd.DataFrame(columns=NOTE_COLUMNS)

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


def _spark_path(path) -> str:
    """Spark reads a folder of Parquet files directly: ``dir/*.parquet`` becomes ``dir``."""
    text = str(path)
    return text[: -len("/*.parquet")] if text.endswith("/*.parquet") else text


def _temp_table(statement: str) -> tuple[str, str, str]:
    """``(kind, name, select)`` of a ``CREATE OR REPLACE TEMP TABLE|VIEW name AS select``
    statement (``kind`` is ``TABLE`` or ``VIEW``)."""
    match = re.match(r"\s*CREATE OR REPLACE TEMP (TABLE|VIEW) (\w+) AS\s(.*)", statement, re.S)
    if match is None:
        raise ChronosError(f"not a prepared-table statement: {statement[:60]!r}")
    return match.group(1), match.group(2), match.group(3)


def spark_rule_sql(rule, as_of: str) -> str:
    """One rule's findings query in Spark SQL (evidence rows aggregated per finding)."""
    from chronos.patterns import compile as comp

    evidence = comp.compile_rule(rule, as_of, dialect="spark")
    return spark_findings_sql(evidence, rule.id, structural=rule.type == "structural")


def spark_findings_sql(rule_sql: str, rule_id: str, *, structural: bool = False) -> str:
    """:func:`chronos.patterns.compile.findings_sql` in Spark SQL: the same aggregation and
    finding id, with DuckDB's ordered ``string_agg`` written as sorted collected arrays."""
    from chronos.patterns.compile import q

    grp = " || char(31) || COALESCE(grp, '')" if structural else ""
    return f"""SELECT 'F' || substr(sha1({q(rule_id)} || char(31) || COALESCE(person_id, '')
  || char(31) || COALESCE(window_start, '') || char(31) || COALESCE(window_end, '') || char(31)
  || COALESCE(event_ids, ''){grp}), 1, 12) AS finding_id, a.* FROM (
SELECT r.person_id, r.grp,
  CAST(COALESCE(MIN(r.w_start), MIN(r.d)) AS STRING) AS window_start,
  CAST(COALESCE(MAX(r.w_end), MAX(r.d)) AS STRING) AS window_end,
  NULLIF(array_join(array_sort(collect_set(r.event_id)), ';'), '') AS event_ids,
  array_join(transform(array_sort(collect_set(lower(r.agency) || char(1) || r.agency)),
    x -> split_part(x, char(1), 2)), ';') AS agencies,
  array_join(transform(array_sort(collect_list(struct(r.d, r.event_id, r.agency))),
    s -> s.agency), ';') AS agencies_in_order,
  array_join(array_sort(collect_set(r.event_type)), ';') AS event_types,
  COUNT(DISTINCT r.event_id) AS n, MAX(r.info) AS info,
  MAX(CASE WHEN ax.event_id IS NULL THEN 0 ELSE 1 END) AS approx
FROM ({rule_sql}) r LEFT JOIN approx_ids ax ON ax.event_id = r.event_id
GROUP BY r.person_id, r.grp) a"""


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


def _role_order_sql(column: str) -> str:
    """The place of a role in the roles vocabulary, as SQL (unknown roles last)."""
    from chronos import model

    names = list(model.roles().labels)
    cases = " ".join(f"WHEN '{n}' THEN {i}" for i, n in enumerate(names))
    return f"CASE {column} {cases} ELSE {len(names)} END"


def _roles_sql() -> str:
    """``rr``: each event's ``person_roles`` with record keys mapped to person ids (as
    :func:`chronos.link.apply.map_person_roles`: roles of one person merged, in the
    vocabulary's order; pairs sorted by person id). Needs ``e`` and ``m``."""
    return f"""r AS (SELECT e.event_id, TRIM(k.k) AS pair
      FROM e, UNNEST(string_split(e.person_roles, ';')) AS k(k)),
r1 AS (SELECT r.event_id, COALESCE(m.person_id, TRIM(split_part(r.pair, '=', 1))) AS pid,
        split_part(r.pair, '=', 2) AS roles
      FROM r LEFT JOIN m ON m.record_key = TRIM(split_part(r.pair, '=', 1))
      WHERE r.pair <> '' AND strpos(r.pair, '=') > 0),
r2 AS (SELECT DISTINCT event_id, pid, TRIM(x.role) AS role
      FROM r1, UNNEST(string_split(r1.roles, '+')) AS x(role) WHERE TRIM(x.role) <> ''),
r3 AS (SELECT event_id, pid, string_agg(role, '+' ORDER BY {_role_order_sql('role')}, role) AS roles
      FROM r2 GROUP BY event_id, pid),
rr AS (SELECT event_id, string_agg(pid || '=' || roles, ';' ORDER BY pid) AS proles
      FROM r3 GROUP BY event_id)"""


def _spark_roles(ev, links_df):
    """``event_id``, ``proles``: :func:`_roles_sql` with Spark's DataFrame functions."""
    from pyspark.sql import functions as F

    from chronos import model

    names = list(model.roles().labels)
    order = F.lit(len(names))
    for i, name in reversed(list(enumerate(names))):
        order = F.when(F.col("role") == name, F.lit(i)).otherwise(order)
    pairs = ev.select("event_id", F.explode(F.split("person_roles", ";")).alias("pair"))
    pairs = pairs.withColumn("pair", F.trim("pair")).where(F.instr("pair", "=") > 0)
    pairs = pairs.withColumn("key", F.trim(F.split("pair", "=").getItem(0))) \
        .withColumn("roles", F.split("pair", "=").getItem(1))
    pairs = pairs.join(links_df, pairs.key == links_df.record_key, "left") \
        .withColumn("pid", F.coalesce("person_id", "key"))
    roles = pairs.select("event_id", "pid", F.explode(F.split("roles", "[+]")).alias("role"))
    roles = roles.withColumn("role", F.trim("role")).where(F.col("role") != "").distinct()
    roles = roles.withColumn("ord", order)
    per = roles.groupBy("event_id", "pid").agg(F.array_join(F.transform(F.array_sort(
        F.collect_list(F.struct("ord", "role"))), lambda x: x["role"]), "+").alias("roles"))
    return per.groupBy("event_id").agg(F.array_join(F.transform(F.array_sort(F.collect_list(
        F.struct("pid", "roles"))), lambda x: F.concat(x["pid"], F.lit("="), x["roles"])),
        ";").alias("proles"))
