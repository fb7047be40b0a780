"""Dates: the one module that reads every date in chronos.

:func:`parse_date` reads one value (text, number, ``datetime``/``date``/``Timestamp``)
into a :class:`ParsedDate`: an ISO date (partial dates as their first day), its
precision (``day`` | ``month`` | ``year`` | ``unknown``), whether it was marked
uncertain, the time of day when the source has one, the end of a range, or an error
code (``date.empty``, ``date.unparseable``, ``date.impossible``, ``date.implausible``,
``date.range_reversed``) with a message.

:func:`parse_column` reads a whole column: each distinct value is read once, the common
all-digit shapes (``22/05/2016``, ``2016-05-22 14:30``) are read vectorised, and the
column's day/month order is decided from the values themselves (UK day-first unless the
values only make sense month-first, which is reported, never silent).

The rules are documented in ``docs/dates.md``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from chronos.errors import Issue

#: Two-digit years below the pivot are 20xx, the others 19xx: ``16`` -> 2016, ``85`` -> 1985.
#: Events in a child's records fall in 2000-2039; parents' and grandparents' dates of
#: birth in 1940-1999. Fixed (not relative to today) so that output is reproducible.
TWO_DIGIT_YEAR_PIVOT = 40
#: Years outside this range are reported as ``date.implausible`` (typos like 0216).
MIN_YEAR, MAX_YEAR = 1800, 2199
#: Excel serial numbers read as dates: 1910-01-01 .. 2099-12-31.
EXCEL_MIN_SERIAL, EXCEL_MAX_SERIAL = 3654, 73050
EXCEL_EPOCH = dt.date(1899, 12, 30)
#: Local time zone for date-times written with an offset (``Z``, ``+01:00``).
LOCAL_ZONE = "Europe/London"

EMPTY, UNPARSEABLE, IMPOSSIBLE = "date.empty", "date.unparseable", "date.impossible"
IMPLAUSIBLE, RANGE_REVERSED = "date.implausible", "date.range_reversed"
MONTH_FIRST, MIXED_ORDER = "date.month_first", "date.mixed_order"

EMPTY_WORDS = frozenset({
    "", "#n/a", "n/a", "na", "n.a.", "nan", "nat", "null", "none", "nil", "-", "--", "?",
    "unknown", "not known", "nk", "n/k", "not recorded", "#value!", "00/00/0000",
    "0000-00-00", "00/00/00", "00.00.0000", "0",
})

# English names, not the locale's (calendar.month_name follows the locale).
MONTH_NAME = ["", "January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"]
MONTH_ABBR = [name[:3] for name in MONTH_NAME]
MONTHS = {name.lower(): number for number, name in enumerate(MONTH_NAME) if name}
MONTHS.update({name.lower(): number for number, name in enumerate(MONTH_ABBR) if name})
MONTHS["sept"] = 9


@dataclass(frozen=True, slots=True)
class ParsedDate:
    """One date as read: ISO date (first day for partial dates), precision, uncertainty,
    time (``HH:MM`` or ``HH:MM:SS``), end of a range (ISO, the last day it covers), or an
    error code and message (then ``date`` is None and precision ``unknown``)."""

    date: str | None = None
    precision: str = "unknown"
    uncertain: bool = False
    time: str | None = None
    end_date: str | None = None
    error: str | None = None
    message: str | None = None

    @property
    def ok(self) -> bool:
        """True when a date was read."""
        return self.error is None


FIELDS = ("date", "precision", "uncertain", "time", "end_date", "error", "message")


# --------------------------------------------------------------------------- scanning
# Reading happens in two steps. ``_scan`` turns text into parts (numbers as written,
# day-first) without deciding the day/month order; ``_finish`` applies the order,
# validates and formats. A column is scanned once per distinct value, its order decided
# from the scans, then finished.


@dataclass(slots=True)
class _Part:
    """One date as written: day-first numbers, not yet validated."""

    year: int
    month: int = 0
    day: int = 0
    precision: str = "day"
    swappable: bool = False          # all-digit d/m/y: the order is the column's
    time: tuple | None = None        # (hour, minute, second or None)
    offset: int | None = None        # minutes east of UTC, when written


@dataclass(slots=True)
class _Scan:
    start: _Part | None = None
    end: _Part | None = None
    uncertain: bool = False
    note: str | None = None
    error: str | None = None
    message: str | None = None


_TIME = (r"(?:\s*(?:t|\s|,|\bat\b)\s*(?P<hh>\d{1,2})(?:[:.](?P<mi>\d{2})"
         r"(?:[:.](?P<ss>\d{2})(?:[.,]\d+)?)?)?\s*(?P<ampm>[ap]\.?m\.?)?"
         r"\s*(?P<tz>z|utc|gmt|[+-]\d{2}(?::?\d{2})?)?)?")
_SEP = r"\s*[./\-\\,]\s*|\s+"
_ORD = r"(?:st|nd|rd|th)?"
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s*)?"
_MON = r"(?P<mon>[a-z]{3,9})\.?"

_PATTERNS = [
    ("dmy", rf"(?P<d>\d{{1,2}})(?:{_SEP})(?P<m>\d{{1,2}})(?:{_SEP})(?P<y>\d{{4}}|\d{{2}}){_TIME}"),
    ("ymd", rf"(?P<y>\d{{4}})\s*[-/.]\s*(?P<m>\d{{1,2}})\s*[-/.]\s*(?P<d>\d{{1,2}}){_TIME}"),
    ("compact", r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"),
    ("number", r"(?P<num>\d+(?:\.\d*)?)"),
    ("d_mon_y", rf"{_WEEKDAY}(?P<d>\d{{1,2}}){_ORD}(?:{_SEP}|)(?:of\s+)?{_MON}"
                rf"(?:{_SEP}|)(?P<y>\d{{4}}|\d{{2}}){_TIME}"),
    ("mon_d_y", rf"{_WEEKDAY}{_MON}(?:{_SEP})(?P<d>\d{{1,2}}){_ORD}(?:{_SEP})(?P<y>\d{{4}}){_TIME}"),
    ("y_mon_d", rf"(?P<y>\d{{4}})(?:{_SEP}){_MON}(?:{_SEP})(?P<d>\d{{1,2}}){_TIME}"),
    ("mon_y", rf"{_MON}(?:{_SEP}|\s*'|)(?P<y>\d{{4}}|\d{{2}})"),
    ("y_mon", rf"(?P<y>\d{{4}})(?:{_SEP}){_MON}"),
    ("m_y", r"(?P<m>\d{1,2})\s*[./\-\\]\s*(?P<y>\d{4})"),
    ("y_m", r"(?P<y>\d{4})\s*[-/.]\s*(?P<m>\d{1,2})"),
]
_COMPILED = [(kind, re.compile(pattern)) for kind, pattern in _PATTERNS]

_QUALIFIER = re.compile(
    r"^(?P<word>\?|~|circa|cal(?:culated|c)?\.?|ca\.?|c\.|c(?=\s|\d)|approx(?:imately|\.)?|"
    r"abt\.?|about|around|est(?:imated|\.)?|bef(?:ore|\.)?|aft(?:er|\.)?|int\.?)\s*")
_TRAILING = re.compile(r"\s*(?:\?|\((?:approx|est|estimated|circa|\?)\.?\)|approx\.?|est\.?)$")
_BETWEEN = re.compile(r"^(?:bet|between|btw)\.?\s+(?P<a>.+?)\s+(?:and|&)\s+(?P<b>.+)$")
_FROM_TO = re.compile(r"^from\s+(?P<a>.+?)\s+(?:to|until|till)\s+(?P<b>.+)$")
_FROM = re.compile(r"^(?:from|since)\s+(?P<a>.+)$")
_TO = re.compile(r"^(?:to|until|till)\s+(?P<a>.+)$")
_RANGE = re.compile(r"^(?P<a>.+?)(?:\s+[-\u2013\u2014]+\s+|\s*[\u2013\u2014]\s*|\s+(?:to|until|till)\s+)"
                    r"(?P<b>.+)$")
_QUALIFIER_NOTES = {"bef": "before", "aft": "after"}
# a day (and month) written as not known: "?/04/2022", "xx/04/22", "00.04.2022", "??/??/2022"
_NOT_KNOWN = r"(?:\?{1,2}|x{1,2}|-{1,2}|00|uk|nk)\s*[./\-]\s*"
_UNKNOWN_DAY = re.compile(rf"^{_NOT_KNOWN}(?P<m>\d{{1,2}})\s*[./\-]\s*(?P<y>\d{{4}}|\d{{2}})$")
_UNKNOWN_DAY_MONTH = re.compile(rf"^{_NOT_KNOWN}{_NOT_KNOWN}(?P<y>\d{{4}})$")
_NOTE_MESSAGES = {
    "before": "recorded as before this date",
    "after": "recorded as after this date",
    "from": "recorded as from this date (an open-ended period)",
    "to": "recorded as up to this date (the start is not known)",
}


def _expand_year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        return year + (2000 if year < TWO_DIGIT_YEAR_PIVOT else 1900)
    return year


def _month_number(name: str) -> int:
    number = MONTHS.get(name)
    if number is None and len(name) >= 3:
        number = next((n for n, full in enumerate(MONTH_NAME)
                       if full and full.lower().startswith(name)), None)
    return number or 0


def _time_of(match: re.Match) -> tuple[tuple | None, int | None, str | None]:
    """(time, offset minutes, error) from the optional time group of a match."""
    hh = match.groupdict().get("hh")
    if hh is None:
        return None, None, None
    mi, ss, ampm, tz = match["mi"], match["ss"], match["ampm"], match["tz"]
    if mi is None and not ampm:
        return None, None, "a time needs minutes or am/pm"
    hour, minute = int(hh), int(mi or 0)
    if ampm:
        if not 1 <= hour <= 12:
            return None, None, f"{hour} is not an hour on a 12-hour clock"
        hour = hour % 12 + (12 if ampm.startswith("p") else 0)
    second = int(ss) if ss is not None else None
    if hour > 23 or minute > 59 or (second or 0) > 59:
        return None, None, f"{hh}:{mi} is not a time of day"
    return (hour, minute, second), _offset_minutes(tz), None


def _offset_minutes(tz: str | None) -> int | None:
    if tz is None:
        return None
    if tz in ("z", "utc", "gmt"):
        return 0
    digits = tz[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:4] or 0)
    return -minutes if tz[0] == "-" else minutes


def _part_from_match(kind: str, match: re.Match) -> _Part | str:
    """A part from a pattern match, or an error message."""
    if kind == "number":
        return _part_from_number(float(match["num"]), match["num"])
    groups = match.groupdict()
    year = _expand_year(groups["y"])
    if "mon" in groups and groups["mon"] is not None:
        month = _month_number(groups["mon"])
        if not month:
            return f"{groups['mon']!r} is not a month"
    else:
        month = int(groups["m"])
    if groups.get("d") is None:
        return _Part(year, month, 0, "month")
    time, offset, problem = _time_of(match) if "hh" in groups else (None, None, None)
    if problem:
        return problem
    return _Part(year, month, int(groups["d"]), "day", kind == "dmy", time, offset)


def _part_from_number(number: float, text: str | None = None) -> _Part | str:
    """A year (1800-2199, whole) or an Excel serial number (with a time if fractional)."""
    if number != number or number in (math.inf, -math.inf):
        return "not a number"
    if number == int(number) and MIN_YEAR <= number <= MAX_YEAR:
        return _Part(int(number), 0, 0, "year")
    if text is not None and len(text) == 4 and text.isdigit():  # a year; _validate judges it
        return _Part(int(text), 0, 0, "year")
    if not EXCEL_MIN_SERIAL <= number < EXCEL_MAX_SERIAL + 1:
        return (f"the number {text or number} is neither a year nor an Excel date "
                f"(serials {EXCEL_MIN_SERIAL}-{EXCEL_MAX_SERIAL})")
    day = EXCEL_EPOCH + dt.timedelta(days=int(number))
    seconds = round((number - int(number)) * 86400)
    time = None
    if seconds:
        seconds = min(seconds, 86399)
        time = (seconds // 3600, seconds % 3600 // 60, seconds % 60 or None)
    return _Part(day.year, day.month, day.day, "day", False, time)


def _scan_single(text: str) -> _Part | str:
    """One date (no range, no qualifier) from normalised text, or an error message."""
    for kind, pattern in _COMPILED:
        match = pattern.fullmatch(text)
        if match:
            return _part_from_match(kind, match)
    if re.search(r"[a-z]{3}", text):
        return _scan_dateutil(text)
    return "not a date chronos can read"


def _scan_dateutil(text: str) -> _Part | str:
    """Last resort for worded dates: accepted only when day, month and year are all written."""
    from dateutil import parser

    try:
        first = parser.parse(text, dayfirst=True, default=dt.datetime(2001, 1, 1))
        second = parser.parse(text, dayfirst=True, default=dt.datetime(2002, 2, 2))
    except (ValueError, OverflowError, TypeError, parser.ParserError):
        return "not a date chronos can read"
    if first.date() != second.date() or not re.search(r"(?<!\d)\d{4}(?!\d)", text):
        return "not a complete date (day, month and year are needed)"
    if not any(name in text for name in MONTHS):
        return "not a date chronos can read"
    time = None
    if first.time() != dt.time(0) and first.time() == second.time():
        time = (first.hour, first.minute, first.second or None)
    offset = None
    if first.utcoffset() is not None:
        offset = int(first.utcoffset().total_seconds() // 60)
    return _Part(first.year, first.month, first.day, "day", False, time, offset)


def _normalise(text: str) -> str:
    return " ".join(text.strip().lower().split())


def _strip_qualifiers(text: str) -> tuple[str, bool, str | None]:
    """Text without uncertainty markers, whether any were found, and a note (before/after)."""
    uncertain, note = False, None
    while True:
        match = _QUALIFIER.match(text)
        trailing = _TRAILING.search(text)
        if match and match.end() < len(text):
            word = match["word"].rstrip(".")
            note = _QUALIFIER_NOTES.get(word[:3], note)
            text, uncertain = text[match.end():], True
        elif trailing and trailing.start() > 0:
            text, uncertain = text[:trailing.start()], True
        else:
            return text.strip(), uncertain, note


@lru_cache(maxsize=131072)
def _scan_text(raw: str) -> _Scan:
    """Scan text into parts (cached: each distinct text is read once)."""
    text = _normalise(raw)
    if text in EMPTY_WORDS:
        return _Scan(error=EMPTY, message="no date")
    text = _known_parts(text)
    for pattern, uncertain in ((_BETWEEN, True), (_FROM_TO, False)):
        match = pattern.match(text)
        if match:
            return _scan_range(match["a"], match["b"], uncertain)
    text, uncertain, note = _strip_qualifiers(text)
    for pattern in (_FROM, _TO):
        match = pattern.match(text)
        if match:
            is_to = pattern is _TO
            text, uncertain, note = match["a"], uncertain or is_to, ("to" if is_to else "from")
    part = _scan_single(text)
    if isinstance(part, _Part):
        return _Scan(part, None, uncertain, note)
    ranged = _scan_split_range(text)
    if ranged is not None:
        ranged.uncertain = ranged.uncertain or uncertain
        return ranged
    return _Scan(error=UNPARSEABLE, message=part)


def _known_parts(text: str) -> str:
    """A date whose day (or day and month) is written as not known, as the month (or the
    year) it names: ``?/04/2022`` -> ``04/2022`` (precision month); else ``text``."""
    match = _UNKNOWN_DAY.match(text)
    if match:
        return f"{match['m']}/{_expand_year(match['y'])}"
    match = _UNKNOWN_DAY_MONTH.match(text)
    return match["y"] if match else text


def _scan_range(a: str, b: str, uncertain: bool) -> _Scan:
    start, end = _scan_text(a), _scan_text(b)
    for side in (start, end):
        if side.error:
            return _Scan(error=side.error, message=f"in range: {side.message}")
    return _Scan(start.start, end.start, uncertain or start.uncertain or end.uncertain)


def _scan_split_range(text: str) -> _Scan | None:
    """A range written with a dash or 'to' between two dates, or None."""
    match = _RANGE.match(text)
    candidates = [(match["a"], match["b"])] if match else []
    candidates += [(text[:i], text[i + 1:]) for i, ch in enumerate(text) if ch == "-"]
    for a, b in candidates:
        start, end = _scan_text(a), _scan_text(b)
        if not start.error and not end.error and start.end is None and end.end is None:
            return _Scan(start.start, end.start, start.uncertain or end.uncertain)
    return None


# --------------------------------------------------------------------------- finishing


def _finish(scan: _Scan, dayfirst: bool) -> ParsedDate:
    """Apply the day/month order, validate and format a scan."""
    if scan.error:
        return ParsedDate(error=scan.error, message=scan.message)
    start = _validate(scan.start, dayfirst)
    if isinstance(start, ParsedDate):
        return start
    iso, precision, time = start
    end_date = None
    if scan.end is not None:
        end = _validate(scan.end, dayfirst)
        if isinstance(end, ParsedDate):
            return end
        end_date = _last_day(end[0], end[1])
        if end_date < iso:
            return ParsedDate(error=RANGE_REVERSED,
                              message=f"the range ends ({end_date}) before it starts ({iso})")
    message = _NOTE_MESSAGES.get(scan.note) if scan.note else None
    return ParsedDate(iso, precision, scan.uncertain, time, end_date, None, message)


def _validate(part: _Part, dayfirst: bool) -> tuple[str, str, str | None] | ParsedDate:
    """(iso, precision, time) for a part read in the given order, or an error."""
    day, month = part.day, part.month
    if part.swappable and not dayfirst:
        day, month = month, day
    precision = part.precision
    if precision == "day" and day == 0 and 1 <= month <= 12:
        precision = "month"
    if not MIN_YEAR <= part.year <= MAX_YEAR:
        return ParsedDate(error=IMPLAUSIBLE, message=f"year {part.year} is outside {MIN_YEAR}-{MAX_YEAR}")
    if precision == "year":
        return f"{part.year:04d}-01-01", "year", None
    if not 1 <= month <= 12 or (precision == "day" and not 1 <= day <= _days_in(part.year, month)):
        return ParsedDate(error=IMPOSSIBLE, message=_impossible_message(part, day, month))
    if precision == "month":
        return f"{part.year:04d}-{month:02d}-01", "month", None
    return _with_time(part, dt.date(part.year, month, day))


def _impossible_message(part: _Part, day: int, month: int) -> str:
    if not 1 <= month <= 12:
        text = f"there is no month {month}"
    else:
        text = f"{day} {MONTH_NAME[month]} {part.year} does not exist"
    if part.swappable and 1 <= day <= 12 and 1 <= part.day <= _days_in(part.year, day):
        order = "month-first" if day == part.day else "day-first"
        text += f" (it would be valid read {order}; set dayfirst for this source)"
    return text


def _days_in(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1] if 1 <= month <= 12 else 0


def _with_time(part: _Part, day: dt.date) -> tuple[str, str, str | None]:
    if part.time is None:
        return day.isoformat(), "day", None
    hour, minute, second = part.time
    if part.offset is not None:
        local = _to_local(dt.datetime(day.year, day.month, day.day, hour, minute, second or 0), part.offset)
        day, hour, minute = local.date(), local.hour, local.minute
        second = local.second if second is not None else None
    elif hour == minute == (second or 0) == 0:
        return day.isoformat(), "day", None
    text = f"{hour:02d}:{minute:02d}" + (f":{second:02d}" if second is not None else "")
    return day.isoformat(), "day", text


def _to_local(moment: dt.datetime, offset_minutes: int) -> dt.datetime:
    aware = moment.replace(tzinfo=dt.timezone(dt.timedelta(minutes=offset_minutes)))
    return aware.astimezone(_local_zone()).replace(tzinfo=None)


@lru_cache(maxsize=1)
def _local_zone():
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(LOCAL_ZONE)
    except Exception:  # no tz database: fall back to UTC (documented)
        return dt.timezone.utc


def _last_day(iso: str, precision: str) -> str:
    year, month = int(iso[:4]), int(iso[5:7])
    if precision == "year":
        return f"{year:04d}-12-31"
    if precision == "month":
        return f"{year:04d}-{month:02d}-{_days_in(year, month):02d}"
    return iso


# --------------------------------------------------------------------------- values


_EMPTY_SCAN = _Scan(error=EMPTY, message="no date")


def _scan_value(value: Any) -> _Scan:
    """Scan any cell value: text, number, date/datetime/Timestamp, or missing."""
    if value is None:
        return _EMPTY_SCAN
    if isinstance(value, str):
        return _scan_text(value)
    if isinstance(value, bool):
        return _Scan(error=UNPARSEABLE, message=f"{value} is not a date")
    if isinstance(value, dt.datetime):
        return _scan_datetime(value)
    if isinstance(value, dt.date):
        return _Scan(_Part(value.year, value.month, value.day))
    if isinstance(value, (int, float)) or _is_numpy_number(value):
        number = float(value)
        if number != number:
            return _EMPTY_SCAN
        part = _part_from_number(number)
        return _Scan(part) if isinstance(part, _Part) else _Scan(error=UNPARSEABLE, message=part)
    return _scan_other(value)


def _scan_datetime(value: dt.datetime) -> _Scan:
    if value != value:  # NaT
        return _EMPTY_SCAN
    offset = None
    if value.tzinfo is not None and value.utcoffset() is not None:
        offset = int(value.utcoffset().total_seconds() // 60)
        value = value.replace(tzinfo=None)
    time = (value.hour, value.minute, value.second or None)
    if time == (0, 0, None) and offset is None:
        time = None
    return _Scan(_Part(value.year, value.month, value.day, "day", False, time, offset))


def _is_numpy_number(value: Any) -> bool:
    return type(value).__module__ == "numpy" and hasattr(value, "dtype") and value.dtype.kind in "iuf"


def _scan_other(value: Any) -> _Scan:
    """numpy datetime64, pandas NA/NaT and anything else."""
    import pandas as pd

    try:
        if pd.isna(value):
            return _EMPTY_SCAN
    except (TypeError, ValueError):
        pass
    if type(value).__name__ == "datetime64":
        return _scan_datetime(pd.Timestamp(value))
    return _Scan(error=UNPARSEABLE, message=f"a {type(value).__name__} is not a date")


def parse_date(value: Any, dayfirst: bool | None = True) -> ParsedDate:
    """Read one date value (text, number, date, datetime, Timestamp or missing).

    Day-first unless ``dayfirst`` is False (``None`` means day-first here: one value
    cannot show a column's order; use :func:`parse_column` for detection). Never raises:
    problems come back as ``error`` (``date.empty``, ``date.unparseable``,
    ``date.impossible``, ``date.implausible``, ``date.range_reversed``) and ``message``.

    >>> parsed = parse_date("?22/05/2016")
    >>> parsed.date, parsed.precision, parsed.uncertain, parsed.error
    ('2016-05-22', 'day', True, None)
    >>> parse_date("31/02/2021").error
    'date.impossible'
    """
    try:
        return _finish(_scan_value(value), dayfirst is not False)
    except Exception as exc:  # a parser must not raise on data; report it instead
        return ParsedDate(error=UNPARSEABLE, message=f"could not read this date ({type(exc).__name__})")


# --------------------------------------------------------------------------- columns


@dataclass
class DateColumn:
    """The result of :func:`parse_column`: one row per input value, plus warnings."""

    frame: Any                       # DataFrame: date precision uncertain time end_date error message
    warnings: list[Issue] = field(default_factory=list)
    order: str = "dayfirst"          # dayfirst | monthfirst


def parse_column(values: Any, dayfirst: bool | None = None, file: str = "", column: str = "") -> DateColumn:
    """Read a column of dates; ``.frame`` is aligned with ``values``' index.

    Each distinct value is read once. ``dayfirst=None`` (the default) reads UK day-first,
    unless the all-digit values only make sense month-first (some second parts above 12,
    no first part above 12): then the column is read month-first and a
    ``date.month_first`` warning names the file, column and the deciding values. A column
    where each order is impossible somewhere stays day-first with a ``date.mixed_order``
    warning (its month-first-only values become ``date.impossible`` errors).
    ``dayfirst=True``/``False`` forces the order.
    """
    import numpy as np
    import pandas as pd

    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    uniques = uniques.tolist() if hasattr(uniques, "tolist") else list(uniques)
    count = len(uniques)
    fast = _FastScan.of(uniques)
    scans = {i: _safe_scan(uniques[i]) for i in np.flatnonzero(~fast.matched)}
    day_only, month_only = fast.day_only.copy(), fast.month_only.copy()
    for i, scan in scans.items():
        day_only[i], month_only[i] = _order_evidence(scan)
    rows = np.bincount(codes[codes >= 0], minlength=count)
    order, warnings = _decide_order(day_only, month_only, rows, uniques, dayfirst, file, column)
    table = _Table(count + 1)
    for i in fast.finish_into(table, order == "dayfirst"):  # failed validation: explain
        scans[i] = _safe_scan(uniques[i])
    for i, scan in scans.items():
        table.put(i, _safe_finish(scan, order == "dayfirst"))
    table.put(count, _finish(_EMPTY_SCAN, True))
    codes = np.where(codes < 0, count, codes)
    return DateColumn(table.frame(codes, series.index), warnings, order)


def column_order(uniques: list, rows: Any, dayfirst: bool | None = None, file: str = "",
                 column: str = "") -> tuple[str, list[Issue]]:
    """The day/month order :func:`parse_column` chooses for a column whose distinct values
    are ``uniques``, value ``i`` appearing on ``rows[i]`` rows, and the warning it gives:
    ``("dayfirst" | "monthfirst", warnings)``. For deciding once for a column read in parts."""
    import numpy as np

    fast = _FastScan.of(list(uniques))
    day_only, month_only = fast.day_only.copy(), fast.month_only.copy()
    for i in np.flatnonzero(~fast.matched):
        day_only[i], month_only[i] = _order_evidence(_safe_scan(uniques[i]))
    return _decide_order(day_only, month_only, np.asarray(rows, dtype=np.int64), list(uniques),
                         dayfirst, file, column)


_FAST_TIME = r"(?:{sep}(?P<hh>\d{{2}}):(?P<mi>\d{{2}})(?::(?P<ss>\d{{2}})(?:[.,]\d+)?)?{tz})?"
_FAST_DMY = (r"^\s*(?P<d>\d{1,2})[./\-](?P<m>\d{1,2})[./\-](?P<y>\d{4}|\d{2})"
             + _FAST_TIME.format(sep=" ", tz="") + r"\s*$")
_FAST_YMD = (r"^\s*(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
             + _FAST_TIME.format(sep="[Tt ]", tz=r"\s?(?P<tz>[Zz]|[+-]\d{2}:?\d{2})?") + r"\s*$")


class _FastScan:
    """The all-digit shapes among a column's distinct values (``22/05/2016``,
    ``2016-05-22T14:30:00Z`` ...), scanned and finished with vectorised regex (pyarrow)
    and numpy. Everything else, and any value that fails validation, is left to the
    per-value reader (which also writes the messages); both give identical results."""

    def __init__(self, count: int):
        import numpy as np

        self.matched = np.zeros(count, dtype=bool)
        self.day_only = np.zeros(count, dtype=bool)
        self.month_only = np.zeros(count, dtype=bool)
        self.groups: list[dict] = []

    @classmethod
    def of(cls, uniques: list) -> "_FastScan":
        """Scan the text values among ``uniques``."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        fast = cls(len(uniques))
        texts = [u if type(u) is str else None for u in uniques]
        if not any(t is not None for t in texts):
            return fast
        array = pa.array(texts, type=pa.string())
        lanes = [(shape, slices, swappable) for shape, slices, swappable in _SLICED_SHAPES]
        lanes += [(_FAST_DMY, None, True), (_FAST_YMD, None, False)]  # the rest: by regex groups
        for pattern, slices, swappable in lanes:
            rest = np.flatnonzero(_true(array.is_valid()) & ~fast.matched)  # each lane sees the rest
            if not len(rest):
                break
            texts = array.take(pa.array(rest))
            if slices is not None:  # an exact shape: fixed positions
                hit = _true(pc.match_substring_regex(texts, pattern))
                fields = _slice_fields(texts.filter(pa.array(hit)), slices)
            else:
                found = pc.extract_regex(texts, pattern)
                hit = _true(found.is_valid())
                found = found.filter(pa.array(hit))
                fields = {name: found.field(name) for name in found.type.names}
            if hit.any():
                fast.add(rest[hit], fields, swappable)
        return fast

    def add(self, index, fields: dict, swappable: bool) -> None:
        """Record one shape's matches (``fields``: arrow text per group, "" when absent)."""
        import pyarrow.compute as pc

        year = _ints(fields["y"])
        short = (pc.utf8_length(fields["y"]).to_numpy(zero_copy_only=False) == 2)
        year[short] += (year[short] < TWO_DIGIT_YEAR_PIVOT) * 100 + 1900
        group = {"index": index, "year": year, "first": _ints(fields["d"]),
                 "second": _ints(fields["m"]), "swappable": swappable,
                 "hour": _ints(fields["hh"]), "minute": _ints(fields["mi"]),
                 "sec": _ints(fields["ss"]),
                 "offset": _offsets(fields["tz"]) if "tz" in fields else None}
        if swappable:
            first, second = group["first"], group["second"]
            self.day_only[index] = (first > 12) & (second >= 1) & (second <= 12)
            self.month_only[index] = (second > 12) & (first >= 1) & (first <= 12)
        self.matched[index] = True
        self.groups.append(group)

    def finish_into(self, table: "_Table", dayfirst: bool) -> list[int]:
        """Write the valid values into ``table``; return the indices the per-value reader
        must explain (impossible dates and times)."""
        import numpy as np

        failed: list[int] = []
        for g in self.groups:
            day, month = g["first"], g["second"]
            if g["swappable"] and not dayfirst:
                day, month = month, day
            hour, minute, sec, offset = g["hour"], g["minute"], g["sec"], g["offset"]
            valid = _valid_days(g["year"], month, day) & (hour <= 23) & (minute <= 59) & (sec <= 59)
            if offset is not None:
                valid &= ~(np.abs(offset) >= 1440)  # NaN (no offset written) stays valid
            failed.extend(g["index"][~valid].tolist())
            pick = (lambda a: None if a is None else a[valid])
            table.put_days(g["index"][valid], *_days_and_times(
                g["year"][valid], month[valid], day[valid], hour[valid], minute[valid], sec[valid],
                pick(offset)))
        return failed


