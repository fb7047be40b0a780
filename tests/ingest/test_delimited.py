"""Splitting delimited text: unclosed quotes named by line and column, stray quotes read
leniently, cells and rows bounded."""

from __future__ import annotations

import io

import pytest

from chronos import limits
from chronos.errors import SourceError
from chronos.ingest.delimited import record_line, records


def test_records_and_their_lines():
    rows, lines = records('a,b\n1,"x\ny"\n3,4\n', ",", "f.csv")
    assert rows == [["a", "b"], ["1", "x\ny"], ["3", "4"]] and lines == [1, 2, 4]


def test_an_unclosed_quote_is_named_where_it_opens():
    text = 'Date,Agency,Event\n01/02/2020,GP,"ok"\n02/02/2020,"GP, or not,x\n' + "r,r,r\n" * 5
    with pytest.raises(SourceError, match="never closed: the 5 line") as raised:
        records(text, ",", "chron.csv")
    assert (raised.value.file, raised.value.row, raised.value.column) == \
        ("chron.csv", "line 3", "column 2")


def test_stray_quotes_inside_cells_are_read_leniently():
    rows, _ = records('h,w\n"5\'11"" tall",x\n3,a"b\n"q"r,2\n', ",", "f.csv")
    assert rows[1:] == [["5'11\" tall", "x"], ["3", 'a"b'], ["qr", "2"]]


def test_an_unclosed_quote_after_a_stray_one_is_still_found():
    with pytest.raises(SourceError, match="never closed"):
        records('h,w\n"q"r,2\n3,"open\n4,5\n', ",", "f.csv")


def test_a_cell_over_the_line_limit_and_a_row_over_the_column_limit(monkeypatch):
    monkeypatch.setattr(limits, "MAX_LINE_BYTES", 200_000)
    with pytest.raises(SourceError, match="longer than 200,000 characters") as raised:
        records('h,w\n1,"' + "x\n" * 150_000 + '"\n', ",", "f.csv")
    assert raised.value.row == "line 2"
    monkeypatch.setattr(limits, "MAX_COLUMNS", 3)
    with pytest.raises(SourceError, match="line 2 has 4 cells, more than 3"):
        records("a,b\n1,2,3,4\n", ",", "f.csv")


def test_record_line_counts_quoted_newlines():
    text = 'h\n"a\nb"\nc\n'
    assert [record_line(io.StringIO(text, newline=""), ",", i) for i in range(3)] == [1, 2, 4]
