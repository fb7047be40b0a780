"""How long checking an agency return takes, against reading the same file with the
chronology-table reader alone (what ``chronos build`` does with it), measured in the same
run. A return of N rows (default 200, a busy agency's return; and 2,000) in the Word and
the Excel template. Prints medians and the ratio; nothing is asserted.

    python benchmarks/bench_returns.py [--rows 200 2000] [--runs 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chronos.ingest.base import Source  # noqa: E402
from chronos.ingest.chronology_table import ChronologyTableIngester  # noqa: E402
from chronos.returns.check import check_return  # noqa: E402
from chronos.returns.issue import Request, issue_templates  # noqa: E402
from chronos.returns.register import load_register  # noqa: E402
from chronos.settings import Settings  # noqa: E402
from _timing import median_seconds  # noqa: E402  (benchmarks/ is on the path)

TEXTS = ["Home visit: Jade seen, home conditions poor", "Head lice noted by class teacher",
         "Was not brought to the dental appointment", "Domestic incident, Jade present"]


def rows(count: int) -> list[tuple]:
    start = dt.date(2019, 1, 7)
    return [((start + dt.timedelta(days=2 * i)).strftime("%d/%m/%Y"), "", "Health visitor",
             f"{TEXTS[i % len(TEXTS)]} ({i})", "Advice given", "", f"REF-{i}")
            for i in range(count)]


def fill(root: Path, suffix: str, count: int) -> Path:
    import docx
    import openpyxl

    template = root / "returns" / "templates" / f"health-visiting{suffix}"
    out = root / f"return-{count}{suffix}"
    data = rows(count)
    if suffix == ".docx":
        document = docx.Document(str(template))
        table = document.tables[0]
        for number, values in enumerate(data, start=1):
            row = table.rows[number] if number < len(table.rows) else table.add_row()
            for cell, value in zip(row.cells, values):
                cell.text = value
        document.save(str(out))
    else:
        book = openpyxl.load_workbook(str(template))
        sheet = book["Chronology"]
        top = next(r for r in range(1, 12) if sheet.cell(r, 1).value == "Date")
        for offset, values in enumerate(data, start=1):
            for column, value in enumerate(values, start=1):
                sheet.cell(top + offset, column, value)
        book.save(str(out))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[200, 2000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "review"
        issue_templates(root, Request(["Health visiting"], child="Jade Smith", dob="2016-05-03",
                                      period_start="2019-01-01", period_end="2024-03-31"),
                        Settings(), today=dt.date(2024, 4, 2))
        register = load_register(root)
        print(f"{'rows':>6} {'format':<6} {'reader s':>9} {'check s':>9} {'ratio':>6}")
        for count in args.rows:
            for suffix in (".docx", ".xlsx"):
                path = fill(root, suffix, count)
                options = {"sheet": "Chronology"} if suffix == ".xlsx" else {}
                source = Source(path=path, name="hv", format="chronology_table",
                                agency="Health visiting", options=options)
                reader = median_seconds(lambda: ChronologyTableIngester().read(source),
                                        args.runs)
                found = check_return(path, register=register)
                assert found.event_count == count, found.messages[:3]
                check = median_seconds(lambda: check_return(path, register=register),
                                       args.runs)
                print(f"{count:>6} {suffix[1:]:<6} {reader:>9.3f} {check:>9.3f} "
                      f"{check / reader:>6.2f}")


if __name__ == "__main__":
    main()
