"""The Word and Excel templates sent to each agency.

Each template holds, above its one table: the protective marking, the review, the line
``Child: Jade SMITH (DOB 03/05/2016)`` (the form the chronology-table reader recognises),
the agency, the period, whom to return it to and by when, and the return reference; then
short instructions, the table with the review's columns (the authority's settings,
:mod:`chronos.settings`) and, in Word after the table and in Excel on an Instructions sheet,
the full instructions and the numbered checks made when the return arrives. The hidden
properties (:mod:`chronos.returns.identity`) let the return be recognised.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from chronos.returns.identity import add_docx_properties, add_xlsx_properties
from chronos.returns.messages import catalogue
from chronos.returns.register import AgencyEntry, Register, uk_date
from chronos.settings import Settings

CHRONOLOGY_SHEET = "Chronology"
INSTRUCTIONS_SHEET = "Instructions"
#: characters of an Instructions sheet line that fit on one line of its column
INSTRUCTION_CHARS = 66
TITLE = "Agency chronology return"
EMPTY_ROWS_DOCX = 8
EMPTY_ROWS_XLSX = 200
#: what to write in each column (shown in the instructions and on each Excel heading)
COLUMN_HELP = {
    "date": "The day it happened, day first: 03/04/2021 or 3 April 2021. Only the month "
            "known: April 2021; only the year: 2021; not sure: ?03/04/2021.",
    "time": "If known, on the 24-hour clock: 14:30.",
    "agency": "The service or team, and the role of the person involved (for example "
              "Health visitor, Class teacher, PC 1234).",
    "event": "What happened, factually: who was there, what was seen or said. Write for a "
             "reader outside your agency (no unexplained abbreviations).",
    "action": "What your agency did as a result, and the outcome.",
    "significance": "Why it matters for the child, in your agency's view.",
    "reference": "Your own record reference, so that the entry can be traced.",
}
#: relative widths of the columns in Word and Excel
WIDTHS = {"date": 11, "time": 6, "agency": 16, "event": 34, "action": 18, "significance": 16,
          "reference": 10}


@dataclass
class TemplateText:
    """The words of one agency's template, shared by the Word and Excel versions."""

    details: list[tuple[str, str]]     # (label, value) lines above the table
    steps: list[str]                   # short instructions before the table
    columns: list[tuple[str, str]]     # (key, heading)
    help: list[tuple[str, str]]        # (heading, what to write)
    checks: list[str]                  # "12. A date cannot be read"
    marking: str
    reference: str

    @property
    def child_line(self) -> str:
        return next(f"{label}: {value}" for label, value in self.details if label == "Child")


def template_text(register: Register, entry: AgencyEntry, settings: Settings) -> TemplateText:
    """What one agency's template says."""
    child_line = register.child.line
    details = [("Child", child_line.split(": ", 1)[1]), ("Review", register.case)]
    if settings.organisation:
        details.append(("Requested by", settings.organisation))
    details += [("Agency", entry.agency),
                ("Period", f"{uk_date(register.period_start)} to {uk_date(register.period_end)}")]
    due = f"by {uk_date(entry.due)}" if entry.due else ""
    contact = settings.author.contact()
    if due or contact:
        details.append(("Return", " to ".join(p for p in (due, contact) if p)))
    details.append(("Return reference", entry.references[-1]))
    return TemplateText(details, _steps(register, settings), [tuple(c) for c in register.columns],
                        [(heading, COLUMN_HELP.get(key, "")) for key, heading in register.columns],
                        [f"{c.number}. {c.title}" for c in catalogue().values()],
                        settings.marking, entry.references[-1])


