"""Event de-duplication and derived households for ``chronos screen``, at population scale.

Case mode runs :func:`chronos.link.events.dedupe_events` and
:func:`chronos.link.households.households` on whole pandas tables. A population's events do
not fit in pandas, so here the engine (DuckDB or Spark SQL) does the scanning and pandas
runs the *same functions* on bounded pieces, which keeps the semantics identical:

De-duplication
    1. SQL finds every event that could be merged at all: a candidate (day-precision date,
       a person, a type outside ``never_merge``, a unique event id) with another candidate
       of the same person and compatible type, from another source file, within the larger
       of the two types' tolerances. An event with no such partner is never in a group of
       the greedy algorithm, so leaving it out changes nothing.
    2. Those events are split into connected components (events sharing a person) and the
       components packed into chunks of at most :data:`CHUNK_ROWS` events; components
       never interact in the greedy algorithm, so each chunk is deduplicated on its own
       with ``dedupe_events`` (DuckDB: one chunk at a time; Spark: ``applyInPandas``).
    3. SQL writes the events: every event not in a chunk, plus the chunks' kept events.

Households
    ``households`` runs on the person records (addresses) without events; the start and
    end of each address pair (the dates of events naming both, else the overlap of each
    one's events) come from SQL over the events, for those pairs only.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from chronos import model
from chronos.sql import literal

#: at most this many events go to pandas at once
CHUNK_ROWS = 200_000


# --------------------------------------------------------------------------- households

def household_records(records: pd.DataFrame, record_to_person: dict) -> pd.DataFrame:
    """The person records' columns households need, with their ``person_id``."""
    from chronos.link.people import lookup

    used = ["postcode", "address", "family_name", "source_file", "source_ref"]
    frame = model.conform(records[[c for c in used if c in records]], "persons")
    frame["person_id"] = lookup(records["record_key"], record_to_person).to_numpy()
    return frame


def derived_households(engine, homes: pd.DataFrame, relationships: pd.DataFrame,
                       events: Path) -> pd.DataFrame:
    """The household relationships case mode adds in its link stage (``stated`` ones left
    out, as there) from :func:`household_records` and the mapped ``relationships``, with
    the address pairs' dates computed by the engine over ``events``."""
    from chronos.link.households import households

    derived = households(homes, relationships, None)
    derived = derived[derived["subtype"] != "stated"].reset_index(drop=True)
    address = derived["subtype"] == "address"
    if not address.any():
        return derived
    spans = address_spans(engine, derived.loc[address, ["person_a", "person_b"]], events)
    keyed = derived.loc[address, ["person_a", "person_b"]].merge(
        spans, on=["person_a", "person_b"], how="left")
    derived.loc[address, "start"] = keyed["start"].to_numpy()
    derived.loc[address, "end"] = keyed["end"].to_numpy()
    return model.conform(derived, "relationships")


SPANS_SQL = """
WITH x AS (
  SELECT event_id, date, person_ids, UNNEST(string_split(person_ids, ';')) AS p
  FROM hh_events WHERE date IS NOT NULL AND person_ids IS NOT NULL),
ppl AS (SELECT person_a AS p FROM hh_pairs UNION SELECT person_b AS p FROM hh_pairs),
own AS (SELECT x.p, MIN(x.date) AS lo, MAX(x.date) AS hi FROM x JOIN ppl ON ppl.p = x.p
  GROUP BY x.p),
multi AS (SELECT * FROM x WHERE person_ids LIKE '%;%' AND p <> ''),
both_ AS (
  SELECT a.p AS person_a, b.p AS person_b, MIN(a.date) AS lo, MAX(a.date) AS hi
  FROM multi a JOIN multi b ON a.event_id = b.event_id AND a.person_ids = b.person_ids
    AND a.date = b.date AND a.p < b.p
  JOIN hh_pairs h ON h.person_a = a.p AND h.person_b = b.p
  GROUP BY a.p, b.p)
SELECT h.person_a, h.person_b,
  CASE WHEN t.lo IS NOT NULL THEN t.lo
       WHEN oa.lo IS NOT NULL AND ob.lo IS NOT NULL
        AND GREATEST(oa.lo, ob.lo) <= LEAST(oa.hi, ob.hi) THEN GREATEST(oa.lo, ob.lo) END AS start,
  CASE WHEN t.lo IS NOT NULL THEN t.hi
       WHEN oa.lo IS NOT NULL AND ob.lo IS NOT NULL
        AND GREATEST(oa.lo, ob.lo) <= LEAST(oa.hi, ob.hi) THEN LEAST(oa.hi, ob.hi) END AS "end"
FROM hh_pairs h LEFT JOIN both_ t ON t.person_a = h.person_a AND t.person_b = h.person_b
LEFT JOIN own oa ON oa.p = h.person_a LEFT JOIN own ob ON ob.p = h.person_b"""


