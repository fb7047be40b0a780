"""Tests for chronos.dates: table-driven cases, column order detection, helpers, and
hypothesis properties (round trips, shuffle invariance, never raising)."""

import datetime as dt
import random

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chronos import dates
from chronos.dates import (
    ParsedDate, age_at, format_age, format_display, is_future, parse_column, parse_date,
)

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

# value, date, precision, uncertain, time, end_date
READS = [
    # ISO dates and date-times
    ("2016-05-22", "2016-05-22", "day", False, None, None),
    ("2016/05/22", "2016-05-22", "day", False, None, None),
    ("2016-5-2", "2016-05-02", "day", False, None, None),
    ("2016-05-22T14:30", "2016-05-22", "day", False, "14:30", None),
    ("2016-05-22 14:30", "2016-05-22", "day", False, "14:30", None),
    ("2016-05-22 14:30:15", "2016-05-22", "day", False, "14:30:15", None),
    ("2016-05-22T14:30:15.250", "2016-05-22", "day", False, "14:30:15", None),
    ("2016-05-22T00:00:00", "2016-05-22", "day", False, None, None),
    ("2016-01-22T14:30:00Z", "2016-01-22", "day", False, "14:30:00", None),       # GMT
    ("2016-05-22T14:30:00Z", "2016-05-22", "day", False, "15:30:00", None),       # BST
    ("2016-05-22T23:30:00Z", "2016-05-23", "day", False, "00:30:00", None),       # next day
    ("2016-05-22T14:30:00+01:00", "2016-05-22", "day", False, "14:30:00", None),
    ("2016-05-22T09:30:00-0500", "2016-05-22", "day", False, "15:30:00", None),
    ("20160522", "2016-05-22", "day", False, None, None),
    # day-first numbers, any separator, two-digit years
    ("22/05/2016", "2016-05-22", "day", False, None, None),
    ("3/4/2021", "2021-04-03", "day", False, None, None),
    ("22.05.16", "2016-05-22", "day", False, None, None),
    ("22-05-2016", "2016-05-22", "day", False, None, None),
    ("22.05/16", "2016-05-22", "day", False, None, None),
    ("22/05-2016", "2016-05-22", "day", False, None, None),
    ("22 05 2016", "2016-05-22", "day", False, None, None),
    ("  22/05/2016  ", "2016-05-22", "day", False, None, None),
    ("12/03/85", "1985-03-12", "day", False, None, None),
    ("01/01/39", "2039-01-01", "day", False, None, None),
    ("01/01/40", "1940-01-01", "day", False, None, None),
    ("22/05/2016 14:30", "2016-05-22", "day", False, "14:30", None),
    ("22/05/2016 2:30pm", "2016-05-22", "day", False, "14:30", None),
    ("22/05/2016 12am", "2016-05-22", "day", False, None, None),
    ("22/05/2016 at 09.15", "2016-05-22", "day", False, "09:15", None),
    ("29/02/2020", "2020-02-29", "day", False, None, None),
    # month names
    ("22-may-16", "2016-05-22", "day", False, None, None),
    ("22-MAY-2016", "2016-05-22", "day", False, None, None),
    ("22 May 2016", "2016-05-22", "day", False, None, None),
    ("22nd May 2016", "2016-05-22", "day", False, None, None),
    ("Sunday 22 May 2016", "2016-05-22", "day", False, None, None),
    ("Sun, 22 May 2016 14:30", "2016-05-22", "day", False, "14:30", None),
    ("22 Sept 2016", "2016-09-22", "day", False, None, None),
    ("May 22, 2016", "2016-05-22", "day", False, None, None),
    ("2016-May-22", "2016-05-22", "day", False, None, None),
    ("22 MAY 2016", "2016-05-22", "day", False, None, None),                      # GEDCOM
    # partial dates
    ("May 2016", "2016-05-01", "month", False, None, None),
    ("may-16", "2016-05-01", "month", False, None, None),
    ("September 2016", "2016-09-01", "month", False, None, None),
    ("05/2016", "2016-05-01", "month", False, None, None),
    ("2016-05", "2016-05-01", "month", False, None, None),
    ("2016 May", "2016-05-01", "month", False, None, None),
    ("00/05/2016", "2016-05-01", "month", False, None, None),
    ("2016", "2016-01-01", "year", False, None, None),
    # uncertain dates
    ("?22/05/2016", "2016-05-22", "day", True, None, None),
    ("22/05/2016?", "2016-05-22", "day", True, None, None),
    ("~22/05/2016", "2016-05-22", "day", True, None, None),
    ("c. 2016", "2016-01-01", "year", True, None, None),
    ("c.2016", "2016-01-01", "year", True, None, None),
    ("c2016", "2016-01-01", "year", True, None, None),
    ("ca. 2016", "2016-01-01", "year", True, None, None),
    ("circa 2016", "2016-01-01", "year", True, None, None),
    ("approx May 2016", "2016-05-01", "month", True, None, None),
    ("approximately 22/05/2016", "2016-05-22", "day", True, None, None),
    ("May 2016 (approx)", "2016-05-01", "month", True, None, None),
    ("abt 2016", "2016-01-01", "year", True, None, None),
    ("about 2016", "2016-01-01", "year", True, None, None),
    ("ABT MAY 2016", "2016-05-01", "month", True, None, None),
    ("EST 1985", "1985-01-01", "year", True, None, None),
    ("CAL 1985", "1985-01-01", "year", True, None, None),
    ("BEF 2016", "2016-01-01", "year", True, None, None),
    ("AFT 22 MAY 2016", "2016-05-22", "day", True, None, None),
    ("c. May 2016", "2016-05-01", "month", True, None, None),
    # ranges
    ("BET 2010 AND 2012", "2010-01-01", "year", True, None, "2012-12-31"),
    ("BET MAY 2016 AND JUN 2016", "2016-05-01", "month", True, None, "2016-06-30"),
    ("FROM 2010 TO 2012", "2010-01-01", "year", False, None, "2012-12-31"),
    ("FROM 1 JAN 2010 TO 3 MAR 2012", "2010-01-01", "day", False, None, "2012-03-03"),
    ("22/05/2016 - 30/05/2016", "2016-05-22", "day", False, None, "2016-05-30"),
    ("22/05/2016-30/05/2016", "2016-05-22", "day", False, None, "2016-05-30"),
    ("22/05/2016 to 30/05/2016", "2016-05-22", "day", False, None, "2016-05-30"),
    ("22 May 2016 \u2013 30 May 2016", "2016-05-22", "day", False, None, "2016-05-30"),
    ("2010-2012", "2010-01-01", "year", False, None, "2012-12-31"),
    ("c. 2010 - 2012", "2010-01-01", "year", True, None, "2012-12-31"),
    ("FROM 2010", "2010-01-01", "year", False, None, None),
    ("TO 2012", "2012-01-01", "year", True, None, None),
    # Excel serial numbers, as numbers and as text
    (44197, "2021-01-01", "day", False, None, None),
    (44197.0, "2021-01-01", "day", False, None, None),
    ("44197", "2021-01-01", "day", False, None, None),
    ("44197.5", "2021-01-01", "day", False, "12:00", None),
    (44197.75, "2021-01-01", "day", False, "18:00", None),
    (np.int64(42512), "2016-05-22", "day", False, None, None),
    (np.float64(42512.25), "2016-05-22", "day", False, "06:00", None),
    (2016, "2016-01-01", "year", False, None, None),
    # Python and pandas objects
    (dt.date(2016, 5, 22), "2016-05-22", "day", False, None, None),
    (dt.datetime(2016, 5, 22), "2016-05-22", "day", False, None, None),
    (dt.datetime(2016, 5, 22, 9, 5), "2016-05-22", "day", False, "09:05", None),
    (dt.datetime(2016, 5, 22, 9, 5, 7), "2016-05-22", "day", False, "09:05:07", None),
    (pd.Timestamp("2016-05-22 10:30"), "2016-05-22", "day", False, "10:30", None),
    (pd.Timestamp("2016-05-22 10:30", tz="UTC"), "2016-05-22", "day", False, "11:30", None),
    (np.datetime64("2016-05-22"), "2016-05-22", "day", False, None, None),
    # the day (or the day and month) written as not known: the month (or year) it names
    ("?/04/2022", "2022-04-01", "month", False, None, None),
    ("xx/04/22", "2022-04-01", "month", False, None, None),
    ("00.04.2022", "2022-04-01", "month", False, None, None),
    ("??/??/2021", "2021-01-01", "year", False, None, None),
]


