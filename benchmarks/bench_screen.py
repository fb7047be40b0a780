"""Benchmark: ``chronos screen`` on a generated population, stage by stage.

Generates N children with :mod:`population` (benchmarks/population.py), screens them on
DuckDB and prints each stage's seconds and the process's peak memory, then two ratios
measured in the same run:

* rules alone vs a bare DuckDB scan of the same events Parquet (one aggregate over every
  column the rules read, :data:`RULE_COLUMNS`, so nothing is materialised in Python):
  target within 5x;
* with ``--spark N``: Spark local mode on N children vs DuckDB on the same N (the
  findings are compared row for row).

Not asserted in tests. Usage::

    python benchmarks/bench_screen.py --children 100000 [--spark 2000] [--keep DIR]
    python benchmarks/bench_screen.py --link OUT/work/link [--repeats 3]

``--link`` skips generating and screening: it times the rules alone and the bare scan on
the Parquet of an earlier screen (``<out>/work/link``, with the events of
``<out>/work/dedupe`` when there is one), ``--repeats`` times each, interleaved, and
prints the medians and their ratio.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))


#: the events columns the catalogue's rules read (``outcome`` only when a rule selects on
#: outcome text, which none of the shipped rules does): the bare scan reads exactly these,
#: so the ratio compares the rules with the least any engine must do to see their input
RULE_COLUMNS = ("event_id", "date", "date_precision", "date_uncertain", "end_date", "person_ids",
                "agency", "event_type", "categories", "value", "details", "summary",
                "corroborated_by")
#: the first session's scan (6 columns; kept to compare with its 33x)
SESSION1_COLUMNS = ("person_ids", "date", "event_type", "agency", "categories", "details")


def _bare_scan(events: Path, columns=RULE_COLUMNS) -> tuple[float, float]:
    """(wall, CPU) seconds of one aggregate over ``columns`` of the events Parquet (every
    value read and compared; nothing materialised in Python)."""
    import duckdb

    con = duckdb.connect()
    aggs = ", ".join(f"MAX(CAST({c} AS VARCHAR))" if c != "person_ids" else "COUNT(DISTINCT person_ids)"
                     for c in columns)
    start, cpu = time.perf_counter(), time.process_time()
    con.execute(f"SELECT COUNT(*), {aggs} FROM read_parquet('{events}')").fetchall()
    return time.perf_counter() - start, time.process_time() - cpu


def _events(work: Path) -> Path:
    """The events the rules read: the de-duplicated ones, or (a screen from before the
    dedupe stage) the linked ones."""
    deduped = work / "dedupe" / "events.parquet"
    return deduped if deduped.exists() else work / "link" / "events.parquet"


def _rules_alone(work: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of the rules on DuckDB over the events Parquet, nothing else."""
    import duckdb

    from chronos.patterns.engine import resolve_rules, run_on_connection

    con = duckdb.connect()
    link = work / "link"
    for name, file in (("events_in", _events(work)), ("persons_in", link / "persons.parquet"),
                       ("relationships_in", link / "relationships.parquet")):
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{file}')")
    rules = resolve_rules()
    start, cpu = time.perf_counter(), time.process_time()
    run_on_connection(con, rules, None)
    return time.perf_counter() - start, time.process_time() - cpu


def _ratio(link: Path, repeats: int) -> None:
    """Medians of the rules alone and of the bare scans on linked Parquet, interleaved.
    CPU seconds (all threads) are printed too: on a shared machine they vary less."""
    import statistics

    runs = {"rules": [], "scan": [], "scan6": []}
    for _ in range(repeats):
        runs["scan"].append(_bare_scan(_events(link.parent)))
        runs["scan6"].append(_bare_scan(_events(link.parent), SESSION1_COLUMNS))
        runs["rules"].append(_rules_alone(link.parent))
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
           for k, v in runs.items()}
    for key, label in (("rules", "rules alone"), ("scan", f"bare scan, {len(RULE_COLUMNS)} rule columns"),
                       ("scan6", "bare scan, 6 columns (session 1)")):
        print(f"{label:<34} wall median {med[key][0]:6.2f}s of "
              f"{[round(w, 2) for w, _ in runs[key]]}; CPU median {med[key][1]:6.2f}s")
    for key in ("scan", "scan6"):
        print(f"ratio vs {key}: wall {med['rules'][0] / med[key][0]:.1f}x, "
              f"CPU {med['rules'][1] / med[key][1]:.1f}x (medians, {repeats} runs each)")


def _print_stages(label: str, result) -> float:
    total = 0.0
    print(f"\n{label}")
    print(f"  {'stage':<10} {'seconds':>9} {'peak MB':>9}  counts")
    for stage in result.stages:
        total += stage.seconds
        print(f"  {stage.name:<10} {stage.seconds:>9.1f} {stage.peak_mb:>9.0f}  "
              f"{json.dumps(stage.counts, sort_keys=True)}")
    print(f"  {'total':<10} {total:>9.1f}")
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--spark", type=int, default=0, help="children for the Spark comparison")
    parser.add_argument("--keep", type=Path, help="keep the data and outputs in this folder")
    parser.add_argument("--link", type=Path, help="time rules vs scan on this linked folder only")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.link:
        _ratio(args.link, args.repeats)
        return

    import pandas as pd

    from population import generate

    from chronos.screen import screen

    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-screen-"))
    try:
        start = time.perf_counter()
        info = generate(args.children, root / "population")
        print(f"generated {args.children:,} children, {info['events']:,} export rows "
              f"in {time.perf_counter() - start:.1f}s")
        result = screen(root / "population", root / "out", resume=False)
        total = _print_stages(f"DuckDB, {args.children:,} children", result)
        events = _events(root / "out" / "work")
        (scan, _), (rules, _) = _bare_scan(events), _rules_alone(root / "out" / "work")
        print(f"  rules alone {rules:.2f}s vs bare DuckDB scan of the rule columns {scan:.2f}s: "
              f"ratio {rules / scan:.1f}x")
        print(f"  whole run {total:.1f}s; peak memory {max(s.peak_mb for s in result.stages):,.0f} MB")
        if args.spark:
            generate(args.spark, root / "small")
            duck = screen(root / "small", root / "small-duck", resume=False)
            spark = screen(root / "small", root / "small-spark", engine="spark", resume=False)
            d, s = _print_stages("DuckDB (small)", duck), _print_stages("Spark local (small)", spark)
            same = pd.read_parquet(root / "small-duck" / "findings.parquet").equals(
                pd.read_parquet(root / "small-spark" / "findings.parquet"))
            print(f"  Spark/DuckDB time ratio on {args.spark:,} children: {s / d:.1f}x; "
                  f"findings identical: {same}")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
