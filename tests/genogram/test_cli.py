from pathlib import Path

import pytest
from typer.testing import CliRunner

from chronos.cli import app

GEDCOM = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "gedcom"


@pytest.mark.skipif(not GEDCOM.is_dir(), reason="shared sample data absent")
def test_genogram_of_a_gedcom_file(tmp_path):
    out = tmp_path / "tree.svg"
    result = CliRunner().invoke(app, ["genogram", str(GEDCOM / "bronte.ged"), "--out", str(out),
                                      "--as-of", "1850-01-01", "--pseudonymise-names"])
    assert result.exit_code == 0, result.output
    svg = out.read_text("utf-8")
    assert "as at 01/01/1850" in svg and "Brontë" not in svg and "Adult 1" in svg


@pytest.mark.skipif(not GEDCOM.is_dir(), reason="shared sample data absent")
def test_genogram_files_and_the_folders_made_for_them_are_owner_only(tmp_path):
    import stat

    out = tmp_path / "new" / "charts" / "tree.png"
    result = CliRunner().invoke(app, ["genogram", str(GEDCOM / "bronte.ged"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert [stat.S_IMODE(p.stat().st_mode) for p in (out.parent, out.parent.parent)] == [
        0o700, 0o700]
    assert sorted(p.name for p in out.parent.iterdir()) == ["tree.png"]


def test_bad_as_of_is_an_error_not_a_traceback(tmp_path):
    result = CliRunner().invoke(app, ["genogram", "x.ged", "--out", str(tmp_path / "g.png"),
                                      "--as-of", "not a date"])
    assert result.exit_code != 0 and "Traceback" not in result.output


def test_focus_generations_and_stats_on_a_generated_tree(tmp_path):
    import json

    from tests.genogram.trees import remarriage

    tree = remarriage().write(tmp_path)
    out = tmp_path / "carl.png"
    result = CliRunner().invoke(app, ["genogram", str(tree), "--focus", "Carl Frost", "--generations",
                                      "1", "--out", str(out), "--stats", "--as-of", "2025-01-01"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    # Carl, his parents and sister, his three wives, his five children (not their other families)
    assert stats["people"] == 12 and stats["deceased"] == 3
    assert stats["label_overlaps"] == 0 and stats["lines_through_symbols"] == 0
    assert stats["width"] <= 3000 and out.read_bytes()[:4] == b"\x89PNG"
    assert set(stats) >= {"crossings", "lines_through_labels", "height", "relationship_lines"}


def test_an_unknown_focus_is_a_clear_error(tmp_path):
    from tests.genogram.trees import cousins

    tree = cousins().write(tmp_path)
    result = CliRunner().invoke(app, ["genogram", str(tree), "--focus", "Nobody Here",
                                      "--out", str(tmp_path / "x.png")])
    assert result.exit_code == 1 and "nobody in the family is 'Nobody Here'" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "x.png").exists()


def test_a_case_genogram_is_drawn_around_its_index_children_with_stats(tmp_path):
    import json

    example = Path(__file__).resolve().parents[2] / "examples" / "smith-family"
    result = CliRunner().invoke(app, ["genogram", str(example), "--out", str(tmp_path / "g.svg"),
                                      "--stats", "--json", "-q"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    stats = data["stats"]
    assert stats["people"] == 7 and stats["not_known_parents"] == 2    # Tyler's and Donna's fathers
    assert [line["kind"] for line in stats["relationship_lines"]] == ["violence", "violence"]
    assert stats["label_overlaps"] == 0 and stats["crossings"] == 0
    svg = (tmp_path / "g.svg").read_text("utf-8")
    assert "together Mar 2023" in svg and "separated Jan 2023" in svg and "DA suspect" in svg
