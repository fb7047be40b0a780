"""Checking a return on arrival: numbered messages with the row and column of each problem.

:func:`check_return` reads the file twice over: the chronology-table reader
(:mod:`chronos.ingest.chronology_table`) makes its events exactly as ``chronos build``
will, and :mod:`chronos.returns.layout` looks at the file as the agency sees it (tables,
headings, merged cells, formulas, the child and reference above the table). Each problem
becomes a :class:`~chronos.returns.messages.Message` from the catalogue
(``chronos/data/return_checks.yaml``). Against a case's register the return is matched to
the agency it was sent to and checked against the review's child, period and columns;
without one, against what the template says about itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from chronos.errors import ChronosError, ReturnError
from chronos.returns import layout as lay
from chronos.returns.identity import TEMPLATE_KIND
from chronos.returns.messages import Message
from chronos.returns.register import AgencyEntry, Child, Register, slug, uk_date

#: the settings' column keys -> the chronology-table reader's fields
READER_FIELDS = {"date": "date", "time": "time", "agency": "agency", "event": "event",
                 "action": "action", "significance": "impact", "reference": "ref"}
FIELD_WORDS = {"date": "the date", "time": "the time", "agency": "the agency",
               "event": "the event", "action": "the action or outcome",
               "impact": "the significance", "ref": "the reference",
               "person": "the person each event is about", "author": "the author"}


@dataclass
class Expected:
    """What the return should be: the review, agency, child, period and columns."""

    case: str | None = None
    agency: str | None = None
    child: Child | None = None
    period: tuple[str | None, str | None] = (None, None)
    columns: list[tuple[str, str]] = field(default_factory=list)   # (key, heading)
    references: list[str] = field(default_factory=list)


@dataclass
class ReturnCheck:
    """The outcome of checking one returned file."""

    file: Path
    sha256: str
    agency: str | None
    reference: str | None
    matched_by: str                 # reference | visible reference | agency name | ""
    expected: Expected
    messages: list[Message]
    rows: int = 0                   # table rows read (events + rows not read)
    events: object = None           # DataFrame of the events the build will make
    options: dict = field(default_factory=dict)   # reading options for the manifest
    report_path: Path | None = None
    case_root: Path | None = None   # the case folder it was checked against, if any
    recorded: object = None         # chronos.returns.status.Recorded, when recorded

    def count(self, severity: str) -> int:
        """How many messages have ``severity``."""
        return sum(m.severity == severity for m in self.messages)

    @property
    def blocking(self) -> bool:
        """True when the return must not be added to the case."""
        return any(m.blocking for m in self.messages)

    @property
    def event_count(self) -> int:
        return 0 if self.events is None else len(self.events)

    def numbered(self) -> list[tuple[int, Message]]:
        """The messages in report order (whole-file first, then by row), numbered 1..n."""
        return list(enumerate(sorted(self.messages, key=Message.sort_key), start=1))

    def as_dict(self) -> dict:
        exp = self.expected
        return {"file": str(self.file), "sha256": self.sha256, "agency": self.agency,
                "reference": self.reference, "matched_by": self.matched_by,
                "case": exp.case, "child": exp.child.name if exp.child else None,
                "child_dob": exp.child.dob if exp.child else None,
                "period": list(exp.period), "rows": self.rows, "events": self.event_count,
                "errors": self.count("error"), "warnings": self.count("warning"),
                "notes": self.count("note"), "blocking": self.blocking,
                "messages": [{"n": n, **m.as_dict()} for n, m in self.numbered()],
                "report": str(self.report_path) if self.report_path else None,
                "case_folder": str(self.case_root) if self.case_root else None,
                "recorded": self.recorded.as_dict() if self.recorded else None}


def file_sha256(path: Path) -> str:
    """The fingerprint of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_return(path: Path, *, register: Register | None = None, agency: str | None = None,
                 label: str | None = None) -> ReturnCheck:
    """Check one returned file (see the module docstring). ``register``: the case's, when
    the return belongs to a case; ``agency``: who sent it, when the file cannot say."""
    path = Path(path)
    if not path.is_file():
        raise ReturnError("file not found", file=str(path))
    label = label or path.name
    try:
        layout = lay.read_layout(path, label)
    except ChronosError as exc:
        return _unreadable(path, label, exc.message, Expected(agency=agency))
    match = _match(layout, register, agency, label)
    check = ReturnCheck(path, file_sha256(path), match.expected.agency, match.reference,
                        match.by, match.expected, list(match.messages))
    check.options = {"sheet": lay.CHRONOLOGY_SHEET} if layout.is_template_workbook else {}
    if any(m.code == "return.other_review" for m in check.messages):
        return check
    child = _child_messages(layout, match.expected)
    if layout.main is None:        # nothing to read: only what makes the file unusable
        check.messages = [m for m in check.messages + child if m.blocking]
        check.messages.append(_no_table(layout, match.expected))
        return check
    check.messages += child
    _read_rows(check, layout, label)
    return check


