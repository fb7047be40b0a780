"""The chronology document: one renderer that every writer (docx, xlsx, html, csv, md) draws.

:func:`build_chronology` turns a built case into a :class:`Chronology`: the title block
(case, children, period, sources, date produced), the numbered rows in the columns
practitioners expect, the agency colour key, and the findings, persons and sources tables.
Writers only lay it out; they never decide what goes in it.

Options (:class:`ChronologyOptions`): one child or the whole family, ``since`` (older
events summarised per year and category), and the court (PLO) style.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date as _date
from typing import Any

import pandas as pd

from chronos.report import people
from chronos.report.chronology import COLUMNS, chronology_rows

COURT_COLUMNS = ["No.", "Date", "Event", "Document reference"]

#: Okabe-Ito colour-blind-safe palette (plus greys), assigned to agencies in name order.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#8C564B", "#999999", "#7F3C8D", "#11A579", "#3969AC"]

KIND_LABELS = {"positive": "Positive / protective", "process": "Agency action",
               "life": "Life event", "context": "Parental / household factor"}

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


@dataclass
class ChronologyOptions:
    """What to include and how: ``child`` (person id or name; None = whole family),
    ``since`` (ISO date: older events summarised per year and category), ``court``
    (PLO style: No., Date, Event, Document reference), ``produced`` (ISO date shown as
    'date produced'; today when None), ``significant`` (only the significant events: what
    a conference or review uses; the full record stays in the workbook's other sheet)."""

    child: str | None = None
    since: str | None = None
    court: bool = False
    produced: str | None = None
    significant: bool = False


@dataclass
class Chronology:
    """Everything a writer lays out. ``children``: dicts with ``person_id``, ``name``,
    ``first_name``, ``dob`` and optionally ``birth`` (a phrase shown instead of the date
    of birth: 'aged 12'). ``rows`` holds the display ``columns`` plus hidden
    columns starting with ``_`` (event id, ISO date, agency, categories, kind, finding
    ids) that writers use for colour, filters and links."""

    title: str
    case: str
    children: list[dict]
    period: str
    sources: list[str]
    produced: str
    columns: list[str]
    rows: pd.DataFrame
    agencies: dict[str, str]
    findings: pd.DataFrame
    persons: pd.DataFrame
    source_table: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    court: bool = False
    significant: bool = False
    #: the other view of the same chronology: the full record when ``rows`` holds the
    #: significant events, the significant events (numbered as in the full record) when
    #: ``rows`` is the full record
    other_rows: pd.DataFrame | None = None

    @property
    def display(self) -> pd.DataFrame:
        """The rows with only the display columns (what CSV and Markdown write)."""
        return self.rows[self.columns]


def build_chronology(result: Any, options: ChronologyOptions | None = None) -> Chronology:
    """The chronology of a built case (see :class:`ChronologyOptions`)."""
    options = options or ChronologyOptions()
    children = people.index_children(result)
    child = people.resolve_person(result, options.child) if options.child else None
    full = chronology_rows(result, child=child)
    full, notes = _summarise_before(full, options.since)
    rows = full[_significant(full)] if options.significant else full
    rows = _number(rows)
    findings = _findings(result, rows)
    rows = _mark_flagged(rows, findings)
    if options.significant:
        other = _mark_flagged(_number(full), findings)
        notes = notes + [f"Significant events only: {len(rows)} of the {len(full)} entries of "
                         "the full record (evidence for a finding, key practice events, "
                         "concerns the events themselves indicate)."]
    else:
        other = rows[_significant(rows)]
    focus = [c for c in children if c["person_id"] == child] if child else children
    columns = COURT_COLUMNS if options.court else list(COLUMNS)
    if options.court:
        rows = _court_rows(rows)
    title = "Court chronology" if options.court else "Multi-agency chronology"
    if options.significant:
        title = f"{title}: significant events"
    return Chronology(
        title=title,
        case=str(getattr(result, "name", "") or "Case"), children=focus,
        period=_period(rows), sources=_source_labels(result), produced=_produced(options),
        columns=columns, rows=rows, agencies=agency_colours(rows["agency"]),
        findings=findings, persons=people.person_table(result),
        source_table=_source_table(result), notes=notes, court=options.court,
        significant=options.significant, other_rows=other)


def _significant(rows: pd.DataFrame) -> pd.Series:
    """Which rows are significant (a summary row of older events always is)."""
    return rows["significant"].map(lambda v: True if v is None or v != v else bool(v)).astype(bool)


def agency_colours(agencies) -> dict[str, str]:
    """A stable colour per agency (palette order follows agency names)."""
    names = sorted({a for a in agencies if isinstance(a, str) and a})
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}


