"""Regenerate the pictures of "A review's returns" in docs/practitioner.md.

A synthetic review (everyone invented): templates issued to four agencies, the school's
return filled the way agencies fill them (with a few problems), checked, and each
document's first page drawn. Needs LibreOffice (soffice) and poppler (pdftoppm) on PATH;
run from the project root: python docs/make_returns_images.py
"""

import datetime as dt
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chronos.returns.issue import Request, issue_templates  # noqa: E402
from chronos.returns.status import check_and_record, open_case  # noqa: E402
from chronos.settings import apply_settings, Settings  # noqa: E402

IMAGES = ROOT / "docs" / "images"
SETTINGS = {"organisation": "Northshire Safeguarding Children Partnership",
            "author": {"name": "Sam Okafor", "role": "Independent reviewer",
                       "email": "csp.reviews@northshire.example"}}
SCHOOL_ROWS = [
    ("03/03/2021", "", "Class teacher", "Jade arrived hungry and unkempt, in dirty clothes",
     "Breakfast club offered", "Signs of neglect", "SIMS 12"),
    ("10/3/21", "", "Class teacher", "Head lice noted", "Letter home", "", ""),
    ("31/04/2021", "", "DSL", "Head lice again; Jade scratching in class", "Spoke to mum", "",
     ""),
    ("June 2018", "", "Office", "Late three days running", "", "", ""),
    ("", "", "DSL", "Mum said Jade's father had left the family home", "", "", ""),
    ("14/07/2021", "", "DSL", "", "Phoned mum", "", "")]


def page_png(office_file: Path, name: str, page: int = 1) -> None:
    """One page of an office file, through LibreOffice and pdftoppm."""
    out = office_file.parent / name
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(out),
                    str(office_file)], check=True, capture_output=True, timeout=180)
    pdf = out / (office_file.stem + ".pdf")
    subprocess.run(["pdftoppm", "-r", "70", "-png", "-singlefile", "-f", str(page), "-l",
                    str(page), str(pdf), str(IMAGES / name)], check=True)


HV_ROWS = [
    ("12/01/2021", "10:30", "Health visitor", "Home visit: Jade's weight on the 2nd centile; "
     "fridge empty", "Dietitian referral", "Nutrition", "HV-51"),
    ("April 2021", "", "Health visitor", "Two clinic appointments missed (was not brought)",
     "Letter to mum", "Medical care", ""),
    ("03/06/2021", "19:30", "Health visitor", "Mum took Jade to A&E with a scald to her hand",
     "Follow-up home visit booked", "Supervision", "HV-88")]


def fill_xlsx(template: Path, out: Path) -> Path:
    import openpyxl

    book = openpyxl.load_workbook(str(template))
    sheet = book["Chronology"]
    top = next(r for r in range(1, 12) if sheet.cell(r, 1).value == "Date")
    for offset, values in enumerate(HV_ROWS, start=1):
        for column, value in enumerate(values, start=1):
            sheet.cell(top + offset, column, value)
    book.save(str(out))
    return out


def fill(template: Path, out: Path) -> Path:
    import docx

    document = docx.Document(str(template))
    table = document.tables[0]
    for number, values in enumerate(SCHOOL_ROWS, start=1):
        for cell, value in zip(table.rows[number].cells, values):
            cell.text = value
    table.cell(2, 4).merge(table.cell(2, 5))          # merged Action and Significance
    document.save(str(out))
    return out


def main() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    settings = apply_settings(Settings(), SETTINGS)
    with tempfile.TemporaryDirectory() as tmp:
        case = Path(tmp) / "review-jade"
        issue_templates(case, Request(["Oakfield Primary School", "Health visiting", "Police",
                                       "Housing"], child="Jade Smith", dob="2016-05-03",
                                      period_start="2019-01-01", period_end="2024-03-31",
                                      due="2024-05-10"), settings, today=dt.date(2024, 4, 2))
        templates = case / "returns" / "templates"
        page_png(templates / "oakfield-primary-school.docx", "returns-template-docx")
        page_png(fill_xlsx(templates / "health-visiting.xlsx", Path(tmp) / "hv-return.xlsx"),
                 "returns-filled-xlsx")
        returned = fill(templates / "oakfield-primary-school.docx",
                        Path(tmp) / "Oakfield chronology return.docx")
        page_png(returned, "returns-filled-docx")
        checked = check_and_record(returned, settings, case=open_case(case),
                                   now=dt.datetime(2024, 5, 1, 9, 30))
        page_png(checked.report_path, "returns-check-report")


if __name__ == "__main__":
    main()
