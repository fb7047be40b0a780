"""Benchmark chronos.dates.parse_column on a large mixed-format column.

Builds a 1,000,000-value column of synthetic dates in the shapes real exports use
(mostly dd/mm/yyyy, plus ISO date-times, 22-May-2016, 22.05.16, partial, uncertain,
Excel serials, blanks and junk; about 50,000 distinct values), then prints the median
time of ``parse_column`` over a few runs, values per second, and the ratio to
``pd.to_datetime(format="%d/%m/%Y")`` on a same-sized all-dd/mm/yyyy column measured
in the same run. Printed, not asserted.

    python benchmarks/bench_dates.py [--rows 1000000] [--runs 5]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chronos import dates  # noqa: E402
from chronos.dates import parse_column  # noqa: E402
from _timing import median_seconds  # noqa: E402  (benchmarks/ is on the path)

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
# (weight, formatter of a Timestamp and a random minute-of-day)
SHAPES = [
    (0.62, lambda d, m: d.strftime("%d/%m/%Y")),
    (0.12, lambda d, m: f"{d:%Y-%m-%d} {m // 60:02d}:{m % 60:02d}:00"),
    (0.05, lambda d, m: f"{d:%Y-%m-%dT%H:%M:%S}Z".replace("00:00:00", f"{m // 60:02d}:{m % 60:02d}:00")),
    (0.05, lambda d, m: f"{d.day:02d}-{MONTHS[d.month - 1]}-{d:%y}"),
    (0.05, lambda d, m: d.strftime("%d.%m.%y")),
    (0.02, lambda d, m: f"{MONTHS[d.month - 1]} {d.year}"),
    (0.02, lambda d, m: f"?{d:%d/%m/%Y}"),
    (0.02, lambda d, m: str((d - pd.Timestamp("1899-12-30")).days)),
    (0.03, lambda d, m: ""),
    (0.01, lambda d, m: "#N/A"),
    (0.01, lambda d, m: f"note {m}"),
]


def make_column(rows: int, seed: int = 7) -> pd.Series:
    """A reproducible mixed column of ``rows`` date strings."""
    rng = np.random.default_rng(seed)
    days = pd.Timestamp("2000-01-01") + pd.to_timedelta(rng.integers(0, 9000, 120000), unit="D")
    minutes = rng.integers(0, 96, 120000) * 15
    weights = np.array([w for w, _ in SHAPES])
    shapes = rng.choice(len(SHAPES), 120000, p=weights / weights.sum())
    pool = [SHAPES[s][1](d, int(m)) for s, d, m in zip(shapes, days, minutes)]
    return pd.Series(np.asarray(pool, dtype=object)[rng.integers(0, len(pool), rows)], dtype="str")


def main() -> None:
    fresh = dates._scan_text.cache_clear     # every run reads every distinct value afresh
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    column = make_column(args.rows)
    offsets = np.random.default_rng(1).integers(0, 9000, args.rows)
    days = pd.Timestamp("2000-01-01") + pd.to_timedelta(offsets, unit="D")
    baseline_column = pd.Series(days.strftime("%d/%m/%Y"), dtype="str")
    print(f"rows: {len(column):,}  distinct: {column.nunique():,}")
    base = median_seconds(lambda: pd.to_datetime(baseline_column, format="%d/%m/%Y"), args.runs, before=fresh)
    ours = median_seconds(lambda: parse_column(column), args.runs, before=fresh)
    result = parse_column(column)
    errors = result.frame["error"].value_counts().to_dict()
    print(f"pd.to_datetime(format='%d/%m/%Y'): median {base:.3f} s")
    print(f"parse_column (mixed formats):     median {ours:.3f} s  "
          f"({len(column) / ours:,.0f} values/s)  ratio {ours / base:.2f}x")
    print(f"errors: {errors}")
    same = median_seconds(lambda: parse_column(baseline_column), args.runs, before=fresh)
    print(f"parse_column (the baseline's own dd/mm/yyyy column): median {same:.3f} s  "
          f"ratio {same / base:.2f}x")
    stamps = pd.Timestamp("2015-01-01") + pd.to_timedelta(
        np.random.default_rng(2).integers(0, 9 * 365 * 86400, args.rows), unit="s")
    times = pd.Series(stamps.strftime("%Y-%m-%d %H:%M:%S"), dtype="str")
    print(f"worst case, every value distinct ({times.nunique():,} ISO date-times):")
    base = median_seconds(lambda: pd.to_datetime(times, format="%Y-%m-%d %H:%M:%S"), args.runs, before=fresh)
    ours = median_seconds(lambda: parse_column(times), args.runs, before=fresh)
    print(f"  pd.to_datetime(format=...): median {base:.3f} s; parse_column: median {ours:.3f} s  "
          f"({len(times) / ours:,.0f} values/s)  ratio {ours / base:.2f}x")


if __name__ == "__main__":
    main()