def _summarise_before(rows: pd.DataFrame, since: str | None) -> tuple[pd.DataFrame, list[str]]:
    """Replace dated rows before ``since`` by one row per year and category."""
    if not since:
        return rows, []
    dated = rows["date"].fillna("") != ""
    old = dated & (rows["date"].fillna("") < since)
    if not old.any():
        return rows, []
    summary = _summary_rows(rows[old], rows.columns)
    note = (f"{int(old.sum())} events before {display_date(since, 'day', False)} are "
            f"summarised per year and category ({len(summary)} rows).")
    return pd.concat([summary, rows[~old]], ignore_index=True), [note]


def _summary_rows(old: pd.DataFrame, columns) -> pd.DataFrame:
    old = old.assign(_year=old["date"].str[:4], _group=old.apply(_summary_group, axis=1))
    out = []
    for (year, group), part in old.groupby(["_year", "_group"], sort=True):
        types = part["label"].value_counts().sort_index()
        listed = "; ".join(f"{label} ×{n}" if n > 1 else label for label, n in types.items())
        agencies = ", ".join(sorted(set(part["agency"].dropna())))
        refs = ", ".join(sorted(set(part["source_file"].dropna())))
        what = f"{len(part)} earlier {group} record{'s' if len(part) > 1 else ''} summarised"
        out.append({"Date": year, "Age of child": "", "Agency / source": agencies,
                    "Event": f"{what}: {listed}.",
                    "Significance": f"Summarised ({group})", "Action / outcome": "",
                    "Reference": refs, "date": f"{year}-01-01", "date_precision": "year",
                    "agency": agencies.split(", ")[0] if agencies else "", "kind": "summary",
                    "categories": group.split()[0] if group.endswith(" neglect") else "",
                    "finding_ids": _union(part["finding_ids"]), "event_id": "", "event_ids": ";".join(part["event_id"]),
                    "person_ids": "", "summarised": True, "date_uncertain": False,
                    "text": f"{what}: {listed}."})
    frame = pd.DataFrame(out)
    extra = [] if "event_ids" in columns else ["event_ids"]
    return frame.reindex(columns=list(columns) + extra).fillna({"summarised": True})


def _union(values) -> str:
    return ";".join(sorted({v for text in values for v in str(text or "").split(";") if v}))


def _summary_group(row) -> str:
    cats = [c for c in str(row["categories"] or "").split(";") if c]
    if cats:
        return f"{cats[0]} neglect"
    return KIND_LABELS.get(row["kind"], "other").lower()


def _mark_flagged(rows: pd.DataFrame, findings: pd.DataFrame) -> pd.DataFrame:
    """The significance of evidence rows with the findings' refs, sorted and compact:
    ``Emotional neglect; F1 Toxic trio; F4, F9 Concern held by one agency ...``."""
    refs = dict(zip(findings["_finding_id"], findings["Ref"]))
    titles = dict(zip(findings["_finding_id"], findings["Finding"]))
    rows = rows.copy()
    ids = rows["finding_ids"].fillna("").map(
        lambda v: sorted((i for i in v.split(";") if i in refs), key=lambda i: int(refs[i][1:])))
    rows["finding_refs"] = ids.map(lambda found: ", ".join(refs[i] for i in found))
    all_titles = set(titles.values())
    rows["Significance"] = [_with_refs(sig, found, refs, titles, all_titles)
                            for sig, found in zip(rows["Significance"].fillna(""), ids)]
    return rows


def _with_refs(significance: str, found: list[str], refs: dict, titles: dict,
               all_titles: set) -> str:
    """The row's own labels, then each cited finding title once with its refs in order."""
    own = [p for p in significance.split("; ") if p and p not in all_titles]
    by_title: dict[str, list[str]] = {}
    for fid in found:
        by_title.setdefault(titles[fid], []).append(refs[fid])
    cited = [f"{', '.join(r)} {title}" for title, r in by_title.items()]
    return "; ".join(own + cited)


