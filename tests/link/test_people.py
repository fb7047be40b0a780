"""Person linking: the family in the issue, twins, same-name relatives, overrides, bad input."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chronos import model
from chronos.link.people import link_people


def rec(key, given=None, family=None, dob=None, **extra):
    source = key.split(":")[0]
    row = {"record_key": key, "given_name": given, "family_name": family, "dob": dob,
           "dob_precision": "day" if dob else None, "source_file": f"{source}.csv",
           "source_ref": key.split(":")[1], "agency": source.upper()}
    row.update(extra)
    return row


KAYDEN = [
    rec("gp:1", "Kayden", "Smith", "2019-04-03", sex="M", postcode="LS1 4AP",
        nhs_number="9434765919"),
    rec("school:7", "Kaden", "Smith-Jones", "2019-04-03", sex="M", postcode="LS1 4AP",
        upn="B801200005001"),
    rec("police:3", "K", "SMITH", None, postcode="LS1 4AP"),
]
MOTHER = rec("gp:2", "Jade", "Smith", "1995-11-20", sex="F", postcode="LS1 4AP")


def same(result, a, b):
    return result.record_to_person[a] == result.record_to_person[b]


def test_the_issue_family_links_into_one_child():
    result = link_people(pd.DataFrame(KAYDEN + [MOTHER]))
    assert same(result, "gp:1", "school:7") and same(result, "gp:1", "police:3")
    assert not same(result, "gp:1", "gp:2")
    assert len(result.persons) == 2
    child = result.persons[result.persons["person_id"] == result.record_to_person["gp:1"]].iloc[0]
    assert child["given_name"] == "Kayden"            # full name preferred over "K"
    assert child["nhs_number"] == "9434765919" and child["upn"] == "B801200005001"
    assert child["agency"] == "GP;POLICE;SCHOOL"
    assert list(result.links.columns[:6]) == list(model.LINKS)
    assert len(result.links) == 4 and set(result.links["record_key"]) == set(result.record_to_person)
    methods = result.links.set_index("record_key")["method"]
    assert methods["gp:2"] == "single" and methods["gp:1"] == "probabilistic"


def test_twins_are_never_merged_and_a_vague_record_is_not_guessed():
    twins = [
        rec("gp:1", "Kayden", "Smith", "2019-04-03", sex="M", postcode="LS1 4AP"),
        rec("gp:2", "Kylie", "Smith", "2019-04-03", sex="F", postcode="LS1 4AP"),
        rec("school:1", "Kayden", "Smith", "2019-04-03", sex="M", postcode="LS1 4AP"),
        rec("school:2", "Kylie", "Smith", "2019-04-03", sex="F", postcode="LS1 4AP"),
        rec("police:9", "K", "Smith", None, postcode="LS1 4AP"),
    ]
    result = link_people(pd.DataFrame(twins))
    assert same(result, "gp:1", "school:1") and same(result, "gp:2", "school:2")
    assert not same(result, "gp:1", "gp:2")
    assert not same(result, "police:9", "gp:1") and not same(result, "police:9", "gp:2")
    reasons = result.review["reason"].str.cat(sep=" ")
    assert "ambiguous" in reasons                     # a person decides who "K Smith" is


def test_parent_and_same_named_child_are_kept_apart():
    rows = [rec("gp:1", "Kayden", "Smith", "2019-04-03", sex="M", postcode="LS1 4AP"),
            rec("gp:2", "Kayden", "Smith", "1990-02-01", sex="M", postcode="LS1 4AP"),
            rec("hv:1", "Kayden", "Smith", "1990-01-02", sex="M", postcode="LS1 4AP"),
            rec("hv:2", "Kayden", "Smith", "2019-04-03", postcode="LS1 4AP")]
    result = link_people(pd.DataFrame(rows))
    assert not same(result, "gp:1", "gp:2")
    assert same(result, "gp:2", "hv:1")               # day and month swapped
    assert same(result, "gp:1", "hv:2")
    assert len(result.persons) == 2


def test_same_named_siblings_years_apart_are_kept_apart():
    rows = [rec("gp:1", "John", "Brown", "2010-06-01", sex="M"),
            rec("gp:2", "John", "Brown", "2015-09-12", sex="M"),
            rec("school:1", "Johnny", "Brown", "2015-09-12", sex="M")]
    result = link_people(pd.DataFrame(rows))
    assert not same(result, "gp:1", "gp:2")
    assert same(result, "gp:2", "school:1")           # nickname


def test_overrides_must_and_cannot_link():
    rows = KAYDEN + [MOTHER, rec("hv:5", "Jayde", "Smyth", None)]
    overrides = {"must_link": [["gp:2", "hv:5"]], "cannot_link": [["gp:1", "police:3"]]}
    result = link_people(pd.DataFrame(rows), overrides=overrides)
    assert same(result, "gp:2", "hv:5")
    assert not same(result, "gp:1", "police:3")
    assert result.links.set_index("record_key").at["hv:5", "method"] == "override"


def test_overrides_from_file_and_unknown_keys_warn(tmp_path):
    path = tmp_path / "overrides.yaml"
    path.write_text("must_link:\n  - [gp:1, nobody:1]\ncannot_link:\n  - {a: gp:1, b: school:7}\n")
    result = link_people(pd.DataFrame(KAYDEN), overrides=path)
    assert not same(result, "gp:1", "school:7")
    assert any(w.code == "override.unknown_record" and w.value == "nobody:1"
               for w in result.warnings)


def test_shared_nhs_number_links_deterministically_despite_a_name_typo():
    rows = [rec("gp:1", "Kayden", "Smith", "2019-04-03", nhs_number="9434765919"),
            rec("hosp:1", "Kaydon", "Smiht", "2019-04-03", nhs_number="943 476 5919")]
    result = link_people(pd.DataFrame(rows))
    assert same(result, "gp:1", "hosp:1")
    assert set(result.links["method"]) == {"identifier"}
    assert result.persons.iloc[0]["person_id"] == model.stable_id("P", "nhs", "9434765919")


def test_shared_identifier_with_incompatible_person_goes_to_review_not_merged():
    rows = [rec("gp:1", "Kayden", "Smith", "2019-04-03", nhs_number="9434765919"),
            rec("hosp:1", "Jade", "Smith", "1995-11-20", nhs_number="9434765919")]
    result = link_people(pd.DataFrame(rows))
    assert not same(result, "gp:1", "hosp:1")
    assert any(w.code == "link.identifier_conflict" for w in result.warnings)
    assert result.review["reason"].str.contains("shares nhs").any()
    assert len(set(result.persons["person_id"])) == 2     # no id collision


def test_bad_input_warns_and_merges_nothing_on_bad_data():
    rows = [
        rec("gp:1", "", "", None, nhs_number="9434765918"),                      # empty names, bad NHS
        rec("gp:2", "", None, None, nhs_number="9434765918"),                    # same bad NHS
        rec("gp:3", "Ava", "Green", "2099-01-01"),                               # future DOB
        rec("hosp:3", "Ava", "Green", "2099-01-01"),
        rec("gp:4", "Leo", "Hart", "2018-02-02", nhs_number="9434765919;4010232137"),
        rec("hosp:4", "Leo", "Hart", "2016-07-07", nhs_number="4010232137"),
    ]
    result = link_people(pd.DataFrame(rows), as_of=pd.Timestamp("2024-03-31").date())
    codes = {(w.source_file, w.source_ref, w.code) for w in result.warnings}
    assert ("gp.csv", "1", "identifier.nhs_check_digit") in codes
    assert ("gp.csv", "1", "person.no_identifying_data") in codes
    assert ("gp.csv", "3", "dob.future") in codes
    assert ("gp.csv", "4", "identifier.conflict") in codes
    assert not same(result, "gp:1", "gp:2")               # an invalid NHS number is no key
    assert not same(result, "gp:4", "hosp:4")             # a conflicting one is no key either
    assert len(result.links) == 6


def test_a_source_with_no_person_columns_does_not_crash():
    records = pd.DataFrame([{"record_key": "housing:1", "source_file": "housing.csv",
                             "source_ref": "1"},
                            {"record_key": "housing:2", "source_file": "housing.csv",
                             "source_ref": "2"}])
    result = link_people(records)
    assert len(result.persons) == 2 and set(result.links["method"]) == {"single"}
    assert sum(w.code == "person.no_identifying_data" for w in result.warnings) == 2


def test_empty_and_single_inputs():
    assert len(link_people(pd.DataFrame()).persons) == 0
    result = link_people(pd.DataFrame([KAYDEN[0]]))
    assert len(result.persons) == 1 and result.links.iloc[0]["method"] == "single"


def test_output_is_deterministic_and_independent_of_row_order():
    rows = KAYDEN + [MOTHER]
    first = link_people(pd.DataFrame(rows))
    second = link_people(pd.DataFrame(list(reversed(rows))))
    pd.testing.assert_frame_equal(first.persons, second.persons)
    pd.testing.assert_frame_equal(first.links, second.links)
    assert first.persons.to_csv(index=False) == second.persons.to_csv(index=False)


def test_settings_thresholds_change_decisions():
    rows = [rec("gp:1", "K", "Smith", None, postcode="LS1 4AP"),
            rec("school:1", "Kayden", "Smith", "2019-04-03", postcode="LS1 4AP")]
    assert same(link_people(pd.DataFrame(rows)), "gp:1", "school:1")
    strict = link_people(pd.DataFrame(rows), settings={"link_threshold": 0.999999999})
    assert not same(strict, "gp:1", "school:1")
    assert "uncertain" in strict.review["reason"].iloc[0]


def test_review_decisions_become_overrides_that_the_next_build_applies():
    from chronos.link.overrides import decisions_to_overrides

    rows = [rec("gp:1", "K", "Smith", None, postcode="LS1 4AP"),
            rec("school:1", "Kayden", "Smith", "2019-04-03", postcode="LS1 4AP")]
    strict = {"link_threshold": 0.999999999}
    first = link_people(pd.DataFrame(rows), settings=strict)
    review = first.review.copy()
    review["decision"] = "same"
    overrides = decisions_to_overrides(review)
    assert overrides["must_link"] == [["gp:1", "school:1"]]
    second = link_people(pd.DataFrame(rows), settings=strict, overrides=overrides)
    assert same(second, "gp:1", "school:1") and second.review.empty


# --- thin and old records (issue 15) -----------------------------------------------------

def test_a_census_record_with_no_name_joins_the_child_born_that_day():
    census = rec("cin:C77", None, None, "2019-04-03", sex="M", la_child_id="C77")
    result = link_people(pd.DataFrame(KAYDEN + [MOTHER, census]))
    assert same(result, "cin:C77", "gp:1") and not same(result, "cin:C77", "gp:2")


def test_a_nameless_record_that_fits_two_children_is_offered_not_guessed():
    twins = [rec("gp:1", "Kayden", "Smith", "2019-04-03", sex="M", postcode="LS1 4AP"),
             rec("gp:2", "Kyle", "Smith", "2019-04-03", sex="M", postcode="LS1 4AP"),
             rec("cin:C9", None, None, "2019-04-03", sex="M", la_child_id="C9")]
    result = link_people(pd.DataFrame(twins))
    assert not same(result, "cin:C9", "gp:1") and not same(result, "cin:C9", "gp:2")
    offered = result.review[result.review["record_key_b"].eq("gp:1") |
                            result.review["record_key_b"].eq("gp:2")]
    assert {"cin:C9"} <= set(result.review["record_key_a"]) and len(offered) == 2


def test_a_nameless_record_held_by_the_thin_threshold_joins_when_nobody_shares_the_birthday():
    # a threshold no pair reaches stands in for a population's low prior: the pair is held
    strict = {"thin_link_threshold": 0.99999999}
    census = rec("cin:C77", None, None, "2019-04-03", sex="M", la_child_id="C77")
    result = link_people(pd.DataFrame(KAYDEN + [MOTHER, census]), settings=strict)
    assert same(result, "cin:C77", "gp:1")               # the only child born that day
    assert result.links.set_index("record_key").at["cin:C77", "method"] == "probabilistic"
    assert not result.review["record_key_a"].eq("cin:C77").any()
    # another child born that day (sex unknown): two candidates, held and offered
    other = rec("gp:8", "Ellis", "Ward", "2019-04-03", postcode="B1 1AA")
    result = link_people(pd.DataFrame(KAYDEN + [MOTHER, census, other]), settings=strict)
    assert not same(result, "cin:C77", "gp:1") and not same(result, "cin:C77", "gp:8")
    assert {"gp:1", "gp:8"} <= set(result.review.loc[result.review["record_key_a"]
                                                     .eq("cin:C77"), "record_key_b"])


def test_a_nameless_record_with_another_la_child_id_than_its_only_candidate_joins_for_checking():
    # an LA child id is one authority's number: a census return of the authority the child
    # moved to (or of an older system) holds another; the only child born that day is
    # joined, and the pair is offered in link-review.csv for a person to check
    strict = {"thin_link_threshold": 0.99999999}
    known = rec("csc:4", "Kayden", "Smith", "2019-04-03", sex="M", la_child_id="CS1234",
                nhs_number="9434765919")
    census = rec("cin:C77", None, None, "2019-04-03", sex="M", la_child_id="L99")
    result = link_people(pd.DataFrame(KAYDEN + [known, census]), settings=strict)
    assert same(result, "gp:1", "csc:4") and same(result, "cin:C77", "gp:1")
    reasons = set(result.review.loc[result.review["record_key_a"].eq("cin:C77") |
                                    result.review["record_key_b"].eq("cin:C77"), "reason"])
    assert len(reasons) == 1 and "holds another LA child id" in reasons.pop()
    # a second census record of the same export holding the child's id is another
    # child: one export's two LA child ids are two children
    second = rec("cin:C78", None, None, "2019-04-03", sex="M", la_child_id="CS1234")
    result = link_people(pd.DataFrame(KAYDEN + [known, census, second]), settings=strict)
    assert same(result, "cin:C78", "csc:4") and not same(result, "cin:C77", "cin:C78")


def test_a_vague_record_stating_a_sex_joins_the_twin_of_that_sex():
    twins = [rec("gp:1", "James", "Smith", "2019-04-03", sex="M", postcode="LS1 4AP"),
             rec("gp:2", "Jade", "Smith", "2019-04-03", sex="F", postcode="LS1 4AP"),
             rec("school:1", "Jade", "Smith", "2019-04-03", sex="F", postcode="LS1 4AP"),
             rec("police:9", "J", "Smith", None, sex="F", postcode="LS1 4AP")]
    result = link_people(pd.DataFrame(twins))
    assert same(result, "police:9", "gp:2") and same(result, "police:9", "school:1")
    assert not same(result, "police:9", "gp:1")
    reasons = dict(zip(zip(result.review["record_key_a"], result.review["record_key_b"]),
                       result.review["reason"]))
    assert reasons[("gp:1", "police:9")].startswith("ruled out: police:9")
    assert "different sexes" in reasons[("gp:1", "police:9")]
    # without a stated sex the initial fits both twins: offered, not guessed
    unsure = link_people(pd.DataFrame(twins[:3] + [{**twins[3], "sex": None}]))
    assert not any(same(unsure, "police:9", k) for k in ("gp:1", "gp:2", "school:1"))


def test_a_vague_record_naming_a_parent_is_not_the_same_named_young_son():
    from datetime import date

    family = [rec("gp:1", "Aaron", "Ockley", "1990-05-02", sex="M", postcode="LS1 4AP",
                  role="parent"),
              rec("gp:2", "Aaron", "Ockley", "2019-08-09", sex="M", postcode="LS1 4AP",
                  role="child"),
              rec("police:5", "Aaron", "Ockley", None, sex="M", postcode="LS1 4AP",
                  role="father")]
    result = link_people(pd.DataFrame(family), as_of=date(2024, 3, 31))
    assert same(result, "police:5", "gp:1") and not same(result, "police:5", "gp:2")
    # a child's role does not rule the father out: he was a child in older records
    child = link_people(pd.DataFrame(family[:2] + [{**family[2], "role": "child"}]),
                        as_of=date(2024, 3, 31))
    assert not same(child, "police:5", "gp:1") and not same(child, "police:5", "gp:2")
    # nor does a parent's role rule out a son old enough to be one
    grown = link_people(pd.DataFrame(family), as_of=date(2040, 3, 31))
    assert not same(grown, "police:5", "gp:1") and not same(grown, "police:5", "gp:2")


def test_a_record_naming_a_parent_never_joins_a_young_child_even_as_its_only_candidate():
    from datetime import date

    rows = [rec("gp:2", "Ivy", "Roswin", "2015-07-03", sex="F", postcode="MN13 5EH",
                role="child"),
            rec("school:2", "Ivy", "Roswin", "2015-07-03", sex="F", postcode="MN13 5EH"),
            rec("police:7", "I", "Roswin", None, sex="F", postcode="MN13 5EH", role="Mother")]
    result = link_people(pd.DataFrame(rows), as_of=date(2024, 3, 31))
    assert same(result, "gp:2", "school:2") and not same(result, "police:7", "gp:2")
    reasons = set(result.review.loc[result.review["record_key_a"].eq("police:7")
                                    | result.review["record_key_b"].eq("police:7"), "reason"])
    assert any(r.startswith("ruled out: police:7") and "names an adult" in r for r in reasons)


def _event(key, day, role=None, precision="day", **extra):
    return {"event_id": f"E-{key}-{day}", "date": day, "date_precision": precision,
            "person_ids": key, "person_roles": f"{key}={role}" if role else None, **extra}


def _reasons_of(result, key):
    review = result.review
    return set(review.loc[review["record_key_a"].eq(key) | review["record_key_b"].eq(key),
                          "reason"])


HARRY = [rec("gp:1", "Harry", "Garley", "1991-02-11", sex="M", postcode="BN27 5ZJ",
             role="parent"),
         rec("gp:2", "Harry", "Garley", "2016-05-08", sex="M", postcode="BN27 5ZJ",
             role="child"),
         rec("school:2", "Harry", "Garley", "2016-05-08", sex="M", postcode="BN27 5ZJ",
             role="child")]


def test_a_vague_record_naming_the_child_in_2021_is_not_the_father_aged_thirty():
    from datetime import date

    police = rec("police:4", "Harry", "Garley", None, sex="M", postcode="BN27 5ZJ",
                 role="child")
    rows = pd.DataFrame(HARRY + [police])
    # undated, the child's role says nothing: the father was a child once
    undated = link_people(rows, as_of=date(2024, 3, 31))
    assert not any(same(undated, "police:4", k) for k in ("gp:1", "gp:2"))
    # the record's events say when: named as a child in 2021, he was not born in 1991
    events = pd.DataFrame([_event("police:4", "2021-06-02", "child"),
                           _event("gp:2", "2016-05-09", "subject")])
    dated = link_people(rows, as_of=date(2024, 3, 31), events=events)
    assert same(dated, "police:4", "gp:2") and same(dated, "police:4", "school:2")
    assert not same(dated, "police:4", "gp:1")
    assert any(r.startswith("ruled out: police:4") and "names the child" in r
               for r in _reasons_of(dated, "police:4"))
    # a person record's role "child" dates from its first event: a record whose first
    # event is of 2003 (the father aged twelve) rules nobody out
    early = pd.DataFrame([_event("police:4", "2003-01-20"), _event("police:4", "2021-06-02")])
    kept = link_people(rows, as_of=date(2024, 3, 31), events=early)
    assert not any(same(kept, "police:4", k) for k in ("gp:1", "gp:2"))


def test_a_vague_record_naming_a_carer_in_2019_is_not_a_boy_then_aged_nine():
    from datetime import date

    rows = [rec("gp:1", "Kai", "Ockley", "1990-05-02", sex="M", postcode="LS1 4AP"),
            rec("gp:2", "Kai", "Ockley", "2010-08-09", sex="M", postcode="LS1 4AP"),
            rec("csc:5", "Kai", "Ockley", None, sex="M", postcode="LS1 4AP")]
    frame = pd.DataFrame(rows)
    # in 2024 the son is thirteen: nothing the records say tells the two apart
    assert not any(same(link_people(frame, as_of=date(2024, 3, 31)), "csc:5", k)
                   for k in ("gp:1", "gp:2"))
    # an event of 2019 naming the person as a carer: the son was nine
    events = pd.DataFrame([_event("csc:5", "2019", "carer", precision="year")])
    dated = link_people(frame, as_of=date(2024, 3, 31), events=events)
    assert same(dated, "csc:5", "gp:1") and not same(dated, "csc:5", "gp:2")
    # a carer named in an uncertain or unknown year says nothing
    vague_day = pd.DataFrame([_event("csc:5", "2019-01-01", "carer", precision="unknown"),
                              _event("csc:5", "2019-05-01", "carer", date_uncertain=True)])
    unsure = link_people(frame, as_of=date(2024, 3, 31), events=vague_day)
    assert not any(same(unsure, "csc:5", k) for k in ("gp:1", "gp:2"))


def test_a_vague_record_naming_a_victim_in_2014_is_not_the_namesake_son_born_2017():
    from datetime import date

    rows = [rec("gp:1", "Mark", "King", "1999-12-17", sex="M", postcode="NS1 5DD"),
            rec("csc:1", "Mark", "King", "1999-12-17", sex="M", postcode="NS1 5DD"),
            rec("school:2", "Mark", "King", "2017-09-04", sex="M", postcode="NS1 5DD"),
            rec("police:3", "Mprk", "King", None, sex="M", postcode="NS1 5DD")]
    frame = pd.DataFrame(rows)
    assert not same(link_people(frame, as_of=date(2024, 3, 31)), "police:3", "gp:1")
    events = pd.DataFrame([_event("police:3", "2014-02-01", "victim"),
                           _event("police:3", "2022-02-01", "witness")])
    dated = link_people(frame, as_of=date(2024, 3, 31), events=events)
    assert same(dated, "police:3", "gp:1") and not same(dated, "police:3", "school:2")
    assert any("long before" in r for r in _reasons_of(dated, "police:3"))
    # as a plain subject (a chronology gives its child the family's history) it says nothing
    subject = events.assign(person_roles="police:3=subject")
    assert not same(link_people(frame, as_of=date(2024, 3, 31), events=subject),
                    "police:3", "gp:1")


def test_a_candidate_ruled_out_by_a_date_is_another_person_for_every_record():
    """The police record is the boy (its child's role in 2021 rules the ancestor born
    1880 out); the family tree's undated Robert fits the boy, the police record and that
    ancestor alike: it is not joined through the police record."""
    from datetime import date

    tree = dict(source_format="gedcom", source_file="family.ged")
    rows = [rec("csc:1", "Robert", "Lankinpar", "2021-06-16", sex="M"),
            rec("gp:1", "Robejt", "Lankinpar", "2021-06-16", sex="M", postcode="MD27 1LU"),
            rec("police:7", "Robert", "Lankinpar", None, sex="M", postcode="MD27 1LU",
                role="child"),
            rec("tree:I1", "Robert", "Lankinpar", "1880-01-01", sex="M",
                dob_precision="year", **tree),
            rec("tree:I2", "Robert", "Lankinpar", None, sex="M", **tree)]
    events = pd.DataFrame([_event("police:7", "2021-07-03", "child"),
                           _event("csc:1", "2021-03-01", "child")])
    result = link_people(pd.DataFrame(rows), as_of=date(2024, 3, 31), events=events)
    assert same(result, "police:7", "csc:1") and same(result, "police:7", "gp:1")
    assert not any(same(result, "tree:I2", k) for k in ("police:7", "csc:1", "tree:I1"))
    assert any(r.startswith("ambiguous: tree:I2") for r in _reasons_of(result, "tree:I2"))


def test_a_record_its_own_dates_contradict_states_nothing_but_its_birth():
    """A GP record of a girl born 2015 mis-coded as a parent in 2020: its role is a data
    error, not a reason to keep it from the girl's other record with the same NHS
    number."""
    from datetime import date

    rows = [rec("gp:1", "Ivy", "Donbar", "2015-01-02", sex="F", nhs_number="9434765919",
                role="parent"),
            rec("school:1", "Ivy", "Donbar", "2015-01-02", sex="F", nhs_number="9434765919")]
    events = pd.DataFrame([_event("gp:1", "2020-02-03", "carer"),
                           _event("school:1", "2020-09-01", "subject")])
    result = link_people(pd.DataFrame(rows), as_of=date(2024, 3, 31), events=events)
    assert same(result, "gp:1", "school:1")


def test_a_record_made_in_2016_is_not_an_ancestor_born_in_1870():
    from datetime import date

    tree = dict(source_format="gedcom", source_file="family.ged")
    rows = [rec("gp:1", "Daisy", "Branhar", "2015-04-07", sex="F", postcode="BN7 3QA"),
            rec("tree:I1", "Daisy", "Branhar", "2015-04-07", sex="F", **tree),
            rec("tree:I2", "Daisy", "Branhar", "1870-03-02", sex="F", **tree),
            rec("police:6", "Daisy", "Branhar", None, sex="F", postcode="BN7 3QA")]
    frame = pd.DataFrame(rows)
    undated = link_people(frame, as_of=date(2024, 3, 31))
    assert not same(undated, "police:6", "gp:1")
    events = pd.DataFrame([_event("police:6", "2016-11", "present", precision="month")])
    dated = link_people(frame, as_of=date(2024, 3, 31), events=events)
    assert same(dated, "police:6", "gp:1") and same(dated, "police:6", "tree:I1")
    assert not same(dated, "police:6", "tree:I2")
    assert any("lifetime" in r for r in _reasons_of(dated, "police:6"))


def test_records_declared_distinct_stay_apart_after_identical_records_are_collapsed():
    # two identical records sort first and become one unit: the declarations of the
    # records after them must stay theirs
    rows = [rec("a:1", "Ann", "Bell", "2001-01-01"), rec("a:2", "Ann", "Bell", "2001-01-01"),
            rec("gp:1", "Henry", "Tudor", None),
            rec("tree:I1", "Henry", "Tudor", None, source_format="gedcom"),
            rec("tree:I2", "Henry", "Tudor", None, source_format="gedcom")]
    result = link_people(pd.DataFrame(rows), settings={"distinct_within_source": False})
    assert same(result, "a:1", "a:2") and not same(result, "tree:I1", "tree:I2")


def test_two_nameless_records_of_one_source_stay_two_children():
    rows = [rec("cin:A1", None, None, "2019-04-03", sex="F", la_child_id="A1"),
            rec("cin:A2", None, None, "2019-04-03", sex="F", la_child_id="A2"),
            rec("gp:5", "Ava", "Reed", "2019-04-03", sex="F")]
    result = link_people(pd.DataFrame(rows))
    assert not same(result, "cin:A1", "cin:A2")


def test_namesakes_born_before_1900_are_different_people():
    rows = [rec("tree:I1", "George", "Hale", "1871-05-02", sex="M"),
            rec("parish:7", "George", "Hale", "1898-11-30", sex="M"),
            rec("gp:3", "George", "Hale", "1990-01-14", sex="M", postcode="LS1 4AP"),
            rec("census:4", "George", "Hale", "1888", sex="M", dob_precision="year"),
            rec("police:8", "George", "Hale", None, sex="M")]
    result = link_people(pd.DataFrame(rows))
    people = {result.record_to_person[k] for k in ("tree:I1", "parish:7", "gp:3", "census:4")}
    assert len(people) == 4       # 1871, 1898, 1990 and a year-only 1888: four men
    # the undated record does not make one person of any two of them
    assert sum(same(result, "police:8", k) for k in ("tree:I1", "parish:7", "gp:3",
                                                     "census:4")) <= 1


def test_the_royal_family_tree_gives_one_person_per_individual(shared_data):
    from chronos.ingest.base import Source
    from chronos.ingest.gedcom import GedcomIngester

    tree = GedcomIngester().read(Source(path=shared_data / "gedcom" / "royal92.ged",
                                        name="royal", options={"as_of": "2024-03-31"}))
    result = link_people(tree.persons)
    # 3,010 INDI records: eight kings called Henry, many without dates, stay eight kings
    assert len(result.persons) == 3010
    henries = tree.persons[tree.persons["given_name"].fillna("").str.startswith("Henry")]
    assert len({result.record_to_person[k] for k in henries["record_key"]}) == len(henries)


def test_two_local_ids_of_one_source_are_never_one_person_even_through_another_record():
    rows = [rec("csc:C1", "Mia", "Ward", "2016-02-03", la_child_id="C1", postcode="LS1 4AP"),
            rec("csc:C2", "Mia", "Ward", "2016-02-03", la_child_id="C2", postcode="LS1 4AP"),
            rec("gp:9", "Mia", "Ward", "2016-02-03", postcode="LS1 4AP")]
    result = link_people(pd.DataFrame(rows))
    assert not same(result, "csc:C1", "csc:C2")


def test_vetoed_near_pairs_are_offered_for_review_with_the_reason():
    rows = [rec("gp:1", "Jayden", "Ward", "2018-07-01", sex="M", postcode="LS1 4AP"),
            rec("school:1", "Oliver", "Ward", "2018-07-01", sex="M", postcode="LS1 4AP"),
            rec("gp:2", "Amira", "Khan", "2020-02-29", sex="F", postcode="B1 1AA"),
            rec("hv:2", "Amira", "Khan", "2020-03-01", sex="F", postcode="B1 1AA")]
    result = link_people(pd.DataFrame(rows))
    assert not same(result, "gp:1", "school:1") and not same(result, "gp:2", "hv:2")
    reasons = dict(zip(zip(result.review["record_key_a"], result.review["record_key_b"]),
                       result.review["reason"]))
    assert "first names differ" in reasons[("gp:1", "school:1")]
    assert "a day apart" in reasons[("gp:2", "hv:2")]


def test_declared_distinct_formats_come_from_the_model(tmp_path):
    rows = [rec("tree:I1", "Henry", "Tudor", None, source_format="gedcom"),
            rec("tree:I2", "Henry", "Tudor", None, source_format="gedcom"),
            rec("gp:1", "Henry", "Tudor", None)]
    assert len({link_people(pd.DataFrame(rows)).record_to_person[k]
                for k in ("tree:I1", "tree:I2")}) == 2
    relaxed = link_people(pd.DataFrame(rows), settings={"distinct_formats": [],
                                                        "distinct_within_source": False})
    assert same(relaxed, "tree:I1", "tree:I2")     # without the declaration: one Henry


def _ambiguous_by_every_pair(prob, cannot, margin, vague, dobs, vague_margin):
    """The definition of linking's ambiguity check, pair of candidates by pair."""
    from chronos.link.cluster import dates_compatible

    weights: dict[str, dict[str, float]] = {}
    for a, b, w in zip(prob["key_l"], prob["key_r"], prob["match_weight"]):
        weights.setdefault(a, {})[b] = w
        weights.setdefault(b, {})[a] = w
    out, held = {}, {}
    for rec in sorted(weights):          # a pair's message is its larger record's
        candidates = weights[rec]
        best = max(candidates.values())
        limit = vague_margin if rec in vague else margin
        close = sorted(o for o, w in candidates.items() if best - w <= max(margin, limit))
        if len(close) < 2:
            continue
        rivals = {o for x in close for y in close if x < y for o in (x, y)
                  if (x, y) in cannot or (dobs.get(x) and dobs.get(y)
                                          and not dates_compatible(dobs[x], dobs[y]))}
        for other in sorted(rivals):
            others = ", ".join(sorted(rivals - {other}))
            out[tuple(sorted((rec, other)))] = (
                f"ambiguous: {rec} matches {other} and also {others}, who are different people")
        held[rec] = rivals
    for rec, rivals in held.items():     # a vague record's weaker candidate apart from
        if rec not in vague:             # one of its rivals
            continue
        for other in sorted(weights[rec]):
            pair = tuple(sorted((rec, other)))
            if other not in rivals and pair not in out and any(
                    tuple(sorted((other, r))) in cannot or (
                        dobs.get(other) and dobs.get(r)
                        and not dates_compatible(dobs[other], dobs[r])) for r in rivals):
                out[pair] = (f"ambiguous: {rec} matches {other} less well than "
                             f"{', '.join(sorted(rivals))}, who are different people")
    return out


