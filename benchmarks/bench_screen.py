"""Benchmark: ``chronos screen`` on a generated population, stage by stage.

Generates N children with :mod:`population` (benchmarks/population.py), screens them on
DuckDB and prints each stage's seconds and the process's peak memory, then two ratios
measured in the same run:

* rules alone vs a bare DuckDB scan of the same events Parquet (one aggregate over every
  column the rules read, :data:`RULE_COLUMNS`, so nothing is materialised in Python):
  target within 5x;
* with ``--spark N``: Spark local mode on N children vs DuckDB on the same N, stage by
  stage and overall (median of ``--repeat`` runs each, alternating engines), with the
  findings, links and scorecard compared row for row. The Spark session's start (JVM
  launch) is timed on its own and left out of the stages.

Not asserted in tests. Usage::

    python benchmarks/bench_screen.py --children 100000 [--spark 2000] [--keep DIR]
    python benchmarks/bench_screen.py --children 0 --spark 10000 \
        --spark-population /work/pop/p10k --keep /tmp/bench10k --repeat 3
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


def _stage_seconds(result) -> dict[str, float]:
    return {stage.name: stage.seconds for stage in result.stages}


def _same_results(duck: Path, spark: Path) -> dict[str, bool]:
    """Which outputs of the two engines are identical (findings row for row)."""
    import pandas as pd

    def frame_equal(a, b) -> bool:
        try:
            pd.testing.assert_frame_equal(a, b)
            return True
        except AssertionError:
            return False

    links = [pd.read_parquet(p / "work" / "link" / "links.parquet")[["record_key", "person_id"]]
             for p in (duck, spark)]
    cards = sorted(p.name for p in (duck / "scorecard").glob("*.csv"))
    return {
        "findings": frame_equal(pd.read_parquet(duck / "findings.parquet"),
                                pd.read_parquet(spark / "findings.parquet")),
        "findings.csv": (duck / "findings.csv").read_bytes() == (spark / "findings.csv").read_bytes(),
        "links": frame_equal(*links),
        "scorecard": all((duck / "scorecard" / n).read_bytes() == (spark / "scorecard" / n).read_bytes()
                         for n in cards),
    }


def compare_spark(population: Path, root: Path, repeat: int) -> None:
    """Spark local vs DuckDB on one population: per-stage medians, ratios, identity."""
    import statistics

    from chronos.screen.engines import spark_session
    from chronos.screen import STAGES, screen

    start = time.perf_counter()
    spark_session(None)
    session = time.perf_counter() - start
    runs: dict[str, list[dict]] = {"duckdb": [], "spark": []}
    for _ in range(repeat):
        for engine in ("duckdb", "spark"):
            result = screen(population, root / f"out-{engine}", engine=engine, resume=False)
            runs[engine].append(_stage_seconds(result))
            print(f"  {engine}: {json.dumps(runs[engine][-1])}", flush=True)
    med = {e: {s: statistics.median(r[s] for r in rs) for s in STAGES} for e, rs in runs.items()}
    print(f"\nSpark local vs DuckDB, {population} (median of {repeat}; seconds)")
    print(f"  {'stage':<10} {'DuckDB':>9} {'Spark':>9} {'ratio':>7}")
    for stage in STAGES:
        d, s = med["duckdb"][stage], med["spark"][stage]
        print(f"  {stage:<10} {d:>9.1f} {s:>9.1f} {s / d if d else float('nan'):>6.1f}x")
    d, s = sum(med["duckdb"].values()), sum(med["spark"].values())
    print(f"  {'total':<10} {d:>9.1f} {s:>9.1f} {s / d:>6.1f}x")
    print(f"  Spark session start {session:.1f}s (not in the stages); with it the ratio is "
          f"{(s + session) / d:.1f}x")
    same = _same_results(root / "out-duckdb", root / "out-spark")
    print(f"  identical: {json.dumps(same)}; findings identical: {same['findings']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=100_000,
                        help="children for the DuckDB benchmark (0: skip it)")
    parser.add_argument("--spark", type=int, default=0, help="children for the Spark comparison")
    parser.add_argument("--spark-population", type=Path,
                        help="an existing population folder for the Spark comparison")
    parser.add_argument("--repeat", type=int, default=1, help="runs per engine (medians)")
    parser.add_argument("--keep", type=Path, help="keep the data and outputs in this folder")
    parser.add_argument("--link", type=Path, help="time rules vs scan on this linked folder only")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.link:
        _ratio(args.link, args.repeats)
        return

    from population import generate

    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-screen-"))
    try:
        if args.children:
            _duckdb_benchmark(args.children, root, generate)
        if args.spark or args.spark_population:
            population = args.spark_population
            if population is None:
                population = root / "small"
                generate(args.spark, population)
            compare_spark(population, root / "spark-vs-duckdb", args.repeat)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


def _duckdb_benchmark(children: int, root: Path, generate) -> None:
    from chronos.screen import screen

    start = time.perf_counter()
    info = generate(children, root / "population")
    print(f"generated {children:,} children, {info['events']:,} export rows "
          f"in {time.perf_counter() - start:.1f}s")
    result = screen(root / "population", root / "out", resume=False)
    total = _print_stages(f"DuckDB, {children:,} children", result)
    events = _events(root / "out" / "work")
    (scan, _), (rules, _) = _bare_scan(events), _rules_alone(root / "out" / "work")
    print(f"  rules alone {rules:.2f}s vs bare DuckDB scan of the rule columns {scan:.2f}s: "
          f"ratio {rules / scan:.1f}x")
    print(f"  whole run {total:.1f}s; peak memory {max(s.peak_mb for s in result.stages):,.0f} MB")


if __name__ == "__main__":
    main()
