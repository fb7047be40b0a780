"""Every source of the bundled example case, read through its mapping."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import openpyxl
import pytest

from chronos.case import load_case
from chronos.ingest.base import read_source

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "smith-family"


@pytest.fixture(scope="module")
def results():
    case = load_case(EXAMPLE)
    out = {}
    for source in case.sources:
        source.options.setdefault("as_of", case.as_of)
        out[source.name] = read_source(source)
    return out


def test_every_source_reconciles(results):
    assert set(results) == {"family", "gp", "ed", "outpatients", "school", "police", "housing",
                            "csc"}
    for name, result in results.items():
        assert result.reconciles(), name
        assert result.records_read > 0, name


def _events(result, event_type, person=None):
    events = result.events[result.events["event_type"] == event_type]
    if person:
        events = events[events["person_ids"] == person]
    return events


def test_was_not_brought_pattern_and_decoy(results):
    gp = _events(results["gp"], "was_not_brought", "gp:G10236")
    op = _events(results["outpatients"], "was_not_brought")
    assert list(gp["date"]) == ["2022-01-12", "2022-08-30"]
    kayden = op[op["person_ids"] == "outpatients:RV0062310"]
    assert list(kayden["date"]) == ["2022-03-08", "2022-05-17"]
    tyler = op[op["person_ids"] == "outpatients:RV0051877"]
    assert list(tyler["date"]) == ["2021-09-14"]


def test_ae_attendances(results):
    ae = _events(results["ed"], "ae_attendance")
    mia = ae[ae["person_ids"] == "ed:RV0079954"]
    assert list(mia["date"]) == ["2023-02-11", "2023-07-19", "2023-10-03", "2024-01-22"]
    assert list(mia["time"])[0] == "19:42"
    assert list(mia["source_ref"]) == ["ED Attendances!7", "ED Attendances!8",
                                       "ED Attendances!9", "ED Attendances!11"]
    assert len(_events(results["ed"], "injury")) == 5


def test_school_attendance_values_and_untidy_footer(results):
    school = results["school"]
    assert school.records_skipped == {"blank_row": 1, "totals_row": 1}
    tyler = _events(school, "attendance_summary")
    tyler = tyler[tyler["source_org"] == "Riverside Academy"]
    values = [float(v) for v in tyler["value"]]
    assert values[0] > 90 and values[-1] < 50 and values == sorted(values, reverse=True)


def test_police_domestic_abuse_with_children_present(results):
    da = _events(results["police"], "domestic_abuse_incident")
    assert da["details"].str.contains("occurrence=").all()
    assert len(set(da["details"].str.extract(r"occurrence=([^;]+)")[0])) == 5
    assert len(da) == 5       # one event per occurrence, naming everyone in their role
    present = da["person_roles"].str.count("=present")
    assert present.sum() == 13 and (da["person_roles"].str.count("=victim") == 1).all()
    assert (da["person_roles"].str.count("=suspect") == 1).all()
    baby = da[da["person_ids"].str.contains("police:~")]
    assert len(baby) == 4  # Mia has no nominal id: a derived key, the same in every occurrence


def test_quarantined_problems_are_the_planted_ones(results):
    found = sorted((name, q.code, q.source_ref) for name, r in results.items()
                   for q in r.quarantine)
    assert [(n, c) for n, c, _ in found] == [
        ("gp", "date.impossible"), ("gp", "date.missing"), ("gp", "event_type.unmapped"),
        ("housing", "date.future")]
    planted = (EXAMPLE / "PLANTED.md").read_text("utf-8")
    for name, code, ref in found:
        assert f"rows {ref}" in planted


def test_encodings_and_social_care(results):
    assert results["housing"].info["encoding"] == "cp1252"
    assert results["csc"].info["encoding"] == "utf-8-sig"
    assert "£420.16" in " ".join(results["housing"].events["summary"])
    csc = results["csc"]
    # an episode the export repeats for each child is one event naming the children
    assert len(_events(csc, "cp_plan_start")) == 1 and len(_events(csc, "cp_plan_end")) == 1
    assert _events(csc, "cp_plan_start")["person_ids"].str.count(";").item() == 2
    assert len(_events(csc, "worker_change")) == 4
    assessed = " ".join(_events(csc, "assessment")["details"].fillna(""))
    assert "Donna Smith" in assessed and "Ryan Cole" not in assessed


def test_family_file_relationships(results):
    family = results["family"]
    assert len(family.persons) == 7 and len(family.events) == 0
    rel = family.relationships
    parents = rel[rel["kind"] == "parent"]
    assert ("family:F01", "family:F06") in set(zip(parents["person_a"], parents["person_b"]))
    partners = dict(zip(zip(rel["person_a"], rel["person_b"]), rel["subtype"]))
    assert partners[("family:F01", "family:F03")] == "cohabiting"
    assert partners[("family:F01", "family:F02")] == "separated"


def test_nhs_numbers_have_valid_check_digits(results):
    numbers = results["family"].persons["nhs_number"].dropna()
    assert len(numbers) == 5
    for number in numbers:
        digits = [int(c) for c in number]
        check = 11 - sum(d * w for d, w in zip(digits[:9], range(10, 1, -1))) % 11
        assert (0 if check == 11 else check) == digits[9]


def test_generator_reproduces_the_committed_files(tmp_path):
    spec = importlib.util.spec_from_file_location("make_example", ROOT / "examples" /
                                                  "make_example.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while defining
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    module.main(tmp_path)
    for path in sorted((EXAMPLE / "exports").glob("*.csv")) + [EXAMPLE / "PLANTED.md"]:
        made = tmp_path / path.relative_to(EXAMPLE)
        assert made.read_bytes() == path.read_bytes(), path.name
    for name in ("ED Attendances", "Outpatients"):
        committed = openpyxl.load_workbook(EXAMPLE / "exports" / "hospital_activity.xlsx")[name]
        fresh = openpyxl.load_workbook(tmp_path / "exports" / "hospital_activity.xlsx")[name]
        assert list(committed.values) == list(fresh.values)