def _steps(register: Register, settings: Settings) -> list[str]:
    period = f"{uk_date(register.period_start)} and {uk_date(register.period_end)}"
    steps = [
        f"List every contact or event your agency knows of between {period} that concerns "
        f"{register.child.name}: one row per event, in date order. Include events about the "
        "child's parents, carers and household where they affect the child.",
        "Dates day first: 03/04/2021 or 3 April 2021 (April 2021 or 2021 if that is all you "
        "know; ?03/04/2021 if unsure).",
        "Keep the table, its headings, the child's details and the return reference as they "
        "are: they are how your return is matched. Do not merge cells, add columns or "
        "tables, or use formulas; add rows as you need them.",
        "Save the file with its name and format unchanged (.docx or .xlsx) and send it back "
        "securely. It is checked on arrival; a message with a number refers to the list of "
        "checks in these instructions.",
    ]
    if settings.return_instructions:
        steps += [p.strip() for p in settings.return_instructions.split("\n\n") if p.strip()]
    return steps


# --------------------------------------------------------------------------- Word


def write_docx_template(text: TemplateText, properties: dict, path: Path) -> Path:
    """Write the Word template to ``path`` atomically (owner-only)."""
    from docx.shared import Pt

    from chronos.report.docx_writer import new_document, save

    doc = new_document(TITLE)
    header = doc.sections[0].header.paragraphs[0]
    header.text = text.marking
    header.runs[0].font.size = Pt(8)
    doc.add_heading(TITLE, level=1)
    for label, value in text.details:
        paragraph = doc.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(2)
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(value)
    doc.add_heading("How to fill this in", level=2)
    for step in text.steps:
        doc.add_paragraph(step, style="List Bullet")
    _docx_table(doc, text.columns)
    doc.add_heading("What to write in each column", level=2)
    for heading, help_text in text.help:
        paragraph = doc.add_paragraph(style="List Bullet")
        paragraph.add_run(f"{heading}: ").bold = True
        paragraph.add_run(help_text)
    doc.add_heading("Checks made when the return arrives", level=2)
    for line in text.checks:
        doc.add_paragraph(line).paragraph_format.space_after = Pt(0)
    add_docx_properties(doc, properties)
    save(doc, path)
    return Path(path)


