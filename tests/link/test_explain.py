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


def test_explain_link_shows_a_dated_childs_role_as_linking_weighs_it():
    import pandas as pd

    from chronos.link.explain import explain_link
    from chronos.link.people import link_people

    rows = [{"record_key": k, "given_name": g, "family_name": "Fordash", "dob": d, "sex": s,
             "source_file": f"{k.split(':')[0]}.csv", "source_ref": k.split(":")[1]}
            for k, g, d, s in (("gp:1", "Tom", "2015-01-01", "M"), ("police:1", "Tom", None, "M"),
                               ("gp:2", "Hannah", "1982-09-13", "F"),
                               ("gp:3", "Ava", "2018-01-01", "F"),
                               ("gp:4", "Ben", "1980-03-02", "M"))]
    records = pd.DataFrame(rows)
    events = pd.DataFrame([{"event_id": "e1", "date": "2021-04-08", "date_precision": "day",
                            "person_ids": "police:1", "person_roles": "police:1=child"}])
    plain = explain_link(records, "gp:1", "police:1", with_outcome=False)
    dated = explain_link(records, "gp:1", "police:1", events=events, with_outcome=False)
    row = dated.table.set_index("field").loc["dated_role"]
    assert row["value_b"] == "child on 2021-04-08" and row["u"] == 0.5
    assert "dated_role" not in set(plain.table["field"])
    pair = link_people(records, events=events).pairs.set_index(["key_l", "key_r"])
    assert dated.match_probability == pytest.approx(
        pair.at[("gp:1", "police:1"), "match_probability"])
    assert dated.match_weight == pytest.approx(plain.match_weight + row["match_weight"])
    assert "child on 2021-04-08" in dated.as_text()
