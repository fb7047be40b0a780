"""Households over time, and mapping record keys to person ids."""

import pandas as pd

from chronos.link.apply import apply_person_ids
from chronos.link.households import households


def test_households_from_address_partner_and_stated_relationships():
    persons = pd.DataFrame([
        {"person_id": "P1", "family_name": "Smith", "postcode": "ls1 4ap",
         "address": "12 High St, Leeds"},
        {"person_id": "P2", "family_name": "Smith", "postcode": "LS1 4AP",
         "address": "12 High Street"},
        {"person_id": "P3", "family_name": "Smith", "postcode": "LS1 4AP",
         "address": "14 High Street"},
        {"person_id": "P4", "family_name": "Jones", "postcode": "M1 1AE"},
        {"person_id": "P5", "family_name": "Jones", "postcode": "M1 1AE"},
    ])
    relationships = pd.DataFrame([
        {"person_a": "P3", "person_b": "P1", "kind": "partner", "subtype": "cohabiting",
         "start": "2018-01-01"},
        {"person_a": "P1", "person_b": "P4", "kind": "partner", "subtype": "divorced"},
        {"person_a": "P2", "person_b": "P5", "kind": "household", "start": "2020-02-02",
         "end": "2020-08-01"},
    ])
    events = pd.DataFrame([{"event_id": "E1", "date": "2020-01-01", "person_ids": "P1;P2"},
                           {"event_id": "E2", "date": "2022-06-01", "person_ids": "P2;P1"}])
    table = households(persons, relationships, events)
    got = {(r.person_a, r.person_b, r.subtype): (r.start, r.end) for r in table.itertuples()}
    assert got[("P1", "P2", "address")] == ("2020-01-01", "2022-06-01")
    assert got[("P1", "P3", "partner")][0] == "2018-01-01"
    assert got[("P2", "P5", "stated")] == ("2020-02-02", "2020-08-01")
    assert ("P4", "P5", "address") in got                  # same postcode and family name
    assert ("P1", "P4", "partner") not in got               # divorced
    assert ("P1", "P3", "address") not in got               # different house
    assert set(table["kind"]) == {"household"}


def test_apply_person_ids_maps_folds_and_keeps_unknown_keys():
    events = pd.DataFrame([{"event_id": "E1", "person_ids": "school:2;gp:1;x:9"},
                           {"event_id": "E2", "person_ids": None}])
    relationships = pd.DataFrame([{"person_a": "gp:1", "person_b": "gp:3", "kind": "parent"},
                                  {"person_a": "gp:3", "person_b": None, "kind": "parent"},
                                  {"person_a": " ; ", "person_b": "nobody:4", "kind": "parent"}])
    mapping = {"gp:1": "P1", "school:2": "P1", "gp:3": "P3"}
    events, relationships = apply_person_ids(events, relationships, mapping)
    assert events["person_ids"].tolist()[0] == "P1;x:9"
    assert pd.isna(events["person_ids"].tolist()[1])
    assert relationships.iloc[0][["person_a", "person_b"]].tolist() == ["P1", "P3"]
    assert relationships["person_a"].tolist()[1] == "P3"
    assert pd.isna(relationships["person_b"].tolist()[1])       # missing stays missing
    assert pd.isna(relationships["person_a"].tolist()[2])       # no key at all: missing
    assert relationships["person_b"].tolist()[2] == "nobody:4"  # unknown key kept
    assert str(relationships["person_a"].dtype) == "string"


def test_an_address_pair_cites_the_first_record_at_that_address():
    persons = pd.DataFrame([
        {"person_id": None, "postcode": "LS6 2AB", "address": "1 Mill Lane",
         "source_file": "nobody.csv", "source_ref": "9"},          # no person: not a member
        {"person_id": "P2", "postcode": "ls62ab", "address": "1 Mill Ln, Leeds",
         "source_file": "gp.csv", "source_ref": "4"},
        {"person_id": "P1", "postcode": "LS6 2AB", "address": "1 MILL LANE",
         "source_file": "school.csv", "source_ref": "7"},
        {"person_id": "P3", "postcode": "LS6 2AB", "address": "1 Mill Lane",
         "source_file": "police.csv", "source_ref": "1"},
        {"person_id": "P4", "postcode": "not a postcode", "address": "1 Mill Lane",
         "source_file": "gp.csv", "source_ref": "5"},
    ])
    table = households(persons)
    got = {(r.person_a, r.person_b): (r.source_file, r.source_ref) for r in table.itertuples()}
    assert got == {("P1", "P2"): ("gp.csv", "4"), ("P1", "P3"): ("gp.csv", "4"),
                   ("P2", "P3"): ("gp.csv", "4")}
    assert set(table["subtype"]) == {"address"}


def test_without_an_address_line_a_postcode_and_family_name_make_a_home():
    persons = pd.DataFrame([
        {"person_id": "P1", "postcode": "M1 1AE", "family_name": "Mrs O'Neil-Jones"},
        {"person_id": "P2", "postcode": "M1 1AE", "family_name": "oneil"},
        {"person_id": "P3", "postcode": "M1 1AE", "family_name": "Jones"},
        {"person_id": "P4", "postcode": "M1 1AE", "address": " , ", "family_name": "Oneil"},
        {"person_id": "P5", "postcode": "M1 1AE", "address": "2 Oak Road"},
        {"person_id": "P6", "postcode": "M1 1AE"},                  # neither: no home
    ])
    pairs = set(zip(households(persons)["person_a"], households(persons)["person_b"]))
    assert pairs == {("P1", "P2"), ("P1", "P4"), ("P2", "P4")}
