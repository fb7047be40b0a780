"""explain-link: per-field contributions that add up to the score, and the outcome."""

import pandas as pd
import pytest

from chronos.errors import ChronosError
from chronos.link.explain import explain_link

RECORDS = pd.DataFrame([
    {"record_key": "gp:1", "given_name": "Kayden", "family_name": "Smith", "dob": "2019-04-03",
     "sex": "M", "postcode": "LS1 4AP"},
    {"record_key": "school:1", "given_name": "Kaden", "family_name": "Smith-Jones",
     "dob": "2019-04-03", "sex": "M", "postcode": "LS1 4AP"},
    {"record_key": "gp:2", "given_name": "Kylie", "family_name": "Smith", "dob": "2019-04-03",
     "sex": "F", "postcode": "LS1 4AP"},
])


def test_contributions_sum_to_the_match_weight():
    explanation = explain_link(RECORDS, "gp:1", "school:1")
    assert explanation.table["match_weight"].sum() == pytest.approx(explanation.match_weight)
    levels = explanation.table.set_index("field")["level"]
    assert levels["given"] == "nickname" and levels["dob"] == "exact"
    assert levels["nhs"].startswith("missing")
    assert "joined" in explanation.outcome


def test_twins_show_the_veto_and_stay_apart(tmp_path):
    explanation = explain_link(RECORDS, "gp:1", "gp:2")
    assert explanation.vetoes == ["given"]
    assert "veto" in explanation.decision and "kept them apart" in explanation.outcome
    assert "before the veto" in explanation.as_text()
    png = tmp_path / "w.png"
    explanation.save_waterfall(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unknown_record_is_a_clear_error():
    with pytest.raises(ChronosError, match="no person record"):
        explain_link(RECORDS, "gp:1", "gp:99")


def test_a_pair_no_blocking_rule_brings_together_is_reported_as_never_compared():
    records = pd.DataFrame([
        {"record_key": "gp:1", "given_name": "Reece", "family_name": "Ingson",
         "dob": "2008-03-16", "sex": "M", "postcode": "NS19 8DP"},
        {"record_key": "police:4", "given_name": "Reece", "family_name": "Inson", "sex": "M"},
    ])
    explanation = explain_link(records, "gp:1", "police:4")
    assert explanation.blocking == []
    assert explanation.decision.startswith("not compared")
    assert "never compared" in explanation.as_text()
    assert "kept them apart" in explanation.outcome        # no longer "join" then "apart"


def test_the_blocking_rules_that_compare_a_pair_are_named():
    explanation = explain_link(RECORDS, "gp:1", "school:1")
    assert "l.dob = r.dob and l.family_first = r.family_first" in explanation.blocking
    assert "compared by linking: blocking rule" in explanation.as_text()


def test_a_nameless_census_record_is_compared_on_its_birthday():
    records = pd.concat([RECORDS, pd.DataFrame([
        {"record_key": "cin:C77", "dob": "2019-04-03", "sex": "M", "la_child_id": "C77"}])],
        ignore_index=True)
    explanation = explain_link(records, "gp:1", "cin:C77")
    assert any("name_key is null" in rule for rule in explanation.blocking)
