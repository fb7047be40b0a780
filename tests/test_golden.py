"""Golden outputs of the example case: the tables `chronos build` writes for
examples/smith-family must match the reviewed copies in tests/golden/smith-family/.

When a change is meant to alter them, regenerate with
`CHRONOS_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py` and review the diff.
"""

import os
import shutil
from pathlib import Path

import pytest

from chronos.case import build_case, write_outputs

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "examples" / "smith-family"
GOLDEN = HERE / "golden" / "smith-family"
FILES = ["events.csv", "persons.csv", "links.csv", "relationships.csv", "quarantine.csv",
         "findings.csv", "findings-by-child.csv", "chronology.csv", "link-review.csv",
         "events-duplicates.csv"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("golden") / "out"
    return write_outputs(build_case(EXAMPLE), out)


@pytest.mark.parametrize("name", FILES)
def test_example_output_matches_golden(built, name):
    if os.environ.get("CHRONOS_UPDATE_GOLDEN"):
        GOLDEN.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built / name, GOLDEN / name)
    assert (built / name).read_bytes() == (GOLDEN / name).read_bytes(), (
        f"{name} differs from tests/golden/smith-family/{name}; if the change is intended, "
        "regenerate with CHRONOS_UPDATE_GOLDEN=1 and review the diff")


def test_build_is_deterministic(built, tmp_path):
    again = write_outputs(build_case(EXAMPLE), tmp_path / "again")
    for name in FILES:
        assert (again / name).read_bytes() == (built / name).read_bytes(), name
