"""Benchmark: Word, Excel and HTML chronologies of a 20,000-event case, seconds each.

Prints the median of N runs per writer and the ratio to a baseline measured in the same
run: writing the same chronology rows as plain CSV with pandas (the least any writer
must do). Not asserted in tests.

    /work/venv/bin/python benchmarks/bench_reports.py [--events 20000] [--repeat 3]
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

    from chronos.report.docx_writer import write_docx
    from chronos.report.html_writer import write_html
    from chronos.report.xlsx_writer import write_xlsx

    result = example_result(args.events)
    options = ChronologyOptions(produced="2024-03-31")
    render = median_seconds(lambda: build_chronology(result, options), args.repeat)
    chron = build_chronology(result, options)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        baseline = median_seconds(lambda: chron.display.to_csv(out / "plain.csv", index=False), args.repeat)
        rows = [("render (build_chronology)", render)]
        for name, writer, file in (("Word (.docx)", write_docx, "c.docx"),
                                   ("Excel (.xlsx)", write_xlsx, "c.xlsx"),
                                   ("HTML (.html)", write_html, "c.html")):
            rows.append((name, median_seconds(lambda: writer(chron, out / file), args.repeat)))
        sizes = {f: (out / f).stat().st_size for f in ("c.docx", "c.xlsx", "c.html")}
    print(f"{len(chron.rows)} chronology rows, median of {args.repeat} runs")
    print(f"{'baseline: pandas to_csv':<28} {baseline:8.3f} s")
    for name, seconds in rows:
        print(f"{name:<28} {seconds:8.3f} s   x{seconds / baseline:7.1f} baseline")
    print("sizes: " + ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in sizes.items()))


if __name__ == "__main__":
    main()