# Exact shapes read by position: (shape, {group: (start, stop)}, swappable). A group is
# absent ("") when the text is too short to hold it (date-times without seconds ...).
_SLICED_SHAPES = [
    (r"^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2})?)?$",
     {"y": (0, 4), "m": (5, 7), "d": (8, 10), "hh": (11, 13), "mi": (14, 16), "ss": (17, 19)}, False),
    (r"^\d{2}[./-]\d{2}[./-]\d{4}(?: \d{2}:\d{2}(?::\d{2})?)?$",
     {"d": (0, 2), "m": (3, 5), "y": (6, 10), "hh": (11, 13), "mi": (14, 16), "ss": (17, 19)}, True),
]


def _slice_fields(texts, slices: dict) -> dict:
    """Groups cut from fixed positions ("" where the text is too short)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    length = pc.utf8_length(texts)
    fields = {}
    for name, (start, stop) in slices.items():
        piece = pc.utf8_slice_codeunits(texts, start, stop)
        fields[name] = pc.if_else(pc.greater_equal(length, stop), piece, pa.scalar(""))
    return fields


def _true(mask):
    """An arrow boolean array as numpy, nulls as False."""
    import pyarrow.compute as pc

    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False)


def _ints(texts):
    """Digits as int64 (-1 where the group did not take part)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    blank = pc.equal(texts, "")
    numbers = pc.cast(pc.if_else(blank, pa.scalar(None, pa.string()), texts), pa.int64())
    return np.array(pc.fill_null(numbers, -1).to_numpy(zero_copy_only=False), dtype=np.int64)


