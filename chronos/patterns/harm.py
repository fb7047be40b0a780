"""The cumulative harm index: one number per child per month that a chart can plot.

At each month end ``t`` (and at ``as_of``) the index is

    index(t) = sum over the child's events e dated on or before t of  w(e) * 0.5 ** (age / H)
             + sum over findings f ending on or before t              of  s(f) * 0.5 ** (age / H)

where ``age`` is the time since the event (or the finding's window end), ``H`` the
half-life, ``w`` the event weight (by event type, else by the vocabulary kind: concerns 1,
household context 0.5, others 0) and ``s`` the finding weight by severity (low 1,
medium 2, high 4). Events count for a child as in the rules: the child's own events and
the events of adults in the child's household (``via='household'``), each once.

Escalation: the index is *escalating* at ``t`` when it is at least ``min_index`` and has
risen by at least ``min_rise`` since ``lookback_months`` earlier. ``escalation_start``
marks the first month of each escalating run. All numbers are configurable (a dict or a
YAML file with the keys of :data:`HARM_DEFAULTS`), and documented in docs/rules.md.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd

from chronos import model
from chronos.errors import RuleError

HARM_DEFAULTS = {
    "half_life_months": 12,
    "kind_weights": {"concern": 1.0, "context": 0.5, "process": 0.0, "positive": 0.0,
                     "measure": 0.0, "life": 0.0, "other": 0.0},
    "type_weights": {"injury": 2.0, "domestic_abuse_incident": 1.5, "missing_episode": 1.5,
                     "substance_use_pregnancy": 2.0, "was_not_brought": 1.0},
    "finding_weights": {"low": 1.0, "medium": 2.0, "high": 4.0},
    "escalation": {"lookback_months": 3, "min_rise": 2.0, "min_index": 4.0},
    "bands": {"medium": 4.0, "high": 8.0},
}
HARM_COLUMNS = ["person_id", "date", "index", "events_score", "findings_score", "change",
                "band", "escalation", "escalation_start"]


def harm_config(config=None) -> dict:
    """The defaults merged with ``config`` (a dict or a YAML path); unknown keys raise."""
    if isinstance(config, (str, Path)):
        from chronos.safe_input import load_yaml

        config = load_yaml(Path(config), error=RuleError, what="harm index settings") or {}
    merged = copy.deepcopy(HARM_DEFAULTS)
    for key, value in (config or {}).items():
        if key not in merged:
            raise RuleError(f"unknown harm index setting {key!r}; known: {sorted(merged)}",
                            column=key)
        if isinstance(merged[key], dict):
            if not isinstance(value, dict):
                raise RuleError(f"harm index setting {key!r} must be a mapping", column=key)
            merged[key].update(value)
        else:
            merged[key] = value
    return merged


def harm_index(events, findings, persons, relationships=None, *, config=None,
               as_of=None) -> pd.DataFrame:
    """The cumulative harm index per child per month (see the module docstring).

    Returns :data:`HARM_COLUMNS`, one row per child and month end from the child's first
    weighted event to ``as_of`` (default: the latest event date), sorted by child and date.
    """
    from chronos.patterns.engine import _as_of, connect
    from chronos.patterns import compile as comp

    cfg = harm_config(config)
    con = connect(events, persons, relationships)
    try:
        as_of = _as_of(con, as_of)
        for statement in comp.prepare_sql(as_of):
            con.execute(statement)
        child_events = con.execute(
            "SELECT DISTINCT person_id, event_id, d, event_type FROM sev "
            f"WHERE d IS NOT NULL AND d <= {comp.date_lit(as_of)}").df()
    finally:
        con.close()
    items = _weighted_items(child_events, model.conformed(findings, "findings"), cfg, as_of)
    frames = [_child_series(pid, grp, cfg, as_of) for pid, grp in items.groupby("person_id", sort=True)]
    if not frames:
        return pd.DataFrame(columns=HARM_COLUMNS)
    return pd.concat(frames, ignore_index=True)[HARM_COLUMNS]


def _weighted_items(child_events: pd.DataFrame, findings: pd.DataFrame, cfg: dict,
                    as_of: str) -> pd.DataFrame:
    vocab = model.vocabulary()

    def weight(event_type: str) -> float:
        if event_type in cfg["type_weights"]:
            return float(cfg["type_weights"][event_type])
        entry = vocab.event_types.get(event_type)
        return float(cfg["kind_weights"].get(entry.kind if entry else "other", 0.0))

    ev = pd.DataFrame({
        "person_id": child_events["person_id"].astype(str),
        "date": pd.to_datetime(child_events["d"]),
        "weight": [weight(t) for t in child_events["event_type"]],
        "source": "event",
    })
    fd = findings[findings["window_end"].fillna("") != ""]
    fd = pd.DataFrame({
        "person_id": fd["person_id"].astype(str),
        "date": pd.to_datetime(fd["window_end"]),
        "weight": [float(cfg["finding_weights"].get(s, 0.0)) for s in fd["severity"]],
        "source": "finding",
    })
    items = pd.concat([ev, fd], ignore_index=True)
    items = items[(items["weight"] != 0) & (items["date"] <= pd.Timestamp(as_of))]
    return items.sort_values(["person_id", "date", "source"], kind="stable")


def _month_ends(first: pd.Timestamp, as_of: str) -> pd.DatetimeIndex:
    end = pd.Timestamp(as_of)
    points = pd.date_range(first + pd.offsets.MonthEnd(0), end, freq="ME")
    if len(points) == 0 or points[-1] != end:
        points = points.append(pd.DatetimeIndex([end]))
    return points


def _child_series(person_id: str, items: pd.DataFrame, cfg: dict, as_of: str) -> pd.DataFrame:
    points = _month_ends(items["date"].min(), as_of)
    half_life_days = float(cfg["half_life_months"]) * 30.4375
    dates = items["date"].to_numpy(dtype="datetime64[ns]")
    age = (points.to_numpy(dtype="datetime64[ns]")[:, None] - dates[None, :]) / np.timedelta64(1, "D")
    decay = np.where(age >= 0, 0.5 ** (np.clip(age, 0, None) / half_life_days), 0.0)
    contrib = decay * items["weight"].to_numpy(dtype=float)[None, :]
    is_event = (items["source"] == "event").to_numpy(dtype=bool)
    events_score = contrib[:, is_event].sum(axis=1)
    findings_score = contrib[:, ~is_event].sum(axis=1)
    index = np.clip(events_score + findings_score, 0, None)
    frame = pd.DataFrame({"person_id": person_id, "date": points.strftime("%Y-%m-%d"),
                          "index": index.round(3), "events_score": events_score.round(3),
                          "findings_score": findings_score.round(3)})
    return _escalation(frame, cfg)


def _escalation(frame: pd.DataFrame, cfg: dict) -> pd.DataFrame:
    esc = cfg["escalation"]
    lookback = int(esc["lookback_months"])
    earlier = frame["index"].shift(lookback).fillna(0.0)
    frame["change"] = (frame["index"] - earlier).round(3)
    frame["escalation"] = (frame["index"] >= float(esc["min_index"])) & \
        (frame["change"] >= float(esc["min_rise"]))
    frame["escalation_start"] = frame["escalation"] & ~frame["escalation"].shift(1, fill_value=False)
    bands = cfg["bands"]
    frame["band"] = np.where(frame["index"] >= float(bands["high"]), "high",
                             np.where(frame["index"] >= float(bands["medium"]), "medium", "low"))
    return frame


def escalations(harm: pd.DataFrame) -> pd.DataFrame:
    """The months where an escalating run starts (one row per child and run)."""
    return harm[harm["escalation_start"]].reset_index(drop=True)


