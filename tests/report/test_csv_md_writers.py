import csv

from chronos.report.csv_writer import write_csv
from chronos.report.document import build_chronology
from chronos.report.md_writer import render_markdown


def test_csv_has_the_display_columns_and_one_row_per_entry(chron, tmp_path):
    path = write_csv(chron, tmp_path / "c.csv")
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == chron.columns
    assert len(rows) == len(chron.rows) + 1
    assert [r[0] for r in rows[1:]] == [str(n) for n in chron.rows["No."]]
    assert "?22/05/2016" in [r[1] for r in rows]


def test_csv_neutralises_formulas(example, tmp_path):
    events = example.events.copy()
    events.loc[0, "summary"] = None
    events.loc[0, "outcome"] = "=cmd|' /C calc'!A0"
    events.loc[1, "outcome"] = "+1-2"
    events.loc[2, "outcome"] = "\tTAB"
    example.events = events
    with open(write_csv(build_chronology(example), tmp_path / "c.csv"), encoding="utf-8-sig",
              newline="") as handle:
        rows = list(csv.reader(handle))
    outcomes = [r[6] for r in rows[1:4]]
    assert outcomes == ["'=cmd|' /C calc'!A0", "'+1-2", "'\tTAB"]
    assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for r in rows for cell in r)


def test_markdown_table_escapes_pipes(example):
    events = example.events.copy()
    events.loc[0, "summary"] = "a | b"
    example.events = events
    text = render_markdown(build_chronology(example))
    table = [line for line in text.splitlines() if line.startswith("| ")]
    assert len(table) == 1 + len(example.events) + 1 + 2  # header, rows, findings header + 2
    assert "a \\| b" in text
    assert all(line.count(" | ") - line.count("\\|") >= 3 for line in table)
