"""Benchmark: the whole neglect catalogue over a generated population, and over one family.

    /work/venv/bin/python benchmarks/bench_rules.py [--events 10000000] [--children 500000]

1. Population: generates N events for C children (plus their mothers and mothers'
   partners, with relationships) straight into Parquet with DuckDB, then times
   (a) a baseline DuckDB scan of the same events (group by type with min/max date), and
   (b) every catalogue rule run on DuckDB over the same Parquet files (prepared tables,
       rules and rendering of findings), and prints seconds and the ratio to the scan.
   Target: under 60 s for 10M events / 500k children on a 2-core machine.
2. Family: ~300 events for one household, median of repeated runs after start-up
   (target: under 0.5 s).
All data is synthetic and generated with a fixed seed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TYPES = (  # weighted: everyday contacts are common, concerns rarer
    ["health_contact"] * 12 + ["appointment_attended"] * 10 + ["school_absence"] * 8
    + ["was_not_brought"] * 4 + ["ae_attendance"] * 3 + ["home_visit"] * 3
    + ["health_visitor_contact"] * 3 + ["immunisation_given"] * 3 + ["attendance_summary"] * 3
    + ["referral", "assessment", "injury", "head_lice", "dental_decay", "growth_concern",
       "speech_delay", "immunisation_missed", "exclusion", "home_conditions", "hygiene_clothing",
       "missing_episode", "domestic_abuse_incident", "worker_change", "case_closed",
       "cp_plan_start", "cp_plan_end", "cin_plan_start", "cin_plan_end", "gcp2_assessment",
       "early_help", "strategy_discussion", "police_call_out", "positive_engagement"]
)
ADULT_TYPES = ["substance_misuse", "parental_mental_health", "domestic_abuse_incident",
               "antenatal_missed", "substance_use_pregnancy", "missed_appointment_adult",
               "health_contact"]
AGENCIES = ["GP", "Hospital", "School", "Police", "CSC", "Health visiting", "Dental practice",
            "Housing", "Midwifery"]


def _list(values) -> str:
    return "[" + ", ".join("'" + v + "'" for v in values) + "]"


def generate(folder: Path, n_events: int, n_children: int) -> dict[str, Path]:
    """Write events, persons and relationships Parquet files; return their paths."""
    import duckdb

    n_mothers, n_partners = n_children // 2, n_children // 5
    con = duckdb.connect()
    con.execute("SELECT setseed(0.42)")
    paths = {name: folder / f"{name}.parquet" for name in ("events", "persons", "relationships")}
    con.execute(f"""COPY (
      SELECT 'C' || i AS person_id, 'Child' || i AS given_name, 'Fam' || (i // 2) AS family_name,
        CAST(DATE '2006-01-01' + CAST(floor(random() * 6500) AS INTEGER) AS VARCHAR) AS dob,
        'child' AS role, CASE WHEN i % 2 = 0 THEN 'M' ELSE 'F' END AS sex FROM range({n_children}) t(i)
      UNION ALL SELECT 'M' || i, 'Mother' || i, 'Fam' || i,
        CAST(DATE '1975-01-01' + CAST(floor(random() * 8000) AS INTEGER) AS VARCHAR), 'parent', 'F'
        FROM range({n_mothers}) t(i)
      UNION ALL SELECT 'P' || i, 'Partner' || i, 'Other' || i, NULL, 'adult', 'M'
        FROM range({n_partners}) t(i)
    ) TO '{paths['persons']}' (FORMAT parquet)""")
    con.execute(f"""COPY (
      SELECT 'M' || (i // 2) AS person_a, 'C' || i AS person_b, 'parent' AS kind, NULL AS "end"
        FROM range({n_children}) t(i)
      UNION ALL SELECT 'M' || i, 'P' || i, 'partner', NULL FROM range({n_partners}) t(i)
    ) TO '{paths['relationships']}' (FORMAT parquet)""")
    n_types, n_adult, n_ag = len(TYPES), len(ADULT_TYPES), len(AGENCIES)
    con.execute(f"""COPY (
      SELECT 'E' || i AS event_id,
        CASE WHEN r_prec < 0.01 THEN NULL
             ELSE CAST(DATE '2015-01-01' + CAST(floor(r_date * 3650) AS INTEGER) AS VARCHAR) END AS date,
        CASE WHEN r_prec < 0.01 THEN 'unknown' WHEN r_prec < 0.03 THEN 'month' ELSE 'day' END
          AS date_precision,
        FALSE AS date_uncertain, NULL AS end_date,
        CASE WHEN adult THEN 'M' || (child // 2) ELSE 'C' || child END AS person_ids,
        {_list(AGENCIES)}[1 + CAST(floor(r_ag * {n_ag}) AS INTEGER)] AS agency,
        etype AS event_type, '' AS categories,
        CASE WHEN etype = 'attendance_summary' THEN round(30 + r_val * 70, 1)
             WHEN etype = 'gcp2_assessment' THEN 1 + floor(r_val * 5) END AS value,
        CASE WHEN etype = 'gcp2_assessment' THEN 'physical_care=' || CAST(1 + floor(r_val * 5) AS INTEGER)
             WHEN etype = 'cp_plan_start' AND r_val < 0.5 THEN 'category=neglect' END AS details,
        '' AS outcome, '' AS summary, NULL AS corroborated_by
      FROM (SELECT i, child, adult, r_prec, r_date, r_ag, r_val,
              CASE WHEN adult THEN {_list(ADULT_TYPES)}[1 + CAST(floor(r_type * {n_adult}) AS INTEGER)]
                   ELSE {_list(TYPES)}[1 + CAST(floor(r_type * {n_types}) AS INTEGER)] END AS etype
            FROM (SELECT i, CAST(floor(random() * {n_children}) AS BIGINT) AS child,
                    random() < 0.1 AS adult, random() AS r_prec, random() AS r_date,
                    random() AS r_ag, random() AS r_val, random() AS r_type
                  FROM range({n_events}) t(i)) a) b
    ) TO '{paths['events']}' (FORMAT parquet)""")
    con.close()
    return paths


def connect(paths: dict[str, Path]):
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET temp_directory = '{paths['events'].parent / 'spill'}'")
    con.execute(f"CREATE VIEW events_in AS SELECT * FROM read_parquet('{paths['events']}')")
    con.execute(f"CREATE VIEW persons_in AS SELECT * FROM read_parquet('{paths['persons']}')")
    con.execute(f"CREATE VIEW relationships_in AS SELECT * FROM read_parquet('{paths['relationships']}')")
    return con


def scan_seconds(paths) -> float:
    con = connect(paths)
    start = time.perf_counter()
    con.execute("SELECT event_type, COUNT(*), MIN(date), MAX(date), COUNT(DISTINCT person_ids) "
                "FROM events_in GROUP BY event_type").fetchall()
    return time.perf_counter() - start


def population(n_events: int, n_children: int) -> None:
    from chronos.patterns.engine import run_on_connection
    from chronos.patterns.rules import load_catalogue

    rules = load_catalogue()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        paths = generate(Path(tmp), n_events, n_children)
        print(f"generated {n_events:,} events for {n_children:,} children "
              f"in {time.perf_counter() - start:.1f} s")
        scan = scan_seconds(paths)
        con = connect(paths)
        start = time.perf_counter()
        run = run_on_connection(con, rules, "2025-01-01")
        total = time.perf_counter() - start
    per_rule = run.findings["rule_id"].value_counts()
    print(f"baseline DuckDB scan of the events: {scan:.2f} s")
    print(f"whole catalogue ({len(rules)} rules): {total:.2f} s "
          f"= {total / scan:.1f} x the scan; {len(run.findings):,} findings for "
          f"{run.findings['person_id'].nunique():,} children; {len(run.notes):,} data-quality notes")
    print("findings per rule: " + ", ".join(f"{k} {v}" for k, v in per_rule.items()))


def family(repeats: int = 7) -> None:
    from chronos.patterns.engine import evaluate
    from chronos.patterns.rules import load_catalogue

    import random

    rng = random.Random(7)
    persons = [{"person_id": "M1", "dob": "1990-04-02", "role": "parent", "sex": "F"},
               {"person_id": "P1", "dob": "1985-01-01", "role": "adult", "sex": "M"}]
    persons += [{"person_id": f"C{i}", "dob": f"20{10 + 3 * i}-05-01", "role": "child"}
                for i in range(4)]
    rels = [{"person_a": "M1", "person_b": f"C{i}", "kind": "parent"} for i in range(4)]
    rels.append({"person_a": "M1", "person_b": "P1", "kind": "partner"})
    events = [{"event_id": f"E{i}", "date": f"20{rng.randint(15, 23)}-{rng.randint(1, 12):02d}-"
               f"{rng.randint(1, 28):02d}", "date_precision": "day",
               "person_ids": rng.choice(["C0", "C1", "C2", "C3", "M1", "M1;C2"]),
               "agency": rng.choice(AGENCIES), "event_type": rng.choice(TYPES + ADULT_TYPES),
               "value": rng.randint(30, 100)} for i in range(300)]
    rules = load_catalogue()
    evaluate(events, persons, rels, rules=rules)  # start-up: imports, first connection
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run = evaluate(events, persons, rels, rules=rules)
        times.append(time.perf_counter() - start)
    print(f"family case (300 events, 6 people, {len(rules)} rules): median "
          f"{statistics.median(times):.3f} s over {repeats} runs (min {min(times):.3f} s); "
          f"{len(run.findings)} findings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--children", type=int, default=500_000)
    parser.add_argument("--skip-population", action="store_true")
    args = parser.parse_args()
    family()
    if not args.skip_population:
        population(args.events, args.children)


if __name__ == "__main__":
    main()
