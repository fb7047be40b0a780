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
                "label", "text", "source_file", "summarised", "event_ids", "significant",
                "children", "significant_alone"]
#: backwards-compatible name for the display columns
COLUMNS = DISPLAY_COLUMNS
KIND_SIGNIFICANCE = {"positive": "Positive / protective", "life": "Life event",
                     "context": "Parental / household factor"}
#: which event of a row leads it (its label first, its date, agency and id)
KIND_ORDER = {"concern": 0, "context": 1, "process": 2, "life": 3, "measure": 4,
              "other": 5, "positive": 6}
CATEGORY_ORDER = ("medical", "nutritional", "emotional", "educational", "physical",
                  "supervision")


def chronology_rows(result, *, child: str | None = None, significant: bool = False):
    """The case's chronology as a DataFrame, date-ordered and numbered: one row per real
    event (the events one source row records on one date are one row), naming the
    children concerned and their ages.

    ``child`` (a person id) keeps that child's events, the household events that name no
    one, and the events of the adults around the child (parents, their partners,
    household members) unless they only concern the child's siblings. ``significant``
    keeps only the significant rows (:mod:`chronos.report.significance`). Undated events
    come last, marked "Undated".

    Worked out once per result, child and ``significant`` (the documents and the timeline
    of one build share it); each caller gets its own copy.
    """
    remember = getattr(result, "remember", None)
    if remember is None:
        return _chronology_rows(result, child, significant)
    return remember(("chronology_rows", child, significant),
                    lambda: _chronology_rows(result, child, significant)).copy()


def _chronology_rows(result, child: str | None, significant: bool):
    import pandas as pd

    from chronos.model import vocabulary

    events = _ordered_records(result)
    if child:
        concerns = _concerns(result, child)
        events = [ev for ev in events if concerns(ev["person_ids"] or "")]
    vocab = vocabulary()
    people = _people(result.persons)
    evidence = _evidence(result.findings)
    index = [child] if child else sorted(  # eldest first
        _index_children(result, people), key=lambda p: (_text((people.get(p) or {}).get("dob")) or "9999", p))
    rows = [_row(group, vocab, people, evidence, index) for group in _real_events(events)]
    frame = pd.DataFrame(rows, columns=DISPLAY_COLUMNS[1:] + DATA_COLUMNS)
    if significant:
        frame = frame[frame["significant"]].reset_index(drop=True)
    frame.insert(0, "No.", range(1, len(frame) + 1))
    return frame


def child_entries(result, children: list[str], annotations=None
                  ) -> dict[str, list[tuple[str, str, bool]]]:
    """For each of ``children`` (index children's person ids), the ``(date, categories,
    significant)`` of each row of its own chronology (:func:`chronology_rows` with
    ``child=``), for every child in one pass over the case's events rather than one
    pass per child. With ``annotations``, the review decisions count as the documents
    apply them (:func:`chronos.report.document.apply_decisions`): a row evidence only
    for dismissed findings is significant only if it would be alone, and a person's
    ``significance`` decision on a row's event decides."""
    from chronos.model import vocabulary
    from chronos.report.people import circles_of, index_children
    from chronos.report.significance import significance_rules

    vocab, rules = vocabulary(), significance_rules()
    dismissed = set(annotations.latest("dismissed")) if annotations is not None else set()
    marks = annotations.latest("significance") if annotations is not None else {}
    evidence = _evidence(result.findings, leaving=dismissed)
    index = {c["person_id"] for c in index_children(result)}
    everyone = set(children)
    holders: dict[str, set[str]] = {}   # a person -> the children whose circle holds them
    for kid, circle in circles_of(result, children).items():
        for member in circle:
            holders.setdefault(member, set()).add(kid)

    def concerned(person_ids) -> set[str]:  # as _concerns, for every child at once
        ids = {i for i in _text(person_ids).split(";") if i}
        if not ids:
            return everyone
        if ids <= index:
            return ids & everyone
        return set().union(*(holders.get(i, ()) for i in ids)) | (ids & everyone)

    def entry(group: list[dict]) -> tuple[str, str, bool]:
        return _entry(group, vocab, rules, evidence, marks)

    out: dict[str, list[tuple[str, str, bool]]] = {kid: [] for kid in children}
    for group in _real_events(_ordered_records(result)):
        whose = [concerned(ev.get("person_ids")) for ev in group]
        whole = None
        for kid in set().union(*whose):
            part = [ev for ev, who in zip(group, whose) if kid in who]
            if len(part) == len(group):
                whole = whole or entry(group)
                out[kid].append(whole)
            else:
                out[kid].append(entry(part))
    return out


