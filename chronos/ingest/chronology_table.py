"""Agency chronology tables: the Word (.docx) and Excel tables filled in for a case review.

One row per event, with columns found by their headings (synonyms below): date, source or
agency, event or description, action or outcome, and optionally time, child or person,
impact or significance and a reference. Dates go through :func:`chronos.dates.parse_date`,
so ``?22/05/2016`` is kept as uncertain and ``May 2016`` as a month. The event type comes
from the description through the keyword classifier (:mod:`chronos.ingest.keywords`);
descriptions that match no keyword are ``other``. A row with text but no date is kept as an
undated event; a row whose date cannot be read goes to quarantine. In Word, every table
with a recognisable heading row is read, and a table without headings that has the same
number of columns as the table before it is read as its continuation (tables split across
pages); other tables are skipped with a warning. A workbook's sheets are all read unless
the manifest's ``sheet:`` names one. ``source_ref`` is where a person finds the row:
``<sheet>:<row>`` for Excel (the sheet's row number), ``<line>`` for CSV (the line the
row starts on, as for mapped exports), and ``T<table>:<row>`` for Word (the table's data
rows, 1-based, a Word table having no row numbers to show).

A chronology written about one child (an agency's return for a case review) names the
child once, above the table, not on every row: the manifest's ``subject:`` (``{name: Jade
Smith, dob: 2016-05-03}``) makes that child one person record of the source, concerned by
every event, so that linking finds the child in the other sources and an event another
agency reported is recognised as the same event. In such a return the agency column names
the team or the person within the agency ("Class teacher", "PC 1234"): the manifest's
``agency_column: team`` makes it the event's ``source_org``, the agency being the source's.
"""

from __future__ import annotations

import re
import zipfile
from functools import lru_cache
from pathlib import Path

from chronos.datafiles import data_text
from chronos.errors import Issue, SourceError
from chronos.ingest import records
from chronos.ingest._common import FutureDates
from chronos.ingest.base import Ingester, Source, SourceResult, register
from chronos.ingest.guards import clipped, long_cells, too_long_message
from chronos.ingest.keywords import classify
from chronos.ingest.subject import detect_subject
from chronos.ingest.sheets import (cell_date, cell_text, find_columns, join_details, norm_header,
                                   peek_rows, read_csv_rows, read_workbook)

FORMAT = "chronology_table"
HEADER_SCAN_ROWS = 10
FIELDS = {
    "date": ["date", "date of event", "event date", "when", "date time", "date and time",
             "date of incident", "date dd mm yyyy", "date of contact"],
    "time": ["time", "time of event"],
    "agency": ["agency", "source", "organisation", "source agency", "agency source", "service",
               "source of information", "agency or professional", "agency professional",
               "organisation agency"],
    "author": ["who", "professional", "author", "recorded by", "entered by", "worker",
               "practitioner", "staff member", "role", "by whom", "completed by"],
    "event": ["event", "description", "event description", "details", "what happened",
              "event details", "incident", "significant event", "summary", "information",
              "narrative", "event incident", "description of event", "key event",
              "event or incident", "significant event description"],
    "action": ["action", "outcome", "action outcome", "action taken", "actions", "response",
               "outcome action taken", "action and outcome", "actions outcome",
               "outcome action", "actions taken", "action taken outcome"],
    "impact": ["impact on child", "significance", "impact significance", "analysis",
               "impact", "significance impact on child", "comment", "comments"],
    "person": ["child", "childs name", "subject", "person", "name", "about", "family member",
               "child name", "person involved"],
    "ref": ["ref", "reference", "source reference", "record id", "record ref", "id", "no"],
}


@lru_cache(maxsize=1)
def _roles():
    import yaml

    from chronos.ingest.keywords import _pattern

    raw = yaml.safe_load(data_text("author_roles.yaml"))
    return _pattern(raw.get("phrases"), re.IGNORECASE), _pattern(raw.get("acronyms"), 0)


def is_role(text: str) -> bool:
    """True when an agency cell names a role in an agency (``author_roles.yaml``)."""
    phrases, acronyms = _roles()
    return bool((phrases and phrases.search(text)) or (acronyms and acronyms.search(text)))


def find_header(rows) -> tuple[int | None, dict[str, int]]:
    """(index, columns) of the heading row: the first with a date and an event column."""
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        columns = find_columns([cell_text(v) for v in row], FIELDS)
        if "date" in columns and "event" in columns and len(columns) >= 3:
            return index, columns
    return None, {}


