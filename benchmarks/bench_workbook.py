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

    python benchmarks/bench_workbook.py [--rows 50000] [--runs 3] [--openpyxl] [--before DIR]

``--before DIR``: the whole mapped ingest of the chronos of another checkout and of this
one, each in its own process (``_ingest_worker.py``), alternating with calamine's read in
every round; then the two codes' outputs compared on the workbook and on a hostile one
(:func:`hostile_workbook`) by SHA-256 of everything the read gives.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
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


def hostile_workbook(path: Path, rows: int, seed: int = 5) -> None:
    """A GP-style workbook of two sheets whose cells are of every kind a workbook holds:
    text with spaces, empty cells, whole and fractional numbers, numbers past 2**53,
    booleans, dates, date-times, times, a cell past the header (an extra field), blank,
    totals and repeated-header rows, unknown wordings and dates chronos cannot read."""
    import random

    import openpyxl

    rng = random.Random(seed)
    header = ["PatientID", "Forename", "Surname", "DOB", "Gender", "NHS No", "Appt Date",
              "Time", "Clinic", "Outcome", "Notes"]
    odd = [
        lambda r: [None] * 11,
        lambda r: ["Total", None, None, None, None, None, None, None, None, 1204, None],
        lambda r: list(header),
        lambda r: r[:3] + [rng.choice([dt.datetime(2010, 5, 1, 14, 30), dt.date(2011, 2, 3),
                                       "31/02/2010", 40000, 40000.5, True, dt.time(9, 15)])]
        + r[4:],
        lambda r: r[:5] + [rng.choice([2 ** 53 + 2, 9434765919.0, 12.75, -3, "943 476 5919",
                                       None, False])] + r[6:],
        lambda r: r[:6] + [rng.choice([dt.datetime(2021, 3, 4, 0, 0, 5), "yesterday",
                                       dt.datetime(2031, 1, 1), 44000, None, " 04/05/2021 "])]
        + r[7:],
        lambda r: r[:7] + [rng.choice([dt.time(14, 5), 0.5, "2.05pm", None])] + r[8:],
        lambda r: r[:9] + [rng.choice(["DNA ", "Seen", None, 1, True])] + r[10:],
        lambda r: [None, None, None, None, None] + r[5:],
        lambda r: r + [None, "stray"],
        lambda r: r[:10] + [rng.choice(["  padded  ", "Révisé – £12", 3.14159, None])],
    ]
    book = openpyxl.Workbook(write_only=True)
    for title in ("Clinic A", "Clinic B"):
        sheet = book.create_sheet(title)
        sheet.append(["GP appointments export"])
        sheet.append([])
        sheet.append(header)
        for i in range(rows // 2):
            day = dt.datetime(2019 + i % 5, 1 + i % 12, 1 + i % 28)
            row = [f"P{rng.randint(0, 999):06d}", rng.choice(["Jade", "Liam"]), "Smith",
                   dt.datetime(2010 + i % 9, 1 + i % 12, 1 + i % 27), rng.choice("MF"),
                   rng.randint(10 ** 9, 10 ** 10 - 1), day, f"{8 + i % 9:02d}:15",
                   rng.choice(["GP", "Dental"]), rng.choice(["DNA", "Attended", "Cancelled"]),
                   f"note {i % 50}"]
            if rng.random() < 0.3:
                row = rng.choice(odd)(row)
            sheet.append(row)
    book.save(path)


def compare(args) -> None:
    """``--before``: both codes' whole mapped ingest, alternating with calamine's read;
    then their outputs compared on the workbook and on a hostile one."""
    import os

    from python_calamine import CalamineWorkbook

    from _ingest_worker import Worker, print_medians

    here = Path(__file__).resolve().parents[1]
    print(f"load average at the start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    options = {"as_of": "2024-12-31"}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gp_appointments.xlsx"
        generate(Path(tmp) / "rows.csv", args.rows)
        write_workbook(Path(tmp) / "rows.csv", path)
        codes = {"before": Worker(args.before, path, "gp", MAPPING, options),
                 "after": Worker(here, path, "gp", MAPPING, options)}
        for worker in codes.values():
            worker.ask("run")
        times: dict[str, list] = {"calamine": [], "before": [], "after": []}
        for _ in range(args.runs):
            times["calamine"].append(_timed(lambda: CalamineWorkbook.from_path(str(path))
                                            .get_sheet_by_index(0).to_python()))
            for name, worker in codes.items():
                answer = worker.ask("run")
                times[name].append((answer["wall"], answer["cpu"]))
        found = {"workbook": {n: w.ask("digest") for n, w in codes.items()}}
        for worker in codes.values():
            worker.close()
        bad = Path(tmp) / "hostile.xlsx"
        hostile_workbook(bad, max(4_000, args.rows // 5))
        pair = {name: Worker(root, bad, "gp", {**MAPPING, "reader": {"sheet": "*"}}, options)
                for name, root in (("before", args.before), ("after", here))}
        found["hostile workbook"] = {n: w.ask("digest") for n, w in pair.items()}
        for worker in pair.values():
            worker.close()
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"rows: {args.rows:,}  runs: {args.runs}  (medians; ratio to calamine)")
    print_medians(times, "calamine")
    for name, digests in found.items():
        before, after = digests["before"], digests["after"]
        for key in before:
            if before[key] != after[key]:
                print(f"  DIFFERENT on {name}: {key}: {before[key]} against {after[key]}")
        print(f"  outputs on the {name}: {'identical' if before == after else 'DIFFERENT'} "
              f"(events {after['events'][:12]}, persons {after['persons'][:12]}, "
              f"quarantine {after['quarantine'][:12]}, counts {after['counts']})")


def _timed(work) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--openpyxl", action="store_true", help="time openpyxl too (slow)")
    parser.add_argument("--before", type=Path, help="a checkout of chronos to compare with")
    args = parser.parse_args()
    if args.before:
        compare(args)
        return

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
    from _ingest_worker import print_medians

    print(f"rows: {args.rows:,}  runs: {args.runs}  (medians; ratio to calamine)")
    print_medians(times, "calamine")
    print("target: chronos's workbook reading (read_sheets) at most 2x calamine's own read")


if __name__ == "__main__":
    main()
