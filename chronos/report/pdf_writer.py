"""The case report as PDF, laid out in Python (fpdf2) with no browser.

Why not print the HTML with a browser: Chromium, even started with every network,
update and background feature switched off and every host name mapped to nothing, still
tried to reach its vendor's update and account hosts and opened an IPv6 probe socket
(its own network log, and ``strace``); keeping it offline needs a network namespace or a
system-call filter that not every machine allows. A PDF written by a library cannot
reach a network at all, needs no browser installed, and is the same bytes for the same
case. It holds what the HTML case report holds, in print form: the title block, the
summary, the findings with their evidence, the genogram, ecomap and timeline, the case
map and the chronology (its header row on every page).

The font is DejaVu Sans, which matplotlib ships (so it is always there); characters it
lacks are drawn as its missing-glyph box. Control characters are shown as symbols
(:func:`chronos.report.safe_files.visible`) and a cell is cut at :data:`MAX_CELL_CHARS`
characters (saying so): the full text is in the other chronology formats.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from pathlib import Path
from typing import Any

from chronos.report.document import Chronology, ChronologyOptions, build_chronology
from chronos.report.safe_files import atomic_path, visible

MARKING = "OFFICIAL-SENSITIVE: contains personal data. Do not share beyond those who need it."
MAX_CELL_CHARS = 2000
HEAD = (31, 56, 100)
INK = (33, 37, 41)
MUTED = (96, 103, 112)
WIDTHS = {"No.": 4, "Date": 9, "Age of child": 9, "Agency / source": 13, "Event": 27,
          "Significance": 13, "Action / outcome": 14, "Reference": 11,
          "Document reference": 20}
SECTIONS = (("What are we worried about?", (196, 40, 30),
             (("Harm (findings with their evidence)", "harm"),
              ("Complicating factors", "complicating"))),
            ("What is working well?", (0, 130, 95),
             (("Positive events", "working_well"), ("Protective people", "protective_people"))),
            ("What do we not know?", (0, 95, 160), (("Information gaps", "gaps"),)))


def write_case_report_pdf(result: Any, path: str | Path,
                          options: ChronologyOptions | None = None,
                          chronology: Chronology | None = None,
                          images: dict[str, bytes | None] | None = None) -> Path:
    """Write the case report of ``result`` as a PDF to ``path`` (atomically, owner-only).
    ``images`` may give ready-made PNGs ('genogram', 'ecomap', 'timeline')."""
    from chronos.report.case_report import _genogram, _timeline

    chron = chronology or build_chronology(result, options)
    images = dict(images or {})
    child = options.child if options else None
    pdf = _Report(chron)
    pdf.title_block()
    pdf.summary()
    pdf.findings()
    for key, title in (("genogram", "Genogram"), ("ecomap", "Ecomap"), ("timeline", "Timeline")):
        image = images.get(key)
        if image is None:
            image = _timeline(result, child) if key == "timeline" else _genogram(result, key)
        pdf.figure(title, image)
    pdf.case_map(result)
    pdf.chronology()
    with atomic_path(Path(path)) as tmp:
        pdf.output(str(tmp))
    return Path(path)


def _text(value) -> str:
    if value is None or value != value:
        return ""
    text = visible(str(value))
    if len(text) > MAX_CELL_CHARS:
        text = text[:MAX_CELL_CHARS] + f" … [cut at {MAX_CELL_CHARS:,} characters]"
    return text


def _fonts() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def _report_class():
    from fpdf import FPDF

    class Report(FPDF):
        """A4 landscape pages with the marking above and 'Page n of N' below."""

        def __init__(self, chron: Chronology):
            super().__init__(orientation="L", unit="mm", format="A4")
            self.chron = chron
            fonts = _fonts()
            self.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
            self.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
            self.add_font("DejaVu", "I", str(fonts / "DejaVuSans-Oblique.ttf"))
            self.set_margins(12, 14, 12)
            self.set_auto_page_break(True, margin=14)
            self.set_title(f"Case report: {chron.case}")
            self.set_creator("chronos")
            self.set_creation_date(_produced(chron))
            self.alias_nb_pages()
            self.add_page()

        def header(self):
            self.set_font("DejaVu", "B", 7)
            self.set_text_color(150, 30, 30)
            self.cell(0, 4, MARKING, align="C", new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(*INK)

        def footer(self):
            self.set_y(-10)
            self.set_font("DejaVu", "", 7)
            self.set_text_color(*MUTED)
            self.cell(0, 4, f"Case report: {_text(self.chron.case)}   ·   Page {self.page_no()} "
                            "of {nb}", align="C")
            self.set_text_color(*INK)

        def heading(self, text: str, size: float = 14, colour=HEAD, *, page: bool = False):
            if page:
                self.add_page()
            elif self.get_y() > self.h - 40:
                self.add_page()
            self.set_font("DejaVu", "B", size)
            self.set_text_color(*colour)
            self.multi_cell(0, size * 0.5, _text(text), new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(*INK)
            self.ln(1.5)

        def para(self, text: str, size: float = 9, style: str = "", colour=INK):
            self.set_font("DejaVu", style, size)
            self.set_text_color(*colour)
            self.multi_cell(0, size * 0.48, _text(text), new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(*INK)

        # ------------------------------------------------------------ sections

        def title_block(self):
            from chronos.report.chronology import format_date

            chron = self.chron
            self.heading(f"Case report: {chron.case}", 18)
            kids = "; ".join(f"{c['name']} (born {format_date(c['dob'], 'day', False)})"
                             if c["dob"] else c["name"] for c in chron.children)
            rows = [("Case", chron.case), ("Children", kids or "Not recorded"),
                    ("Period", chron.period), ("Sources", "; ".join(chron.sources)),
                    ("Date produced", chron.produced)]
            self.grid(["", ""], [[k, v] for k, v in rows], [1, 6], headings=False, size=9)
            for note in chron.notes:
                self.para(note, 8.5, "I", MUTED)

        def summary(self):
            chron = self.chron
            rows = chron.rows
            sev = (chron.findings["Severity"].str.lower().value_counts()
                   if len(chron.findings) else {})
            stats = [(len(rows), "chronology entries"), (len(chron.agencies), "agencies"),
                     (len(chron.findings), "findings"),
                     (int(sev.get("high", 0)), "high-severity findings"),
                     (int((rows["kind"] == "concern").sum()), "concern events"),
                     (int((rows["kind"] == "positive").sum()), "positive events"),
                     (int((rows["date"] == "").sum()), "undated records")]
            self.ln(2)
            self.heading("Summary")
            width = (self.w - self.l_margin - self.r_margin) / len(stats)
            top = self.get_y()
            for i, (number, label) in enumerate(stats):
                x = self.l_margin + i * width
                self.set_fill_color(247, 248, 251)
                self.rect(x + 0.8, top, width - 1.6, 16, style="DF")
                self.set_xy(x + 2, top + 1.5)
                self.set_font("DejaVu", "B", 14)
                self.set_text_color(*HEAD)
                self.cell(width - 4, 7, str(number))
                self.set_xy(x + 2, top + 8.5)
                self.set_font("DejaVu", "", 7.5)
                self.set_text_color(*INK)
                self.cell(width - 4, 5, label)
            self.set_xy(self.l_margin, top + 20)

        def findings(self):
            chron = self.chron
            self.heading("Findings with their evidence")
            if not len(chron.findings):
                self.para("No findings.")
                return
            by_no = {str(r["No."]): r for r in chron.rows.to_dict("records")}
            for f in chron.findings.to_dict("records"):
                self.heading(f"{f['Ref']}  {f['Finding']}", 11)
                meta = " · ".join(str(v) for v in (f["Child"], f["Severity"], f["Category"],
                                                   f["Window"], f["Agencies"]) if v)
                self.para(meta, 8.5, "I", MUTED)
                self.para(f["Explanation"], 9)
                evidence = [by_no[n] for n in str(f["Evidence rows"]).split(", ") if n in by_no]
                if evidence:
                    self.ln(1)
                    columns = ["No.", "Date", "Agency / source", "Event", "Reference"]
                    self.grid(columns, [[r.get(c, "") for c in columns] for r in evidence],
                              [4, 9, 13, 40, 11], size=7.5)
                self.ln(3)

        def figure(self, title: str, image: bytes | None):
            if not image:
                return
            self.heading(title, page=True)
            top = self.get_y()
            width = self.w - self.l_margin - self.r_margin
            height = self.h - top - 16
            self.image(io.BytesIO(image), x=self.l_margin, y=top, w=width, h=height,
                       keep_aspect_ratio=True)

        def case_map(self, result):
            from chronos.report.case_map import build_case_map

            cm = build_case_map(result, self.chron)
            self.heading("Case map", page=True)
            self.para("Drawn from the chronology; rows refer to its numbered entries.", 8.5,
                      "I", MUTED)
            for question, colour, parts in SECTIONS:
                self.ln(2)
                self.heading(question, 12, colour)
                for label, attribute in parts:
                    self.para(label, 9.5, "B")
                    items = getattr(cm, attribute)
                    if not items:
                        self.para("Nothing in the records.", 9, "I", MUTED)
                    for item in items:
                        rows = (" (rows " + " ".join(item.evidence[:12])
                                + (" …" if len(item.evidence) > 12 else "") + ")"
                                if item.evidence else "")
                        detail = f" — {item.detail}" if item.detail else ""
                        self.set_x(self.l_margin + 3)
                        self.para(f"• {item.text}{detail}{rows}", 8.5)
                    self.ln(1)

        def chronology(self):
            chron = self.chron
            self.heading("Chronology", page=True)
            columns = list(chron.columns)
            fills = {a: _rgb(_tint(c)) for a, c in chron.agencies.items()}
            agency = chron.rows["agency"] if "agency" in chron.rows else None
            rows, colours = [], []
            for i, rec in enumerate(chron.display.to_dict("records")):
                rows.append([rec.get(c, "") for c in columns])
                colours.append(fills.get(agency.iloc[i]) if agency is not None else None)
            self.grid(columns, rows, [WIDTHS.get(c, 12) for c in columns], size=7,
                      fill_column=columns.index("Agency / source")
                      if "Agency / source" in columns else None, fills=colours)

        def grid(self, columns, rows, widths, *, headings: bool = True, size: float = 8,
                 fill_column: int | None = None, fills=None):
            from fpdf.fonts import FontFace

            self.set_font("DejaVu", "", size)
            style = FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=HEAD)
            with self.table(col_widths=widths, headings_style=style,
                            first_row_as_headings=headings, line_height=size * 0.5,
                            text_align="LEFT", borders_layout="HORIZONTAL_LINES",
                            padding=0.8) as table:
                if headings:
                    head = table.row()
                    for column in columns:
                        head.cell(column)
                for i, values in enumerate(rows):
                    row = table.row()
                    for j, value in enumerate(values):
                        fill = fills[i] if fills and j == fill_column else None
                        row.cell(_text(value) or " ",
                                 style=FontFace(fill_color=fill) if fill else None)

    return Report


def _Report(chron: Chronology):
    logging.getLogger("fpdf").setLevel(logging.ERROR)       # missing glyphs: drawn as boxes
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return _report_class()(chron)


def _produced(chron: Chronology) -> dt.datetime:
    text = str(chron.produced)
    try:
        day = (dt.date.fromisoformat(text[:10]) if text[4:5] == "-"
               else dt.datetime.strptime(text, "%d/%m/%Y").date())
    except ValueError:
        day = dt.date(2000, 1, 1)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)


def _tint(colour: str) -> str:
    from chronos.report.xlsx_writer import tint

    return tint(colour)


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i:i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]
