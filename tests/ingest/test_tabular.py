"""Reading tables: a workbook sheet's cells as the text the mapping sees."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

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


# --- plain CSVs: Arrow's reader must give what pandas' reader gives --------------------

HEADER = "ID,Name,Date,Note"
PLAIN = {
    "lf": "title line\n\n" + HEADER + "\n1,Zoë,01/02/2020, spaced \n2,,2020-02-03,\n",
    "crlf with blank lines at the end": HEADER + "\r\n1,A,x,y\r\n2,B,,\r\n\r\n\r\n",
    "no final newline": HEADER + "\n1,A,x,y\n2,B,z,w",
    "tabs": HEADER.replace(",", "\t") + "\n1\tA, comma\tx\ty\n",
    "byte-order mark": "\ufeff" + HEADER + "\n1,Ævar,x,£3\n",
    "blank-looking rows": HEADER + "\n,,,\n1, ,x,y\n   ,,,\n",
    "blank lines inside": HEADER + "\n\n1,A,x,y\n\n\r\n2,B,y,z\n",
}
NOT_PLAIN = {
    "quoted": HEADER + '\n1,"Smith, Jo",x,"said ""no"""\n',
    "quoted, as wide as the header": HEADER + '\n1,"A",x,y\n',
    "quote above the header": '"Export, 2020"\n' + HEADER + "\n1,A,x,y\n",
    "quoted line break": HEADER + '\n1,A,x,"two\nlines"\n2,B,y,z\n',
    "bare carriage return": HEADER + "\n1,A,x,y\r2,B,y,z\r\n",
    "short row": HEADER + "\n1,A,x\n2,B,y,z\n",
    "long row": HEADER + "\n1,A,x,y,stray\n2,B,y,z\n",
    "spaces-only line": HEADER + "\n1,A,x,y\n   \n2,B,y,z\n",
    "NUL byte": HEADER + "\n1,A\x00,x,y\n",
}


def _read_csv(tmp_path, name: str, data: bytes, monkeypatch=None, plain: bool = True):
    from chronos.ingest import tabular

    if not plain:
        monkeypatch.setattr(tabular, "_parse_plain", lambda *a, **k: None)
    suffix = "tsv" if b"\t" in data else "csv"
    path = tmp_path / f"{name.replace(' ', '_')}.{suffix}"
    path.write_bytes(data)
    table, = read_tables(path, path.name, ["ID", "Name", "Date", "Note"], {})
    return table


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_a_plain_csv_is_read_by_arrow_as_pandas_reads_it(tmp_path, monkeypatch, name):
    from chronos.ingest import tabular

    data = PLAIN[name].encode("utf-8")
    taken = []
    real = tabular._parse_plain
    monkeypatch.setattr(tabular, "_parse_plain",
                        lambda *a, **k: taken.append(real(*a, **k)) or taken[-1])
    fast = _read_csv(tmp_path, name, data)
    assert taken and taken[-1] is not None          # the Arrow reader read it
    monkeypatch.undo()
    slow = _read_csv(tmp_path, name, data, monkeypatch, plain=False)
    pd.testing.assert_frame_equal(fast.frame, slow.frame)
    assert list(fast.refs) == list(slow.refs) and fast.info == slow.info
    assert list(fast.frame.dtypes) == ["string"] * len(fast.frame.columns)


@pytest.mark.parametrize("name", sorted(NOT_PLAIN))
def test_a_csv_that_is_not_plain_goes_to_pandas(tmp_path, name):
    from chronos.ingest import tabular

    data = NOT_PLAIN[name].encode("utf-8")
    start = data.index(HEADER.encode()) + len(HEADER) + 1
    skip = data[:start].count(b"\n")
    names = HEADER.split(",")
    assert tabular._parse_plain(data, "utf-8", ",", names, skip) is None


@pytest.mark.parametrize("data, encoding, valid", [
    (HEADER.encode() + b"\n1,A,x,caf\xc3\xa9\n", "ascii", False),    # ASCII said, UTF-8 found
    (HEADER.encode() + b"\n1,A,x,caf\xe9\n", "utf-8", False),        # not UTF-8
    (HEADER.encode() + b"\n1,A,x,caf\xe9\n", "cp1252", True),        # not Arrow's encoding
])
def test_bytes_arrow_would_read_differently_go_to_pandas(data, encoding, valid):
    from chronos.ingest import tabular

    assert tabular._parse_plain(data, encoding, ",", HEADER.split(","), 1, valid) is None


