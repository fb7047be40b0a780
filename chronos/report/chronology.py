"""The chronology: one renderer that turns a case into the rows practitioners expect,
and the CSV and Excel writers that ``chronos build`` uses.

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
                "categories", "person_ids", "agency", "kind", "finding_ids"]


def chronology_rows(result, *, child: str | None = None):
    """The case's chronology as a DataFrame, date-ordered and numbered.

    ``child`` (a person id) keeps only that child's events and the household events that
    name no one. Undated events come last, marked "Undated".
    """
    import pandas as pd

    from chronos.model import vocabulary

    events = _ordered(result.events)
    if child:
        events = events[events["person_ids"].fillna("").str.split(";").map(
            lambda ids: child in ids or ids == [""])]
    vocab = vocabulary()
    people = _people(result.persons)
    evidence = _evidence(result.findings)
    index = _index_children(result, people)
    rows = [_row(ev, vocab, people, evidence, index) for ev in events.to_dict("records")]
    frame = pd.DataFrame(rows, columns=DISPLAY_COLUMNS[1:] + DATA_COLUMNS)
    frame.insert(0, "No.", range(1, len(frame) + 1))
    return frame


def _ordered(events):
    undated = events["date"].isna() | (events["date"].fillna("") == "")
    keyed = events.assign(_undated=undated, _date=events["date"].fillna(""),
                          _time=events["time"].fillna(""), _agency=events["agency"].fillna(""))
    keyed = keyed.sort_values(["_undated", "_date", "_time", "_agency", "event_id"],
                              kind="mergesort")
    return keyed.drop(columns=["_undated", "_date", "_time", "_agency"])


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
    record_map = result.extras.get("record_to_person", {}) if hasattr(result, "extras") else {}
    return sorted({record_map.get(w, w) for w in wanted} & set(people))


def _row(ev: dict, vocab, people: dict, evidence: dict, index: list[str]) -> list:
    from chronos.dates import format_display

    ids = [i for i in str(ev.get("person_ids") or "").split(";") if i]
    cited = evidence.get(str(ev["event_id"]), [])
    entry = vocab.event_types.get(str(ev["event_type"]))
    kind = entry.kind if entry else "other"
    significance = "; ".join(dict.fromkeys(title for _, title in cited))
    if not significance and kind == "positive":
        significance = "Positive"
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
    ]


def _text(value) -> str:
    if value is None or value is _NA or (isinstance(value, float) and value != value):
        return ""
    return str(value)


try:  # pandas' missing-value singleton, without importing pandas at module import
    from pandas import NA as _NA
except ImportError:  # pragma: no cover
    _NA = object()


def _ages(ev: dict, ids: list[str], people: dict, index: list[str]) -> str:
    """Age of each child the event is about (else of the index child), at the event."""
    from chronos.dates import age_at, format_age

    date = ev.get("date")
    if not date:
        return ""
    children = [i for i in ids if _is_child(people.get(i), date)] or index
    ages = []
    for pid in children:
        person = people.get(pid) or {}
        dob = person.get("dob")
        if not dob or dob is _NA:
            continue
        age = age_at(str(dob), str(date))
        if age is None:
            continue
        name = _text(person.get("given_name"))
        ages.append(f"{name} {format_age(*age)}".strip() if len(children) > 1
                    else format_age(*age))
    return "; ".join(a for a in ages if a)


def _is_child(person: dict | None, date: str) -> bool:
    from chronos.dates import age_at

    if not person:
        return False
    dob = person.get("dob")
    if not dob or dob is _NA:
        return _text(person.get("role")).lower() == "child"
    age = age_at(str(dob), date)
    return age is not None and age[0] < 18


def _agency(ev: dict) -> str:
    agency, org = _text(ev.get("agency")), _text(ev.get("source_org"))
    return f"{agency} ({org})" if org and org != agency else agency or org


def _event_text(ev: dict, vocab) -> str:
    label = vocab.label(str(ev["event_type"]))
    summary = _text(ev.get("summary"))
    if not summary:
        return label
    return summary if label.lower() in summary.lower() else f"{label}: {summary}"


def _reference(ev: dict) -> str:
    ref = _text(ev.get("source_ref"))
    where = f"{_text(ev.get('source_file'))} row {ref}" if ref.isdigit() else \
        f"{_text(ev.get('source_file'))} {ref}".strip()
    also = _text(ev.get("corroborated_by"))
    return f"{where}; also reported as {also}" if also else where


# ---------------------------------------------------------------- writers


def write_chronology_csv(result, path: Path) -> None:
    """``chronology.csv``: the display columns plus the event id, formula-safe."""
    from chronos.report.safe_files import write_csv

    rows = chronology_rows(result)
    write_csv(rows[DISPLAY_COLUMNS + ["event_id"]].rename(columns={"event_id": "Event ID"}),
              path)


def write_chronology_xlsx(result, path: Path) -> None:
    """``chronology.xlsx``: one formatted sheet with frozen header, filters and widths."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    from chronos.report.safe_files import atomic_path, neutralise

    rows = chronology_rows(result)
    book = Workbook()
    sheet = book.active
    sheet.title = "Chronology"
    sheet.append(DISPLAY_COLUMNS)
    for values in rows[DISPLAY_COLUMNS].itertuples(index=False):
        sheet.append([neutralise(v) if isinstance(v, str) else v for v in values])
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E79")
    widths = [6, 13, 14, 22, 60, 36, 40, 28]
    for column, width in zip("ABCDEFGH", widths):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    with atomic_path(path) as tmp:
        book.save(tmp)
