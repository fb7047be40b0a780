"""Benchmark: the rules of this checkout against another checkout's, on a screen's Parquet.

Runs the catalogue on DuckDB over the linked (and de-duplicated) events of an earlier
``chronos screen`` (``<out>/work``), once per code and run, **alternating** the two codes
(each run in a fresh process, so neither warms the other's caches), with a bare DuckDB
scan of the 13 rule columns (:data:`bench_screen.RULE_COLUMNS`) before each pair. Prints
each code's median wall and CPU seconds (the process's own, threads included), their
ratio to the bare scan's, and the SHA-256 of the findings and of the notes written as
CSV: the two codes must give the same digests.

``--variant DIR`` first writes a harder copy of the screen's Parquet into ``DIR`` (and
then runs on it): some events undated, imprecise or uncertain, some corroborating
another, some naming a child and the mother, some repeated row for row, some events
retyped so that every kind of rule has work (exclusions, worker changes, injuries,
referrals, closures, Graded Care Profile grades, assessments naming who was seen). All
synthetic, with a fixed seed. Not asserted in tests. Usage::

    python benchmarks/bench_rules_before_after.py OUT/work --before /path/to/other/checkout \
        [--runs 3] [--threads 0] [--memory-limit 4GB] [--variant /tmp/variant]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

_CHILD = r"""
import hashlib, io, json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import duckdb
from chronos.patterns.engine import resolve_rules, run_on_connection
work, threads, memory = Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
if threads:
    con.execute(f"SET threads = {threads}")
if memory:
    con.execute(f"SET memory_limit = '{memory}'")
events = work / "dedupe" / "events.parquet"
events = events if events.exists() else work / "link" / "events.parquet"
for name, file in (("events_in", events), ("persons_in", work / "link" / "persons.parquet"),
                   ("relationships_in", work / "link" / "relationships.parquet")):
    con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{file}')")
rules = resolve_rules()
start, cpu = time.perf_counter(), time.process_time()
run = run_on_connection(con, rules, None)
wall, cpu = time.perf_counter() - start, time.process_time() - cpu
def digest(frame):
    buf = io.StringIO()
    frame.to_csv(buf, index=False, lineterminator="\n")
    return hashlib.sha256(buf.getvalue().encode()).hexdigest()
print(json.dumps({"wall": wall, "cpu": cpu, "findings": len(run.findings), "notes": len(run.notes),
                  "findings_sha": digest(run.findings), "notes_sha": digest(run.notes)}))
