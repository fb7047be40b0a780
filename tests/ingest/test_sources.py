"""A new case's sources from a folder of exports: standard formats sniffed, tables
placed by the folder's own mappings, the rest listed with a reason."""

from __future__ import annotations

import shutil
from pathlib import Path

from chronos.ingest.sources import place_exports

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "smith-family"


def test_the_example_exports_are_placed_by_their_mappings(tmp_path):
    shutil.copytree(EXAMPLE / "exports", tmp_path / "exports")
    shutil.copytree(EXAMPLE / "mappings", tmp_path / "mappings")
    (tmp_path / "exports" / "notes.docx").write_bytes(b"not really a document")
    (tmp_path / "exports" / "unknown.csv").write_text("A,B\n1,2\n")
    sources, unplaced = place_exports(tmp_path)
    by_mapping = {s["mapping"]: s for s in sources}
    assert set(by_mapping) == {f"mappings/{p.name}" for p in (EXAMPLE / "mappings").glob("*.yaml")}
    assert by_mapping["mappings/hospital_ed.yaml"]["sheet"] == "ED Attendances"
    assert by_mapping["mappings/hospital_outpatients.yaml"]["sheet"] == "Outpatients"
    assert by_mapping["mappings/gp.yaml"] == {"name": "gp", "path": "exports/gp_appointments.csv",
                                              "format": "mapped", "mapping": "mappings/gp.yaml",
                                              "agency": "GP"}
    assert {u["path"] for u in unplaced} == {"exports/notes.docx", "exports/unknown.csv"}
    assert "mapping wizard" in next(u for u in unplaced if u["path"].endswith(".csv"))["reason"]


def test_standard_formats_are_sniffed_without_a_mapping(tmp_path, shared_data):
    shutil.copy(shared_data / "ssda903" / "SSDA903_2020_episodes.csv", tmp_path / "episodes.csv")
    sources, unplaced = place_exports(tmp_path)
    assert sources == [{"name": "episodes", "path": "episodes.csv", "format": "ssda903"}]
    assert unplaced == []


def test_an_output_folder_chronos_wrote_is_not_read_as_exports(tmp_path):
    shutil.copytree(EXAMPLE / "exports", tmp_path / "exports")
    (tmp_path / "old-build").mkdir()
    (tmp_path / "old-build" / ".chronos-output.json").write_text("{}")
    (tmp_path / "old-build" / "events.csv").write_text("event_id,date\nE1,2021-01-01\n")
    sources, unplaced = place_exports(tmp_path)
    assert not [s for s in sources if s["path"].startswith("old-build")]
    assert not [u for u in unplaced if u["path"].startswith("old-build")]
