"""The chronology: one renderer that turns a case into the rows practitioners expect,
which every chronology writer in :mod:`chronos.report` renders.

:func:`chronology_rows` is the single place where events become chronology rows (No.,
Date, Age of child, Agency / source, Event, Significance, Action / outcome, Reference);
every writer (CSV, Excel, Word, HTML, Markdown) renders those rows.
"""

from __future__ import annotations

from pathlib import Path

DISPLAY_COLUMNS = ["No.", "Date", "Age of child", "Agency / source", "Event",
                   "Significance", "Action / outcome", "Reference"]
#: technical columns carried alongside for filtering and linking (not shown by default)
DATA_COLUMNS = ["event_id", "date", "date_precision", "date_uncertain", "event_type",
                "categories", "person_ids", "agency", "kind", "finding_ids",
                "label", "text", "source_file", "summarised"]
#: backwards-compatible name for the display columns
COLUMNS = DISPLAY_COLUMNS
KIND_SIGNIFICANCE = {"positive": "Positive / protective", "life": "Life event",
                     "context": "Parental / household factor"}


def chronology_rows(result, *, child: str | None = None):
    """The case's chronology as a DataFrame, date-ordered and numbered.

    ``child`` (a person id) keeps that child's events, the household events that name no
    one, and the events of the adults around the child (parents, their partners,
    household members) unless they only concern the child's siblings. Undated events come
    last, marked "Undated".
    """
    import pandas as pd

    from chronos.model import vocabulary

    events = _ordered(result.events)
    if child:
        events = events[events["person_ids"].fillna("").map(_concerns(result, child))]
    vocab = vocabulary()
    people = _people(result.persons)
    evidence = _evidence(result.findings)
    index = [child] if child else sorted(  # eldest first
        _index_children(result, people), key=lambda p: (_text((people.get(p) or {}).get("dob")) or "9999", p))
    rows = [_row(ev, vocab, people, evidence, index) for ev in records(events)]
    frame = pd.DataFrame(rows, columns=DISPLAY_COLUMNS[1:] + DATA_COLUMNS)
    frame.insert(0, "No.", range(1, len(frame) + 1))
    return frame


def records(frame) -> list[dict]:
    """``frame.to_dict("records")``, several times faster for Arrow-backed string columns;
    missing values become None."""
    columns = {name: [None if v is _NA or v != v else v for v in frame[name].tolist()]
               for name in frame.columns}
    return [dict(zip(columns, values)) for values in zip(*columns.values())]


def _ordered(events):
    undated = events["date"].isna() | (events["date"].fillna("") == "")
    keyed = events.assign(_undated=undated, _date=events["date"].fillna(""),
                          _time=events["time"].fillna(""), _agency=events["agency"].fillna(""))
    keyed = keyed.sort_values(["_undated", "_date", "_time", "_agency", "event_id"],
                              kind="mergesort")
    return keyed.drop(columns=["_undated", "_date", "_time", "_agency"])


def _concerns(result, child: str):
    """A test on an event's ``person_ids``: is it part of ``child``'s chronology?"""
    from chronos.report.people import circle_of, index_children

    circle = circle_of(result, child)
    siblings = {c["person_id"] for c in index_children(result)} - {child}

    def wanted(person_ids: str) -> bool:
        ids = {i for i in person_ids.split(";") if i}
        if not ids or child in ids:
            return True
        return bool(ids & circle) and not ids <= siblings
    return wanted


def _people(persons) -> dict[str, dict]:
    return {str(p["person_id"]): p for p in persons.to_dict("records")}


def _evidence(findings) -> dict[str, list[tuple[str, str]]]:
    """event id -> [(finding id, title)] for every finding that cites the event."""
    cited: dict[str, list[tuple[str, str]]] = {}
    if findings is None or not len(findings):
        return cited
    for finding in findings.to_dict("records"):
        for event_id in str(finding.get("event_ids") or "").split(";"):
            if event_id:
                cited.setdefault(event_id, []).append(
                    (str(finding["finding_id"]), str(finding["title"])))
    return cited


def _index_children(result, people: dict[str, dict]) -> list[str]:
    flagged = [pid for pid, p in people.items() if p.get("is_index") is True]
    if flagged:
        return flagged
    wanted = set(getattr(result, "index_children", None) or [])
    record_map = getattr(result, "record_to_person", None) or {}
    return sorted({record_map.get(w, w) for w in wanted} & set(people))