def _entry(group: list[dict], vocab, rules, evidence: dict,
           marks: dict | None = None) -> tuple[str, str, bool]:
    """A row's date, Horwath categories and significance, as :func:`_row` gives them
    (and ``marks``, the latest ``significance`` decision per event id, as
    ``apply_decisions`` applies them: the lead event's, else the first other event's)."""
    cited = any(evidence.get(str(ev["event_id"])) for ev in group)
    judged = _judge(group, vocab, rules, cited)
    significant = judged["significant"]
    if marks:
        from chronos.annotations import SIGNIFICANT

        led = sorted(group, key=lambda ev: KIND_ORDER.get(_kind(vocab, ev["event_type"]), 9))
        ids = [str(ev["event_id"]) for ev in led]       # as the row's lead and event ids
        mark = next((marks[i] for i in ids if i in marks), None)
        if mark is not None:
            significant = mark.value == SIGNIFICANT
    return _text(group[0].get("date")), ";".join(judged["categories"]), significant


def _real_events(events: list[dict]) -> list[list[dict]]:
    """The events grouped into real events, in order: those one source row records on one
    date (an appointment and the coded entry made at it; an A&E attendance and its injury)."""
    groups: dict[tuple, list[dict]] = {}
    for ev in events:
        ref = _text(ev.get("source_ref"))
        key = (_text(ev.get("source_file")), ref, _text(ev.get("date"))) if ref \
            else ("", str(ev["event_id"]), "")
        groups.setdefault(key, []).append(ev)
    return list(groups.values())


def records(frame) -> list[dict]:
    """``frame.to_dict("records")``, several times faster for Arrow-backed string columns;
    missing values become None."""
    columns = {name: [None if v is _NA or v != v else v for v in frame[name].tolist()]
               for name in frame.columns}
    return [dict(zip(columns, values)) for values in zip(*columns.values())]


def _ordered_records(result) -> list[dict]:
    """The case's events as records in chronology order, worked out once per result
    (every child's chronology, the family's and the timeline's start from them)."""
    from chronos.report.people import remembered

    return remembered(result, "ordered events", lambda: records(_ordered(result.events)))


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


def _evidence(findings, leaving: set[str] = frozenset()) -> dict[str, list[tuple[str, str]]]:
    """event id -> [(finding id, title)] for every finding that cites the event (but the
    findings ``leaving`` names), in the findings' order (their ranking)."""
    cited: dict[str, list[tuple[str, str]]] = {}
    if findings is None or not len(findings):
        return cited
    for finding in findings.to_dict("records"):
        if str(finding["finding_id"]) in leaving:
            continue
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


def _kind(vocab, event_type) -> str:
    entry = vocab.event_types.get(str(event_type))
    return entry.kind if entry else "other"


def _row(group: list[dict], vocab, people: dict, evidence: dict, index: list[str]) -> list:
    from chronos.report.significance import significance_rules

    rules = significance_rules()
    group = sorted(group, key=lambda ev: KIND_ORDER.get(_kind(vocab, ev["event_type"]), 9))
    ev = group[0]
    format_display = _dates().format_display
    ids = list(dict.fromkeys(i for e in group for i in str(e.get("person_ids") or "").split(";") if i))
    cited = list(dict.fromkeys(c for e in group for c in evidence.get(str(e["event_id"]), [])))
    kind = _kind(vocab, ev["event_type"])
    judged = _judge(group, vocab, rules, bool(cited))
    date = ev.get("date")
    shown = (format_display(date, ev.get("date_precision") or "day",
                            bool(ev.get("date_uncertain") is True))
             if date else "Undated")
    children = _children(ev, ids, people)
    labels = list(dict.fromkeys(vocab.label(str(e["event_type"])) for e in group))
    return [
        shown,
        _ages(ev, children, people, index),
        _agency(ev),
        _event_text(group, vocab, people),
        "; ".join(judged["labels"] + [title for _, title in cited]),
        _outcome(group),
        _reference(group),
        ev["event_id"], _text(date), _text(ev.get("date_precision")),
        bool(ev.get("date_uncertain") is True), ev["event_type"], ";".join(judged["categories"]),
        ";".join(ids), _text(ev.get("agency")), kind, ";".join(f for f, _ in cited),
        " / ".join(labels), _text(ev.get("summary")) or labels[0], _text(ev.get("source_file")),
        False, ";".join(str(e["event_id"]) for e in group), judged["significant"],
        ";".join(children), judged["alone"],
    ]