@settings(max_examples=60)
@given(st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11), st.integers(0, 12)),
                min_size=1, max_size=40),
       st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=8),
       st.lists(st.sampled_from([None, "2019-04-03", "2019-03-04", "2019-04-13", "1990-01-01"]),
                min_size=12, max_size=12),
       st.sets(st.integers(0, 11), max_size=4))
def test_the_ambiguity_check_equals_its_pair_by_pair_definition(edges, vetoed, born, vague):
    from chronos.link.people import _ambiguous

    key = "r{:02d}".format
    rows = {}
    for a, b, w in edges:
        if a != b:
            rows[tuple(sorted((key(a), key(b))))] = float(w)
    if not rows:
        return
    prob = pd.DataFrame([(a, b, w) for (a, b), w in sorted(rows.items())],
                        columns=["key_l", "key_r", "match_weight"])
    cannot = {tuple(sorted((key(a), key(b)))) for a, b in vetoed if a != b}
    dobs = {key(i): d for i, d in enumerate(born)}
    vague_keys = {key(i) for i in vague}
    expected = _ambiguous_by_every_pair(prob, cannot, 3.0, vague_keys, dobs, 10.0)
    assert _ambiguous(prob, cannot, 3.0, vague_keys, dobs, 10.0) == expected


def test_persons_say_who_is_known_to_have_died():
    rows = [rec("gp:1", "Ada", "Lowe", "1930-02-01", sex="F", dod="2001-05-06"),
            rec("tree:9", "Bert", "Lowe", "1928-03-03", sex="M", deceased=True),
            rec("gp:2", "Cara", "Lowe", "1960-01-01", sex="F")]
    persons = link_people(pd.DataFrame(rows)).persons
    assert list(persons.columns) == list(model.PERSONS)         # the contract's last column
    assert persons.set_index("given_name")["deceased"].to_dict() == \
        {"Ada": True, "Bert": True, "Cara": False}



