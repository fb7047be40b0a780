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
from importlib import resources
from typing import NamedTuple

from chronos import model


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
    text = resources.files("chronos").joinpath("data", "dedupe.yaml").read_text("utf-8")
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
    events = model.conform(events, "events")
    groups = _groups(events, cfg)
    if not groups:
        duplicates = model.conform(events.iloc[0:0], "events")
        duplicates["duplicate_of"] = duplicates["event_id"]
        return Deduplicated(_sorted(events), duplicates)
    by_id = events.set_index("event_id", drop=False)
    kept = by_id.copy()
    dup_rows = []
    for members in groups:
        primary, others = _choose_primary(by_id.loc[members])
        kept = _merge_into(kept, by_id, primary, others)
        for other in others:
            row = by_id.loc[other].to_dict()
            row["duplicate_of"] = primary
            dup_rows.append(row)
    dropped = {r["event_id"] for r in dup_rows}
    kept = kept[~kept["event_id"].isin(dropped)].reset_index(drop=True)
    duplicates = model.conform(dup_rows, "events")
    return Deduplicated(_sorted(kept), _sorted(duplicates))


def _sorted(frame):
    return frame.sort_values(["date", "event_id"], na_position="last",
                             kind="stable").reset_index(drop=True)


def _candidates(events, cfg: DedupeConfig):
    """One row per (event, person) for events that may be merged."""
    ok = (events["date_precision"].fillna("") == "day") & events["date"].notna() \
        & events["person_ids"].fillna("").str.len().gt(0) \
        & ~events["event_type"].isin(cfg.never_merge) & events["event_id"].notna() \
        & ~events["event_id"].duplicated(keep=False)
    cand = events.loc[ok, ["event_id", "date", "event_type", "source_file", "person_ids"]].copy()
    cand["person"] = cand["person_ids"].str.split(";")
    cand = cand.explode("person")
    cand = cand[cand["person"].str.strip().str.len() > 0]
    cand["group"] = cand["event_type"].map(cfg.group_of)
    cand["day"] = cand["date"].map(lambda d: date.fromisoformat(str(d)[:10]).toordinal())
    return cand.sort_values(["person", "group", "day", "event_id"], kind="stable")


def _groups(events, cfg: DedupeConfig) -> list[list[str]]:
    """Greedy groups: each starts at its earliest event and takes later events within the
    tolerance, one per source file; an event joins at most one group."""
    if events.empty:
        return []
    cand = _candidates(events, cfg)
    taken: set[str] = set()
    groups = []
    for _, block in cand.groupby(["person", "group"], sort=True):
        rows = [r for r in block.itertuples() if r.event_id not in taken]
        while rows:
            first, rest = rows[0], rows[1:]
            limit = first.day + cfg.tolerance(first.event_type)
            members, files, leftover = [first.event_id], {first.source_file}, []
            for r in rest:
                if r.day <= limit and r.source_file not in files and r.event_id not in members:
                    members.append(r.event_id)
                    files.add(r.source_file)
                else:
                    leftover.append(r)
            if len(members) > 1:
                groups.append(members)
                taken.update(members)
            rows = [r for r in leftover if r.event_id not in taken]
    return groups


def _choose_primary(rows) -> tuple[str, list[str]]:
    """The fullest report: a certain date, a time, the longest summary, then the id."""
    def rank(row) -> tuple:
        uncertain = _text(row["date_uncertain"]).lower() in {"true", "1"}
        return (uncertain, _text(row["time"]) == "", -len(_text(row["summary"])),
                row["event_id"])

    order = sorted((rank(row) for _, row in rows.iterrows()))
    return order[0][-1], [r[-1] for r in order[1:]]


def _text(value) -> str:
    import pandas as pd

    return "" if value is None or value is pd.NA or (isinstance(value, float)
                                                     and value != value) else str(value)


def _merge_into(kept, by_id, primary: str, others: list[str]):
    """Record the duplicates on the primary: ids, people and their sources."""
    ids = set(filter(None, _text(kept.at[primary, "corroborated_by"]).split(";")))
    kept.at[primary, "corroborated_by"] = ";".join(sorted(ids | set(others)))
    people = set()
    for event in [primary, *others]:
        people |= set(filter(None, _text(by_id.at[event, "person_ids"]).split(";")))
    kept.at[primary, "person_ids"] = ";".join(sorted(people))
    sources = "|".join(sorted(f"{by_id.at[e, 'source_file']}#{by_id.at[e, 'source_ref']}"
                              for e in others))
    details = _text(kept.at[primary, "details"])
    kept.at[primary, "details"] = ";".join(filter(None, [details, f"also_reported_in={sources}"]))
    return kept
