"""chronos mapping scaffold: columns sniffed from what the values look like, a draft
mapping that reads the export it was made from."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import yaml

from chronos.errors import SourceError
from chronos.ingest.preview import inspect_file
from chronos.ingest.scaffold import scaffold_mapping

ROOT = Path(__file__).resolve().parents[2]
EXPORTS = ROOT / "examples" / "smith-family" / "exports"


def test_a_gp_export_gets_its_date_person_and_wordings(tmp_path):
    found = scaffold_mapping(EXPORTS / "gp_appointments.csv")
    assert found.date == "Appt Date" and found.time == "Appt Time" and found.dayfirst
    assert found.person == {"id": "Patient ID", "nhs_number": "NHS Number",
                            "name": "Patient Name", "dob": "DOB"}
    assert found.event_type == "Status"
    assert found.value_map["DNA"] == "was_not_brought"
    assert "Walked out" not in found.value_map and found.unknown_values == ["Walked out"]
    assert "Walked out" in found.yaml().split("agency:")[0]      # said in a comment


def test_a_wording_nobody_mapped_is_guessed_from_its_words_or_quarantined(tmp_path):
    """Never 'ignore' by default: a missed appointment is evidence of neglect."""
    path = tmp_path / "contacts.csv"
    path.write_text("Client Ref,When,What\n"
                    "C1,03/05/2021,Home visit\n"
                    "C1,13/05/2021,Missed appt - no answer at door\n"
                    "C1,14/05/2021,Walked out\n"
                    "C1,15/05/2021,Home visit\n")
    found = scaffold_mapping(path)
    assert found.value_map == {"Home visit": "home_visit",
                               "Missed appt - no answer at door": "was_not_brought"}
    assert found.guessed_values == ["Missed appt - no answer at door"]
    assert found.unknown_values == ["Walked out"]
    draft = tmp_path / "contacts.yaml"
    draft.write_text(found.yaml())
    assert "'Missed appt - no answer at door' -> was_not_brought" in draft.read_text()
    result = inspect_file(path, "mapped", mapping=draft).result
    summary = result.summary()
    assert summary["reconciles"] and summary["events"] == 3
    assert [q.code for q in result.quarantine] == ["event_type.unmapped"]


def test_the_draft_reads_the_export_it_was_made_from(tmp_path):
    draft = tmp_path / "police.yaml"
    draft.write_text(scaffold_mapping(EXPORTS / "police_incidents.csv").yaml())
    result = inspect_file(EXPORTS / "police_incidents.csv", "mapped", mapping=draft).result
    summary = result.summary()
    assert summary["reconciles"]
    assert summary["events"] > 0 and summary["persons"] > 0
    assert "domestic_abuse_incident" in set(result.events["event_type"])


def test_month_first_dates_and_a_header_below_a_title(tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text("Early help contacts export, run 2024-05-01\n\n"
                    "Client Ref,When,What,Notes\n"
                    "C1,03/25/2021,Home visit,seen with mother\n"
                    "C1,04/13/2021,Missed appointment,\n"
                    "C2,12/30/2021,Head lice,treatment advised\n")
    found = scaffold_mapping(path)
    assert [c.name for c in found.columns] == ["Client Ref", "When", "What", "Notes"]
    assert found.date == "When" and found.dayfirst is False
    assert found.person.get("id") == "Client Ref"
    assert found.event_type == "What" and found.value_map["Head lice"] == "head_lice"
    assert yaml.safe_load(found.yaml())["dayfirst"] is False


def test_a_workbook_sheet_and_a_file_without_dates(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Cover"
    book.active.append(["nothing here"])
    sheet = book.create_sheet("Referrals")
    sheet.append(["Child ID", "Forename", "Surname", "Referral Date", "Outcome"])
    sheet.append(["R1", "Amy", "Lee", "2022-02-03", "No further action"])
    book.save(tmp_path / "referrals.xlsx")
    found = scaffold_mapping(tmp_path / "referrals.xlsx", sheet="Referrals")
    assert found.sheet == "Referrals" and found.date == "Referral Date"
    assert found.mapping()["reader"] == {"sheet": "Referrals"}
    assert found.person == {"id": "Child ID", "given_name": "Forename", "family_name": "Surname"}
    with pytest.raises(SourceError, match="no sheet"):
        scaffold_mapping(tmp_path / "referrals.xlsx", sheet="Nope")
    flat = tmp_path / "codes.csv"
    flat.write_text("Code,Label\nA,Alpha\nB,Beta\n")
    plain = scaffold_mapping(flat)
    assert plain.date is None and "set events[0].date by hand" in plain.yaml()


def test_a_real_published_ssda903_file_gets_its_child_and_dates(shared_data):
    found = scaffold_mapping(shared_data / "ssda903" / "SSDA903_2020_episodes.csv")
    assert found.person["id"] == "CHILD"
    assert found.date == "DECOM" and found.other_dates == ["DEC"] and found.dayfirst


def test_an_empty_file_is_a_clear_error(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("\n\n")
    with pytest.raises(SourceError, match="no header"):
        scaffold_mapping(path)


def test_the_commands_draft_a_mapping_and_preview_it(tmp_path):
    from typer.testing import CliRunner

    from chronos.cli import app

    runner = CliRunner()
    shown = runner.invoke(app, ["mapping", "scaffold", str(EXPORTS / "gp_appointments.csv")])
    assert shown.exit_code == 0, shown.output
    assert yaml.safe_load(shown.stdout)["person"]["id"] == "Patient ID"
    out = tmp_path / "gp.yaml"
    written = runner.invoke(app, ["mapping", "scaffold", str(EXPORTS / "gp_appointments.csv"),
                                  "--out", str(out)])
    assert written.exit_code == 0 and out.read_text() == shown.stdout
    assert (out.stat().st_mode & 0o777) == 0o600
    again = runner.invoke(app, ["mapping", "scaffold", str(EXPORTS / "gp_appointments.csv"),
                                "--out", str(out)])
    assert again.exit_code == 1 and "does not replace" in again.output
    preview = runner.invoke(app, ["inspect", str(EXPORTS / "gp_appointments.csv"),
                                  "--mapping", str(out), "--json"])
    assert preview.exit_code == 0, preview.output
    import json

    data = json.loads(preview.stdout)
    assert data["format"] == "mapped" and data["summary"]["events"] > 0
    assert data["events"][0]["event_type"] in {"appointment_attended", "was_not_brought"}
    unmapped = runner.invoke(app, ["inspect", str(EXPORTS / "gp_appointments.csv")])
    assert unmapped.exit_code != 0 and "no known format" in unmapped.output