def _docx_table(doc, columns: list[tuple[str, str]]) -> None:
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    from docx.shared import RGBColor

    from chronos.report.docx_writer import set_widths

    table = doc.add_table(rows=1 + EMPTY_ROWS_DOCX, cols=len(columns))
    table.style = "Table Grid"
    for cell, (_, heading) in zip(table.rows[0].cells, columns):
        cell.text = heading
        run = cell.paragraphs[0].runs[0]
        run.bold, run.font.color.rgb = True, RGBColor(0xFF, 0xFF, 0xFF)
        cell._tc.get_or_add_tcPr().append(
            parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="1F3864"/>'))
    table.rows[0]._tr.get_or_add_trPr().append(parse_xml(f'<w:tblHeader {nsdecls("w")}/>'))
    total = sum(WIDTHS.get(key, 12) for key, _ in columns)
    set_widths(table, [26.7 * WIDTHS.get(key, 12) / total for key, _ in columns])


# --------------------------------------------------------------------------- Excel


def write_xlsx_template(text: TemplateText, properties: dict, path: Path) -> Path:
    """Write the Excel template to ``path`` atomically (owner-only). The headings are on
    row :func:`xlsx_header_row`, within the rows the chronology-table reader searches."""
    from openpyxl import Workbook

    from chronos.report.safe_files import atomic_path

    book = Workbook()
    sheet = book.active
    sheet.title = CHRONOLOGY_SHEET
    _xlsx_top(sheet, text)
    _xlsx_table(sheet, text)
    _xlsx_instructions(book.create_sheet(INSTRUCTIONS_SHEET), text)
    add_xlsx_properties(book, properties)
    with atomic_path(path) as tmp:
        book.save(tmp)
    return Path(path)


def xlsx_header_row(text: TemplateText) -> int:
    """The Excel row of the headings: after the marking, title, details and one line."""
    return len(text.details) + 4


def _xlsx_top(sheet, text: TemplateText) -> None:
    from openpyxl.styles import Font

    from chronos.report.safe_files import neutralise

    sheet.cell(1, 1, neutralise(text.marking)).font = Font(bold=True, color="C00000")
    sheet.cell(2, 1, TITLE).font = Font(bold=True, size=14)
    for row, (label, value) in enumerate(text.details, start=3):
        sheet.cell(row, 1, neutralise(f"{label}: {value}")).font = Font(bold=label == "Child")
    sheet.cell(len(text.details) + 3, 1,
               "One row per event, in date order; dates day first (03/04/2021). Read the "
               f"'{INSTRUCTIONS_SHEET}' sheet first; point at a heading for what to write."
               ).font = Font(italic=True)
    sheet.oddHeader.center.text = text.marking.replace("&", "&&")
    sheet.oddFooter.center.text = f"Page &P of &N  -  {text.reference}"


def _xlsx_table(sheet, text: TemplateText) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.worksheet.datavalidation import DataValidation

    top = xlsx_header_row(text)
    thin = Side(style="thin", color="A6A6A6")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    fill = PatternFill("solid", fgColor="1F3864")
    for col, (key, heading) in enumerate(text.columns, start=1):
        cell = sheet.cell(top, col, heading)
        cell.font, cell.fill, cell.border = Font(bold=True, color="FFFFFF"), fill, border
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if COLUMN_HELP.get(key):
            cell.comment = Comment(COLUMN_HELP[key], "chronos", width=300, height=110)
        sheet.column_dimensions[cell.column_letter].width = WIDTHS.get(key, 12) * 1.6
        for row in range(top + 1, top + 1 + EMPTY_ROWS_XLSX):
            blank = sheet.cell(row, col)
            blank.border = border
            blank.alignment = Alignment(wrap_text=True, vertical="top")
            if key in ("date", "time"):
                blank.number_format = "@"       # typed as written, read day first
        if key == "date":
            letter = cell.column_letter
            prompt = DataValidation(type=None, allow_blank=True, showInputMessage=True,
                                    promptTitle="Date, day first", prompt=COLUMN_HELP["date"][:250])
            prompt.add(f"{letter}{top + 1}:{letter}{top + EMPTY_ROWS_XLSX}")
            sheet.add_data_validation(prompt)
    last = sheet.cell(top, len(text.columns)).column_letter
    sheet.auto_filter.ref = f"A{top}:{last}{top}"
    sheet.freeze_panes = sheet.cell(top + 1, 1)
    sheet.print_title_rows = f"{top}:{top}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _xlsx_instructions(sheet, text: TemplateText) -> None:
    from openpyxl.styles import Alignment, Font

    from chronos.report.safe_files import neutralise

    lines: list[tuple[str, str]] = [("title", "How to fill in the return")]
    lines += [("text", f"{label}: {value}") for label, value in text.details]
    lines += [("blank", "")] + [("text", f"\u2022 {step}") for step in text.steps]
    lines += [("blank", ""), ("head", "What to write in each column")]
    lines += [("text", f"{heading}: {help_text}") for heading, help_text in text.help]
    lines += [("blank", ""), ("head", "Checks made when the return arrives")]
    lines += [("text", line) for line in text.checks]
    for row, (kind, line) in enumerate(lines, start=1):
        cell = sheet.cell(row, 1, neutralise(line) if line else None)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if kind in ("title", "head"):
            cell.font = Font(bold=True, size=14 if kind == "title" else 11)
        elif len(line) > INSTRUCTION_CHARS:
            # neither Excel nor LibreOffice grows a wrapped row on opening: give it its lines
            sheet.row_dimensions[row].height = 15 * -(-len(line) // INSTRUCTION_CHARS)
    sheet.column_dimensions["A"].width = INSTRUCTION_CHARS + 6
    sheet.oddHeader.center.text = text.marking.replace("&", "&&")
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
