"""A mapped CSV read in blocks of rows (iter_source) gives exactly the one-shot read."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chronos.errors import ChronosError
from chronos.ingest import mapped
from chronos.ingest.base import Source, iter_source, read_source
from chronos.ingest.parts import SourceTally, combine_parts

HEADER = ["Patient ID", "Name", "DOB", "Sex", "Appt Date", "Appt Time", "Status", "Score",
          "Mother", "Household", "End"]

MAPPING = {
    "person": {"id": "Patient ID", "name": "Name", "dob": "DOB", "sex": "Sex"},
    "related": [{"column": "Mother", "kind": "parent", "subtype": "biological"}],
    "household": "Household",
    "events": [
        {"date": "Appt Date", "time": "Appt Time", "value": "Score",
         "type": {"column": "Status", "map": {"Attended": "appointment_attended",
                                              "DNA": "was_not_brought", "Skip": "ignore"},
                  "unmapped": "other"},
         "summary": "{Status} ({Score})"},
        {"date": "End", "type": "cp_plan_end", "when": [{"column": "End", "not_empty": True}]},
    ],
}


def _row(pid="P1", name="Jade Smith", dob="01/02/2015", sex="F", date="03/04/2021",
         time="10:30", status="Attended", score="1", mother="M1", household="H1", end=""):
    return [pid, name, dob, sex, date, time, status, score, mother, household, end]


def _rich_rows() -> list[list[str]]:
    """Rows that stress block edges: repeated headers, totals and blank rows in turn at
    every position, month-first dates only late, quoted newlines, wide rows, warnings."""
    rows = [
        _row(), _row(pid="P2", name="Kyle Brown", dob="", sex="", mother=""),
        _row(pid="P1", name="", dob="", sex="Q", time="25:99", status="Unheard of"),
        [], HEADER, _row(pid="P3", status="DNA", score="n/a", household="H1"),
        ["Total", "3"], _row(pid="", name="", dob="", date="31/02/2021"),
        _row(pid="P4", name="Ann Lee\nSecond line", dob="bad", end="05/05/2021"),
        _row(pid="P5", status="Skip"), _row(pid="P6", date="01/01/2099"),
        _row(pid="P2", dob="07/08/2014", sex="M", mother="M2", household="H2"),
        ["   ", " ", ""], _row(pid="P7", status="", household="H2"),
        _row(pid="P8", score="x", time="nope") + ["stray"],
        _row(pid="P9", date="12/25/2021", dob="12/31/2014", household="H1"),
        _row(pid="P3", mother="M1", household="H3", end="01/13/2022"),
        ["Grand total", "", "", ""], _row(pid="P10", name="Smith, Jade", date=""),
        [], [],
    ]
    return rows


def _write(path: Path, rows: list[list[str]], encoding: str = "utf-8",
           title: bool = True, newline: str = "\n") -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    if title:
        buffer.write("GP appointments export" + newline + newline)
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow(row)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _source(path: Path, mapping: dict = MAPPING, **options) -> Source:
    return Source(path=path, name="gp", format="mapped", agency="GP", mapping=mapping,
                  options={"as_of": "2024-03-31", **options})


def assert_same_read(source: Source, rows: int) -> list:
    try:
        whole = read_source(source)
    except ChronosError as exc:  # the same error, in parts
        with pytest.raises(type(exc)) as raised:
            list(iter_source(source, rows=rows))
        assert str(raised.value) == str(exc)
        return []
    parts = list(iter_source(source, rows=rows))
    assert all(p.reconciles() for p in parts)
    joined = combine_parts(parts)
    pd.testing.assert_frame_equal(joined.events, whole.events)
    pd.testing.assert_frame_equal(joined.persons, whole.persons)
    pd.testing.assert_frame_equal(joined.relationships, whole.relationships)
    assert joined.quarantine == whole.quarantine
    assert joined.warnings == whole.warnings
    assert joined.info == whole.info
    assert joined.summary() == whole.summary()
    tally = SourceTally(source)
    for part in parts:
        tally.add(part)
    assert tally.summary() == whole.summary()
    return parts


@pytest.mark.parametrize("rows", [1, 2, 3, 4, 5, 7, 11, 1000])
def test_rich_file_in_blocks_equals_whole_read(tmp_path, rows):
    path = _write(tmp_path / "gp.csv", _rich_rows())
    parts = assert_same_read(_source(path), rows)
    whole = read_source(_source(path))
    assert len(parts) >= 2  # at least one block and the last part
    assert whole.records_skipped["repeated_header"] == 1  # the fixture does stress those
    assert {"totals_row", "blank_row", "event_type.ignored"} <= set(whole.records_skipped)
    codes = {w.code for w in whole.warnings}
    assert {"date.mixed_order", "time.unparseable", "person.sex_unknown_value",
            "event_type.other", "value.not_numeric", "person.dob_invalid"} <= codes
    assert {q.code for q in whole.quarantine} >= {"date.impossible", "date.future",
                                                  "row.extra_fields", "person.missing"}


@pytest.mark.parametrize("rows", [1, 3, 6])
def test_month_first_dates_seen_only_in_a_late_block(tmp_path, rows):
    early = [_row(pid=f"P{i}", date="01/02/2021", dob="03/04/2015") for i in range(8)]
    late = [_row(pid="P99", date="12/25/2021", dob="11/30/2014")]
    path = _write(tmp_path / "us.csv", early + late)
    assert_same_read(_source(path), rows)
    whole = read_source(_source(path))
    assert whole.events["date"].iloc[0] == "2021-01-02"  # the whole file is month-first
    assert "date.month_first" in {w.code for w in whole.warnings}


@pytest.mark.parametrize("rows", [1, 2, 5])
def test_set_dayfirst_skips_the_date_pass(tmp_path, rows, monkeypatch):
    from chronos.ingest import mapped_parts

    path = _write(tmp_path / "gp.csv", _rich_rows())
    calls = []
    monkeypatch.setattr(mapped_parts, "iter_records",
                        lambda *a, **k: calls.append(1) or iter(()))
    assert_same_read(_source(path, dayfirst=True), rows)
    assert not calls


@pytest.mark.parametrize("rows", [1, 4])
def test_cp1252_crlf_file_without_title(tmp_path, rows):
    rows_ = [_row(name="Zoë Café"), _row(pid="P2", name="Renée €uro"), []]
    path = _write(tmp_path / "win.csv", rows_, encoding="cp1252", title=False, newline="\r\n")
    assert_same_read(_source(path), rows)
    assert read_source(_source(path)).info["encoding"] == "cp1252"


def test_undecodable_bytes_are_read_leniently_as_the_whole_read(tmp_path):
    path = _write(tmp_path / "bad.csv", [_row(name="Jade X"), _row(pid="P2")])
    path.write_bytes(path.read_bytes().replace(b"Jade X", b"Jade \x81"))  # not in cp1252
    assert_same_read(_source(path), 1)


def test_warnings_are_capped_over_the_whole_file(tmp_path, monkeypatch):
    monkeypatch.setattr(mapped, "WARNING_CAP", 3)
    rows = [_row(pid=f"P{i}", time="bad") for i in range(9)]
    path = _write(tmp_path / "gp.csv", rows)
    assert_same_read(_source(path), 2)
    codes = [w.message for w in read_source(_source(path)).warnings
             if w.code == "time.unparseable"]
    assert len(codes) == 4 and codes[-1].startswith("6 more rows")


def test_time_warnings_of_an_entry_that_makes_events_only_in_a_later_block(tmp_path):
    mapping = {**MAPPING, "events": [
        {"date": "Appt Date", "time": "Appt Time", "type": "appointment_attended",
         "when": [{"column": "Status", "equals": "Attended"}]}]}
    rows = [_row(pid="P1", status="No", time="bad")] * 3 + [_row(pid="P2")]
    path = _write(tmp_path / "gp.csv", rows)
    parts = assert_same_read(_source(path, mapping=mapping), 2)
    assert sum(w.code == "time.unparseable" for w in parts[-1].warnings) == 3


def test_header_only_file(tmp_path):
    path = _write(tmp_path / "empty.csv", [])
    assert_same_read(_source(path), 2)


def test_workbooks_are_read_whole(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(_row())
    book.save(tmp_path / "gp.xlsx")
    parts = assert_same_read(_source(tmp_path / "gp.xlsx"), 1)
    assert len(parts) == 1


_CELLS = st.sampled_from(["", " ", "P1", "P2", "M1", "Total", "Patient ID", "01/02/2020",
                          "13/01/2021", "12/25/2021", "2021-05-06", "31/02/2021", "Attended",
                          "DNA", "Skip", "Odd", "10:00", "x,y", "a\nb", "Jade Smith", "F",
                          "7", "H1", "M1;M2", "M2; P1"])


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_CELLS, min_size=0, max_size=12), max_size=10),
       block=st.integers(min_value=2, max_value=6))
def test_any_file_in_blocks_equals_whole_read(tmp_path, rows, block):
    path = _write(tmp_path / "h.csv", [_row()] + rows)
    assert_same_read(_source(path), block)


@pytest.mark.parametrize("rows", [1, 3])
def test_every_kind_of_date_column_is_decided_over_the_whole_file(tmp_path, rows):
    mapping = {"person": {"id": "Patient ID", "name": "Name", "dob": "DOB", "dod": "End"},
               "related": [{"column": "Mother", "kind": "parent", "start": "Appt Date",
                            "end": "End"}],
               "events": [{"date": "Appt Date", "end_date": "End", "type": "referral"}]}
    early = [_row(pid=f"P{i}", date="01/02/2021", end="02/02/2021") for i in range(4)]
    late = [_row(pid="P9", date="03/04/2021", end="12/20/2021", dob="10/30/2014")]
    path = _write(tmp_path / "x.csv", early + late)
    assert_same_read(_source(path, mapping=mapping), rows)
    warned = {(w.code, w.column) for w in read_source(_source(path, mapping=mapping)).warnings}
    assert {("date.month_first", "End"), ("date.month_first", "DOB")} <= warned


@pytest.mark.parametrize("rows", [1, 2, 5])
def test_bad_bytes_are_placed_alike_in_blocks_and_whole(tmp_path, rows):
    path = _write(tmp_path / "gp.csv", [_row(name="Zoë Brontë"), _row(pid="P2", name="Jade X"),
                                        _row(pid="P3", name="Ann\nLee"), _row(pid="P4")])
    path.write_bytes(path.read_bytes().replace(b"Jade X", b"Jade \xff").replace(
        b"P4", b"P\xfe4"))
    parts = assert_same_read(_source(path), rows)
    warnings = [(w.code, w.source_ref, w.column) for w in combine_parts(parts).warnings
                if w.code.startswith("encoding")]
    assert warnings == [("encoding.invalid_byte", "5", "Name"),
                        ("encoding.invalid_byte", "8", "Patient ID")]


def test_an_unclosed_quote_is_the_same_error_in_blocks(tmp_path):
    path = _write(tmp_path / "gp.csv", [_row(), _row(pid="P2")])
    path.write_bytes(path.read_bytes() + b'P3,"Open name,01/02/2015\nP4,x\n')
    with pytest.raises(ChronosError, match="never closed") as raised:
        read_source(_source(path))
    assert raised.value.row == "line 6"
    assert_same_read(_source(path), 1)


def test_long_cells_are_quarantined_alike_in_blocks(tmp_path, monkeypatch):
    from chronos import limits

    monkeypatch.setattr(limits, "MAX_CELL_CHARS", 30)
    path = _write(tmp_path / "gp.csv", [_row(), _row(pid="P2", name="N" * 31), _row(pid="P3")])
    parts = assert_same_read(_source(path), 1)
    whole = combine_parts(parts)
    assert [(q.code, q.source_ref, q.column) for q in whole.quarantine] == [
        ("cell.too_long", "5", "Name")]
    assert whole.quarantine[0].value == "N" * 31
