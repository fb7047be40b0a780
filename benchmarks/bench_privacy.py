"""Benchmark: pseudonymising a 20,000-event case, seconds each step.

Prints the median of N runs of: pseudonymise (tables), the shared chronology (both
chronologies built and every changed cell remembered), re-identifying the shared CSV and
checking the shared CSV against the real one, with the ratio to a baseline measured in the
same run: building the real chronology once (what any report must do). Not asserted in tests.

    python benchmarks/bench_privacy.py [--events 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chronos.report._example import example_result  # noqa: E402
from chronos.report.document import ChronologyOptions, build_chronology  # noqa: E402
from _timing import median_seconds  # noqa: E402  (benchmarks/ is on the path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from chronos.report.csv_writer import write_csv
    from chronos.report.privacy import pseudonymise, reidentify
    from chronos.report.privacy_document import shared_chronology

    result = example_result(args.events)
    options = ChronologyOptions(produced="2024-03-31")
    baseline = median_seconds(lambda: build_chronology(result, options), args.repeat)
    tables = median_seconds(lambda: pseudonymise(result, shift_days=-41), args.repeat)
    shared, key = pseudonymise(result, shift_days=-41)
    document = median_seconds(lambda: shared_chronology(result, shared, key, options), args.repeat)
    chron = shared_chronology(result, shared, key, options)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(chron, Path(tmp) / "shared.csv")
        back = median_seconds(lambda: reidentify(path, key, Path(tmp) / "back.csv"), args.repeat)
    print(f"{len(chron.rows)} chronology rows, {len(key.texts)} cells remembered, "
          f"median of {args.repeat} runs")
    print(f"{'baseline: build_chronology':<34} {baseline:8.3f} s")
    for name, seconds in (("pseudonymise (tables)", tables),
                          ("shared chronology (+ cell key)", document),
                          ("reidentify the shared CSV", back)):
        print(f"{name:<34} {seconds:8.3f} s   x{seconds / baseline:6.1f} baseline")


if __name__ == "__main__":
    main()