def _offsets(texts):
    """Minutes east of UTC from ``Z``/``+01:00``/``-0500`` (NaN where not written)."""
    import numpy as np

    values = np.asarray(texts.to_numpy(zero_copy_only=False), dtype=object)
    out = np.full(len(values), np.nan)
    for i in np.flatnonzero(values != ""):
        out[i] = _offset_minutes(values[i].lower())
    return out


def _valid_days(year, month, day):
    """Vectorised: year in range, month 1-12, day within the month."""
    import numpy as np

    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    lengths = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    month_ok = (month >= 1) & (month <= 12)
    last = lengths[np.where(month_ok, month, 0)] + ((month == 2) & leap)
    return (year >= MIN_YEAR) & (year <= MAX_YEAR) & month_ok & (day >= 1) & (day <= last)


def _days_and_times(year, month, day, hour, minute, sec, offset):
    """Vectorised ISO dates and ``HH:MM[:SS]`` times (arrow arrays), converting written
    offsets to local time and dropping a bare midnight, as the per-value reader does."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    months = (year - 1970) * 12 + (month - 1)
    days = months.astype("datetime64[M]").astype("datetime64[D]") + (day - 1)
    has_time = hour >= 0
    zoned = np.zeros(len(year), dtype=bool) if offset is None else ~np.isnan(offset)
    if zoned.any():
        days, hour, minute, local_sec = _to_local_vectorised(days, hour, minute, sec, offset, zoned)
        sec = np.where(sec >= 0, local_sec, -1)
    show = has_time & (zoned | (hour + minute + np.maximum(sec, 0) > 0))
    if not show.any():
        return pa.array(days).cast(pa.string()), None
    clock = pc.binary_join_element_wise(_two(hour), _two(minute), ":")
    with_sec = pc.binary_join_element_wise(clock, _two(sec), ":")
    times = pc.if_else(pa.array(sec >= 0), with_sec, clock)
    times = pc.if_else(pa.array(show), times, pa.scalar(None, pa.string()))
    return pa.array(days).cast(pa.string()), times


def _to_local_vectorised(days, hour, minute, sec, offset, zoned):
    """Dates and clock parts after moving the zoned ones from their offset to local time."""
    import numpy as np
    import pandas as pd

    moment = (days.astype("datetime64[s]") + np.maximum(hour, 0) * 3600 + np.maximum(minute, 0) * 60
              + np.maximum(sec, 0))
    utc = moment[zoned] - (offset[zoned] * 60).astype("timedelta64[s]")
    local = pd.DatetimeIndex(utc).tz_localize("UTC").tz_convert(_local_zone()).tz_localize(None)
    moment[zoned] = local.to_numpy().astype("datetime64[s]")
    days = moment.astype("datetime64[D]")
    seconds = (moment - days).astype(np.int64)
    hour = np.where(zoned, seconds // 3600, hour)
    minute = np.where(zoned, seconds % 3600 // 60, minute)
    return days, hour, minute, seconds % 60


def _two(numbers):
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), 2, "0")


class _Table:
    """A column's distinct results (plus one for missing), kept as arrow chunks."""

    def __init__(self, count: int):
        import numpy as np

        self.position = np.zeros(count, dtype=np.int64)  # distinct value -> row of the chunks
        self.chunks: dict[str, list] = {name: [] for name in FIELDS}
        self.size = 0
        self.slow: dict[int, ParsedDate] = {}

    def put(self, i: int, result: ParsedDate) -> None:
        """One distinct value's result."""
        self.slow[i] = result

    def put_days(self, index, isos, times) -> None:
        """Many certain day-precision results at once (arrow arrays)."""
        import numpy as np
        import pyarrow as pa

        n = len(index)
        self.chunks["date"].append(isos)
        self.chunks["precision"].append(pa.repeat(pa.scalar("day"), n))
        self.chunks["uncertain"].append(pa.repeat(pa.scalar(False), n))
        self.chunks["time"].append(times if times is not None else pa.nulls(n, pa.string()))
        for name in ("end_date", "error", "message"):
            self.chunks[name].append(pa.nulls(n, pa.string()))
        self.position[index] = self.size + np.arange(n)
        self.size += n

    def frame(self, codes, index):
        """The result frame: one row per input value, taken from the distinct results."""
        import numpy as np
        import pandas as pd
        import pyarrow as pa

        slow = list(self.slow.items())
        self.position[[i for i, _ in slow]] = self.size + np.arange(len(slow))
        rows = pa.array(self.position[codes])
        used = pa.array(self.position[np.flatnonzero(np.bincount(codes, minlength=len(self.position)))])
        columns = {}
        for name in FIELDS:
            kind = pa.bool_() if name == "uncertain" else pa.string()
            chunk = pa.array([getattr(r, name) for _, r in slow], type=kind)
            results = pa.concat_arrays([c.cast(kind) for c in self.chunks[name]] + [chunk])
            columns[name] = _to_pandas(_taken(results, rows, used), name == "uncertain")
        return pd.DataFrame(columns, index=index)


