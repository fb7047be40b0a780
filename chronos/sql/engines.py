"""SQL engines: DuckDB (a case in memory, a population over Parquet) and Spark SQL.

Both are an :class:`Engine`, the same operations over named tables, so that the code that
runs rules, the harm index or de-duplication is written once. SQL given to an engine is
house SQL (:mod:`chronos.sql.dialects`), translated to the engine's dialect, unless
``native=True`` says it was built for the engine's own dialect (with its constructs).
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

from chronos.errors import ChronosError
from chronos.sql.dialects import DUCKDB, SPARK, Dialect


class Engine(Protocol):
    """What code that runs SQL asks of an engine (DuckDB or Spark)."""

    name: str
    dialect: Dialect

    def sql(self, text: str, *, native: bool = False) -> str:
        """``text`` in this engine's dialect (``native``: it is already)."""

    def view(self, name: str, path) -> None:
        """A view ``name`` over a Parquet file, folder or glob."""

    def table(self, name: str, select: str, *, native: bool = False) -> None:
        """Materialise ``select`` as the temporary table ``name``."""

    def df(self, select: str, *, native: bool = False):
        """The rows of ``select`` as pandas."""

    def scalar(self, select: str, *, native: bool = False):
        """The first value of the first row of ``select``."""

    def register(self, name: str, frame, schema: str) -> None:
        """``frame`` as the temporary table ``name`` (``schema``: column types, Spark DDL)."""

    def drop(self, *names: str) -> None:
        """Drop the temporary tables ``names`` (those that exist)."""

    def columns(self, name: str) -> list[str]:
        """The columns of the table or view ``name``, in order."""

    def copy(self, select: str, path: Path, *, native: bool = False) -> int:
        """Write the rows of ``select`` to Parquet at ``path``; their count."""

    def prepare(self, statements: list[str]) -> None:
        """Run ``CREATE OR REPLACE TEMP TABLE|VIEW name AS select`` statements (house SQL)."""

    def collect(self, queries: dict[str, str], *, many_rows: bool = False) -> dict:
        """The rows of each query (native SQL) by name, for the names with rows: pandas
        frames, or Arrow tables with ``many_rows`` where the engine fetches those faster."""

    def close(self) -> None:
        """Release the engine (and what it owns)."""


def temp_table(statement: str) -> tuple[str, str, str]:
    """``(kind, name, select)`` of a ``CREATE OR REPLACE TEMP TABLE|VIEW name AS select``
    statement (``kind`` is ``TABLE`` or ``VIEW``)."""
    match = re.match(r"\s*CREATE OR REPLACE TEMP (TABLE|VIEW) (\w+) AS\s(.*)", statement, re.S)
    if match is None:
        raise ChronosError(f"not a prepared-table statement: {statement[:60]!r}")
    return match.group(1), match.group(2), match.group(3)


class SqlEngine:
    """What every engine does the same way, through its primitives."""

    name = ""
    dialect: Dialect = DUCKDB

    def sql(self, text: str, *, native: bool = False) -> str:
        return text if native else self.dialect.translate(text)

    def scalar(self, select: str, *, native: bool = False):
        frame = self.df(select, native=native)
        return frame.iat[0, 0] if len(frame) else None


