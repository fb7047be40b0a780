"""FHIR R4 ingester: real Synthea bundles, own fixtures, broken input."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chronos.errors import SourceError
from chronos.ingest.base import Source
from chronos.ingest.fhir import FhirIngester, code_map

DATA = Path(__file__).resolve().parents[1] / "data" / "fhir"
PABLO = "fhir/Pablo44_Sporer811_ea2dd5fa-0e9e-4d5b-6384-13f67dc0c142.json"


def read(path, name="gp"):
    return FhirIngester().read(Source(path=Path(path), name=name))


def test_real_bundle_counts_and_patient(shared_data):
    result = read(shared_data / PABLO)
    # counted in the file with grep: 15 Encounter, 32 Immunization, 11 Condition (all with
    # onsetDateTime), 1 Procedure, 16 Observation (all vital-signs or laboratory)
    types = result.events["event_type"].value_counts().to_dict()
    assert types == {"immunisation_given": 32, "health_contact": 15, "other": 12}
    assert result.records_skipped["observation.routine_measurement"] == 16
    assert result.records_skipped["unsupported:Claim"] == 15
    person = result.persons.iloc[0]
    assert (person["given_name"], person["family_name"], person["dob"], person["sex"]) == \
        ("Pablo44", "Sporer811", "2015-10-20", "M")
    assert person["role"] == "child"
    first = result.events.iloc[0]
    assert (first["date"], first["time"], first["summary"]) == \
        ("2015-10-20", "11:01:22", "Well child visit (procedure)")
    assert result.reconciles() and not result.quarantine


def test_every_real_bundle_reads_and_reconciles(shared_data):
    for path in sorted((shared_data / "fhir").glob("*.json")):
        result = read(path)
        assert result.reconciles(), path.name
        assert len(result.persons) == 1
        assert result.events["person_ids"].str.startswith("gp:Patient/").all()


def test_fixture_event_types_and_people():
    result = read(DATA / "dangling_refs.json")
    by_ref = dict(zip(result.events["source_ref"], result.events["event_type"]))
    assert by_ref["Appointment/appt-1"] == "was_not_brought"             # aged 2
    assert by_ref["Appointment/appt-2"] == "missed_appointment_adult"    # aged 19
    assert by_ref["Appointment/appt-3"] == "appointment_cancelled"
    assert by_ref["Encounter/enc-ae"] == "ae_attendance"
    assert by_ref["Encounter/enc-ghost"] == "hospital_admission"
    assert by_ref["Condition/lice-1"] == "head_lice"
    assert by_ref["Condition/dep-mum"] == "other"     # a child's own depression
    assert by_ref["Immunization/imm-1"] == "immunisation_missed"
    assert "Condition/undated-unmapped" not in by_ref
    assert result.records_skipped["condition.unmapped_undated"] == 1
    assert result.records_skipped["unsupported:Medication"] == 1
    assert result.records_skipped["entry_without_resource"] == 1
    child = result.persons.set_index("record_key").loc["gp:Patient/child-1"]
    assert child["nhs_number"] == "9434765919" and child["given_name"] == "Amy Jo"
    assert child["other_ids"] == "urn:local:mrn=MRN77"
    rel = result.relationships.iloc[0]
    assert (rel["person_a"], rel["person_b"], rel["kind"], rel["subtype"]) == \
        ("gp:RelatedPerson/mum-1", "gp:Patient/child-1", "parent", "biological")
    assert result.reconciles()


def test_dangling_reference_is_a_warning_and_event_kept():
    result = read(DATA / "dangling_refs.json")
    warnings = [w for w in result.warnings if w.code == "fhir.reference_unresolved"]
    assert [w.source_ref for w in warnings] == ["Encounter/enc-ghost"]
    ghost = result.events[result.events["source_ref"] == "Encounter/enc-ghost"].iloc[0]
    assert ghost["person_ids"] == "gp:Patient/nobody-9"
    assert (ghost["date"], ghost["end_date"]) == ("2019-06-01", "2019-06-04")


def test_bad_date_warns_and_keeps_event_undated():
    result = read(DATA / "dangling_refs.json")
    row = result.events[result.events["source_ref"] == "Observation/obs-bad-date"].iloc[0]
    assert row["event_type"] == "dental_decay" and row["date_precision"] == "unknown"
    assert any(w.code == "date.invalid" and w.source_ref == "Observation/obs-bad-date"
               for w in result.warnings)


def test_truncated_bundle_keeps_complete_entries():
    result = read(DATA / "truncated_bundle.json")
    assert [q.code for q in result.quarantine] == ["json.truncated"]
    assert result.quarantine[0].source_ref.startswith("line ")
    assert "gp:Patient/child-1" in set(result.persons["record_key"])
    assert result.reconciles()


def test_ndjson_bulk_export_quarantines_broken_line():
    result = read(DATA / "bulk.ndjson")
    assert [(q.code, q.source_ref) for q in result.quarantine] == [("json.invalid", "line 3")]
    types = sorted(result.events["event_type"])
    assert types == ["immunisation_given", "missed_appointment_adult"]
    assert result.records_read == 4 and result.reconciles()


def test_folder_of_ndjson_files(tmp_path):
    (tmp_path / "Patient.ndjson").write_text(json.dumps(
        {"resourceType": "Patient", "id": "p", "birthDate": "2018-01-01"}) + "\n")
    (tmp_path / "Appointment.ndjson").write_text(json.dumps(
        {"resourceType": "Appointment", "id": "a", "status": "noshow", "start": "2020-01-01",
         "participant": [{"actor": {"reference": "Patient/p"}}]}) + "\n")
    result = read(tmp_path)
    assert list(result.events["event_type"]) == ["was_not_brought"]


def test_not_fhir_json_is_a_clear_error(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text('{"hello": 1}')
    with pytest.raises(SourceError, match="no resourceType"):
        read(bad)
    broken = tmp_path / "y.json"
    broken.write_text('{"a": [1, 2')
    with pytest.raises(SourceError) as info:
        read(broken)
    assert "line 1" in str(info.value)


def test_same_input_same_event_ids():
    first, second = read(DATA / "dangling_refs.json"), read(DATA / "dangling_refs.json")
    assert list(first.events["event_id"]) == list(second.events["event_id"])
    assert first.events["event_id"].is_unique


def test_code_map_types_are_in_the_vocabulary():
    from chronos.model import vocabulary

    vocab = vocabulary()
    mapping = code_map()
    for entry in [*mapping["codes"].values(), *mapping["types"].values()]:
        assert entry["event_type"] in vocab
        assert entry.get("child_event_type", "other") in vocab
    assert all(t in vocab for t in mapping["classes"].values())


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["noshow", "cancelled", "fulfilled", "booked", "weird"]),
       st.dates(min_value=__import__("datetime").date(1990, 1, 1)))
def test_appointment_status_and_age_decide_type(tmp_path_factory, status, day):
    path = tmp_path_factory.mktemp("a") / "b.json"
    bundle = {"resourceType": "Bundle", "type": "searchset", "entry": [
        {"resource": {"resourceType": "Patient", "id": "p", "birthDate": "2010-06-15"}},
        {"resource": {"resourceType": "Appointment", "id": "a", "status": status,
                      "start": day.isoformat(),
                      "participant": [{"actor": {"reference": "Patient/p"}}]}}]}
    path.write_text(json.dumps(bundle))
    result = read(path)
    assert result.reconciles()
    types = list(result.events["event_type"])
    adult = (day.year, day.month, day.day) >= (2028, 6, 15)
    expected = {"noshow": ["missed_appointment_adult" if adult else "was_not_brought"],
                "cancelled": ["appointment_cancelled"], "fulfilled": ["appointment_attended"]}
    assert types == expected.get(status, [])


def test_deep_and_huge_lines_of_ndjson_are_quarantined_the_rest_read(tmp_path):
    good = '{"resourceType":"Patient","id":"p%d","birthDate":"2015-04-03"}\n'
    deep = '{"resourceType":"Patient","x":' + "[" * 5000 + "]" * 5000 + "}\n"
    huge = '{"resourceType":"Patient","id":"q","multipleBirthInteger":' + "9" * 1001 + "}\n"
    path = tmp_path / "bulk.ndjson"
    path.write_text(good % 1 + deep + huge + good % 2)
    result = read(path)
    assert [(q.code, q.source_ref) for q in result.quarantine] == [
        ("json.too_deep", "line 2"), ("json.number_too_long", "line 3")]
    assert len(result.persons) == 2 and result.reconciles()


def test_a_deep_or_huge_document_is_a_named_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"resourceType":"Bundle","entry":[' + "[" * 100_000 + "]" * 100_000 + "]}")
    with pytest.raises(SourceError, match="nested more than 200 levels"):
        read(path)
    path.write_text('{"resourceType":"Patient","id":"p","x":' + "9" * 5000 + "}")
    with pytest.raises(SourceError, match="5,000 digits") as raised:
        read(path)
    assert raised.value.row == "line 1"


def test_a_byte_that_is_not_utf8_is_named(tmp_path):
    path = tmp_path / "p.json"
    path.write_bytes(b'{"resourceType":"Patient",\n"id":"Zo\xeb"}')
    with pytest.raises(SourceError, match="byte 0xEB on line 2"):
        read(path)


def test_a_link_out_of_an_ndjson_folder_is_refused(tmp_path):
    folder = tmp_path / "bulk"
    folder.mkdir()
    (tmp_path / "secret.ndjson").write_text('{"resourceType":"Patient","id":"s"}\n')
    (folder / "a.ndjson").symlink_to(tmp_path / "secret.ndjson")
    with pytest.raises(SourceError, match="leads out of the folder"):
        FhirIngester().read(Source(path=folder, name="b", format="fhir"))
