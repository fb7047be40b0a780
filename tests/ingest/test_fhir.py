"""FHIR R4 ingester: real Synthea bundles, own fixtures, broken input."""

import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chronos.errors import SourceError
from chronos.ingest.base import Source
from chronos.ingest.fhir import FhirIngester, code_map

DATA = Path(__file__).resolve().parents[1] / "data" / "fhir"
#: the fixtures date an appointment in 2035 (the patient is 19 then): facts, not typos
LATER = {"as_of": "2040-01-01"}
PABLO = "fhir/Pablo44_Sporer811_ea2dd5fa-0e9e-4d5b-6384-13f67dc0c142.json"


def read(path, name="gp", **options):
    return FhirIngester().read(Source(path=Path(path), name=name, options=options))


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
    result = read(DATA / "dangling_refs.json", **LATER)
    by_ref = dict(zip(result.events["source_ref"], result.events["event_type"]))
    assert by_ref["Appointment/appt-1"] == "was_not_brought"             # aged 2
    assert by_ref["Appointment/appt-2"] == "missed_appointment_adult"    # aged 19
    assert by_ref["Appointment/appt-3"] == "appointment_cancelled"
    assert by_ref["Encounter/enc-ae"] == "ae_attendance"
    assert by_ref["Encounter/enc-ghost"] == "hospital_admission"
    assert by_ref["Condition/lice-1"] == "head_lice"
    assert by_ref["Condition/dep-mum"] == "child_mental_health"   # a child's own depression
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
    result = read(DATA / "dangling_refs.json", **LATER)
    warnings = [w for w in result.warnings if w.code == "fhir.reference_unresolved"]
    assert [w.source_ref for w in warnings] == ["Encounter/enc-ghost"]
    ghost = result.events[result.events["source_ref"] == "Encounter/enc-ghost"].iloc[0]
    assert ghost["person_ids"] == "gp:Patient/nobody-9"
    assert (ghost["date"], ghost["end_date"]) == ("2019-06-01", "2019-06-04")


def test_bad_date_warns_and_keeps_event_undated():
    result = read(DATA / "dangling_refs.json", **LATER)
    row = result.events[result.events["source_ref"] == "Observation/obs-bad-date"].iloc[0]
    assert row["event_type"] == "dental_decay" and row["date_precision"] == "unknown"
    assert any(w.code == "date.invalid" and w.source_ref == "Observation/obs-bad-date"
               for w in result.warnings)


def test_truncated_bundle_keeps_complete_entries():
    result = read(DATA / "truncated_bundle.json", **LATER)
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
    first, second = read(DATA / "dangling_refs.json", **LATER), read(DATA / "dangling_refs.json", **LATER)
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
    result = read(path, as_of="9999-12-31")   # the dates are what decide, not the policy
    assert result.reconciles()
    types = list(result.events["event_type"])
    adult = (day.year, day.month, day.day) >= (2028, 6, 15)
    expected = {"noshow": ["missed_appointment_adult" if adult else "was_not_brought"],
                "cancelled": ["appointment_cancelled"], "fulfilled": ["appointment_attended"]}
    assert types == expected.get(status, [])


def test_what_an_appointment_was_for_decides_its_type():
    # a mother's and a child's records as a GP system exports them (written here):
    # codes in specialty, serviceType, serviceCategory; words where there is no code
    result = read(DATA / "services.json", as_of="2024-03-31")
    events = result.events.set_index("source_ref")
    expected = {
        "Appointment/anc-1": ("antenatal_missed", "antenatal"),   # SNOMED obstetrics, mum 23
        "Appointment/anc-2": ("antenatal_missed", "antenatal"),   # "Community midwife clinic"
        "Appointment/dent-1": ("was_not_brought", "dental"),      # treatment function 142
        "Appointment/imm-1": ("immunisation_missed", "immunisation"),   # service-type 57
        "Appointment/hv-1": ("health_visitor_contact", "health_visiting"),
        "Appointment/aud-1": ("was_not_brought", "audiology"),
        "Appointment/mh-1": ("missed_appointment_adult", "mental_health"),
        "Encounter/enc-mw": ("antenatal_contact", "antenatal"),   # treatment function 560
    }
    for ref, (event_type, service) in expected.items():
        assert events.loc[ref, "event_type"] == event_type, ref
        assert f"service={service}" in events.loc[ref, "details"], ref
    assert "service_from=code http://snomed.info/sct|408470005" in \
        events.loc["Appointment/anc-1", "details"]
    assert "service_from=words" in events.loc["Appointment/anc-2", "details"]
    assert result.reconciles() and not result.warnings


def test_records_with_text_and_no_code_are_typed_by_their_words():
    events = read(DATA / "services.json", as_of="2024-03-31").events.set_index("source_ref")
    assert events.loc["Procedure/proc-ga", "event_type"] == "dental_decay"
    assert events.loc["Condition/cond-lice", "event_type"] == "head_lice"
    assert events.loc["Observation/obs-home", "event_type"] == "home_conditions"
    # a child's own low mood is not a parent's mental ill-health: a concern about the child
    assert events.loc["Condition/cond-mood", "event_type"] == "child_mental_health"
    assert "typed_from=text" in events.loc["Procedure/proc-ga", "details"]


