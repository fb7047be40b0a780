"""Helpers shared by the published-format ingesters (FHIR, CIN census, SSDA903).

Kept small and private: ISO and UK date parsing for machine-written formats, safe XML
opening, a collector that turns event dicts into the events table with stable ids, and
a person-record builder. Nothing here knows about one format in particular.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date as _date
from pathlib import Path

from chronos import model
from chronos.errors import Issue, ManifestError

_ISO = re.compile(
    r"^\s*(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?[^\s]*)?)?)?\s*$")
_UK = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")


@dataclass(frozen=True)
class Day:
    """A parsed machine-written date: ISO day, its precision and the clock time if any."""

    date: str
    precision: str = "day"
    time: str | None = None


class BadDate(ValueError):
    """A date string that is not a real date in the expected layout."""


def iso_day(text: str | None) -> Day | None:
    """Parse an ISO 8601 date or dateTime (FHIR, XML): ``None`` for empty text.

    ``2015-10-20T11:01:22-07:00`` gives day 2015-10-20 and time 11:01:22 (the local
    time as recorded, the offset is not applied); ``2016-05`` has month precision.
    Raises :class:`BadDate` for anything else.
    """
    if text is None or not str(text).strip():
        return None
    match = _ISO.match(str(text))
    if not match:
        raise BadDate(f"not an ISO date: {text!r}")
    year, month, day, hour, minute, second = match.groups()
    precision = "day" if day else "month" if month else "year"
    _checked(int(year), int(month or 1), int(day or 1), text)
    iso = f"{year}-{month or '01'}-{day or '01'}"
    clock = f"{hour}:{minute}:{second}" if second else f"{hour}:{minute}" if hour else None
    return Day(iso, precision, clock)


def uk_or_iso_day(text: str | None) -> Day | None:
    """Parse ``DD/MM/YYYY`` (UK day-first) or ISO ``YYYY-MM-DD``: ``None`` for empty.
    A whole day written another way once the table went through a spreadsheet
    (``11-12-2018``, ``11.12.2018``, ``11/12/2018 00:00``) is read day-first by
    :func:`chronos.dates.parse_date`; anything less than a day raises :class:`BadDate`."""
    if text is None or not str(text).strip():
        return None
    match = _UK.match(str(text))
    if match:
        day, month, year = (int(part) for part in match.groups())
        _checked(year, month, day, text)
        return Day(f"{year:04d}-{month:02d}-{day:02d}")
    try:
        return iso_day(text)
    except BadDate:
        from chronos.dates import parse_date

        parsed = parse_date(str(text), dayfirst=True)
        if parsed.error is None and parsed.precision == "day" and not parsed.uncertain \
                and parsed.end_date is None:
            return Day(parsed.date, "day", parsed.time)
        raise BadDate(f"not a date as DD/MM/YYYY: {text!r}"
                      + (f" ({parsed.message})" if parsed.message else "")) from None


def _checked(year: int, month: int, day: int, text: str) -> None:
    try:
        _date(year, month, day)
    except ValueError as exc:
        raise BadDate(f"impossible date {text!r}: {exc}") from None


#: What a reader does with a date after the case's as-of date (manifest ``future_dates:``).
FUTURE_POLICIES = ("quarantine", "warn")


class FutureDates:
    """The one future-date policy every ingester applies (``date.future``).

    A date after the as-of date (the source's ``as_of`` option, which a case sets from its
    manifest; today when there is none) is not a fact yet: under ``quarantine`` (the
    default) the record, or the part of a record, that carries it goes to quarantine;
    under ``warn`` it stays data with a warning. Dates that are meant to be in the future
    (an unborn child's expected date of birth) are not checked.
    """

    def __init__(self, source):
        options = getattr(source, "options", None) or {}
        self.label = getattr(source, "file_label", "")
        self.as_of = iso_as_of(options.get("as_of"))
        policy = str(options.get("future_dates") or "quarantine").strip().lower()
        if policy not in FUTURE_POLICIES:
            raise ManifestError(f"future_dates must be one of {', '.join(FUTURE_POLICIES)}, "
                                f"not {policy!r}", file=self.label, column="future_dates")
        self.policy = policy

    @property
    def quarantines(self) -> bool:
        """True when a future date takes its record (or part) to quarantine."""
        return self.policy == "quarantine"

    def is_future(self, day: "Day | str | None") -> bool:
        """True when ``day`` (a :class:`Day` or an ISO text) is after the as-of date."""
        text = day.date if isinstance(day, Day) else day
        return bool(text) and str(text)[:10] > self.as_of

    def issue(self, ref: str, column: str, value: object, *, part_of: str | None = None,
              label: str | None = None) -> Issue:
        """The ``date.future`` issue: an error (quarantine) or a warning (warn).
        ``part_of``: the record that stays data when only a part of it (an event, a
        date of birth) is quarantined."""
        severity = "error" if self.quarantines else "warning"
        kept = "quarantined" if self.quarantines else "kept (future_dates: warn)"
        extra = {"part_of": part_of} if part_of is not None and self.quarantines else {}
        return Issue("date.future", f"the date is after the as-of date {self.as_of}: {kept}",
                     label or self.label, ref, column, "" if value is None else str(value),
                     severity=severity, extra=extra)


def iso_as_of(value: object) -> str:
    """The as-of date as ISO text (a date, or text starting with one); today if none."""
    if value in (None, ""):
        return _date.today().isoformat()
    if isinstance(value, _date):
        return value.isoformat()[:10]
    return str(value)[:10]


def age_on(dob: str | None, day: str | None) -> int | None:
    """Whole years between two ISO dates (``None`` when either is unknown)."""
    if not dob or not day:
        return None
    born, on = _date.fromisoformat(dob), _date.fromisoformat(day)
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def clean(value: object) -> str:
    """A value fit for a ``key=value;...`` details string (no separators, trimmed)."""
    text = "" if value is None else str(value).strip()
    return text.replace(";", ",").replace("=", ":").replace("\n", " ")


def details(**facts: object) -> str:
    """``key=value;key=value`` from the non-empty facts, in the order given."""
    return ";".join(f"{key}={clean(val)}" for key, val in facts.items()
                    if val not in (None, "", [], ()))


class EventRows:
    """Collects events for one source and builds the events table.

    Event ids come from :func:`model.make_event_id` with an ordinal counted per
    ``source_ref``, so the same input always gives the same ids.
    """

    def __init__(self, source_format: str, source_file: str, agency: str = ""):
        self.source_format = source_format
        self.source_file = source_file
        self.agency = agency
        self.rows: list[dict] = []
        self._ordinals: dict[str, int] = {}
        self._vocab = model.vocabulary()

    def add(self, source_ref: str, event_type: str, day: Day | None, *, person_ids: str = "",
            summary: str = "", outcome: str = "", details: str = "", end_date: str | None = None,
            source_org: str = "", value: float | None = None, uncertain: bool = False) -> None:
        """Add one event; ``day`` None keeps it undated (precision ``unknown``)."""
        if event_type not in self._vocab:
            raise ValueError(f"event type {event_type!r} is not in the vocabulary")
        ordinal = self._ordinals.get(source_ref, 0)
        self._ordinals[source_ref] = ordinal + 1
        iso = day.date if day else None
        self.rows.append({
            "event_id": model.make_event_id(self.source_file, source_ref, event_type, iso,
                                            ordinal),
            "date": iso, "date_precision": day.precision if day else "unknown",
            "date_uncertain": uncertain, "time": day.time if day else None,
            "end_date": end_date, "person_ids": person_ids, "agency": self.agency,
            "source_org": source_org or None, "event_type": event_type,
            "categories": self._vocab.categories_for(event_type), "summary": summary,
            "outcome": outcome or None, "value": value, "details": details or None,
            "source_format": self.source_format, "source_file": self.source_file,
            "source_ref": source_ref,
        })

    def forget(self, source_ref: str) -> None:
        """Start the ordinals of ``source_ref`` again (its events were taken back)."""
        self._ordinals.pop(source_ref, None)

    def frame(self):
        """The events table, sorted by date, then source order (deterministic)."""
        table = model.conform(self.rows, "events") if self.rows else model.empty("events")
        if len(table):
            table["_order"] = range(len(table))
            table = table.sort_values(["date", "_order"], na_position="last", kind="stable")
            table = table.drop(columns="_order").reset_index(drop=True)
        return table


def person_frame(rows: list[dict]):
    """The persons table (contract columns plus ``record_key``), sorted by record key."""
    if not rows:
        frame = model.empty("persons")
        frame[model.PERSON_RECORD_KEY] = frame["person_id"]
        return frame
    frame = model.conform(rows, "persons")
    return frame.sort_values(model.PERSON_RECORD_KEY, kind="stable").reset_index(drop=True)


def relationship_frame(rows: list[dict]):
    """The relationships table in record keys, sorted for determinism."""
    if not rows:
        return model.empty("relationships")
    frame = model.conform(rows, "relationships")
    return frame.sort_values(["person_a", "person_b", "kind"], kind="stable").reset_index(
        drop=True)


def reject_dtd(xml: bytes | Path, label: str) -> None:
    """Refuse XML with a DOCTYPE or entity declaration (entity-expansion attacks), and
    text or comments over the limits (:class:`chronos.ingest.guards.XmlScan`).

    Given a path, the whole file is scanned, so a DOCTYPE after a long comment in the
    prologue is found; given bytes, those bytes."""
    from chronos.ingest.guards import check_xml_file, scan_xml

    if isinstance(xml, (str, Path)):
        check_xml_file(Path(xml), label)
    else:
        scan_xml([xml], label)


def local_name(tag: str) -> str:
    """An XML tag without its namespace."""
    return tag.rsplit("}", 1)[-1]


def issue(code: str, message: str, source_file: str, source_ref: str = "", *,
          column: str = "", value: object = "", severity: str = "warning") -> Issue:
    """An :class:`Issue` with the value as text."""
    return Issue(code=code, message=message, source_file=source_file, source_ref=source_ref,
                 column=column, value="" if value is None else str(value), severity=severity)


def text_head(path: Path, head: bytes) -> str:
    """The head of a file as text (BOM stripped), for sniffing."""
    return head.decode("utf-8-sig", errors="replace").lstrip()
