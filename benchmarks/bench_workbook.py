"""Benchmark: reading an agency workbook (.xlsx) against python-calamine's own read.

Writes a mapped GP-style workbook of N rows (the columns of bench_ingest.py, dates as
Excel dates, NHS numbers as numbers) into a scratch folder, then times, alternating in
each round:

- ``calamine``: ``CalamineWorkbook.from_path(...).get_sheet_by_index(0).to_python()``,
  the baseline of the same run (the least chronos's reader could do);
- ``read_sheets``: :func:`chronos.ingest.workbook.read_sheets`, what every workbook
  reader of chronos calls (the zip checked for bombs, DTDs and long cells, each sheet's
  reach measured, values as openpyxl gives them);
- ``mapped``: the whole mapped ingest of the workbook (``read_mapped``: header found,
  dates parsed, persons and events made);
- ``openpyxl`` (with ``--openpyxl``): openpyxl's read-only reader, chronos's reader
  before python-calamine.

Prints medians (wall and CPU) and ratios to ``calamine``. Target (issue 21): workbooks at
most 2x calamine's own read. Usage::

    python benchmarks/bench_workbook.py [--rows 50000] [--runs 3] [--openpyxl]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import MAPPING, generate  # noqa: E402


def write_workbook(csv_path: Path, path: Path) -> None:
    """The CSV's rows as one sheet, dates as dates and NHS numbers as numbers."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Appointments")
    with open(csv_path, encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        sheet.append(next(rows))
        for row in rows:
            row[3] = dt.datetime.strptime(row[3], "%d/%m/%Y")
            row[5] = int(row[5])
            row[6] = dt.datetime.strptime(row[6], "%d/%m/%Y")
            sheet.append(row)
    book.save(path)


def _timed(work) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--openpyxl", action="store_true", help="time openpyxl too (slow)")
    args = parser.parse_args()

    import openpyxl
    from python_calamine import CalamineWorkbook

    from chronos.ingest.base import Source
    from chronos.ingest.mapped import read_mapped
    from chronos.ingest.workbook import read_sheets

    def calamine(path):
        CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()

    def old(path):
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        list(book.worksheets[0].iter_rows(values_only=True))
        book.close()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gp_appointments.xlsx"
        generate(Path(tmp) / "rows.csv", args.rows)
        write_workbook(Path(tmp) / "rows.csv", path)
        source = Source(path=path, name="gp", format="mapped", mapping=MAPPING,
                        options={"as_of": "2024-12-31"})
        work = {"calamine": lambda: calamine(path),
                "read_sheets": lambda: read_sheets(path, path.name),
                "mapped": lambda: read_mapped(source)}
        if args.openpyxl:
            work["openpyxl"] = lambda: old(path)
        times: dict[str, list] = {name: [] for name in work}
        for _ in range(args.runs):
            for name, job in work.items():
                times[name].append(_timed(job))
        result = read_mapped(source)
        assert result.reconciles() and len(result.events) == args.rows
    base = [statistics.median(t[i] for t in times["calamine"]) for i in (0, 1)]
    print(f"rows: {args.rows:,}  runs: {args.runs}  (medians; ratio to calamine)")
    for name, values in times.items():
        wall, cpu = (statistics.median(t[i] for t in values) for i in (0, 1))
        print(f"  {name:<12} wall {wall:6.2f} s ({wall / base[0]:5.2f}x)   "
              f"cpu {cpu:6.2f} s ({cpu / base[1]:5.2f}x)")
    print("target: chronos's workbook reading (read_sheets) at most 2x calamine's own read")


if __name__ == "__main__":
    main()
