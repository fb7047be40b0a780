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


def map_person_roles(value, record_to_person: dict[str, str]):
    """``"gp:1=victim;police:9=witness"`` -> ``"P1a2b...=victim+witness"``: the keys of
    ``key=role`` pairs mapped as :func:`map_person_keys` maps them, sorted the same way;
    two records of one person in one event keep both roles."""
    if value is None or value != value or value is _NA:
        return value
    merged: dict[str, list[str]] = {}
    for person, roles in model.parse_roles(
            ";".join(p.split("=")[0] for p in str(value).split(";")), value).items():
        merged.setdefault(record_to_person.get(person, person), []).extend(roles)
    return model.format_roles({p: merged[p] for p in sorted(merged)}) or None


def apply_person_ids(events, relationships, record_to_person: dict[str, str]):
    """Return ``(events, relationships)`` with ``person_ids`` / ``person_a`` /
    ``person_b`` mapped from record keys to person ids (see :func:`map_person_keys`),
    and the keys of ``person_roles`` with them (:func:`map_person_roles`)."""
    events = model.conform(events, "events")
    relationships = model.conform(relationships, "relationships")
    events["person_ids"] = _map(events["person_ids"], record_to_person)
    events["person_roles"] = _map(events["person_roles"], record_to_person,
                                  map_person_roles)
    for column in ("person_a", "person_b"):
        relationships[column] = _map(relationships[column], record_to_person)
    return events, relationships


def _map(series, mapping, how=None):
    how = how or map_person_keys
    uniques = {v: how(v, mapping) for v in series.dropna().unique()}
    return series.map(uniques).astype("string")   # every value is a key; missing stay missing


def _na_sentinel():
    import pandas as pd

    return pd.NA


_NA = _na_sentinel()
