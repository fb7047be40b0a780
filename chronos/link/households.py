"""Who lived with whom, when: household relationships from addresses and sources.

:func:`households` returns ``model.RELATIONSHIPS`` rows of kind ``household`` between
linked people, from three kinds of evidence (in ``subtype``):

- ``stated``: a source said so (a ``household`` relationship, e.g. a CIN household list);
- ``partner``: a partner relationship that is not separated/divorced (its dates);
- ``address``: two people recorded at the same address (postcode and first address line,
  or postcode and family name when there is no address line). ``start``/``end`` are the
  first and last dated events in which *both* appear (or each one's own events'
  overlap when they never appear together); empty when there are no events.
"""

from __future__ import annotations

import re
from collections import namedtuple

from chronos import model
from chronos.link.identifiers import name_tokens, normalise_postcode

_LIVING_APART = {"separated", "divorced"}
_STREET_WORDS = {"STREET": "ST", "ROAD": "RD", "AVENUE": "AVE", "LANE": "LN", "DRIVE": "DR",
                 "CLOSE": "CL", "COURT": "CT", "PLACE": "PL", "CRESCENT": "CRES",
                 "TERRACE": "TER", "GARDENS": "GDNS", "SQUARE": "SQ"}


def households(persons, relationships=None, events=None):
    """Household relationships between people (see module docstring).

    ``persons``: canonical persons (``LinkResult.persons``) or source person records with
    a ``person_id`` column (several addresses per person then count).
    """
    persons = model.conformed(persons, "persons")
    relationships = model.conformed(relationships, "relationships")
    spans = _event_spans(events)
    rows = _stated(relationships) + _address_pairs(persons, spans)
    table = model.conform(rows, "relationships")
    if table.empty:
        return table
    table = table.groupby(["person_a", "person_b", "subtype"], as_index=False, dropna=False).agg(
        start=("start", "min"), end=("end", "max"), source_file=("source_file", "first"),
        source_ref=("source_ref", "first"))
    table["kind"] = "household"
    table = model.conform(table, "relationships")
    return table.sort_values(["person_a", "person_b", "subtype"], kind="stable").reset_index(drop=True)


def _pair(a, b) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def _stated(relationships) -> list[dict]:
    rows = []
    for r in relationships.itertuples():
        if not isinstance(r.person_a, str) or not isinstance(r.person_b, str) or r.person_a == r.person_b:
            continue
        kind, subtype = _lower(r.kind), _lower(r.subtype)
        if kind == "household" or (kind == "partner" and subtype not in _LIVING_APART):
            a, b = _pair(r.person_a, r.person_b)
            rows.append({"person_a": a, "person_b": b,
                         "subtype": "stated" if kind == "household" else "partner",
                         "start": r.start, "end": r.end, "source_file": r.source_file,
                         "source_ref": r.source_ref})
    return rows


def _lower(value) -> str:
    return value.lower() if isinstance(value, str) else ""


def _address_key(row) -> str | None:
    postcode = normalise_postcode(row.postcode).value
    if not postcode:
        return None
    line = str(row.address).split(",")[0] if isinstance(row.address, str) else ""
    words = re.sub(r"[^A-Z0-9]+", " ", line.upper()).split()
    line = " ".join(_STREET_WORDS.get(w, w) for w in words)
    if line:
        return f"{postcode}|{line}"
    family = name_tokens(row.family_name)
    return f"{postcode}|~{family[0]}" if family else None


_Home = namedtuple("_Home", "postcode address family_name person_id source_file source_ref")


def _homes(persons):
    """The persons' rows (only the columns used here), missing values as ``pd.NA``."""
    import pandas as pd

    columns = [persons[c].to_numpy(dtype=object, na_value=pd.NA) for c in _Home._fields]
    return [_Home(*values) for values in zip(*columns)]


def _address_pairs(persons, spans) -> list[dict]:
    homes: dict[str, list] = {}
    keys: dict[tuple, str | None] = {}    # one key per distinct postcode, address, name
    for row in _homes(persons):
        where = (row.postcode, row.address, row.family_name)
        if where not in keys:
            keys[where] = _address_key(row)
        key = keys[where]
        if key and isinstance(row.person_id, str):
            homes.setdefault(key, []).append(row)
    rows = []
    for members in homes.values():
        ids = sorted({m.person_id for m in members})
        first = members[0]
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                start, end = _span(spans, a, b)
                rows.append({"person_a": a, "person_b": b, "subtype": "address",
                             "start": start, "end": end, "source_file": first.source_file,
                             "source_ref": first.source_ref})
    return rows


def _event_spans(events) -> dict:
    """person -> sorted dates; (a, b) -> dates of events naming both."""
    spans: dict = {}
    if events is None or len(events) == 0:
        return spans
    events = model.conformed(events, "events")
    for r in events[events["date"].notna()].itertuples():
        ids = r.person_ids if isinstance(r.person_ids, str) else ""
        people = sorted(set(filter(None, ids.split(";"))))
        for p in people:
            spans.setdefault(p, []).append(r.date)
        for i, a in enumerate(people):
            for b in people[i + 1:]:
                spans.setdefault((a, b), []).append(r.date)
    return spans


def _span(spans, a, b):
    together = spans.get((a, b))
    if together:
        return min(together), max(together)
    da, db = spans.get(a), spans.get(b)
    if not da or not db:
        return None, None
    start, end = max(min(da), min(db)), min(max(da), max(db))
    return (start, end) if start <= end else (None, None)
