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
marks the first month of each escalating run. All numbers are data
(``chronos/data/harm_index.yaml``), configurable (a dict or a YAML file of the same keys,
:func:`harm_config`), and documented in docs/rules.md.

The index is computed by one SQL query (:data:`SCORES_SQL`) on whichever engine holds the
events: a case's in-memory DuckDB (:func:`harm_series`, month by month) or a population's
DuckDB or Spark (:func:`harm_at`, at the start and end of the screening period).
"""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from chronos import model
from chronos.errors import RuleError

HARM_COLUMNS = ["person_id", "date", "index", "events_score", "findings_score", "change",
                "band", "escalation", "escalation_start"]
#: days in a month of the half-life
MONTH_DAYS = 30.4375


@lru_cache(maxsize=1)
def _defaults() -> dict:
    import yaml

    from chronos.datafiles import data_text

    text = data_text("harm_index.yaml")
    return yaml.safe_load(text)


def harm_defaults() -> dict:
    """The shipped settings (``chronos/data/harm_index.yaml``), a copy to change freely."""
    return copy.deepcopy(_defaults())


def __getattr__(name: str):
    if name == "HARM_DEFAULTS":   # the shipped settings, as a dict (read from the data file)
        return harm_defaults()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def harm_config(config=None) -> dict:
    """The defaults merged with ``config`` (a dict or a YAML path); unknown keys raise."""
    if isinstance(config, (str, Path)):
        from chronos.safe_input import load_yaml

        config = load_yaml(Path(config), error=RuleError, what="harm index settings") or {}
    merged = harm_defaults()
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


def half_life_days(cfg: dict) -> float:
    """The half-life in days."""
    return float(cfg["half_life_months"]) * MONTH_DAYS


def event_weights(cfg: dict) -> pd.DataFrame:
    """``event_type, weight``: each event type's weight, by type, else by the vocabulary
    kind of the type (every type of the vocabulary and of ``type_weights``). A type in
    neither weighs :func:`unknown_type_weight`."""
    vocab = model.vocabulary()
    kinds = cfg["kind_weights"]
    weights = {name: float(kinds.get(entry.kind, 0.0)) for name, entry in vocab.event_types.items()}
    weights.update({name: float(w) for name, w in cfg["type_weights"].items()})
    return pd.DataFrame({"event_type": list(weights), "weight": list(weights.values())})


def unknown_type_weight(cfg: dict) -> float:
    """The weight of an event type chronos does not know (the kind ``other``)."""
    return float(cfg["kind_weights"].get("other", 0.0))


# --------------------------------------------------------------------------- the SQL
# Written once, in house SQL, for every engine (a case on in-memory DuckDB, a population
# on DuckDB over Parquet or on Spark). Each term is summed as an exact decimal, so the
# total does not depend on the order the engine adds them in; the half-life is a DOUBLE
# (Spark reads ``365.25`` as a DECIMAL and divided with six decimals).

#: what counts for each child up to ``asof``: the events of ``sev`` (the child's own and
#: the household's, each once) and the findings, with their weights (non-zero ones)
ITEMS_SQL = """SELECT * FROM (
  SELECT e.person_id, e.d, COALESCE(w.weight, {unknown}) AS weight, 1 AS is_event
  FROM (SELECT DISTINCT person_id, event_id, d, event_type FROM sev
        WHERE d IS NOT NULL AND d <= {asof}) e
  LEFT JOIN harm_weights w ON w.event_type = e.event_type
  UNION ALL
  SELECT f.person_id, TRY_CAST(f.window_end AS DATE) AS d, COALESCE(s.weight, 0) AS weight,
    0 AS is_event
  FROM harm_findings f LEFT JOIN harm_severities s ON s.severity = f.severity
  WHERE TRY_CAST(f.window_end AS DATE) <= {asof}) i
WHERE weight <> 0"""

_TERM = ("CAST(i.weight * POWER(0.5, date_diff('day', i.d, p.point) / {half}) "
         "AS DECIMAL(38, 12))")

#: the index's two parts for each child at each of its points (``harm_points``)
SCORES_SQL = f"""SELECT p.person_id, CAST(p.point AS VARCHAR) AS point,
  COALESCE(CAST(SUM(CASE WHEN i.is_event = 1 THEN {_TERM} END) AS DOUBLE), 0) AS events_score,
  COALESCE(CAST(SUM(CASE WHEN i.is_event = 0 THEN {_TERM} END) AS DOUBLE), 0) AS findings_score
