"""The population scorecard's age bands, with children whose date of birth is unknown."""

import pandas as pd

from chronos.screen.scorecard import age_band


def test_age_bands_with_unknown_dates_of_birth():
    dob = pd.Series(["2023-06-01", None, "2010-01-01", "2024-09-01", "not a date"])
    on = pd.Series(["2024-03-31"] * 5)
    assert list(age_band(dob, on)) == ["0-2", "unknown", "12-18", "prenatal", "unknown"]


def test_every_date_of_birth_unknown():
    # a 903 return read without its header table: nobody's age is known
    bands = age_band(pd.Series([None, None]), pd.Series(["2024-03-31", None]))
    assert list(bands) == ["unknown", "unknown"]
