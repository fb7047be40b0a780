"""The rules of issue 16, checked in the written documents: a court chronology after PD27A
and the PLO; Word and Excel with a full title block, the marking and page numbers in print,
proper document properties, findings after the chronology; everything shaped by the
authority's settings (chronos.toml) without code."""

from datetime import datetime, timezone

import pytest
from docx import Document
from openpyxl import load_workbook

from chronos.report.document import COURT_COLUMNS, ChronologyOptions, build_chronology
from chronos.report.docx_writer import write_docx
from chronos.report.html_writer import render_html
from chronos.report.xlsx_writer import write_xlsx
from chronos.settings import Author, Court, Settings
from chronos.settings import Document as DocumentSettings

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

AUTHORITY = Settings(
    organisation="Northshire County Council", protective_marking="OFFICIAL-SENSITIVE",
    author=Author(name="Sam Patel", role="Social worker", email="sam.patel@example.org"),
    document=DocumentSettings(purpose="Child protection conference", version="2",
                              distribution="Conference members"),
    court=Court(case_number="NE24C00123", court="Family Court at Newcastle",
                hearing_date="2024-04-15", party="the local authority", summarise_years=2))


@pytest.fixture
def court(example):
    return build_chronology(example, ChronologyOptions(court=True, produced="2024-03-31",
                                                       settings=AUTHORITY))


def _title_block(doc) -> dict[str, str]:
    return {r.cells[0].text: r.cells[1].text for r in doc.tables[0].rows}


def _chronology_table(doc):
    return next(t for t in doc.tables if t.rows[0].cells[0].text == "No.")


# --------------------------------------------------------------------------- court


def test_the_court_chronology_has_its_front_matter(court, tmp_path):
    block = _title_block(Document(str(write_docx(court, tmp_path / "c.docx"))))
    assert block["Case number"] == "NE24C00123"
    assert block["Court"] == "Family Court at Newcastle"
    assert block["Hearing date"] == "15/04/2024"
    assert block["Date prepared"] == "31/03/2024"
    assert block["Prepared by"].startswith("Sam Patel")
    assert block["On behalf of"] == "the local authority"


def test_missing_front_matter_says_which_setting_gives_it(example, tmp_path):
    chron = build_chronology(example, ChronologyOptions(court=True, settings=Settings()))
    block = _title_block(Document(str(write_docx(chron, tmp_path / "c.docx"))))
    assert block["Case number"] == "Not recorded (chronos.toml: court.case_number)"


def test_the_court_chronology_is_12_point_at_one_and_a_half_lines(court, tmp_path):
    doc = Document(str(write_docx(court, tmp_path / "c.docx")))
    assert doc.styles["Normal"].font.size.pt >= 12
    table = _chronology_table(doc)
    sizes = {int(s.get(f"{W}val")) for s in table._tbl.iter(f"{W}sz")}
    assert min(sizes) >= 24  # half-points
    lines = {s.get(f"{W}line") for row in table.rows[1:] for s in row._tr.iter(f"{W}spacing")}
    assert lines == {"360"}  # 1.5 x 240


def test_the_court_chronology_states_facts_with_source_and_bundle_page(court, tmp_path):
    assert court.columns == COURT_COLUMNS == ["No.", "Date", "Event", "Source", "Bundle ref"]
    assert len(court.findings) == 0
    text = " ".join(court.display.astype(str).agg(" ".join, axis=1))
    for opinion in ("Severity", "high", "neglect", "F1", "Routine"):
        assert opinion not in text
    assert court.display["Source"].str.contains(r"\.csv row").any()
    doc = Document(str(write_docx(court, tmp_path / "c.docx")))
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "Key." not in body and "Appendix" not in body
    assert [c.text for c in _chronology_table(doc).rows[0].cells] == COURT_COLUMNS


def test_older_material_is_summarised_and_routine_events_left_out(example, court):
    full = build_chronology(example, ChronologyOptions(settings=AUTHORITY))
    assert len(court.rows) < len(full.rows)
    summary = court.rows[court.rows["summarised"].astype(bool)]
    assert len(summary) and (summary["date"] < "2022-04-15").all()  # two years before
    kept = court.rows[~court.rows["summarised"].astype(bool)]
    assert (kept["date"].fillna("") == "") .sum() + (kept["date"] >= "2022-04-15").sum() == len(kept)
    routine = set(full.rows.loc[full.rows["Significance"] == "Routine", "event_id"])
    assert routine and not routine & set(court.rows["event_id"])


# --------------------------------------------------------------------------- Word