def _taken(results, rows, used):
    """``results.take(rows)``; ``used``: the positions ``rows`` holds. A field that is
    missing, or the same, for every distinct value used (no error, no end date: most
    columns) is made without gathering a value per row."""
    import pyarrow as pa
    import pyarrow.compute as pc

    present = results.take(used)
    if present.null_count == len(present):
        return pa.nulls(len(rows), results.type)
    if not present.null_count and pc.count_distinct(present).as_py() == 1:
        return pa.repeat(present[0], len(rows))
    return results.take(rows)


def _to_pandas(array, boolean: bool):
    """An arrow array as the contract's pandas dtype (``boolean`` or ``string``)."""
    import pandas as pd

    if boolean:
        return pd.array(array.to_numpy(zero_copy_only=False), dtype="boolean")
    result = pd.arrays.ArrowStringArray(array)
    return result if result.dtype == pd.StringDtype() else result.astype("string")


def _safe_scan(value: Any) -> _Scan:
    try:
        return _scan_value(value)
    except Exception as exc:  # never raise on data
        return _Scan(error=UNPARSEABLE, message=f"could not read this date ({type(exc).__name__})")


def _safe_finish(scan: _Scan, dayfirst: bool) -> ParsedDate:
    try:
        return _finish(scan, dayfirst)
    except Exception as exc:  # never raise on data
        return ParsedDate(error=UNPARSEABLE, message=f"could not read this date ({type(exc).__name__})")


