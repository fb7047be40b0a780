"""The case report's PDF, made without a browser."""

import subprocess

import pytest

pypdf = pytest.importorskip("pypdf")

from chronos.report import pdf_writer  # noqa: E402
from chronos.report._example import example_result  # noqa: E402
from chronos.report.document import ChronologyOptions, build_chronology  # noqa: E402
from chronos.report.pdf_writer import MAX_CELL_CHARS, write_case_report_pdf  # noqa: E402

NO_IMAGES = {"genogram": None, "ecomap": None, "timeline": None}   # none to show


def pdf_text(path) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(path).pages]


@pytest.fixture
def no_subprocess(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"a program was started: {args}")

    monkeypatch.setattr(subprocess, "Popen", refuse)


def test_the_pdf_holds_the_report_and_every_chronology_row(chron, example, tmp_path,
                                                           no_subprocess):
    path = write_case_report_pdf(example, tmp_path / "r.pdf", chronology=chron)
    pages = pdf_text(path)
    text = "\n".join(pages)
    assert path.read_bytes().startswith(b"%PDF-")
    assert all("OFFICIAL-SENSITIVE" in page for page in pages)
    assert all(f"Page {i} of {len(pages)}" in page for i, page in enumerate(pages, 1))
    for finding in chron.findings.to_dict("records"):
        assert finding["Finding"] in text
    for section in ("Summary", "Findings with their evidence", "Genogram", "Timeline",
                    "Case map", "What do we not know?", "Chronology"):
        assert section in text
    flat = " ".join(text.split())
    for row in chron.display.to_dict("records"):
        assert f"{row['No.']} {row['Date']}" in flat
        assert " ".join(str(row["Reference"]).split()) in flat


def test_the_same_case_gives_the_same_bytes(chron, example, tmp_path):
    first = write_case_report_pdf(example, tmp_path / "a.pdf", chronology=chron, images=NO_IMAGES)
    again = write_case_report_pdf(example, tmp_path / "b.pdf", chronology=chron, images=NO_IMAGES)
    assert first.read_bytes() == again.read_bytes()


def test_control_characters_are_shown_and_a_huge_cell_is_cut(chron, example, tmp_path):
    chron.rows.loc[0, "Event"] = "Seen\x00 at home \u4e2d"
    chron.rows.loc[1, "Event"] = "word " * 5000
    text = "\n".join(pdf_text(write_case_report_pdf(example, tmp_path / "r.pdf",
                                                    chronology=chron, images=NO_IMAGES)))
    assert "Seen\\x00 at home \ufffd" in text
    assert f"cut at {MAX_CELL_CHARS:,} characters" in " ".join(text.split())


def test_a_long_chronology_repeats_its_header_on_every_page(tmp_path, monkeypatch):
    result = example_result(1500)
    chron = build_chronology(result, ChronologyOptions(produced="2024-03-31"))
    path = write_case_report_pdf(result, tmp_path / "r.pdf", chronology=chron, images=NO_IMAGES)
    pages = pdf_text(path)
    table = [p for p in pages if "Action / outcome" in p]
    assert len(table) > 20
    start = next(i for i, p in enumerate(pages) if "Chronology" in p and "Action / outcome" in p)
    assert pages[start:] == table                     # every page from there has the header
    numbers = [int(n) for p in table for n in _row_numbers(p)]
    assert numbers[-1] == len(chron.rows) and sorted(set(numbers)) == numbers


def _row_numbers(page: str) -> list[str]:
    import re

    return re.findall(r"(?m)^(\d+) (?:\d\d/\d\d/\d{4}|\?|c\.|[A-Z][a-z]+ \d{4}|\d{4}|Undated)",
                      page)


def test_words_wider_than_a_column_are_broken_inside(example, tmp_path):
    pdf = pdf_writer._Report(build_chronology(example))
    lines = pdf._wrap("a " + "x" * 300 + " end", 20, 7, "")
    assert all(pdf._width(line, 7, "") <= 20 for line in lines)
    assert "".join(lines).replace(" ", "") == "a" + "x" * 300 + "end"


def test_the_pdf_opens_with_each_child_at_a_glance(tmp_path):
    """The PDF holds what the HTML holds: a first page per child with the heat-map, the
    harm chart and the key concerns (a real build of the second example)."""
    from pathlib import Path

    from chronos.case import build_case
    from chronos.report.pdf_writer import write_case_report_pdf

    result = build_case(Path(__file__).resolve().parents[2] / "examples" / "walsh-family")
    pdf = write_case_report_pdf(result, tmp_path / "r.pdf")
    pages = [page.extract_text() for page in pypdf.PdfReader(pdf).pages]
    firsts = [i for i, text in enumerate(pages) if "at a glance" in text]
    assert len(firsts) == 3 and firsts == [1, 2, 3]
    for i in firsts:
        assert "Neglect by type and year" in pages[i] and "Key concerns" in pages[i]
        assert "Cumulative harm over time" in pages[i]
    assert "positive events" not in " ".join(pages)


def test_the_pdf_case_report_shows_the_review_decisions(example, reviewed, tmp_path):
    from pypdf import PdfReader

    from chronos.report.pdf_writer import write_case_report_pdf

    path = write_case_report_pdf(example, tmp_path / "r.pdf", chronology=reviewed,
                                 images={"genogram": None, "ecomap": None, "timeline": None})
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(str(path)).pages)
    assert "Review decisions" in text and "Egone0000001" in text
    assert "Dismissed (B Reviewer, 07/12/2026): appointments moved by the clinic" in text