@pytest.mark.parametrize("value, date, precision, uncertain, time, end_date", READS,
                         ids=[repr(r[0]) for r in READS])
def test_reads(value, date, precision, uncertain, time, end_date):
    parsed = parse_date(value)
    assert parsed.error is None, parsed.message
    assert (parsed.date, parsed.precision, parsed.uncertain, parsed.time, parsed.end_date) == (
        date, precision, uncertain, time, end_date)


ERRORS = [
    ("", "date.empty"), ("   ", "date.empty"), (None, "date.empty"), (float("nan"), "date.empty"),
    (pd.NaT, "date.empty"), (pd.NA, "date.empty"), (np.nan, "date.empty"),
    ("#N/A", "date.empty"), ("N/A", "date.empty"), ("n/a", "date.empty"), ("NULL", "date.empty"),
    ("null", "date.empty"), ("NaN", "date.empty"), ("unknown", "date.empty"),
    ("00/00/0000", "date.empty"), ("-", "date.empty"),
    ("31/02/2021", "date.impossible"), ("29/02/2021", "date.impossible"),
    ("31/04/2016", "date.impossible"), ("13/13/2016", "date.impossible"),
    ("05/22/2016", "date.impossible"), ("2016-13-01", "date.impossible"),
    ("2016-02-30", "date.impossible"), ("31-feb-2016", "date.impossible"),
    ("22/05/0216", "date.implausible"), ("22/05/2316", "date.implausible"), ("0999", "date.implausible"),
    ("BET 2012 AND 2010", "date.range_reversed"), ("30/05/2016 - 22/05/2016", "date.range_reversed"),
    ("hello", "date.unparseable"), ("not seen", "date.unparseable"), ("22 May", "date.unparseable"),
    ("May", "date.unparseable"), ("22/05", "date.unparseable"), ("3.5", "date.unparseable"),
    (12, "date.unparseable"), (99999999.0, "date.unparseable"), (True, "date.unparseable"),
    ("22/05/2016 25:00", "date.unparseable"), ("22/05/2016 14", "date.unparseable"),
    ("Foo 2016", "date.unparseable"), ("22/05/2016 and more", "date.unparseable"),
    ([2016], "date.unparseable"),
    ("?/13/2022", "date.impossible"), ("?/04", "date.unparseable"),
]


