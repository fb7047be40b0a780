"""Tests for chronos.dates (table-driven cases and hypothesis properties)."""

import pytest

from chronos.dates import parse_column, parse_date


@pytest.mark.parametrize("value, date, precision, uncertain", [
    ("22/05/2016", "2016-05-22", "day", False),
    ("?22/05/2016", "2016-05-22", "day", True),
    ("May 2016", "2016-05-01", "month", False),
    ("2016", "2016-01-01", "year", False),
    ("c. 2016", "2016-01-01", "year", True),
])
def test_reads_common_forms(value, date, precision, uncertain):
    parsed = parse_date(value)
    assert (parsed.date, parsed.precision, parsed.uncertain, parsed.error) == (date, precision, uncertain, None)


def test_impossible_date_is_an_error():
    parsed = parse_date("31/02/2021")
    assert parsed.date is None and parsed.error == "date.impossible"


def test_column_month_first_is_detected_and_reported():
    result = parse_column(["01/02/2016", "05/13/2016"], file="gp.csv", column="Appt")
    assert result.order == "monthfirst"
    assert list(result.frame["date"]) == ["2016-01-02", "2016-05-13"]
    assert result.warnings[0].code == "date.month_first"
    assert (result.warnings[0].source_file, result.warnings[0].column) == ("gp.csv", "Appt")