FROM (SELECT person_id, CAST(point AS DATE) AS point FROM harm_points) p
LEFT JOIN harm_items i ON i.person_id = p.person_id AND i.d <= p.point
GROUP BY p.person_id, p.point"""


def _items(engine, findings, cfg: dict, as_of: str) -> str:
    """The query of the weighted items (:data:`ITEMS_SQL`) on ``engine`` (which holds the
    prepared tables, ``sev``), its inputs registered: ``findings`` is a FINDINGS frame, or
    the path of a Parquet file of findings."""
    from chronos.sql import date_literal

    engine.register("harm_weights", event_weights(cfg), "event_type string, weight double")
    severities = pd.DataFrame({"severity": list(cfg["finding_weights"]),
                               "weight": [float(w) for w in cfg["finding_weights"].values()]})
    engine.register("harm_severities", severities, "severity string, weight double")
    if isinstance(findings, (str, Path)):
        engine.view("harm_findings", findings)
    else:
        frame = model.conformed(findings, "findings")[["person_id", "severity", "window_end"]]
        engine.register("harm_findings", frame.astype(object).where(frame.notna(), None),
                        "person_id string, severity string, window_end string")
    return ITEMS_SQL.format(unknown=f"CAST({unknown_type_weight(cfg)!r} AS DOUBLE)",
                            asof=date_literal(as_of))


def _scores(engine, cfg: dict, prefix: str = "") -> pd.DataFrame:
    """:data:`SCORES_SQL` (``prefix``: a WITH clause giving its inputs, else tables)."""
    half = f"CAST({half_life_days(cfg)!r} AS DOUBLE)"
    scores = engine.df(prefix + SCORES_SQL.format(half=half))
    engine.drop("harm_points", "harm_items", "harm_weights", "harm_severities", "harm_findings")
    return scores


def harm_at(engine, findings, as_of: str, since: str, *, config=None) -> pd.DataFrame:
    """Per child with anything weighted: the index's parts at ``as_of`` and at ``since``
    (``events_end``, ``findings_end``, ``events_start``, ``findings_start``), sorted by
    child. ``engine`` holds the prepared tables of the rules (``sev``); ``findings`` is a
    FINDINGS frame or a Parquet file of them. A population's scorecard reads this."""
    cfg = harm_config(config)
    items = _items(engine, findings, cfg, as_of)
    # one query: on Spark each table would be a job of its own
    scores = _scores(engine, cfg, f"""WITH harm_items AS ({items}),
harm_children AS (SELECT DISTINCT person_id FROM harm_items),
harm_points AS (SELECT person_id, '{as_of}' AS point FROM harm_children
  UNION ALL SELECT person_id, '{since}' AS point FROM harm_children)
""")
    at_end = scores[scores["point"] == as_of].set_index("person_id")
    at_start = scores[scores["point"] == since].set_index("person_id")
    out = pd.DataFrame({"events_end": at_end["events_score"],
                        "findings_end": at_end["findings_score"]})
    out = out.join(pd.DataFrame({"events_start": at_start["events_score"],
                                 "findings_start": at_start["findings_score"]}), how="outer")
    out = out.fillna(0.0).astype(float).rename_axis("person_id").reset_index()
    return out.sort_values("person_id", ignore_index=True)


def harm_series(engine, findings, as_of: str, *, config=None) -> pd.DataFrame:
    """The cumulative harm index per child per month (:data:`HARM_COLUMNS`), on an engine
    that holds the prepared tables of the rules (``sev``): one row per child and month end
    from the child's first weighted event or finding to ``as_of``, sorted by child and date."""
    cfg = harm_config(config)
    engine.table("harm_items", _items(engine, findings, cfg, as_of))
    firsts = engine.df("SELECT person_id, CAST(MIN(d) AS VARCHAR) AS first FROM harm_items "
                       "GROUP BY person_id ORDER BY person_id")
    points = [(pid, day) for pid, first in zip(firsts["person_id"], firsts["first"])
              for day in _month_ends(pd.Timestamp(first), as_of).strftime("%Y-%m-%d")]
    engine.register("harm_points", pd.DataFrame(points, columns=["person_id", "point"]),
                    "person_id string, point string")
    scores = _scores(engine, cfg).sort_values(["person_id", "point"], ignore_index=True)
    if scores.empty:
        return pd.DataFrame(columns=HARM_COLUMNS)
    return _series(scores, cfg)[HARM_COLUMNS]