class DuckDBEngine(SqlEngine):
    """DuckDB through one connection: in memory for a case (:meth:`in_memory`), or a
    database file with bounded memory and spill for a population."""

    name = "duckdb"
    dialect = DUCKDB

    def __init__(self, con, *, owned: bool = True):
        self.con, self.owned = con, owned

    @classmethod
    def in_memory(cls) -> DuckDBEngine:
        import duckdb

        return cls(duckdb.connect())

    def close(self) -> None:
        if self.owned:
            self.con.close()

    def view(self, name: str, path) -> None:
        self.con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet('{path}')")

    def table(self, name: str, select: str, *, native: bool = False) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {select}")

    def df(self, select: str, *, native: bool = False):
        return self.con.execute(select).df()

    def scalar(self, select: str, *, native: bool = False):
        rows = self.con.execute(select).fetchall()  # every row: a result is then complete
        return rows[0][0] if rows else None

    def register(self, name: str, frame, schema: str) -> None:
        self.con.register(f"{name}_df", frame)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_df")
        self.con.unregister(f"{name}_df")

    def drop(self, *names: str) -> None:
        """Drop the tables or views ``names`` (those that exist)."""
        views = {row[0] for row in self.con.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
        for name in names:
            self.con.execute(f"DROP {'VIEW' if name in views else 'TABLE'} IF EXISTS {name}")

    def columns(self, name: str) -> list[str]:
        return [d[0] for d in self.con.execute(f"SELECT * FROM {name} LIMIT 0").description]

    def copy(self, select: str, path: Path, *, native: bool = False) -> int:
        self.con.execute(f"COPY ({select}) TO '{path}' (FORMAT parquet)")
        return self.con.execute(f"SELECT COUNT(*) FROM read_parquet('{path}')").fetchall()[0][0]

    def prepare(self, statements: list[str]) -> None:
        for statement in statements:
            self.con.execute(statement)

    def collect(self, queries: dict[str, str], *, many_rows: bool = False) -> dict:
        """Every query in one statement (one round trip; DuckDB plans them together); with
        ``many_rows`` fetched as Arrow (much cheaper than pandas for many rows)."""
        if not queries:
            return {}
        from chronos.sql.dialects import literal

        union = "\nUNION ALL\n".join(f"SELECT {literal(key)} AS query_key, q.* FROM ({sql}) q"
                                     for key, sql in queries.items())
        result = self.con.execute(union)
        if not many_rows:
            frame = result.df()
            return {key: rows.drop(columns="query_key")
                    for key, rows in frame.groupby("query_key", sort=False)}
        return _split_arrow(_arrow(result), "query_key")


def _arrow(result):
    """The Arrow table of an executed query. DuckDB warns that this copies the rows once;
    ``con.sql(...)`` would not, but plans a long UNION ALL twice, which costs more."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return result.to_arrow_table()


def _split_arrow(table, key: str) -> dict:
    import pyarrow.compute as pc

    keys = table.column(key)
    return {k: table.filter(pc.equal(keys, k)).drop_columns([key])
            for k in pc.unique(keys).to_pylist()}


class SparkSQLEngine(SqlEngine):
    """Spark SQL (local or a cluster). Prepared tables are written to Parquet under
    ``tables`` and read back: each query's plan starts from a short scan instead of
    repeating the prepared tables' lineage (Spark inlines views, and a cached view holding
    a ``WITH`` never matches its cache). Queries of :meth:`collect` run as separate
    queries, ``threads`` at once, so plans stay small (one UNION ALL of 32 rules planned
    for minutes and ran out of heap) and one query's planning overlaps another's tasks."""

    name = "spark"
    dialect = SPARK
    threads = 2

    def __init__(self, spark, tables: Path):
        self.spark, self.tables = spark, Path(tables)
        self.views: set[str] = set()

    def close(self) -> None:
        import shutil

        for name in sorted(self.views):
            self.spark.catalog.dropTempView(name)
        self.views.clear()
        shutil.rmtree(self.tables, ignore_errors=True)

    def view(self, name: str, path) -> None:
        self.spark.read.parquet(spark_path(path)).createOrReplaceTempView(name)
        self.views.add(name)

    def table(self, name: str, select: str, *, native: bool = False) -> None:
        """Cached in memory (a stage's working tables are small next to its inputs)."""
        frame = self.spark.sql(self.sql(select, native=native)).cache()
        frame.count()
        frame.createOrReplaceTempView(name)
        self.views.add(name)

    def df(self, select: str, *, native: bool = False):
        return self.spark.sql(self.sql(select, native=native)).toPandas()

    def register(self, name: str, frame, schema: str) -> None:
        rows = frame.astype(object).where(frame.notna(), None)
        self.spark.createDataFrame(rows.to_dict("records") or [], schema).createOrReplaceTempView(name)
        self.views.add(name)

    def drop(self, *names: str) -> None:
        for name in names:
            self.spark.catalog.dropTempView(name)
            self.views.discard(name)

    def columns(self, name: str) -> list[str]:
        return list(self.spark.table(name).columns)

    def copy(self, select: str, path: Path, *, native: bool = False) -> int:
        self.spark.sql(self.sql(select, native=native)).write.mode("overwrite").parquet(str(path))
        return self.spark.read.parquet(str(path)).count()

    def materialise(self, name: str, select: str, *, native: bool = False) -> None:
        """Write ``select`` to Parquet under ``tables`` and make it the view ``name``."""
        path = self.tables / name
        self.spark.sql(self.sql(select, native=native)).write.mode("overwrite").parquet(str(path))
        self.view(name, path)

    def prepare(self, statements: list[str]) -> None:
        for statement in statements:
            kind, name, select = temp_table(statement)
            if kind == "TABLE":
                self.materialise(name, select)
            else:
                self.spark.sql(self.sql(select)).createOrReplaceTempView(name)
                self.views.add(name)

    def collect(self, queries: dict[str, str], *, many_rows: bool = False) -> dict:
        with ThreadPoolExecutor(self.threads) as pool:
            frames = list(pool.map(lambda sql: self.spark.sql(sql).toPandas(), queries.values()))
        return {key: frame for key, frame in zip(queries, frames) if len(frame)}


def spark_path(path) -> str:
    """Spark reads a folder of Parquet files directly: ``dir/*.parquet`` becomes ``dir``."""
    text = str(path)
    return text[: -len("/*.parquet")] if text.endswith("/*.parquet") else text