@pytest.mark.parametrize("value, code", ERRORS, ids=[repr(e[0]) for e in ERRORS])
def test_errors(value, code):
    parsed = parse_date(value)
    assert parsed.error == code
    assert parsed.date is None and parsed.precision == "unknown"
    assert parsed.message


def test_impossible_message_points_at_the_other_order():
    assert "month-first" in parse_date("05/22/2016").message
    assert "31 February 2021" in parse_date("31/02/2021").message


def test_dayfirst_false_forces_month_first():
    assert parse_date("03/04/2021", dayfirst=False).date == "2021-03-04"
    assert parse_date("03/04/2021").date == "2021-04-03"
    # named months and ISO are not affected by the order
    assert parse_date("2021-03-04", dayfirst=False).date == "2021-03-04"
    assert parse_date("3 Apr 2021", dayfirst=False).date == "2021-04-03"


def test_before_and_after_carry_a_note():
    assert "before" in parse_date("BEF 2016").message
    assert "after" in parse_date("AFT 2016").message
    assert parse_date("22/05/2016").message is None


# ---------------------------------------------------------------- parse_column


def test_column_is_aligned_with_the_index_and_typed():
    values = pd.Series(["22/05/2016", None, "May 2016", "31/02/2021"], index=[10, 11, 12, 13])
    result = parse_column(values)
    frame = result.frame
    assert list(frame.index) == [10, 11, 12, 13]
    assert list(frame.columns) == ["date", "precision", "uncertain", "time", "end_date", "error", "message"]
    assert str(frame["uncertain"].dtype) == "boolean" and str(frame["date"].dtype) == "string"
    assert frame.loc[10, "date"] == "2016-05-22" and frame.loc[12, "precision"] == "month"
    assert frame.loc[11, "error"] == "date.empty" and frame.loc[13, "error"] == "date.impossible"
    assert result.order == "dayfirst" and result.warnings == []


