"""The chronology document: one renderer that every writer (docx, xlsx, html, csv, md) draws.

:func:`build_chronology` turns a built case into a :class:`Chronology`: the title block
(case, children, period, sources, date produced), the numbered rows in the columns
practitioners expect, the agency colour key, and the findings, persons and sources tables.
Writers only lay it out; they never decide what goes in it.

Options (:class:`ChronologyOptions`): one child or the whole family, ``since`` (older
events summarised per year and category), and the court style (:func:`court_chronology`:
front matter, facts only, significant events, older material summarised, a bundle
reference column kept across rebuilds in the case's annotations). The authority's
settings (``chronos.toml``: :mod:`chronos.settings`) shape the columns, headings, title
block and marking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date as _date
from pathlib import Path
from typing import Any

import pandas as pd

from chronos.report import people
from chronos.report.chronology import chronology_rows
from chronos.report.colours import PALETTE  # noqa: F401  (the palette's old home)

#: the court chronology's columns: facts, where they come from, and the bundle page
COURT_COLUMNS = ["No.", "Date", "Event", "Source", "Bundle ref"]
#: a court chronology's summary of earlier material names its most frequent kinds of record
COURT_SUMMARY_KINDS = 4
#: settings column key -> the chronology's column
COLUMN_OF = {"number": "No.", "date": "Date", "time": "Time", "age": "Age of child",
             "agency": "Agency / source", "event": "Event", "significance": "Significance",
             "action": "Action / outcome", "reference": "Reference"}
KEY_OF = {column: key for key, column in COLUMN_OF.items()}
DEFAULT_PURPOSE = ("To bring together in date order what each agency recorded about the "
                   "children, for the professionals working with the family.")
COURT_PURPOSE = "Chronology of significant events for the court (PD27A, Public Law Outline)."
DEFAULT_DISTRIBUTION = ("The professionals working with the family; not to be shared further "
                        "without the author's agreement.")
NOT_SET = "Not recorded (chronos.toml: {key})"

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
    #: the authority's settings (:class:`chronos.settings.Settings`); None: read from the
    #: user's configuration folder and the case folder
    settings: Any = None
    #: the case's annotations (:class:`chronos.annotations.Annotations`); None: read
    #: from the case folder
    annotations: Any = None


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
    #: the authority's settings in force (marking, author, headings, look, court details)
    settings: Any = None
    #: the review decisions in force (:func:`decision_table`: About, Decision, By, When,
    #: Reason, Status), those about events or findings the case no longer has included
    decisions: pd.DataFrame | None = None
    #: the case's annotations these rows were made with (:class:`chronos.annotations.Annotations`,
    #: or None): for writers that count a child's entries their own way (the case report)
    annotations: Any = None

    def __post_init__(self) -> None:
        if self.settings is None:
            from chronos.settings import Settings

            self.settings = Settings()

    @property
    def display(self) -> pd.DataFrame:
        """The rows with only the display columns, under their headings (what CSV and
        Markdown write)."""
        return self.rows[self.columns].rename(columns=self.heading)

    def heading(self, column: str) -> str:
        """The heading a column is shown under (the authority's, else chronos's)."""
        key = KEY_OF.get(column)
        return self.settings.heading(key) if key else column

    @property
    def marking(self) -> str:
        """The protective marking line for every page."""
        return self.settings.marking

    def children_line(self) -> str:
        """``Tyler Smith (born 02/03/2010); Mia Smith (aged 1)``: the children as the
        title block names them (``birth``, where set, in place of the date of birth)."""
        parts = []
        for c in self.children:
            if c.get("birth"):
                parts.append(f"{c['name']} ({c['birth']})")
            elif c.get("dob"):
                parts.append(f"{c['name']} (born {display_date(c['dob'], 'day', False)})")
            else:
                parts.append(str(c["name"]))
        return "; ".join(parts) or "Not recorded"

    def title_items(self) -> list[tuple[str, str]]:
        """The title block, label and value, in order: for a court chronology its front
        matter (case number, court, hearing date, date prepared, author, party ...), else
        the case, children, period, sources, author, agency, purpose, version,
        distribution and marking."""
        st = self.settings
        author = st.author.contact() if self.court else str(st.author)
        author = author or NOT_SET.format(key="author")
        if self.court:
            court = st.court
            items = [("Case number", court.case_number or NOT_SET.format(key="court.case_number")),
                     ("Court", court.court or NOT_SET.format(key="court.court")),
                     ("Hearing date", display_date(court.hearing_date, "day", False)
                      if court.hearing_date else NOT_SET.format(key="court.hearing_date"))]
            items += [("Judge", court.judge)] if court.judge else []
            items += [("Children", self.children_line()), ("Date prepared", self.produced),
                      ("Prepared by", author), ("On behalf of", court.party or st.organisation
                                               or NOT_SET.format(key="court.party")),
                      ("Period covered", self.period)]
            return items
        doc = st.document
        return [("Case", self.case), ("Children", self.children_line()),
                ("Period", self.period), ("Sources", "; ".join(self.sources)),
                ("Date produced", self.produced), ("Author", author),
                ("Agency", st.organisation or NOT_SET.format(key="organisation")),
                ("Purpose", doc.purpose or DEFAULT_PURPOSE),
                ("Version", doc.version or f"{self.produced} (draft)"),
                ("Distribution", doc.distribution or DEFAULT_DISTRIBUTION),
                ("Protective marking", st.protective_marking)]


def build_chronology(result: Any, options: ChronologyOptions | None = None) -> Chronology:
    """The chronology of a built case (see :class:`ChronologyOptions`), with the review
    decisions of the case's annotations applied (:func:`apply_decisions`)."""
    options = options or ChronologyOptions()
    settings = options.settings if options.settings is not None else case_settings(result)
    if options.court:
        return court_chronology(result, options, settings)
    annotations = _annotations(result, options)
    children = people.index_children(result)
    child = people.resolve_person(result, options.child) if options.child else None
    full = apply_decisions(chronology_rows(result, child=child), annotations)
    full, notes = _summarise_before(full, options.since)
    rows = full[_significant(full)] if options.significant else full
    rows = _number(rows)
    findings = _reviewed(_findings(result, rows), annotations)
    rows = _mark_flagged(rows, findings)
    decisions = decision_table(result, annotations, rows, findings)
    notes = notes + _decision_notes(decisions)
    if options.significant:
        other = _mark_flagged(_number(full), findings)
        notes = notes + [f"Significant events only: {len(rows)} of the {len(full)} entries of "
                         "the full record (evidence for a finding, key practice events, "
                         "concerns the events themselves indicate)."]
    else:
        other = rows[_significant(rows)]
    focus = [c for c in children if c["person_id"] == child] if child else children
    columns = [COLUMN_OF[k] for k in settings.chronology_columns]
    if "Time" in columns:
        rows, other = _with_time(result, rows), _with_time(result, other)
    title = "Multi-agency chronology"
    if options.significant:
        title = f"{title}: significant events"
    return Chronology(
        title=title,
        case=str(getattr(result, "name", "") or "Case"), children=focus,
        period=_period(rows), sources=_source_labels(result), produced=_produced(options),
        columns=columns, rows=rows,
        agencies=agency_colours(rows["agency"], settings.agency_colours),
        findings=findings, persons=people.person_table(result),
        source_table=_source_table(result), notes=notes, court=False,
        significant=options.significant, other_rows=other, settings=settings,
        decisions=decisions, annotations=annotations)


