"""CIN census XML ingester: the real DfE-layout samples, own fixtures, broken files."""

from pathlib import Path

import pytest

from chronos.errors import SourceError
from chronos.ingest.base import Source
from chronos.ingest.cin_census import CinCensusIngester, codes

DATA = Path(__file__).resolve().parents[1] / "data" / "cin"


#: the public samples hold dates up to 2028: counted here as facts (see the future tests)
LATE = {"as_of": "2030-12-31"}


def read(path, name="cin", **options):
    return CinCensusIngester().read(Source(path=Path(path), name=name, options=options))


def _at(result, ref_end):
    rows = result.events[result.events["source_ref"].str.endswith(ref_end)]
    return rows.iloc[0]


def test_2024_sample_children_and_events(shared_data):
    result = read(shared_data / "cin-census" / "CIN_Census_2024.xml", **LATE)
    # read by hand: 2 <Child>; 18 dated elements that are events (not ReferenceDate,
    # not InitialCPCtarget) + 1 context event for factor 1C
    assert len(result.persons) == 2 and len(result.events) == 19
    first = result.persons.set_index("record_key").loc["cin:DfEX0000001"]
    assert (first["dob"], first["sex"], first["upn"]) == ("2015-03-27", "M", "A123456789123")
    referral = _at(result, "Child[1]/CINdetails[1]/CINreferralDate")
    assert referral["date"] == "2022-10-06" and "1A" in referral["summary"]
    closure = _at(result, "Child[2]/CINdetails[1]/CINclosureDate")
    assert closure["date"] == "2024-10-29" and closure["outcome"].startswith("RC9")
    assert result.reconciles()


def test_2024_sample_assessment_dated_2028_is_quarantined_the_child_kept(shared_data):
    result = read(shared_data / "cin-census" / "CIN_Census_2024.xml", as_of="2025-03-31")
    future = [q for q in result.quarantine if q.code == "date.future"]
    assert [(q.column, q.value) for q in future] == [
        ("AssessmentActualStartDate", "2028-04-28")]
    assert future[0].extra == {"part_of": "Child[1]"} and future[0].severity == "error"
    # the child and every other dated element stay data; the counts still reconcile
    assert result.records_to_data == 2 and result.records_quarantined == 0
    assert result.parts_quarantined == 1 and result.reconciles()
    late = result.events[result.events["date"] > "2025-03-31"]
    assert set(late["event_type"]) <= {"pregnancy"}   # an expected date of birth may be ahead
    refs = set(result.events["source_ref"])
    assert "Child[1]/CINdetails[1]/Assessments[1]/AssessmentActualStartDate" not in refs
    assert "Child[1]/CINdetails[1]/Assessments[1]/AssessmentAuthorisationDate" in refs


def test_2024_sample_future_dates_warn_keeps_them(shared_data):
    result = read(shared_data / "cin-census" / "CIN_Census_2024.xml", as_of="2025-03-31",
                  future_dates="warn")
    assert not result.quarantine
    assert "2028-04-28" in set(result.events["date"])
    assert any(w.code == "date.future" and w.value == "2028-04-28" for w in result.warnings)


def test_2024_sample_unknown_factor_code_warns(shared_data):
    result = read(shared_data / "cin-census" / "CIN_Census_2024.xml")
    assert [w.value for w in result.warnings if w.code == "cin.unknown_code"] == ["RB"]


def test_2021_and_2022_gender_current_and_death(shared_data):
    for name in ("CIN_Census_2021.xml", "cin-2022.xml"):
        result = read(shared_data / "cin-census" / name)
        person = result.persons.iloc[0]
        assert person["sex"] == "M" and person["dod"] == "1980-10-08"
        assert len(result.events) == 16      # 15 dated event elements + factor 2B
        plan = _at(result, "ChildProtectionPlans[1]/CPPstartDate")
        assert plan["date"] == "1970-02-17" and "PHY" in plan["summary"]