# --- evidence the model read pair by pair alone -------------------------------------------

_FAMILIES = [("Ward", "2012-01-02"), ("Khan", "2014-05-06"), ("Lowe", "2010-07-08"),
             ("Hart", "2016-09-10"), ("Cole", "2013-02-03")]


def _girls_named(*names):
    """Five girls of other families for each name: what makes a name common in the data."""
    rows = [rec(f"gp:{100 + i}", name, family, dob, sex="F")
            for i, (name, (family, dob)) in enumerate(
                (n, f) for n in names for f in _FAMILIES)]
    return rows


def test_one_name_misspelt_two_ways_is_one_child_and_twins_names_stay_two():
    child = [rec("gp:1", "Ruyb", "Parker", "2011-10-24", sex="F", postcode="SS22 6AQ"),
             rec("school:1", "Ryby", "Parker", "2011-10-24", sex="F", postcode="SS22 6AQ")]
    # twins Lily and Lola: both names as common as names are (each one letter from Lila)
    twins = [rec("gp:2", "Lily", "Smith", "2015-03-03", sex="F", postcode="LS1 4AP"),
             rec("school:2", "Lola", "Smith", "2015-03-03", sex="F", postcode="LS1 4AP")]
    result = link_people(pd.DataFrame(_girls_named("Ruby", "Lila", "Lily", "Lola")
                                      + child + twins))
    assert same(result, "gp:1", "school:1")
    assert not same(result, "gp:2", "school:2")


