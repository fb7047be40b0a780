"""One person with many records in one source: linking time and peak memory.

    python benchmarks/bench_link_one_person.py [N ...] [--kind identical|near|mixed]
                                               [--repeat R] [--timeout S]

A GP export that repeats the patient on every row (same name, date of birth, NHS number,
postcode), each row its own person record (``gp:R0000001`` ...). ``--kind``:

* ``identical``: every record the same;
* ``near``: the same person written the ways real exports write it (case and spacing of
  names, a nickname, an initial, NHS number missing or formatted with spaces, a moved
  postcode, the date of birth missing or with day and month swapped);
* ``mixed``: ``near`` rows plus 5% of rows about other people sharing the family name
  and postcode (a sibling, a twin, a parent with the same given name);
* ``moving``: every row the same but for its postcode, different on every row (an
  export carrying the address at each event): no two records identical, so every
  blocking rule's block holds them all; with its NHS number, each is compared with the
  first record only (a star);
* ``moving-unidentified``: the same without the NHS number (the windowed,
  sorted-neighbourhood case).

Each N runs in a child process of its own (so its peak memory is its own), ``--repeat``
times; printed: the median wall and CPU time (all threads) of ``link_people`` and the peak resident memory of
the child, against a baseline measured in the same child on the same records: reading
them with ``pandas.read_csv`` from CSV text (time) and the child's resident memory
before linking (memory).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

NHS = "9434765919"          # a valid (synthetic, test-range) NHS number
OTHER_NHS = ("9434765870", "9434765889")


def one_person(n: int, kind: str = "identical"):
    """``n`` person records of one source about one child (``kind``: see module doc)."""
    import pandas as pd

    rows = [_row(i, kind) for i in range(n)]
    frame = pd.DataFrame(rows)
    frame["source_file"] = "gp.csv"
    frame["agency"] = "gp"
    frame["source_format"] = "mapped"
    return frame


def _row(i: int, kind: str) -> dict:
    row = {"record_key": f"gp:R{i:07d}", "source_ref": str(i + 2), "given_name": "Kayden",
           "family_name": "Smith", "dob": "2019-04-03", "sex": "M", "nhs_number": NHS,
           "postcode": "LS1 4AB", "role": "child"}
    if kind == "identical":
        return row
    if kind.startswith("moving"):
        if kind == "moving-unidentified":
            row["nhs_number"] = ""
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        row["postcode"] = (f"LS{1 + i % 29} {i // 29 % 10}"
                           f"{letters[i // 290 % 20]}{letters[i // 5800 % 20]}")
        return row
    variant = i % 20
    edits = {1: {"given_name": "KAYDEN"}, 2: {"family_name": " smith "},
             3: {"nhs_number": ""}, 4: {"nhs_number": "943 476 5919"},
             5: {"postcode": "LS6 2QT"}, 6: {"dob": ""}, 7: {"given_name": "K"},
             8: {"dob": "2019-03-04", "nhs_number": ""}, 9: {"given_name": "Kaden"},
             10: {"nhs_number": "", "postcode": ""}, 11: {"sex": ""}}
    row.update(edits.get(variant, {}))
    if kind == "mixed" and i % 20 == 19:
        row.update(_relative(i))
    return row


def _relative(i: int) -> dict:
    """Someone else in the same family: a twin, an older sister, the father (same name)."""
    who = (i // 20) % 3
    if who == 0:
        return {"given_name": "Kyle", "nhs_number": OTHER_NHS[0]}            # twin
    if who == 1:
        return {"given_name": "Amber", "dob": "2015-09-12", "sex": "F",
                "nhs_number": OTHER_NHS[1]}
    return {"given_name": "Kayden", "dob": "1990-01-20", "nhs_number": "", "role": "father"}


CHILD = r"""
import io, json, resource, sys, time
sys.path.insert(0, sys.argv[3])
from bench_link_one_person import one_person
import pandas as pd
n, kind = int(sys.argv[1]), sys.argv[2]
records = one_person(n, kind)
text = records.to_csv(index=False)
start = time.perf_counter()
pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
read = time.perf_counter() - start
from chronos.link.people import link_people
link_people(one_person(3, kind))          # warm-up: imports, splink's first DuckDB
def rss():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS")) / 1024
before = rss()
# Linux: writing 5 to clear_refs resets the peak (VmHWM) to the current resident size
open("/proc/self/clear_refs", "w").write("5")
start, cpu = time.perf_counter(), time.process_time()
result = link_people(records)
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
with open("/proc/self/status") as f:
    peak = next(int(l.split()[1]) for l in f if l.startswith("VmHWM")) / 1024
s = result.summary()
print(json.dumps({"n": n, "seconds": seconds, "cpu": cpu, "read": read, "peak_mb": peak,
                  "before_mb": before, "persons": s["persons"], "by_method": s["by_method"],
                  "links": len(result.links), "review": s["review_pairs"],
                  "timings": result.timings}))
"""


def run_child(n: int, kind: str, timeout: float) -> dict:
    """One measurement in a fresh process; ``{"n": n, "error": ...}`` when it fails."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(n), kind, str(Path(__file__).parent)],
            cwd=ROOT, capture_output=True, text=True, timeout=timeout,
            env={**os.environ, "PYTHONPATH": str(ROOT)})
    except subprocess.TimeoutExpired:
        return {"n": n, "error": f"killed after {timeout:.0f}s"}
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["?"])[-1]
        return {"n": n, "error": f"exit {done.returncode}: {tail}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 3000, 10000, 100000])
    parser.add_argument("--kind", default="identical", choices=["identical", "near", "mixed", "moving", "moving-unidentified"])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} (2-core machine), kind {args.kind}")
    for n in args.sizes:
        runs = [run_child(n, args.kind, args.timeout) for _ in range(args.repeat)]
        good = [r for r in runs if "error" not in r]
        if not good:
            print(f"N={n:>7,}: {runs[0]['error']}")
            continue
        seconds = statistics.median(r["seconds"] for r in good)
        read = statistics.median(r["read"] for r in good)
        cpu = statistics.median(r["cpu"] for r in good)
        peak = statistics.median(r["peak_mb"] for r in good)
        before = statistics.median(r["before_mb"] for r in good)
        last = good[-1]
        print(f"N={n:>7,}: link {seconds:7.2f}s, CPU {cpu:.2f}s (read_csv {read:.3f}s, {seconds / read:6.0f}x) "
              f"peak {peak:7.0f} MB (before linking {before:.0f} MB, +{peak - before:.0f} MB) "
              f"-> {last['persons']} person(s), {last['links']} links {last['by_method']}, "
              f"{last['review']} to review; stages {last['timings']}")


if __name__ == "__main__":
    main()
