"""`chronos link` and `chronos explain-link` on a small case, and the build stages."""

import csv

import pytest
from typer.testing import CliRunner

from chronos import model
from chronos.cli import app
from chronos.ingest import base
from chronos.ingest.base import Ingester, SourceResult, register

FIELDS = ["id", "given_name", "family_name", "dob", "nhs_number", "postcode", "event_type",
          "date"]


@register
class _PeopleRows(Ingester):
    """Test format: CSV with person columns and one event per row."""

    name = "test_link_people_rows"
    description = "test only"

    def read(self, source):
        result = SourceResult(source=source, format=self.name)
        with open(source.path, newline="") as handle:
            rows = list(csv.DictReader(handle))
        persons, events = [], []
        for number, row in enumerate(rows, 1):
            key = f"{source.name}:{row['id']}"
            persons.append({k: row[k] or None for k in FIELDS[1:6]} | {
                "record_key": key, "dob_precision": "day", "source_file": source.file_label,
                "source_ref": str(number), "agency": source.agency})
            events.append({"event_id": model.make_event_id(source.file_label, str(number),
                                                           row["event_type"], row["date"]),
                           "date": row["date"], "date_precision": "day", "person_ids": key,
                           "event_type": row["event_type"], "agency": source.agency,
                           "source_file": source.file_label, "source_ref": str(number)})
        result.records_read = result.records_to_data = len(rows)
        result.persons, result.events = model.conform(persons, "persons"), model.conform(events, "events")
        return result


def write(path, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(FIELDS)
        writer.writerows(rows)


@pytest.fixture
def case_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(base, "FORMAT_MODULES", [])   # only the test format is needed
    tmp_path = tmp_path / "case"   # outputs go beside the case folder, never inside
    tmp_path.mkdir()
    write(tmp_path / "hospital.csv", [
        ["H1", "Kayden", "Smith", "2019-04-03", "9434765919", "LS1 4AP", "ae_attendance", "2021-03-04"],
        ["H2", "Kylie", "Smith", "2019-04-03", "", "LS1 4AP", "ae_attendance", "2021-06-01"]])
    write(tmp_path / "gp.csv", [
        ["G1", "Kaden", "Smith-Jones", "2019-04-03", "", "LS1 4AP", "ae_attendance", "2021-03-05"],
        ["G2", "Jade", "Smith", "1995-11-20", "", "LS1 4AP", "was_not_brought", "2021-01-01"]])
    (tmp_path / "case.yaml").write_text(
        "case: Link test\nas_of: 2024-03-31\nsources:\n"
        "  - {name: hosp, path: hospital.csv, format: test_link_people_rows, agency: Hospital}\n"
        "  - {name: gp, path: gp.csv, format: test_link_people_rows, agency: GP}\n")
    return tmp_path


def test_link_command_writes_links_and_review(case_dir, tmp_path):
    out = tmp_path / "out"
    assert case_dir != tmp_path
    runner = CliRunner()
    result = runner.invoke(app, ["link", str(case_dir), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert '"persons": 3' in result.stdout
    with open(out / "links.csv", newline="") as handle:
        links = {r["record_key"]: r for r in csv.DictReader(handle)}
    assert links["hosp:H1"]["person_id"] == links["gp:G1"]["person_id"]
    assert links["hosp:H2"]["person_id"] != links["hosp:H1"]["person_id"]
    assert (out / "link-review.csv").exists() and (out / "link-warnings.csv").exists()


def test_explain_link_command_prints_the_table_and_a_chart(case_dir, tmp_path):
    chart = tmp_path / "why.png"
    result = CliRunner().invoke(app, ["explain-link", str(case_dir), "hosp:H1", "hosp:H2",
                                      "--chart", str(chart)])
    assert result.exit_code == 0, result.output
    assert "veto" in result.stdout and "kept them apart" in result.stdout
    assert chart.exists()
    missing = CliRunner().invoke(app, ["explain-link", str(case_dir), "hosp:H1", "x:1"])
    assert missing.exit_code == 1 and "no person record" in missing.output


def test_build_stages_link_map_and_dedupe(case_dir):
    from chronos.case import build_case

    result = build_case(case_dir)
    kayden = result.record_to_person["hosp:H1"]
    assert not result.events["person_ids"].str.contains(":").any()
    ae = result.events[result.events["event_type"] == "ae_attendance"]
    assert len(ae) == 2                                   # the GP's report merged into one
    merged = ae[ae["person_ids"] == kayden].iloc[0]
    assert merged["corroborated_by"] == result.event_duplicates["event_id"].iloc[0]
    assert result.report["dedupe"] == {"events_in": 4, "events_out": 3, "duplicates": 1}
    household = result.relationships[result.relationships["kind"] == "household"]
    assert len(household) == 3                            # all at one postcode, same surname
