"""Editing case.yaml without losing a person's comments or layout."""

from __future__ import annotations

import stat

import pytest
import yaml

from chronos.errors import ReturnError
from chronos.returns.manifest import add_source, read_manifest, update_source, write_manifest

MANIFEST = """\
# Review of Jade (synthetic). Kept by the review author: do not reorder.
case: "Jade review"   # the name in reports
as_of: 2024-03-31

sources:
    # the GP export, mapped
    -   name: gp
        path: exports/gp.csv     # from the practice, March
        format: mapped
        mapping: mappings/gp.yaml

    # police: a chronology table
    -   name: police
        path: exports/police.docx
        agency: Police

# linking as the analyst tuned it
linking:
  link_threshold: 0.9
"""
ENTRY = {"name": "return-school", "path": "returns/received/school.docx",
         "format": "chronology_table", "agency": "Oakfield Primary",
         "subject": {"name": "Jade Smith", "dob": "2016-05-03"}}


def manifest(tmp_path, text=MANIFEST, name="case.yaml"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return read_manifest(path)


def test_adding_a_source_keeps_every_comment_and_the_layout(tmp_path):
    found = manifest(tmp_path)
    new = add_source(found, ENTRY, comment="added by chronos")
    old_lines = MANIFEST.splitlines()
    new_lines = new.splitlines()
    added = [line for line in new_lines if line not in old_lines]
    assert [line for line in old_lines if line not in new_lines] == []     # nothing lost
    assert added[0] == "    -   name: return-school  # added by chronos"
    assert added[1] == "        path: returns/received/school.docx"
    assert added[-1] == "        subject: {name: Jade Smith, dob: '2016-05-03'}"
    assert new.index("name: return-school") < new.index("# linking as the analyst")
    data = yaml.safe_load(new)
    assert data["sources"][-1] == ENTRY and data["linking"] == {"link_threshold": 0.9}


@pytest.mark.parametrize("sources", ["sources: []\n", "sources:\n", ""])
def test_adding_to_a_manifest_with_no_sources(tmp_path, sources):
    found = manifest(tmp_path, "# mine\ncase: x\n" + sources)
    data = yaml.safe_load(add_source(found, ENTRY))
    assert data == {"case": "x", "sources": [ENTRY]}


def test_line_endings_and_a_byte_order_mark_are_kept(tmp_path):
    text = MANIFEST.replace("\n", "\r\n")
    found = manifest(tmp_path, b"\xef\xbb\xbf" + text.encode())
    new = add_source(found, ENTRY)
    assert "\r\n" in new and "\n" not in new.replace("\r\n", "")
    change = write_manifest(found, new, case_root=tmp_path, stamp="20240501-093000")
    raw = (tmp_path / "case.yaml").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert change.backup.read_bytes() == b"\xef\xbb\xbf" + text.encode()


def test_a_flow_style_source_list_is_refused_with_what_to_do(tmp_path):
    found = manifest(tmp_path, "case: x\nsources: [{path: a.csv}]\n")
    with pytest.raises(ReturnError, match="flow style"):
        add_source(found, ENTRY)


def test_updating_one_source_changes_only_its_lines(tmp_path):
    found = manifest(tmp_path)
    new = update_source(found, "police", {"path": "returns/received/police-2.docx",
                                          "sheet": "Chronology"})
    assert MANIFEST.replace("exports/police.docx", "returns/received/police-2.docx").replace(
        "        agency: Police\n", "        agency: Police\n        sheet: Chronology\n") == new
    assert yaml.safe_load(new)["sources"][1] == {
        "name": "police", "path": "returns/received/police-2.docx", "agency": "Police",
        "sheet": "Chronology"}
    assert "path: exports/gp.csv     # from the practice, March" in new
    again = update_source(read_manifest_text(tmp_path, new), "police", {"sheet": None})
    assert "sheet:" not in again and yaml.safe_load(again)["sources"][1]["path"].endswith(
        "police-2.docx")


def read_manifest_text(tmp_path, text):
    return manifest(tmp_path, text, "again.yaml")


def test_a_comment_on_the_path_line_is_kept(tmp_path):
    found = manifest(tmp_path)
    new = update_source(found, "gp", {"path": "exports/gp-april.csv"})
    assert "        path: exports/gp-april.csv     # from the practice, March\n" in new


def test_an_unknown_source_is_an_error(tmp_path):
    with pytest.raises(ReturnError, match="cannot find the source 'school'"):
        update_source(manifest(tmp_path), "school", {"path": "x.docx"})


def test_an_edit_that_would_not_read_back_exactly_is_refused(tmp_path):
    # a folded path over two lines: the one-line edit cannot keep the meaning
    text = "case: x\nsources:\n  - name: gp\n    path: >-\n      exports/gp.csv\n"
    found = manifest(tmp_path, text)
    with pytest.raises(ReturnError, match="could not change the manifest safely"):
        update_source(found, "gp", {"path": "b.csv"})
    assert (tmp_path / "case.yaml").read_text() == text


def test_writing_keeps_a_backup_is_owner_only_and_shows_the_diff(tmp_path):
    found = manifest(tmp_path)
    change = write_manifest(found, add_source(found, ENTRY), case_root=tmp_path,
                            stamp="20240501-093000")
    assert change.backup == tmp_path / "returns" / "backups" / "case-20240501-093000.yaml"
    assert change.backup.read_text() == MANIFEST
    assert stat.S_IMODE((tmp_path / "case.yaml").stat().st_mode) == 0o600
    assert stat.S_IMODE(change.backup.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "returns" / "backups").stat().st_mode) == 0o700
    assert "+    -   name: return-school" in change.diff
    assert change.diff.startswith("--- case.yaml (before)\n+++ case.yaml (after)\n")
    second = write_manifest(read_manifest(tmp_path / "case.yaml"),
                            (tmp_path / "case.yaml").read_text() + "# more\n",
                            case_root=tmp_path, stamp="20240501-093000")
    assert second.backup.name == "case-20240501-093000-2.yaml"


def test_nothing_is_written_when_the_manifest_changed_meanwhile(tmp_path):
    found = manifest(tmp_path)
    new = add_source(found, ENTRY)
    (tmp_path / "case.yaml").write_text(MANIFEST + "# edited by hand meanwhile\n")
    with pytest.raises(ReturnError, match="changed while chronos was working"):
        write_manifest(found, new, case_root=tmp_path, stamp="x")
    assert (tmp_path / "case.yaml").read_text().endswith("# edited by hand meanwhile\n")
    assert not (tmp_path / "returns").exists()


def test_the_same_text_writes_nothing(tmp_path):
    found = manifest(tmp_path)
    assert write_manifest(found, MANIFEST, case_root=tmp_path, stamp="x") is None
    assert not (tmp_path / "returns").exists()
