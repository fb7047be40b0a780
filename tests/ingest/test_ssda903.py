"""SSDA903 CSV tables: the real episode samples and own fixtures."""

from pathlib import Path

import pytest

from chronos.errors import SourceError
from chronos.ingest.base import Source
from chronos.ingest.ssda903 import Ssda903Ingester, identify

DATA = Path(__file__).resolve().parents[1] / "data" / "ssda903"


def read(path, name="lac"):
    return Ssda903Ingester().read(Source(path=Path(path), name=name))


def test_2020_episodes(shared_data):
    result = read(shared_data / "ssda903" / "SSDA903_2020_episodes.csv")
    # read by hand: 5 rows, children 689661 and 249901; 5 DECOM + 2 DEC with REC not X1
    assert sorted(result.persons["record_key"]) == ["lac:249901", "lac:689661"]
    assert len(result.events) == 7
    start = result.events[result.events["event_type"] == "looked_after_start"].iloc[0]
    assert (start["date"], start["end_date"], start["source_ref"]) == \
        ("2018-12-02", "2019-05-16", "2")
    ends = result.events[result.events["event_type"] == "looked_after_end"]
    assert list(ends["date"]) == ["2019-07-18", "2019-09-26"]
    assert result.reconciles() and not result.warnings


def test_testing_fixes_episodes(shared_data):
    result = read(shared_data / "ssda903" / "SSDA903_episodes_for_testing_fixes_INPUT.csv")
    # 23 rows, 10 distinct CHILD values; ISO dates in this file
    assert result.records_read == 23 and len(result.persons) == 10
    row7 = result.events[result.events["source_ref"] == "7"]
    assert list(row7["event_type"]) == ["placement_change"]   # DEC with REC X1: no end
    assert row7.iloc[0]["date"] == "2017-08-20"


def test_header_persons_and_quarantine():
    result = read(DATA / "header.csv")
    people = result.persons.set_index("record_key")
    assert people.loc["lac:C1", "dob"] == "2010-04-03"      # day-first
    assert people.loc["lac:C2", "sex"] == "F"
    assert [q.source_ref for q in result.quarantine] == ["3"]
    own_child = result.events[result.events["summary"].str.contains("own child")]
    assert list(own_child["date"]) == ["2024-06-05"]
    assert result.reconciles()


def test_missing_episodes_with_end_and_bad_date():
    result = read(DATA / "missing.csv")
    episodes = result.events
    assert list(episodes["event_type"].unique()) == ["missing_episode"]
    first = episodes[episodes["source_ref"] == "1"].iloc[0]
    assert (first["date"], first["end_date"]) == ("2021-02-01", "2021-02-03")
    assert [w.code for w in result.warnings] == ["date.invalid"]
    assert result.records_skipped == {"blank_row": 1} and result.reconciles()


def test_reviews_and_partial_dates():
    assert list(read(DATA / "reviews.csv").events["event_type"]) == ["looked_after_review"]
    perm = read(DATA / "prev_perm.csv").events
    assert list(zip(perm["date"], perm["date_precision"])) == \
        [("2009-01-01", "year"), ("2012-06-01", "month")]


def test_unknown_table_is_refused(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("CHILD,COLOUR\n1,red\n")
    with pytest.raises(SourceError, match="known tables"):
        read(path)


@pytest.mark.parametrize("columns,table", [
    (["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE"], "episodes"),
    (["child", "sex", "dob", "ethnic", "upn"], "header"),
    (["CHILD", "SEX", "DOB", "DUC"], "uasc"),
    (["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"], "missing"),
    (["ID", "DATE"], None),
])
def test_identify(columns, table):
    assert identify(columns) == table
