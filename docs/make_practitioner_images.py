"""Regenerate the pictures in docs/practitioner.md from the synthetic example family.

Needs LibreOffice (soffice), poppler (pdftoppm) and Chromium on PATH; run from the
project root: /work/venv/bin/python docs/make_practitioner_images.py
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chronos.report._example import example_result  # noqa: E402
from chronos.report.document import ChronologyOptions  # noqa: E402
from chronos.report.outputs import write_reports  # noqa: E402
from chronos.settings import Author, Court, Settings  # noqa: E402

#: an authority's court settings (chronos.toml [court] and [author]), all synthetic
COURT = Settings(organisation="Northshire County Council",
                 author=Author(name="Sam Patel", role="Social worker"),
                 court=Court(case_number="NE24C00123", court="Family Court at Newcastle",
                             hearing_date="2021-09-01", party="the local authority"))

IMAGES = ROOT / "docs" / "images"


def page_png(office_file: Path, name: str, page: int = 1) -> None:
    """A page of an office file (``page`` -1: the last), through LibreOffice and pdftoppm."""
    out = office_file.parent / name
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(out),
                    str(office_file)], check=True, capture_output=True, timeout=180)
    pdf = out / (office_file.stem + ".pdf")
    if page < 0:
        from pypdf import PdfReader

        page = len(PdfReader(str(pdf)).pages) + 1 + page
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", "-f", str(page), "-l",
                    str(page), str(pdf), str(IMAGES / name)], check=True)


def screenshot(html: Path, name: str, height: int) -> None:
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--hide-scrollbars",
                    f"--window-size=1300,{height}", f"--screenshot={IMAGES / name}",
                    html.as_uri()], check=True, capture_output=True, timeout=120)


def main() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        write_reports(example_result(), out, options=ChronologyOptions(produced="2024-03-31"))
        write_reports(example_result(), Path(tmp) / "court", formats=["docx"],
                      options=ChronologyOptions(produced="2021-08-20", court=True,
                                                settings=COURT))
        write_reports(example_result(), Path(tmp) / "decided", formats=["docx"],
                      options=ChronologyOptions(produced="2024-03-31",
                                                annotations=_decisions()))
        page_png(out / "chronology.docx", "chronology-docx")
        page_png(Path(tmp) / "court" / "chronology.docx", "court-docx")
        page_png(Path(tmp) / "decided" / "chronology.docx", "decisions-docx", page=-1)
        try:
            page_png(out / "chronology.xlsx", "chronology-xlsx", page=2)  # after the cover
        except subprocess.CalledProcessError:
            print("no LibreOffice Calc: chronology-xlsx.png not made", file=sys.stderr)
        page_png(out / "case-map.docx", "case-map-docx")
        screenshot(out / "chronology.html", "chronology-html.png", 1100)
        screenshot(out / "case-report.html", "case-report.png", 1500)
        shutil.copy(out / "timeline.png", IMAGES / "timeline.png")


def _decisions():
    """Review decisions about the example, as chronos annotate records them."""
    from chronos.annotations import Annotation, Annotations

    return Annotations([
        Annotation("Eeec9e4ab21fe", "significance", "significant", "A Analyst",
                   "2024-03-30T10:00:00", "first sign of the pattern"),
        Annotation("E4e7819b0d2bb", "significance", "not significant", "A Analyst",
                   "2024-03-30T10:01:00", ""),
        Annotation("E4e7819b0d2bb", "note", "nursery photo, not a sign", "A Analyst",
                   "2024-03-30T10:01:00", ""),
        Annotation("F-wnb", "dismissed", "yes", "B Reviewer", "2024-03-30T11:00:00",
                   "appointments moved by the clinic"),
        Annotation("Egone0000001", "note", "from an older export", "A Analyst",
                   "2024-02-01T09:00:00", "")])


if __name__ == "__main__":
    main()