def test_a_nickname_born_the_same_day_is_compared():
    # "Katie" and "Catherine": their initials differ, so no rule on a date of birth and an
    # initial or a family name (misspelt here) brought them together
    rows = [rec("gp:1", "Katie", "Vrekin", "1987-01-08", sex="F", postcode="LS4 3EP"),
            rec("tree:I1", "Catherine", "Verkin", "1987-01-08", sex="F")]
    assert same(link_people(pd.DataFrame(rows)), "gp:1", "tree:I1")


def _fordash(role_event):
    """Tom Fordash's police record, no date of birth, named on a day in a role."""
    rows = [rec("gp:1", "Tom", "Fordash", "2015-01-01", sex="M"),
            rec("police:1", "Tom", "Fordash", None, sex="M", postcode="WE23 9FZ"),
            rec("gp:2", "Hannah", "Fordash", "1982-09-13", sex="F"),
            rec("gp:3", "Ava", "Fordash", "2018-01-01", sex="F"),
            rec("gp:4", "Ben", "Fordash", "1980-03-02", sex="M")]
    events = pd.DataFrame([{"event_id": "e1", "date": role_event[0], "date_precision": "day",
                            "person_ids": "police:1",
                            "person_roles": f"police:1={role_event[1]}"}])
    return pd.DataFrame(rows), events


