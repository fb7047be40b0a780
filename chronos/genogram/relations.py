"""Violence between partners, read from the events (police domestic abuse records).

A genogram draws a violence line (McGoldrick, GenoPro: a red zigzag with an arrow to the
one harmed) between two partners when a domestic abuse incident names one as the one who
harmed and the other as the one harmed. How an incident says who is who lives in one
function, :func:`incident_roles`: an event with its participants names their roles in
``person_roles`` (``victim``, ``suspect``: ``chronos/data/roles.yaml``); an export with an
event per police "nominal" gives the involvement (``Victim``, ``Suspect``) in ``details``,
and the events of one occurrence share its reference. The words, roles and keys are data
(``partner_violence`` in ``chronos/data/genogram.yaml``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from chronos.genogram.settings import settings


@dataclass
class Incident:
    """One domestic abuse incident: who harmed, who was harmed, its events and date."""

    key: tuple
    date: str | None
    harm: set[str] = field(default_factory=set)
    harmed: set[str] = field(default_factory=set)
    event_ids: list[str] = field(default_factory=list)


@dataclass
class ViolenceLine:
    """Violence from one partner to the other, with the incidents it rests on."""

    perpetrator: str
    victim: str
    incidents: int
    first: str | None
    last: str | None
    event_ids: list[str]


def partner_violence(graph, events: list[dict]) -> list[ViolenceLine]:
    """Violence lines between people who are (or were) partners, or who are both parents
    of one child, from the domestic abuse incidents in ``events`` (rows with ``people``,
    ``details`` and ``roles``). One line per direction, counting incidents."""
    by_pair: dict[tuple[str, str], list[Incident]] = defaultdict(list)
    for incident in incident_roles(events):
        for a in sorted(incident.harm):
            for b in sorted(incident.harmed - {a}):
                if a in graph and b in graph and _couple(graph, a, b):
                    by_pair[(a, b)].append(incident)
    lines = []
    for (a, b), incidents in sorted(by_pair.items()):
        dates = sorted(i.date for i in incidents if i.date)
        ids = sorted({e for i in incidents for e in i.event_ids})
        lines.append(ViolenceLine(a, b, len(incidents), dates[0] if dates else None,
                                  dates[-1] if dates else None, ids))
    return lines


def incident_roles(events: list[dict]) -> list[Incident]:
    """Domestic abuse incidents with who harmed whom, as the events record it now."""
    rules = settings()["partner_violence"]
    incidents: dict[tuple, Incident] = {}
    for row in events:
        if row.get("event_type") not in rules["event_types"]:
            continue
        details = row.get("details_map") or _details(row.get("details"))
        key = _incident_key(row, details, rules)
        incident = incidents.setdefault(key, Incident(key, row.get("date")))
        incident.event_ids.append(row.get("event_id") or "")
        people = [p for p in row.get("people") or [] if p]
        role = next((details[k].lower() for k in rules["role_keys"] if details.get(k)), "")
        if role in rules["harm_words"]:
            incident.harm.update(people)
        elif role in rules["harmed_words"]:
            incident.harmed.update(people)
        incident.harm.update(_named(details, rules["harm_keys"]))
        incident.harmed.update(_named(details, rules["harmed_keys"]))
        for pid, roles in (row.get("roles") or {}).items():
            if roles & set(rules["harm_roles"]):
                incident.harm.add(pid)
            if roles & set(rules["harmed_roles"]):
                incident.harmed.add(pid)
    return [incidents[k] for k in sorted(incidents, key=str)]


def _incident_key(row: dict, details: dict, rules: dict) -> tuple:
    ref = next((details[k] for k in rules["incident_keys"] if details.get(k)), None)
    if ref:
        return (row.get("source_file") or "", "ref", ref)
    return (row.get("source_file") or "", row.get("date") or "", row.get("time") or "",
            row.get("event_id") if not row.get("date") else "")


def _named(details: dict, keys: list[str]) -> set[str]:
    found = set()
    for key in keys:
        for pid in (details.get(key) or "").replace("|", ",").split(","):
            if pid.strip():
                found.add(pid.strip())
    return found


def _details(text) -> dict[str, str]:
    found = {}
    for part in str(text or "").split(";"):
        key, sep, value = part.partition("=")
        if sep and key.strip():
            found[key.strip().lower()] = value.strip()
    return found


def _couple(graph, a: str, b: str) -> bool:
    """Partners (either way, now or before) or the two parents of one child."""
    for x, y in ((a, b), (b, a)):
        if any(d.get("kind") == "partner" for d in (graph.get_edge_data(x, y) or {}).values()):
            return True
    kids_a = {c for _, c, d in graph.out_edges(a, data=True) if d.get("kind") == "parent"}
    return any(d.get("kind") == "parent" and c in kids_a for _, c, d in graph.out_edges(b, data=True))