def test_word_title_block_and_properties(example, tmp_path):
    chron = build_chronology(example, ChronologyOptions(produced="2024-03-31",
                                                        settings=AUTHORITY))
    doc = Document(str(write_docx(chron, tmp_path / "c.docx")))
    block = _title_block(doc)
    for label in ("Author", "Agency", "Purpose", "Version", "Distribution",
                  "Protective marking"):
        assert block[label], label
    assert block["Agency"] == "Northshire County Council"
    assert block["Purpose"] == "Child protection conference" and block["Version"] == "2"
    props = doc.core_properties
    assert props.author == "Sam Patel" and props.last_modified_by == "Sam Patel"
    assert props.created.year >= 2024 and props.title
    app = (tmp_path / "c.docx")
    import zipfile

    assert "<Application>chronos</Application>" in zipfile.ZipFile(app).read(
        "docProps/app.xml").decode("utf-8")
    assert abs((datetime.now(timezone.utc) - props.created.replace(tzinfo=timezone.utc))
               .total_seconds()) < 3600


def test_word_marking_and_page_numbers_on_every_page(chron, tmp_path):
    doc = Document(str(write_docx(chron, tmp_path / "c.docx")))
    assert doc.core_properties.author.startswith("chronos ")  # no author set: not python-docx
    for section in doc.sections:
        assert chron.marking in section.header._element.xml
        footer = section.footer._element.xml
        assert chron.marking in footer and "PAGE" in footer and "NUMPAGES" in footer


def test_word_headings_are_kept_with_what_follows(chron, tmp_path):
    doc = Document(str(write_docx(chron, tmp_path / "c.docx")))
    for p in doc.paragraphs:
        if p.style.name.startswith("Heading"):
            assert p.paragraph_format.keep_with_next is not False


# --------------------------------------------------------------------------- Excel


def test_excel_prints_a4_landscape_with_marking_titles_and_page_numbers(example, tmp_path):
    chron = build_chronology(example, ChronologyOptions(settings=AUTHORITY))
    wb = load_workbook(write_xlsx(chron, tmp_path / "c.xlsx"))
    cover = wb["Cover"]
    assert any(chron.marking in str(c.value) for row in cover.iter_rows() for c in row)
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert str(ws.page_setup.paperSize) == str(ws.PAPERSIZE_A4), ws.title
        assert chron.marking in ws.oddHeader.center.text, ws.title
        assert chron.marking in ws.oddFooter.left.text, ws.title
        assert ws.oddFooter.right.text == "Page &P of &N", ws.title
    for name in ("Chronology", "Findings", "Persons", "Sources"):
        assert wb[name].print_title_rows, name


def test_excel_text_wraps_in_rows_tall_enough_and_columns_wide_enough(chron, tmp_path):
    ws = load_workbook(write_xlsx(chron, tmp_path / "c.xlsx"))["Chronology"]
    header = [c.value for c in ws[5]]
    for name in ("Event", "Age of child", "Reference", "Significance"):
        j = header.index(name) + 1
        cells = [ws.cell(i, j) for i in range(6, ws.max_row + 1)]
        assert all(c.alignment.wrap_text for c in cells), name
    event = header.index("Event") + 1
    longest = max(range(6, ws.max_row + 1), key=lambda i: len(str(ws.cell(i, event).value)))
    width = ws.column_dimensions[ws.cell(5, event).column_letter].width
    lines = len(str(ws.cell(longest, event).value)) / width
    assert ws.row_dimensions[longest].height >= 10 * 1.2 * max(1, int(lines))
    fonts = {ws.cell(i, 1).font.sz for i in range(6, ws.max_row + 1)}
    assert min(fonts) >= 10
    findings = load_workbook(tmp_path / "c.xlsx")["Findings"]
    assert all((findings.column_dimensions[c].width or 0) >= 9 for c in "ABCDEFG")


# --------------------------------------------------------------------------- HTML


def test_html_title_block_and_print_rules(example):
    chron = build_chronology(example, ChronologyOptions(settings=AUTHORITY))
    html = render_html(chron)
    for label in ("Author", "Agency", "Purpose", "Version", "Distribution"):
        assert f"<dt>{label}</dt>" in html
    assert "@top-center{content:" in html and 'counter(page) " of " counter(pages)' in html
    assert "@bottom-left{content:" in html and chron.marking in html
    assert "break-after:avoid" in html  # no heading left at the foot of a page
    assert html.index('id="chronology"') < html.index('id="findings"')
    assert '<meta name="author" content="Sam Patel"' in html