def test_self_harm_is_the_childs_own_concern_on_a_childs_record_a_parents_on_an_adults(
        tmp_path):
    def condition(cid, patient, code=None, text=None):
        concept = {"coding": [{"system": "http://snomed.info/sct", "code": code}]} if code \
            else {"text": text}
        return {"resource": {"resourceType": "Condition", "id": cid, "code": concept,
                             "subject": {"reference": f"Patient/{patient}"},
                             "onsetDateTime": "2023-06-01"}}

    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "kid", "birthDate": "2009-02-01"}},
        {"resource": {"resourceType": "Patient", "id": "mum", "birthDate": "1985-02-01"}},
        condition("kid-cut", "kid", code="287185009"), condition("mum-cut", "mum", code="287185009"),
        condition("kid-words", "kid", text="Overdose of paracetamol, seen by crisis team"),
        condition("mum-drugs", "mum", text="Drug use"),
        condition("kid-drugs", "kid", text="Drug use")]}
    path = tmp_path / "b.json"
    path.write_text(json.dumps(bundle))
    types = dict(zip(*[read(path, as_of="2024-03-31").events[c]
                       for c in ("source_ref", "event_type")]))
    assert types == {"Condition/kid-cut": "child_mental_health",
                     "Condition/mum-cut": "parental_mental_health",
                     "Condition/kid-words": "child_mental_health",
                     "Condition/mum-drugs": "substance_misuse",
                     "Condition/kid-drugs": "other"}      # no child's type for it: kept


def test_every_service_outcome_is_an_event_type():
    from chronos.ingest.fhir_types import OUTCOMES, services
    from chronos.model import vocabulary

    vocab = vocabulary()
    assert {s.name for s in services()} >= {"antenatal", "dental", "immunisation",
                                            "health_visiting", "audiology", "mental_health"}
    for service in services():
        assert all(service.event_type(o) in vocab for o in OUTCOMES), service.name


def test_a_resource_dated_after_as_of_is_quarantined_a_future_birth_date_dropped(tmp_path):
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "p", "birthDate": "2032-01-01"}},
        {"resource": {"resourceType": "Encounter", "id": "seen", "status": "finished",
                      "class": {"code": "EMER"}, "subject": {"reference": "Patient/p"},
                      "period": {"start": "2023-01-05"}}},
        {"resource": {"resourceType": "Encounter", "id": "typo", "status": "finished",
                      "class": {"code": "EMER"}, "subject": {"reference": "Patient/p"},
                      "period": {"start": "2033-01-05"}}}]}
    path = tmp_path / "b.json"
    path.write_text(json.dumps(bundle))
    result = read(path, as_of="2024-03-31")
    found = {(q.source_ref, q.column, q.extra.get("part_of")) for q in result.quarantine}
    assert found == {("Encounter/typo", "period.start", None),
                     ("Patient/p", "birthDate", "Patient/p")}
    assert list(result.events["source_ref"]) == ["Encounter/seen"]
    assert result.persons.iloc[0]["dob"] is pd.NA or pd.isna(result.persons.iloc[0]["dob"])
    assert result.records_quarantined == 1 and result.parts_quarantined == 1
    assert result.reconciles()


# --- FHIR R4 XML (tests/data/fhir/services.xml: services.json in the XML representation) --

def test_xml_gives_what_the_same_records_in_json_give():
    xml = read(DATA / "services.xml", as_of="2024-03-31")
    json_ = read(DATA / "services.json", as_of="2024-03-31")
    columns = ["event_type", "date", "time", "person_ids", "summary", "details", "source_ref"]
    assert xml.events[columns].equals(json_.events[columns])
    assert xml.persons.drop(columns="source_file").equals(
        json_.persons.drop(columns="source_file"))
    assert xml.records_read == json_.records_read and xml.reconciles()
    assert set(xml.events["source_file"]) == {"services.xml"}


def test_xml_is_sniffed_as_fhir():
    from chronos.ingest.base import read_head, sniff

    path = DATA / "services.xml"
    assert sniff(path)[0] == "fhir"
    assert FhirIngester().sniff(path, read_head(path)) == 0.95


def test_a_single_xml_resource_and_repeating_elements(tmp_path):
    path = tmp_path / "patient.xml"
    path.write_text(
        '<Patient xmlns="http://hl7.org/fhir"><id value="p1"/>'
        '<text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml">'
        '<p>Amy Jo</p></div></text>'
        '<identifier><system value="https://fhir.nhs.uk/Id/nhs-number"/>'
        '<value value="9434765919"/></identifier>'
        '<name><use value="official"/><family value="Testchild"/><given value="Amy"/>'
        '<given value="Jo"/></name><gender value="female"/>'
        '<birthDate value="2016-05-04"/><deceasedBoolean value="false"/></Patient>',
        encoding="utf-8")
    person = read(path).persons.iloc[0]
    assert (person["given_name"], person["nhs_number"], person["dob"]) == \
        ("Amy Jo", "9434765919", "2016-05-04")
    assert pd.isna(person["deceased"])          # "false" read as the boolean false


def test_xml_with_a_doctype_is_refused(tmp_path):
    path = tmp_path / "evil.xml"
    path.write_text('<?xml version="1.0"?><!DOCTYPE Bundle [<!ENTITY e "x">]>'
                    '<Bundle xmlns="http://hl7.org/fhir"/>', encoding="utf-8")
    with pytest.raises(SourceError, match="DOCTYPE"):
        read(path)


def test_a_broken_xml_bundle_keeps_the_entries_before_the_break(tmp_path):
    text = (DATA / "services.xml").read_text(encoding="utf-8")
    cut = text[:text.index("anc-2")]
    path = tmp_path / "cut.xml"
    path.write_text(cut, encoding="utf-8")
    result = read(path, as_of="2024-03-31")
    assert {"gp:Patient/mum", "gp:Patient/leo"} <= set(result.persons["record_key"])
    assert list(result.events["source_ref"]) == ["Appointment/anc-1"]
    assert [q.code for q in result.quarantine] == ["xml.broken"] and result.reconciles()


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


def test_xml_outside_the_fhir_namespace_is_not_fhir():
    with pytest.raises(SourceError, match="not FHIR XML"):
        read(Path(__file__).resolve().parents[1] / "data" / "ssda903" / "return.xml")