def _unreadable(path: Path, label: str, why: str, expected: Expected) -> ReturnCheck:
    sha = file_sha256(path) if path.is_file() else ""
    return ReturnCheck(path, sha, expected.agency, None, "", expected,
                       [Message("return.unreadable", why)])


# --------------------------------------------------------------------------- whose return


@dataclass
class _Match:
    expected: Expected
    reference: str | None
    by: str
    messages: list[Message]


def _match(layout: lay.Layout, register: Register | None, agency: str | None,
           label: str) -> _Match:
    """Which review and agency the return belongs to, and what it should hold."""
    identity = layout.identity
    if register is None:
        return _match_alone(layout, agency)
    messages: list[Message] = []
    reference = identity.reference
    entry = register.by_reference(reference)
    if reference and entry is None and identity.properties.get("template") == TEMPLATE_KIND:
        other = identity.properties.get("case") or "another review"
        expected = _expected_from_properties(identity.properties)
        return _Match(expected, reference, "", [Message(
            "return.other_review", f"this template ({reference}) was issued for the review "
            f"{other!r}, not for {register.case!r}", value=reference)])
    by = "reference" if entry and identity.hidden_id else "visible reference" if entry else ""
    if entry is None:
        entry = _entry_by_name(register, agency, layout, label)
        by = "agency name"
    if by != "reference":
        messages.append(Message(
            "return.reference_missing",
            "the hidden reference is missing (the table was re-typed or copied into a new "
            f"document); matched to {entry.agency!r} by "
            + ("the reference written above the table" if by == "visible reference"
               else "the agency's name")))
    written = lay.labelled_line(layout.preamble, "Agency")
    if written and slug(written) != slug(entry.agency) and by != "agency name":
        messages.append(Message("return.agency_differs", f"the template was sent to "
                                f"{entry.agency!r} but the return says it is from {written!r}",
                                value=written))
    latest = entry.references[-1] if entry.references else None
    return _Match(_expected(register, entry), reference or latest, by, messages)


def _entry_by_name(register: Register, agency: str | None, layout: lay.Layout,
                   label: str) -> AgencyEntry:
    """The agency of a return without its reference: ``agency`` if given, else the
    ``Agency:`` line above the table, else an agency named in the file's name."""
    asked = ", ".join(e.agency for e in register.agencies.values()) or "none"
    if agency:
        entry = register.entry(agency)
        if entry is None:
            raise ReturnError(f"{agency!r} was not sent a template for this review",
                              file=label, hint=f"agencies asked: {asked}")
        return entry
    written = lay.labelled_line(layout.preamble, "Agency")
    if written and register.entry(written):
        return register.entry(written)
    stem = slug(Path(label).stem)
    named = [e for key, e in register.agencies.items() if key in stem]
    if len(named) == 1:
        return named[0]
    raise ReturnError("cannot tell which agency this return is from (it has no reference "
                      "and names no agency that was asked)", file=label,
                      hint=f"give --agency NAME; agencies asked: {asked}")


def _expected(register: Register, entry: AgencyEntry) -> Expected:
    return Expected(register.case, entry.agency, register.child,
                    (register.period_start, register.period_end),
                    [(k, h) for k, h in register.columns], list(entry.references))