def _order_evidence(scan: _Scan) -> tuple[bool, bool]:
    """(only makes sense day-first, only makes sense month-first) for one scan."""
    day_only = month_only = False
    for part in (scan.start, scan.end):
        if part is None or not part.swappable:
            continue
        first, second = part.day, part.month
        day_only |= first > 12 and 1 <= second <= 12
        month_only |= second > 12 and 1 <= first <= 12
    return day_only, month_only


def _decide_order(day_only, month_only, rows, uniques, dayfirst, file, column) -> tuple[str, list[Issue]]:
    """The column's day/month order, and the warning that explains a surprise."""
    if dayfirst is not None:
        return ("dayfirst" if dayfirst else "monthfirst"), []
    day_rows, month_rows = int(rows[day_only].sum()), int(rows[month_only].sum())
    if not month_rows:
        return "dayfirst", []
    examples = sorted(str(uniques[i]) for i in month_only.nonzero()[0])[:3]
    extra = {"month_first_values": month_rows, "day_first_values": day_rows, "examples": examples}
    if day_rows:
        message = (f"{month_rows} value(s) only make sense month-first (e.g. {examples[0]}) "
                   f"but {day_rows} only make sense day-first; read day-first, the month-first "
                   "ones are reported as impossible")
        return "dayfirst", [Issue(MIXED_ORDER, message, file, "", column, examples[0], "warning", extra)]
    message = (f"read month-first (US order) because {month_rows} value(s) only make "
               f"sense month-first (e.g. {examples[0]}) and none only day-first; set dayfirst "
               "for this source to override")
    return "monthfirst", [Issue(MONTH_FIRST, message, file, "", column, examples[0], "warning", extra)]


