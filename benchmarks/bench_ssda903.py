"""Benchmark: a case of the eleven SSDA903 tables for N looked-after children.

Writes the eleven tables of a synthetic SSDA903 return (Header, Episodes, UASC, Reviews,
AD1, PlacedAdoption, PrevPerm, Missing, OC2, OC3, social worker episodes; the episodes
layout is the public sample's in ../shared/data/ssda903, the others are the DfE guide's
as :mod:`chronos.ingest.ssda903` reads them) and a ``case.yaml`` into a scratch folder
(never into the repository), then times ``build_case`` on it (every stage, by stage) and
writing its outputs, as ``chronos build`` does. The baseline, measured in the same run, is
reading the eleven tables with ``pandas.read_csv`` (the least any reader could do).
Target (issue 21): the whole build of 2,676 children in at most 30 s. Usage::

    python benchmarks/bench_ssda903.py [--children 2676] [--runs 3] [--no-outputs]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TABLES = {
    "header": ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"],
    "episodes": ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                 "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"],
    "uasc": ["CHILD", "SEX", "DOB", "DUC"],
    "reviews": ["CHILD", "DOB", "REVIEW", "REVIEW_CODE"],
    "ad1": ["CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR",
            "SEX_ADOPTR", "LS_ADOPTR"],
    "placed_adoption": ["CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED",
                        "REASON_PLACED_CEASED"],
    "prev_perm": ["CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"],
    "missing": ["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"],
    "oc2": ["CHILD", "DOB", "SDQ_SCORE", "SDQ_REASON", "CONVICTED", "HEALTH_CHECK",
            "IMMUNISATIONS", "TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE",
            "INTERVENTION_RECEIVED", "INTERVENTION_OFFERED"],
    "oc3": ["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"],
    "social_worker": ["CHILD", "SW_ID", "SW_DECOM", "SW_REASON"],
}
ETHNIC = ["WBRI", "WIRI", "MWBC", "ASIN", "BAFR", "CHNE", "OOTH"]
RNE = ["S", "P", "L", "T", "B", "U"]
LS = ["C2", "V2", "J2", "L1", "E1"]
PLACE = ["U1", "U4", "U5", "K2", "R1", "H5"]
REC = ["E11", "E12", "E13", "E15", "E2", "E41", "E45", "X1"]


def _day(rng: random.Random, start: int, end: int) -> tuple[int, int, int]:
    return rng.randint(1, 28), rng.randint(1, 12), rng.randint(start, end)


def _uk(day: tuple[int, int, int]) -> str:
    return f"{day[0]:02d}/{day[1]:02d}/{day[2]}"


def _rows(table: str, child: str, dob: str, rng: random.Random) -> list[list]:
    """The rows of ``table`` for one child (a few tables hold only some children)."""
    pick = rng.random()
    if table == "header":
        return [[child, rng.choice("12"), dob, rng.choice(ETHNIC),
                 f"A{rng.randint(10**11, 10**12 - 1)}", "", ""]]
    if table == "episodes":
        rows, prev = [], None
        for _ in range(rng.randint(1, 6)):
            start = prev or _day(rng, 2015, 2022)
            end = _day(rng, start[2], 2023)
            rows.append([child, _uk(start), rng.choice(RNE), rng.choice(LS), "N1",
                         rng.choice(PLACE), "PR1", _uk(end), rng.choice(REC), "",
                         "AB1 2CD", "EF3 4GH", str(rng.randint(10**6, 10**7 - 1))])
            prev = end
        return rows
    if table == "uasc":
        return [[child, rng.choice("12"), dob, _uk(_day(rng, 2018, 2023))]] if pick < .05 else []
    if table == "reviews":
        return [[child, dob, _uk(_day(rng, 2016, 2023)), f"PN{rng.randint(0, 7)}"]
                for _ in range(rng.randint(1, 4))]
    if table == "ad1":
        return [[child, dob, _uk(_day(rng, 2019, 2021)), _uk(_day(rng, 2021, 2022)), "1", "1",
                 "MF", "L0"]] if pick < .1 else []
    if table == "placed_adoption":
        return [[child, dob, _uk(_day(rng, 2021, 2022)), "", ""]] if pick < .08 else []
    if table == "prev_perm":
        return [[child, dob, rng.choice(["P1", "Z1", "A1"]), "", f"Zz/{rng.randint(1, 12):02d}/"
                 f"{rng.randint(2012, 2020)}"]] if pick < .2 else []
    if table == "missing":
        return [[child, dob, rng.choice("MA"), _uk(_day(rng, 2020, 2023)), ""]
                for _ in range(rng.randint(0, 3))]
    if table == "oc2":
        return [[child, dob, str(rng.randint(0, 40)), "", "0", "1", "1", "1", "1", "0", "", ""]]
    if table == "oc3":
        return [[child, dob, "YES", "F1", "S"]] if pick < .15 else []
    return [[child, f"SW{rng.randint(1, 400)}", _uk(_day(rng, 2016, 2023)), "MGRJO"]
            for _ in range(rng.randint(1, 3))]


def generate(folder: Path, children: int, seed: int = 903) -> dict[str, int]:
    """Write the eleven tables and ``case.yaml`` into ``folder``; rows per table."""
    import csv

    rng = random.Random(seed)
    kids = [(str(600000 + i), _uk(_day(rng, 2005, 2020))) for i in range(children)]
    counts = {}
    lines = ["case: SSDA903 return (synthetic)", "as_of: 2024-03-31", "sources:"]
    for table, columns in TABLES.items():
        path = folder / f"{table}.csv"
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            n = 0
            for child, dob in kids:
                for row in _rows(table, child, dob, rng):
                    writer.writerow(row)
                    n += 1
        counts[table] = n
        lines += [f"  - name: {table}", f"    path: {table}.csv", "    format: ssda903",
                  "    agency: Children's social care"]
    (folder / "case.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return counts


def _timed(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def _cpu() -> float:
    """This process's CPU seconds, its threads' included (DuckDB's among them)."""
    return time.process_time()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=2676)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-outputs", action="store_true",
                        help="time build_case only, not writing the outputs")
    args = parser.parse_args()

    import pandas as pd

    from chronos.case import build_case, case_stages, new_result, load_case, write_outputs
    from chronos.pipeline import run_stages

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "ssda903"
        folder.mkdir()
        counts = generate(folder, args.children)
        print(f"children: {args.children:,}  rows: {sum(counts.values()):,}  "
              + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
        base, stage_times, builds, base_cpu, build_cpu = [], {}, [], [], []
        for run in range(args.runs):
            cpu = _cpu()
            base.append(_timed(lambda: [pd.read_csv(folder / f"{t}.csv", dtype=str)
                                        for t in TABLES]))
            base_cpu.append(_cpu() - cpu)
            start, cpu = time.perf_counter(), _cpu()
            result = new_result(load_case(folder))
            for done in run_stages(case_stages(), result):
                stage_times.setdefault(done.name, []).append(done.seconds)
            if not args.no_outputs:
                t = _timed(lambda: write_outputs(result, Path(tmp) / f"out{run}"))
                stage_times.setdefault("outputs", []).append(t)
            builds.append(time.perf_counter() - start)
            build_cpu.append(_cpu() - cpu)
        del build_case
    print(f"events: {len(result.events):,}  persons: {len(result.persons):,}  "
          f"findings: {len(result.findings):,}")
    for name, times in stage_times.items():
        print(f"  {name:<10} {statistics.median(times):7.2f} s")
    b, m = statistics.median(base), statistics.median(builds)
    bc, mc = statistics.median(base_cpu), statistics.median(build_cpu)
    print(f"pandas.read_csv of the 11 tables (baseline): {b:.2f} s wall, {bc:.2f} s CPU")
    print(f"build{'' if args.no_outputs else ' and outputs'}: {m:.2f} s wall, {mc:.2f} s CPU  "
          f"({m / b:.0f}x the baseline's wall, {mc / bc:.0f}x its CPU; target: at most 30 s "
          "for 2,676 children)")


if __name__ == "__main__":
    main()
