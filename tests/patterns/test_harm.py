"""The cumulative harm index: weights, decay, household events, findings, escalation."""

import pandas as pd
import pytest

from chronos import model
from chronos.errors import RuleError
from chronos.patterns.harm import HARM_COLUMNS, escalations, harm_config, harm_index

from tests.patterns.family import FAMILY, RELATIONSHIPS, events_from

NO_FINDINGS = model.empty("findings")


def series(rows, *, findings=NO_FINDINGS, config=None, as_of="2023-12-31", child="C1"):
    harm = harm_index(events_from(rows), findings, FAMILY, RELATIONSHIPS, config=config, as_of=as_of)
    return harm[harm["person_id"] == child].set_index("date")


def test_one_concern_halves_after_the_half_life():
    harm = series([("E1", "2022-12-31", "head_lice")])
    assert harm.loc["2022-12-31", "index"] == 1.0
    assert harm.loc["2023-12-31", "index"] == pytest.approx(0.5, abs=0.01)
    assert sorted(harm.reset_index().columns) == sorted(HARM_COLUMNS)


def test_weights_by_type_and_kind_and_process_events_count_nothing():
    harm = series([("E1", "2023-12-31", "injury"), ("E2", "2023-12-31", "referral")])
    assert harm.loc["2023-12-31", "index"] == 2.0


def test_household_context_counts_for_the_child():
    harm = series([("E1", "2023-12-31", "substance_misuse", "M1", "Drugs service")])
    assert harm.loc["2023-12-31", "index"] == 0.5


def test_findings_add_their_severity_weight():
    finding = model.conform([{"finding_id": "F1", "rule_id": "r", "person_id": "C1", "severity": "high",
                              "window_start": "2023-01-01", "window_end": "2023-12-31"}], "findings")
    harm = series([("E1", "2023-12-31", "head_lice")], findings=finding)
    assert harm.loc["2023-12-31", ["events_score", "findings_score", "index"]].tolist() == [1.0, 4.0, 5.0]


def test_configurable_half_life_and_unknown_setting():
    harm = series([("E1", "2022-12-31", "head_lice")], config={"half_life_months": 6})
    assert harm.loc["2023-12-31", "index"] == pytest.approx(0.25, abs=0.01)
    with pytest.raises(RuleError, match="unknown harm index setting"):
        harm_config({"halflife": 3})


def test_escalation_when_the_index_rises():
    rows = [("E0", "2021-01-10", "head_lice")] + [
        (f"E{i}", f"2023-0{m}-1{i % 9}", t) for i, (m, t) in enumerate(
            [(6, "was_not_brought"), (6, "injury"), (7, "home_conditions"), (7, "hygiene_clothing"),
             (8, "was_not_brought")], 1)]
    harm = series(rows)
    assert not harm.loc["2023-05-31", "escalation"]
    assert harm.loc["2023-07-31", "escalation"] and harm.loc["2023-08-31", "escalation"]
    starts = escalations(harm.reset_index())
    assert starts["date"].tolist() == ["2023-07-31"]


def test_each_childs_change_and_escalation_start_from_its_own_first_month():
    """All children's months are computed together: a child's change looks back only over
    its own months (0 before its first), and an escalation on a child's first month starts
    a run even when the child before it in the table was escalating at its last."""
    rises = [(6, "was_not_brought"), (6, "injury"), (7, "home_conditions"),
             (7, "hygiene_clothing"), (8, "was_not_brought")]
    rows = [(f"C{i}", f"2023-0{m}-1{i}", t, "C1") for i, (m, t) in enumerate(rises)]
    rows += [(f"T{i}", f"2023-08-0{i + 1}", t, "T1") for i, (_, t) in enumerate(rises)]
    harm = harm_index(events_from(rows), NO_FINDINGS, FAMILY, RELATIONSHIPS, as_of="2023-08-31")
    assert list(harm["person_id"].drop_duplicates()) == ["C1", "T1"]
    cal, tia = (harm[harm["person_id"] == p].reset_index(drop=True) for p in ("C1", "T1"))
    assert cal["escalation"].iloc[-1]              # Cal still escalating in August
    assert len(tia) == 1 and tia.loc[0, "change"] == tia.loc[0, "index"] > 0
    assert tia.loc[0, "escalation"] and tia.loc[0, "escalation_start"]
    assert cal.loc[0, "change"] == cal.loc[0, "index"]
    assert cal["escalation_start"].sum() == 1


def test_monthly_points_are_sorted_and_end_at_as_of():
    harm = series([("E1", "2023-10-15", "head_lice")], as_of="2024-01-20")
    assert list(harm.index) == ["2023-10-31", "2023-11-30", "2023-12-31", "2024-01-20"]


def test_no_events_no_rows():
    assert harm_index([], NO_FINDINGS, FAMILY).empty


def test_the_settings_are_the_data_file():
    from chronos.patterns.harm import HARM_DEFAULTS, harm_defaults

    assert HARM_DEFAULTS == harm_defaults() == harm_config()
    assert harm_defaults()["type_weights"]["injury"] == 2.0
    changed = harm_defaults()
    changed["type_weights"]["injury"] = 0.0          # a copy: the shipped settings stay
    assert harm_config()["type_weights"]["injury"] == 2.0


def test_event_weights_by_type_then_kind_and_unknown_types_as_other():
    from chronos.patterns.harm import event_weights

    weights = event_weights(harm_config({"type_weights": {"made_up_type": 3.0}}))
    by_type = dict(zip(weights["event_type"], weights["weight"]))
    assert by_type["injury"] == 2.0 and by_type["head_lice"] == 1.0 and by_type["referral"] == 0
    assert by_type["made_up_type"] == 3.0
    harm = series([("E1", "2023-12-31", "not_in_the_vocabulary")],
                  config={"kind_weights": {"other": 0.25}})
    assert harm.loc["2023-12-31", "index"] == 0.25


def test_a_population_gets_the_same_index_at_the_start_and_end_of_its_period():
    """harm_at (a screen's two dates) and harm_series (a case's months) are one query."""
    from chronos.patterns import compile as comp
    from chronos.patterns.engine import connect
    from chronos.patterns.harm import harm_at, harm_series
    from chronos.sql.engines import DuckDBEngine

    rows = [("E1", "2022-03-04", "head_lice"), ("E2", "2023-06-30", "injury"),
            ("E3", "2023-07-01", "substance_misuse", "M1", "Drugs service")]
    finding = model.conform([{"finding_id": "F1", "rule_id": "r", "person_id": "C1",
                              "severity": "medium", "window_start": "2023-01-01",
                              "window_end": "2023-06-30"}], "findings")
    engine = DuckDBEngine(connect(events_from(rows), FAMILY, RELATIONSHIPS))
    engine.prepare(comp.prepare_sql("2023-12-31"))
    months = harm_series(engine, finding, "2023-12-31").set_index(["person_id", "date"])
    two = harm_at(engine, finding, "2023-12-31", "2023-05-31").set_index("person_id")
    engine.close()
    for child, day in (("C1", "2023-12-31"), ("C1", "2023-05-31"), ("B1", "2023-12-31")):
        part = "end" if day == "2023-12-31" else "start"
        assert two.at[child, f"events_{part}"] + two.at[child, f"findings_{part}"] == \
            pytest.approx(months.loc[(child, day), "index"], abs=0.0005)
    assert two.at["C1", "findings_end"] > 0 and two.at["C1", "findings_start"] == 0
    # Bea was born in June: nothing counted for her at the period's start
    assert two.at["B1", "events_start"] == 0 < two.at["B1", "events_end"]
