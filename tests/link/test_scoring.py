"""Scoring: the kept pairs come out the same whichever way splink's prediction is read."""

import pandas as pd
import pytest

from chronos.link import scoring
from chronos.link.identifiers import prepare_records
from chronos.link.people import as_settings

GIVEN = ["Kayden", "KAYDEN", "Kaden", "K", "Kyle", "Amber", None]
FAMILY = ["Smith", " smith ", "Smith-Jones", "Smyth"]
DOB = ["2019-04-03", "2019-03-04", "2019-04-13", None, "2015-09-12", "1990-01-20"]


def records(n: int) -> pd.DataFrame:
    """``n`` records of one family written many ways: twins, relatives, typos, moves,
    NHS numbers present, missing and conflicting."""
    rows = []
    for i in range(n):
        rows.append({
            "record_key": f"{('gp', 'school', 'police')[i % 3]}:{i:04d}",
            "given_name": GIVEN[i % len(GIVEN)], "family_name": FAMILY[i % len(FAMILY)],
            "dob": DOB[(i // 2) % len(DOB)], "sex": ("M", "F", None)[i % 3],
            "nhs_number": ("9434765919", "", "9434765870", "")[i % 4],
            "postcode": f"LS{1 + i % 7} {i % 10}AB", "source_file": "x.csv",
            "source_ref": str(i), "agency": "gp"})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("block", [200, 12])      # 12: blocks windowed (extra columns)
def test_the_narrow_prediction_keeps_the_pairs_of_splinks_public_prediction(
        monkeypatch, block):
    frame, _ = prepare_records(records(160))
    settings = as_settings({"max_block_size": block, "window_size": 6})
    narrow_calls = []
    narrow = scoring._narrow_prediction

    def spy(*args):
        found = narrow(*args)
        narrow_calls.append(found is not None)
        return found

    monkeypatch.setattr(scoring, "_narrow_prediction", spy)
    fast = scoring.score_pairs(frame, settings).pairs
    monkeypatch.setattr(scoring, "_narrow_prediction", lambda *args: None)
    public = scoring.score_pairs(frame, settings).pairs
    assert narrow_calls == [True]                      # the narrow way was taken
    assert len(fast) > 100 and (fast["vetoes"] != "").any() and \
        (fast["identifiers"] != "").any()              # every kind of kept pair is there
    pd.testing.assert_frame_equal(fast, public)


def test_a_caller_s_database_is_left_open_and_its_own_is_closed(monkeypatch):
    import duckdb
    from splink import DuckDBAPI

    frame, _ = prepare_records(records(30))
    settings = as_settings(None)
    mine = duckdb.connect()
    scoring.score_pairs(frame, settings, db_api=DuckDBAPI(mine))
    assert mine.sql("SELECT 1").fetchall() == [(1,)]  # still open
    made = []
    monkeypatch.setattr(scoring, "_connection",
                        lambda s: made.append(duckdb.connect()) or made[-1])
    scoring.score_pairs(frame, settings)
    with pytest.raises(duckdb.ConnectionException):
        made[0].sql("SELECT 1")
