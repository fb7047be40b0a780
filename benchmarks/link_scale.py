"""Linking speed: a population of person records, and a family case (printed, not asserted).

    /work/venv/bin/python benchmarks/link_scale.py [n_records] [--family-only]

Population: ``n_records`` synthetic records (default 1,000,000) across four agency exports,
linked with link_people (splink on DuckDB). Baseline measured in the same run: DuckDB
reading the same records from Parquet and joining them on exact NHS number (the least any
linker must do). splink's documentation quotes roughly a minute for a million records on
a laptop; that figure is quoted, not measured here.

Family: a case of a few dozen records, median of 7 runs after a warm-up (start-up cost:
imports and the first DuckDB connection, reported separately).
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

SPLINK_QUOTED_SECONDS_PER_MILLION = 60.0


def population(n_records: int):
    import pandas as pd

    from link_synth import generate

    cache = Path(f"/tmp/chronos-link-synth-{n_records}.parquet")
    if cache.exists():
        return pd.read_parquet(cache), cache
    start = time.perf_counter()
    records, _, _ = generate(int(n_records / 1.94) + 1)
    records = records.head(n_records)
    records.to_parquet(cache)
    print(f"generated {len(records)} records in {time.perf_counter() - start:.0f}s -> {cache}")
    return records, cache


def reset_peak() -> None:
    """Linux: restart the peak resident size (VmHWM) from the current size."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def peak_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM")) / 1024


def baseline_seconds(path: Path) -> float:
    import duckdb

    start = time.perf_counter()
    con = duckdb.connect()
    con.sql(f"CREATE TABLE r AS SELECT * FROM read_parquet('{path}')")
    con.sql("SELECT count(*) FROM r a JOIN r b ON a.nhs_number = b.nhs_number "
            "AND a.record_key < b.record_key").fetchall()
    return time.perf_counter() - start


def run_population(n_records: int) -> None:
    from chronos.link.identifiers import prepare_records
    from chronos.link.people import link_people

    records, path = population(n_records)
    base = baseline_seconds(path)
    start = time.perf_counter()
    prepare_records(records)
    prep = time.perf_counter() - start
    reset_peak()
    start, cpu = time.perf_counter(), time.process_time()
    result = link_people(records, settings={"duckdb_memory_limit": "8GB"})
    total, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = peak_mb()
    per_million = total * 1_000_000 / len(records)
    print(f"population: {len(records)} records -> {len(result.persons)} people in {total:.1f}s "
          f"(identifier hygiene alone {prep:.1f}s); {len(result.pairs)} pairs kept, "
          f"{len(result.review)} to review; seconds by stage {result.timings}; "
          f"peak resident memory while linking {peak:,.0f} MB; CPU {cpu:.0f}s (all threads); "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"  baseline (DuckDB read + exact NHS self-join): {base:.2f}s; ratio {total / base:.1f}x")
    print(f"  per million records: {per_million:.0f}s; vs splink's quoted ~"
          f"{SPLINK_QUOTED_SECONDS_PER_MILLION:.0f}s/million: "
          f"{per_million / SPLINK_QUOTED_SECONDS_PER_MILLION:.1f}x")


def run_family() -> None:
    import io

    import pandas as pd

    from link_synth import generate

    records, _, _ = generate(20, seed=11)
    start = time.perf_counter()
    from chronos.link.people import link_people

    link_people(records)
    startup = time.perf_counter() - start
    times, reads = [], []
    text = records.to_csv(index=False)
    for _ in range(7):
        start = time.perf_counter()
        pd.read_csv(io.StringIO(text), dtype=str)
        reads.append(time.perf_counter() - start)
        start = time.perf_counter()
        link_people(records)
        times.append(time.perf_counter() - start)
    median, base = statistics.median(times), statistics.median(reads)
    print(f"family: {len(records)} records, start-up (imports + first run) {startup:.2f}s, "
          f"then median {median * 1000:.0f} ms per link (baseline: reading the records CSV "
          f"{base * 1000:.1f} ms; ratio {median / base:.0f}x)")


if __name__ == "__main__":
    run_family()
    if "--family-only" not in sys.argv:
        run_population(int(next((a for a in sys.argv[1:] if a.isdigit()), 1_000_000)))