@register
class ChronologyTableIngester(Ingester):
    """Agency chronology tables (Word or Excel, one row per event with date, agency,
    event and action/outcome): events classified by keywords."""

    name = FORMAT
    description = "Agency chronology table (Word .docx, Excel or CSV) for a case review"
    extensions = (".docx", ".xlsx", ".xlsm", ".csv")

    def sniff(self, path: Path, head: bytes) -> float:
        """A table whose heading row names a date, an event and an agency or action."""
        suffix = path.suffix.lower()
        if suffix not in self.extensions:
            return 0.0
        if suffix == ".docx":
            return 0.85 if any(find_header(t)[0] is not None for t in _docx_peek(path)) else 0.0
        for _, rows in peek_rows(path, HEADER_SCAN_ROWS):
            if find_header(list(rows))[0] is not None:
                return 0.6 if suffix == ".csv" else 0.75
        return 0.0

    def read(self, source: Source) -> SourceResult:
        """Read every table with chronology headings; the child named above the first
        one (if any) is the source's subject (:mod:`chronos.ingest.subject`)."""
        reader = _TableReader(source)
        tables, issues, preamble = _tables(source)
        reader.result_.warnings.extend(issues)
        reader.preamble.extend(preamble)
        for label, rows in tables:
            reader.read_table(label, rows)
        return reader.finish()


def _tables(source: Source) -> tuple[list[tuple[str, list]], list[Issue], list[str]]:
    """The tables of the file, the warnings met decoding it, and the lines written before
    the first chronology table (in a Word document its page header, paragraphs and small
    tables; in a sheet or a CSV the rows above the headings, which
    :meth:`_TableReader.read_table` collects)."""
    suffix = source.path.suffix.lower()
    if suffix == ".docx":
        return _docx_read(source)
    if suffix in (".xlsx", ".xlsm"):
        return _chosen_sheets(read_workbook(source.path, source.file_label), source), [], []
    rows = read_csv_rows(source.path, source.file_label, source.options.get("encoding"))
    return [("", _Numbered([tuple(r) for r in rows], rows.lines))], rows.issues, []


class _Numbered(list):
    """A table's rows with the number a person finds each at (``numbers``): its line in a
    CSV, its row in a sheet (the rows of a sheet start at row 1)."""

    def __init__(self, rows=(), numbers=None):
        super().__init__(rows)
        self.numbers = list(numbers) if numbers is not None else list(range(1, len(self) + 1))


def _chosen_sheets(sheets: dict[str, list], source: Source) -> list[tuple[str, list]]:
    """The sheets to read: every one, or the one the manifest's ``sheet:`` names (a name,
    or a 1-based position; ``"*"`` for every sheet)."""
    wanted = source.options.get("sheet")
    sheets = {name: _Numbered(rows) for name, rows in sheets.items()}
    if wanted in (None, "", "*"):
        return list(sheets.items())
    names = list(sheets)
    if isinstance(wanted, int) and not isinstance(wanted, bool) and 1 <= wanted <= len(names):
        return [(names[wanted - 1], sheets[names[wanted - 1]])]
    if str(wanted) not in sheets:
        raise SourceError(f"the workbook has no sheet {wanted!r}", file=source.file_label,
                          hint=f"its sheets are: {', '.join(names)}")
    return [(str(wanted), sheets[str(wanted)])]


def _docx_read(source: Source) -> tuple[list[tuple[str, list]], list[Issue], list[str]]:
    tables, preamble = _docx_tables(source)
    return tables, [], preamble


def _docx_tables(source: Source) -> tuple[list[tuple[str, list]], list[str]]:
    from chronos.ingest.guards import check_zip
    from chronos.safe_input import open_regular

    check_zip(source.path, source.file_label, "Word document")
    try:
        import docx

        with open_regular(source.path, source.file_label) as handle:
            document = docx.Document(handle)
    except SourceError:
        raise
    except Exception as exc:  # zipfile.BadZipFile, KeyError, lxml errors ...
        raise SourceError(f"cannot open the Word document ({type(exc).__name__}: "
                          f"{str(exc)[:160]})", file=source.file_label,
                          hint="is the file a complete .docx document?") from None
    tables = []
    for number, table in enumerate(document.tables, start=1):
        rows = [tuple(unique_cells(row)) for row in table.rows]
        tables.append((f"T{number}", rows))
    return tables, _docx_preamble(document, tables)