def _pair_weight(result, a, b):
    pairs = result.pairs.set_index(["key_l", "key_r"])
    return float(pairs.at[(a, b), "match_weight"])


def test_a_dated_childs_role_that_fits_the_date_of_birth_is_evidence_for_the_join():
    import math

    records, events = _fordash(("2021-04-08", "child"))
    undated = link_people(records)
    dated = link_people(records, events=events)
    # the child of 2021 was born after April 1996: two of the four dates of birth fit
    gain = _pair_weight(dated, "gp:1", "police:1") - _pair_weight(undated, "gp:1", "police:1")
    assert gain == pytest.approx(math.log2(0.97 / (2 / 4)))
    p = dated.pairs.set_index(["key_l", "key_r"]).at[("gp:1", "police:1"), "match_probability"]
    assert p == pytest.approx(1 / (1 + 2 ** -_pair_weight(dated, "gp:1", "police:1")))
    # an adult's role fits every adult: it adds nothing (nor does a victim's: no age)
    for role in ("carer", "victim"):
        records, events = _fordash(("2021-04-08", role))
        assert _pair_weight(link_people(records, events=events), "gp:1", "police:1") == \
            pytest.approx(_pair_weight(undated, "gp:1", "police:1"))


def test_a_dated_childs_role_can_lift_a_pair_over_the_link_threshold():
    records, events = _fordash(("2021-04-08", "child"))
    p = link_people(records).pairs.set_index(["key_l", "key_r"]).at[
        ("gp:1", "police:1"), "match_probability"]
    strict = {"link_threshold": float(min(0.999999, p + (1 - p) / 4))}   # it falls short
    assert not same(link_people(records, settings=strict), "gp:1", "police:1")
    assert same(link_people(records, settings=strict, events=events), "gp:1", "police:1")


