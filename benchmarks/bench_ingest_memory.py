"""The screen's ingest stage, sources read whole against read a block of rows at a time.

    python benchmarks/bench_ingest_memory.py /work/pop/p500k --out /work/pop/ingestmem/bench

Runs ``chronos screen SOURCES --fresh`` stopped after the ingest stage, in a new process
per run (so that each peak is its own), once reading every source whole and once in
blocks of ``--rows`` rows (the default of ``chronos screen``), alternating, ``--repeat``
times; prints the stage's seconds and peak resident memory (the stage's ``peak_mb``),
their medians and the ratios blocks / whole. The outputs are compared table by table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import sys
from chronos.screen import stages as _screen_stages
from chronos.errors import ChronosError
from chronos.screen import screen
rows = None if sys.argv[3] == "whole" else int(sys.argv[3])
_screen_stages.INGEST_BLOCK_ROWS = rows
try:
    screen(sys.argv[1], sys.argv[2], resume=False, fail_after="ingest")
except ChronosError as exc:
    if "fail_after" not in str(exc):
        raise
"""


def run_once(sources: Path, out: Path, mode: str, code: Path = ROOT) -> dict:
    """One ingest run in a child process with the chronos of ``code``: the stage's marker
    (seconds, peak_mb, counts)."""
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run([sys.executable, "-c", CHILD, str(sources), str(out), mode],
                   cwd=code, check=True, env={**os.environ, "PYTHONPATH": str(code)})
    return json.loads((out / "work" / "ingest.done.json").read_text())


def same_tables(a: Path, b: Path) -> bool:
    """The ingest tables of two runs hold the same rows (compared in DuckDB, both ways)."""
    import duckdb

    with duckdb.connect() as con:
        con.execute("set preserve_insertion_order = false")
        con.execute("set enable_progress_bar = false")
        for name in ("events", "person_records", "relationships", "quarantine"):
            left, right = (f"read_parquet('{p / 'work' / 'ingest' / name}/*.parquet')"
                           for p in (a, b))
            for one, other in ((left, right), (right, left)):
                extra = con.execute(f"select count(*) from (select * from {one} "
                                    f"except all select * from {other})").fetchone()[0]
                if extra:
                    print(f"{name}: {extra} rows differ")
                    return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", type=Path)
    parser.add_argument("--out", type=Path, required=True, help="scratch folder")
    parser.add_argument("--rows", type=int, default=None, help="rows per block")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-compare", action="store_true", help="skip the table comparison")
    parser.add_argument("--before", type=Path, help="also run the whole read with the chronos "
                        "of this checkout (e.g. /work/main), as the baseline")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from chronos.screen.stages import INGEST_BLOCK_ROWS

    rows = args.rows or INGEST_BLOCK_ROWS
    modes = {"whole": ("whole", ROOT), f"blocks of {rows:,}": (str(rows), ROOT)}
    if args.before:
        modes = {"before (whole)": ("whole", args.before), **modes}
    seen: dict[str, list[dict]] = {name: [] for name in modes}
    for i in range(args.repeat):
        for name, (mode, code) in modes.items():
            done = run_once(args.sources, args.out / name.split()[0], mode, code)
            seen[name].append(done)
            print(f"run {i + 1} {name:>20}: {done['seconds']:7.1f} s  {done['peak_mb']:8.0f} MB",
                  flush=True)
    medians = {name: (statistics.median(d["seconds"] for d in runs),
                      statistics.median(d["peak_mb"] for d in runs)) for name, runs in seen.items()}
    for name, (seconds, mb) in medians.items():
        print(f"median {name:>20}: {seconds:7.1f} s  {mb:8.0f} MB")
    part_s, part_mb = medians[f"blocks of {rows:,}"]
    for name, (seconds, mb) in medians.items():
        if not name.startswith("blocks"):
            print(f"ratio blocks / {name}: time {part_s / seconds:.2f}x, "
                  f"peak memory {part_mb / mb:.2f}x")
    if not args.no_compare:
        for name in modes:
            if not name.startswith("blocks"):
                same = same_tables(args.out / name.split()[0], args.out / "blocks")
                print(f"tables of blocks and {name}: " + ("identical" if same else "DIFFER"))


if __name__ == "__main__":
    main()