# --- workbooks: calamine's grid must give what the rows give ----------------------------

def test_a_calamine_sheet_read_column_by_column_gives_what_its_rows_give(tmp_path, monkeypatch):
    from chronos.ingest import workbook

    rows = [["Export of 2024"], [], ["ID", "Flag", "When", "Amount", "Note"]]
    kinds = [None, "", "  padded ", "Zoë", 0, 1, -3, 2.5, 2 ** 53 + 2, 1e20, -0.0, True, False,
             dt.datetime(2020, 1, 2), dt.datetime(2020, 1, 2, 10, 30, 5), dt.date(1905, 3, 4),
             dt.time(14, 5), 44197.0]
    for i in range(120):
        rows.append([i, kinds[i % len(kinds)], kinds[(i * 7) % len(kinds)],
                     kinds[(i * 5) % len(kinds)], None if i % 3 else "x"]
                    + (["stray"] if i == 50 else []))
    rows.append([10 ** 10 + 7, None, dt.date(2021, 5, 6), 12.0, "only numbers"])
    for i in range(30):     # columns of one kind each: the Arrow shortcuts
        rows.append([i + 1000, "text", dt.date(2000 + i % 20, 1 + i % 12, 1 + i % 28),
                     float(10 ** 9 + i), "t"])
    rows += [[None], [None, None]]          # trailing blank rows
    path = write_book(tmp_path / "mixed.xlsx", rows)
    grid, = read_tables(path, "mixed.xlsx", ["ID", "Flag", "When"], {})
    monkeypatch.setattr(workbook.Book, "grid", lambda self, title: None)
    by_rows, = read_tables(path, "mixed.xlsx", ["ID", "Flag", "When"], {})
    pd.testing.assert_frame_equal(grid.frame, by_rows.frame)
    assert list(grid.refs) == list(by_rows.refs) and grid.info == by_rows.info
    assert grid.info["extra_fields"] == ["(extra field 6)"]


@pytest.mark.parametrize("values", [
    (dt.date(2020, 1, 2), dt.date(1999, 12, 31), dt.date(9999, 12, 31), dt.date(1000, 1, 1)),
    (1.0, -7.0, 9434765919.0, 2.0 ** 53 + 2, -0.0, 2.0 ** 62),
    (dt.datetime(2020, 1, 2, 10, 30), dt.datetime(2020, 1, 3)),
    (dt.date(2020, 1, 2), dt.datetime(2020, 1, 3, 0, 0, 5)),
])
def test_one_kind_columns_become_the_text_of_each_value(values):
    from chronos.ingest.tabular import _cell_text, _grid_text
    from chronos.ingest.workbook import openpyxl_value

    assert list(_grid_text(values)) == [_cell_text(openpyxl_value(v)) for v in values]


def test_columns_the_shortcuts_cannot_write_are_left_to_each_value():
    from chronos.ingest.tabular import _dates_text, _whole_numbers_text

    assert _dates_text((dt.date(999, 1, 1), dt.date(2020, 1, 1))) is None
    assert _whole_numbers_text((1.0, 2.5)) is None
    assert _whole_numbers_text((1.0, float("nan"))) is None
    assert _whole_numbers_text((1.0, 2.0 ** 63)) is None


@pytest.mark.parametrize("distinct", [3, 5000])
def test_text_cleaned_per_distinct_value_is_what_cleaning_every_row_gives(distinct):
    from chronos.ingest.mapped_people import _nhs_numbers
    from chronos.ingest.tabular import per_distinct

    words = ["943 476 5919", "943-476-5919", "n/k", "", " 12 ", "İstanbul", "ABC d"]
    values = pd.Series([words[i % len(words)] + (str(i % distinct) if i % 3 else "")
                        for i in range(6000)] + [None], dtype="string")
    for clean in (_nhs_numbers, lambda v: v.str.upper().str.replace(" ", ""),
                  lambda v: v.str.lower()):
        got = per_distinct(values, clean)
        pd.testing.assert_series_equal(got, clean(values), check_names=False)
