"""Ofsted ILACS Annex A workbooks (Lists 1 to 11).

Each sheet is recognised by its name ("List 3", "List 03 - Referrals", "Referrals") or,
failing that, by its headings; the heading row is the first row (of the first 15) with a
child or adopter identifier column. What each list's columns become is data:
``chronos/data/annex_a.yaml``. Each dated column of a row becomes one event; a row with no
date at all becomes one undated event of the list's type; every row gives a person record
(children keyed by their child id, adopters by ``adopter-<id>``). Children on List 10 and
adopters on List 11 that share a family identifier are joined by an adoptive parent
relationship. A sheet with no recognisable heading row is skipped with a warning naming it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from chronos import limits, model
from chronos.datafiles import data_text
from chronos.errors import Issue, SourceError
from chronos.ingest import records
from chronos.ingest._common import FutureDates
from chronos.ingest.base import Ingester, Source, SourceResult, register
from chronos.ingest.guards import clipped, long_cells, too_long_message
from chronos.ingest.sheets import (cell_date, cell_text, find_columns, match_header,
                                   norm_header, peek_rows, read_workbook, split_coded)

FORMAT = "annex_a"
HEADER_SCAN_ROWS = 15
SEX_CODES = {"male": "M", "m": "M", "female": "F", "f": "F", "neither": "X",
             "indeterminate": "X", "other": "X", "x": "X", "not stated recorded": "U",
             "not stated": "U", "not recorded": "U", "unknown": "U", "not known": "U",
             "u": "U"}


@dataclass(frozen=True)
class EventSpec:
    """One dated column of a list and the event it becomes."""

    type: str
    date: tuple[str, ...]
    summary: str = ""
    end: tuple[str, ...] = ()
    outcome: tuple[str, ...] = ()
    org: tuple[str, ...] = ()
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ListSpec:
    """One Annex A list: its number, names and events."""

    number: int
    title: str
    sheet_names: tuple[str, ...]
    role: str
    undated: str
    events: tuple[EventSpec, ...]


@dataclass(frozen=True)
class AnnexSpec:
    """The whole Annex A description loaded from ``annex_a.yaml``."""

    person: dict
    row: dict
    lists: dict[int, ListSpec]


@lru_cache(maxsize=1)
def load_spec() -> AnnexSpec:
    """The Annex A description shipped with chronos (event types checked)."""
    import yaml

    raw = yaml.safe_load(data_text("annex_a.yaml"))
    lists = {int(n): _list_spec(int(n), spec) for n, spec in raw["lists"].items()}
    vocab = model.vocabulary()
    for spec in lists.values():
        for name in [spec.undated] + [e.type for e in spec.events]:
            if name not in vocab:
                raise ValueError(f"annex_a.yaml list {spec.number}: unknown event type {name}")
    return AnnexSpec(raw["person"], raw["row"], lists)


def _list_spec(number: int, raw: dict) -> ListSpec:
    events = tuple(EventSpec(type=e["type"], date=tuple(e["date"]), summary=e.get("summary", ""),
                             end=tuple(e.get("end", ())), outcome=tuple(e.get("outcome", ())),
                             org=tuple(e.get("org", ())), details=dict(e.get("details") or {}))
                   for e in raw["events"])
    return ListSpec(number, raw["title"], tuple(raw.get("sheet_names", ())), raw["role"],
                    raw["undated"], events)


def list_fields(spec: AnnexSpec, lst: ListSpec) -> dict[str, list[str]]:
    """Every column a list can have, as field name -> heading synonyms."""
    fields = {f"person.{k}": v for k, v in spec.person.items()}
    fields.update({f"row.{k}": v for k, v in spec.row.items()})
    for i, event in enumerate(lst.events):
        fields[f"ev{i}.date"] = list(event.date)
        for part in ("end", "outcome", "org"):
            if getattr(event, part):
                fields[f"ev{i}.{part}"] = list(getattr(event, part))
        for name, synonyms in event.details.items():
            fields[f"ev{i}.d.{name}"] = list(synonyms)
    return fields


def list_number_from_name(title: str, spec: AnnexSpec) -> int | None:
    """The list number a sheet name gives ("List 3", "list_03 referrals", "Referrals")."""
    name = norm_header(title)
    match = re.match(r"^list ?0*(\d{1,2})\b", name)
    if match and int(match.group(1)) in spec.lists:
        return int(match.group(1))
    for number, lst in spec.lists.items():
        if any(name == norm_header(alias) for alias in lst.sheet_names):
            return number
    return None


def find_header_row(rows, spec: AnnexSpec) -> int | None:
    """Index of the heading row: the first of the first rows with an identifier heading."""
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if any(match_header(cell, spec.person["id"]) for cell in row[:limits.MAX_HEADER_CELLS]
               if isinstance(cell, str)):
            return index
    return None


def identify_sheet(title: str, rows, spec: AnnexSpec):
    """(list spec or None, heading row index or None, column map) for one sheet."""
    number = list_number_from_name(title, spec)
    header = find_header_row(rows, spec)
    if header is None:
        return (spec.lists.get(number) if number else None), None, {}
    headers = list(rows[header])
    if number is None:
        number = _best_list_by_headers(headers, spec)
    if number is None:
        return None, header, {}
    lst = spec.lists[number]
    return lst, header, find_columns(headers, list_fields(spec, lst))


def _best_list_by_headers(headers, spec: AnnexSpec) -> int | None:
    scores = []
    for number, lst in spec.lists.items():
        columns = find_columns(headers, list_fields(spec, lst))
        dated = sum(1 for name in columns if name.endswith(".date"))
        specific = sum(1 for name in columns if not name.startswith(("person.", "row.")))
        scores.append((dated, specific, -number))
    best = max(scores)
    return -best[2] if best[0] >= 1 else None


@register
class AnnexAIngester(Ingester):
    """Ofsted ILACS Annex A workbook: Lists 1-11 of contacts, early help, referrals,
    assessments, section 47 enquiries, CIN, CP, looked-after children, care leavers and
    adoption, as events and person records."""

    name = FORMAT
    description = "Ofsted ILACS Annex A workbook (Lists 1-11)"
    extensions = (".xlsx", ".xlsm")

    def sniff(self, path: Path, head: bytes) -> float:
        """Confident when two or more sheets are Annex A lists with identifier headings."""
        if path.suffix.lower() not in self.extensions or not head.startswith(b"PK"):
            return 0.0
        spec = load_spec()
        found = 0
        for title, rows in peek_rows(path, HEADER_SCAN_ROWS):
            lst, header, columns = identify_sheet(title, list(rows), spec)
            if lst is not None and header is not None and _has_list_columns(columns):
                found += 1
        return 0.95 if found >= 2 else 0.7 if found == 1 else 0.0

    def read(self, source: Source) -> SourceResult:
        """Read every recognised list; warn about and skip the sheets that are not."""
        sheets = read_workbook(source.path, source.file_label)
        reader = _AnnexReader(source, load_spec())
        for title, rows in sheets.items():
            reader.read_sheet(title, rows)
        return reader.result()


def _has_list_columns(columns: dict) -> bool:
    return any(not name.startswith(("person.", "row.")) for name in columns)


class _AnnexReader:
    """Accumulates events, persons and counts over the sheets of one workbook."""

    def __init__(self, source: Source, spec: AnnexSpec):
        self.source, self.spec = source, spec
        self.result_ = SourceResult(source=source, format=FORMAT)
        self.events: list[dict] = []
        self.people: dict[str, dict] = {}
        self.families: dict[str, dict[str, list]] = {}   # family id -> role -> [(key, ref, date)]
        self.future = FutureDates(source)

    def read_sheet(self, title: str, rows: list[tuple]) -> None:
        """Read one sheet, or skip it with a warning when it has no recognisable header."""
        filled = [i for i, row in enumerate(rows) if any(cell_text(v) for v in row)]
        if not filled:
            return
        lst, header, columns = identify_sheet(title, rows, self.spec)
        if lst is None or header is None or not _has_list_columns(columns):
            self._skip_sheet(title, len(filled), lst)
            return
        for offset, row in enumerate(rows[header + 1:], start=1):
            if any(cell_text(v) for v in row):
                self._read_row(lst, columns, title, offset, row)

    def _skip_sheet(self, title: str, count: int, lst) -> None:
        what = f"List {lst.number} ({lst.title})" if lst else "no Annex A list"
        self.result_.warnings.append(Issue(
            "annex_a.no_header",
            f"sheet {title!r}: no recognisable heading row ({what}); its {count} rows "
            "were skipped", source_file=self.source.file_label, source_ref=title))
        self.result_.records_read += count
        skipped = self.result_.records_skipped
        skipped["annex_a.no_header"] = skipped.get("annex_a.no_header", 0) + count

    def _read_row(self, lst: ListSpec, columns: dict, title: str, offset: int, row) -> None:
        self.result_.records_read += 1
        ref = f"{title}:{offset}"
        for position, length in long_cells(row):
            self.result_.quarantine.append(Issue(
                "cell.too_long", too_long_message(length), self.source.file_label, ref,
                f"column {position + 1}", clipped(row[position]), severity="error"))
            return
        get = _getter(row, columns)
        local_id = get("person.id")
        if not local_id:
            self._quarantine(ref, "annex_a.missing_id", "row has no child or adopter identifier")
            return
        if self._after_as_of(lst, columns, row, ref):
            return
        key = self._person(lst, get, local_id, ref)
        row_details = [("list", lst.number)] + [(k, _plain(get(f"row.{k}")))
                                               for k in self.spec.row]
        made = sum(self._event(lst, i, e, get, columns, row, key, ref, row_details)
                   for i, e in enumerate(lst.events))
        if not made:
            self.events.append(records.event_row(
                self.source, FORMAT, ref, lst.undated, None, person_ids=key,
                summary=_summary(lst.events[0], get, 0) if lst.events else lst.title,
                details=_details(row_details + _event_details(lst.events[0], get, 0))
                if lst.events else None))
        self.result_.records_to_data += 1

    def _after_as_of(self, lst: ListSpec, columns: dict, row, ref: str) -> bool:
        """True when one of the row's event dates is after the as-of date and the row
        goes to quarantine for it (``future_dates: warn`` keeps it, with a warning)."""
        for index, spec in enumerate(lst.events):
            position = columns.get(f"ev{index}.date")
            raw = row[position] if position is not None and position < len(row) else None
            when = cell_date(raw)
            if not self.future.is_future(when.date):
                continue
            found = self.future.issue(ref, spec.date[0], cell_text(raw) or when.date)
            if self.future.quarantines:
                self.result_.quarantine.append(found)
                return True
            self.result_.warnings.append(found)
        return False

    def _event(self, lst, index, spec: EventSpec, get, columns, row, key, ref, row_details):
        name = f"ev{index}.date"
        if name not in columns:
            return 0
        raw = row[columns[name]] if columns[name] < len(row) else None
        when = cell_date(raw)
        if when.error:
            self._warn(ref, when.error, when.message or "bad date", spec.date[0], raw)
            return 0
        if not when.date:
            return 0
        end = self._end_date(spec, index, row, columns, ref)
        self.events.append(records.event_row(
            self.source, FORMAT, ref, spec.type, _WithEnd(when, end), ordinal=index,
            person_ids=key, summary=_summary(spec, get, index),
            outcome=_plain(get(f"ev{index}.outcome")), source_org=_plain(get(f"ev{index}.org")),
            details=_details(row_details + _event_details(spec, get, index))))
        if lst.number in (10, 11) and spec.summary == "Adoption order":
            self._family_date(get("person.family_id"), key, when.date)
        return 1

    def _end_date(self, spec, index, row, columns, ref):
        name = f"ev{index}.end"
        if name not in columns or columns[name] >= len(row):
            return None
        when = cell_date(row[columns[name]])
        if when.error:
            self._warn(ref, when.error, when.message or "bad date", spec.end[0], row[columns[name]])
        return when.date

    def _person(self, lst: ListSpec, get, local_id: str, ref: str) -> str:
        adopter = lst.role == "adopter"
        key = f"{self.source.name}:{'adopter-' if adopter else ''}{local_id}"
        dob = cell_date(get("person.dob", raw=True))
        family = get("person.family_id")
        other = [f"adopter_id={local_id}"] if adopter else []
        if family:
            other.append(f"annex_a_family={family}")
            self.families.setdefault(family, {}).setdefault(lst.role, []).append([key, ref, None])
        records.merge_person(self.people, key, {
            "person_id": key, "dob": dob.date, "dob_precision": dob.date and dob.precision,
            "sex": _sex(get("person.gender")), "la_child_id": None if adopter else local_id,
            "other_ids": ";".join(other) or None, "role": lst.role,
            "ethnicity": _plain(get("person.ethnicity")), "agency": self.source.agency,
            "source_format": FORMAT, "source_file": self.source.file_label, "source_ref": ref})
        return key

    def _family_date(self, family, key, date) -> None:
        for members in self.families.get(family or "", {}).values():
            for member in members:
                if member[0] == key:
                    member[2] = date

    def _relationships(self) -> list[dict]:
        rows = []
        for family in sorted(self.families):
            roles = self.families[family]
            for adopter, adopter_ref, adopter_date in roles.get("adopter", []):
                for child, _, child_date in roles.get("child", []):
                    rows.append({"person_a": adopter, "person_b": child, "kind": "parent",
                                 "subtype": "adoptive", "start": child_date or adopter_date,
                                 "source_file": self.source.file_label,
                                 "source_ref": adopter_ref})
        return rows

    def _warn(self, ref, code, message, column, value) -> None:
        self.result_.warnings.append(Issue(code, message, self.source.file_label, ref,
                                           column, cell_text(value) or str(value)))

    def _quarantine(self, ref, code, message) -> None:
        self.result_.quarantine.append(Issue(code, message, self.source.file_label, ref,
                                             severity="error"))

    def result(self) -> SourceResult:
        """The finished SourceResult."""
        out = self.result_
        out.events = records.events_frame(self.events)
        out.persons = records.persons_frame(self.people)
        out.relationships = records.relationships_frame(self._relationships())
        if not self.people and not out.warnings and not out.quarantine:
            raise SourceError("no Annex A list found in the workbook", file=self.source.file_label,
                              hint="sheets should be named 'List 1'..'List 11' or carry the "
                                   "Annex A headings")
        return out


class _WithEnd:
    """A CellDate with an end date attached."""

    def __init__(self, when, end):
        self.date, self.precision, self.uncertain = when.date, when.precision, when.uncertain
        self.time, self.end_date = when.time, end


def _getter(row, columns):
    def get(name, raw=False):
        position = columns.get(name)
        if position is None or position >= len(row):
            return None
        return row[position] if raw else cell_text(row[position])
    return get


def _plain(text: str | None) -> str | None:
    """A coded value without its list letter: 'a) Yes' -> 'Yes', 'q) 6: Police' -> '6: Police'."""
    return re.sub(r"^[a-z]{1,2}\)\s*", "", text) if text else text


def _sex(text: str | None) -> str | None:
    if not text:
        return None
    return SEX_CODES.get(norm_header(split_coded(text)[1]), "U")


def _event_details(spec: EventSpec, get, index) -> list:
    return [(name, _plain(get(f"ev{index}.d.{name}"))) for name in spec.details]


def _summary(spec: EventSpec, get, index) -> str:
    values = {name: _plain(get(f"ev{index}.d.{name}")) or "not recorded" for name in spec.details}
    try:
        return spec.summary.format_map(values)
    except (KeyError, IndexError, ValueError):
        return spec.summary


def _details(pairs) -> str | None:
    return records_details(pairs)


def records_details(pairs) -> str | None:
    """``key=value;...`` for the details column (None when empty)."""
    from chronos.ingest.sheets import join_details

    return join_details(pairs) or None