def test_month_first_column_is_detected_and_reported():
    values = ["01/02/2016", "05/13/2016", "12/31/2016", "05/13/2016", "07/04/2016"]
    result = parse_column(values, file="gp.csv", column="Appt Date")
    assert result.order == "monthfirst"
    assert list(result.frame["date"]) == [
        "2016-01-02", "2016-05-13", "2016-12-31", "2016-05-13", "2016-07-04"]
    [warning] = result.warnings
    assert warning.code == "date.month_first" and warning.severity == "warning"
    assert (warning.source_file, warning.column) == ("gp.csv", "Appt Date")
    assert warning.extra["month_first_values"] == 3 and "3 value(s)" in warning.message
    assert "gp.csv" in str(warning) and "Appt Date" in str(warning)


def test_mixed_column_stays_day_first_and_warns():
    values = ["13/02/2016", "05/13/2016", "01/02/2016"]
    result = parse_column(values, file="school.csv", column="Date")
    assert result.order == "dayfirst"
    assert [w.code for w in result.warnings] == ["date.mixed_order"]
    frame = result.frame
    assert list(frame["date"].fillna("")) == ["2016-02-13", "", "2016-02-01"]
    assert frame["error"].iloc[1] == "date.impossible"


def test_ambiguous_column_stays_day_first_silently():
    result = parse_column(["01/02/2016", "03/04/2016"])
    assert result.order == "dayfirst" and not result.warnings
    assert list(result.frame["date"]) == ["2016-02-01", "2016-04-03"]


@pytest.mark.parametrize("dayfirst, expected", [(True, "2016-02-01"), (False, "2016-01-02")])
def test_forced_order_gives_no_warning(dayfirst, expected):
    result = parse_column(["01/02/2016", "05/13/2016"], dayfirst=dayfirst)
    assert result.frame["date"].iloc[0] == expected and result.warnings == []
    assert result.order == ("dayfirst" if dayfirst else "monthfirst")


def test_ranges_count_towards_month_first_detection():
    result = parse_column(["05/13/2016 - 05/20/2016", "06/01/2016"])
    assert result.order == "monthfirst"
    assert result.frame["end_date"].iloc[0] == "2016-05-20"


def test_column_of_datetimes_numbers_and_mixed_objects():
    stamps = pd.Series(pd.to_datetime(["2016-05-22 10:30", None, "2016-05-23 00:00"]))
    frame = parse_column(stamps).frame
    assert list(frame["time"].fillna("")) == ["10:30", "", ""]
    assert frame["error"].iloc[1] == "date.empty"
    serials = parse_column(pd.Series([44197.0, np.nan, 44197.5])).frame
    assert list(serials["date"].fillna("")) == ["2021-01-01", "", "2021-01-01"]
    mixed = parse_column([dt.date(2016, 5, 22), "22/05/2016", 42512, pd.Timestamp("2016-05-22")]).frame
    assert set(mixed["date"]) == {"2016-05-22"}


def test_common_shapes_take_the_vectorised_path(monkeypatch):
    """Plain all-digit dates and date-times must not go through the per-value reader."""
    calls = []
    real = dates._scan_value
    monkeypatch.setattr(dates, "_scan_value", lambda v: calls.append(v) or real(v))
    values = ["22/05/2016", "22.05.16", "22/05/2016 14:30", "2016-05-22", "2016-05-22 14:30:15",
              "2016-05-22T14:30:00Z", "2016-05-22T14:30:00.5+01:00", "May 2016", "31/02/2021"]
    frame = parse_column(values).frame
    assert calls == ["May 2016", "31/02/2021"]
    assert list(frame["time"].fillna("")) == ["", "", "14:30", "", "14:30:15", "15:30:00", "14:30:00", "", ""]


