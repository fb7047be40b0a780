"""The screen's link stage (with dedupe and findings after it) on a finished screen's ingest,
this code against another checkout, with CPU seconds and the outputs compared.

    python benchmarks/bench_screen_link.py SCREEN_OUT SOURCES --before CHECKOUT \
        --scratch DIR [--repeat 3]

``SCREEN_OUT`` is the folder of a finished ``chronos screen SOURCES`` (its
``work/ingest`` is reused, never changed). Each run copies that ingest into
``DIR/<label>-<n>`` and runs the link, dedupe and findings stages there in a new
process with the chronos of the checkout (this one, and ``--before``), alternating, so
the machine's load falls on both alike. Prints each stage's wall and CPU seconds (the
process's, DuckDB's threads included: on a shared machine the steadier figure) and peak
resident memory, the medians, the ratio after / before, and whether the two codes'
persons, links, relationships, mapped events and findings hold the same rows and
``link-review.csv`` the same bytes. Not asserted in tests.
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
STAGES = ("link", "dedupe", "findings")

CHILD = """
import json, os, resource, sys, time
from pathlib import Path
code = sys.argv[1]
# this checkout's chronos, not the one an editable install points at
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f)]
sys.path.insert(0, code)
from chronos.case import load_case
from chronos.screen import stages
from chronos.screen.run import ScreenOptions, _Run
out = Path(sys.argv[3])
run = _Run(load_case(sys.argv[2]), out, ScreenOptions("duckdb"), lambda *a: None, False)
ctx, figures = run.context, {"code": stages.__file__}
for name in %r:
    work = getattr(stages, "run_" + name)
    open("/proc/self/clear_refs", "w").write("5") if os.path.exists("/proc/self/clear_refs") else None
    wall, cpu = time.perf_counter(), time.process_time()
    work(ctx, ctx.work / name)
    status = dict(line.split(":", 1) for line in open("/proc/self/status")) \
        if os.path.exists("/proc/self/status") else {}
    peak = int(status["VmHWM"].split()[0]) / 1024 if "VmHWM" in status else \
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures[name] = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                     "peak_mb": peak}
ctx.close()
print(json.dumps(figures))
""" % (STAGES,)


def run_once(screened: Path, sources: Path, out: Path, code: Path) -> dict:
    """The link, dedupe and findings stages on a copy of ``screened``'s ingest, in a child
    process with the chronos of ``code``: {stage: {wall, cpu, peak_mb}}."""
    shutil.rmtree(out, ignore_errors=True)
    (out / "work").mkdir(parents=True)
    shutil.copytree(screened / "work" / "ingest", out / "work" / "ingest")
    done = subprocess.run([sys.executable, "-c", CHILD, str(code), str(sources), str(out)],
                          check=True, capture_output=True, text=True, env=dict(os.environ))
    return json.loads(done.stdout.strip().splitlines()[-1])


def same_outputs(a: Path, b: Path) -> dict[str, bool]:
    """Which outputs of two runs hold the same rows (DuckDB ``EXCEPT ALL`` both ways)."""
    import duckdb

    files = ["link/persons.parquet", "link/links.parquet", "link/relationships.parquet",
             "link/events.parquet", "dedupe/events.parquet", "findings/findings.parquet"]
    same = {}
    with duckdb.connect() as con:
        for name in files:
            left, right = (f"read_parquet('{p / 'work' / name}')" for p in (a, b))
            same[name] = all(con.execute(f"SELECT COUNT(*) FROM (SELECT * FROM {x} EXCEPT ALL "
                                         f"SELECT * FROM {y})").fetchone()[0] == 0
                             for x, y in ((left, right), (right, left)))
    review = [p / "work" / "link" / "link-review.csv" for p in (a, b)]
    same["link/link-review.csv"] = review[0].read_bytes() == review[1].read_bytes()
    return same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("screened", type=Path, help="a finished screen's output folder")
    parser.add_argument("sources", type=Path, help="the screen's case.yaml (or its folder)")
    parser.add_argument("--before", type=Path, required=True, help="another chronos checkout")
    parser.add_argument("--scratch", type=Path, required=True, help="where the runs go")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    codes = {"before": args.before.resolve(), "after": ROOT}
    runs: dict[str, list[dict]] = {label: [] for label in codes}
    for n in range(args.repeat):
        for label, code in codes.items():
            figures = run_once(args.screened, args.sources, args.scratch / f"{label}-{n}", code)
            runs[label].append(figures)
            print(f"{label} run {n + 1}: " + ", ".join(
                f"{s} {figures[s]['wall']:.1f}s wall {figures[s]['cpu']:.1f}s CPU "
                f"{figures[s]['peak_mb']:.0f} MB" for s in STAGES), flush=True)
    print(f"\nmedians of {args.repeat} (seconds; MB)")
    print(f"  {'stage':<9} {'before CPU':>10} {'after CPU':>10} {'ratio':>6} "
          f"{'before wall':>11} {'after wall':>10} {'before MB':>9} {'after MB':>9}")
    for stage in STAGES:
        med = {(label, key): statistics.median(r[stage][key] for r in rs)
               for label, rs in runs.items() for key in ("cpu", "wall", "peak_mb")}
        print(f"  {stage:<9} {med['before', 'cpu']:>10.1f} {med['after', 'cpu']:>10.1f} "
              f"{med['after', 'cpu'] / med['before', 'cpu']:>5.2f}x {med['before', 'wall']:>11.1f} "
              f"{med['after', 'wall']:>10.1f} {med['before', 'peak_mb']:>9.0f} "
              f"{med['after', 'peak_mb']:>9.0f}")
    same = same_outputs(args.scratch / "before-0", args.scratch / "after-0")
    print(f"  same outputs: {json.dumps(same)}; all identical: {all(same.values())}")


if __name__ == "__main__":
    main()