# --------------------------------------------------------------------------- printed


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_the_marking_is_on_every_printed_page(chron, tmp_path, kind):
    """Converted to PDF by LibreOffice (where it is installed), every page carries the
    protective marking and its page number."""
    import shutil
    import subprocess

    from pypdf import PdfReader

    office = shutil.which("soffice") or shutil.which("libreoffice")
    if not office:
        pytest.skip("LibreOffice is not installed: cannot print to PDF here")
    path = (write_docx if kind == "docx" else write_xlsx)(chron, tmp_path / f"c.{kind}")
    profile = tmp_path / "profile"
    done = subprocess.run([office, f"-env:UserInstallation=file://{profile}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), str(path)],
                          capture_output=True, timeout=240)
    pdf = tmp_path / "pdf" / "c.pdf"
    assert done.returncode == 0 and pdf.exists(), done.stderr
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(str(pdf)).pages]
    assert len(pages) > 1
    for number, text in enumerate(pages, 1):
        assert chron.marking.split(":")[0] in text, f"page {number}"
        assert f"Page {number} of {len(pages)}" in text, f"page {number}"


# --------------------------------------------------------------------------- shaped by settings


def test_columns_and_headings_come_from_the_settings(example, tmp_path):
    shaped = Settings(chronology_columns=("number", "date", "agency", "event", "reference"),
                      headings={"event": "What happened", "agency": "Who recorded it"})
    chron = build_chronology(example, ChronologyOptions(settings=shaped))
    doc = Document(str(write_docx(chron, tmp_path / "c.docx")))
    assert [c.text for c in _chronology_table(doc).rows[0].cells] == [
        "No.", "Date", "Who recorded it", "What happened", "Reference"]
    ws = load_workbook(write_xlsx(chron, tmp_path / "c.xlsx"))["Chronology"]
    assert [c.value for c in ws[5]][:5] == ["No.", "Date", "Who recorded it", "What happened",
                                            "Reference"]
    assert "<th scope=\"col\">What happened</th>" in render_html(chron)


def test_an_authoritys_html_template_extends_chronos_page_and_stays_escaped(example, tmp_path):
    template = tmp_path / "ours.html.j2"
    template.write_text('{% extends "chronos/page.html.j2" %}{% block header %}'
                        '<div class="banner">{{ organisation }}</div>{{ super() }}'
                        '{% endblock %}', "utf-8")
    shaped = Settings(organisation="<Northshire> & Co", templates={"html": template})
    html = render_html(build_chronology(example, ChronologyOptions(settings=shaped)))
    assert '<div class="banner">&lt;Northshire&gt; &amp; Co</div>' in html
    assert 'id="chronology"' in html and "Content-Security-Policy" in html


def test_an_html_template_cannot_run_python(example, tmp_path):
    from chronos.errors import SettingsError

    template = tmp_path / "bad.html"
    template.write_text("{{ title.__class__.__mro__[1].__subclasses__() }}", "utf-8")
    shaped = Settings(templates={"html": template})
    with pytest.raises(SettingsError, match="unsafe") as err:
        render_html(build_chronology(example, ChronologyOptions(settings=shaped)))
    assert err.value.file == str(template)


def test_an_authoritys_word_template_is_filled_and_the_table_spliced_in(example, tmp_path):
    template = tmp_path / "ours.docx"
    doc = Document()
    doc.add_paragraph("{{ organisation }}: {{ title }} for {{ case }}")
    doc.add_paragraph("{{ chronology_table }}")
    doc.add_paragraph("Prepared by {{ author.name }}")
    doc.save(str(template))
    shaped = Settings(organisation="Northshire & Co", author=Author(name="Sam Patel"),
                      templates={"docx": template})
    chron = build_chronology(example, ChronologyOptions(settings=shaped))
    out = Document(str(write_docx(chron, tmp_path / "c.docx")))
    text = "\n".join(p.text for p in out.paragraphs)
    assert "Northshire & Co: Multi-agency chronology for Smith family" in text
    assert "Prepared by Sam Patel" in text and "{{" not in text
    assert len(_chronology_table(out).rows) == len(chron.rows) + 1


def test_a_word_template_without_the_table_is_a_clear_error(example, tmp_path):
    from chronos.errors import SettingsError

    template = tmp_path / "ours.docx"
    doc = Document()
    doc.add_paragraph("{{ title }}")
    doc.save(str(template))
    chron = build_chronology(example, ChronologyOptions(settings=Settings(
        templates={"docx": template})))
    with pytest.raises(SettingsError, match="no paragraph for the chronology table"):
        write_docx(chron, tmp_path / "c.docx")
    assert not (tmp_path / "c.docx").exists()
