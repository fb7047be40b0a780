"""The screen's ingest stage writes the same tables whether sources are read whole or a
block of rows at a time (chronos.screen.stages.run_ingest, INGEST_BLOCK_ROWS)."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

from chronos.screen import stages as _screen_stages
from chronos.errors import ChronosError
from chronos.screen import screen

ROOT = Path(__file__).resolve().parents[2]
TABLES = {"events": ["event_id"], "person_records": ["record_key"],
          "relationships": ["person_a", "person_b", "kind", "subtype"],
          "quarantine": ["source_file", "source_ref"]}


@pytest.fixture(scope="module")
def population(tmp_path_factory):
    spec = importlib.util.spec_from_file_location("population", ROOT / "benchmarks" / "population.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["population"] = module
    spec.loader.exec_module(module)
    folder = tmp_path_factory.mktemp("population")
    module.generate(120, folder, seed=11)
    gp = folder / "mappings" / "gp.yaml"  # one source decides its date order from the data
    gp.write_text(gp.read_text().replace("dayfirst: true\n", ""))
    return folder


def _ingest(folder: Path, out: Path, rows: int | None, monkeypatch) -> Path:
    monkeypatch.setattr(_screen_stages, "INGEST_BLOCK_ROWS", rows)
    with pytest.raises(ChronosError, match="fail_after"):
        screen(folder, out, fail_after="ingest", progress=lambda *a: None)
    return out / "work" / "ingest"


def _table(folder: Path, name: str) -> pd.DataFrame:
    frame = pd.read_parquet(folder / name)
    return frame.sort_values(TABLES[name], kind="stable").reset_index(drop=True)


def test_blocks_of_rows_give_the_same_ingest_as_whole_reads(population, tmp_path, monkeypatch):
    whole = _ingest(population, tmp_path / "whole", None, monkeypatch)
    parts = _ingest(population, tmp_path / "parts", 97, monkeypatch)
    assert len(list((parts / "events").iterdir())) > 2 * len(list((whole / "events").iterdir()))
    for name in TABLES:
        pd.testing.assert_frame_equal(_table(parts, name), _table(whole, name))
    assert len(_table(whole, "events")) > 1000
    report = json.loads((whole / "ingest-report.json").read_text())
    assert json.loads((parts / "ingest-report.json").read_text()) == report
    assert any(s["records_read"] > 97 for s in report["sources"])
    assert _table(parts, "person_records")["record_key"].is_unique
