"""The application functions the workspace added: a case from a folder of exports, a
source added to a case, a link decision written to overrides.yaml."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest
import yaml

from chronos import app
from chronos.errors import ChronosError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "smith-family"


@pytest.fixture
def exports(tmp_path):
    folder = tmp_path / "smith"
    shutil.copytree(EXAMPLE / "exports", folder / "exports")
    shutil.copytree(EXAMPLE / "mappings", folder / "mappings")
    return folder


def test_new_case_writes_a_manifest_that_builds_like_the_example(exports, tmp_path):
    made = app.new_case(exports, name="Smith")
    assert made.unplaced == [] and len(made.sources) == 8
    assert stat.S_IMODE(made.manifest.stat().st_mode) == 0o600
    ours = app.build(exports, tmp_path / "out")
    example = app.build(EXAMPLE, tmp_path / "example")
    totals, expected = ours.report["totals"], example.report["totals"]
    assert (totals["records_read"], totals["persons"]) == \
        (expected["records_read"], expected["persons"])
    assert ours.report["reconciles"]
    with pytest.raises(ChronosError, match="does not replace"):
        app.new_case(exports)


def test_add_source_appends_to_the_manifest_text_and_keeps_a_backup(exports):
    manifest = exports / "case.yaml"
    manifest.write_text("# my notes\ncase: Smith\nsources:\n"
                        "  - {name: gp, path: exports/gp_appointments.csv, format: mapped,"
                        " mapping: mappings/gp.yaml}\n")
    change = app.add_source(exports, exports / "exports" / "police_incidents.csv",
                            mapping=exports / "mappings" / "police.yaml", agency="Police",
                            name="gp")
    text = manifest.read_text()
    assert text.startswith("# my notes\n")
    added = yaml.safe_load(text)["sources"][-1]
    assert added == {"name": "gp_2", "path": "exports/police_incidents.csv",
                     "mapping": "mappings/police.yaml", "format": "mapped", "agency": "Police"}
    assert change.backup.read_text().count("name:") == 1
    with pytest.raises(ChronosError, match="not inside the case folder"):
        app.add_source(exports, EXAMPLE / "exports" / "gp_appointments.csv")


def _one_source_case(tmp_path, manifest_keys: str = ""):
    """A case folder with one tiny mapped export (``manifest_keys``: more case.yaml lines)."""
    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "a.csv").write_text("ID,Date\n1,01/02/2021\n")
    (folder / "m.yaml").write_text("person: {id: ID}\nevents: [{date: Date, type: {value: other}}]\n")
    (folder / "case.yaml").write_text(f"case: x\n{manifest_keys}sources:\n"
                                      "  - {path: a.csv, format: mapped, mapping: m.yaml}\n")
    return folder


def test_decide_link_keeps_what_the_overrides_file_held(tmp_path):
    folder = _one_source_case(tmp_path, "overrides: links/decided.yaml\n")
    (folder / "links").mkdir()
    (folder / "links" / "decided.yaml").write_text("must_link:\n  - [a:1, b:2, c:3]\n")
    done = app.decide_link(folder, "d:4", "e:5", "different")
    assert done.file == folder / "links" / "decided.yaml"
    data = yaml.safe_load(done.file.read_text())
    assert data == {"must_link": [["a:1", "b:2", "c:3"]], "cannot_link": [["d:4", "e:5"]]}
    app.decide_link(folder, "d:4", "e:5", "same")          # a change of mind moves the pair
    data = yaml.safe_load(done.file.read_text())
    assert data == {"must_link": [["a:1", "b:2", "c:3"], ["d:4", "e:5"]], "cannot_link": []}
    assert stat.S_IMODE(done.file.stat().st_mode) == 0o600
    with pytest.raises(ChronosError, match="'same' or 'different'"):
        app.decide_link(folder, "d:4", "e:5", "perhaps")


def test_decide_link_keeps_a_persons_comments_and_notes(tmp_path):
    folder = _one_source_case(tmp_path)
    mine = ("# Smith family: decided at the strategy meeting, 3 March\n"
            "must_link:\n"
            "  - {a: gp:1, b: school:7, note: \"confirmed with the school\"}  # SW\n"
            "cannot_link:   # twins\n"
            "  - [gp:3, gp:4]\n")
    (folder / "overrides.yaml").write_text(mine)
    done = app.decide_link(folder, "police:9", "gp:1", "same")
    text = done.file.read_text()
    assert text.startswith(mine.split("cannot_link")[0])           # every line kept
    assert "cannot_link:   # twins\n  - [gp:3, gp:4]\n" in text
    assert (done.must_link, done.cannot_link) == (2, 1)
    app.decide_link(folder, "gp:3", "gp:4", "same")                # a change of mind
    data = yaml.safe_load(done.file.read_text())
    assert data["cannot_link"] == [] and ["gp:3", "gp:4"] in data["must_link"]
    assert data["must_link"][0]["note"] == "confirmed with the school"
    assert "# Smith family: decided at the strategy meeting" in done.file.read_text()


def test_decide_link_refuses_a_layout_it_cannot_edit_and_writes_nothing(tmp_path):
    folder = _one_source_case(tmp_path)
    odd = "must_link: [\n  [gp:1, school:7],  # over lines\n]\n"
    (folder / "overrides.yaml").write_text(odd)
    with pytest.raises(ChronosError, match="add it by hand"):
        app.decide_link(folder, "police:9", "gp:2", "same")
    assert (folder / "overrides.yaml").read_text() == odd