def _docx_preamble(document, tables: list[tuple[str, list]]) -> list[str]:
    """The page headers, then the body's paragraphs and table rows up to the first table
    with chronology headings, in document order."""
    lines = [p.text for section in document.sections for p in section.header.paragraphs]
    by_element = {table._tbl: rows for table, (_, rows) in zip(document.tables, tables)}
    for child in document.element.body.iterchildren():
        if child.tag.endswith("}p"):
            lines.append("".join(t.text or "" for t in child.iter() if t.tag.endswith("}t")))
        elif child.tag.endswith("}tbl") and child in by_element:
            rows = by_element[child]
            if find_header(rows)[0] is not None:
                break
            lines += [_as_line(row) for row in rows]
    return [line for line in lines if line.strip()]


def _as_line(row) -> str:
    """A row of label and value cells as one line: ``Child's name: Jade Smith``."""
    cells = [cell_text(v) for v in row]
    cells = [c for c in cells if c]
    if len(cells) >= 2 and not cells[0].endswith(":"):
        return f"{cells[0]}: {' '.join(cells[1:])}"
    return " ".join(cells)


def unique_cells(row) -> list[str]:
    """Cell texts of a Word row (python-docx), a horizontally merged cell counted once."""
    out, seen = [], []
    for cell in row.cells:
        if any(cell._tc is other for other in seen):
            continue
        seen.append(cell._tc)
        out.append(cell.text)
    return out


def _docx_peek(path: Path) -> list[list[tuple]]:
    """The first rows of each table in a .docx, read from the XML without python-docx."""
    from chronos.safe_input import open_regular

    try:
        with open_regular(path) as handle, zipfile.ZipFile(handle) as archive, \
                archive.open("word/document.xml") as part:
            xml = part.read(2_000_000).decode("utf-8", "replace")
    except Exception:
        return []
    tables = []
    for table in re.findall(r"<w:tbl>.*?</w:tbl>", xml, re.S)[:20]:
        rows = []
        for row in re.findall(r"<w:tr[ >].*?</w:tr>", table, re.S)[:HEADER_SCAN_ROWS]:
            cells = re.findall(r"<w:tc>.*?</w:tc>", row, re.S)
            rows.append(tuple("".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", c))
                              for c in cells))
        tables.append(rows)
    return tables