# --------------------------------------------------------------------------- helpers


def _iso_date(value: Any) -> dt.date | None:
    """A date from an ISO string (first 10 characters), or None if missing or invalid."""
    if value is None or not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def is_future(iso: str | None, reference_iso: str | None = None) -> bool:
    """True when the ISO date ``iso`` falls after ``reference_iso`` (a case's ``as_of``;
    today when None). A missing or invalid date is never in the future."""
    day = _iso_date(iso)
    if day is None:
        return False
    reference = _iso_date(reference_iso) if reference_iso is not None else dt.date.today()
    return reference is not None and day > reference


def format_display(iso: str | None, precision: str | None = "day", uncertain: Any = False) -> str:
    """A date as UK practitioners write it: ``22/05/2016``, ``?22/05/2016`` (uncertain day),
    ``May 2016``, ``c. May 2016``, ``2016``, ``c. 2016``; ``""`` when there is no date.
    Every form it writes is read back by :func:`parse_date`."""
    day = _iso_date(iso)
    if day is None:
        return ""
    uncertain = _truthy(uncertain)
    if precision == "year":
        text = f"{day.year:04d}"
    elif precision == "month":
        text = f"{MONTH_NAME[day.month]} {day.year:04d}"
    else:
        return ("?" if uncertain else "") + f"{day.day:02d}/{day.month:02d}/{day.year:04d}"
    return f"c. {text}" if uncertain else text


