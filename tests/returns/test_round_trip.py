"""A review's returns end to end: templates issued to four agencies, filled and sent back,
dropped into the case, recorded by ``returns status``, then the same ``build`` as every
other case, beside an agency export."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
import yaml

from chronos import app
from chronos.returns.issue import Request, issue_templates
from chronos.returns.status import returns_status
from chronos.settings import Settings
from tests.returns.agency import fill_docx, fill_xlsx
from tests.returns.conftest import template

ED_EXPORT = """\
Hospital No,Forename,Surname,Date of Birth,NHS No,Arrival,Presenting Complaint,Diagnosis
RX1001,Jade,Smith,03/05/2016,943 476 5919,03/06/2021 18:40,Scald to right hand,Superficial burn
"""
ED_MAPPING = {
    "agency": "Hospital",
    "person": {"id": "Hospital No", "given_name": "Forename", "family_name": "Surname",
               "dob": "Date of Birth", "nhs_number": "NHS No"},
    "events": [{"date": "Arrival", "type": {"value": "ae_attendance"},
                "summary": "A&E: {Presenting Complaint}", "outcome": "Diagnosis"}]}
RETURNS = {
    ("oakfield-primary-school", ".docx"): [
        ("03/03/2021", "", "", "Jade arrived hungry and unkempt, in dirty clothes",
         "Breakfast club offered", "Signs of neglect", "SIMS 12"),
        ("10/03/2021", "", "Class teacher", "Head lice noted by class teacher", "Letter home",
         "", ""),
        ("14/04/2021", "", "", "Head lice again; Jade scratching in class", "Spoke to mum", "",
         ""),
        ("2nd June 2021", "", "", "Head lice a third time; dirty clothes again",
         "Referral to school nurse", "", "")],
    ("health-visiting", ".xlsx"): [
        (dt.datetime(2021, 6, 3), "19:30", "Health visitor",
         "Mum took Jade to A&E with a scald to her hand",
         "Follow-up home visit booked", "Supervision", "HV-88"),
        ("June 2021", "", "", "Home visit: home conditions poor, no heating", "Advice given",
         "", "")],
    ("police", ".docx"): [
        ("14/02/2022", "23:40", "", "Domestic incident at home, Jade present",
         "DASH risk assessment", "Medium", "OCC/22/0214")],
    ("housing", ".xlsx"): [
        ("20/07/2021", "", "", "Inspection: poor home conditions, damp and no heating",
         "Repairs ordered", "", "HSG-4"),
        ("01/09/2021", "", "", "Rent arrears letter", "", "", "")],
}


@pytest.fixture
def case(tmp_path):
    root = tmp_path / "review"
    (root / "exports").mkdir(parents=True)
    (root / "exports" / "ed.csv").write_text(ED_EXPORT)
    (root / "case.yaml").write_text(
        "# Review of Jade (synthetic)\ncase: Review of Jade\nas_of: 2024-03-31\n"
        "index_children: [Jade Smith]\nsources:\n  - name: ed\n    path: exports/ed.csv\n"
        "    format: mapped\n    mapping: " + json.dumps(ED_MAPPING) + "\n")
    issue_templates(root, Request(["Oakfield Primary School", "Health visiting", "Police",
                                   "Housing"], child="Jade Smith", dob="2016-05-03",
                                  period_start="2019-01-01", due="2024-05-10"),
                    Settings(), today=dt.date(2024, 4, 2))
    inbox = root / "returns" / "received"
    inbox.mkdir()
    for (agency, suffix), rows in RETURNS.items():
        fill = fill_docx if suffix == ".docx" else fill_xlsx
        fill(template(root, agency, suffix), inbox / f"{agency}-return{suffix}", rows)
    return root


def test_four_agencies_returns_through_the_build(case, tmp_path):
    status = returns_status(case, Settings(), now=dt.datetime(2024, 5, 11, 9, 0))
    assert [(a.agency, a.state, a.events) for a in status.agencies] == [
        ("Health visiting", "returned", 2), ("Housing", "returned", 2),
        ("Oakfield Primary School", "returned", 4), ("Police", "returned", 1)]
    manifest = yaml.safe_load((case / "case.yaml").read_text())
    assert manifest["sources"][0]["name"] == "ed"
    assert sorted(s["name"] for s in manifest["sources"][1:]) == [
        "return-health-visiting", "return-housing", "return-oakfield-primary-school",
        "return-police"]
    assert (case / "case.yaml").read_text().startswith("# Review of Jade (synthetic)\n")

    result = app.build(case, tmp_path / "out")
    report = {s["source"]: s for s in result.report["sources"]}
    assert result.report["reconciles"]
    assert {name: s["events"] for name, s in report.items()} == {
        "ed": 1, "return-health-visiting": 2, "return-housing": 2,
        "return-oakfield-primary-school": 4, "return-police": 1}
    assert all(s["records_quarantined"] == 0 and s["warnings_by_code"] == {}
               for s in report.values())
    out = tmp_path / "out"
    events = pd.read_csv(out / "events.csv", dtype=str)
    duplicates = pd.read_csv(out / "events-duplicates.csv", dtype=str)
    # the child named above each return's table is the hospital's patient: one person,
    # concerned by every event of every return
    persons = pd.read_csv(out / "persons.csv", dtype=str)
    assert len(persons) == 1
    jade = persons.iloc[0]
    assert (jade["given_name"], jade["family_name"], jade["dob"]) == ("Jade", "Smith",
                                                                     "2016-05-03")
    assert set(events["person_ids"]) == {jade["person_id"]}
    # the A&E attendance the health visitor reported is the hospital's: one event of the
    # chronology, corroborated, not two
    scald = events[events["date"] == "2021-06-03"]
    assert len(scald) == 1 and scald.iloc[0]["event_type"] == "ae_attendance"
    assert len(duplicates) == 1
    assert {scald.iloc[0]["source_file"], duplicates.iloc[0]["source_file"]} == {
        "exports/ed.csv", "returns/received/health-visiting-return.xlsx"}
    assert scald.iloc[0]["corroborated_by"] == duplicates.iloc[0]["event_id"]
    assert len(events) + len(duplicates) == sum(s["events"] for s in report.values())
    # the school's three reports of head lice count for the child in the findings
    findings = pd.read_csv(out / "findings.csv", dtype=str)
    lice = findings[findings["rule_id"].str.contains("lice", na=False)]
    assert len(lice) and lice["person_id"].eq(jade["person_id"]).all()
    from_returns = events[events["source_file"].str.startswith("returns/received/")]
    assert sorted(from_returns["agency"].unique()) == [
        "Health visiting", "Housing", "Oakfield Primary School", "Police"]
    # the Agency / source column names the team within the agency that returned it
    teams = dict(zip(from_returns["summary"], from_returns["source_org"].fillna("")))
    assert teams["Head lice noted by class teacher"] == "Class teacher"
    assert teams["Head lice again; Jade scratching in class"] == ""
    scald_reports = pd.concat([events, duplicates]).query("date == '2021-06-03'")
    assert sorted(zip(scald_reports["agency"], scald_reports["source_org"].fillna(""))) == [
        ("Health visiting", "Health visitor"), ("Hospital", "")]
    types = dict(zip(from_returns["summary"], from_returns["event_type"]))
    assert types["Head lice noted by class teacher"] == "head_lice"
    assert types["Domestic incident at home, Jade present"] == "domestic_abuse_incident"
    police = from_returns[from_returns["agency"] == "Police"].iloc[0]
    assert (police["date"], police["time"]) == ("2022-02-14", "23:40")
    assert police["source_ref"] == "T1:1"
    chronology = pd.read_csv(tmp_path / "out" / "chronology.csv", dtype=str)
    assert len(chronology) == len(events)
