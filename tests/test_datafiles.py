"""Shipped data files are found whatever folder Python was started in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from chronos.datafiles import data_path, data_text, package_path, version

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import chronos.model as model
from chronos.datafiles import version
from chronos.ingest.keywords import classify
from chronos.patterns.rules import load_catalogue
from chronos.report.privacy_text import rules
assert rules().given_names
print(model.vocabulary().label("head_lice"), classify("nits seen"), len(load_catalogue()) > 10,
      version())
"""


def test_every_data_file_the_code_names_exists():
    names = {"event_types.yaml", "event_keywords.yaml", "link_model.yaml", "nicknames.yaml",
             "snomed_event_types.yaml", "ssda903_codes.yaml", "cin_codes.yaml", "privacy.yaml"}
    for name in names:
        assert data_path(name).is_file(), name
        assert data_text(name).strip()
    assert package_path("patterns", "catalogue").is_dir()


def test_the_library_works_from_a_folder_that_holds_a_chronos_directory(tmp_path):
    # a checkout or a case folder named chronos/ beside where Python starts: with an
    # editable install, `chronos` then becomes a namespace package (no __init__ run)
    (tmp_path / "chronos").mkdir()
    (tmp_path / "chronos" / "notes.txt").write_text("not a package", "utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["Head", "lice", "head_lice", "True", version()]


def test_version_is_the_packages():
    text = (ROOT / "chronos" / "__init__.py").read_text("utf-8")
    assert f'__version__ = "{version()}"' in text


def test_no_module_finds_shipped_data_through_importlib_resources():
    # the MultiplexedPath TypeError came back each time a module did; datafiles.py is the way
    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / "chronos").rglob("*.py")
                 if "importlib import resources" in path.read_text("utf-8")
                 or "importlib.resources" in path.read_text("utf-8").replace(
                     ":mod:`importlib.resources`", "")]
    assert offenders == []
