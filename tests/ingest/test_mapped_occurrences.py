"""The mapped reader's ``occurrence:`` and ``role:``: the rows of one real-world event (a
police occurrence, a social care episode repeated for each child) are one event naming
everyone in their role; roles chronos does not know, two roles for one person and rows
that name no one are reported with file and row."""

from __future__ import annotations

import pytest

from chronos import model
from chronos.errors import MappingError
from chronos.ingest.mapping import parse_mapping
from chronos.link.apply import apply_person_ids, map_person_roles
from chronos.link.events import dedupe_events
from tests.ingest.test_mapped import assert_reconciles, ingest, write_csv

HEADER = ["Ref", "Reported", "Type", "Nominal", "Forename", "Surname", "DOB", "Involvement", "Summary"]
POLICE = {
    "agency": "Police",
    "person": {"id": "Nominal", "given_name": "Forename", "family_name": "Surname", "dob": "DOB"},
    "events": [{"date": "Reported", "occurrence": "Ref",
                "role": {"column": "Involvement", "map": {"Informant": "other"}},
                "type": {"column": "Type", "map": {"Domestic abuse": "domestic_abuse_incident"}},
                "summary": "{Type}: {Summary}"}],
}


def _rows(*extra):
    base = [
        ["OCC1", "01/03/2023", "Domestic abuse", "N1", "Amy", "Cole", "01/01/1990", "Victim", "Argument"],
        ["OCC1", "01/03/2023", "Domestic abuse", "N2", "Ben", "Cole", "02/02/1988", "Suspect", "Argument"],
        ["OCC1", "01/03/2023", "Domestic abuse", "N3", "Cal", "Cole", "03/03/2015", "Child present", "Argument"],
        ["OCC2", "09/05/2023", "Domestic abuse", "N1", "Amy", "Cole", "01/01/1990", "Victim", "Threats"],
    ]
    return [HEADER, *base, *extra]


def test_an_occurrence_is_one_event_with_everyone_in_their_role(tmp_path):
    result = ingest(write_csv(tmp_path / "police.csv", _rows()), POLICE, name="police")
    assert_reconciles(result)
    assert result.records_to_data == 4 and len(result.events) == 2
    first = result.events.iloc[0]
    assert first["person_ids"] == "police:N1;police:N2;police:N3"
    assert first["person_roles"] == "police:N1=victim;police:N2=suspect;police:N3=present"
    assert first["source_ref"] == "2;3;4"
    assert first["event_id"] == model.make_event_id("police.csv", "2", "domestic_abuse_incident",
                                                    "2023-03-01")
    assert not result.events.duplicated(["source_file", "source_ref", "event_type", "date"]).any()


def test_an_unknown_role_is_kept_as_other_with_a_warning(tmp_path):
    rows = _rows(["OCC2", "09/05/2023", "Domestic abuse", "N9", "Dee", "Ray", "04/04/1970",
                  "Anonymous caller (neighbour)", "Threats"])
    result = ingest(write_csv(tmp_path / "police.csv", rows), POLICE, name="police")
    second = result.events.iloc[1]
    assert second["person_roles"] == "police:N1=victim;police:N9=other"
    warned = [(w.code, w.source_file, w.source_ref, w.column) for w in result.warnings]
    assert ("role.unknown", "police.csv", "6", "Involvement") in warned


def test_two_roles_for_one_person_are_both_kept_and_reported(tmp_path):
    rows = _rows(["OCC1", "01/03/2023", "Domestic abuse", "N1", "Amy", "Cole", "01/01/1990",
                  "Witness", "Argument"])
    result = ingest(write_csv(tmp_path / "police.csv", rows), POLICE, name="police")
    first = result.events.iloc[0]
    assert first["person_ids"] == "police:N1;police:N2;police:N3"
    assert "police:N1=victim+witness" in first["person_roles"]
    assert first["source_ref"] == "2;3;4;6"
    two = [w for w in result.warnings if w.code == "role.two_roles"]
    assert len(two) == 1 and two[0].source_ref == "2" and "2;3;4;6" in two[0].message


def test_a_row_that_names_no_one_is_quarantined_and_the_occurrence_kept(tmp_path):
    rows = _rows(["OCC1", "01/03/2023", "Domestic abuse", "", "", "", "", "Victim", "Argument"])
    result = ingest(write_csv(tmp_path / "police.csv", rows), POLICE, name="police")
    assert_reconciles(result)
    assert [(q.code, q.source_ref) for q in result.quarantine] == [("person.missing", "6")]
    assert result.events.iloc[0]["source_ref"] == "2;3;4"


def test_rows_with_an_empty_occurrence_are_events_of_their_own(tmp_path):
    rows = [HEADER,
            ["", "01/03/2023", "Domestic abuse", "N1", "Amy", "Cole", "01/01/1990", "Victim", "A"],
            ["", "01/03/2023", "Domestic abuse", "N2", "Ben", "Cole", "02/02/1988", "Suspect", "A"]]
    result = ingest(write_csv(tmp_path / "police.csv", rows), POLICE, name="police")
    assert list(result.events["source_ref"]) == ["2", "3"]


def test_without_role_everyone_is_the_subject(tmp_path):
    mapping = {**POLICE, "events": [{**POLICE["events"][0]}]}
    del mapping["events"][0]["role"]
    result = ingest(write_csv(tmp_path / "police.csv", _rows()), mapping, name="police")
    assert result.events.iloc[0]["person_roles"] == \
        "police:N1=subject;police:N2=subject;police:N3=subject"


@pytest.mark.parametrize("role", [{"value": "bystander"}, {"column": "Involvement", "map": {"X": "nobody"}},
                                  {"column": "A", "value": "victim"}])
def test_a_mapping_role_that_is_not_a_role_is_refused(role):
    spec = {**POLICE, "events": [{**POLICE["events"][0], "role": role}]}
    with pytest.raises(MappingError, match="role"):
        parse_mapping(spec)


def test_linking_maps_the_roles_with_the_people():
    roles = "police:N1=victim;gp:7=subject;police:N3=present"
    mapped = map_person_roles(roles, {"police:N1": "P2", "gp:7": "P2", "police:N3": "P1"})
    assert mapped == "P1=present;P2=victim+subject"
    events = model.conform([{"event_id": "E1", "person_ids": "police:N1;police:N3",
                             "person_roles": "police:N1=victim;police:N3=present"}], "events")
    linked, _ = apply_person_ids(events, None, {"police:N1": "PB", "police:N3": "PA"})
    assert linked.loc[0, "person_ids"] == "PA;PB"
    assert linked.loc[0, "person_roles"] == "PA=present;PB=victim"


def test_a_merged_report_keeps_every_role():
    events = model.conform([
        {"event_id": "E1", "date": "2023-03-01", "date_precision": "day", "event_type": "domestic_abuse_incident",
         "person_ids": "P1;P2", "person_roles": "P1=victim;P2=present", "source_file": "police.csv",
         "source_ref": "2", "summary": "Argument, long report"},
        {"event_id": "E2", "date": "2023-03-01", "date_precision": "day", "event_type": "domestic_abuse_incident",
         "person_ids": "P2;P3", "person_roles": "P2=subject;P3=suspect", "source_file": "hv.csv",
         "source_ref": "5", "summary": "DA"}], "events")
    kept = dedupe_events(events).events
    assert len(kept) == 1
    assert kept.loc[0, "person_roles"] == "P1=victim;P2=present;P3=suspect"
