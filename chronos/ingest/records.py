"""Building event, person and relationship rows in the data contract.

Small helpers the Annex A, attendance, GEDCOM and chronology-table ingesters share: one
place that fills the provenance columns, the event id and the Horwath categories, and
that merges person records seen more than once in a file.
"""

from __future__ import annotations

from chronos import model


def event_row(source, fmt: str, ref: str, event_type: str, when, *, ordinal: int = 0,
              person_ids: str = "", **fields) -> dict:
    """One events row. ``when`` has ``date``, ``precision``, ``uncertain`` (and optionally
    ``time``, ``end_date``) attributes, or is None for an undated event."""
    date = getattr(when, "date", None)
    precision = getattr(when, "precision", "unknown") if date else "unknown"
    row = {
        "event_id": model.make_event_id(source.file_label, ref, event_type, date, ordinal),
        "date": date,
        "date_precision": precision,
        "date_uncertain": bool(getattr(when, "uncertain", False)),
        "time": getattr(when, "time", None),
        "end_date": getattr(when, "end_date", None),
        "person_ids": person_ids,
        "agency": source.agency or None,
        "event_type": event_type,
        "categories": model.vocabulary().categories_for(event_type),
        "source_format": fmt,
        "source_file": source.file_label,
        "source_ref": ref,
    }
    row.update({key: value for key, value in fields.items() if value not in (None, "")})
    return row


def merge_person(people: dict[str, dict], key: str, record: dict) -> None:
    """Add a person record under ``key``, or fill the blanks of the one already there."""
    current = people.get(key)
    if current is None:
        people[key] = {k: v for k, v in record.items() if v not in (None, "")}
        people[key]["record_key"] = key
        return
    for name, value in record.items():
        if value not in (None, "") and current.get(name) in (None, ""):
            current[name] = value


def persons_frame(people: dict[str, dict]):
    """The person records as a PERSONS frame (plus record_key), sorted by record key."""
    rows = [people[key] for key in sorted(people)]
    frame = model.conform(rows, "persons")
    if "record_key" not in frame.columns:
        frame["record_key"] = frame["person_id"]
    for name in frame.columns[len(model.PERSONS):]:
        frame[name] = frame[name].astype("object").where(frame[name].notna(), None) \
            .astype("string")
    return frame


def events_frame(rows: list[dict]):
    """The events as an EVENTS frame, in file order (deterministic for the same input)."""
    return model.conform(rows, "events")


def relationships_frame(rows: list[dict]):
    """Relationships as a RELATIONSHIPS frame, in file order."""
    return model.conform(rows, "relationships")
