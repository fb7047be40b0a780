"""SSDA903 (looked-after children): the CSV tables, and the DfE's XML return.

Each CSV file is one table of the return, recognised by its header columns (see
:data:`TABLES`): Header, Episodes, Missing, Reviews, UASC, AD1, PlacedAdoption, PrevPerm,
social worker episodes, OC2, OC3 and DoLo (deprivation of liberty orders). ``source_ref``
is the 1-based data row. The XML return (:mod:`chronos.ingest.ssda903_xml`) holds the same
tables child by child; each group is read as the row of its table.

- Header -> a person record per child (CHILD, SEX 1/2, DOB, UPN) and a birth event.
- Episodes -> ``looked_after_start`` (RNE S), ``placement_change`` (P, T, U, B) or
  ``legal_status_change`` (L) on DECOM, and ``looked_after_end`` on DEC unless the
  reason ceased is X1 (a new episode follows on the same day).
- Missing -> ``missing_episode`` from MIS_START with MIS_END as ``end_date``.
- Reviews -> ``looked_after_review``; AD1 / PlacedAdoption -> ``adoption`` events;
  PrevPerm, UASC -> ``other``; social worker episodes -> ``worker_change``.
- DoLo -> ``legal_order`` on DOLO_START (DOLO_END as ``end_date``) and on DOLO_END.
- OC2 and OC3 carry no event dates: their rows are counted as skipped.

Dates are UK day-first ``DD/MM/YYYY`` or ISO; ``Zz`` for an unknown day or month (used
in PrevPerm) gives month or year precision.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

from chronos.datafiles import data_text
from chronos.errors import Issue, SourceError
from chronos.ingest._common import (BadDate, Day, EventRows, FutureDates, details, issue,
                                    person_frame, relationship_frame, uk_or_iso_day)
from chronos.ingest.base import Ingester, Source, SourceResult, read_head, register
from chronos.ingest.sheets import read_csv_rows

FORMAT = "ssda903"
#: table name -> columns that identify it (checked in this order)
TABLES = {
    "episodes": {"CHILD", "DECOM", "RNE", "LS"},
    "missing": {"CHILD", "MIS_START"},
    "reviews": {"CHILD", "REVIEW"},
    "ad1": {"CHILD", "DATE_INT", "DATE_MATCH"},
    "placed_adoption": {"CHILD", "DATE_PLACED"},
    "prev_perm": {"CHILD", "PREV_PERM"},
    "social_worker": {"CHILD", "SW_ID", "SW_DECOM"},
    "header": {"CHILD", "SEX", "DOB", "ETHNIC"},
    "uasc": {"CHILD", "DUC"},
    "oc2": {"CHILD", "SDQ_SCORE"},
    "oc3": {"CHILD", "IN_TOUCH"},
    "dolo": {"CHILD", "DOLO_START"},
}
SEX = {"1": "M", "2": "F"}
_PARTIAL = re.compile(r"^\s*(Zz|\d{1,2})/(Zz|\d{1,2})/(\d{4})\s*$", re.IGNORECASE)
_UNKNOWN = re.compile(r"^\s*Z{1,2}/Z{1,2}/Z{2,4}\s*$", re.IGNORECASE)


@lru_cache(maxsize=1)
def codes() -> dict:
    """SSDA903 code lists (``chronos/data/ssda903_codes.yaml``)."""
    import yaml

    text = data_text("ssda903_codes.yaml")
    return {name: {str(k): v for k, v in table.items()}
            for name, table in yaml.safe_load(text).items()}


def _label(table: str, code: str) -> str:
    return f"{code} {codes()[table][code]}" if code in codes()[table] else code


def identify(columns: list[str]) -> str | None:
    """The SSDA903 table a header row belongs to, or None."""
    present = {c.strip().upper() for c in columns}
    return next((name for name, need in TABLES.items() if need <= present), None)


def read_rows(path: Path, label: str, encoding: str | None = None) -> tuple[list[str],
                                                                              list[dict]]:
    """The header and the rows of a CSV table (see :func:`read_table`)."""
    header, rows, _ = read_table(path, label, encoding)
    return header, rows


def read_table(path: Path, label: str, encoding: str | None = None):
    """``(header, rows, warnings)`` of a CSV table, decoded by the policy of
    :mod:`chronos.ingest.encoding` (warnings name the bytes that did not decode)."""
    table = read_csv_rows(path, label, encoding, delimiter=",")
    header = [c.strip().upper() for c in (table[0] if table else [])]
    rows = [dict(zip(header, (v.strip() for v in values)), _width=len(values))
            for values in table[1:]]
    return header, rows, table.issues


class Ssda903Reader:
    """Reads one SSDA903 table into persons and events."""

    def __init__(self, source: Source):
        self.source, self.label = source, source.file_label
        self.events = EventRows(FORMAT, self.label, source.agency)
        self.persons: dict[str, dict] = {}
        self.warnings: list[Issue] = []
        self.quarantine: list[Issue] = []
        self.skipped: dict[str, int] = {}
        self.future = FutureDates(source)
        self._future_cell: tuple[str, str] | None = None   # (column, text) of this row

    def read(self) -> SourceResult:
        """Recognise the table, then turn each row into events and person records (the
        XML return: every group of every child, :mod:`chronos.ingest.ssda903_xml`)."""
        if _is_xml(self.source.path):
            return self._read_xml()
        header, rows, decoding = read_table(self.source.path, self.label,
                                            self.source.options.get("encoding"))
        self.warnings.extend(decoding)
        table = identify(header)
        if table is None:
            raise SourceError("not an SSDA903 table: header columns match no known table",
                              file=self.label, row=1,
                              hint="known tables: " + ", ".join(TABLES))
        handler = getattr(self, f"_{table}")
        to_data = sum(self._row(handler, table, row, number, len(header))
                      for number, row in enumerate(rows, start=1))
        return SourceResult(
            source=self.source, format=FORMAT, events=self.events.frame(),
            persons=person_frame(list(self.persons.values())),
            relationships=relationship_frame([]), quarantine=self.quarantine,
            warnings=self.warnings, records_read=len(rows), records_to_data=to_data,
            records_skipped=dict(sorted(self.skipped.items())))

    def _read_xml(self) -> SourceResult:
        from chronos.ingest.ssda903_xml import read_xml

        self.records_read = self.records_to_data = 0
        read_xml(self)
        return SourceResult(
            source=self.source, format=FORMAT, events=self.events.frame(),
            persons=person_frame(list(self.persons.values())),
            relationships=relationship_frame([]), quarantine=self.quarantine,
            warnings=self.warnings, records_read=self.records_read,
            records_to_data=self.records_to_data,
            records_skipped=dict(sorted(self.skipped.items())), info={"layout": "xml"})

    def xml_row(self, table: str | None, row: dict, ref: str) -> None:
        """One group of the XML return, as the row of its CSV table."""
        self.records_read += 1
        table = table or identify(list(row))
        if table is None:
            self.warnings.append(issue("ssda903.unknown_group", "an XML group with no "
                                       "SSDA903 table's elements; not read", self.label, ref,
                                       value=",".join(sorted(row))))
            self._skip("ssda903.unknown_group")
            return
        if not row.get("CHILD"):
            self.quarantine.append(issue("ssda903.no_child", "the child has no CHILDID",
                                         self.label, ref, column="CHILDID", severity="error"))
            return
        if table in ("oc2", "oc3"):
            self._skip(f"{table}.no_dated_events")
            return
        self.records_to_data += self.record(getattr(self, f"_{table}"), row, ref)

    def _row(self, handler, table: str, row: dict, number: int, width: int) -> int:
        ref = str(number)
        if not any(v for k, v in row.items() if k != "_width"):
            return self._skip("blank_row")
        if row["_width"] != width:
            self.warnings.append(issue("csv.row_width", f"row has {row['_width']} cells, the "
                                       f"header {width}", self.label, ref))
        if not row.get("CHILD"):
            self.quarantine.append(issue("ssda903.no_child", "row has no CHILD id",
                                         self.label, ref, column="CHILD", severity="error"))
            return 0
        if table in ("oc2", "oc3"):
            return self._skip(f"{table}.no_dated_events")
        return self.record(handler, row, ref)

    def record(self, handler, row: dict, ref: str) -> int:
        """Run one record's handler; a record with a future date (policy ``quarantine``)
        leaves nothing behind and goes to quarantine whole: 1 when it became data."""
        made, key = len(self.events.rows), f"{self.source.name}:{row['CHILD']}"
        new_person = key not in self.persons
        self._future_cell = None
        handler(row, ref, self._person(row, ref))
        if self._future_cell is None:
            return 1
        del self.events.rows[made:]
        self.events.forget(ref)
        if new_person:
            self.persons.pop(key, None)
        column, text = self._future_cell
        self.quarantine.append(self.future.issue(ref, column, text))
        return 0

    def _skip(self, reason: str) -> int:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1
        return 0

    def _person(self, row: dict, ref: str) -> str:
        key = f"{self.source.name}:{row['CHILD']}"
        if key not in self.persons:
            dob = self.day(row.get("DOB"), ref, "DOB")
            self.persons[key] = {
                "record_key": key, "person_id": key, "la_child_id": row["CHILD"],
                "upn": row.get("UPN") or None, "dob": dob.date if dob else None,
                "dob_precision": dob.precision if dob else None,
                "sex": SEX.get(row.get("SEX", "")), "role": "child",
                "agency": self.source.agency, "source_format": FORMAT,
                "source_file": self.label, "source_ref": ref}
        return key

    def day(self, text: str | None, ref: str, column: str) -> Day | None:
        """A 903 date (DD/MM/YYYY, ISO, or with Zz parts); bad ones warn and give None.
        ``Zz/Zz/Zzzz`` is the return's way of saying the date is not known: undated."""
        if _UNKNOWN.match(text or ""):
            return None
        try:
            return _partial(text) or uk_or_iso_day(text)
        except BadDate as exc:
            self.warnings.append(issue("date.invalid", str(exc), self.label, ref,
                                       column=column, value=text))
            return None

    @staticmethod
    def _unreadable(text: str) -> BadDate | None:
        try:
            _partial(text) or uk_or_iso_day(text)
        except BadDate as exc:
            return exc
        return None

    def _bad_event_date(self, ref: str, column: str, text: str) -> Issue:
        """The event a date cell dates, quarantined when the date cannot be read (the rest
        of the record stays data): an event with no date would sit outside every period."""
        found = issue("date.invalid", f"{self._unreadable(text)}: the event it dates is "
                      "quarantined", self.label, ref, column=column, value=text,
                      severity="error")
        found.extra["part_of"] = ref
        return found

    def add(self, row: dict, ref: str, key: str, column: str, event_type: str, summary: str,
            **extra) -> Day | None:
        """Add the event dated by ``column`` when the cell is filled."""
        if not row.get(column):
            return None
        if not _UNKNOWN.match(row[column]) and self._unreadable(row[column]):
            self.quarantine.append(self._bad_event_date(ref, column, row[column]))
            return None
        day = self.day(row[column], ref, column)
        if self.future.is_future(day):
            if self.future.quarantines:
                self._future_cell = self._future_cell or (column, row[column])
                return None
            self.warnings.append(self.future.issue(ref, column, row[column]))
        self.events.add(ref, event_type, day, person_ids=key, summary=summary, **extra)
        return day

    # ------------------------------------------------------------------ tables

    def _header(self, row: dict, ref: str, key: str) -> None:
        self.add(row, ref, key, "DOB", "birth", "Born")
        self.add(row, ref, key, "MC_DOB", "birth", "Birth of the young person's own child")

    def _episodes(self, row: dict, ref: str, key: str) -> None:
        rne, rec = row.get("RNE", "").upper(), row.get("REC", "").upper()
        event_type = {"S": "looked_after_start", "L": "legal_status_change"}.get(
            rne, "placement_change")
        facts = details(RNE=rne, LS=row.get("LS"), CIN=row.get("CIN"), PLACE=row.get("PLACE"),
                        PLACE_PROVIDER=row.get("PLACE_PROVIDER"),
                        REASON_PLACE_CHANGE=row.get("REASON_PLACE_CHANGE"), URN=row.get("URN"))
        end = self.day(row.get("DEC"), ref, "DEC") if row.get("DEC") else None
        self.add(row, ref, key, "DECOM", event_type, _label("rne", rne) or "New episode",
                 details=facts, end_date=end.date if end else None)
        if row.get("DEC") and rec != "X1":
            self.add(row, ref, key, "DEC", "looked_after_end", "Ceased to be looked after",
                     outcome=_label("rec", rec), details=details(REC=rec, LS=row.get("LS")))

    def _missing(self, row: dict, ref: str, key: str) -> None:
        end = self.day(row.get("MIS_END"), ref, "MIS_END") if row.get("MIS_END") else None
        kind = row.get("MISSING", "").upper()
        self.add(row, ref, key, "MIS_START", "missing_episode",
                 codes()["missing"].get(kind, "Missing from placement"),
                 end_date=end.date if end else None, details=details(MISSING=kind))

    def _reviews(self, row: dict, ref: str, key: str) -> None:
        self.add(row, ref, key, "REVIEW", "looked_after_review", "Looked-after child review",
                 details=details(REVIEW_CODE=row.get("REVIEW_CODE")))

    def _ad1(self, row: dict, ref: str, key: str) -> None:
        self.add(row, ref, key, "DATE_INT", "adoption",
                 "Decision that the child should be placed for adoption")
        self.add(row, ref, key, "DATE_MATCH", "adoption", "Matched with prospective adopters")

    def _placed_adoption(self, row: dict, ref: str, key: str) -> None:
        self.add(row, ref, key, "DATE_PLACED", "adoption", "Placed for adoption")
        self.add(row, ref, key, "DATE_PLACED_CEASED", "adoption", "Adoption placement ceased",
                 outcome=row.get("REASON_PLACED_CEASED", ""))

    def _prev_perm(self, row: dict, ref: str, key: str) -> None:
        self.add(row, ref, key, "DATE_PERM", "other",
                 f"Previous permanence order ({row.get('PREV_PERM', '')})",
                 details=details(PREV_PERM=row.get("PREV_PERM"), LA_PERM=row.get("LA_PERM")))

    def _social_worker(self, row: dict, ref: str, key: str) -> None:
        self.add(row, ref, key, "SW_DECOM", "worker_change", "Social worker allocated",
                 details=details(SW_ID=row.get("SW_ID"), SW_REASON=row.get("SW_REASON")))

    def _uasc(self, row: dict, ref: str, key: str) -> None:
        self.add(row, ref, key, "DUC", "other",
                 "Ceased to be an unaccompanied asylum-seeking child")

    def _dolo(self, row: dict, ref: str, key: str) -> None:
        end = self.day(row.get("DOLO_END"), ref, "DOLO_END") if row.get("DOLO_END") else None
        self.add(row, ref, key, "DOLO_START", "legal_order",
                 "Deprivation of liberty order (DoLO) started",
                 end_date=end.date if end else None)
        self.add(row, ref, key, "DOLO_END", "legal_order",
                 "Deprivation of liberty order (DoLO) ended")

    def _oc2(self, row: dict, ref: str, key: str) -> None:   # rows are skipped before this
        return None

    _oc3 = _oc2


