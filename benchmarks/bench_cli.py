"""How long `chronos --help` takes, against a bare Python start-up measured in the same run.

Target (issue 2): under 0.3 s. Prints medians of several runs; nothing is asserted.

    python benchmarks/bench_cli.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def _time(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _heavy_modules_loaded() -> list[str]:
    code = ("import contextlib, io, sys, runpy; sys.argv=['chronos','--help']\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "  try:\n    runpy.run_module('chronos', run_name='__main__')\n"
            "  except SystemExit: pass\n"
            "heavy=['pandas','duckdb','matplotlib','splink','docx','openpyxl','numpy']\n"
            "print(','.join(m for m in heavy if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    lines = out.stdout.strip().splitlines()
    return [m for m in lines[-1].split(",") if m] if lines else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    bare = _time([sys.executable, "-c", "pass"], args.runs)
    helps = _time([sys.executable, "-m", "chronos", "--help"], args.runs)
    print(f"python start-up      median {bare:.3f} s")
    print(f"chronos --help       median {helps:.3f} s  (target < 0.3 s)")
    print(f"ratio to bare start  {helps / bare:.1f}x")
    print(f"heavy modules loaded by --help: {_heavy_modules_loaded() or 'none'}")


if __name__ == "__main__":
    main()