def court_chronology(result: Any, options: ChronologyOptions, settings) -> Chronology:
    """The chronology for a family court bundle (PD27A; the PLO's social work chronology):
    the front matter from the settings' ``[court]``, the significant events as facts (no
    significance, severity or findings), each with its source and the bundle page the
    author gives it (``bundle_ref`` annotations, kept across rebuilds), and the material
    older than ``court.summarise_years`` before the latest event (or ``options.since``)
    summarised in one entry (the same rows however the dates of a shared copy are shifted)."""
    annotations = _annotations(result, options)
    children = people.index_children(result)
    child = people.resolve_person(result, options.child) if options.child else None
    full = apply_decisions(chronology_rows(result, child=child), annotations, notes=False)
    since = options.since or court_since(full, settings.court)
    full, notes = _summarise_before(full, since, court=True)
    keep = _significant(full)
    rows = _number(full[keep])
    notes = [f"Significant events: {int((keep & ~full['summarised'].astype(bool)).sum())} of "
             f"{int((~full['summarised'].astype(bool)).sum())} entries in the agencies' records "
             "(key practice events, and events the records themselves mark as a concern or a "
             "harm)."] + notes
    notes.append("Each entry states what the agency's record says; this chronology makes no "
                 "assessment. The source names the agency and its record; the bundle "
                 "reference is the page of the bundle where that record is.")
    rows = _court_rows(rows, annotations)
    focus = [c for c in children if c["person_id"] == child] if child else children
    return Chronology(
        title="Chronology of significant events",
        case=str(getattr(result, "name", "") or "Case"), children=focus,
        period=_period(rows), sources=_source_labels(result), produced=_produced(options),
        columns=list(COURT_COLUMNS), rows=rows,
        agencies=agency_colours(rows["agency"], settings.agency_colours),
        findings=_findings(result, rows).iloc[0:0], persons=people.person_table(result),
        source_table=_source_table(result), notes=notes, court=True, significant=True,
        other_rows=None, settings=settings)


