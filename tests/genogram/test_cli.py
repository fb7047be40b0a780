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
    assert "as at 1850-01-01" in svg and "Brontë" not in svg and "Adult 1" in svg


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
