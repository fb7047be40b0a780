"""Worked examples for rules: events in, expected findings out (``chronos rules test``).

A rule file may carry ``tests:`` next to (or instead of) its ``rules:``::

    persons:                       # optional, shared by the tests (default: one child C1)
      - {person_id: C1, dob: 2020-01-15, role: child}
    relationships: []              # optional, shared
    tests:
      - name: three missed appointments in nine months
        rule: wnb_health           # a rule in this file, or in the catalogue
        as_of: 2024-01-01          # optional
        params: {min_count: 3}     # optional overrides for this test
        events:                    # [id, date, type, person_ids, agency, {extra}] or mappings
          - [E1, 2023-01-04, was_not_brought, C1, GP]
          - {event_id: E2, date: 2023-05-01, event_type: was_not_brought, person_ids: C1}
        expect:                    # the exact findings: [person_id, 'E1;E2;E3'] pairs
          - [C1, E1;E2;E3]
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from chronos.errors import RuleError

DEFAULT_PERSONS = [{"person_id": "C1", "dob": "2020-01-15", "role": "child"}]
EVENT_FIELDS = ("event_id", "date", "event_type", "person_ids", "agency")


@dataclass
class CaseResultLine:
    """The outcome of one worked example."""

    name: str
    rule_id: str
    passed: bool
    expected: list
    got: list
    explanations: list


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def event_rows(items: list, file: str = "") -> list[dict]:
    """Expand compact event rows (lists) or mappings into event dicts."""
    rows = []
    for item in items or []:
        if isinstance(item, (list, tuple)):
            row = {k: _text(v) for k, v in zip(EVENT_FIELDS, item[:5])}
            if len(item) > 5 and isinstance(item[5], dict):
                row.update(item[5])
        elif isinstance(item, dict):
            row = dict(item)
        else:
            raise RuleError(f"cannot read test event {item!r}", file=file, column="events")
        row["date"] = _text(row.get("date"))
        row.setdefault("person_ids", "C1")
        row.setdefault("date_precision", "day" if row.get("date") else "unknown")
        rows.append(row)
    return rows


def _people(items) -> list[dict]:
    return [{k: _text(v) if k != "is_index" else v for k, v in p.items()} for p in items]


def run_rule_tests(path, *, extra_rules=None) -> list[CaseResultLine]:
    """Run the worked examples in a rule file against its rules (and the catalogue)."""
    from chronos.patterns.engine import run_rules
    from chronos.patterns.rules import apply_overrides, load_catalogue, load_rules
    from chronos.safe_input import load_yaml

    path = Path(path)
    data = load_yaml(path, error=RuleError, what="rule file") or {}
    own = load_rules([path]) if data.get("rules") else []
    rules = {r.id: r for r in load_catalogue(extra=extra_rules)}
    rules.update({r.id: r for r in own})
    persons = _people(data.get("persons") or DEFAULT_PERSONS)
    relationships = _people(data.get("relationships") or [])
    out = []
    for number, test in enumerate(data.get("tests") or [], 1):
        name = str(test.get("name") or f"test {number}")
        if test.get("rule") not in rules:
            raise RuleError(f"test {name!r} names unknown rule {test.get('rule')!r}",
                            file=str(path), column="rule")
        rule = apply_overrides([rules[test["rule"]]], {test["rule"]: test["params"]}
                               if test.get("params") else None)[0]
        findings = run_rules(event_rows(test.get("events"), str(path)),
                             _people(test.get("persons") or []) or persons,
                             _people(test.get("relationships") or []) or relationships,
                             rules=[rule], as_of=_text(test.get("as_of")))
        got = sorted([r.person_id, r.event_ids] for r in findings.itertuples())
        expected = sorted([str(p), str(ids)] for p, ids in (test.get("expect") or []))
        out.append(CaseResultLine(name, rule.id, got == expected, expected, got,
                                  findings["explanation"].tolist()))
    return out
