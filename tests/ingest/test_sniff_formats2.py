"""Sniffing: each real sample and fixture goes to the right ingester of this group
(Annex A, attendance, GEDCOM, chronology tables), and none claims foreign files."""

from pathlib import Path

import pytest

from chronos.ingest.annex_a import AnnexAIngester
from chronos.ingest.attendance import AttendanceIngester
from chronos.ingest.chronology_table import ChronologyTableIngester
from chronos.ingest.gedcom import GedcomIngester

ROOT = Path(__file__).resolve().parents[2]
SHARED = next((p / "shared" / "data" for p in ROOT.parents if (p / "shared" / "data").exists()),
              ROOT / ".." / "shared" / "data")
MINE = [AnnexAIngester, AttendanceIngester, ChronologyTableIngester, GedcomIngester]


def scores(path: Path) -> dict[str, float]:
    head = path.read_bytes()[:65536]
    return {cls.name: cls().sniff(path, head) for cls in MINE}


def best(path: Path) -> str | None:
    found = scores(path)
    name = max(found, key=found.get)
    return name if found[name] >= 0.5 else None


@pytest.fixture
def shared():
    if not SHARED.exists():
        pytest.skip("shared sample data not present")
    return SHARED


def test_real_samples_pick_the_right_ingester(shared):
    assert best(shared / "annex-a" / "Annex_A.xlsx") == "annex_a"
    for path in (shared / "gedcom").glob("*.ged"):
        assert best(path) == "gedcom", path.name


def test_files_of_other_formats_are_not_claimed(shared):
    for folder in ("cin-census", "fhir", "ssda903"):
        for path in (shared / folder).iterdir():
            assert best(path) is None, (path.name, scores(path))


def test_random_text_and_generic_csv_refused(tmp_path):
    text = tmp_path / "random.txt"
    text.write_text("lorem ipsum dolor sit amet\n0 1 2 3\n")
    generic = tmp_path / "gp_appointments.csv"
    generic.write_text("patient_id,appt_date,status,clinician\nP1,01/02/2020,DNA,Dr X\n")
    binary = tmp_path / "blob.ged"
    binary.write_bytes(bytes(range(256)) * 4)
    for path in (text, generic, binary):
        assert best(path) is None, (path.name, scores(path))


def test_registry_sniff_when_every_module_is_present(shared):
    from chronos.ingest import base

    assert set(base.registry()) >= {"annex_a", "gedcom", "attendance", "chronology_table",
                                    "mapped", "fhir", "cin_census", "ssda903"}
    assert base.sniff(shared / "annex-a" / "Annex_A.xlsx")[0] == "annex_a"
    assert base.sniff(shared / "gedcom" / "royal92.ged")[0] == "gedcom"