def test_column_of_nothing():
    result = parse_column([])
    assert len(result.frame) == 0 and list(result.frame.columns)[0] == "date"
    assert list(parse_column([None, None]).frame["error"]) == ["date.empty", "date.empty"]


# ---------------------------------------------------------------- helpers


@pytest.mark.parametrize("iso, precision, uncertain, text", [
    ("2016-05-22", "day", False, "22/05/2016"),
    ("2016-05-22", "day", True, "?22/05/2016"),
    ("2016-05-01", "month", False, "May 2016"),
    ("2016-05-01", "month", True, "c. May 2016"),
    ("2016-01-01", "year", False, "2016"),
    ("2016-01-01", "year", True, "c. 2016"),
    ("2016-05-22", "day", pd.NA, "22/05/2016"),
    (None, "unknown", False, ""),
    ("", "day", False, ""),
])
def test_format_display(iso, precision, uncertain, text):
    assert format_display(iso, precision, uncertain) == text


@pytest.mark.parametrize("dob, on, age, text", [
    ("2014-02-22", "2016-05-22", (2, 3), "2y 3m"),
    ("2014-02-22", "2016-05-21", (2, 2), "2y 2m"),
    ("2014-02-22", "2015-02-22", (1, 0), "1y 0m"),
    ("2016-05-01", "2016-05-01", (0, 0), "0 days"),
    ("2016-05-01", "2016-05-02", (0, 0), "1 day"),
    ("2016-05-01", "2016-05-08", (0, 0), "1 week"),
    ("2016-05-01", "2016-06-05", (0, 1), "5 weeks"),
    ("2016-05-01", "2016-09-05", (0, 4), "4m"),
    ("2016-02-29", "2017-02-28", (0, 11), "11m"),
    ("2016-05-01", "2016-04-30", None, "unborn"),
    (None, "2016-04-30", None, ""),
    ("2016-05-01", None, None, ""),
])
def test_age(dob, on, age, text):
    assert age_at(dob, on) == age
    assert format_age(dob, on) == text


@pytest.mark.parametrize("years, months, text", [(2, 3, "2y 3m"), (0, 7, "7m"), (1, 0, "1y 0m")])
def test_format_age_of_years_and_months(years, months, text):
    assert format_age(years, months) == text
    on = f"{2014 + years}-{months + 1:02d}-10"
    assert format_age(*age_at("2014-01-10", on)) == text


def test_is_future():
    assert is_future("2024-04-01", "2024-03-31")
    assert not is_future("2024-03-31", "2024-03-31")
    assert not is_future(None, "2024-03-31")
    assert not is_future("2000-01-01")
    assert is_future("2999-01-01")


# ---------------------------------------------------------------- properties

valid_days = st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2199, 12, 31))
pivot_days = st.dates(min_value=dt.date(1940, 1, 1), max_value=dt.date(2039, 12, 31))
excel_days = st.dates(min_value=dt.date(1910, 1, 1), max_value=dt.date(2099, 12, 31))


def _styles(day: dt.date) -> list[str]:
    d, m, y = day.day, day.month, day.year
    name = MONTHS[m - 1]
    return [
        f"{d:02d}/{m:02d}/{y}", f"{d}/{m}/{y}", f"{d:02d}.{m:02d}.{y}", f"{d:02d}-{m:02d}-{y}",
        f"{d:02d}.{m:02d}/{y}", f"{y}-{m:02d}-{d:02d}", f"{y}/{m:02d}/{d:02d}", f"{y}{m:02d}{d:02d}",
        f"{d} {name} {y}", f"{d} {name[:3]} {y}", f"{d:02d}-{name[:3].upper()}-{y}",
        f"{name} {d}, {y}", f"{WEEKDAYS[day.weekday()]} {d} {name} {y}", f"{d}th of {name} {y}",
        f"{y}-{m:02d}-{d:02d}T00:00:00", format_display(day.isoformat(), "day", False),
    ]


