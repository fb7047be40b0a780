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


def test_a_splink_whose_internals_moved_scores_the_public_way(monkeypatch):
    import splink.internals.predict as internals

    frame, _ = prepare_records(records(60))
    settings = as_settings(None)
    before = scoring.score_pairs(frame, settings).pairs

    original = internals.predict_from_comparison_vectors_sqls

    def moved(*args, training_mode=False, **kwargs):   # the narrow way's argument renamed
        if training_mode:
            raise TypeError("unexpected keyword argument 'training_mode'")
        return original(*args, **kwargs)

    monkeypatch.setattr(internals, "predict_from_comparison_vectors_sqls", moved)
    assert scoring._narrow_prediction(*_linker_for(frame, settings)) is None
    pd.testing.assert_frame_equal(scoring.score_pairs(frame, settings).pairs, before)


def _linker_for(frame, settings):
    """(a linker on ``frame``, the settings, the prediction floor) as score_pairs has them."""
    from chronos.link.blocks import bound_blocks

    blocking = bound_blocks(frame, settings.blocking_rules, settings.max_block_size,
                            settings.max_candidate_pairs, {}, settings.window_size)
    return (scoring._linker(frame, settings, len(frame), None, blocking, parts=False),
            settings, scoring.VETO_FLOOR)
