"""Word chronology: landscape A4, the title block (case, children, period, sources, author,
agency, purpose, version, distribution), the key, the numbered table with its header row
repeated on every page, agency colours, and the findings in an appendix after it; the
protective marking at the top and foot of every page with "Page 3 of 12". A court
chronology has its front matter instead, at least 12 point at 1.5 line spacing, and no
findings. The document's properties name chronos and its version and the real date.

The big table is built as WordprocessingML directly (python-docx cell by cell is far too
slow for 20,000 rows); the rest of the document uses python-docx. An authority's own
Word template (``[templates] docx`` in chronos.toml) is filled through docxtpl: it places
``{{ chronology_table }}`` (and ``{{ findings_table }}``) in paragraphs of their own and
may use every value of :func:`template_context`.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from xml.sax.saxutils import escape

from chronos.report.chronology import records
from chronos.report.document import Chronology
from chronos.report.safe_files import atomic_path, visible

#: relative column widths
WIDTHS = {"No.": 4, "Date": 9, "Time": 5, "Age of child": 9, "Agency / source": 13,
          "Event": 27, "Significance": 13, "Action / outcome": 14, "Reference": 11,
          "Source": 20, "Bundle ref": 9}
COURT_WIDTHS = {"No.": 5, "Date": 11, "Event": 52, "Source": 22, "Bundle ref": 10}
MARKING = "OFFICIAL-SENSITIVE: contains personal data. Do not share beyond those who need it."
CM = 567  # twips per centimetre
HEAD_FILL = "1F3864"
FLAG_FILL = "FCE4E4"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
PLACEHOLDER = "\u2063chronos-table\u2063"
FINDINGS_PLACEHOLDER = "\u2063chronos-findings\u2063"
FINDING_COLUMNS = ["Ref", "Finding", "Child", "Severity", "Window", "Agencies", "Evidence rows"]
FINDING_WIDTHS = [1.4, 7.4, 3.5, 2.2, 4.4, 4.2, 3.6]
#: About, Decision, By, When, Reason, Status (cm)
DECISION_WIDTHS = [4.6, 7.0, 2.6, 3.4, 5.0, 4.1]


def write_docx(chron: Chronology, path: str | Path) -> Path:
    """Write the chronology as a Word document to ``path`` atomically."""
    template = chron.settings.templates.get("docx")
    if template:
        return _from_template(chron, path, template)
    doc = new_document(chron.title, chron.settings, court=chron.court)
    _title_block(doc, chron)
    if not chron.court:
        _key(doc, chron)
    heading(doc, "Chronology", 2)
    doc.add_paragraph(PLACEHOLDER)
    blocks = {PLACEHOLDER: _table(chron)}
    if len(chron.findings) and not chron.court:
        _findings_appendix(doc, chron)
        doc.add_paragraph(FINDINGS_PLACEHOLDER)
        blocks[FINDINGS_PLACEHOLDER] = findings_table(chron)
    decisions_appendix(doc, chron)
    set_properties(doc, chron)
    save(doc, path, blocks)
    return Path(path)


def decisions_appendix(doc, chron: Chronology) -> None:
    """The review decisions in force (what, who, when, why, applied or not), those about
    events or findings the case no longer has included; nothing when there are none."""
    table = chron.decisions
    if chron.court or table is None or not len(table):
        return
    columns = [c for c in table.columns if not str(c).startswith("_")]
    heading(doc, "Appendix: review decisions", 2)
    intro = doc.add_paragraph(
        "What the people reviewing the case decided (chronos annotate), with who and when; "
        "a decision about an event or finding that the case no longer has is listed, not "
        "applied.")
    intro.paragraph_format.keep_with_next = True
    grid = doc.add_table(rows=1, cols=len(columns))
    grid.style = "Table Grid"
    for cell, name in zip(grid.rows[0].cells, columns):
        cell.text = name
        cell.paragraphs[0].runs[0].bold = True
    _repeat_header(grid.rows[0])
    for rec in table[columns].itertuples(index=False):
        for cell, value in zip(grid.add_row().cells, rec):
            cell.text = clean(value)
    set_widths(grid, DECISION_WIDTHS)


def _repeat_header(row) -> None:
    from docx.oxml import parse_xml

    row._tr.get_or_add_trPr().append(parse_xml(f"<w:tblHeader {_ns()}/>"))


def new_document(title: str, settings=None, *, court: bool = False):
    """A landscape A4 document in the settings' font, the protective marking at the top
    and foot of every page and 'Page X of Y' in the footer (``court``: at least 12 point
    at 1.5 line spacing, as the family court's bundles ask)."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt

    from chronos.settings import Settings

    settings = settings or Settings()
    doc = Document()
    doc.core_properties.title = title
    style = doc.styles["Normal"]
    style.font.name, style.font.size = settings.document.font, Pt(body_size(settings, court))
    if court:
        style.paragraph_format.line_spacing = settings.court.line_spacing
    for name in ("Heading 1", "Heading 2", "Heading 3"):
        doc.styles[name].paragraph_format.keep_with_next = True
        doc.styles[name].font.name = settings.document.font
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    marking = settings.marking if settings else MARKING
    section.header.paragraphs[0].text = marking
    section.header.paragraphs[0].runs[0].font.size = Pt(9)
    section.header.paragraphs[0].runs[0].bold = True
    footer = section.footer.paragraphs[0]
    footer.add_run(marking + "    ").font.size = Pt(9)
    _page_numbers(footer)
    return doc


def body_size(settings, court: bool) -> float:
    """The body text size in points (a court document: at least the court's 12 point)."""
    return max(settings.court.font_size, 12.0) if court else settings.document.font_size


def heading(doc, text: str, level: int):
    """A heading kept with what follows it (never stranded at the foot of a page)."""
    paragraph = doc.add_heading(clean(text), level=level)
    paragraph.paragraph_format.keep_with_next = True
    return paragraph


def save(doc, path: str | Path, blocks: dict[str, str] | None = None) -> None:
    """Save ``doc`` atomically with owner-only permissions. ``blocks`` maps placeholder
    paragraph texts to WordprocessingML that replaces those paragraphs (large tables are
    spliced in as text: lxml is slow to move a 20,000-row tree between documents). The
    stock thumbnail and application name python-docx carries are left out."""
    import io
    import zipfile

    buffer = io.BytesIO()
    doc.save(buffer)
    with atomic_path(path) as tmp, zipfile.ZipFile(buffer) as src, \
            zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename == "docProps/thumbnail.jpeg":
                continue
            data = src.read(item.filename)
            if item.filename == "word/document.xml" and blocks:
                data = _splice(data.decode("utf-8"), blocks).encode("utf-8")
            elif item.filename == "_rels/.rels":
                data = _without_thumbnail(data.decode("utf-8")).encode("utf-8")
            elif item.filename == "docProps/app.xml":
                data = _application(data.decode("utf-8")).encode("utf-8")
            dst.writestr(item, data)


def _splice(xml: str, blocks: dict[str, str]) -> str:
    from chronos.errors import SettingsError

    for marker, block in blocks.items():
        if marker not in xml:
            raise SettingsError("the Word template has no paragraph for the "
                                f"{'findings' if marker == FINDINGS_PLACEHOLDER else 'chronology'} "
                                "table", hint="put {{ chronology_table }} (and "
                                "{{ findings_table }}) in a paragraph of its own")
        at = xml.index(marker)
        start = max(xml.rfind("<w:p>", 0, at), xml.rfind("<w:p ", 0, at))
        end = xml.index("</w:p>", at) + len("</w:p>")
        xml = xml[:start] + block + xml[end:]
    return xml


def _without_thumbnail(rels: str) -> str:
    import re

    return re.sub(r'<Relationship [^>]*metadata/thumbnail"[^>]*/>', "", rels)


def _application(app: str) -> str:
    import re

    from chronos import __version__

    app = re.sub(r"<Application>.*?</Application>", "<Application>chronos</Application>", app)
    return re.sub(r"<AppVersion>.*?</AppVersion>", f"<AppVersion>{__version__}</AppVersion>", app)


def document_properties(chron: Chronology) -> dict[str, str]:
    """What a chronology document says about itself: the author (the settings' author,
    else chronos and its version; the application is chronos either way), title, subject
    (its purpose), category (the marking), version, the author as the last to modify it,
    and the description. No name of a child or family member appears here
    unless it is in the case's name."""
    from chronos import __version__

    st = chron.settings
    return {"creator": st.author.name or f"chronos {__version__}", "title": f"{chron.title}: {chron.case}",
            "subject": st.document.purpose or ("Court chronology" if chron.court else
                                               "Multi-agency chronology"),
            "category": st.protective_marking, "keywords": "chronology",
            "version": st.document.version or "draft",
            "last_modified_by": st.author.name or f"chronos {__version__}",
            "comments": f"Made by chronos {__version__} from {len(chron.sources)} sources "
                        f"on {chron.produced}."}


def set_properties(doc, chron: Chronology) -> None:
    """Fill the document's core properties (:func:`document_properties`, dated now)."""
    props = doc.core_properties
    for name, value in document_properties(chron).items():
        setattr(props, "author" if name == "creator" else name, value)
    now = datetime.now(timezone.utc).replace(microsecond=0, tzinfo=None)
    props.created = props.modified = now
    props.last_printed = now
    props.revision = 1


def _page_numbers(paragraph) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import parse_xml

    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for part in ("Page ", "PAGE", " of ", "NUMPAGES"):
        if part.isupper():
            for xml in (_fld("begin"), f'<w:r {_ns()}><w:instrText xml:space="preserve"> {part} '
                        f'</w:instrText></w:r>', _fld("separate"),
                        f'<w:r {_ns()}><w:t>1</w:t></w:r>', _fld("end")):
                paragraph._p.append(parse_xml(xml))
        else:
            paragraph.add_run(part)


def _fld(kind: str) -> str:
    return f'<w:r {_ns()}><w:fldChar w:fldCharType="{kind}"/></w:r>'


def _ns() -> str:
    return f'xmlns:w="{W_NS}"'


def _title_block(doc, chron: Chronology) -> None:
    from docx.shared import Cm

    logo = chron.settings.logo
    if logo:
        doc.add_picture(str(logo), height=Cm(1.6))
    title = chron.title if chron.court else f"{chron.title}: {clean(chron.case)}"
    heading(doc, title, 1)
    if chron.court:
        heading(doc, clean(chron.case), 2)
    rows = chron.title_items() + [("Note", n) for n in chron.notes]
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, clean(value)
        cells[0].paragraphs[0].runs[0].bold = True
    set_widths(table, [4.5, 22.2])


def set_widths(table, cm: list[float]) -> None:
    """Fix a python-docx table's column widths (in cm), for Word and LibreOffice alike."""
    from docx.shared import Cm

    table.autofit = False
    grid = table._tbl.tblGrid.findall("{%s}gridCol" % W_NS)
    for col, width in zip(grid, cm):
        col.set("{%s}w" % W_NS, str(round(width * CM)))
    for row in table.rows:
        for cell, width in zip(row.cells, cm):
            cell.width = Cm(width)


def _key(doc, chron: Chronology) -> None:
    from docx.oxml import parse_xml

    p = doc.add_paragraph()
    p.add_run("Agencies: ").bold = True
    for agency, colour in chron.agencies.items():
        run = p.add_run(f" {clean(agency)} ")
        run._r.get_or_add_rPr().append(parse_xml(
            f'<w:shd {_ns()} w:val="clear" w:color="auto" w:fill="{colour[1:]}"/>'))
        p.add_run(" ")
    doc.add_paragraph("Dates: ?22/05/2016 or c. May 2016 = the source marks the date as uncertain; "
                      "May 2016 or 2016 = only the month or year is known; Undated = the record "
                      "has no date (kept, listed last). "
                      "F1, F2 under Significance = the entry is evidence for that finding "
                      "(Appendix: findings, after the chronology).")


def _findings_appendix(doc, chron: Chronology) -> None:
    from docx.enum.text import WD_BREAK

    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    heading(doc, "Appendix: findings", 2)
    intro = doc.add_paragraph(
        "Patterns across the records that may indicate cumulative harm, each with the "
        "chronology entries that are its evidence. They are prompts for professional "
        "judgement, not conclusions.")
    intro.paragraph_format.keep_with_next = True


def findings_table(chron: Chronology) -> str:
    """The findings as WordprocessingML (header row repeated, rows kept whole)."""
    widths = [round(w * CM) for w in FINDING_WIDTHS]
    size = round(body_size(chron.settings, False) * 2)
    parts = [_table_start(widths), _header_row(FINDING_COLUMNS, widths, size, chron)]
    reviews = chron.findings["Review"] if "Review" in chron.findings else [""] * len(chron.findings)
    for rec, review in zip(chron.findings[FINDING_COLUMNS].itertuples(index=False), reviews):
        rec = [f"{v}\n{review}" if name == "Finding" and review else v
               for name, v in zip(FINDING_COLUMNS, rec)]
        cells = "".join(_cell(v, w, size=size) for v, w in zip(rec, widths))
        parts.append(f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{cells}</w:tr>")
    parts.append("</w:tbl>")
    return "".join(parts)


def _table_start(widths: list[int]) -> str:
    return (f'<w:tbl><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
            '<w:tblLayout w:type="fixed"/><w:tblBorders>'
            + "".join(f'<w:{s} w:val="single" w:sz="4" w:space="0" w:color="A6A6A6"/>'
                      for s in ("top", "left", "bottom", "right", "insideH", "insideV"))
            + '</w:tblBorders><w:tblCellMar><w:left w:w="70" w:type="dxa"/>'
            '<w:right w:w="70" w:type="dxa"/></w:tblCellMar></w:tblPr><w:tblGrid>'
            + "".join(f'<w:gridCol w:w="{w}"/>' for w in widths) + "</w:tblGrid>")


def _table(chron: Chronology) -> str:
    """The chronology table as WordprocessingML text (the w: prefix is the document's)."""
    table_widths = COURT_WIDTHS if chron.court else WIDTHS
    total = sum(table_widths.get(c, 10) for c in chron.columns)
    widths = [round(26.7 * CM * table_widths.get(c, 10) / total) for c in chron.columns]
    size = round(body_size(chron.settings, chron.court) * 2)
    spacing = _spacing(chron)
    parts = [_table_start(widths), _header_row(chron.columns, widths, size, chron)]
    cols = chron.columns
    for i, rec in enumerate(records(chron.rows)):
        mark = _bookmark(i, rec) if chron.court else ""
        parts.append(_data_row(cols, widths, rec, chron.agencies, size, spacing, mark))
    parts.append("</w:tbl>")
    return "".join(parts)


def _spacing(chron: Chronology) -> str:
    """Paragraph spacing in the table: none between paragraphs; a court chronology at its
    line spacing (1.5 = 360 of 240)."""
    line = f' w:line="{round(240 * chron.settings.court.line_spacing)}" w:lineRule="auto"' \
        if chron.court else ""
    return f'<w:spacing w:before="0" w:after="0"{line}/>'


def _bookmark(i: int, rec: dict) -> str:
    """A bookmark named after the row's event (``ev_E1a2b...``): invisible, kept when the
    author edits the document, read back by ``chronos annotate --refs-from`` (a summary row's
    is its first event's)."""
    event = str(rec.get("ref_event") or rec.get("event_id") or "")
    if not event:
        return ""
    return (f'<w:bookmarkStart w:id="{i + 1}" w:name="ev_{escape(event)}"/>'
            f'<w:bookmarkEnd w:id="{i + 1}"/>')


def _header_row(columns: list[str], widths: list[int], size: int, chron: Chronology) -> str:
    fill = chron.settings.heading_colour.lstrip("#")
    cells = "".join(_cell(chron.heading(name), w, fill=fill, bold=True, colour="FFFFFF",
                          size=size) for name, w in zip(columns, widths))
    return f"<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>{cells}</w:tr>"


def _data_row(columns, widths, rec: dict, agencies: dict, size: int, spacing: str,
              mark: str = "") -> str:
    agency_fill = agencies[rec["agency"]][1:] if rec.get("agency") in agencies else None
    cells = []
    for name, w in zip(columns, widths):
        fill = agency_fill if name == "Agency / source" else None
        if name == "Significance" and rec.get("finding_refs"):
            fill = FLAG_FILL
        cells.append(_cell(rec.get(name), w, fill=fill, bold=bool(rec.get("summarised")),
                           size=size, spacing=spacing, mark=mark if name == "No." else ""))
    return f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{''.join(cells)}</w:tr>"


def _cell(value, width: int, fill: str | None = None, bold: bool = False,
          colour: str | None = None, size: int = 20, spacing: str = "",
          mark: str = "") -> str:
    shade = f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>' if fill else ""
    rpr = f'<w:rPr><w:sz w:val="{size}"/>' + ("<w:b/>" if bold else "") + \
        (f'<w:color w:val="{colour}"/>' if colour else "") + "</w:rPr>"
    lines = clean(value).split("\n")
    text = "<w:br/>".join(f'<w:t xml:space="preserve">{escape(line)}</w:t>' for line in lines)
    spacing = spacing or '<w:spacing w:before="0" w:after="0"/>'
    return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{shade}</w:tcPr>'
            f'<w:p><w:pPr>{spacing}</w:pPr>{mark}'
            f"<w:r>{rpr}{text}</w:r></w:p></w:tc>")


def clean(value) -> str:
    """Text safe for WordprocessingML ('' for missing): control characters it cannot
    hold are shown as symbols (NUL as '␀'), never dropped."""
    if value is None or value != value:
        return ""
    return visible(str(value))


# --------------------------------------------------------------------------- templates


def template_context(chron: Chronology) -> dict:
    """What an authority's Word template may use: ``title``, ``case``, ``children``,
    ``period``, ``produced``, ``marking``, ``organisation``, ``author`` (name, role,
    email, phone), ``purpose``, ``version``, ``distribution``, ``court`` (case_number,
    court, hearing_date, party, judge), ``title_items`` (label, value pairs), ``notes``,
    ``agencies`` (name, colour), ``findings`` (dicts with Ref, Finding, Child, Severity,
    Window, Agencies, Explanation, Evidence rows), and the two tables,
    ``chronology_table`` and ``findings_table``, each in a paragraph of its own."""
    st = chron.settings
    return {"title": chron.title, "case": clean(chron.case), "children": chron.children_line(),
            "period": chron.period, "produced": chron.produced, "marking": chron.marking,
            "organisation": st.organisation, "author": vars(st.author),
            "purpose": st.document.purpose, "version": st.document.version,
            "distribution": st.document.distribution, "court": vars(st.court),
            "title_items": [{"label": k, "value": clean(v)} for k, v in chron.title_items()],
            "notes": [clean(n) for n in chron.notes],
            "agencies": [{"name": a, "colour": c} for a, c in chron.agencies.items()],
            "findings": [] if chron.court else [
                {k: clean(v) for k, v in f.items() if not str(k).startswith("_")}
                for f in chron.findings.to_dict("records")],
            "chronology_table": PLACEHOLDER,
            "findings_table": "" if chron.court or not len(chron.findings)
            else FINDINGS_PLACEHOLDER}


def _from_template(chron: Chronology, path, template: Path) -> Path:
    """Fill an authority's Word template (docxtpl: Jinja2 in Word, autoescaped) and
    splice the tables into it."""
    from docxtpl import DocxTemplate

    from chronos.errors import SettingsError

    try:
        doc = DocxTemplate(str(template))
        context = template_context(chron)
        doc.render(context, autoescape=True)
    except Exception as exc:  # a template an authority wrote: say which and why
        raise SettingsError(f"the Word template cannot be filled: {exc}", file=str(template),
                            hint="docs/settings.md lists what a template may use") from None
    blocks = {PLACEHOLDER: _table(chron)}
    if context["findings_table"]:
        blocks[FINDINGS_PLACEHOLDER] = findings_table(chron)
    set_properties(doc.docx, chron)
    _optional_findings(doc, blocks)
    save(doc, path, blocks)
    return Path(path)


def _optional_findings(doc, blocks: dict) -> None:
    """A template without ``{{ findings_table }}`` leaves the findings out (they are in
    the workbook and the case report): only the chronology table is required."""
    if FINDINGS_PLACEHOLDER in blocks and FINDINGS_PLACEHOLDER not in doc.docx.element.xml:
        del blocks[FINDINGS_PLACEHOLDER]
