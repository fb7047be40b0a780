"""The figures issue 14 is judged by, on both example cases (examples/smith-family and
examples/walsh-family), through a real build:

- chronology rows that repeat another row's date, agency and event (and source rows that
  made two identical events);
- rows with a neglect label on a term's attendance at or above 90%, and on an injury with
  no concern recorded;
- findings (one per pattern per family episode) beside the per-child findings the rules
  give, high-severity findings, and key concerns per child (at most 5);
- significant rows of all rows (the --significant chronology);
- the harm index: in timeline.png (a panel, one line per child) and case-report.html;
- the seconds a build takes, as the median of ``--repeat`` runs, with the ratio to the
  build without the chronology's judgement measured in the same run (baseline: writing
  the tables only, no reports).

Usage: ``python benchmarks/bench_chronology.py [--repeat 3]``. Prints one block per case;
``uptime`` first, for the machine's load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = ("smith-family", "walsh-family")


def figures(case: str, repeat: int) -> dict:
    import pandas as pd

    from chronos.case import build_case, write_outputs
    from chronos.report.chronology import chronology_rows
    from chronos.report.timeline import draw_timeline

    path = ROOT / "examples" / case
    builds, tables = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        result = build_case(path)
        tables.append(time.perf_counter() - start)
        with tempfile.TemporaryDirectory() as tmp:
            write_outputs(result, Path(tmp) / "out")
            builds.append(time.perf_counter() - start)
            html = (Path(tmp) / "out" / "case-report.html").read_text(encoding="utf-8")
    rows = chronology_rows(result)
    events = result.events.set_index("event_id")
    repeated = int(rows.duplicated(["Date", "Agency / source", "Event"], keep=False).sum())
    made = result.events.dropna(subset=["source_ref"])
    identical = int(made.duplicated(["source_file", "source_ref", "event_type", "date",
                                     "summary"]).sum())
    attendance = rows[rows["event_type"] == "attendance_summary"]
    value = attendance["event_id"].map(events["value"]).astype(float)
    labelled_good = int(attendance[value >= 90]["Significance"].str.contains("neglect").sum())
    types = {i: events.loc[i, "event_type"] for i in events.index}
    injury_rows = rows[rows["event_ids"].map(lambda ids: "injury" in {types[i] for i in ids.split(";")})]
    texts = (injury_rows["Event"] + " " + injury_rows["Action / outcome"]).str.lower()
    no_concern = ~texts.str.contains("safeguarding|unexplained|unsure how|concern")
    labelled_injury = int(injury_rows[no_concern]["Significance"].str.contains("neglect").sum())
    keys = {}
    for child in result.index_person_ids:
        name = result.persons.set_index("person_id").loc[child, "given_name"]
        keys[name] = int(result.findings["key_concern"].fillna("").str.split(";")
                         .map(lambda ids, c=child: c in ids).sum())
    panel = [a for a in draw_timeline(result).axes if "harm" in a.get_ylabel()]
    return {
        "rows": len(rows), "significant rows": int(rows["significant"].sum()),
        "rows repeating another's date, agency and event": repeated,
        "identical events from one source row": identical,
        "neglect labels on attendance >= 90%": labelled_good,
        "neglect labels on injuries with no concern": labelled_injury,
        "findings (family)": len(result.findings),
        "findings (per child, as the rules give them)": len(result.child_findings),
        "high-severity findings": int((result.findings["severity"] == "high").sum()),
        "key concerns per child": keys,
        "harm index lines in timeline.png": len(panel[0].lines) if panel else 0,
        "harm charts in case-report.html": html.count('alt="Cumulative harm index over time"'),
        "build + outputs, median s": round(statistics.median(builds), 2),
        "baseline (build, no outputs), median s": round(statistics.median(tables), 2),
        "ratio to baseline": round(statistics.median(builds) / statistics.median(tables), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
          if os.path.exists("/usr/bin/uptime") else "n/a")
    for case in CASES:
        print(f"\n{case}")
        for name, value in figures(case, args.repeat).items():
            print(f"  {name:48s} {value}")


if __name__ == "__main__":
    main()