def _annotations(result: Any, options: ChronologyOptions):
    """The annotations given in ``options``, else the case folder's."""
    from chronos.annotations import read_annotations

    if options.annotations is not None:
        return options.annotations
    return read_annotations(case_root(result))


def apply_decisions(rows: pd.DataFrame, annotations, *, notes: bool = True) -> pd.DataFrame:
    """``rows`` with the people's decisions about their events applied: a ``significance``
    decision sets the row's ``significant`` (so it is kept among, or hidden from, the
    significant events) and says so under Significance with who and when; a ``note`` is
    shown under Significance (``notes`` False: not shown, as in a court chronology). A
    row's decision is its lead event's, else the first of its other events'. A row
    significant only as evidence for findings dismissed on review is not significant
    (unless a ``significance`` decision says it is)."""
    if annotations is None or not len(annotations):
        return rows
    rows = _after_dismissals(rows, annotations)
    marks, remarks = annotations.latest("significance"), annotations.latest("note")
    if not marks and not (remarks and notes):
        return rows
    from chronos.annotations import SIGNIFICANT

    rows = rows.copy()
    flags, texts = list(rows["significant"]), list(rows["Significance"].fillna(""))
    for i, ids in enumerate(_row_events(rows)):
        mark = _first(marks, ids)
        if mark is not None:
            flags[i] = mark.value == SIGNIFICANT
            said = "Marked significant" if flags[i] else "Marked not significant"
            own = "; ".join(p for p in texts[i].split("; ") if p != "Routine" or not flags[i])
            texts[i] = _join(own, f"{said} ({_by(mark)})" + _because(mark.reason))
        remark = _first(remarks, ids) if notes else None
        if remark is not None:
            texts[i] = _join(texts[i], f"Note ({_by(remark)}): {remark.value}")
    rows["significant"], rows["Significance"] = flags, texts
    return rows


