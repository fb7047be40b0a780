"""Every writer on the example case built from its exports (examples/smith-family)."""

import csv
import zipfile
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "smith-family"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    if not (EXAMPLE / "case.yaml").exists():
        pytest.skip("examples/smith-family is not there")
    from chronos.case import build_case
    from chronos.report.document import ChronologyOptions
    from chronos.report.outputs import write_reports

    result = build_case(EXAMPLE)
    out = tmp_path_factory.mktemp("example") / "out"
    run = write_reports(result, out, ["docx", "xlsx", "html", "csv", "md", "timeline",
                                      "casemap", "report"],
                        ChronologyOptions(produced="2024-03-31"))
    return result, out, run


def test_all_writers_agree_on_the_rows(outputs):
    result, out, run = outputs
    # one row per real event: the events one source row makes on one date are one row
    n = len(set(zip(result.events["source_file"], result.events["source_ref"], result.events["date"])))
    assert n < len(result.events)
    assert len(run.files) == 8
    with open(out / "chronology.csv", encoding="utf-8-sig", newline="") as handle:
        assert len(list(csv.reader(handle))) == n + 1
    tables = Document(str(out / "chronology.docx")).tables
    assert len(next(t for t in tables if t.rows[0].cells[0].text == "No.").rows) == n + 1
    ws = load_workbook(out / "chronology.xlsx")["Chronology"]
    assert ws.max_row - 5 == n
    html = (out / "chronology.html").read_text("utf-8")
    assert html.count('<tr id="row-') == n
    assert (out / "timeline.png").read_bytes().startswith(b"\x89PNG")
    assert "What do we not know?" in (out / "case-report.html").read_text("utf-8")


def test_example_names_are_gone_when_pseudonymised(outputs, tmp_path):
    from chronos.report.outputs import write_reports

    result, _, _ = outputs
    names = {n for n in result.persons["family_name"].dropna()} | \
        {n for n in result.persons["given_name"].dropna() if len(n) > 2}
    run = write_reports(result, tmp_path / "shared", ["docx", "xlsx", "csv", "html"],
                        pseudonymise=True)
    for path in run.files:
        if path.suffix in (".docx", ".xlsx"):
            with zipfile.ZipFile(path) as z:
                text = " ".join(z.read(i).decode("utf-8", "replace") for i in z.namelist())
        else:
            text = path.read_text("utf-8")
        import re

        for name in names:
            assert not re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", text, re.I), (path, name)
