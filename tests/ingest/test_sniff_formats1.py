"""Sniffing picks the FHIR, CIN census and SSDA903 ingesters for their files only."""

from pathlib import Path

import pytest

from chronos.errors import FormatNotRecognised
from chronos.ingest.base import read_head, registry, sniff
from chronos.ingest.cin_census import CinCensusIngester
from chronos.ingest.fhir import FhirIngester
from chronos.ingest.ssda903 import Ssda903Ingester

DATA = Path(__file__).resolve().parents[1] / "data"
MINE = {"fhir": "fhir", "cin-census": "cin_census", "ssda903": "ssda903"}


def test_registered():
    known = registry()
    assert {"fhir", "cin_census", "ssda903"} <= set(known)


def test_real_files_sniff_to_their_format(shared_data):
    for folder, fmt in MINE.items():
        files = sorted(p for p in (shared_data / folder).iterdir() if p.is_file())
        assert files
        for path in files:
            assert sniff(path)[0] == fmt, path.name


def test_own_fixtures_sniff_to_their_format():
    cases = {"fhir/dangling_refs.json": "fhir", "fhir/bulk.ndjson": "fhir",
             "fhir/truncated_bundle.json": "fhir", "cin/minimal.xml": "cin_census",
             "cin/truncated.xml": "cin_census", "ssda903/header.csv": "ssda903",
             "ssda903/missing.csv": "ssda903"}
    for name, fmt in cases.items():
        assert sniff(DATA / name)[0] == fmt, name


def test_random_text_is_refused_naming_formats_tried():
    with pytest.raises(FormatNotRecognised) as info:
        sniff(DATA / "random.txt")
    assert "fhir" in str(info.value) and "cin_census" in str(info.value)


def test_other_formats_files_are_not_claimed(shared_data):
    mine = [FhirIngester(), CinCensusIngester(), Ssda903Ingester()]
    others = [p for folder in ("gedcom", "annex-a") for p in (shared_data / folder).iterdir()]
    for path in others:
        head = read_head(path)
        assert all(ing.sniff(path, head) < 0.5 for ing in mine), path.name
