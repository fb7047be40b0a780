"""Benchmark: the mapped ingester on a generated 1,000,000-row CSV.

Prints the median time of the ingester and of ``pandas.read_csv`` on the same file (the
baseline, measured in the same run), rows per second, and the ratio (target, issue 21: at most 2x).
Not asserted in tests. Usage::

    python benchmarks/bench_ingest.py [--rows 1000000] [--runs 3]
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

MAPPING = {
    "agency": "GP",
    "person": {"id": "PatientID", "given_name": "Forename", "family_name": "Surname",
               "dob": "DOB", "sex": "Gender", "nhs_number": "NHS No"},
    "events": [{
        "date": "Appt Date", "time": "Time",
        "type": {"column": "Outcome", "map": {"DNA": "was_not_brought",
                                              "Attended": "appointment_attended",
                                              "Cancelled": "appointment_cancelled"}},
        "summary": "{Clinic} appointment: {Outcome}",
        "outcome": "Notes",
    }],
}
CLINICS = ["GP", "Practice nurse", "Paediatrics", "Dental", "Health visitor"]
OUTCOMES = ["DNA", "Attended", "Attended", "Attended", "Cancelled"]
NAMES = ["Jade", "Kayden", "Liam", "Ava", "Noah", "Mia", "Leo", "Isla", "Ella", "Jack"]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """Write a mapped GP-style CSV with ``rows`` data rows (deterministic)."""
    rng = random.Random(seed)
    people = [(f"P{i:06d}", rng.choice(NAMES), f"Surname{i % 997}",
               f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2005, 2023)}",
               rng.choice("MF"), f"{rng.randint(10**9, 10**10 - 1)}") for i in range(20000)]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("PatientID,Forename,Surname,DOB,Gender,NHS No,Appt Date,Time,Clinic,"
                     "Outcome,Notes\n")
        for _ in range(rows):
            pid, given, family, dob, sex, nhs = rng.choice(people)
            date = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2019, 2023)}"
            time_ = f"{rng.randint(8, 17):02d}:{rng.choice(('00', '15', '30', '45'))}"
            handle.write(f"{pid},{given},{family},{dob},{sex},{nhs},{date},{time_},"
                         f"{rng.choice(CLINICS)},{rng.choice(OUTCOMES)},note {rng.randint(1, 50)}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import pandas as pd

    from chronos.ingest.base import Source
    from chronos.ingest.mapped import read_mapped

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gp_appointments.csv"
        generate(path, args.rows)
        source = Source(path=path, name="gp", format="mapped", mapping=MAPPING,
                        options={"as_of": "2024-12-31"})
        base, ingest = [], []
        for _ in range(args.runs):
            base.append(_timed(lambda: pd.read_csv(path)))
            ingest.append(_timed(lambda: read_mapped(source)))
        result = read_mapped(source)
        assert result.reconciles()
    print(f"rows: {args.rows:,}  runs: {args.runs}  events: {len(result.events):,}  "
          f"persons: {len(result.persons):,}")
    for label, index in (("wall", 0), ("cpu", 1)):
        b = statistics.median(t[index] for t in base)
        i = statistics.median(t[index] for t in ingest)
        print(f"{label}: pandas.read_csv median {b:.2f} s; mapped ingest median {i:.2f} s "
              f"({args.rows / i:,.0f} rows/s); ratio {i / b:.2f}x (target <= 2x)")


def _timed(work) -> tuple[float, float]:
    """(wall seconds, process CPU seconds) of one call; CPU time is steadier on a busy
    machine."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


if __name__ == "__main__":
    main()