@given(valid_days)
def test_round_trip_every_day_style(day):
    for text in _styles(day):
        parsed = parse_date(text)
        assert (parsed.date, parsed.precision, parsed.error) == (day.isoformat(), "day", None), text


@given(pivot_days)
def test_round_trip_two_digit_years(day):
    for text in (day.strftime("%d/%m/%y"), day.strftime("%d.%m.%y"),
                 f"{day.day:02d}-{MONTHS[day.month - 1][:3].lower()}-{day:%y}"):
        assert parse_date(text).date == day.isoformat(), text


@given(excel_days, st.integers(0, 23), st.integers(0, 59))
def test_round_trip_excel_serials(day, hour, minute):
    serial = (day - dt.date(1899, 12, 30)).days
    assert parse_date(serial).date == day.isoformat()
    fraction = (hour * 60 + minute) / 1440
    parsed = parse_date(f"{serial + fraction!r}")
    assert parsed.date == day.isoformat()
    assert parsed.time == (None if hour == minute == 0 else f"{hour:02d}:{minute:02d}")


@given(valid_days, st.integers(0, 23), st.integers(0, 59), st.integers(0, 59))
def test_round_trip_date_times(day, hour, minute, second):
    for text in (f"{day.isoformat()}T{hour:02d}:{minute:02d}:{second:02d}",
                 f"{day.day:02d}/{day.month:02d}/{day.year} {hour:02d}:{minute:02d}:{second:02d}"):
        parsed = parse_date(text)
        assert parsed.date == day.isoformat()
        expected = None if hour == minute == second == 0 else f"{hour:02d}:{minute:02d}:{second:02d}"
        assert parsed.time == expected, text


@given(valid_days, st.sampled_from(["day", "month", "year"]), st.booleans())
def test_round_trip_display(day, precision, uncertain):
    iso = {"day": day.isoformat(), "month": day.replace(day=1).isoformat(),
           "year": day.replace(day=1, month=1).isoformat()}[precision]
    parsed = parse_date(format_display(iso, precision, uncertain))
    assert (parsed.date, parsed.precision, parsed.uncertain) == (iso, precision, uncertain)


@given(valid_days)
def test_round_trip_partial_styles(day):
    month = day.replace(day=1).isoformat()
    name = MONTHS[day.month - 1]
    for text in (f"{name} {day.year}", f"{name[:3]}-{day.year}", f"{day.month:02d}/{day.year}",
                 f"{day.year}-{day.month:02d}"):
        assert (parse_date(text).date, parse_date(text).precision) == (month, "month"), text
    assert parse_date(f"ABT {day.year}") == ParsedDate(f"{day.year}-01-01", "year", True)


@given(st.lists(valid_days, min_size=1, max_size=30))
def test_month_first_columns_read_back_exactly(days):
    texts = [f"{d.month:02d}/{d.day:02d}/{d.year}" for d in days]
    result = parse_column(texts)
    if any(d.day > 12 for d in days):
        assert result.order == "monthfirst"
        assert list(result.frame["date"]) == [d.isoformat() for d in days]
    else:
        assert result.order == "dayfirst" and not result.warnings


@given(st.lists(valid_days, min_size=1, max_size=30))
def test_day_first_columns_read_back_exactly(days):
    result = parse_column([f"{d.day:02d}/{d.month:02d}/{d.year}" for d in days])
    assert result.order == "dayfirst" and not result.warnings
    assert list(result.frame["date"]) == [d.isoformat() for d in days]


