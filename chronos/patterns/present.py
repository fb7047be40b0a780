"""Findings for people: grouped by child and Horwath category, each with its evidence.

Library functions behind ``chronos flags`` and ``chronos rules``; they return plain
dicts and lists (JSON-ready) and never print.
"""

from __future__ import annotations

from chronos import model
from chronos.patterns.rules import Rule, load_catalogue, load_overrides


def case_rules(result, *, extra_rules=None, params=None) -> list[Rule]:
    """The rules a case runs: the catalogue (plus ``extra_rules`` files, which add or
    replace rules) with the case's rule-params file and then ``params`` (dict or YAML
    path) applied."""
    from chronos.patterns.engine import resolve_rules

    overrides = {}
    case = getattr(result, "case", None)
    if case is not None and getattr(case, "rule_params_path", None):
        overrides.update(load_overrides(case.rule_params_path))
    if params:
        extra = load_overrides(params) if not isinstance(params, dict) else params
        for rid, values in extra.items():
            overrides.setdefault(rid, {}).update(values)
    return resolve_rules(load_catalogue(extra=extra_rules), overrides or None)


def case_findings(result, *, extra_rules=None, params=None):
    """Run :func:`case_rules` on a built case (:class:`chronos.case.CaseResult`) at the
    case's as-of date. Returns a :class:`chronos.patterns.engine.RuleRun`."""
    from chronos.patterns.engine import evaluate

    return evaluate(result.events, result.persons, result.relationships,
                    rules=case_rules(result, extra_rules=extra_rules, params=params),
                    as_of=getattr(result, "as_of", None))


def _person_name(person: dict | None, person_id: str) -> str:
    if not person:
        return person_id
    name = " ".join(str(person.get(k) or "") for k in ("given_name", "family_name")).strip()
    return name or person_id


def flags_by_child(findings, events, persons) -> list[dict]:
    """Findings grouped by child then category, each finding with its evidence events
    (date, type, agency, summary, source file and row), in a stable order."""
    from chronos.dates import format_display

    vocab = model.vocabulary()
    people = {str(p["person_id"]): p for p in model.conformed(persons, "persons").to_dict("records")}
    by_id = {str(e["event_id"]): e for e in model.conformed(events, "events").to_dict("records")}
    children: dict[str, dict] = {}
    for f in findings.to_dict("records"):
        pid = str(f["person_id"])
        child = children.setdefault(pid, {"person_id": pid,
                                           "name": _person_name(people.get(pid), pid),
                                           "dob": _text(people.get(pid, {}).get("dob")),
                                           "categories": {}})
        evidence = []
        ids = [i for i in str(f["event_ids"] or "").split(";") if i]
        for eid in sorted(ids, key=lambda i: (_text(by_id.get(i, {}).get("date")) or "9999", i)):
            ev = by_id.get(eid, {})
            date = _text(ev.get("date"))
            evidence.append({
                "event_id": eid,
                "date": format_display(date, ev.get("date_precision") or "day",
                                       ev.get("date_uncertain") is True) if date else "Undated",
                "event": vocab.label(str(ev.get("event_type") or "")),
                "agency": _text(ev.get("agency")), "summary": _text(ev.get("summary")),
                "source": f"{_text(ev.get('source_file'))} row {_text(ev.get('source_ref'))}".strip()
                if ev.get("source_file") else "",
            })
        item = {k: _text(f[k]) for k in model.FINDINGS}
        item["evidence"] = evidence
        child["categories"].setdefault(str(f["category"]), []).append(item)
    out = []
    for pid in sorted(children):
        child = children[pid]
        child["categories"] = [{"category": c, "findings": child["categories"][c]}
                               for c in sorted(child["categories"])]
        out.append(child)
    return out


def _text(value) -> str:
    import pandas as pd

    if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)):
        return ""
    return str(value)


def rule_summary(rule: Rule) -> dict:
    """One line of ``chronos rules list``."""
    return {"id": rule.id, "type": rule.type, "category": rule.category,
            "severity": rule.severity, "age_band": _band_text(rule.age_band), "title": rule.title,
            "file": rule.file}


def _band_text(band) -> str:
    if not band:
        return ""
    return ",".join(map(str, band)) if isinstance(band, (list, tuple)) else str(band)


def rule_detail(rule: Rule) -> dict:
    """Everything about a rule for ``chronos rules show``: its YAML with effective params."""
    detail = dict(rule.raw)
    detail["params"] = {k: v for k, v in rule.params.items() if v is not None}
    detail["file"] = rule.file
    return detail


GROUP_TITLES = {"health": "Health", "education": "Education", "home": "Home, care and supervision",
                "drift": "Drift and agency response", "household": "Household structure"}


def _age_text(sel) -> str:
    lo, hi = sel.age_min_months, sel.age_max_months
    if lo is None and hi is None:
        return ""
    if lo is None:
        return "before birth" if hi == 0 else f"before birth to under {hi} months"
    if hi is None:
        return f"age {lo} months or more"
    return f"age under {hi} months" if lo == 0 else f"age {lo} to under {hi} months"


def _selector_text(name: str, sel) -> str:
    bits = []
    if sel.event_types:
        bits.append("types " + ", ".join(sel.event_types))
    if sel.categories:
        bits.append("categories " + ", ".join(sel.categories))
    if sel.agency_contains:
        bits.append("agency contains " + "/".join(sel.agency_contains))
    if sel.details:
        bits.append("details " + ", ".join(f"{k}={'/'.join(v)}" for k, v in sel.details))
    if _age_text(sel):
        bits.append(_age_text(sel))
    if sel.subject == "household":
        bits.append("the child's or the household's events")
    label = name.replace("group:", "group ")
    return "; ".join(bits) if name == "select" else f"{label}: " + "; ".join(bits)


def _params_text(rule: Rule) -> str:
    quiet = {"min_precision": "month", "mode": "each", "higher_is_worse": True,
             "distinct_days": False, "same_day": None, "different_agency": False}
    shown = [f"`{k}: {v}`" for k, v in rule.params.items()
             if v is not None and not (k in quiet and quiet[k] == v)]
    return ", ".join(shown) or "none"


def catalogue_markdown(rules: list[Rule]) -> str:
    """The rules as Markdown, grouped by catalogue file (the body of docs/rules.md)."""
    from pathlib import Path

    groups: dict[str, list[Rule]] = {}
    for rule in rules:
        groups.setdefault(Path(rule.file).stem, []).append(rule)
    order = [g for g in GROUP_TITLES if g in groups] + sorted(set(groups) - set(GROUP_TITLES))
    out = []
    for group in order:
        out += [f"## {GROUP_TITLES.get(group, group)}", ""]
        for r in groups[group]:
            band = _band_text(r.age_band) or "any"
            looks = " | ".join(_selector_text(n, s) for n, s in r.selectors.items()) or \
                "the household, its relationships and the assessments"
            out += [f"### `{r.id}`: {r.title}", "",
                    f"- **Type** `{r.type}`; **category** {r.category}; **severity** "
                    f"{r.severity}; **age band** {band}",
                    f"- **Looks at** {looks}",
                    f"- **Parameters** {_params_text(r)}",
                    f"- **Says** \"{r.explanation}\"",
                    f"- **Source** {' '.join(r.source.split())}", ""]
    return "\n".join(out)
