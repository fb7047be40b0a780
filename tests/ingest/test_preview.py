"""chronos inspect: the library function and the command."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from chronos.errors import FormatNotRecognised
from chronos.ingest.preview import inspect_file

DATA = Path(__file__).resolve().parents[1] / "data"
ROOT = Path(__file__).resolve().parents[2]


def test_inspect_sniffs_and_reads_without_writing(tmp_path):
    copy = tmp_path / "cin.xml"
    copy.write_bytes((DATA / "cin" / "minimal.xml").read_bytes())
    found = inspect_file(copy)
    assert found.format == "cin_census" and found.scores[0][0] == "cin_census"
    data = found.as_dict(rows=3)
    assert len(data["events"]) == 3 and data["persons"][0]["la_child_id"] == "T001"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cin.xml"]


def test_inspect_random_text_names_formats():
    with pytest.raises(FormatNotRecognised):
        inspect_file(DATA / "random.txt")


def _run(*args):
    return subprocess.run([sys.executable, "-m", "chronos", *args], cwd=ROOT,
                          capture_output=True, text=True)


def test_cli_inspect_json_and_errors():
    done = _run("inspect", str(DATA / "fhir" / "bulk.ndjson"), "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["format"] == "fhir" and data["summary"]["records_quarantined"] == 1
    bad = _run("inspect", str(DATA / "random.txt"))
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert "formats tried" in bad.stderr
    wrong = _run("inspect", str(DATA / "ssda903" / "header.csv"), "--format", "cin_census")
    assert wrong.returncode == 3 and "header.csv" in wrong.stderr


def test_cli_formats_lists_mine():
    done = _run("formats")
    assert done.returncode == 0
    names = {line.split()[0] for line in done.stdout.splitlines() if line.strip()}
    assert {"fhir", "cin_census", "ssda903"} <= names


def test_preview_names_the_people_of_each_event_with_their_role(tmp_path):
    export = tmp_path / "log.csv"
    export.write_text("Ref,When,What,Id,Surname,Forename,Part\n"
                      "A1,01/02/2023,Domestic abuse,P1,OKAFOR,Amara,Victim\n"
                      "A1,01/02/2023,Domestic abuse,P2,BELL,Rhys,Suspect\n"
                      "A2,05/03/2023,Welfare check,P3,,,Subject\n", encoding="utf-8")
    mapping = {"agency": "Police",
               "person": {"id": "Id", "given_name": "Forename", "family_name": "Surname"},
               "events": [{"date": "When", "type": {"column": "What", "map": {
                   "Domestic abuse": "domestic_abuse_incident",
                   "Welfare check": "police_call_out"}},
                   "occurrence": "Ref", "role": {"column": "Part"}, "summary": "{What}"}]}
    found = inspect_file(export, "mapped", mapping=mapping)
    people = [event["people"] for event in found.as_dict(rows=5)["events"]]
    assert people[0] == "Amara OKAFOR (victim); Rhys BELL (suspect)"
    assert people[1].startswith("file:") and "(" not in people[1]  # no name: its key