def _truthy(flag: Any) -> bool:
    """True for True-like flags; False for False, None, NaN and pandas NA."""
    try:
        return bool(flag) and flag == flag
    except TypeError:  # pandas NA
        return False


def age_at(dob_iso: str | None, date_iso: str | None) -> tuple[int, int] | None:
    """Completed (years, months) of age on ``date_iso`` for someone born on ``dob_iso``;
    None when either date is missing or the date is before the birth."""
    born, on = _iso_date(dob_iso), _iso_date(date_iso)
    if born is None or on is None or on < born:
        return None
    months = (on.year - born.year) * 12 + (on.month - born.month) - (on.day < born.day)
    return months // 12, months % 12


def format_age(dob_iso: Any, date_iso: Any) -> str:
    """Age for a chronology: ``unborn`` before birth, ``3 days`` in the first week,
    ``5 weeks`` up to 13 weeks, ``7m`` in the first year, then ``2y 3m``; ``""`` when a
    date is missing.

    Also accepts ``(years, months)`` as :func:`age_at` returns them
    (``format_age(*age_at(dob, date))``), which gives ``7m`` / ``2y 3m`` but cannot
    show weeks: pass the two ISO dates for that.
    """
    if _is_whole(dob_iso) and _is_whole(date_iso):
        years, months = int(dob_iso), int(date_iso)
        if years < 0 or months < 0:
            return "unborn"
        return f"{months}m" if years == 0 else f"{years}y {months}m"
    born, on = _iso_date(dob_iso), _iso_date(date_iso)
    if born is None or on is None:
        return ""
    if on < born:
        return "unborn"
    days = (on - born).days
    if days < 7:
        return f"{days} day" + ("" if days == 1 else "s")
    if days < 13 * 7:
        weeks = days // 7
        return f"{weeks} week" + ("" if weeks == 1 else "s")
    years, months = age_at(dob_iso, date_iso)
    return f"{months}m" if years == 0 else f"{years}y {months}m"


def _is_whole(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (_is_numpy_number(value) and value.dtype.kind in "iu")


def date_option(text: str | None, option: str = "date") -> str | None:
    """A date a person typed for a command option (``--as-of``, ``--since``,
    ``--summarise-before``), as ISO ``YYYY-MM-DD``; None when not given.

    ISO first (any year: family trees go back centuries), else as practitioners write
    dates, day first (``01/04/2020``, ``1 Apr 2020``); a partial date means its first day.
    Raises :class:`chronos.errors.ChronosError` naming the option when it is not a date.
    """
    if text is None or not str(text).strip():
        return None
    try:
        return dt.date.fromisoformat(str(text).strip()).isoformat()
    except ValueError:
        pass
    parsed = parse_date(text)
    if not parsed.date:
        from chronos.errors import ChronosError

        raise ChronosError(f"{option}: {text!r} is not a date",
                           hint="for example 2020-04-01 or 01/04/2020 (day first)")
    return parsed.date