def test_2026_sample_pre_proceedings(shared_data):
    result = read(shared_data / "cin-census" / "CIN_Census_2026.xml", **LATE)
    assert len(result.events) == 25
    court = _at(result, "PreProceedingsandFGDM[1]/CourtAppDate")
    assert (court["event_type"], court["date"]) == ("court_application", "2026-12-18")


def test_fixture_factors_make_context_events():
    result = read(DATA / "minimal.xml")
    factors = result.events[result.events["source_ref"].str.endswith(
        "FactorsIdentifiedAtAssessment")]
    assert sorted(factors["event_type"]) == ["domestic_abuse_incident", "parental_mental_health"]
    assert set(factors["date"]) == {"2024-05-10"}
    abuse = factors[factors["event_type"] == "domestic_abuse_incident"].iloc[0]
    assert abuse["details"] == "factors=3B,3C"
    reviews = result.events[result.events["event_type"] == "review_conference"]
    assert list(reviews["source_ref"].str.rsplit("/", n=1).str[-1]) == \
        ["CPPreviewDate[1]", "CPPreviewDate[2]"]


def test_fixture_namespace_unknown_element_and_bad_date():
    result = read(DATA / "minimal.xml")
    other = _at(result, "ParentingAssessmentDate")
    assert other["event_type"] == "other" and other["date"] == "2024-07-07"
    codes_seen = {w.code for w in result.warnings}
    assert {"cin.unknown_date_element", "date.invalid"} <= codes_seen
    second = result.persons.set_index("record_key").loc["cin:T002"]
    assert second["dob"] is pd_na() and second["sex"] == "F"
    birth = _at(result, "Child[2]/ChildIdentifiers[1]/PersonBirthDate")
    assert birth["date_precision"] == "unknown"


def pd_na():
    import pandas as pd

    return pd.NA


def test_truncated_file_keeps_first_child():
    result = read(DATA / "truncated.xml")
    assert list(result.persons["record_key"]) == ["cin:T001"]
    assert [q.code for q in result.quarantine] == ["xml.broken"]
    assert result.quarantine[0].source_ref.startswith("line ")
    assert result.records_read == 2 and result.reconciles()


def test_doctype_is_refused():
    with pytest.raises(SourceError, match="DOCTYPE"):
        read(DATA / "doctype.xml")


def test_wrong_format_named_is_a_clear_error(shared_data):
    with pytest.raises(SourceError) as info:
        read(shared_data / "ssda903" / "SSDA903_2020_episodes.csv")
    assert "SSDA903_2020_episodes.csv" in str(info.value)


def test_other_xml_root_is_refused(tmp_path):
    path = tmp_path / "x.xml"
    path.write_text("<Bundle><entry/></Bundle>")
    with pytest.raises(SourceError, match="root element"):
        read(path)


def test_factor_event_types_are_in_the_vocabulary():
    from chronos.model import vocabulary

    assert all(t in vocabulary() for t in codes()["factor_events"].values())


def test_a_doctype_after_a_long_comment_is_refused(tmp_path):
    path = tmp_path / "late.xml"
    path.write_text('<?xml version="1.0"?>\n<!-- ' + "padding " * 20_000 + "-->\n"
                    '<!DOCTYPE Message [<!ENTITY a "aaaa">]>\n<Message><Children/></Message>\n')
    assert path.stat().st_size > 65536
    with pytest.raises(SourceError, match="DOCTYPE") as raised:
        read(path)
    assert raised.value.row == "line 3"


def test_xml_nested_too_deep_is_refused(tmp_path):
    path = tmp_path / "deep.xml"
    path.write_text("<Message><Children><Child>" + "<a>" * 300 + "</a>" * 300
                    + "</Child></Children></Message>")
    with pytest.raises(SourceError, match="nests more than 200 elements"):
        read(path)


def test_a_pipe_is_refused_not_waited_on(tmp_path):
    import os

    os.mkfifo(tmp_path / "cin.xml")
    with pytest.raises(SourceError, match="named pipe"):
        read(tmp_path / "cin.xml")
