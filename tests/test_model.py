import pandas as pd
import pytest

from chronos import model


def test_conform_adds_missing_columns_in_contract_order_and_keeps_extras():
    frame = model.conform([{"event_type": "head_lice", "zzz": 1, "date": "2021-01-02"}], "events")
    assert list(frame.columns[: len(model.EVENTS)]) == list(model.EVENTS)
    assert frame.columns[-1] == "zzz"
    assert frame.loc[0, "event_type"] == "head_lice"
    assert frame["event_id"].isna().all()
    assert str(frame["date_uncertain"].dtype) == "boolean"


def test_conform_types_bool_and_float_columns():
    frame = model.conform([{"date_uncertain": "yes", "value": "87.5"},
                           {"date_uncertain": "no", "value": "n/a"}], "events")
    assert frame["date_uncertain"].tolist() == [True, False]
    assert frame.loc[0, "value"] == 87.5
    assert pd.isna(frame.loc[1, "value"])


def test_event_ids_are_stable_and_distinguish_their_parts():
    a = model.make_event_id("gp.csv", "3", "was_not_brought", "2021-01-02")
    assert a == model.make_event_id("gp.csv", "3", "was_not_brought", "2021-01-02")
    assert a != model.make_event_id("gp.csv", "3", "was_not_brought", "2021-01-02", 1)
    assert a != model.make_event_id("gp.csv", "4", "was_not_brought", "2021-01-02")
    assert a.startswith("E") and len(a) == 13


def test_vocabulary_covers_the_strategies_event_types_with_known_categories():
    vocab = model.vocabulary()
    for name in ["was_not_brought", "ae_attendance", "head_lice", "dental_decay",
                 "school_absence", "domestic_abuse_incident", "cp_plan_start",
                 "gcp2_assessment", "positive_engagement", "other"]:
        assert name in vocab
    for entry in vocab.event_types.values():
        assert set(entry.categories) <= set(vocab.categories), entry.name
    assert vocab.categories_for("head_lice") == "physical"
    assert vocab.categories_for("not_a_type") == ""
    assert set(vocab.categories) == {"medical", "nutritional", "emotional", "educational",
                                     "physical", "supervision"}


@pytest.mark.parametrize("table", list(model.TABLES))
def test_empty_tables_have_the_contract_columns(table):
    assert list(model.empty(table).columns) == list(model.TABLES[table])