def address_spans(engine, pairs: pd.DataFrame, events: Path) -> pd.DataFrame:
    """``person_a, person_b, start, end`` for each pair, as
    :func:`chronos.link.households._span` computes them from the events."""
    engine.view("hh_events", events)
    engine.register("hh_pairs", pairs.drop_duplicates().astype(str),
                    "person_a string, person_b string")
    spans = engine.df(SPANS_SQL)
    engine.drop("hh_pairs")
    for column in ("start", "end"):
        spans[column] = spans[column].astype("string")
    return spans.astype({"person_a": str, "person_b": str})


# --------------------------------------------------------------------------- de-duplication

def _type_table(cfg) -> pd.DataFrame:
    """Event type -> compatibility group and tolerance, for every type the config or the
    vocabulary names (other types: their own group, the default tolerance)."""
    names = set(model.vocabulary().event_types) | set(cfg.tolerance_days_by_type)
    for group in cfg.same_event:
        names |= set(group)
    rows = [{"event_type": t, "grp": cfg.group_of(t), "tol": cfg.tolerance(t)}
            for t in sorted(names)]
    return pd.DataFrame(rows).astype({"tol": "int64"})


def _candidates_sql(cfg) -> str:
    never = ", ".join(literal(t) for t in sorted(cfg.never_merge)) or "''"
    return f"""
SELECT c.event_id, c.person, COALESCE(t.grp, c.event_type) AS grp,
  COALESCE(t.tol, {int(cfg.tolerance_days)}) AS tol, c.day, c.source_file
FROM (
  SELECT event_id, event_type, COALESCE(source_file, '') AS source_file,
    date_diff('day', DATE '1970-01-01', TRY_CAST(substr(date, 1, 10) AS DATE)) AS day,
    UNNEST(string_split(person_ids, ';')) AS person
  FROM dd_events
  WHERE COALESCE(date_precision, '') = 'day' AND date IS NOT NULL
    AND COALESCE(person_ids, '') <> '' AND event_id IS NOT NULL AND event_type IS NOT NULL
    AND event_type NOT IN ({never})) c
LEFT JOIN dd_types t ON t.event_type = c.event_type
WHERE LENGTH(TRIM(c.person)) > 0 AND c.day IS NOT NULL"""


#: candidates in (person, group) blocks with more than one source file, then every pair
#: within the larger tolerance: the events that could be merged, less those whose event id
#: is not unique (never candidates; any partner they gave another event is harmless)
FLAGGED_SQL = """
WITH b AS (SELECT person, grp FROM dd_cand GROUP BY person, grp
           HAVING MIN(source_file) <> MAX(source_file)),
c AS (SELECT d.* FROM dd_cand d JOIN b ON b.person = d.person AND b.grp = d.grp),
f AS (SELECT DISTINCT x.event_id FROM c x JOIN c y
  ON x.person = y.person AND x.grp = y.grp AND x.source_file <> y.source_file
 AND ABS(x.day - y.day) <= GREATEST(x.tol, y.tol)),
twice AS (SELECT e.event_id FROM dd_events e JOIN f ON f.event_id = e.event_id
  GROUP BY e.event_id HAVING COUNT(*) > 1)
SELECT f.event_id FROM f LEFT JOIN twice t ON t.event_id = f.event_id
WHERE t.event_id IS NULL"""