def _after_dismissals(rows: pd.DataFrame, annotations) -> pd.DataFrame:
    """``rows`` where a row significant only as evidence, and only for findings dismissed
    on review, is no longer significant (it leaves the significant events; a person's own
    ``significance`` decision, applied after, still decides)."""
    dismissed = annotations.latest("dismissed")
    if not dismissed or "significant_alone" not in rows:
        return rows
    cited = rows["finding_ids"].fillna("").map(lambda v: [i for i in str(v).split(";") if i])
    only_dismissed = cited.map(lambda ids: bool(ids) and all(i in dismissed for i in ids))
    drop = rows["significant"].astype(bool) & ~rows["significant_alone"].astype(bool) \
        & only_dismissed
    if not drop.any():
        return rows
    rows = rows.copy()
    rows.loc[drop, "significant"] = False
    return rows


def _row_events(rows: pd.DataFrame) -> list[list[str]]:
    """Each row's event ids, its lead event first."""
    return [[e for e in dict.fromkeys([lead, *str(ids).split(";")]) if e]
            for lead, ids in zip(rows["event_id"].fillna(""), rows["event_ids"].fillna(""))]


def _first(decisions: dict, ids: list[str]):
    return next((decisions[i] for i in ids if i in decisions), None)


def _join(text: str, more: str) -> str:
    return f"{text}; {more}" if text else more


def _by(item) -> str:
    """``jdoe, 07/12/2026``: who decided and on what day."""
    day = display_date(item.when[:10], "day", False) if item.when[:10] else ""
    return ", ".join(p for p in (item.who, day) if p) or "unattributed"


def _because(reason: str) -> str:
    return f": {reason}" if reason else ""


def _reviewed(findings: pd.DataFrame, annotations) -> pd.DataFrame:
    """The findings with their review: ``Review`` says who dismissed a finding and why,
    and the analyst's note on it; ``_dismissed`` marks the dismissed ones (they stay
    listed, but no longer flag their evidence)."""
    findings = findings.copy()
    dismissed = annotations.latest("dismissed") if annotations is not None else {}
    remarks = annotations.latest("note") if annotations is not None else {}
    reviews, gone = [], []
    for fid in findings["_finding_id"]:
        parts = []
        if fid in dismissed:
            d = dismissed[fid]
            parts.append(f"Dismissed ({_by(d)}){_because(d.reason)}")
        if fid in remarks:
            parts.append(f"Note ({_by(remarks[fid])}): {remarks[fid].value}")
        reviews.append("; ".join(parts))
        gone.append(fid in dismissed)
    findings.insert(findings.columns.get_loc("Evidence rows") + 1, "Review", reviews)
    findings["_dismissed"] = pd.Series(gone, index=findings.index, dtype=bool)
    return findings


#: the review decisions table's columns
DECISION_COLUMNS = ["About", "Decision", "By", "When", "Reason", "Status"]
DECISION_NAMES = {"significance": "Significance", "note": "Note", "dismissed": "Dismissed",
                  "bundle_ref": "Bundle ref"}


def decision_table(result: Any, annotations, rows: pd.DataFrame,
                   findings: pd.DataFrame) -> pd.DataFrame:
    """Every decision in force, one row each: what it is about (this chronology's row
    number, or the finding's ref), the decision, who, when, why, and whether it applies;
    a decision about an event or finding the case no longer has is listed as such, not
    dropped."""
    columns = DECISION_COLUMNS + ["_target", "_field"]
    if annotations is None or not len(annotations):
        return pd.DataFrame(columns=columns)
    events = set(result.events["event_id"])
    found = finding_ids(result)
    number: dict[str, int] = {}
    for no, ids in zip(rows["No."], _row_events(rows)):
        number.update({i: no for i in ids if i not in number})
    refs = dict(zip(findings["_finding_id"], findings["Ref"]))
    out = []
    for item in annotations.in_force():
        about, status = _about(item.target, number, refs, events, found)
        value = "yes" if item.field == "dismissed" else item.value
        out.append({"About": about, "Decision": f"{DECISION_NAMES[item.field]}: {value}",
                    "By": item.who, "When": item.when.replace("T", " "), "Reason": item.reason,
                    "Status": status, "_target": item.target, "_field": item.field})
    return pd.DataFrame(out, columns=columns)