def _judge(group: list[dict], vocab, rules, cited: bool) -> dict:
    """The row's Horwath categories (only those the events themselves indicate), its
    label (Routine, Positive / protective, Life event, Parental / household factor) and
    whether it is significant (evidence for a finding, a key practice event, or an
    indicated concern); ``alone``: whether it would be without being evidence."""
    cats: list[str] = []
    key = routine = False
    for ev in group:
        etype = str(ev["event_type"])
        texts = (ev.get("summary"), ev.get("outcome"), ev.get("details"))
        own = [c for c in _text(ev.get("categories")).split(";") if c]
        if own and rules.indicates(etype, ev.get("value"), *texts):
            cats += own
        key |= etype in rules.key_events
        routine |= etype in rules.routine and not rules.concern_recorded(*texts)
    cats = sorted(set(cats), key=lambda c: (CATEGORY_ORDER.index(c)
                                             if c in CATEGORY_ORDER else 9, c))
    labels = [f"{c.capitalize()} neglect" for c in cats]
    kinds = [_kind(vocab, ev["event_type"]) for ev in group]
    alone = key or bool(cats)
    significant = cited or alone
    if routine and not significant:
        labels.append("Routine")
    else:
        for kind in dict.fromkeys(kinds):
            if kind in KIND_SIGNIFICANCE and not (cats and kind == "context") and \
                    not (kind == "positive" and routine):
                labels.append(KIND_SIGNIFICANCE[kind])
    return {"categories": cats, "labels": list(dict.fromkeys(labels)),
            "significant": bool(significant), "alone": bool(alone)}


def _text(value) -> str:
    if value is None or value is _NA or (isinstance(value, float) and value != value):
        return ""
    return str(value)


try:  # pandas' missing-value singleton, without importing pandas at module import
    from pandas import NA as _NA
except ImportError:  # pragma: no cover
    _NA = object()


def _children(ev: dict, ids: list[str], people: dict) -> list[str]:
    """The children concerned: the people the event names who were children (or unborn,
    within the pregnancy) on its date."""
    date = ev.get("date")
    if not date:
        return [i for i in ids if _text((people.get(i) or {}).get("role")).lower() == "child"]
    out = []
    for pid in ids:
        person = people.get(pid)
        if not _is_child(person, str(date)):
            continue
        dob = _text((person or {}).get("dob"))
        if dob and dob > str(date)[:10] and not _in_pregnancy(dob, str(date)):
            continue
        out.append(pid)
    return sorted(out, key=lambda p: (_text((people.get(p) or {}).get("dob")) or "9999", p))


def _ages(ev: dict, children: list[str], people: dict, index: list[str]) -> str:
    """Age of each child the event is about (else of the index children): ``2y 3m``,
    ``7m``, ``5 weeks``, ``unborn``; names first when there are several."""
    format_age = _dates().format_age
    date = ev.get("date")
    if not date:
        return ""
    if not _text(ev.get("person_ids")):
        return "no person recorded"
    many = len(index) > 1 or len(children) > 1
    ages = []
    for pid in children or index:
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
        ages.append(f"{name} {age}".strip() if many else age)
    return "; ".join(ages)


def conceived(dob: str) -> str | None:
    """The ISO date 40 weeks before a birth on ``dob`` (None when it is not a date)."""
    from datetime import date as day, timedelta

    try:
        return (day.fromisoformat(str(dob)[:10]) - timedelta(days=280)).isoformat()
    except ValueError:
        return None


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
    if str(dob)[:10] > str(date)[:10]:
        return True  # unborn on the date
    age = age_at(str(dob), date)
    return age is not None and age[0] < 18


def _agency(ev: dict) -> str:
    """``School (Oakfield Primary)``: the agency, then the organisation or, failing that,
    who wrote the entry (``School (Class teacher)``)."""
    agency, org = _text(ev.get("agency")), _text(ev.get("source_org"))
    org = org or _text(ev.get("author"))
    return f"{agency} ({org})" if org and org != agency else agency or org


def _event_text(group: list[dict], vocab, people: dict) -> str:
    """The labels of the row's events, what happened (each event's summary once, without
    the outcome it repeats: that goes under Action / outcome) and who was involved in
    which role, where the source says."""
    labels = list(dict.fromkeys(vocab.label(str(e["event_type"])) for e in group))
    summaries: list[str] = []
    for ev in group:
        summary = _without_outcome(_text(ev.get("summary")), _text(ev.get("outcome")))
        if len(group) > 1:  # the facets of one row: each said once, without its tag
            summary = _core(summary)
            if summary.lower() in (label.lower() for label in labels):
                continue
        if summary and not any(summary.lower() in s.lower() for s in summaries):
            summaries = [s for s in summaries if s.lower() not in summary.lower()] + [summary]
    label = " / ".join(labels)
    text = "; ".join(summaries)
    if not text:
        out = label
    elif len(labels) == 1 and labels[0].lower() in text.lower():
        out = text
    else:
        out = f"{label}: {text}"
    involved = _involved(group, people)
    return f"{out}. Involved: {involved}" if involved else out