def _match_alone(layout: lay.Layout, agency: str | None) -> _Match:
    """No case: what the template says about itself, if anything."""
    identity = layout.identity
    if identity.properties.get("template") == TEMPLATE_KIND:
        expected = _expected_from_properties(identity.properties)
        if agency:
            expected.agency = agency
        return _Match(expected, identity.hidden_id, "reference", [])
    written = lay.labelled_line(layout.preamble, "Agency")
    return _Match(Expected(agency=agency or written), identity.visible_reference, "", [])


def _expected_from_properties(props: dict) -> Expected:
    from chronos.settings import DEFAULT_HEADINGS

    given, _, family = (props.get("child") or "").rpartition(" ")
    child = Child(given or None, family or None, props.get("dob") or None) \
        if props.get("child") else None
    start, _, end = props.get("period", "").partition("/")
    headings = [h.strip() for h in props.get("headings", "").split("|")] \
        if props.get("headings") else []
    keys = [k for k in props.get("columns", "").split("|") if k]
    columns = [(k, headings[i] if i < len(headings) else DEFAULT_HEADINGS.get(k, k))
               for i, k in enumerate(keys)]
    return Expected(props.get("case"), props.get("agency"), child,
                    (start or None, end or None), columns, [props.get("return_id", "")])


# --------------------------------------------------------------------------- the child


def _child_messages(layout: lay.Layout, expected: Expected) -> list[Message]:
    """The child named above the table against the review's child."""
    if expected.child is None:
        return []
    written = lay.labelled_line(layout.preamble, "Child")
    if not written:
        return [Message("return.child_missing", "there is no line 'Child: NAME (DOB ...)' "
                        f"above the table; this review is about {_who(expected.child)}")]
    name, dob = _parse_child(written)
    wanted = expected.child
    same_name = _name_key(name) == _name_key(wanted.name)
    same_dob = not dob or not wanted.dob or dob == wanted.dob
    if same_name and same_dob:
        return []
    return [Message("return.wrong_child", f"the return is about {written!r}, but this review "
                    f"is about {_who(wanted)}: nothing from it is added to the case",
                    value=written)]


def _who(child: Child) -> str:
    return child.name + (f" (DOB {uk_date(child.dob)})" if child.dob else "")


def _parse_child(text: str) -> tuple[str, str | None]:
    """(name, ISO date of birth) from ``Jade SMITH (DOB 03/05/2016)``."""
    from chronos.dates import parse_date

    match = re.search(r"\((?:\s*(?:d\.?o\.?b\.?|born|date of birth)\s*:?)?\s*([^)]*)\)", text,
                      re.IGNORECASE)
    dob = None
    if match:
        parsed = parse_date(match[1].strip())
        dob = parsed.date if parsed.date and parsed.precision == "day" else None
    return text.split("(")[0].strip(), dob


def _name_key(name: str) -> tuple[str, ...]:
    return tuple(sorted(re.sub(r"[^\w\s'-]", " ", name).casefold().split()))


# --------------------------------------------------------------------------- columns


def _no_table(layout: lay.Layout, expected: Expected) -> Message:
    """Why no chronology table was found: name the missing heading where one is close."""
    for grid in layout.grids:
        for index in grid.filled[:10]:
            found = set(lay.heading_fields([v if isinstance(v, str) else ""
                                            for v in grid.rows[index]]).values())
            if len(found) >= 2:
                missing = [w for f, w in (("date", "Date"), ("event", "Event")) if f not in found]
                if missing:
                    return Message("return.unreadable", f"the table has no {' or '.join(missing)} "
                                   "column (deleted or renamed), so none of its rows can be read",
                                   row=grid.file_row(index), table=_table_name(layout, grid))
    return Message("return.unreadable", "no table with a Date and an Event heading was found")