def test_a_record_held_between_two_people_is_not_joined_to_a_weaker_candidate():
    from chronos.link.people import _ambiguous

    # Catherine Walden (no date of birth) fits Catherine born 2011 and Katie born 2015
    # nearly as well, and a third record of Katie's, born 2015, less well
    prob = pd.DataFrame([("gp:1", "police:1", 14.1), ("police:1", "school:2", 12.6),
                         ("csc:2", "police:1", 3.6), ("police:1", "tree:9", 3.6)],
                        columns=["key_l", "key_r", "match_weight"])
    dobs = {"gp:1": "2011-02-27", "school:2": "2015-06-21", "csc:2": "2015-06-21"}
    held = _ambiguous(prob, set(), 3.0, {"police:1"}, dobs, 10.0)
    assert held[("csc:2", "police:1")].startswith(
        "ambiguous: police:1 matches csc:2 less well than gp:1, school:2")
    assert ("police:1", "tree:9") not in held    # no date of birth: it picks no side
    assert {("gp:1", "police:1"), ("police:1", "school:2")} <= set(held)


_FACTS = st.one_of(st.none(), st.fixed_dictionaries({
    "dob": st.sampled_from([None, "2019-04-03", "2019-03-04", "1990-01-01"]),
    "nhs": st.sampled_from([None, "9434765919", "9434765870"]),
    "upn": st.none(),
    "year": st.sampled_from([None, 2019, 2018, 1990]),
    "declared": st.sampled_from([None, "tree"]),
    "local_id": st.sampled_from([None, ("la", "A1"), ("la", "A2"), ("cs", "A1")])}))


