"""The population scorecard of ``chronos screen``: who meets each indicator, by age band,
category, agency and month; children with several categories at once; drift; and the
children whose cumulative harm index crossed a threshold this period.

Counts are of *children* (distinct person ids), for findings whose window overlaps the
period (``window_end`` on or after its start and ``window_start`` on or before as-of).
The harm list is for a multi-agency conversation, never an automatic decision.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from chronos import model

from chronos.report.safe_files import write_csv

CATEGORIES = ("medical", "nutritional", "emotional", "educational", "physical", "supervision")
HARM_NOTE = ("for a multi-agency conversation about this child, not an automatic decision: "
             "read the findings and their evidence first")


def age_band(dob: pd.Series, on: pd.Series) -> pd.Series:
    """The age band (:func:`chronos.ages.age_bands`: ``prenatal``, ``0-2``, ``2-4``,
    ``5-11``, ``12-18``, then ``18+``; ``unknown`` without a date of birth) on a date."""
    from chronos.ages import age_bands, completed_months

    return pd.Series(age_bands().of_months(completed_months(dob, on)).to_numpy(),
                     index=dob.index)


def _in_period(findings: pd.DataFrame, start: str, as_of: str) -> pd.DataFrame:
    ws = findings["window_start"].fillna("").astype(str)
    we = findings["window_end"].fillna("").astype(str)
    keep = (we >= start) & ((ws == "") | (ws <= as_of))
    return findings[keep.to_numpy()]


def _children(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    out = frame.groupby(by, sort=True)["person_id"].nunique().rename("children").reset_index()
    return out.sort_values(by, kind="stable", ignore_index=True)


def build(run, tmp: Path) -> dict:
    """Write the scorecard into ``tmp/publish`` (and ``tmp/scorecard.json``); return it."""
    rules_dir, link_dir = run.work / "findings", run.work / "link"
    as_of, start = run.as_of, run.period_start
    findings = pd.read_parquet(rules_dir / "findings.parquet")
    rules = pd.DataFrame(json.loads((rules_dir / "rules.json").read_text("utf-8")))
    persons = pd.read_parquet(link_dir / "persons.parquet")
    publish = tmp / "publish"
    (publish / "scorecard").mkdir(parents=True)
    findings = findings[[c for c in model.CHILD_FINDING_COLUMNS if c in findings]]
    findings.to_parquet(publish / "findings.parquet", index=False)
    write_csv(findings, publish / "findings.csv")
    period = _with_age(_in_period(findings, start, as_of), persons)
    tables = _tables(period, rules, findings)
    harm, threshold = _harm_list(run, findings, persons, start, as_of)
    tables["harm_threshold"] = harm
    for name, table in tables.items():
        write_csv(table, publish / "scorecard" / f"{name}.csv")
    summary = _summary(run, tables, period, persons, findings, as_of, start, threshold)
    from chronos.screen import charts

    charts.draw(tables, publish / "charts", as_of=as_of, start=start)
    (tmp / "scorecard.json").write_text(json.dumps(summary, indent=2, sort_keys=True,
                                                   default=str) + "\n", "utf-8")
    return summary


def _with_age(period: pd.DataFrame, persons: pd.DataFrame) -> pd.DataFrame:
    dob = period["person_id"].map(persons.set_index("person_id")["dob"])
    return period.assign(age_band=age_band(dob, period["window_end"]).to_numpy(),
                         month=period["window_end"].fillna("").astype(str).str[:7].to_numpy())


def _tables(period: pd.DataFrame, rules: pd.DataFrame, findings: pd.DataFrame) -> dict:
    ind = rules[["rule_id", "title", "category", "severity"]].copy()
    ind["children"] = ind["rule_id"].map(period.groupby("rule_id")["person_id"].nunique())
    ind["findings"] = ind["rule_id"].map(period.groupby("rule_id").size())
    ind["children_all_time"] = ind["rule_id"].map(findings.groupby("rule_id")["person_id"].nunique())
    ind = ind.fillna({"children": 0, "findings": 0, "children_all_time": 0})
    ind = ind.astype({"children": int, "findings": int, "children_all_time": int})
    agencies = period.assign(agency=period["agencies"].fillna("").str.split(";")).explode("agency")
    agencies = agencies[agencies["agency"].fillna("") != ""]
    category = pd.concat([_children(period, ["category", "age_band"]),
                          _children(period, ["category"]).assign(age_band="all")])
    return {
        "indicators": ind.sort_values(["category", "rule_id"], ignore_index=True),
        "by_age_band": _children(period, ["rule_id", "age_band"]),
        "by_category": category.sort_values(["category", "age_band"], ignore_index=True),
        "by_agency": _children(agencies, ["rule_id", "agency"]),
        "by_month": _children(period, ["month", "rule_id"]),
        **_multi(period), "drift": _drift(period, rules),
    }


def _multi(period: pd.DataFrame) -> dict:
    per_child = period.groupby("person_id").agg(
        categories=("category", lambda s: ";".join(sorted(set(s)))),
        n_categories=("category", "nunique"), age_band=("age_band", "max")).reset_index()
    counts = per_child.groupby("n_categories").size().rename("children").reset_index()
    several = per_child[per_child["n_categories"] >= 2]
    several = several.sort_values(["n_categories", "person_id"], ascending=[False, True],
                                  ignore_index=True)
    return {"multi_category": counts, "multi_category_children":
            several[["person_id", "age_band", "n_categories", "categories"]]}


def _drift(period: pd.DataFrame, rules: pd.DataFrame) -> pd.DataFrame:
    """Drift measures: per drift rule, children and findings; for plans (duration rules),
    how many are still open at as-of and their length in days (median, longest)."""
    drift = rules[(rules["file"] == "drift.yaml") | (rules["type"] == "duration")]
    rows = []
    for rule in drift.itertuples():
        hits = period[period["rule_id"] == rule.rule_id]
        row = {"rule_id": rule.rule_id, "title": rule.title, "children": hits["person_id"].nunique(),
               "findings": len(hits), "open_at_as_of": None, "median_days": None, "max_days": None}
        if rule.type == "duration" and len(hits):
            days = (pd.to_datetime(hits["window_end"]) - pd.to_datetime(hits["window_start"])).dt.days
            row.update(open_at_as_of=int(hits["explanation"].str.contains("still open").sum()),
                       median_days=float(days.median()), max_days=int(days.max()))
        rows.append(row)
    return pd.DataFrame(rows, columns=["rule_id", "title", "children", "findings",
                                       "open_at_as_of", "median_days", "max_days"])


def _harm_list(run, findings, persons, start: str, as_of: str):
    """Children whose harm index was below the threshold at the period's start and at or
    above it at as-of (the index's parts at both dates come from the findings stage)."""
    from chronos.patterns.harm import harm_config

    cfg = harm_config()
    threshold = run.opts.harm_threshold
    threshold = float(cfg["bands"]["high"] if threshold is None else threshold)
    scores = pd.read_parquet(run.work / "findings" / "harm.parquet").set_index("person_id")
    scores["index_at_period_start"] = (scores["events_start"] + scores["findings_start"]).round(3)
    scores["index_at_as_of"] = (scores["events_end"] + scores["findings_end"]).round(3)
    crossed = scores[(scores["index_at_period_start"] < threshold)
                     & (scores["index_at_as_of"] >= threshold)].reset_index()
    people = persons.set_index("person_id")
    crossed["given_name"] = crossed["person_id"].map(people["given_name"])
    crossed["family_name"] = crossed["person_id"].map(people["family_name"])
    crossed["dob"] = crossed["person_id"].map(people["dob"])
    crossed["age_band"] = age_band(crossed["dob"], pd.Series(as_of, index=crossed.index)).to_numpy()
    recent = _in_period(findings, start, as_of).groupby("person_id")
    crossed["rules"] = crossed["person_id"].map(recent["rule_id"].agg(lambda s: ";".join(sorted(set(s)))))
    crossed["categories"] = crossed["person_id"].map(recent["category"].agg(lambda s: ";".join(sorted(set(s)))))
    crossed["note"] = HARM_NOTE
    columns = ["person_id", "given_name", "family_name", "dob", "age_band",
               "index_at_period_start", "index_at_as_of", "rules", "categories", "note"]
    crossed = crossed.sort_values(["index_at_as_of", "person_id"], ascending=[False, True])
    return crossed[columns].reset_index(drop=True), threshold


def _summary(run, tables, period, persons, findings, as_of, start, threshold) -> dict:
    from chronos.ages import age_bands

    kids = age_band(persons["dob"], pd.Series(as_of, index=persons.index))
    bands = age_bands()
    born = [name for name, (lo, _) in bands.bands.items() if lo is not None]
    children = int(kids.isin(born).sum()
                   + (persons["role"].fillna("").eq("child") & kids.eq(bands.unknown)).sum())
    ind = tables["indicators"]
    return {
        "as_of": as_of, "period_start": start, "engine": run.opts.engine,
        "people": len(persons), "children_screened": children,
        "findings": len(findings), "findings_in_period": len(period),
        "children_with_findings": int(period["person_id"].nunique()),
        "indicators": {r.rule_id: int(r.children) for r in ind.itertuples()},
        "categories": {r.category: int(r.children) for r in tables["by_category"].itertuples()
                       if r.age_band == "all"},
        "multi_category": {str(int(r.n_categories)): int(r.children)
                           for r in tables["multi_category"].itertuples()},
        "children_with_several_categories": len(tables["multi_category_children"]),
        "drift": tables["drift"].replace({np.nan: None}).to_dict("records"),
        "harm": {"threshold": threshold, "crossed": len(tables["harm_threshold"]),
                 "note": HARM_NOTE},
    }