def _column_messages(layout: lay.Layout, expected: Expected) -> list[Message]:
    main = layout.main
    table = _table_name(layout, main)
    headings = main.headings
    found = lay.heading_fields(headings)                  # position -> reader field
    at = {fld: pos for pos, fld in found.items()}
    row = main.file_row(main.header)
    messages = []
    wanted = [(key, heading, READER_FIELDS.get(key, key)) for key, heading in expected.columns]
    for key, heading, fld in wanted:
        if fld not in at:
            messages.append(Message("return.column_missing", f"the column {heading!r} was "
                                    f"deleted: this agency's events will have no "
                                    f"{FIELD_WORDS.get(fld, 'the ' + heading).removeprefix('the ')}", row=row,
                                    table=table, value=heading))
    template = {_norm(h) for _, h, _ in wanted}
    fields = {fld for _, _, fld in wanted}
    for position, heading in enumerate(headings):
        if not heading or _norm(heading) in template or found.get(position) in fields:
            continue
        read_as = found.get(position)
        text = (f"the column {heading!r} was added; it is read as "
                f"{FIELD_WORDS.get(read_as, read_as)}" if read_as else
                f"the column {heading!r} was added; it is not one of the review's columns, "
                "so what it holds is not in the chronology's columns")
        messages.append(Message("return.column_added", text, row=row, table=table,
                                column=main.column_name(position), value=heading))
    messages += _renamed_or_moved(main, wanted, at, row, table)
    return messages


def _renamed_or_moved(main: lay.Grid, wanted, at: dict, row: int,
                      table: str | None) -> list[Message]:
    messages = []
    headings = main.headings
    for key, heading, fld in wanted:
        position = at.get(fld)
        if position is not None and _norm(headings[position]) != _norm(heading):
            messages.append(Message("return.template_altered", f"the heading {heading!r} was "
                                    f"changed to {headings[position]!r} (read as "
                                    f"{FIELD_WORDS.get(fld, fld)})", row=row, table=table,
                                    column=main.column_name(position), value=headings[position]))
    order = [fld for _, _, fld in wanted if fld in at]
    if order != sorted(order, key=lambda f: at[f]):
        moved = ", ".join(headings[at[f]] for f in sorted(order, key=lambda f: at[f]))
        messages.append(Message("return.template_altered", "the columns were moved; they are "
                                f"now in the order {moved}", row=row, table=table))
    return messages


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", str(text)).casefold().split())


# --------------------------------------------------------------------------- rows


def _read_rows(check: ReturnCheck, layout: lay.Layout, label: str) -> None:
    """Read the events as the build will, then look at every grid and row."""
    from chronos.ingest.base import Source
    from chronos.ingest.chronology_table import ChronologyTableIngester

    expected = check.expected
    source = Source(path=check.file, name=slug(expected.agency or "return"),
                    format="chronology_table", agency=expected.agency or "",
                    options=dict(check.options), display_path=label)
    try:
        result = ChronologyTableIngester().read(source)
    except ChronosError as exc:
        empty = not any(i > (g.header or 0) for g in _grids_read(layout, check.options)
                        if g.header is not None for i in g.filled)
        check.messages.append(Message("return.nil_return", "the table has no events") if empty
                              else Message("return.unreadable", exc.message))
        return
    check.events = result.events
    check.rows = result.records_to_data + result.records_quarantined
    if expected.columns:
        check.messages += _column_messages(layout, expected)
    read = _grids_read(layout, check.options)
    repeated = _repeated_headings(layout, read)
    check.messages += _grid_messages(layout, read, repeated)
    check.messages += _row_messages(layout, result, expected, repeated)
    if check.event_count == 0 and not result.quarantine:
        check.messages.append(Message("return.nil_return", "the table has no events"))


def _grids_read(layout: lay.Layout, options: dict) -> list[lay.Grid]:
    """The grids the reader reads (every one, or the sheet the options name)."""
    sheet = options.get("sheet")
    return [g for g in layout.grids if not sheet or g.label == sheet]


def _continues(layout: lay.Layout, grid: lay.Grid) -> lay.Grid | None:
    """The Word table a headless table continues (as the reader decides), if any."""
    return layout.continuations().get(grid.label)


