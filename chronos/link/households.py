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
    import pandas as pd

    persons = model.conformed(persons, "persons")
    relationships = model.conformed(relationships, "relationships")
    spans = _event_spans(events)
    stated = _stated(relationships)
    address = _address_pairs(persons, spans)
    parts = ([pd.DataFrame(stated, columns=_ROW)] if stated else []) + (
        [address] if address is not None and len(address) else [])
    if not parts:
        return model.conform([], "relationships")
    table = model.conform(pd.concat(parts, ignore_index=True), "relationships")
    table = table.groupby(["person_a", "person_b", "subtype"], as_index=False, dropna=False).agg(
        start=("start", "min"), end=("end", "max"), source_file=("source_file", "first"),
        source_ref=("source_ref", "first"))
    table["kind"] = "household"
    table = model.conform(table, "relationships")
    return table.sort_values(["person_a", "person_b", "subtype"], kind="stable").reset_index(drop=True)


_ROW = ["person_a", "person_b", "subtype", "start", "end", "source_file", "source_ref"]


def _pair(a, b) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def _stated(relationships) -> list[dict]:
    rows = []
    kind = relationships["kind"].str.lower()
    maybe = relationships[kind.isin(["household", "partner"]).fillna(False).to_numpy(bool)]
    for r in maybe.itertuples():   # (only household and partner rows can give one)
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


def _address_pairs(persons, spans):
    """The ``address`` rows: every two people with a record at one address
    (:func:`_address_keys`), in the order of the addresses' first records, each address's
    pairs sorted, with the file and reference of the address's first record. Vectorised:
    the key is made once per distinct postcode, address line and family name, and the
    pairs by a self-join of the distinct (address, person) rows."""
    import numpy as np
    import pandas as pd

    key = _address_keys(persons)
    person = persons["person_id"]
    if person.dtype == object:   # a person id that is not text is no person
        usable = person.map(lambda v: isinstance(v, str)).astype(bool)
    else:
        usable = person.notna()
    usable &= key.notna()
    if not usable.any():
        return None
    homes = pd.DataFrame({"key": key[usable].to_numpy(dtype=object),
                          "person": person[usable].astype(object).to_numpy(),
                          "source_file": persons["source_file"][usable].to_numpy(),
                          "source_ref": persons["source_ref"][usable].to_numpy()})
    order, _ = pd.factorize(homes["key"])           # addresses by their first record
    homes["order"] = order
    first = homes.drop_duplicates("order").set_index("order")[["source_file", "source_ref"]]
    members = homes[["order", "person"]].drop_duplicates()
    pairs = members.merge(members, on="order", suffixes=("_a", "_b"))
    pairs = pairs[pairs["person_a"].to_numpy() < pairs["person_b"].to_numpy()]
    pairs = pairs.sort_values(["order", "person_a", "person_b"], kind="stable")
    a, b = pairs["person_a"].to_numpy(), pairs["person_b"].to_numpy()
    start, end = np.full(len(a), None, dtype=object), np.full(len(a), None, dtype=object)
    if spans:
        for i, (x, y) in enumerate(zip(a, b)):
            start[i], end[i] = _span(spans, x, y)
    where = first.loc[pairs["order"].to_numpy()]
    return pd.DataFrame({"person_a": a, "person_b": b, "subtype": "address", "start": start,
                         "end": end, "source_file": where["source_file"].to_numpy(),
                         "source_ref": where["source_ref"].to_numpy()})


def _address_keys(persons):
    """Each row's address: its postcode and first address line, or its postcode and
    first family name when there is no address line (None: no valid postcode, or neither).
    Made once per distinct postcode, address and family name."""
    import pandas as pd

    def each(column, func):
        values = persons[column].astype(object)
        values = values.where(values.notna(), None)
        distinct = values.dropna().unique()
        return values.map(dict(zip(distinct, map(func, distinct)))).astype(object)

    postcode = each("postcode", lambda v: normalise_postcode(v).value or None)
    line = each("address", _street_line)
    family = each("family_name", lambda v: (name_tokens(v) or [None])[0])
    key = pd.Series(None, index=persons.index, dtype=object)
    by_line = postcode.notna() & line.notna()
    by_family = postcode.notna() & line.isna() & family.notna()
    key[by_line] = postcode[by_line] + "|" + line[by_line]
    key[by_family] = postcode[by_family] + "|~" + family[by_family]
    return key


def _street_line(address: str) -> str | None:
    """The first line of an address, upper case, street words shortened (None: empty)."""
    line = str(address).split(",")[0]
    words = re.sub(r"[^A-Z0-9]+", " ", line.upper()).split()
    return " ".join(_STREET_WORDS.get(w, w) for w in words) or None


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
