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


def test_conform_of_a_shuffled_frame_gives_the_contract_and_leaves_the_input_alone():
    given = pd.DataFrame({"zzz": ["x", "y"], "date": ["2021-01-02", None],
                          "event_id": ["E1", "E2"], "date_uncertain": ["yes", None]},
                         index=[7, 3])
    before = given.copy()
    frame = model.conform(given, "events")
    assert list(frame.columns) == [*model.EVENTS, "zzz"]
    assert isinstance(frame.index, pd.RangeIndex) and list(frame.index) == [0, 1]
    assert frame["event_id"].tolist() == ["E1", "E2"]
    assert frame["date_uncertain"].tolist()[0] is True and pd.isna(frame["date_uncertain"][1])
    assert model.is_conformed(frame, "events")
    frame.loc[0, "event_id"] = "changed"
    pd.testing.assert_frame_equal(given, before)


def test_conform_of_a_frame_with_a_repeated_column_name_keeps_the_contract():
    given = pd.DataFrame([["E1", "a", "b"]], columns=["event_id", "zzz", "zzz"])
    frame = model.conform(given, "events")
    assert list(frame.columns[:len(model.EVENTS)]) == list(model.EVENTS)
    assert frame.loc[0, "event_id"] == "E1"
    assert set(frame.columns[len(model.EVENTS):]) == {"zzz"}