def _number(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.reset_index(drop=True).copy()
    rows["No."] = range(1, len(rows) + 1)
    return rows


def _court_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """PLO style: concise event text and the document reference."""
    rows = rows.copy()
    rows["Event"] = [_concise(e) for e in rows["text"].where(rows["text"].notna(), rows["Event"])]
    rows["Document reference"] = rows["Reference"]
    return rows


def _concise(text: str, limit: int = 240) -> str:
    text = " ".join(str(text or "").split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"


def _period(rows: pd.DataFrame) -> str:
    dated = rows[rows["date"].notna() & (rows["date"] != "")]
    if dated.empty:
        return "No dated events"
    first, last = dated.iloc[0], dated.iloc[-1]
    return (f"{display_date(first['date'], first['date_precision'], False)} to "
            f"{display_date(last['date'], last['date_precision'], False)}")


def _produced(options: ChronologyOptions) -> str:
    return display_date(options.produced or _date.today().isoformat(), "day", False)


def _source_labels(result: Any) -> list[str]:
    table = _source_table(result)
    return [f"{r['Agency']}: {r['File']}" if r["Agency"] else r["File"]
            for _, r in table.iterrows()]


def _source_table(result: Any) -> pd.DataFrame:
    """One row per source: name, agency, file, format and record counts."""
    rows = []
    for sr in getattr(result, "sources", None) or []:
        src = sr.source
        rows.append({"Source": src.name, "Agency": src.agency or "", "File": src.file_label,
                     "Format": sr.format, "Records read": sr.records_read,
                     "Records to data": sr.records_to_data,
                     "Quarantined": sr.records_quarantined})
    if not rows:
        events = result.events
        for (file, agency), part in events.groupby(["source_file", "agency"], sort=True):
            rows.append({"Source": file, "Agency": agency, "File": file, "Format": "",
                         "Records read": len(part), "Records to data": len(part),
                         "Quarantined": 0})
    return pd.DataFrame(rows, columns=["Source", "Agency", "File", "Format", "Records read",
                                       "Records to data", "Quarantined"])


def _findings(result: Any, rows: pd.DataFrame) -> pd.DataFrame:
    """Findings with their evidence as row numbers of this chronology (F1, F2 ...)."""
    found = getattr(result, "findings", None)
    cols = ["Ref", "Finding", "Severity", "Category", "Child", "Window", "Agencies",
            "Explanation", "Evidence rows", "_finding_id", "_event_ids", "_children",
            "_key_concern", "_rule_id"]
    if found is None or len(found) == 0:
        return pd.DataFrame(columns=cols)
    number = dict(zip(rows["event_id"], rows["No."]))
    if "event_ids" in rows:  # events summarised under --since point at their summary row
        for no, ids in zip(rows["No."], rows["event_ids"]):
            number.update({e: no for e in str(ids if isinstance(ids, str) else "").split(";") if e})
    names = people.display_names(result)
    out = []
    for _, f in sorted_findings(found).iterrows():
        child = ", ".join(names.get(p, p) for p in str(f["person_id"] or "").split(";") if p)
        ids = [e for e in str(f["event_ids"] or "").split(";") if e]
        out.append({"Ref": f["_ref"], "Finding": f["title"], "Severity": f["severity"] or "",
                    "Category": f["category"] or "", "Child": child,
                    "Window": _window(f), "Agencies": (f["agencies"] or "").replace(";", ", "),
                    "Explanation": f["explanation"] or "",
                    "Evidence rows": ", ".join(str(n) for n in sorted({number[e] for e in ids if e in number})),
                    "_finding_id": f["finding_id"], "_event_ids": ";".join(ids),
                    "_children": str(f["person_id"] or ""),
                    "_key_concern": "" if "key_concern" not in f or pd.isna(f["key_concern"])
                    else str(f["key_concern"]),
                    "_rule_id": str(f["rule_id"])})
    return pd.DataFrame(out, columns=cols)


def sorted_findings(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings in reading order with refs F1, F2...: a case's ranked family findings in
    their ranking; otherwise by severity, then window start, then id."""
    if "score" in findings and findings["score"].notna().all() and len(findings):
        return findings.assign(_ref=[f"F{i}" for i in range(1, len(findings) + 1)])
    order = findings.assign(
        _sev=findings["severity"].map(lambda s: SEVERITY_ORDER.get(str(s).lower(), 9)),
        _start=findings["window_start"].fillna(""))
    order = order.sort_values(["_sev", "_start", "finding_id"], kind="stable")
    return order.assign(_ref=[f"F{i}" for i in range(1, len(order) + 1)])


def _window(f) -> str:
    start, end = f["window_start"], f["window_end"]
    if pd.isna(start) or not start:
        return ""
    text = display_date(start, "day", False)
    return text if pd.isna(end) or not end or end == start else f"{text} to {display_date(end, 'day', False)}"


def display_date(iso, precision, uncertain) -> str:
    """A date as practitioners write it: ``22/05/2016``, ``?22/05/2016``, ``May 2016``,
    ``2016``, ``c. May 2016``; ``Undated`` when there is none."""
    from chronos.report.chronology import format_date

    return format_date(iso, precision, uncertain)
