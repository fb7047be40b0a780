"""Word chronology: landscape A4, title block, key, findings, and the numbered table with a
header row repeated on every page, agency colours and page numbers ("Page 3 of 12").

The big table is built as WordprocessingML directly (python-docx cell by cell is far too
slow for 20,000 rows); the rest of the document uses python-docx.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from chronos.report.chronology import records
from chronos.report.document import Chronology
from chronos.report.safe_files import atomic_path, visible
from chronos.report.xlsx_writer import tint

WIDTHS = {"No.": 4, "Date": 9, "Age of child": 9, "Agency / source": 13, "Event": 27,
          "Significance": 13, "Action / outcome": 14, "Reference": 11,
          "Document reference": 20}
MARKING = "OFFICIAL-SENSITIVE: contains personal data. Do not share beyond those who need it."
CM = 567  # twips per centimetre
HEAD_FILL = "1F3864"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
PLACEHOLDER = "\u2063chronos-table\u2063"


def write_docx(chron: Chronology, path: str | Path) -> Path:
    """Write the chronology as a Word document to ``path`` atomically."""
    doc = new_document(chron.title)
    _title_block(doc, chron)
    _key(doc, chron)
    if len(chron.findings):
        _findings(doc, chron)
    doc.add_heading("Chronology", level=2)
    doc.add_paragraph(PLACEHOLDER)
    save(doc, path, {PLACEHOLDER: _table(chron)})
    return Path(path)


def new_document(title: str):
    """A landscape A4 document with the sensitivity marking and 'Page X of Y' footer."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt

    doc = Document()
    doc.core_properties.title = title
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "Arial", Pt(10)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    section.header.paragraphs[0].text = MARKING
    section.header.paragraphs[0].runs[0].font.size = Pt(8)
    _page_numbers(section.footer.paragraphs[0])
    return doc


def save(doc, path: str | Path, blocks: dict[str, str] | None = None) -> None:
    """Save ``doc`` atomically with owner-only permissions. ``blocks`` maps placeholder
    paragraph texts to WordprocessingML that replaces those paragraphs (large tables are
    spliced in as text: lxml is slow to move a 20,000-row tree between documents)."""
    import io
    import zipfile

    with atomic_path(path) as tmp:
        if not blocks:
            doc.save(str(tmp))
            return
        buffer = io.BytesIO()
        doc.save(buffer)
        with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
            for item in src.infolist():
                data = src.read(item.filename)
                if item.filename == "word/document.xml":
                    data = _splice(data.decode("utf-8"), blocks).encode("utf-8")
                dst.writestr(item, data)


def _splice(xml: str, blocks: dict[str, str]) -> str:
    for marker, block in blocks.items():
        at = xml.index(marker)
        start = xml.rindex("<w:p>", 0, at) if "<w:p>" in xml[:at] else xml.rindex("<w:p ", 0, at)
        end = xml.index("</w:p>", at) + len("</w:p>")
        xml = xml[:start] + block + xml[end:]
    return xml


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
    doc.add_heading(f"{chron.title}: {clean(chron.case)}", level=1)
    kids = "; ".join(f"{c['name']} ({c.get('birth') or 'born ' + _dob(c)})"
                    for c in chron.children) or "Not recorded"
    rows = [("Case", chron.case), ("Children", kids), ("Period", chron.period),
            ("Sources", "; ".join(chron.sources)), ("Date produced", chron.produced)]
    rows += [("Note", n) for n in chron.notes]
    table = doc.add_table(rows=0, cols=2)
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, clean(value)
        cells[0].paragraphs[0].runs[0].bold = True
    set_widths(table, [4, 22.7])


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


def _dob(child: dict) -> str:
    from chronos.report.chronology import format_date

    return format_date(child["dob"], "day", False) if child["dob"] else "date unknown"


