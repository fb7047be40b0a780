"""The check report: a short Word document the review author can send back to the agency.

It says which return was checked and when, the result in one sentence, and each problem
as a numbered message with where it is (row and column as the agency sees them), what is
wrong and what to do; the number in brackets is the check's own number, listed in the
template's instructions.
"""

from __future__ import annotations

from pathlib import Path

from chronos.returns.check import ReturnCheck
from chronos.returns.register import uk_date
from chronos.settings import Settings


def verdict(check: ReturnCheck) -> str:
    """The result in one sentence, for the agency."""
    if check.blocking:
        first = next(n for n, m in check.numbered() if m.blocking)
        return (f"This return cannot be added to the review (see message {first}); please "
                "send a corrected return.")
    if check.count("error"):
        return ("The return has been received, but the rows with errors are not in the "
                "chronology until they are corrected: please correct them and send the "
                "return again.")
    if check.count("warning"):
        return ("The return has been added to the review. Please check the warnings below "
                "and send a corrected return if anything needs changing.")
    return "Thank you: the return has been added to the review and no problems were found."


def write_check_report(check: ReturnCheck, path: Path, settings: Settings, *,
                       checked_on: str) -> Path:
    """Write the report for ``check`` to ``path`` (Word, atomically, owner-only)."""
    from docx.shared import Pt

    from chronos.report.docx_writer import clean, new_document, save, set_widths

    doc = new_document("Return check")
    header = doc.sections[0].header.paragraphs[0]
    header.text = settings.marking
    header.runs[0].font.size = Pt(8)
    doc.add_heading(clean(f"Return check: {check.agency or check.file.name}"), level=1)
    for label, value in _details(check, checked_on):
        paragraph = doc.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(2)
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(clean(value))
    doc.add_paragraph(verdict(check)).runs[0].bold = True
    if check.messages:
        table = doc.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, name in zip(table.rows[0].cells, ("No.", "Where", "What is wrong",
                                                    "What to do")):
            cell.text = name
            cell.paragraphs[0].runs[0].bold = True
        for number, message in check.numbered():
            cells = table.add_row().cells
            cells[0].text = str(number)
            cells[1].text = clean(message.where)
            cells[2].text = clean(f"{message.severity.capitalize()}: {message.text} "
                                  f"(check {message.number}: {message.check.title})")
            cells[3].text = clean(message.check.advice)
        set_widths(table, [1.2, 5.5, 11, 9])
    contact = settings.author.contact()
    doc.add_paragraph(
        "Checked by chronos. Each check has a number, listed in the template's instructions "
        "(Checks made when the return arrives)." + (f" Questions: {contact}." if contact else ""))
    save(doc, path)
    return Path(path)


def _details(check: ReturnCheck, checked_on: str) -> list[tuple[str, str]]:
    expected = check.expected
    rows = [("Review", expected.case or "")]
    if expected.child:
        rows.append(("Child", expected.child.line.split(": ", 1)[1]))
    if expected.period[0]:
        rows.append(("Period", f"{uk_date(expected.period[0])} to {uk_date(expected.period[1])}"))
    rows += [("Return reference", check.reference or "none found"), ("File", check.file.name),
             ("Checked on", uk_date(checked_on)),
             ("Found", f"{check.rows} row(s) read, {check.event_count} event(s); "
                       f"{check.count('error')} error(s), {check.count('warning')} warning(s), "
                       f"{check.count('note')} note(s)")]
    return [(k, v) for k, v in rows if v]