def harm_index(events, findings, persons, relationships=None, *, config=None,
               as_of=None) -> pd.DataFrame:
    """The cumulative harm index per child per month (see the module docstring).

    Returns :data:`HARM_COLUMNS`, one row per child and month end from the child's first
    weighted event to ``as_of`` (default: the latest event date), sorted by child and date.
    """
    from chronos.patterns import compile as comp
    from chronos.patterns.engine import _as_of, connect
    from chronos.sql.engines import DuckDBEngine

    engine = DuckDBEngine(connect(events, persons, relationships))
    try:
        as_of = _as_of(engine, as_of)
        engine.prepare(comp.prepare_sql(as_of))
        return harm_series(engine, findings, as_of, config=config)
    finally:
        engine.close()


def _month_ends(first: pd.Timestamp, as_of: str) -> pd.DatetimeIndex:
    end = pd.Timestamp(as_of)
    points = pd.date_range(first + pd.offsets.MonthEnd(0), end, freq="ME")
    if len(points) == 0 or points[-1] != end:
        points = points.append(pd.DatetimeIndex([end]))
    return points


def _series(scores: pd.DataFrame, cfg: dict) -> pd.DataFrame:
    """The index, its change and its escalation for every child at once (``scores``
    sorted by child and point): one pass over all rows, not one per child."""
    events = scores["events_score"].to_numpy(dtype=float)
    found = scores["findings_score"].to_numpy(dtype=float)
    index = np.clip(events + found, 0, None)
    frame = pd.DataFrame({"person_id": scores["person_id"].to_numpy(dtype=object),
                          "date": scores["point"].to_numpy(), "index": index.round(3),
                          "events_score": events.round(3), "findings_score": found.round(3)})
    return _escalation(frame, cfg)


def _escalation(frame: pd.DataFrame, cfg: dict) -> pd.DataFrame:
    """``change`` (since ``lookback_months`` earlier: 0 before the child's first month),
    ``escalation``, ``escalation_start`` and ``band``, each child's months on their own
    (``frame`` sorted by child and date)."""
    esc = cfg["escalation"]
    lookback = int(esc["lookback_months"])
    child = frame["person_id"].to_numpy(dtype=object)
    position = _position_in_child(child)
    values = frame["index"].to_numpy(dtype=float)
    earlier = np.zeros(len(values))
    if lookback >= 0:
        back = np.arange(len(values)) - lookback
        has = position >= lookback
        earlier[has] = values[back[has]]
    else:  # a negative lookback looks ahead, as pandas' shift does
        ahead = np.arange(len(values)) - lookback
        has = ahead < len(values)
        has[has] = child[ahead[has]] == child[has]
        earlier[has] = values[ahead[has]]
    frame["change"] = (frame["index"] - earlier).round(3)
    frame["escalation"] = (frame["index"] >= float(esc["min_index"])) & \
        (frame["change"] >= float(esc["min_rise"]))
    rising = frame["escalation"].to_numpy(dtype=bool)
    before = np.concatenate([[False], rising[:-1]]) & (position > 0)
    frame["escalation_start"] = rising & ~before
    bands = cfg["bands"]
    frame["band"] = np.where(frame["index"] >= float(bands["high"]), "high",
                             np.where(frame["index"] >= float(bands["medium"]), "medium", "low"))
    return frame


def _position_in_child(child: np.ndarray) -> np.ndarray:
    """0, 1, 2 ... along each run of one child's rows."""
    if not len(child):
        return np.zeros(0, dtype=int)
    starts = np.flatnonzero(np.concatenate([[True], child[1:] != child[:-1]]))
    run = np.repeat(starts, np.diff(np.append(starts, len(child))))
    return np.arange(len(child)) - run


def escalations(harm: pd.DataFrame) -> pd.DataFrame:
    """The months where an escalating run starts (one row per child and run)."""
    return harm[harm["escalation_start"]].reset_index(drop=True)