def _is_xml(path: Path) -> bool:
    """True when the file is XML (an SSDA903 XML return) rather than a CSV table."""
    return read_head(path, 512).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _partial(text: str | None) -> Day | None:
    """``Zz/MM/YYYY`` or ``Zz/Zz/YYYY`` (unknown day / month) as month or year precision."""
    match = _PARTIAL.match(text or "")
    if not match or "z" not in (text or "").lower():
        return None
    day, month, year = match.groups()
    if month.lower() == "zz":
        return Day(f"{year}-01-01", "year")
    if not 1 <= int(month) <= 12:
        raise BadDate(f"impossible month in {text!r}")
    return Day(f"{year}-{int(month):02d}-01", "month")


@register
class Ssda903Ingester(Ingester):
    """SSDA903 looked-after children CSV tables (Header, Episodes, Missing, Reviews, ...)."""

    name = FORMAT
    description = ("SSDA903 looked-after children: the CSV tables (Header, Episodes, Missing, "
                   "Reviews, UASC, AD1, PlacedAdoption, PrevPerm, OC2, OC3, SocialWorker, "
                   "DoLo) or the DfE's XML return")
    extensions = (".csv", ".xml")

    def sniff(self, path: Path, head: bytes) -> float:
        """High when the first line is the header of a known SSDA903 table, or the file
        is an SSDA903 XML return (children with a header and episodes)."""
        from chronos.ingest.ssda903_xml import is_903_xml

        text = head.decode("utf-8-sig", errors="replace")
        if text.lstrip().startswith("<"):
            return 0.95 if is_903_xml(text) else 0.0
        first = text.splitlines()[:1]
        if not first:
            return 0.0
        columns = next(csv.reader(first), [])
        return 0.9 if identify(columns) else 0.0

    def read(self, source: Source) -> SourceResult:
        """Read one SSDA903 table."""
        return Ssda903Reader(source).read()