def finding_ids(result: Any) -> set[str]:
    """Every finding id of a built case (family and per-child findings)."""
    ids = set()
    for name in ("findings", "child_findings"):
        frame = getattr(result, name, None)
        if frame is not None and len(frame):
            ids |= set(frame["finding_id"])
    return ids


def _about(target: str, number: dict, refs: dict, events: set, found: set) -> tuple[str, str]:
    if target in number:
        return f"Row {number[target]} ({target})", "applied"
    if target in refs:
        return f"Finding {refs[target]} ({target})", "applied"
    if target in events:
        return f"Event {target}", "applied (not in this view)"
    if target in found:
        return f"Finding {target}", "applied (not in this view)"
    kind = "event" if target.startswith("E") else "finding"
    return f"{kind.capitalize()} {target}", f"not applied: the case no longer has this {kind}"


def _decision_notes(decisions: pd.DataFrame) -> list[str]:
    """The title block's note on the review decisions (none when there are none)."""
    if not len(decisions):
        return []
    gone = decisions["Status"].str.startswith("not applied")
    note = (f"Review decisions: {len(decisions)} recorded in the case's annotations "
            "(listed after the chronology).")
    if gone.any():
        n = int(gone.sum())
        note += (f" {n} {'concerns an event or finding' if n == 1 else 'concern events or findings'}"
                 " the case no longer has: listed, not applied.")
    return [note]


def court_since(rows: pd.DataFrame, court) -> str | None:
    """The date before which a court chronology summarises: ``court.summarise_years``
    before the hearing date, else before the latest dated event (None: nothing summarised)."""
    from dateutil.relativedelta import relativedelta

    if not court.summarise_years:
        return None
    dated = [d for d in rows["date"] if isinstance(d, str) and d]
    latest = court.hearing_date or (max(dated) if dated else "")
    if not latest:
        return None
    cut = _date.fromisoformat(latest[:10]) - relativedelta(years=court.summarise_years)
    return cut.isoformat()


def case_root(result: Any) -> Path | None:
    """The case folder of a built case (None for a case built in memory)."""
    case = getattr(result, "case", None)
    root = getattr(case, "root", None)
    return Path(root) if root else None


def case_settings(result: Any):
    """The settings in force for a built case: the user's ``chronos.toml``, then the
    case folder's (:func:`chronos.settings.load_settings`)."""
    from chronos.settings import load_settings

    return load_settings(case_root(result))


def _with_time(result: Any, rows: pd.DataFrame | None) -> pd.DataFrame | None:
    """``rows`` with a Time column (the event's time of day, where the source gives one)."""
    if rows is None:
        return None
    events = result.events
    times = dict(zip(events["event_id"], events["time"].fillna("")))
    return rows.assign(Time=[times.get(e, "") or "" for e in rows["event_id"].fillna("")])


def _significant(rows: pd.DataFrame) -> pd.Series:
    """Which rows are significant (a summary row of older events always is)."""
    return rows["significant"].map(lambda v: True if v is None or v != v else bool(v)).astype(bool)


def agency_colours(agencies, overrides: dict[str, str] | None = None) -> dict[str, str]:
    """A stable colour per agency (:func:`chronos.report.colours.agency_colours`)."""
    from chronos.report.colours import agency_colours as colours

    return colours(agencies, overrides)


def _summarise_before(rows: pd.DataFrame, since: str | None,
                      court: bool = False) -> tuple[pd.DataFrame, list[str]]:
    """Replace dated rows before ``since`` by one row per year and category (``court``:
    one row for the whole earlier period, with no category: a category is an assessment)."""
    if not since:
        return rows, []
    dated = rows["date"].fillna("") != ""
    old = dated & (rows["date"].fillna("") < since)
    if not old.any():
        return rows, []
    summary = _summary_rows(rows[old], rows.columns, court)
    per = "in one entry" if court else "per year and category"
    note = (f"{int(old.sum())} events before {display_date(since, 'day', False)} are "
            f"summarised {per}" + ("." if court else f" ({len(summary)} rows)."))
    return pd.concat([summary, rows[~old]], ignore_index=True), [note]