def _grid_messages(layout: lay.Layout, read: list[lay.Grid],
                   repeated: dict[tuple[str, int], bool]) -> list[Message]:
    main = layout.main
    messages = []
    for grid in layout.grids:
        if grid is main or grid.ours or not grid.filled:
            continue
        count = len([i for i in grid.filled if grid.header is None or i > grid.header])
        if grid not in read:
            text = f"{grid.name} holds {count} row(s) that are not read (only sheet " \
                   f"{main.label!r} is)"
        elif grid.header is not None:
            text = f"{grid.name} has its own headings: its {count} row(s) were read as part " \
                   "of the return"
        elif _continues(layout, grid):
            text = f"{grid.name} has no headings: its {count} row(s) were read as more rows " \
                   f"of {_continues(layout, grid).name}"
        else:
            text = f"{grid.name} has no headings a chronology needs: its {count} row(s) are " \
                   "not read"
        messages.append(Message("return.second_table", text, table=grid.name))
    for (label, index) in sorted(repeated):
        grid = layout.grid(label)
        messages.append(Message("return.second_table", "this row repeats the headings: a "
                                "second table starts here; the rows under it were read as "
                                "part of the return", row=grid.file_row(index),
                                table=_table_name(layout, grid)))
    for grid in read:
        messages += _merge_messages(layout, grid) + _formula_messages(layout, grid)
    return messages


def _table_name(layout: lay.Layout, grid: lay.Grid) -> str | None:
    """The grid's name in a message: always in Word, for Excel only when the workbook has
    more than the template's sheets."""
    if grid.kind == lay.WORD:
        return grid.name
    others = [g for g in layout.grids if not g.ours]
    return grid.name if len(others) > 1 else None


def _repeated_headings(layout: lay.Layout, read: list[lay.Grid]) -> dict[tuple[str, int], bool]:
    """Rows under a grid's heading row that are heading rows themselves."""
    found = {}
    for grid in read:
        if grid.header is None:
            continue
        for index in grid.filled:
            if index > grid.header and lay.find_header([grid.rows[index]])[0] is not None:
                found[(grid.label, index)] = True
    return found


def _merge_messages(layout: lay.Layout, grid: lay.Grid) -> list[Message]:
    headings = _headings_for(layout, grid)
    top = grid.header if grid.header is not None else -1
    messages = []
    for merge in grid.merges:
        if merge.last_row <= top:
            continue
        first, last = max(merge.first_row, top + 1), merge.last_row
        columns = grid.column_name(merge.first_col, headings)
        if merge.last_col != merge.first_col:
            columns += f" to {grid.column_name(merge.last_col, headings)}"
        rows = f"rows {grid.file_row(first)} to {grid.file_row(last)}" if last > first else None
        messages.append(Message("return.merged_cells", _merge_text(grid, merge, rows),
                                row=grid.file_row(first), column=columns,
                                table=_table_name(layout, grid)))
    return messages


def _merge_text(grid: lay.Grid, merge: lay.Merge, rows: str | None) -> str:
    if merge.first_row != merge.last_row and grid.kind == lay.EXCEL:
        return (f"the cells of {rows} are merged: only the first of those rows has the value; "
                "the others are read without it")
    if merge.first_row != merge.last_row:
        return f"the cells of {rows} are merged: each of those rows is read with the same value"
    if grid.kind == lay.WORD:
        return "cells of this row are merged: the columns after them are read out of place"
    return "cells of this row are merged: only the first of them is read"


def _formula_messages(layout: lay.Layout, grid: lay.Grid) -> list[Message]:
    headings = _headings_for(layout, grid)
    top = grid.header if grid.header is not None else -1
    return [Message("return.formula", f"the cell holds a formula ({formula[:60]}) instead of "
                    "a value typed in", row=grid.file_row(row),
                    column=grid.column_name(col, headings), table=_table_name(layout, grid),
                    value=formula[:60])
            for row, col, formula in grid.formulas if row > top]


def _headings_for(layout: lay.Layout, grid: lay.Grid) -> list[str]:
    if grid.header is not None:
        return grid.headings
    previous = _continues(layout, grid)
    return previous.headings if previous else []


