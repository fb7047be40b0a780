"""Age bands are data (chronos/data/age_bands.yaml), read in one place: the rules' age
limits, the rule SQL's idea of a child and the scorecard's bands all come from it."""

from __future__ import annotations

import pandas as pd

from chronos.ages import age_bands, completed_months


def test_the_shipped_bands():
    bands = age_bands()
    assert list(bands.bands) == ["prenatal", "0-2", "2-4", "5-11", "12-18"]
    assert bands.names[-2:] == ["18+", "unknown"]
    assert bands.child_months == 216 and bands.prenatal_months == 9


def test_each_month_falls_in_exactly_one_band():
    months = pd.Series([-3, 0, 23, 24, 59, 60, 143, 144, 215, 216, None], dtype="Int64")
    assert age_bands().of_months(months).tolist() == [
        "prenatal", "0-2", "0-2", "2-4", "2-4", "5-11", "5-11", "12-18", "12-18", "18+",
        "unknown"]


def test_completed_months_count_the_day_of_the_month():
    dob = pd.Series(["2020-01-31", "2020-01-15", None, "not a date"])
    on = pd.Series(["2020-02-29", "2022-01-15", "2022-01-01", "2022-01-01"])
    assert completed_months(dob, on).tolist() == [0, 24, pd.NA, pd.NA]


def test_rules_limit_ages_by_the_same_bands():
    from chronos.patterns.rules import build_selector

    sel = build_selector({"event_type": "injury"}, file="f", rule_id="r", fld="select",
                         age_band=["0-2", "2-4"])
    assert (sel.age_min_months, sel.age_max_months) == (0, 60)


def test_the_scorecard_names_the_same_bands():
    from chronos.screen.scorecard import age_band

    dob = pd.Series(["2020-06-01", "2000-01-01", None])
    assert age_band(dob, pd.Series(["2022-05-31"] * 3)).tolist() == ["0-2", "18+", "unknown"]