def _key(doc, chron: Chronology) -> None:
    from docx.oxml import parse_xml

    p = doc.add_paragraph()
    p.add_run("Key. ").bold = True
    p.add_run("Agencies: " if not chron.court else "")
    for agency, colour in ({} if chron.court else chron.agencies).items():
        run = p.add_run(f" {clean(agency)} ")
        run._r.get_or_add_rPr().append(parse_xml(
            f'<w:shd {_ns()} w:val="clear" w:color="auto" w:fill="{tint(colour)[1:]}"/>'))
        p.add_run(" ")
    doc.add_paragraph("Dates: ?22/05/2016 or c. May 2016 = the source marks the date as uncertain; "
                      "May 2016 or 2016 = only the month or year is known; Undated = the record "
                      "has no date (kept, listed last). "
                      "Flagged F1, F2 = the entry is evidence for that finding.")


def _findings(doc, chron: Chronology) -> None:
    doc.add_heading("Findings", level=2)
    cols = ["Ref", "Finding", "Child", "Severity", "Window", "Agencies", "Evidence rows"]
    table = doc.add_table(rows=1, cols=len(cols))
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, cols):
        cell.text = name
        cell.paragraphs[0].runs[0].bold = True
    for rec in chron.findings[cols].itertuples(index=False):
        for cell, value in zip(table.add_row().cells, rec):
            cell.text = clean(value)
    set_widths(table, [1.2, 7.6, 3.5, 2.4, 4.4, 4, 3.6])


def _table(chron: Chronology) -> str:
    """The chronology table as WordprocessingML text (the w: prefix is the document's)."""
    total = sum(WIDTHS.get(c, 10) for c in chron.columns)
    widths = [round(26.7 * CM * WIDTHS.get(c, 10) / total) for c in chron.columns]
    parts = [f'<w:tbl><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
             '<w:tblLayout w:type="fixed"/><w:tblBorders>'
             + "".join(f'<w:{s} w:val="single" w:sz="4" w:space="0" w:color="A6A6A6"/>'
                       for s in ("top", "left", "bottom", "right", "insideH", "insideV"))
             + '</w:tblBorders><w:tblCellMar><w:left w:w="60" w:type="dxa"/>'
             '<w:right w:w="60" w:type="dxa"/></w:tblCellMar></w:tblPr><w:tblGrid>'
             + "".join(f'<w:gridCol w:w="{w}"/>' for w in widths) + "</w:tblGrid>"]
    parts.append(_header_row(chron.columns, widths))
    cols = chron.columns
    for rec in records(chron.rows):
        parts.append(_data_row(cols, widths, rec, chron.agencies))
    parts.append("</w:tbl>")
    return "".join(parts)


def _header_row(columns: list[str], widths: list[int]) -> str:
    cells = "".join(_cell(name, w, fill=HEAD_FILL, bold=True, colour="FFFFFF")
                    for name, w in zip(columns, widths))
    return f"<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>{cells}</w:tr>"


def _data_row(columns, widths, rec: dict, agencies: dict) -> str:
    agency_fill = tint(agencies[rec["agency"]])[1:] if rec.get("agency") in agencies else None
    cells = []
    for name, w in zip(columns, widths):
        fill = agency_fill if name == "Agency / source" else None
        if name == "Significance" and rec.get("finding_refs"):
            fill = "FCE4E4"
        cells.append(_cell(rec.get(name), w, fill=fill, bold=bool(rec.get("summarised"))))
    return f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{''.join(cells)}</w:tr>"


def _cell(value, width: int, fill: str | None = None, bold: bool = False,
          colour: str | None = None) -> str:
    shade = f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>' if fill else ""
    rpr = '<w:rPr><w:sz w:val="17"/>' + ("<w:b/>" if bold else "") + \
        (f'<w:color w:val="{colour}"/>' if colour else "") + "</w:rPr>"
    lines = clean(value).split("\n")
    text = "<w:br/>".join(f'<w:t xml:space="preserve">{escape(line)}</w:t>' for line in lines)
    return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{shade}</w:tcPr>'
            f'<w:p><w:pPr><w:spacing w:before="0" w:after="0"/></w:pPr>'
            f"<w:r>{rpr}{text}</w:r></w:p></w:tc>")


def clean(value) -> str:
    """Text safe for WordprocessingML ('' for missing): control characters it cannot
    hold are shown as symbols (NUL as '␀'), never dropped."""
    if value is None or value != value:
        return ""
    return visible(str(value))
