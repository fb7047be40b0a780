"""School attendance: register marks (one row per session) and termly aggregate exports.

**Sessions table** (CSV or XLSX): pupil id or UPN, date, session (AM/PM) and the DfE
attendance code, or one row per day with an AM and a PM mark. Codes and their statistical
category come from ``chronos/data/attendance_codes.yaml`` (2024 codes, plus the withdrawn
ones older registers hold). Each day a pupil was absent (authorised or unauthorised)
becomes one ``school_absence`` event (sessions, codes and whether any absence was
unauthorised in details); each pupil and term becomes one ``attendance_summary`` event
whose value is the attendance percentage, with possible, attended, authorised and
unauthorised sessions, the absence rate and the persistent (10% or more) and severe (50% or
more) absence flags in details.

**Aggregate export**: pupil, term (``Autumn 2024``, or term plus academic year, or a term
start date) and sessions possible / authorised / unauthorised (attended optional): one
``attendance_summary`` event per row.

Terms are set by month, simply: autumn = September to December, spring = January to March,
summer = April to August (Easter moves; schools' own term dates are not known here).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from chronos.datafiles import data_text
from chronos.errors import Issue, SourceError
from chronos.ingest import records
from chronos.ingest._common import FutureDates
from chronos.ingest.base import Ingester, Source, SourceResult, register
from chronos.ingest.guards import clipped, long_cells, too_long_message
from chronos.ingest.sheets import (cell_date, cell_text, find_columns, join_details,
                                   peek_rows, read_csv_rows, read_workbook)

FORMAT = "attendance"
PERSISTENT, SEVERE = 10.0, 50.0     # absence rate thresholds, percent of possible sessions
UPN = re.compile(r"^[A-Z]\d{11}[0-9A-Z]$")
FIELDS = {
    "pupil": ["upn", "pupil id", "pupil", "unique pupil number", "adno", "admission number",
              "pupil number", "student id", "child id", "pupil upn"],
    "name": ["pupil name", "name", "student name"],
    "given": ["forename", "first name", "given name", "legal forename"],
    "family": ["surname", "last name", "family name", "legal surname"],
    "dob": ["date of birth", "dob"],
    "date": ["date", "session date", "attendance date", "register date"],
    "session": ["session", "am pm", "am or pm", "period"],
    "code": ["code", "mark", "attendance code", "attendance mark", "register mark"],
    "am": ["am", "am mark", "morning", "am code"],
    "pm": ["pm", "pm mark", "afternoon", "pm code"],
    "term": ["term", "term name"],
    "year": ["academic year", "year", "school year"],
    "term_start": ["term start", "term start date", "start date"],
    "term_end": ["term end", "term end date", "end date"],
    "possible": ["possible sessions", "sessions possible", "possible", "number of possible sessions"],
    "authorised": ["authorised absence", "authorised absence sessions", "authorised",
                   "sessions authorised absence", "authorised sessions"],
    "unauthorised": ["unauthorised absence", "unauthorised absence sessions", "unauthorised",
                     "sessions unauthorised absence", "unauthorised sessions"],
    "attended": ["attended", "attended sessions", "sessions attended", "present", "present sessions"],
}
SESSIONS = {"am": "AM", "a": "AM", "morning": "AM", "1": "AM", "pm": "PM", "p": "PM",
            "afternoon": "PM", "2": "PM"}


@dataclass(frozen=True)
class AttendanceCode:
    """One register code: its meaning and how it counts."""

    code: str
    meaning: str
    category: str
    legacy: bool = False


@lru_cache(maxsize=1)
def attendance_codes() -> dict[str, AttendanceCode]:
    """The register codes shipped in ``attendance_codes.yaml``, by code."""
    import yaml

    raw = yaml.safe_load(data_text("attendance_codes.yaml"))
    return {str(code): AttendanceCode(str(code), spec["meaning"], spec["category"],
                                      bool(spec.get("legacy")))
            for code, spec in raw["codes"].items()}


def lookup_code(mark: str | None) -> AttendanceCode | None:
    """The code for a register mark ('/', 'n', 'Y1' ...); None when unknown."""
    if mark is None:
        return None
    codes = attendance_codes()
    text = mark.strip()
    return codes.get(text) or codes.get(text.upper())


@dataclass(frozen=True)
class Term:
    """An English school term, by month (see the module docstring)."""

    season: str          # autumn | spring | summer
    academic_year: str   # e.g. 2024/25
    start: str
    end: str

    @property
    def key(self) -> str:
        """A sortable id, e.g. '2024/25-1-autumn'."""
        order = {"autumn": 1, "spring": 2, "summer": 3}[self.season]
        return f"{self.academic_year}-{order}-{self.season}"


def term_of(iso_date: str) -> Term:
    """The term a date falls in: Sep-Dec autumn, Jan-Mar spring, Apr-Aug summer."""
    year, month = int(iso_date[:4]), int(iso_date[5:7])
    if month >= 9:
        return Term("autumn", f"{year}/{(year + 1) % 100:02d}", f"{year}-09-01", f"{year}-12-31")
    academic = f"{year - 1}/{year % 100:02d}"
    if month <= 3:
        return Term("spring", academic, f"{year}-01-01", f"{year}-03-31")
    return Term("summer", academic, f"{year}-04-01", f"{year}-08-31")


def term_from_text(term: str | None, year: str | None = None) -> Term | None:
    """'Autumn 2024', 'Spring term 2024/25', or 'Summer' with academic year '2024-2025'."""
    text = f"{term or ''} {year or ''}".lower()
    season = re.search(r"autumn|spring|summer", text)
    years = [int(y) for y in re.findall(r"(?<!\d)(\d{4})(?!\d)", text)]
    short = re.search(r"(?<!\d)(\d{4})\s*[/-]\s*(\d{2})(?!\d)", text)
    if not season or not years:
        return None
    first = years[0]
    academic = bool(short) or len(years) > 1
    calendar_year = first if (season[0] == "autumn" or not academic) else first + 1
    month = {"autumn": 9, "spring": 1, "summer": 4}[season[0]]
    return term_of(f"{calendar_year:04d}-{month:02d}-01")


def summary_details(possible: int, attended: int, authorised: int, unauthorised: int,
                    term: Term, extra=()) -> tuple[float | None, str]:
    """The attendance % and the details string of an attendance_summary event."""
    absent = authorised + unauthorised
    rate = round(100.0 * absent / possible, 1) if possible else None
    value = round(100.0 * attended / possible, 1) if possible else None
    details = join_details([
        ("term", term.season), ("academic_year", term.academic_year), ("possible", possible),
        ("attended", attended), ("authorised", authorised), ("unauthorised", unauthorised),
        *extra, ("absence_rate", rate),
        ("persistent_absence", _flag(rate, PERSISTENT)), ("severe_absence", _flag(rate, SEVERE))])
    return value, details


def _flag(rate: float | None, threshold: float) -> str | None:
    return None if rate is None else "yes" if rate >= threshold else "no"


def _summary_text(value, term: Term, details: str) -> str:
    text = f"Attendance {value:g}%" if value is not None else "Attendance: no possible sessions"
    text += f" ({term.season} term {term.academic_year})"
    if "severe_absence=yes" in details:
        text += "; severe absence"
    elif "persistent_absence=yes" in details:
        text += "; persistent absence"
    return text


# --- layout detection -----------------------------------------------------------------

def detect_layout(headers) -> tuple[str | None, dict[str, int]]:
    """('sessions' | 'daily' | 'aggregate' | None, column map) for a heading row."""
    columns = find_columns(list(headers), FIELDS)
    if "pupil" not in columns:
        return None, columns
    if "date" in columns and "code" in columns and "session" in columns:
        return "sessions", columns
    if "date" in columns and "am" in columns and "pm" in columns:
        return "daily", columns
    if "possible" in columns and ("authorised" in columns or "unauthorised" in columns) \
            and ({"term", "term_start"} & set(columns)):
        return "aggregate", columns
    return None, columns


def find_table(rows) -> tuple[int | None, str | None, dict]:
    """(heading row index, layout, columns) of the first recognisable heading row."""
    for index, row in enumerate(rows[:10]):
        layout, columns = detect_layout([cell_text(v) for v in row])
        if layout:
            return index, layout, columns
    return None, None, {}


@register
class AttendanceIngester(Ingester):
    """School attendance marks (sessions with DfE codes) or termly aggregates: absence
    events and per-pupil, per-term attendance summaries."""

    name = FORMAT
    description = "School attendance marks (DfE 2024 codes) or termly attendance totals"
    extensions = (".csv", ".tsv", ".txt", ".xlsx")

    def sniff(self, path: Path, head: bytes) -> float:
        """Confident when a heading row names a pupil and either date, session and code,
        or sessions possible and absences."""
        if path.suffix.lower() not in self.extensions or b"\x00" in head[:1024] \
                and not head.startswith(b"PK"):
            return 0.0
        for _, rows in peek_rows(path, 10):
            if find_table(list(rows))[1]:
                return 0.9
        return 0.0

    def read(self, source: Source) -> SourceResult:
        """Read the first table with attendance headings."""
        tables, issues = _tables(source)
        for sheet, rows in tables:
            header, layout, columns = find_table(rows)
            if layout:
                reader = _AggregateReader if layout == "aggregate" else _SessionReader
                result = reader(source, columns, layout).read(rows[header + 1:])
                result.warnings[:0] = issues
                return result
        raise SourceError("no attendance headings found", file=source.file_label,
                          hint="expected pupil/UPN, date, session (AM/PM) and code columns, "
                               "or pupil, term, possible, authorised and unauthorised sessions")


def _tables(source: Source):
    """The tables of the file, and the warnings met decoding it."""
    if source.path.suffix.lower() in (".xlsx", ".xlsm"):
        return list(read_workbook(source.path, source.file_label).items()), []
    rows = read_csv_rows(source.path, source.file_label, source.options.get("encoding"))
    return [("", [tuple(r) for r in rows])], rows.issues


class _Reader:
    """What the two layouts share: counting, persons, issues."""

    def __init__(self, source: Source, columns: dict, layout: str):
        self.source, self.columns, self.layout = source, columns, layout
        self.result_ = SourceResult(source=source, format=FORMAT)
        self.events: list[dict] = []
        self.people: dict[str, dict] = {}
        self.future = FutureDates(source)

    def after_as_of(self, ref: str, column: str, value, iso: str | None) -> bool:
        """True when the row's date is after the as-of date and the row goes to
        quarantine for it (``future_dates: warn`` keeps it, with a warning)."""
        if not self.future.is_future(iso):
            return False
        found = self.future.issue(ref, column, cell_text(value) or iso)
        (self.result_.quarantine if self.future.quarantines else self.result_.warnings
         ).append(found)
        return self.future.quarantines

    def get(self, row, name):
        position = self.columns.get(name)
        return cell_text(row[position]) if position is not None and position < len(row) else None

    def raw(self, row, name):
        position = self.columns.get(name)
        return row[position] if position is not None and position < len(row) else None

    def pupil(self, row, ref: str) -> str | None:
        pupil = self.get(row, "pupil")
        if not pupil:
            self.quarantine(ref, "attendance.missing_pupil", "row has no pupil id", "pupil")
            return None
        key = f"{self.source.name}:{pupil}"
        dob = cell_date(self.raw(row, "dob"))
        given, family = self.get(row, "given"), self.get(row, "family")
        if not (given or family) and self.get(row, "name"):
            given, _, family = self.get(row, "name").rpartition(" ")
            given, family = (given or None), family
        upn = pupil.upper() if UPN.match(pupil.upper()) else None
        records.merge_person(self.people, key, {
            "person_id": key, "given_name": given, "family_name": family, "dob": dob.date,
            "dob_precision": dob.date and dob.precision, "upn": upn,
            "other_ids": None if upn else f"pupil_id={pupil}", "role": "child",
            "agency": self.source.agency or None, "source_format": FORMAT,
            "source_file": self.source.file_label, "source_ref": ref})
        return key

    def too_long(self, row, ref: str) -> bool:
        """Quarantine a row with a cell over :data:`~chronos.limits.MAX_CELL_CHARS`."""
        for position, length in long_cells(row):
            self.quarantine(ref, "cell.too_long", too_long_message(length),
                            f"column {position + 1}", clipped(row[position]))
            return True
        return False

    def quarantine(self, ref, code, message, column="", value="") -> None:
        self.result_.quarantine.append(Issue(code, message, self.source.file_label, ref,
                                             column, value or "", severity="error"))

    def skip(self, reason: str) -> None:
        skipped = self.result_.records_skipped
        skipped[reason] = skipped.get(reason, 0) + 1

    def summary_event(self, ref, key, term: Term, counts: dict, extra=()) -> None:
        value, details = summary_details(counts["possible"], counts["attended"],
                                         counts["authorised"], counts["unauthorised"], term, extra)
        self.events.append(records.event_row(
            self.source, FORMAT, ref, "attendance_summary", _TermDates(term), person_ids=key,
            value=value, details=details, summary=_summary_text(value, term, details)))

    def finish(self) -> SourceResult:
        out = self.result_
        out.events = records.events_frame(self.events)
        out.persons = records.persons_frame(self.people)
        out.relationships = records.relationships_frame([])
        return out


class _TermDates:
    def __init__(self, term: Term):
        self.date, self.end_date, self.precision = term.start, term.end, "day"
        self.uncertain, self.time = False, None


@dataclass
class _Session:
    key: str
    date: str
    session: str
    code: AttendanceCode
    ref: str


class _SessionReader(_Reader):
    """Register marks, one session per row or one day (AM and PM) per row."""

    def read(self, rows) -> SourceResult:
        sessions: dict[tuple, _Session] = {}
        for number, row in enumerate(rows, start=1):
            if not any(cell_text(v) for v in row):
                continue
            self.result_.records_read += 1
            if self.too_long(row, str(number)):
                continue
            found = self._row_sessions(row, str(number))
            if found is None:
                continue
            if not found:
                self.skip("attendance.no_mark")
                continue
            if self._add(sessions, found, str(number)):
                self.result_.records_to_data += 1
        self._absences(sessions)
        self._summaries(sessions)
        return self.finish()

    def _row_sessions(self, row, ref) -> list[_Session] | None:
        key = self.pupil(row, ref)
        if key is None:
            return None
        when = cell_date(self.raw(row, "date"))
        if not when.date:
            self.quarantine(ref, when.error or "attendance.missing_date",
                            when.message or "row has no date", "date", self.get(row, "date"))
            return None
        if self.after_as_of(ref, "date", self.raw(row, "date"), when.date):
            return None
        marks = self._marks(row, ref)
        if marks is None:
            return None
        return [_Session(key, when.date, session, code, ref) for session, code in marks
                if code.category != "no_mark"]

    def _marks(self, row, ref):
        if self.layout == "daily":
            pairs = [("AM", self.get(row, "am")), ("PM", self.get(row, "pm"))]
            pairs = [(s, m) for s, m in pairs if m is not None]
        else:
            session = SESSIONS.get((self.get(row, "session") or "").lower())
            if session is None:
                self.quarantine(ref, "attendance.bad_session", "session is not AM or PM",
                                "session", self.get(row, "session"))
                return None
            pairs = [(session, self.get(row, "code") or "-")]
        marks = [(s, lookup_code(m)) for s, m in pairs]
        bad = [m for (s, m), (_, code) in zip(pairs, marks) if code is None]
        if bad:
            self.quarantine(ref, "attendance.unknown_code", f"unknown attendance code {bad[0]!r}",
                            "code", bad[0])
            return None
        return marks

    def _add(self, sessions: dict, found: list[_Session], ref: str) -> bool:
        keys = [(s.key, s.date, s.session) for s in found]
        if any(k in sessions for k in keys):
            first = sessions[next(k for k in keys if k in sessions)].ref
            self.quarantine(ref, "attendance.duplicate_session",
                            f"this pupil's session is already recorded on row {first}")
            return False
        sessions.update(zip(keys, found))
        return True

    def _absences(self, sessions: dict) -> None:
        days: dict[tuple, list[_Session]] = {}
        for session in sessions.values():
            if session.code.category in ("authorised", "unauthorised"):
                days.setdefault((session.key, session.date), []).append(session)
        for (key, date), marks in sorted(days.items()):
            marks.sort(key=lambda s: s.session)
            self.events.append(self._absence_event(key, date, marks))

    def _absence_event(self, key, date, marks: list[_Session]) -> dict:
        unauthorised = sum(1 for m in marks if m.code.category == "unauthorised")
        refs = ",".join(sorted({m.ref for m in marks}, key=int))
        what = "; ".join(f"{m.session}: {m.code.code}, {m.code.meaning}" for m in marks)
        details = join_details([
            ("sessions", ",".join(m.session for m in marks)),
            ("codes", ",".join(m.code.code for m in marks)),
            ("authorised", len(marks) - unauthorised), ("unauthorised", unauthorised),
            ("absence", "unauthorised" if unauthorised else "authorised")])
        return records.event_row(
            self.source, FORMAT, refs, "school_absence", _Day(date), person_ids=key,
            summary=f"Absent from school ({what})", details=details)

    def _summaries(self, sessions: dict) -> None:
        totals: dict[tuple, dict] = {}
        for s in sessions.values():
            term = term_of(s.date)
            counts = totals.setdefault((s.key, term.key), {
                "term": term, "possible": 0, "attended": 0, "authorised": 0,
                "unauthorised": 0, "not_counted": 0})
            category = s.code.category
            if category == "not_possible":
                counts["not_counted"] += 1
                continue
            counts["possible"] += 1
            if category in ("present", "aea"):
                counts["attended"] += 1
            else:
                counts[category] += 1
        for (key, term_key), counts in sorted(totals.items()):
            self.summary_event(f"{key.split(':', 1)[1]}/{term_key}", key, counts["term"], counts,
                               [("not_counted", counts["not_counted"])])


class _Day:
    def __init__(self, date: str):
        self.date, self.precision, self.uncertain = date, "day", False
        self.time = self.end_date = None


class _AggregateReader(_Reader):
    """Termly totals: one attendance_summary event per row."""

    def read(self, rows) -> SourceResult:
        for number, row in enumerate(rows, start=1):
            if not any(cell_text(v) for v in row):
                continue
            self.result_.records_read += 1
            if self.too_long(row, str(number)):
                continue
            if self._row(row, str(number)):
                self.result_.records_to_data += 1
        return self.finish()

    def _row(self, row, ref: str) -> bool:
        key = self.pupil(row, ref)
        if key is None:
            return False
        term = self._term(row)
        if term is None:
            self.quarantine(ref, "attendance.bad_term", "cannot tell which term this row is",
                            "term", self.get(row, "term") or self.get(row, "term_start"))
            return False
        if self.after_as_of(ref, "term", self.get(row, "term") or term.start, term.start):
            return False
        counts = self._counts(row, ref)
        if counts is None:
            return False
        self.summary_event(ref, key, term, counts)
        return True

    def _term(self, row) -> Term | None:
        term = term_from_text(self.get(row, "term"), self.get(row, "year"))
        if term is None and self.columns.get("term_start") is not None:
            start = cell_date(self.raw(row, "term_start"))
            term = term_of(start.date) if start.date else None
        return term

    def _counts(self, row, ref: str) -> dict | None:
        counts = {}
        for name in ("possible", "authorised", "unauthorised", "attended"):
            text = self.get(row, name)
            try:
                counts[name] = int(float(text)) if text is not None else None
            except ValueError:
                self.quarantine(ref, "attendance.bad_number", f"{name} is not a number",
                                name, text)
                return None
        if counts["possible"] is None:
            self.quarantine(ref, "attendance.bad_number", "no sessions possible", "possible")
            return None
        counts["authorised"] = counts["authorised"] or 0
        counts["unauthorised"] = counts["unauthorised"] or 0
        if counts["attended"] is None:
            counts["attended"] = counts["possible"] - counts["authorised"] - counts["unauthorised"]
        return counts
