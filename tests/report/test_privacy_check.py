"""`chronos check-pseudonymised`: nothing identifying survives in the shared outputs of the
example and of a generated case full of name variants, and the check finds what does."""

import re
import zipfile
from html import unescape
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chronos import app
from chronos.cli import app as cli
from chronos.report.privacy import load_key, reidentify
from tests.report import corpus

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "smith-family"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The generated case: its real build, its real report and its shared report."""
    base = tmp_path_factory.mktemp("generated")
    case = corpus.write_case(base / "case")
    app.build(case, base / "build")
    app.report(case, base / "real", outputs="csv,docx,xlsx,html,md,genogram")
    written = app.report(case, base / "shared", pseudonymise=True, key=base / "key.json")
    return base, written


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    base = tmp_path_factory.mktemp("example")
    app.build(EXAMPLE, base / "build")
    app.report(EXAMPLE, base / "real", outputs="csv")
    app.report(EXAMPLE, base / "shared", pseudonymise=True, key=base / "key.json")
    return base


def readable(path: Path) -> str:
    """Every text a person or a program could read in a file (independent of the check)."""
    if path.suffix in (".docx", ".xlsx"):
        with zipfile.ZipFile(path) as z:
            raw = "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                            if n.endswith((".xml", ".rels")))
    elif path.suffix in (".png", ".pdf"):
        raw = path.read_bytes().decode("latin-1")
    else:
        raw = path.read_text("utf-8")
    return raw + "\n" + unescape(re.sub(r"<[^>]+>", "", raw))


def test_generated_case_shares_nothing_it_planted(generated):
    base, written = generated
    assert len(written.files) >= 10
    for path in written.files:
        text = readable(path)
        for planted in corpus.PLANTED:
            found = re.search(rf"(?<![^\W_]){re.escape(planted)}(?![^\W_])", text, re.IGNORECASE)
            assert not found, (path.name, planted, text[max(0, found.start() - 80):found.end() + 20])


def test_no_identifier_of_the_real_build_survives(generated, example):
    for base in (generated[0], example):
        checked = app.check_pseudonymised(base / "shared", base / "build")
        assert checked.identifiers > 100
        assert checked.leaks == [], checked.leaks[:5]
        assert any(name.endswith("genogram.svg") for name in checked.files)


def test_the_shared_csv_comes_back_byte_for_byte(generated, example):
    for base in (generated[0], example):
        back = reidentify(base / "shared" / "chronology.csv", load_key(base / "key.json"),
                          base / "back.csv")
        assert back.read_bytes() == (base / "real" / "chronology.csv").read_bytes()


def test_the_real_outputs_leak_and_every_leak_says_where(generated):
    base, _ = generated
    checked = app.check_pseudonymised(base / "real", base / "build")
    kinds = {leak.kind for leak in checked.leaks}
    assert {"name", "NHS number", "phone", "email", "address", "date of birth",
            "postcode", "organisation"} <= kinds
    texts = {leak.text.lower() for leak in checked.leaks}
    assert {"priya shah", "katie", "kate.walsh@example.org", "21/07/1990"} <= texts
    leak = next(x for x in checked.leaks if x.file == "chronology.csv" and x.text == "Priya Shah")
    line = (base / "real" / "chronology.csv").read_text("utf-8").splitlines()[leak.line - 1]
    assert line[leak.column - 1:].startswith("Priya Shah")
    assert any(x.part == "word/document.xml" for x in checked.leaks if x.file == "chronology.docx")


def test_the_command_lists_leaks_and_exits_1(generated, tmp_path):
    base, _ = generated
    bad = CliRunner().invoke(cli, ["check-pseudonymised", str(base / "real"), "--against",
                                   str(base / "build"), "-q"])
    assert bad.exit_code == 1
    assert re.search(r"^chronology\.csv:\d+:\d+\tname\tPriya Shah$", bad.stdout, re.MULTILINE)
    good = CliRunner().invoke(cli, ["check-pseudonymised", str(base / "shared"), "--against",
                                    str(base / "build"), "--json"])
    assert good.exit_code == 0 and '"leaks": []' in good.stdout
    missing = CliRunner().invoke(cli, ["check-pseudonymised", str(base / "shared"), "--against",
                                       str(tmp_path)])
    assert missing.exit_code != 0 and "not a chronos build folder" in missing.output


def test_document_properties_and_embedded_drawings_are_read(generated, tmp_path):
    base, _ = generated
    shared = tmp_path / "shared"
    shared.mkdir()
    with zipfile.ZipFile(base / "shared" / "chronology.docx") as src, \
            zipfile.ZipFile(shared / "c.docx", "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = re.sub(rb"<dc:creator>[^<]*</dc:creator>",
                              b"<dc:creator>Priya Shah</dc:creator>", data)
                assert b"Priya Shah" in data
            dst.writestr(item, data)
    import base64

    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><text>Alexander b. 2012</text></svg>'
    (shared / "r.html").write_text(
        f'<p>ok</p><img src="data:image/svg+xml;base64,{base64.b64encode(svg).decode()}">', "utf-8")
    checked = app.check_pseudonymised(shared, base / "build")
    where = {(x.file, x.part, x.text) for x in checked.leaks}
    assert ("c.docx", "docProps/core.xml", "Priya Shah") in where
    assert ("r.html", "image 1", "Alexander") in where


def test_dates_that_were_not_shifted_are_a_leak(generated, tmp_path):
    base, _ = generated
    app.report(base / "case", tmp_path / "shared", outputs="csv", pseudonymise=True, shift_days=0,
               key=tmp_path / "k.json")
    checked = app.check_pseudonymised(tmp_path / "shared", base / "build")
    assert [x.kind for x in checked.leaks] == ["dates not shifted"]