def _components(rows: pd.DataFrame) -> pd.Series:
    """event_id -> its component (events that share a person, directly or through other
    events), named by a person: union-find over the events that name several people."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    shared = rows[rows["event_id"].duplicated(keep=False)]
    for _, people in shared.groupby("event_id", sort=False)["person"]:
        roots = sorted({find(p) for p in people})
        for other in roots[1:]:
            parent[other] = roots[0]
    first = rows.drop_duplicates("event_id")
    roots = {p: find(p) for p in first["person"].unique()}
    return pd.Series(first["person"].map(roots).to_numpy(), index=first["event_id"].to_numpy())


def _chunks(rows: pd.DataFrame, chunk_rows: int) -> pd.DataFrame:
    """``event_id, chunk``: whole components packed in order into chunks."""
    component = _components(rows).sort_values(kind="stable")
    sizes = component.groupby(component, sort=True).size()
    chunk_of, chunk, filled = {}, 0, 0
    for root, size in sizes.items():
        if filled and filled + size > chunk_rows:
            chunk, filled = chunk + 1, 0
        chunk_of[root] = chunk
        filled += size
    return pd.DataFrame({"event_id": component.index.astype(str),
                         "chunk": component.map(chunk_of).to_numpy().astype("int64")})


def dedupe_population(run, events: Path, tmp: Path, config=None) -> dict:
    """Write ``tmp/events.parquet`` (one row per real event, ``corroborated_by`` filled
    in) and ``tmp/duplicates.parquet`` (the merged reports, ``duplicate_of``)."""
    from chronos.link.events import load_dedupe_config

    cfg = load_dedupe_config(config)
    engine = run.engine
    engine.view("dd_events", events)
    engine.register("dd_types", _type_table(cfg), "event_type string, grp string, tol bigint")
    engine.table("dd_cand", _candidates_sql(cfg))
    engine.table("dd_flagged", FLAGGED_SQL)
    rows = engine.df("SELECT c.event_id, c.person FROM dd_cand c "
                     "JOIN dd_flagged f ON f.event_id = c.event_id")
    chunks = _chunks(rows, CHUNK_ROWS) if len(rows) else pd.DataFrame(
        {"event_id": pd.Series(dtype=str), "chunk": pd.Series(dtype="int64")})
    n_chunks = int(chunks["chunk"].max()) + 1 if len(chunks) else 0
    run.say("dedupe", 1, 3, f"{len(chunks):,} events could be duplicates; "
                            f"{n_chunks} chunk(s)")
    engine.register("dd_chunks", chunks, "event_id string, chunk bigint")
    for sub in ("kept", "duplicates"):
        (tmp / sub).mkdir()
    if n_chunks:
        _CHUNKED[engine.name](run, cfg, tmp, n_chunks)
    run.say("dedupe", 2, 3, "writing events")
    counts = _write(engine, events, tmp, n_chunks)
    for sub in ("kept", "duplicates"):
        shutil.rmtree(tmp / sub)
    engine.drop("dd_types", "dd_cand", "dd_flagged", "dd_chunks", "dd_rows", "dd_kept",
                "dd_dups", "dd_out")
    return {"could_merge": len(chunks), "chunks": n_chunks, **counts}


def _split(frame: pd.DataFrame, cfg) -> tuple[pd.DataFrame, pd.DataFrame]:
    from chronos.link.events import dedupe_events

    kept, duplicates = dedupe_events(frame, cfg)
    return kept[list(model.EVENTS)], duplicates[[*model.EVENTS, "duplicate_of"]]


def _duck_dedupe(run, cfg, tmp: Path, n_chunks: int) -> None:
    """The chunks deduplicated one at a time: ``tmp/kept`` and ``tmp/duplicates`` parts."""
    con = run.engine.con
    con.execute("CREATE OR REPLACE TEMP TABLE dd_rows AS SELECT e.*, c.chunk FROM dd_events e "
                "JOIN dd_chunks c ON c.event_id = e.event_id")
    for chunk in range(n_chunks):
        run.say("dedupe", 1, 3, f"chunk {chunk + 1} of {n_chunks}")
        frame = con.execute("SELECT * EXCLUDE (chunk) FROM dd_rows WHERE chunk = ?",
                            [chunk]).df()
        kept, duplicates = _split(frame, cfg)
        kept.to_parquet(tmp / "kept" / f"{chunk:05d}.parquet", index=False)
        duplicates.to_parquet(tmp / "duplicates" / f"{chunk:05d}.parquet", index=False)


def _spark_dedupe(run, cfg, tmp: Path, n_chunks: int) -> None:
    """The chunks deduplicated by ``applyInPandas``, one group per chunk: ``tmp/kept``
    and ``tmp/duplicates`` parts."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    spark = run.engine.spark
    events = spark.table("dd_events")
    flagged = events.join(spark.table("dd_chunks"), "event_id")
    schema = T.StructType([*events.schema.fields,
                           T.StructField("duplicate_of", T.StringType(), True)])
    columns = [*events.columns, "duplicate_of"]

    def one_chunk(frame: pd.DataFrame) -> pd.DataFrame:
        kept, duplicates = _split(frame.drop(columns="chunk"), cfg)
        out = pd.concat([kept.assign(duplicate_of=pd.NA), duplicates], ignore_index=True)
        out = out[columns].astype(object)
        return out.where(out.notna(), None)

    merged = flagged.groupBy("chunk").applyInPandas(one_chunk, schema).cache()
    merged.where(F.col("duplicate_of").isNull()).drop("duplicate_of").write.mode(
        "overwrite").parquet(str(tmp / "kept"))
    merged.where(F.col("duplicate_of").isNotNull()).write.mode("overwrite").parquet(
        str(tmp / "duplicates"))
    merged.unpersist()