def _row_messages(layout: lay.Layout, result, expected: Expected,
                  repeated: dict) -> list[Message]:
    """Dates that cannot be read, rows not read, rows with no event or no date, dates
    outside the period: from what the reader made of each row."""
    messages = []
    for issue in result.quarantine:
        grid, index = _locate(layout, issue.source_ref)
        if grid is not None and (grid.label, index) in repeated:
            continue
        messages.append(_quarantine_message(layout, grid, index, issue, expected))
    events = result.events
    if events is None or not len(events):
        return messages
    for event in events.to_dict("records"):
        grid, index = _locate(layout, event["source_ref"])
        messages += _event_messages(layout, grid, index, event, expected)
    return messages


def _locate(layout: lay.Layout, ref: str) -> tuple[lay.Grid | None, int | None]:
    """The grid and 0-based row of a reader's ``source_ref``: ``T1:4`` the fourth data row
    of a Word table, ``Sheet:24`` row 24 of a sheet."""
    label, _, number = str(ref).rpartition(":")
    grid = layout.grid(label)
    if grid is None or not number.isdigit():
        return None, None
    if grid.kind == lay.EXCEL:
        return grid, int(number) - 1
    start = grid.header + 1 if grid.header is not None else 0
    return grid, start + int(number) - 1


def _where(layout: lay.Layout, grid, index, field_name: str | None) -> dict:
    if grid is None:
        return {}
    headings = _headings_for(layout, grid)
    columns = grid.columns if grid.header is not None else \
        (_continues(layout, grid).columns if _continues(layout, grid) else {})
    position = columns.get(field_name) if field_name else None
    return {"row": grid.file_row(index), "table": _table_name(layout, grid),
            "column": grid.column_name(position, headings) if position is not None else None}


def _quarantine_message(layout, grid, index, issue, expected: Expected) -> Message:
    where = _where(layout, grid, index, "date" if issue.column == "date" else None)
    if issue.code == "date.future":
        return Message("return.date_outside_period", f"{issue.value!r} is in the future",
                       value=issue.value, **where)
    if issue.code.startswith("date."):
        return Message("return.date_unreadable", f"the date {issue.value!r} cannot be read: "
                       f"{issue.message}; the row is not in the chronology until it is "
                       "corrected", value=issue.value, **where)
    return Message("return.row_not_read", f"{issue.message}; the row is not in the chronology",
                   value=issue.value, **where)


def _event_messages(layout, grid, index, event: dict, expected: Expected) -> list[Message]:
    messages = []
    if not _text(event.get("summary")):
        messages.append(Message("return.no_event", "the row has no event: nothing is said "
                                "about what happened", **_where(layout, grid, index, "event")))
    date, precision = event.get("date"), event.get("date_precision")
    if not _text(date) or precision == "unknown":
        messages.append(Message("return.no_date", "the row has no date; it is kept as an "
                                "undated event", **_where(layout, grid, index, "date")))
        return messages
    outside = _outside(str(date), str(precision), expected.period)
    if outside:
        messages.append(Message("return.date_outside_period", outside, value=str(date),
                                **_where(layout, grid, index, "date")))
    return messages


def _outside(date: str, precision: str, period) -> str | None:
    """Why a date lies outside the period (None when inside or the period is unknown)."""
    start, end = period
    first = dt.date.fromisoformat(date[:10])
    last = _span_end(first, precision)
    when = {"day": lambda d: uk_date(d.isoformat()), "month": lambda d: d.strftime("%B %Y"),
            "year": lambda d: str(d.year)}.get(precision, lambda d: uk_date(d.isoformat()))
    window = f"the review period is {uk_date(start)} to {uk_date(end)}"
    if start and last < dt.date.fromisoformat(start):
        return f"{when(first)} is before the period starts ({window})"
    if end and first > dt.date.fromisoformat(end):
        return f"{when(first)} is after the period ends ({window})"
    return None


def _span_end(first: dt.date, precision: str) -> dt.date:
    if precision == "year":
        return dt.date(first.year, 12, 31)
    if precision == "month":
        following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return following - dt.timedelta(days=1)
    return first


def _text(value) -> str:
    if value is None or value != value:       # None or NaN
        return ""
    return str(value).strip()