class _TableReader:
    """Accumulates the events of every table in one file."""

    def __init__(self, source: Source):
        self.source = source
        self.result_ = SourceResult(source=source, format=FORMAT)
        self.events: list[dict] = []
        self.people: dict[str, dict] = {}
        self.subject = _subject(source)
        self.teams = _teams(source)
        self.previous: tuple[int, dict] | None = None     # (width, columns) of the last table
        self.names: list[str] = []                        # the heading row's cell texts
        self.future = FutureDates(source)
        self.preamble: list[str] = []       # lines above the first chronology table
        self.roles_as_agency: set[str] = set()
        self._found_table = False

    def read_table(self, label: str, rows: list) -> None:
        """Read one table (or sheet), or skip it with a warning."""
        filled = [r for r in rows if any(cell_text(v) for v in r)]
        if not filled:
            return
        header, columns = find_header(rows)
        if header is not None and not self._found_table:
            self.preamble += [_as_line(row) for row in rows[:header]]
            self._found_table = True
        start = header + 1 if header is not None else 0
        if header is None and self._continues(label, rows):
            columns = self.previous[1]
        elif header is None:
            self._skip(label, len(filled))
            return
        else:
            self.names = [cell_text(v) or "" for v in rows[header]]
        self.previous = (len(rows[0]), columns)
        numbers = getattr(rows, "numbers", None)   # a sheet's rows, a CSV's lines
        for index, row in enumerate(rows[start:], start=start):
            if any(cell_text(v) for v in row):
                number = numbers[index] if numbers else index - start + 1
                self._row(columns, self._ref(label, number), row)

    def _continues(self, label: str, rows: list) -> bool:
        return label.startswith("T") and self.previous is not None \
            and len(rows[0]) == self.previous[0]

    def _ref(self, label: str, number: int) -> str:
        return f"{label}:{number}" if label else str(number)

    def _skip(self, label: str, count: int) -> None:
        where = f"table {label[1:]}" if label.startswith("T") else f"sheet {label!r}"
        self.result_.warnings.append(Issue(
            "chronology.no_header", f"{where}: no heading row with a date and an event column; "
            f"its {count} rows were skipped", self.source.file_label, label))
        self.result_.records_read += count
        skipped = self.result_.records_skipped
        skipped["chronology.no_header"] = skipped.get("chronology.no_header", 0) + count

    def _row(self, columns: dict, ref: str, row) -> None:
        self.result_.records_read += 1
        if self._refused(columns, ref, row):
            return
        get = lambda name: cell_text(row[columns[name]]) \
            if name in columns and columns[name] < len(row) else None  # noqa: E731
        raw_date = row[columns["date"]] if columns["date"] < len(row) else None
        when = cell_date(raw_date)
        if when.error:
            self.result_.quarantine.append(Issue(
                when.error, when.message or "cannot read the date", self.source.file_label, ref,
                "date", cell_text(raw_date) or "", severity="error"))
            return
        if self.future.is_future(when.date):
            found = self.future.issue(ref, "date", cell_text(raw_date) or when.date)
            if self.future.quarantines:
                self.result_.quarantine.append(found)
                return
            self.result_.warnings.append(found)
        description = get("event")
        who = self._who(get("agency"), get("author"))
        self.events.append(records.event_row(
            self.source, FORMAT, ref, classify(description), _with_time(when, get("time")),
            person_ids=self._people(get("person"), ref), summary=description,
            outcome=get("action"), **who,
            details=join_details([("impact", get("impact")), ("ref", get("ref"))]
                                 + self._other_cells(columns, row)) or None))
        self.result_.records_to_data += 1

    def _who(self, cell: str | None, author: str | None) -> dict:
        """The row's agency, team and author: with ``agency_column: team`` the source's
        agency and the column's team (``source_org``); else :meth:`_agency_and_author`."""
        if self.teams:
            return {"agency": self.source.agency, "source_org": cell or None,
                    "author": author}
        agency, author = self._agency_and_author(cell, author)
        return {"agency": agency, "author": author}

    def _agency_and_author(self, column: str | None, author: str | None):
        """(agency, author) of a row. A cell of the agency column that names a role
        ("Class teacher", "DSL", "School office": ``author_roles.yaml``) says who wrote
        the entry: with a manifest agency, that is the agency and the cell the author;
        without one the cell stays the agency too (and a warning asks for ``agency:``).
        A cell naming an agency ("GP", "Police") is the row's agency."""
        agency = self.source.agency or None
        if not column or not is_role(column):
            return column or agency, author
        if agency is None:
            self.roles_as_agency.add(column)
            return column, author or column
        return agency, author or column

    def _column_name(self, columns: dict, position: int) -> str:
        field_name = next((f for f, p in columns.items() if p == position), None)
        name = self.names[position] if position < len(self.names) else ""
        return name or field_name or f"column {position + 1}"

    def _refused(self, columns: dict, ref: str, row) -> bool:
        """Quarantine a row with a cell over the length limit, or a formula whose result
        was never saved (the value chronos would read is not there)."""
        from chronos.ingest.workbook import Formula

        for position, length in long_cells(row):
            return self._quarantine("cell.too_long", too_long_message(length), ref,
                                    self._column_name(columns, position), clipped(row[position]))
        for position, value in enumerate(row):
            if isinstance(value, Formula):
                return self._quarantine(
                    "cell.formula_not_calculated", "the cell holds a formula whose result "
                    "was never saved (open the workbook in Excel, save it, and read it again)",
                    ref, self._column_name(columns, position), value)
        return False

    def _quarantine(self, code: str, message: str, ref: str, column: str, value: str) -> bool:
        self.result_.quarantine.append(Issue(code, message, self.source.file_label, ref,
                                             column, value, severity="error"))
        return True

    def _other_cells(self, columns: dict, row) -> list[tuple[str, str]]:
        """The cells of columns chronos does not map (a "Notes" column, cells beyond the
        headings), kept in details under their heading so that nothing is dropped."""
        used = set(columns.values())
        out = []
        for position, value in enumerate(row):
            text = cell_text(value)
            if position in used or not text:
                continue
            name = self.names[position] if position < len(self.names) else ""
            key = norm_header(name).replace(" ", "_") or f"column_{position + 1}"
            out.append((key, text))
        return out

    def _people(self, name: str | None, ref: str) -> str:
        """The record keys of the row: the source's subject (if the manifest names one)
        and the person its child/person column names (the subject when it is the
        subject's name, or their first name alone)."""
        keys = set()
        if self.subject is not None:
            keys.add(self._subject_key(ref))
        if name and not (self.subject is not None and _same_person(name, self.subject)):
            keys.add(self._person(name, ref))
        return ";".join(sorted(keys))

    def _subject_key(self, ref: str) -> str:
        key = f"{self.source.name}:subject"
        name, dob = self.subject
        given, _, family = name.rpartition(" ")
        records.merge_person(self.people, key, {
            "person_id": key, "given_name": given or name, "family_name": family if given else None,
            "dob": dob.date if dob else None, "dob_precision": dob.precision if dob else None,
            "role": "child", "agency": self.source.agency or None, "source_format": FORMAT,
            "source_file": self.source.file_label, "source_ref": ref})
        return key

    def _person(self, name: str, ref: str) -> str:
        key = f"{self.source.name}:{norm_header(name).replace(' ', '-')}"
        given, _, family = name.rpartition(" ")
        records.merge_person(self.people, key, {
            "person_id": key, "given_name": given or name, "family_name": family if given else None,
            "agency": self.source.agency or None, "source_format": FORMAT,
            "source_file": self.source.file_label, "source_ref": ref})
        return key

    def finish(self) -> SourceResult:
        """The finished SourceResult (a file with no chronology table is an error)."""
        out = self.result_
        if not self.events and not out.quarantine:
            raise SourceError("no chronology table found", file=self.source.file_label,
                              hint="the heading row needs a date column and an event or "
                                   "description column")
        out.subject = detect_subject(self.preamble)
        if self.roles_as_agency:
            out.warnings.append(Issue(
                "chronology.roles_as_agency", "the agency column names roles, not agencies ("
                + ", ".join(sorted(self.roles_as_agency)) + "): each shows as an agency; "
                "give the source's agency: in the manifest", self.source.file_label,
                column="agency"))
        out.events = records.events_frame(self.events)
        out.persons = records.persons_frame(self.people)
        out.relationships = records.relationships_frame([])
        return out


