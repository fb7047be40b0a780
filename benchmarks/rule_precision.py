"""Each rule's precision on synthetic data whose truth is known (the table in docs/rules.md).

Two sources of truth, both synthetic:

- **population**: ``benchmarks/population.py`` plants six patterns in known children among
  background activity that, by construction, should fire no rule. A rule's precision there
  is the share of the children it flags that were planted for it; a rule with no planted
  pattern that flags anyone flags background activity (its precision is 0 there).
- **families**: the two example cases. A family finding is right when its evidence
  includes an event of a planted pattern that names the rule (``PLANTED.md``; for the
  Smith family, the rule map of tests/patterns/test_example.py, repeated below), wrong
  otherwise (it cites only decoys or unplanted events).

Usage: ``python benchmarks/rule_precision.py [--children 1000] [--seed 5]``. Prints one
row per rule: population flagged / right / precision, families findings / right /
precision; ``--markdown`` prints the table for docs/rules.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SMITH_FOUND_BY = {
    "wnb_kayden": {"wnb_health"}, "ae_toddler": {"ae_frequent"},
    "ae_baby_injury": {"ae_frequent_infant", "injury_non_mobile_baby", "ae_infant_no_hv_followup"},
    "head_lice": {"head_lice_repeated"}, "dental_decay": {"dental_decay_young"},
    "falling_attendance": {"absence_persistent"},
    "domestic_abuse": {"domestic_abuse_child_present", "toxic_trio", "info_not_acted_on"},
    "domestic_abuse_child": {"domestic_abuse_child_present"},
    "toxic_trio_2022": {"toxic_trio"}, "toxic_trio_2023": {"toxic_trio"},
    "cp_plan_long": {"drift_cp_plan"}, "closed_then_rereferred": {"closed_then_rereferred"},
    "worker_changes": {"worker_changes"}, "unassessed_partner": {"invisible_adult"},
    "home_conditions": {"poor_home_conditions", "info_not_acted_on", "concerns_during_plan"},
    "arrears": {"housing_instability"}, "missing": {"missing_adolescent"},
}


def _population_module():
    spec = importlib.util.spec_from_file_location("population", ROOT / "benchmarks" / "population.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["population"] = module
    spec.loader.exec_module(module)
    return module


def population(children: int, seed: int) -> dict[str, tuple[int, int]]:
    """rule -> (children flagged, of them planted for the rule)."""
    import pandas as pd

    from chronos.screen import screen

    pop = _population_module()
    with tempfile.TemporaryDirectory() as tmp:
        folder, out = Path(tmp) / "pop", Path(tmp) / "out"
        pop.generate(children, folder, seed=seed)
        screen(folder, out, since="2000-01-01")
        truth = pd.read_csv(folder / "truth" / "children.csv", dtype={"nhs_number": str})
        persons = pd.read_parquet(out / "work" / "link" / "persons.parquet")
        findings = pd.read_csv(out / "findings.csv")
    person = dict(zip(persons["nhs_number"], persons["person_id"]))
    truth = _derived_truth(truth)
    out_rows = {}
    for rule, part in findings.groupby("rule_id"):
        flagged = set(part["person_id"])
        planted = {person.get(n) for n in truth.loc[truth[rule], "nhs_number"]} \
            if rule in truth else set()
        out_rows[rule] = (len(flagged), len(flagged & planted))
    for rule in pop.PLANTED:
        out_rows.setdefault(rule, (0, 0))
    return out_rows


#: rules whose truth in the population follows from what is planted (the generator plants
#: no follow-up after domestic abuse, and records it on the mother too: every child of the
#: family is right to be flagged; a long plan during which planted concerns recur)
DERIVED = {"info_not_acted_on": "domestic abuse in the child's family, never followed up",
           "concerns_during_plan": "a long plan and planted head lice or domestic abuse"}


def _derived_truth(truth):
    family_da = truth.groupby("family")["domestic_abuse_child_present"].transform("any")
    truth = truth.assign(info_not_acted_on=family_da)
    family_concern = truth.groupby("family")["head_lice_repeated"].transform("any") | family_da
    return truth.assign(concerns_during_plan=truth["drift_cp_plan"] & family_concern)


def _planted(case: Path) -> dict[str, tuple[set[str], set[tuple[str, str]]]]:
    text = (case / "PLANTED.md").read_text(encoding="utf-8")
    body = re.split(r"^## ", text, flags=re.M)
    section = next(b for b in body if b.lower().startswith("patterns"))
    out, name = {}, None
    for line in section.splitlines():
        head = re.match(r"- \*\*(\w+)\*\*(?: \(found by ([^)]*)\))?", line)
        if head:
            name = head.group(1)
            rules = {r.strip() for r in (head.group(2) or "").split(",") if r.strip()}
            out[name] = (rules or SMITH_FOUND_BY.get(name, set()), set())
        rows = re.match(r"\s+- (\S+): rows (.+)$", line)
        if rows and name:
            out[name][1].update((rows.group(1), r.strip()) for r in rows.group(2).split(", "))
    return out


def families() -> dict[str, tuple[int, int]]:
    """rule -> (family findings, of them right) over both example cases."""
    from chronos.case import build_case

    counts: dict[str, list[int]] = {}
    for case in (ROOT / "examples" / "smith-family", ROOT / "examples" / "walsh-family"):
        result = build_case(case)
        where: dict[tuple, set] = {}
        for file, refs, eid in zip(result.events["source_file"], result.events["source_ref"],
                                   result.events["event_id"]):
            for ref in str(refs).split(";"):
                where.setdefault((file, ref), set()).add(eid)
        right_events: dict[str, set] = {}
        for rules, rows in _planted(case).values():
            events = {e for row in rows for e in where.get(row, ())}
            for rule in rules:
                right_events.setdefault(rule, set()).update(events)
        for rule, ids in zip(result.findings["rule_id"], result.findings["event_ids"]):
            hit = bool(set(ids.split(";")) & right_events.get(rule, set()))
            entry = counts.setdefault(rule, [0, 0])
            entry[0] += 1
            entry[1] += int(hit)
    return {rule: (n, right) for rule, (n, right) in counts.items()}


def _ratio(flagged: int, right: int) -> str:
    return f"{right / flagged:.2f}" if flagged else "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    from chronos.patterns.rules import load_catalogue

    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(),
          file=sys.stderr)
    pop, fam = population(args.children, args.seed), families()
    rules = [r.id for r in load_catalogue()]
    if args.markdown:
        print(f"| rule | population ({args.children} children): flagged / planted / precision "
              "| families: findings / right / precision |")
        print("|---|---|---|")
    for rule in rules:
        p, f = pop.get(rule, (0, 0)), fam.get(rule, (0, 0))
        if args.markdown:
            print(f"| `{rule}` | {p[0]} / {p[1]} / {_ratio(*p)} | {f[0]} / {f[1]} / {_ratio(*f)} |")
        else:
            print(f"{rule:32s} population {p[0]:5d} {p[1]:5d} {_ratio(*p):>5s}   "
                  f"families {f[0]:3d} {f[1]:3d} {_ratio(*f):>5s}")


if __name__ == "__main__":
    main()
