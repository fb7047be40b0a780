"""Reading tables: a workbook sheet's cells as the text the mapping sees."""

from __future__ import annotations

import datetime as dt

import openpyxl

from chronos.ingest.tabular import read_tables


def write_book(path, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Log"
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_a_sheets_cells_become_text_whatever_mix_a_column_holds(tmp_path):
    # one column mixes numbers, booleans and text (1 and TRUE are equal in Python: each
    # must keep its own text), another dates with and without a time
    rows = [["ID", "Flag", "When"],
            [1, True, dt.datetime(2020, 1, 2)],
            [2, 1, dt.datetime(2020, 1, 2, 10, 30)],
            [3, 1.5, dt.date(2020, 1, 3)],
            [4, "yes", None],
            [5, False, dt.datetime(2020, 1, 2)],
            [6, 0, "n/k"]]
    path = write_book(tmp_path / "log.xlsx", rows)
    table, = read_tables(path, "log.xlsx", ["ID", "Flag", "When"], {})
    assert list(table.frame["Flag"]) == ["TRUE", "1", "1.5", "yes", "FALSE", "0"]
    assert list(table.frame["When"]) == ["2020-01-02", "2020-01-02 10:30", "2020-01-03", "",
                                         "2020-01-02", "n/k"]
    assert list(table.frame["ID"]) == ["1", "2", "3", "4", "5", "6"]
    assert list(table.refs) == ["Log!2", "Log!3", "Log!4", "Log!5", "Log!6", "Log!7"]


def test_cells_beyond_the_header_are_extra_fields_and_short_rows_are_padded(tmp_path):
    rows = [["ID", "Date", "Type"], ["1"], ["2", "03/04/2022", "DNA", "stray"], [None], []]
    path = write_book(tmp_path / "log.xlsx", rows)
    table, = read_tables(path, "log.xlsx", ["ID", "Date", "Type"], {})
    assert list(table.frame.columns) == ["ID", "Date", "Type", "(extra field 4)"]
    assert table.frame.values.tolist() == [["1", "", "", ""], ["2", "03/04/2022", "DNA", "stray"]]
    assert table.info["extra_fields"] == ["(extra field 4)"]