def _subject(source: Source):
    """``(name, parsed dob or None)`` from the manifest's ``subject:``, or None."""
    from chronos.dates import parse_date

    given = source.options.get("subject")
    if given in (None, "", {}) and source.subject is not None:
        return _from_manifest_subject(source.subject)
    if given in (None, "", {}):
        return None
    if isinstance(given, str):
        given = {"name": given}
    name = given.get("name") if isinstance(given, dict) else None
    if not isinstance(name, str) or not name.strip() or set(given) - {"name", "dob"}:
        raise SourceError("subject: must be the child's name, or {name: ..., dob: ...}",
                          file=source.file_label, column="subject",
                          hint="e.g. subject: {name: Jade Smith, dob: 2016-05-03}")
    dob = None
    if given.get("dob") not in (None, ""):
        dob = parse_date(given["dob"])
        if not dob.ok:
            raise SourceError(f"subject: cannot read the date of birth {given['dob']!r}",
                              file=source.file_label, column="subject.dob",
                              hint="write it as 2016-05-03 or 03/05/2016")
    return " ".join(name.split()), dob


def _from_manifest_subject(raw):
    """``(name, parsed dob or None)`` of the manifest's ``subject:`` as the case read it
    (:class:`chronos.ingest.subject.Subject`), or None when it gives no name."""
    from chronos.dates import parse_date
    from chronos.ingest.subject import parse_subject

    subject = parse_subject(raw, "subject")
    if not subject.name:
        return None
    return subject.name, parse_date(subject.dob) if subject.dob else None


def _teams(source: Source) -> bool:
    """Whether the manifest's ``agency_column:`` says the column names teams within the
    source's agency (``team``) rather than agencies (``agency``, the default)."""
    given = source.options.get("agency_column", "agency")
    if given not in ("agency", "team"):
        raise SourceError(f"agency_column: must be agency or team, not {given!r}",
                          file=source.file_label, column="agency_column")
    if given == "team" and not source.agency:
        raise SourceError("agency_column: team needs the source's agency: (whose teams they are)",
                          file=source.file_label, column="agency_column")
    return given == "team"


def _same_person(name: str, subject: tuple) -> bool:
    """Whether a child/person cell names the subject (their full name or first name)."""
    text = " ".join(name.split()).casefold()
    full = subject[0].casefold()
    return text in (full, full.split(" ")[0])


class _with_time:
    """A parsed date with the time column's value attached."""

    def __init__(self, when, time: str | None):
        self.date, self.precision, self.uncertain = when.date, when.precision, when.uncertain
        self.end_date = None
        self.time = when.time or _clock(time)


def _clock(text: str | None) -> str | None:
    match = re.search(r"\b(\d{1,2})[:.](\d{2})\b", text or "")
    return f"{int(match[1]):02d}:{match[2]}" if match else None
