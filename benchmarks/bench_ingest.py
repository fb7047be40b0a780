"""Benchmark: the mapped ingester on a generated 1,000,000-row CSV.

Prints the median time of the ingester and of ``pandas.read_csv`` on the same file (the
baseline, measured in the same run), rows per second, and the ratio (target, issue 21: at most 2x).
Not asserted in tests. Usage::

    python benchmarks/bench_ingest.py [--rows 1000000] [--runs 3] [--before DIR]

``--before DIR``: also time the chronos of another checkout (``git worktree add DIR
main``, say), each code in its own process (``_ingest_worker.py``), alternating with the
baseline in every round; then compare the two codes' outputs on the file and on two
hostile files (:func:`hostile`: blank, totals and repeated-header rows, bad, future and
ambiguous dates, unknown wordings, rows naming nobody, stray delimiters, quoted
newlines, long cells ...; one quoted, one not) by SHA-256 of events, persons,
relationships, quarantine (every field), warnings, counts and reader info.
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


def hostile(path: Path, rows: int, quoted: bool, seed: int = 11) -> None:
    """A GP-style CSV of ``rows`` rows (the columns of :func:`generate`) where about one
    row in five is untidy in one of many ways; ``quoted``: some cells quoted, with
    commas and line breaks inside, short rows and a blank line (pandas' reader reads
    it); else no quote, no blank line, every row as wide as the header (the plain
    reader's file: CRLF line ends and blank lines at the very end), still with the rest
    of the mess."""
    rng = random.Random(seed)
    header = ("PatientID,Forename,Surname,DOB,Gender,NHS No,Appt Date,Time,Clinic,Outcome,"
              "Notes")
    dates = ["31/02/2020", "29/02/2021", "2020-13-01", "yesterday", "spring 2019", "13/25/2020",
             "01/02/2030", "12/31/2021", "2021-06-01T14:30:00Z", "June 2020", "c. 2019",
             "05/06/20", "2020", "  03/04/2021 ", "", "45000", "00/00/0000", "2020-02-30"]
    odd = [
        lambda r: [""] * 11,                                       # blank row (commas)
        lambda r: ["   "] + [""] * 10,                             # spaces only
        lambda r: ["Total", "", "", "", "", "", "", "", "", "1204", ""],
        lambda r: ["", "Grand total:", "", "", "", "", "", "", "", "", "45%"],
        lambda r: header.split(","),                               # repeated header
        lambda r: r[:6] + [rng.choice(dates)] + r[7:],             # odd appointment date
        lambda r: r[:3] + [rng.choice(dates)] + r[4:],             # odd date of birth
        lambda r: r[:9] + [rng.choice(["DNA ", " attended", "Seen", "", "n/a", "Café"])]
        + r[10:],
        lambda r: ["", "", "", "", ""] + r[5:],                    # names nobody
        lambda r: [""] + r[1:],                                    # no id: derived key
        lambda r: r[:4] + [rng.choice(["male", "2", "x", "?", "Unknown", " f "])] + r[5:],
        lambda r: r[:5] + [rng.choice(["943 476 5919", "943-476-5919", "n/k", ""])] + r[6:],
        lambda r: r[:7] + [rng.choice(["25:00", "2.05pm", "1405", "noon", ""])] + r[8:],
        lambda r: r[:10] + ["x" * 250_001],                        # a cell too long
        lambda r: [c.upper() if i < 3 else c for i, c in enumerate(r)],
        lambda r: r[:10] + ["Révisé – £12 naïve"],
    ]
    if quoted:
        odd += [lambda r: r[:10] + ['"seen, then\nleft early"'],
                lambda r: r[:10] + ['"said ""no"""'],
                lambda r: r[:8],                                   # a short row
                lambda r: r + ["stray"],                           # a field too many
                lambda r: ["\n"]]                                  # a blank line
    gen, end = random.Random(seed + 1), "\n" if quoted else "\r\n"
    body = Path(str(path) + ".tmp")
    generate(body, rows, seed)
    with open(body, encoding="utf-8") as source, \
            open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(next(source))
        for line in source:
            row = line.rstrip("\n").split(",")
            if gen.random() < 0.2:
                row = gen.choice(odd)(row)
            handle.write(row[0] if row == ["\n"] else ",".join(row) + end)
        handle.write("" if quoted else end * 2)
    body.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before", type=Path, help="a checkout of chronos to compare with")
    args = parser.parse_args()
    if args.before:
        compare(args)
        return

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


def compare(args) -> None:
    """``--before``: this code and the other checkout's, alternating with the baseline;
    then their outputs compared on the file and on two hostile files."""
    import os

    import pandas as pd

    from _ingest_worker import Worker, print_medians

    here = Path(__file__).resolve().parents[1]
    print(f"load average at the start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gp_appointments.csv"
        generate(path, args.rows)
        options = {"as_of": "2024-12-31"}
        codes = {"before": Worker(args.before, path, "gp", MAPPING, options),
                 "after": Worker(here, path, "gp", MAPPING, options)}
        for worker in codes.values():
            worker.ask("run")                              # imports and first call
        times: dict[str, list] = {"read_csv": [], "before": [], "after": []}
        for _ in range(args.runs):
            times["read_csv"].append(_timed(lambda: pd.read_csv(path)))
            for name, worker in codes.items():
                answer = worker.ask("run")
                times[name].append((answer["wall"], answer["cpu"], answer["user"],
                                    answer["sys"]))
        same = {"1M-row file": _same(codes)}
        for worker in codes.values():
            worker.close()
        for quoted in (False, True):
            bad = Path(tmp) / f"hostile_{'quoted' if quoted else 'plain'}.csv"
            hostile(bad, max(20_000, args.rows // 20), quoted)
            pair = {name: Worker(root, bad, "gp", MAPPING, options)
                    for name, root in (("before", args.before), ("after", here))}
            same[bad.name] = _same(pair)
            for worker in pair.values():
                worker.close()
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"rows: {args.rows:,}  runs: {args.runs}  (medians; ratio to pandas.read_csv)")
    print_medians(times, "read_csv")
    for name, (equal, digest) in same.items():
        print(f"  outputs on {name}: {'identical' if equal else 'DIFFERENT'} "
              f"(events {digest['events'][:12]}, persons {digest['persons'][:12]}, "
              f"quarantine {digest['quarantine'][:12]}, counts {digest['counts']})")


def _same(workers: dict) -> tuple[bool, dict]:
    """Whether the workers' outputs are identical, and the last one's digests."""
    found = {name: worker.ask("digest") for name, worker in workers.items()}
    values = list(found.values())
    for key in values[0]:
        if values[0][key] != values[-1][key]:
            print(f"  DIFFERENT: {key}: {values[0][key]} against {values[-1][key]}")
    return values[0] == values[-1], values[-1]


def _timed(work) -> tuple[float, ...]:
    """(wall seconds, process CPU seconds, user and system CPU seconds) of one call; CPU
    time is steadier on a busy machine."""
    import os

    wall, cpu, times = time.perf_counter(), time.process_time(), os.times()
    work()
    after = os.times()
    return (time.perf_counter() - wall, time.process_time() - cpu,
            after.user - times.user, after.system - times.system)


if __name__ == "__main__":
    main()