cell_text = st.one_of(
    st.builds(lambda d, i: _styles(d)[i], valid_days, st.integers(0, 15)),
    st.builds(lambda d: f"{d.month}/{d.day}/{d.year}", valid_days),
    st.sampled_from(["", "#N/A", "May 2016", "c. 2016", "BET 2010 AND 2012", "44197.5",
                     "31/02/2021", "22/05/2016 - 30/05/2016", "2016-05-22T23:30:00Z", "hello"]),
    st.text(max_size=12),
    st.from_regex(r"\s?\d{1,2}[./-]\d{1,2}[./-]\d{2,4}( \d\d:\d\d(:\d\d)?)?\s?", fullmatch=True),
    st.from_regex(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?\s?(Z|[+-]\d{2}:?\d{2})?)?",
                  fullmatch=True),
    st.builds(lambda d, h, m, s, z: f"{d.isoformat()}T{h:02d}:{m:02d}:{s:02d}{z}", valid_days,
              st.integers(0, 23), st.integers(0, 59), st.integers(0, 59),
              st.sampled_from(["", "Z", "+01:00", "-0500", " +0000", "+14:00", "-23:59"])),
    st.builds(lambda d, h, m: f"{d.day:02d}/{d.month:02d}/{d.year} {h:02d}:{m:02d}", valid_days,
              st.integers(0, 23), st.integers(0, 59)),
)


def _rows(frame: pd.DataFrame) -> list[tuple]:
    return [tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False)]


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(cell_text, max_size=40), st.randoms())
def test_shuffled_column_gives_the_same_per_value_results(values, rnd):
    original = parse_column(values)
    order = list(range(len(values)))
    rnd.shuffle(order)
    shuffled = parse_column([values[i] for i in order])
    assert shuffled.order == original.order
    by_value = dict(zip(order, _rows(shuffled.frame)))
    assert [by_value[i] for i in range(len(values))] == _rows(original.frame)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(cell_text, max_size=40), st.booleans())
def test_column_agrees_with_parse_date(values, dayfirst):
    """The vectorised column path and the per-value path give identical results."""
    frame = parse_column(values, dayfirst=dayfirst).frame
    expected = [tuple(getattr(parse_date(v, dayfirst=dayfirst), f) for f in dates.FIELDS) for v in values]
    assert _rows(frame) == expected


@given(st.text())
def test_never_raises_on_text(text):
    parsed = parse_date(text)
    if parsed.error is None:
        assert dt.date.fromisoformat(parsed.date)
        assert parsed.precision in ("day", "month", "year")
    else:
        assert parsed.error.startswith("date.") and parsed.date is None


@given(st.lists(st.one_of(st.text(), st.integers(), st.floats(), st.none(), st.booleans()), max_size=20))
def test_column_never_raises(values):
    result = parse_column(pd.Series(values, dtype=object))
    assert len(result.frame) == len(values)
    assert result.frame["date"].notna().sum() + result.frame["error"].notna().sum() == len(values)


def test_shuffle_fixture_with_month_first_values():
    values = ["05/13/2016", "01/02/2016"] * 3
    random.Random(1).shuffle(values)
    assert parse_column(values).order == "monthfirst"


@pytest.mark.parametrize("values", [
    ["22/05/2016"] * 5,                                   # one value: every field the same
    ["22/05/2016", "23/05/2016", None, ""],               # the missing slot among them
    ["31/02/2021", "31/02/2021", "22/05/2016"],           # an error on some rows only
    ["22/05/2016 14:30", "22/05/2016", "May 2016", "c. 2019", "01/02/2016 - 05/02/2016"],
    ["yesterday", "yesterday"],                           # only errors: no date anywhere
    [None, None, None],
    ["01/02/2016", "02/01/2016", "01/02/2016"],           # ambiguous day/month
])
def test_column_frame_matches_each_value_read_alone(values):
    """parse_column makes a field that is missing or the same for every value used
    without gathering it per row: each row must still be what parse_date gives."""
    frame = parse_column(values, dayfirst=True).frame
    for i, value in enumerate(values):
        alone = parse_date(value, dayfirst=True)
        got = frame.iloc[i]
        for name in ("date", "precision", "time", "end_date", "error", "message"):
            want = getattr(alone, name)
            assert (None if pd.isna(got[name]) else got[name]) == want, (value, name)
        assert bool(got["uncertain"]) == bool(alone.uncertain), value
    assert str(frame["uncertain"].dtype) == "boolean"
    assert all(str(frame[c].dtype) == "string" for c in frame.columns if c != "uncertain")