#: a summary's leading tag ("A&E: ", "Injury: ", "GP coded entry: ") is at most this long
TAG_LENGTH = 25


def _core(summary: str) -> str:
    """``A&E: Wrist injury`` -> ``Wrist injury``: a summary without a short leading tag,
    so that two events of one source row that say the same thing say it once."""
    tag, sep, rest = summary.partition(": ")
    return rest if sep and rest and len(tag) <= TAG_LENGTH else summary


def _without_outcome(summary: str, outcome: str) -> str:
    """``Single Assessment: CIN plan`` with outcome ``CIN plan`` -> ``Single Assessment``."""
    if not outcome or not summary or summary.strip() == outcome.strip():
        return summary
    for sep in (": ", " - ", "; ", ", "):
        if summary.endswith(sep + outcome):
            return summary[: -len(sep + outcome)]
    return summary


def _involved(group: list[dict], people: dict) -> str:
    """``Donna Smith (victim), Craig Jones (suspect), Tyler Smith (present)`` when the
    source gives anyone a role other than the record's subject or the child concerned."""
    from chronos.model import parse_roles, roles

    found: dict[str, list[str]] = {}
    for ev in group:
        for pid, given in parse_roles(ev.get("person_ids"), ev.get("person_roles")).items():
            found.setdefault(pid, []).extend(given)
    if all(set(r) <= {"subject", "child"} for r in found.values()):
        return ""
    vocab = roles()
    labels = vocab.labels
    parts = []
    order = sorted(found, key=lambda p: (min(vocab.order(r) for r in found[p]), p))
    for pid in order:
        given = found[pid]
        names = [labels.get(r, r) for r in dict.fromkeys(given) if r not in ("subject", "other")]
        person = people.get(pid) or {}
        name = " ".join(_name_part(_text(person.get(k))) for k in ("given_name", "family_name")).strip()
        parts.append(f"{name or pid} ({' and '.join(names)})" if names else (name or pid))
    return ", ".join(parts)


def _name_part(text: str) -> str:
    """A name an export wrote in capitals ('PRICE') as 'Price'."""
    return text.title() if text.isupper() else text


def _outcome(group: list[dict]) -> str:
    """What the agencies recorded as done or decided (each outcome once, none that only
    repeats what happened)."""
    outs: list[str] = []
    told = [_text(e.get("summary")).strip().lower() for e in group]
    for ev in group:
        raw = _text(ev.get("outcome"))
        outcome = raw.strip()
        if not outcome or outcome == _text(ev.get("summary")).strip():
            continue
        own = _text(ev.get("summary")).strip().lower()
        if any(t != own and t.endswith(outcome.lower()) for t in told):
            continue  # another event of the row already says it (a coded entry)
        if not any(outcome.lower() in o.lower() for o in outs):
            outs = [o for o in outs if o.lower().strip() not in outcome.lower()] + [raw]
    return "; ".join(outs)


def _reference(group: list[dict]) -> str:
    """``gp_appointments.csv row 4``, ``police_incidents.csv rows 3-6``: the file's name
    (its folder is in the sources list) and the rows or record ids."""
    ev = group[0]
    refs = [r for r in _text(ev.get("source_ref")).split(";") if r]
    file = _text(ev.get("source_file")).replace("\\", "/").rsplit("/", 1)[-1]
    if refs and all(r.isdigit() for r in refs):
        where = f"{file} {'row' if len(refs) == 1 else 'rows'} {_ranges([int(r) for r in refs])}"
    else:
        where = f"{file} {', '.join(refs)}".strip()
    also = sorted({c for e in group for c in _text(e.get("corroborated_by")).split(";") if c})
    return f"{where}; also reported as {';'.join(also)}" if also else where


def _ranges(numbers: list[int]) -> str:
    """[3, 4, 5, 9] -> '3-5, 9'."""
    numbers = sorted(set(numbers))
    out, start = [], numbers[0]
    for prev, cur in zip(numbers, numbers[1:] + [None]):
        if cur is None or cur != prev + 1:
            out.append(str(start) if start == prev else f"{start}-{prev}")
            start = cur
    return ", ".join(out)


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
