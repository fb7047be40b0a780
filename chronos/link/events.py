"""Event de-duplication across agencies: the same event reported twice is one event.

The same A&E attendance in the hospital export, the GP's letter and the health visitor's
notes becomes one row of the chronology; the others' event ids go in its
``corroborated_by`` column and the rows themselves move to a *duplicates* table (with a
``duplicate_of`` column), so every source is kept but rules count the event once.

The criteria (``chronos/data/dedupe.yaml``, overridable with ``config``): a shared
person, different source files, day-precision dates within a tolerance of the group's
first event, and the same or a compatible event type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from chronos import model
from chronos.datafiles import data_text


@dataclass(frozen=True)
class DedupeConfig:
    """When two events are the same event."""

    tolerance_days: int = 1
    tolerance_days_by_type: dict = field(default_factory=dict)
    same_event: tuple = ()
    never_merge: frozenset = frozenset()

    def group_of(self, event_type: str) -> str:
        """The compatibility group of a type (the type itself when in no group)."""
        for group in self.same_event:
            if event_type in group:
                return "|".join(sorted(group))
        return event_type

    def tolerance(self, event_type: str) -> int:
        """Days two reports of this type may differ by."""
        return int(self.tolerance_days_by_type.get(event_type, self.tolerance_days))


class Deduplicated(NamedTuple):
    """The chronology events (one row per real event) and the merged duplicates."""

    events: object        # DataFrame, model.EVENTS, corroborated_by filled in
    duplicates: object    # DataFrame, model.EVENTS + duplicate_of


def load_dedupe_config(config=None) -> DedupeConfig:
    """The shipped config, updated with the keys of ``config`` (a dict) if given."""
    import yaml

    if isinstance(config, DedupeConfig):
        return config
    text = data_text("dedupe.yaml")
    raw = yaml.safe_load(text) or {}
    raw.update(config or {})
    return DedupeConfig(
        tolerance_days=int(raw.get("tolerance_days", 1)),
        tolerance_days_by_type=dict(raw.get("tolerance_days_by_type") or {}),
        same_event=tuple(frozenset(g) for g in raw.get("same_event") or ()),
        never_merge=frozenset(raw.get("never_merge") or ()))


def dedupe_events(events, config=None) -> Deduplicated:
    """Merge the same event reported by several sources (see module docstring)."""
    cfg = load_dedupe_config(config)
    events = model.conformed(events, "events")
    groups = _groups(events, cfg)
    if not groups:
        duplicates = model.conform(events.iloc[0:0], "events")
        duplicates["duplicate_of"] = duplicates["event_id"]
        return Deduplicated(_sorted(events), duplicates)
    members = {e for group in groups for e in group}
    rows = events[_in(events["event_id"], members)].set_index("event_id", drop=False)
    columns = ["date_uncertain", "time", "summary", "person_ids", "person_roles",
               "source_file", "source_ref", "corroborated_by", "details"]
    values = [_objects(rows[c]) for c in columns]
    facts = {e: dict(zip(columns, row)) for e, row in zip(rows.index, zip(*values))}
    merged, duplicate_of = {}, {}
    for group in groups:
        primary, others = _choose_primary(group, facts)
        merged[primary] = _merged(facts, primary, others)
        duplicate_of.update(dict.fromkeys(others, primary))
    kept = events[~_in(events["event_id"], duplicate_of)].reset_index(drop=True)
    is_primary = _in(kept["event_id"], merged)
    for column in ("corroborated_by", "person_ids", "person_roles", "details"):
        kept.loc[is_primary, column] = kept.loc[is_primary, "event_id"].map(
            {e: m[column] for e, m in merged.items()})
    duplicates = events[_in(events["event_id"], duplicate_of)].reset_index(drop=True)
    duplicates["duplicate_of"] = duplicates["event_id"].map(duplicate_of)
    return Deduplicated(_sorted(kept), _sorted(model.conformed(duplicates, "events")))


def _sorted(frame):
    return frame.sort_values(["date", "event_id"], na_position="last",
                             kind="stable").reset_index(drop=True)


def _candidates(events, cfg: DedupeConfig):
    """One row per (event, person) for events that may be merged."""
    ok = (events["date_precision"].fillna("") == "day") & events["date"].notna() \
        & events["person_ids"].fillna("").str.len().gt(0) \
        & events["event_type"].notna() & ~events["event_type"].isin(cfg.never_merge) \
        & events["event_id"].notna() \
        & ~events["event_id"].duplicated(keep=False)
    cand = events.loc[ok, ["event_id", "date", "event_type", "source_file", "person_ids"]].copy()
    cand["person"] = cand["person_ids"].str.split(";")
    cand = cand.explode("person")
    cand = cand[cand["person"].str.strip().str.len() > 0]
    types, dates = cand["event_type"].unique(), cand["date"].unique()
    cand["group"] = cand["event_type"].map({t: cfg.group_of(t) for t in types})
    cand["day"] = cand["date"].map({d: date.fromisoformat(str(d)[:10]).toordinal()
                                    for d in dates})
    return cand.sort_values(["person", "group", "day", "event_id"], kind="stable")


def _groups(events, cfg: DedupeConfig) -> list[list[str]]:
    """Greedy groups: each starts at its earliest event and takes later events within the
    tolerance, one per source file; an event joins at most one group."""
    if events.empty:
        return []
    cand = _candidates(events, cfg)
    taken: set[str] = set()
    groups = []
    for block in _blocks(cand):
        rows = [r for r in block if r[0] not in taken]
        while rows:
            first, rest = rows[0], rows[1:]
            limit = first[1] + cfg.tolerance(first[2])
            members, files, leftover = [first[0]], {first[3]}, []
            for r in rest:
                if r[1] <= limit and r[3] not in files and r[0] not in members:
                    members.append(r[0])
                    files.add(r[3])
                else:
                    leftover.append(r)
            if len(members) > 1:
                groups.append(members)
                taken.update(members)
            rows = [r for r in leftover if r[0] not in taken]
    return groups


def _blocks(cand):
    """The candidates' ``(event_id, day, event_type, source_file)`` rows, one list per
    (person, group) block, blocks in sorted order (``cand`` is sorted)."""
    keys = list(zip(_objects(cand["person"]), _objects(cand["group"])))
    rows = list(zip(_objects(cand["event_id"]), cand["day"].tolist(),
                    _objects(cand["event_type"]), _objects(cand["source_file"])))
    block: list = []
    for i, row in enumerate(rows):
        if block and keys[i] != keys[i - 1]:
            yield block
            block = []
        block.append(row)
    if block:
        yield block


def _in(series, values):
    """``series.isin(values)`` for a set or dict of strings, as a NumPy mask (faster
    than pandas' isin on Arrow strings)."""
    import numpy as np

    column = series.to_numpy(dtype=object, na_value=None)
    return np.fromiter((v in values for v in column), dtype=bool, count=len(column))


def _objects(series) -> list:
    """A column's values as Python objects, missing values as ``pd.NA``."""
    import pandas as pd

    return series.to_numpy(dtype=object, na_value=pd.NA).tolist()


def _choose_primary(members: list[str], facts: dict) -> tuple[str, list[str]]:
    """The fullest report: a certain date, a time, the longest summary, then the id."""
    def rank(event_id: str) -> tuple:
        row = facts[event_id]
        uncertain = _text(row["date_uncertain"]).lower() in {"true", "1"}
        return (uncertain, _text(row["time"]) == "", -len(_text(row["summary"])), event_id)

    order = sorted(rank(e) for e in members)
    return order[0][-1], [r[-1] for r in order[1:]]


def _text(value) -> str:
    import pandas as pd

    return "" if value is None or value is pd.NA or (isinstance(value, float)
                                                     and value != value) else str(value)


def _one_role(roles: list[str]) -> list[str]:
    """A person's roles across reports of one event: the default role only where no
    report gives a better one."""
    told = [r for r in roles if r != model.DEFAULT_ROLE]
    return told or roles


def _merged(facts: dict, primary: str, others: list[str]) -> dict:
    """The primary's new ``corroborated_by``, ``person_ids``, ``person_roles`` and
    ``details``: the duplicates' ids, everyone they name (with every role a report gives
    them), and where they were reported."""
    ids = set(filter(None, _text(facts[primary]["corroborated_by"]).split(";")))
    people = set()
    roles: dict[str, list[str]] = {}
    for event in [primary, *others]:
        people |= set(filter(None, _text(facts[event]["person_ids"]).split(";")))
        for person, given in model.parse_roles(facts[event]["person_ids"],
                                               facts[event]["person_roles"]).items():
            roles.setdefault(person, []).extend(given)
    sources = "|".join(sorted(f"{facts[e]['source_file']}#{facts[e]['source_ref']}"
                              for e in others))
    details = _text(facts[primary]["details"])
    return {"corroborated_by": ";".join(sorted(ids | set(others))),
            "person_ids": ";".join(sorted(people)),
            "person_roles": model.format_roles({p: _one_role(roles[p]) for p in sorted(people)}),
            "details": ";".join(filter(None, [details, f"also_reported_in={sources}"]))}
