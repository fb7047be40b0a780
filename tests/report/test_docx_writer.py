from docx import Document
from docx.enum.section import WD_ORIENT

from chronos.report.docx_writer import write_docx
from chronos.report.document import ChronologyOptions, build_chronology

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _chronology_table(doc):
    """The numbered table (the findings appendix follows it)."""
    return next(t for t in doc.tables if t.rows[0].cells[0].text == "No.")


def _findings_table(doc):
    return next(t for t in doc.tables if t.rows[0].cells[0].text == "Ref")


def test_word_chronology_layout_and_content(chron, tmp_path):
    path = write_docx(chron, tmp_path / "c.docx")
    doc = Document(str(path))
    section = doc.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert section.page_width > section.page_height
    table = _chronology_table(doc)
    header = [c.text for c in table.rows[0].cells]
    assert header == chron.columns
    assert len(table.rows) == len(chron.rows) + 1
    numbers = [r.cells[0].text for r in table.rows[1:]]
    assert numbers == [str(n) for n in range(1, len(chron.rows) + 1)]
    dates = [r.cells[1].text for r in table.rows[1:]]
    assert "?22/05/2016" in dates and "May 2015" in dates and dates[-1] == "Undated"
    # header row repeats on every page; rows do not split across pages
    assert table.rows[0]._tr.find(f"{W}trPr/{W}tblHeader") is not None


def test_title_block_key_findings_and_page_numbers(chron, tmp_path):
    doc = Document(str(write_docx(chron, tmp_path / "c.docx")))
    text = "\n".join(p.text for p in doc.paragraphs)
    title = "\n".join(c.text for r in doc.tables[0].rows for c in r.cells)
    assert chron.case in text and "Jordan Smith (born 14/03/2015)" in title
    assert "Date produced" in title and "31/03/2024" in title and chron.period in title
    assert "Agencies:" in text and all(a in text for a in chron.agencies)
    findings = "\n".join(c.text for r in _findings_table(doc).rows for c in r.cells)
    assert "F1" in findings and "Repeated was-not-brought" in findings
    # the findings come after the chronology, in an appendix
    order = [t._tbl for t in doc.tables]
    assert order.index(_findings_table(doc)._tbl) > order.index(_chronology_table(doc)._tbl)
    footer = doc.sections[0].footer._element.xml
    assert "PAGE" in footer and "NUMPAGES" in footer


def test_agency_cells_are_coloured_by_agency(chron, tmp_path):
    doc = Document(str(write_docx(chron, tmp_path / "c.docx")))
    table = _chronology_table(doc)
    col = chron.columns.index("Agency / source")
    fills = {}
    for row, agency in zip(table.rows[1:], chron.rows["agency"]):
        shd = row.cells[col]._tc.find(f"{W}tcPr/{W}shd")
        fills.setdefault(agency, set()).add(shd.get(f"{W}fill"))
    assert all(len(f) == 1 for f in fills.values())
    assert len({next(iter(f)) for f in fills.values()}) == len(fills)


def test_court_style_word_document(example, tmp_path):
    chron = build_chronology(example, ChronologyOptions(court=True))
    doc = Document(str(write_docx(chron, tmp_path / "court.docx")))
    assert [c.text for c in _chronology_table(doc).rows[0].cells] == \
        ["No.", "Date", "Event", "Source", "Bundle ref"]
    assert not any(t.rows[0].cells[0].text == "Ref" for t in doc.tables)  # no findings


def test_control_characters_do_not_break_the_document(example, tmp_path):
    events = example.events.copy()
    events.loc[0, "summary"] = "bad \x0b char \x01 and <tag> & more"
    example.events = events
    chron = build_chronology(example)
    doc = Document(str(write_docx(chron, tmp_path / "c.docx")))
    assert "<tag> & more" in _chronology_table(doc).rows[1].cells[4].text


def test_control_characters_are_shown_not_dropped(chron, tmp_path):
    chron.rows.loc[0, "Event"] = "Seen\x00 at home\x1b"
    doc = Document(write_docx(chron, tmp_path / "c.docx"))
    texts = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    assert "Seen\u2400 at home\u241b" in texts


def test_review_decisions_in_the_word_chronology(reviewed, tmp_path):
    doc = Document(str(write_docx(reviewed, tmp_path / "c.docx")))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Appendix: review decisions" in text
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "About")
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert rows[0] == ["About", "Decision", "By", "When", "Reason", "Status"]
    assert ["Event Egone0000001", "Note: from an older export", "A Analyst",
            "2026-11-01 09:00:00", "", "not applied: the case no longer has this event"] in rows
    assert table.rows[0]._tr.find(f"{W}trPr/{W}tblHeader") is not None
    finding = [r.cells[1].text for r in _findings_table(doc).rows if r.cells[0].text == "F1"][0]
    assert "Dismissed (B Reviewer, 07/12/2026): appointments moved by the clinic" in finding
    chronology = _chronology_table(doc)
    row2 = [c.text for c in chronology.rows[2].cells]
    assert "Marked significant (A Analyst, 07/12/2026)" in row2[chronology_col(reviewed)]


def chronology_col(chron):
    return chron.columns.index("Significance")


def test_no_decisions_no_appendix(chron, tmp_path):
    doc = Document(str(write_docx(chron, tmp_path / "c.docx")))
    assert "review decisions" not in "\n".join(p.text for p in doc.paragraphs)