"""


def _run(code: Path, work: Path, threads: int, memory: str = "") -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(code), str(work), str(threads), memory],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1].split("\r")[-1].strip())


def _scan(work: Path) -> tuple[float, float]:
    from bench_screen import _bare_scan, _events

    return _bare_scan(_events(work))


def make_variant(work: Path, out: Path, seed: float = 0.21) -> Path:
    """A harder copy of ``work``'s events, persons and relationships in ``out/work``."""
    import duckdb

    dest = out / "work"
    (dest / "link").mkdir(parents=True, exist_ok=True)
    events = work / "dedupe" / "events.parquet"
    events = events if events.exists() else work / "link" / "events.parquet"
    link = work / "link"
    con = duckdb.connect()
    con.execute(f"SELECT setseed({seed})")
    for name in ("persons", "relationships"):
        con.execute(f"COPY (SELECT * FROM read_parquet('{link / name}.parquet')) "
                    f"TO '{dest / 'link' / name}.parquet' (FORMAT parquet)")
    # a mother per child (for several-person events) and a household adult's names
    con.execute(f"""CREATE TABLE mum AS SELECT person_b AS child, MIN(person_a) AS mother
      FROM read_parquet('{link / 'relationships.parquet'}') WHERE kind = 'parent' GROUP BY 1""")
    con.execute(f"""CREATE TABLE names AS SELECT person_id, given_name, family_name
      FROM read_parquet('{link / 'persons.parquet'}')""")
    retype = ("exclusion", "worker_change", "injury", "referral", "case_closed", "gcp2_assessment",
              "assessment", "cin_plan_start", "cin_plan_end", "immunisation_missed",
              "home_conditions", "substance_misuse", "parental_mental_health", "housing_move")
    types = "[" + ", ".join(f"'{t}'" for t in retype) + "]"
    con.execute(f"""CREATE TABLE ev AS SELECT e.*, random() AS r1, random() AS r2, random() AS r3,
      row_number() OVER () AS rn FROM read_parquet('{events}') e""")
    con.execute(f"""COPY (
      WITH v AS (SELECT e.* REPLACE (
          CASE WHEN r1 < 0.004 THEN NULL ELSE date END AS date,
          CASE WHEN r1 < 0.004 THEN 'unknown' WHEN r1 < 0.012 THEN 'month'
               WHEN r1 < 0.015 THEN 'year' ELSE date_precision END AS date_precision,
          CASE WHEN r1 BETWEEN 0.015 AND 0.02 THEN TRUE ELSE date_uncertain END AS date_uncertain,
          CASE WHEN e.event_type = 'appointment_attended' AND r2 < 0.06
               THEN {types}[1 + CAST(floor(r3 * {len(retype)}) AS INTEGER)]
               ELSE e.event_type END AS event_type,
          CASE WHEN r2 BETWEEN 0.06 AND 0.08 AND m.mother IS NOT NULL
               THEN e.person_ids || ';' || m.mother ELSE e.person_ids END AS person_ids,
          CASE WHEN e.event_type = 'appointment_attended' AND r2 < 0.06 AND r3 < 0.45
               THEN round(1 + r1 * 1000) % 5 + 1 ELSE e.value END AS value,
          CASE WHEN e.event_type = 'appointment_attended' AND r2 < 0.06
                    AND {types}[1 + CAST(floor(r3 * {len(retype)}) AS INTEGER)] = 'assessment'
               THEN 'persons_seen=' || COALESCE(n.given_name || ' ' || n.family_name, 'nobody')
               WHEN e.event_type = 'appointment_attended' AND r2 < 0.06
               THEN 'physical_care=' || CAST(CAST(round(1 + r1 * 1000) AS INTEGER) % 5 + 1 AS VARCHAR)
               ELSE e.details END AS details)
        FROM ev e LEFT JOIN mum m ON m.child = e.person_ids
        LEFT JOIN names n ON n.person_id = m.mother),
      c AS (SELECT v.* REPLACE (CASE WHEN r3 > 0.995 THEN
          (SELECT MIN(x.event_id) FROM ev x WHERE x.rn = v.rn + 1) END AS corroborated_by) FROM v)
      SELECT * EXCLUDE (r1, r2, r3, rn) FROM c
      UNION ALL SELECT * EXCLUDE (r1, r2, r3, rn) FROM c WHERE r2 > 0.997
    ) TO '{dest / 'link' / 'events.parquet'}' (FORMAT parquet)""")
    con.close()
    return dest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work", type=Path, help="a screen's work folder (<out>/work)")
    parser.add_argument("--before", type=Path, required=True, help="the other checkout")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="DuckDB threads (0: its default)")
    parser.add_argument("--memory-limit", default="",
                        help="DuckDB's memory_limit in each run (e.g. 4GB; default DuckDB's own)")
    parser.add_argument("--variant", type=Path, help="write a harder copy here and run on it")
    args = parser.parse_args()
    work = args.work
    if args.variant:
        work = make_variant(args.work, args.variant)
        print(f"variant written to {work}")
    codes = {"after": HERE.parent, "before": args.before.resolve()}
    runs: dict[str, list[dict]] = {"after": [], "before": [], "scan": []}
    for number in range(args.runs):
        wall, cpu = _scan(work)
        runs["scan"].append({"wall": wall, "cpu": cpu})
        for name in (("before", "after") if number % 2 else ("after", "before")):
            runs[name].append(_run(codes[name], work, args.threads, args.memory_limit))
            print(f"  run {number + 1} {name}: wall {runs[name][-1]['wall']:.2f}s "
                  f"CPU {runs[name][-1]['cpu']:.2f}s", flush=True)
    med = {name: {k: statistics.median(r[k] for r in rs) for k in ("wall", "cpu")}
           for name, rs in runs.items()}
    print(f"bare scan ({work}): wall {med['scan']['wall']:.2f}s, CPU {med['scan']['cpu']:.2f}s")
    for name in ("before", "after"):
        last = runs[name][-1]
        print(f"{name:<6} wall {med[name]['wall']:.2f}s ({med[name]['wall'] / med['scan']['wall']:.1f}x "
              f"the scan), CPU {med[name]['cpu']:.2f}s ({med[name]['cpu'] / med['scan']['cpu']:.1f}x); "
              f"{last['findings']} findings {last['findings_sha'][:16]}, "
              f"{last['notes']} notes {last['notes_sha'][:16]}")
    same = all(r["findings_sha"] == runs["before"][0]["findings_sha"]
               and r["notes_sha"] == runs["before"][0]["notes_sha"]
               for r in runs["after"] + runs["before"])
    print(f"after/before: wall {med['after']['wall'] / med['before']['wall']:.2f}x, "
          f"CPU {med['after']['cpu'] / med['before']['cpu']:.2f}x; findings and notes identical: {same}")


if __name__ == "__main__":
    main()