def _summary_rows(old: pd.DataFrame, columns, court: bool = False) -> pd.DataFrame:
    group_of = (lambda row: "") if court else _summary_group
    years = old["date"].str[:4]
    if court:  # one row for the whole earlier period: the same rows whatever dates shift
        first, last = years.min(), years.max()
        years = years.map(lambda _: first if first == last else f"{first} to {last}")
    old = old.assign(_year=years, _group=old.apply(group_of, axis=1))
    out = []
    for (year, group), part in old.groupby(["_year", "_group"], sort=True):
        types = part["label"].value_counts().sort_index()
        listed = "; ".join(f"{label} ×{n}" if n > 1 else label for label, n in types.items())
        agencies = ", ".join(sorted(set(part["agency"].dropna())))
        refs = ", ".join(sorted(set(part["source_file"].dropna())))
        kind = f"{group} record" if group else "record"
        what = f"{len(part)} earlier {kind}{'s' if len(part) > 1 else ''} summarised"
        if court:  # concise: the agencies' counts and the most frequent kinds of record
            counts = part["agency"].value_counts().sort_index()
            what += " (" + ", ".join(f"{a} {n}" for a, n in counts.items()) + ")"
            top = part["label"].value_counts().head(COURT_SUMMARY_KINDS)
            listed = "; ".join(f"{label} ×{n}" if n > 1 else label for label, n in top.items())
            if len(types) > COURT_SUMMARY_KINDS:
                listed += f"; {len(types) - COURT_SUMMARY_KINDS} other kinds"
        out.append({"Date": year, "Age of child": "", "Agency / source": agencies,
                    "Event": f"{what}: {listed}.",
                    "Significance": f"Summarised ({group})" if group else "Summarised", "Action / outcome": "",
                    "Reference": refs, "date": f"{year[:4]}-01-01", "date_precision": "year",
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
    live = findings.loc[~findings["_dismissed"].astype(bool)] if "_dismissed" in findings \
        else findings
    refs = dict(zip(live["_finding_id"], live["Ref"]))
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


def _court_rows(rows: pd.DataFrame, annotations) -> pd.DataFrame:
    """Court style: what happened and what was done (facts), the source (agency and its
    record) and the bundle page the author gave the event (its ``bundle_ref``)."""
    rows = rows.copy()
    refs = annotations.latest("bundle_ref") if annotations is not None else {}
    rows["Event"] = [_with_outcome(e, o) for e, o in
                     zip(rows["Event"].fillna(""), rows["Action / outcome"].fillna(""))]
    rows["Source"] = [f"{a}; {r}" if a and r else (a or r) for a, r in
                      zip(rows["Agency / source"].fillna(""), rows["Reference"].fillna(""))]
    rows["Bundle ref"] = [_bundle_ref(refs, lead, ids) for lead, ids in
                          zip(rows["event_id"].fillna(""), rows["event_ids"].fillna(""))]
    #: the event a row's bundle reference is kept against (a summary row: its first event)
    rows["ref_event"] = [ids[0] if ids else "" for ids in _row_events(rows)]
    rows["Significance"] = ""
    return rows


def _with_outcome(event: str, outcome: str) -> str:
    if not outcome:
        return event
    return f"{event.rstrip('.')}. Outcome: {outcome}"


def _bundle_ref(refs: dict, lead: str, ids: str) -> str:
    """The bundle reference of a row: its lead event's, else the first of its events'."""
    for event_id in [lead, *str(ids).split(";")]:
        if event_id and event_id in refs:
            return refs[event_id].value
    return ""


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