def _row(ev: dict, vocab, people: dict, evidence: dict, index: list[str]) -> list:
    format_display = _dates().format_display
    ids = [i for i in str(ev.get("person_ids") or "").split(";") if i]
    cited = evidence.get(str(ev["event_id"]), [])
    entry = vocab.event_types.get(str(ev["event_type"]))
    kind = entry.kind if entry else "other"
    significance = _significance(ev, kind, cited)
    date = ev.get("date")
    shown = (format_display(date, ev.get("date_precision") or "day",
                            bool(ev.get("date_uncertain") is True))
             if date else "Undated")
    return [
        shown,
        _ages(ev, ids, people, index),
        _agency(ev),
        _event_text(ev, vocab),
        significance,
        _text(ev.get("outcome")),
        _reference(ev),
        ev["event_id"], _text(date), _text(ev.get("date_precision")),
        bool(ev.get("date_uncertain") is True), ev["event_type"], _text(ev.get("categories")),
        ";".join(ids), _text(ev.get("agency")), kind, ";".join(f for f, _ in cited),
        vocab.label(str(ev["event_type"])), _text(ev.get("summary")) or
        vocab.label(str(ev["event_type"])), _text(ev.get("source_file")), False,
    ]


def _significance(ev: dict, kind: str, cited: list) -> str:
    """Horwath categories ('Medical neglect'), the kind of event where that matters
    (positive, life event, parental factor) and the titles of findings citing it."""
    cats = [c for c in _text(ev.get("categories")).split(";") if c]
    parts = [f"{c.capitalize()} neglect" for c in cats]
    if kind in KIND_SIGNIFICANCE and not (cats and kind == "context"):
        parts.append(KIND_SIGNIFICANCE[kind])
    parts += [title for _, title in cited]
    return "; ".join(dict.fromkeys(parts))


def _text(value) -> str:
    if value is None or value is _NA or (isinstance(value, float) and value != value):
        return ""
    return str(value)


try:  # pandas' missing-value singleton, without importing pandas at module import
    from pandas import NA as _NA
except ImportError:  # pragma: no cover
    _NA = object()


def _ages(ev: dict, ids: list[str], people: dict, index: list[str]) -> str:
    """Age of each child the event is about (else, for an event about an adult, of the
    index children), at the event: ``2y 3m``, ``7m``, ``5 weeks``, ``unborn``; names first
    when there are several. An event about nobody shows no one's age."""
    format_age = _dates().format_age
    date = ev.get("date")
    if not date or not ids:
        return ""
    children = [i for i in ids if _is_child(people.get(i), date)] or index
    ages = []
    for pid in children:
        person = people.get(pid) or {}
        dob = _text(person.get("dob"))
        age = format_age(dob, str(date)) if dob else ""
        if age == "unborn" and not _in_pregnancy(dob, str(date)):
            continue
        if age and age != "unborn" and ev.get("date_precision") == "year":
            years = (_dates().age_at(dob, str(date)) or (0, 0))[0]
            age = f"c. {years}y" if years else "under 1y"
        if not age:
            continue
        name = _text(person.get("given_name"))
        ages.append(f"{name} {age}".strip() if len(index) > 1 else age)
    return "; ".join(ages)


def _in_pregnancy(dob: str, date: str) -> bool:
    """True when ``date`` falls within the 40 weeks before the birth."""
    from datetime import date as day

    try:
        return (day.fromisoformat(dob[:10]) - day.fromisoformat(date[:10])).days <= 280
    except ValueError:
        return False


def _is_child(person: dict | None, date: str) -> bool:
    age_at = _dates().age_at
    if not person:
        return False
    dob = person.get("dob")
    if not dob or dob is _NA:
        return _text(person.get("role")).lower() == "child"
    age = age_at(str(dob), date)
    return age is not None and age[0] < 18


def _agency(ev: dict) -> str:
    """``School (Oakfield Primary)``: the agency, then the organisation or, failing that,
    who wrote the entry (``School (Class teacher)``)."""
    agency, org = _text(ev.get("agency")), _text(ev.get("source_org"))
    org = org or _text(ev.get("author"))
    return f"{agency} ({org})" if org and org != agency else agency or org


def _event_text(ev: dict, vocab) -> str:
    label = vocab.label(str(ev["event_type"]))
    summary = _text(ev.get("summary"))
    if not summary:
        return label
    return summary if label.lower() in summary.lower() else f"{label}: {summary}"


def _reference(ev: dict) -> str:
    """``gp_appointments.csv row 4``: the file's name (its folder is in the sources list)
    and the row or record id."""
    ref = _text(ev.get("source_ref"))
    file = _text(ev.get("source_file")).replace("\\", "/").rsplit("/", 1)[-1]
    where = f"{file} row {ref}" if ref.isdigit() else f"{file} {ref}".strip()
    also = _text(ev.get("corroborated_by"))
    return f"{where}; also reported as {also}" if also else where


def _dates():
    """The date helpers (imported when first needed, not at module import)."""
    from chronos import dates

    return dates


def format_date(iso, precision="day", uncertain=False) -> str:
    """A date as practitioners write it (``22/05/2016``, ``?22/05/2016``, ``May 2016``,
    ``2016``; ``Undated`` when missing)."""
    iso = _text(iso)
    if not iso:
        return "Undated"
    return _dates().format_display(iso, _text(precision) or "day", uncertain is True)
