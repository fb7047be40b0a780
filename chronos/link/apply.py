"""Replace source record keys with canonical person ids in events and relationships."""

from __future__ import annotations

from chronos import model


def map_person_keys(value, record_to_person: dict[str, str]):
    """``"gp:1;school:7"`` -> ``"P1a2b...;P1a2b..."`` folded and sorted; keys that no
    person record has are kept as they are (so nothing is lost)."""
    if value is None or value != value or value is _NA:
        return value
    ids = {record_to_person.get(k.strip(), k.strip()) for k in str(value).split(";") if k.strip()}
    return ";".join(sorted(ids)) or None


def apply_person_ids(events, relationships, record_to_person: dict[str, str]):
    """Return ``(events, relationships)`` with ``person_ids`` / ``person_a`` /
    ``person_b`` mapped from record keys to person ids (see :func:`map_person_keys`)."""
    events = model.conform(events, "events")
    relationships = model.conform(relationships, "relationships")
    events["person_ids"] = _map(events["person_ids"], record_to_person)
    for column in ("person_a", "person_b"):
        relationships[column] = _map(relationships[column], record_to_person)
    return events, relationships


def _map(series, mapping):
    uniques = {v: map_person_keys(v, mapping) for v in series.dropna().unique()}
    return series.map(lambda v: uniques.get(v, v)).astype("string")


def _na_sentinel():
    import pandas as pd

    return pd.NA


_NA = _na_sentinel()