@settings(max_examples=80)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 11)), min_size=1, max_size=40),
       st.lists(_FACTS, min_size=1, max_size=5), st.lists(st.integers(0, 4), min_size=12,
                                                           max_size=12))
def test_candidates_with_facts_apart_are_those_of_the_pair_by_pair_check(close, pool, pick):
    """Checked once per pair of distinct facts, the clashes are exactly those found by
    checking every two candidates of a record (records sharing facts, a family tree's
    two individuals with the same facts, records with none)."""
    import numpy as np

    from chronos.link.cluster import facts_conflict
    from chronos.link.people import _facts_apart

    facts = [pool[i % len(pool)] for i in pick]      # records sharing their facts
    names = np.array([f"r{i:02d}" for i in range(12)], dtype=object)
    near = pd.DataFrame(sorted(set(close)), columns=["rec", "other"])
    by_key = {names[i]: f for i, f in enumerate(facts) if f is not None}
    expected = {(rec, o) for rec, group in near.groupby("rec")
                for x in group["other"] for y in group["other"] if x != y
                for o in (x, y) if facts_conflict(by_key.get(names[x]), by_key.get(names[y]))}
    found = _facts_apart(near, by_key, names)
    assert set(zip(found["rec"].tolist(), found["other"].tolist())) == expected


def test_twins_named_jack_and_jake_stay_two_and_chris_is_christopher():
    """"Jack" is a name of its own as well as Jacob's or John's: twins Jack and Jake are
    two boys, while "Chris" and "Christopher" born the same day are one."""
    twins = [rec("gp:1", "Jack", "Smith", "2019-04-03", sex="M", postcode="LS1 4AP"),
             rec("gp:2", "Jake", "Smith", "2019-04-03", sex="M", postcode="LS1 4AP"),
             rec("school:1", "Jack", "Smith", "2019-04-03", sex="M", postcode="LS1 4AP"),
             rec("school:2", "Jake", "Smith", "2019-04-03", sex="M", postcode="LS1 4AP"),
             rec("hv:1", "Chris", "Ockley", "2018-02-01", sex="M", postcode="LS2 7AB"),
             rec("ed:1", "Christopher", "Ockley", "2018-02-01", sex="M", postcode="LS2 7AB")]
    result = link_people(pd.DataFrame(twins))
    assert same(result, "gp:1", "school:1") and same(result, "gp:2", "school:2")
    assert not same(result, "gp:1", "gp:2")
    assert same(result, "hv:1", "ed:1")