#: how each engine deduplicates the chunks with pandas: DuckDB one chunk at a time,
#: Spark one ``applyInPandas`` group per chunk
_CHUNKED = {"duckdb": _duck_dedupe, "spark": _spark_dedupe}


def _write(engine, events: Path, tmp: Path, n_chunks: int) -> dict:
    """``tmp/events.parquet`` (every event not in a chunk, and the chunks' kept events)
    and ``tmp/duplicates.parquet`` (sorted by date, undated last, then id), from the
    parts the chunks left in ``tmp``; both engines run the same SQL. With no chunks the
    linked events are the result as they are."""
    columns = engine.columns("dd_events")
    if n_chunks:
        engine.view("dd_kept", tmp / "kept" / "*.parquet")
        engine.view("dd_dups", tmp / "duplicates" / "*.parquet")
        listed = ", ".join(f'"{c}"' for c in columns)
        qualified = ", ".join(f'e."{c}"' for c in columns)
        engine.copy(f"""SELECT {qualified} FROM dd_events e
  LEFT JOIN dd_chunks c ON c.event_id = e.event_id WHERE c.event_id IS NULL
UNION ALL SELECT {listed} FROM dd_kept""", tmp / "events.parquet")
        duplicates = "SELECT * FROM dd_dups ORDER BY date NULLS LAST, event_id"
    else:   # nothing to merge: the linked events as they are
        _link_or_copy(events, tmp / "events.parquet")
        duplicates = "SELECT " + ", ".join(
            f'CAST(NULL AS {_sql_type(model.EVENTS.get(c, model.STR))}) AS "{c}"'
            for c in [*columns, "duplicate_of"]) + " WHERE FALSE"
    dups = engine.copy(duplicates, tmp / "duplicates.parquet")
    engine.view("dd_out", tmp / "events.parquet")
    return {"events": int(engine.scalar("SELECT COUNT(*) FROM dd_out")), "duplicates": int(dups)}


def _link_or_copy(source: Path, target: Path) -> None:
    """``target`` as a hard link to ``source`` (a file, or a folder of part files as Spark
    writes), else a copy."""
    import os

    if source.is_dir():
        target.mkdir()
        for part in sorted(source.iterdir()):
            _link_or_copy(part, target / part.name)
        return
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _sql_type(dtype: str) -> str:
    return {model.BOOL: "BOOLEAN", model.FLOAT: "DOUBLE"}.get(dtype, "VARCHAR")


# --------------------------------------------------------------------------- output

def write_duplicates_csv(duplicates: Path, path: Path, batch_rows: int = 100_000) -> None:
    """``events-duplicates.csv`` as case mode writes it (formula-safe), batch by batch."""
    import pyarrow.parquet as pq

    from chronos.report.safe_files import atomic_file, csv_text

    files = sorted(duplicates.glob("*.parquet")) if duplicates.is_dir() else [duplicates]
    header = True
    with atomic_file(path, "w", encoding="utf-8", newline="") as handle:
        for file in files:
            for batch in pq.ParquetFile(file).iter_batches(batch_size=batch_rows):
                frame = model.conform(batch.to_pandas(), "events")
                frame = frame[[*model.EVENTS, "duplicate_of"]]
                handle.write(csv_text(frame, header=header))
                header = False
        if header:
            handle.write(",".join([*model.EVENTS, "duplicate_of"]) + "\n")
