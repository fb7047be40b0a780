"""Benchmark: what de-duplication and derived households add to ``chronos screen``.

Takes the work folder of a screen whose ``link`` stage is done (``<out>/work``), and times,
in one process, on DuckDB:

* a bare DuckDB scan of the linked events (every column aggregated): the baseline;
* the households step of the link stage (``derived_households``);
* the dedupe stage on the events as they are, and on a copy where ``--dup-fraction`` of
  the mergeable events are reported a second time by another source (the same day or the
  next, a shorter summary), so the pandas chunks have real work to do.

Prints the median seconds of ``--repeat`` runs, the ratio to the bare scan, and the peak
memory of the process after each step. Not asserted in tests. Usage::

    python benchmarks/bench_screen_dedupe.py /work/pop/out100k/work --scratch /tmp/dd [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


class _Run:
    """What the stage functions need of a screening run."""

    def __init__(self, engine):
        self.engine = engine
        self.case = None

    @staticmethod
    def say(*_args) -> None:
        pass


def _median(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _bare_scan(con, events: Path) -> None:
    con.execute(f"SELECT COUNT(*), COUNT(DISTINCT person_ids), MAX(date), MAX(event_type), "
                f"MAX(agency), MAX(categories), MAX(details), MAX(summary) "
                f"FROM read_parquet('{events}')").fetchall()


def _with_duplicates(con, events: Path, out: Path, fraction: float) -> int:
    """``out``: the events plus a second report of ``fraction`` of the mergeable ones."""
    from chronos.link.events import load_dedupe_config

    never = ", ".join(f"'{t}'" for t in sorted(load_dedupe_config().never_merge))
    con.execute(f"""COPY (
SELECT * FROM read_parquet('{events}')
UNION ALL
SELECT * REPLACE ('D' || substr(md5(event_id), 1, 15) AS event_id,
  'exports/letters.csv' AS source_file, 'letter' AS summary,
  strftime(CAST(date AS DATE) + CAST(hash(event_id) % 2 AS INTEGER), '%Y-%m-%d') AS date)
FROM read_parquet('{events}')
WHERE date_precision = 'day' AND date IS NOT NULL AND event_type NOT IN ({never})
  AND hash(event_id) % 10000 < {int(fraction * 10000)}) TO '{out}' (FORMAT parquet)""")
    return con.execute(f"SELECT COUNT(*) FROM read_parquet('{out}')").fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work", type=Path, help="a screen's work folder (link stage done)")
    parser.add_argument("--scratch", type=Path, required=True)
    parser.add_argument("--dup-fraction", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    import pandas as pd

    from chronos.screen import dedupe as dd
    from chronos.screen.engines import DuckEngine
    from chronos.screen import peak_mb

    events = args.work / "link" / "events.parquet"
    shutil.rmtree(args.scratch, ignore_errors=True)
    args.scratch.mkdir(parents=True)
    engine = DuckEngine(args.scratch / "work")
    run = _Run(engine)
    rows = []

    def step(label: str, fn) -> None:
        seconds = _median(fn, args.repeat)
        rows.append((label, seconds, peak_mb()))

    step("bare DuckDB scan of the events", lambda: _bare_scan(engine.con, events))
    records = pd.read_parquet(args.work / "ingest" / "person_records")
    links = pd.read_parquet(args.work / "link" / "links.parquet")
    relationships = pd.read_parquet(args.work / "link" / "relationships.parquet")
    relationships = relationships[relationships["kind"] != "household"]
    mapping = dict(zip(links["record_key"], links["person_id"]))
    derived = []
    step("households (link stage)", lambda: derived.append(dd.derived_households(
        engine, dd.household_records(records, mapping), relationships, events)))
    del records, links

    def dedupe(source: Path, name: str):
        def go():
            folder = args.scratch / name
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            counts.update(dd.dedupe_population(run, source, folder))
        return go

    counts: dict = {}
    step("dedupe stage, events as they are", dedupe(events, "plain"))
    plain = dict(counts)
    doubled = args.scratch / "with-duplicates.parquet"
    n = _with_duplicates(engine.con, events, doubled, args.dup_fraction)
    step(f"dedupe stage, {args.dup_fraction:.0%} reported twice", dedupe(doubled, "doubled"))
    engine.close()

    base = rows[0][1]
    print(f"{n:,} events with duplicates; households: {len(derived[-1]):,} rows")
    print(f"plain: {plain}\nwith duplicates: {counts}")
    print(f"{'step':<40} {'median s':>9} {'x scan':>7} {'peak MB':>9}")
    for label, seconds, peak in rows:
        print(f"{label:<40} {seconds:>9.2f} {seconds / base:>7.1f} {peak:>9.0f}")


if __name__ == "__main__":
    main()
