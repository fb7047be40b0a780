"""Chronology rows: the events of a case in the columns practitioners expect.

``chronology_rows(result)`` returns one row per event, sorted by date (undated events
last), with the display columns :data:`COLUMNS` and hidden columns (starting ``_``) that
writers use for colour, filters and links to findings.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from chronos import model

COLUMNS = ["No.", "Date", "Age of child", "Agency / source", "Event", "Significance",
           "Action / outcome", "Reference"]

HIDDEN = ["_event_id", "_date", "_precision", "_uncertain", "_agency", "_categories", "_kind",
          "_label", "_text", "_findings", "_persons", "_source_file", "_summary"]

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


def format_date(iso, precision, uncertain) -> str:
    """``22/05/2016``, ``?22/05/2016`` (uncertain), ``May 2016``, ``2016``, ``Date unknown``."""
    try:
        from chronos.dates import format_display
    except ImportError:
        format_display = None
    if format_display is not None:
        return format_display(_text(iso) or None, _text(precision) or "day", bool(_flag(uncertain)))
    return _format_date(_text(iso), _text(precision) or "day", bool(_flag(uncertain)))


def _format_date(iso: str, precision: str, uncertain: bool) -> str:
    if not iso or precision == "unknown":
        return "Date unknown"
    y, m, d = iso[:4], iso[5:7], iso[8:10]
    text = {"year": y, "month": f"{MONTHS[int(m) - 1]} {y}" if m else y}.get(
        precision, f"{d}/{m}/{y}")
    return f"?{text}" if uncertain else text


def age_at(dob: str | None, iso: str | None, precision: str = "day") -> str:
    """The child's age on a date: ``3y 2m``, ``5m``, ``2w``; ``unborn`` before birth;
    whole years only (``c. 4y``) when the event date is only a year."""
    if not dob or not iso or precision == "unknown":
        return ""
    born, when = date.fromisoformat(dob[:10]), date.fromisoformat(iso[:10])
    if when < born:
        return "unborn"
    months = (when.year - born.year) * 12 + when.month - born.month - (when.day < born.day)
    if precision == "year":
        return f"c. {max(months // 12, 0)}y" if months >= 12 else "under 1y"
    if months < 1:
        weeks = (when - born).days // 7
        return f"{weeks}w" if weeks else "newborn"
    years, rest = divmod(months, 12)
    return f"{years}y {rest}m" if years else f"{rest}m"


def chronology_rows(result: Any, child: str | None = None) -> pd.DataFrame:
    """One row per event of ``result`` in :data:`COLUMNS` (plus hidden ``_`` columns),
    sorted by date; ``child`` (a person id) chooses whose age is shown."""
    from chronos.report import people

    events = model.conform(result.events, "events")
    events = _sorted(events)
    kids = people.index_children(result)
    flagged = _flags(result)
    vocab = model.vocabulary()
    records = [_row(e, kids, child, flagged, vocab) for e in events.to_dict("records")]
    frame = pd.DataFrame(records, columns=COLUMNS + HIDDEN)
    frame["No."] = [str(i) for i in range(1, len(frame) + 1)]
    return frame


def _sorted(events: pd.DataFrame) -> pd.DataFrame:
    keys = events.assign(_undated=events["date"].isna() | (events["date"] == ""),
                         _d=events["date"].fillna(""), _t=events["time"].fillna(""),
                         _a=events["agency"].fillna(""), _i=events["event_id"].fillna(""))
    keys = keys.sort_values(["_undated", "_d", "_t", "_a", "_i"], kind="stable")
    return keys[events.columns].reset_index(drop=True)


def _flags(result: Any) -> dict[str, list[str]]:
    """event id -> finding ids that cite it."""
    findings = getattr(result, "findings", None)
    out: dict[str, list[str]] = {}
    if findings is None or len(findings) == 0:
        return out
    for fid, ids in zip(findings["finding_id"], findings["event_ids"]):
        for eid in str(ids if isinstance(ids, str) else "").split(";"):
            if eid:
                out.setdefault(eid, []).append(str(fid))
    return out


def _row(e: dict, kids: list[dict], child, flagged, vocab) -> dict:
    etype = _text(e["event_type"])
    entry = vocab.event_types.get(etype)
    label = entry.label if entry else (etype or "Event")
    summary = _text(e["summary"])
    persons = _text(e["person_ids"])
    return {
        "Date": format_date(e["date"], e["date_precision"], e["date_uncertain"]),
        "Age of child": _ages(kids, child, persons, e),
        "Agency / source": _agency(e), "Event": f"{label}: {summary}" if summary else label,
        "Significance": _significance(e, entry, vocab),
        "Action / outcome": _text(e["outcome"]), "Reference": _reference(e),
        "_event_id": _text(e["event_id"]), "_date": _text(e["date"]) or None,
        "_precision": _text(e["date_precision"]) or "unknown",
        "_uncertain": bool(_flag(e["date_uncertain"])), "_agency": _text(e["agency"]),
        "_categories": _text(e["categories"]), "_kind": entry.kind if entry else "other",
        "_label": label, "_text": summary or label,
        "_findings": ";".join(flagged.get(_text(e["event_id"]), [])), "_persons": persons,
        "_source_file": _text(e["source_file"]), "_summary": False,
    }


def _ages(kids: list[dict], child, persons: str, e: dict) -> str:
    if not kids:
        return ""
    chosen = [k for k in kids if k["person_id"] == child] if child else \
        [k for k in kids if k["person_id"] in persons.split(";")] or kids
    ages = [(k, age_at(k["dob"], _text(e["date"]), _text(e["date_precision"]))) for k in chosen]
    if len(kids) == 1 or child:
        return ages[0][1]
    return "; ".join(f"{k['first_name']} {a}" for k, a in ages if a)


def _agency(e: dict) -> str:
    agency, org = _text(e["agency"]), _text(e["source_org"])
    if org and agency and org != agency:
        return f"{agency} ({org})"
    return agency or org


def _significance(e: dict, entry, vocab) -> str:
    cats = [c for c in _text(e["categories"]).split(";") if c]
    parts = [f"{c.capitalize()} neglect" for c in cats]
    if entry and entry.kind == "positive":
        parts.append("Positive / protective")
    elif entry and entry.kind == "context" and not cats:
        parts.append("Parental / household factor")
    elif entry and entry.kind == "life":
        parts.append("Life event")
    return "; ".join(parts)


def _reference(e: dict) -> str:
    file, ref = _text(e["source_file"]), _text(e["source_ref"])
    if not ref:
        return file
    return f"{file} row {ref}" if ref.isdigit() else f"{file} {ref}"


def _text(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def _flag(value) -> bool:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return False
    return bool(value)
