"""Findings a reviewer can read: one finding per pattern per family episode, ranked, with
a short list of key concerns per child.

The rules give one finding per child (:func:`chronos.patterns.engine.evaluate`: the grain
a population screen counts). For a family, the findings of one rule that share evidence
(the same police occurrence, the same plan, the same household events) are one family
finding naming the children concerned: its ``person_id`` holds their ids, eldest first,
``;``-joined, and its explanation names them.

Each family finding gets a ``score`` (:data:`RANKING`: severity, recency, corroboration
across agencies; documented in docs/reviewer.md) and findings are sorted by it. Each child's
*key concerns* are the first :data:`KEY_CONCERNS` findings naming the child; the
``key_concern`` column lists the children for whom a finding is one.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from chronos import model

KEY_CONCERNS = 5
#: the score: severity points, plus points per agency beyond the first whose records
#: are evidence, plus recency points by how long before as-of the finding's window ended
RANKING = {
    "severity": {"high": 30.0, "medium": 20.0, "low": 10.0},
    "per_extra_agency": 3.0,
    "recency_months": [(6, 8.0), (12, 5.0), (24, 2.0)],
    "per_child_beyond_first": 1.0,
}
_NUMBERS = re.compile(r"\d+(?:[./]\d+)*")


def family_findings(child_findings: pd.DataFrame, persons: pd.DataFrame,
                    as_of: str | None = None, *, structural=None) -> pd.DataFrame:
    """The case's family findings (FINDINGS columns; ``person_id`` the children concerned,
    ``;``-joined), ranked, from the per-child findings the rules give. ``structural``:
    the ids of rules about one adult or sibling (default: the catalogue's)."""
    if structural is None:
        from chronos.patterns.rules import load_catalogue

        structural = {r.id for r in load_catalogue() if r.type == "structural"}
    findings = model.conformed(child_findings, "findings")
    if not len(findings):
        return model.empty("findings")
    people = {str(p["person_id"]): p for p in model.conformed(persons, "persons").to_dict("records")}
    as_of = as_of or str(findings["window_end"].fillna("").max())
    rows = [_merge(group, people) for group in _episodes(findings, set(structural))]
    frame = model.conform(pd.DataFrame(rows), "findings")
    frame["score"] = [score(r, as_of) for r in frame.to_dict("records")]
    frame = frame.sort_values(["score", "window_end", "rule_id", "finding_id"],
                              ascending=[False, False, True, True], kind="mergesort",
                              ignore_index=True)
    frame["key_concern"] = _key_concerns(frame, people)
    return model.conform(frame, "findings")


def _episodes(findings: pd.DataFrame, structural: set) -> list[list[dict]]:
    """Per rule, the findings that share evidence (connected through shared event ids),
    in order of first appearance. A structural finding (about one adult, one sibling) joins
    another only with the same explanation apart from its numbers."""
    out: list[list[dict]] = []
    for _, part in findings.groupby("rule_id", sort=True):
        recs = part.sort_values(["window_start", "person_id", "finding_id"]).to_dict("records")
        parent = list(range(len(recs)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        owner: dict[tuple, int] = {}
        for i, rec in enumerate(recs):
            about = _NUMBERS.sub("#", str(rec["explanation"] or "")) \
                if rec["rule_id"] in structural else ""
            for event_id in str(rec["event_ids"] or "").split(";"):
                if not event_id:
                    continue
                key = (event_id, about)
                if key in owner:
                    parent[find(i)] = find(owner[key])
                else:
                    owner[key] = i
        groups: dict[int, list[dict]] = {}
        for i, rec in enumerate(recs):
            groups.setdefault(find(i), []).append(rec)
        out += list(groups.values())
    return out


def _merge(group: list[dict], people: dict) -> dict:
    """One family finding from the per-child findings of one episode."""
    children = sorted({str(r["person_id"]) for r in group},
                      key=lambda p: (_text((people.get(p) or {}).get("dob")) or "9999", p))
    events = sorted({e for r in group for e in str(r["event_ids"] or "").split(";") if e})
    agencies = sorted({a for r in group for a in str(r["agencies"] or "").split(";") if a},
                      key=lambda a: (a.lower(), a))
    starts = [r["window_start"] for r in group if _text(r["window_start"])]
    ends = [r["window_end"] for r in group if _text(r["window_end"])]
    first = group[0]
    severity = min((str(r["severity"]) for r in group),
                   key=lambda s: {"high": 0, "medium": 1, "low": 2}.get(s, 3))
    window_start, window_end = (min(starts) if starts else ""), (max(ends) if ends else "")
    ids = ";".join(children)
    return {"finding_id": model.stable_id("F", first["rule_id"], ids, window_start, window_end,
                                          ";".join(events)),
            "rule_id": first["rule_id"], "title": first["title"], "person_id": ids,
            "category": first["category"], "severity": severity,
            "window_start": window_start, "window_end": window_end,
            "event_ids": ";".join(events), "agencies": ";".join(agencies),
            "explanation": _explanation(group, children, people)}


def _explanation(group: list[dict], children: list[str], people: dict) -> str:
    """The per-child explanations, each once, prefixed by the children it is about when
    the finding names more than one child."""
    texts: dict[str, list[str]] = {}
    for child in children:
        for rec in group:
            if str(rec["person_id"]) == child:
                texts.setdefault(str(rec["explanation"] or ""), [])
                if child not in texts[str(rec["explanation"] or "")]:
                    texts[str(rec["explanation"] or "")].append(child)
    if len(children) == 1 and len(texts) == 1:
        return next(iter(texts))
    parts = []
    for text, kids in texts.items():
        names = _names([_first_name(people.get(k), k) for k in kids])
        parts.append(f"{names}: {text}")
    return " ".join(p if p.endswith(".") else p + "." for p in parts)


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _first_name(person: dict | None, fallback: str) -> str:
    if not person:
        return fallback
    return _text(person.get("given_name")) or fallback


def score(finding: dict, as_of: str) -> float:
    """The ranking score of a finding (:data:`RANKING`)."""
    points = RANKING["severity"].get(str(finding["severity"]), 0.0)
    agencies = {a.lower() for a in str(finding["agencies"] or "").split(";") if a}
    points += RANKING["per_extra_agency"] * max(0, len(agencies) - 1)
    children = [c for c in str(finding["person_id"] or "").split(";") if c]
    points += RANKING["per_child_beyond_first"] * max(0, len(children) - 1)
    months = _months_before(_text(finding["window_end"]), as_of)
    for limit, bonus in RANKING["recency_months"]:
        if months is not None and months <= limit:
            points += bonus
            break
    return round(points, 3)


def _months_before(end: str, as_of: str) -> float | None:
    try:
        a, b = dt.date.fromisoformat(end[:10]), dt.date.fromisoformat(as_of[:10])
    except ValueError:
        return None
    return max(0.0, (b - a).days / 30.4375)


def _key_concerns(frame: pd.DataFrame, people: dict) -> list[str]:
    """For each finding (already in ranked order), the children for whom it is one of
    their first :data:`KEY_CONCERNS` findings."""
    taken: dict[str, int] = {}
    out = []
    for ids in frame["person_id"].fillna(""):
        mine = []
        for child in [c for c in ids.split(";") if c]:
            if taken.get(child, 0) < KEY_CONCERNS:
                taken[child] = taken.get(child, 0) + 1
                mine.append(child)
        out.append(";".join(mine))
    return out


def key_concerns(findings: pd.DataFrame, child: str) -> pd.DataFrame:
    """A child's key concerns: the family findings whose ``key_concern`` names the child,
    in ranked order."""
    mask = findings["key_concern"].fillna("").map(lambda v: child in v.split(";"))
    return findings[mask]


def findings_of(findings: pd.DataFrame, child: str) -> pd.DataFrame:
    """The findings about ``child`` (a family finding names several children)."""
    mask = findings["person_id"].fillna("").map(lambda v: child in v.split(";"))
    return findings[mask]


def _text(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return str(value)
