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

The font is DejaVu Sans, which matplotlib ships (so it is always there); a character it
lacks is drawn as '�' and a control character as its escape (``\\x00``), never dropped.
A cell is cut at :data:`MAX_CELL_CHARS` characters (saying so): the full text is in the
other chronology formats.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import logging
from pathlib import Path
from typing import Any

from chronos.report.document import Chronology, ChronologyOptions, build_chronology
from chronos.report.safe_files import atomic_path, visible

MARKING = "OFFICIAL-SENSITIVE: contains personal data. Do not share beyond those who need it."
MAX_CELL_CHARS = 2000
PAGES = "{all-pages}"
HEAD = (31, 56, 100)
INK = (33, 37, 41)
MUTED = (96, 103, 112)
WIDTHS = {"No.": 4, "Date": 9, "Age of child": 9, "Agency / source": 13, "Event": 27,
          "Significance": 13, "Action / outcome": 14, "Reference": 11,
          "Document reference": 20}
SECTIONS = (("What are we worried about?", (196, 40, 30),
             (("Harm (findings with their evidence)", "harm"),
              ("Complicating factors", "complicating"), ("What do we not know?", "gaps"))),
            ("What's working well?", (0, 130, 95),
             (("Demonstrated safety", "working_well"),
              ("Protective people", "protective_people"))),
            ("What needs to happen?", (0, 95, 160),
             (("Danger statements (drafts)", "dangers"), ("Safety goals (drafts)", "goals"))))


def write_case_report_pdf(result: Any, path: str | Path,
                          options: ChronologyOptions | None = None,
                          chronology: Chronology | None = None,
                          images: dict[str, bytes | None] | None = None,
                          case_map=None) -> Path:
    """Write the case report of ``result`` as a PDF to ``path`` (atomically, owner-only).
    ``images`` may give ready-made PNGs ('genogram', 'ecomap', 'timeline'; None for none);
    those not given are drawn. ``case_map``: the case map already built from
    ``chronology``, else built here."""
    from chronos.report.case_report import _genogram, _timeline

    chron = chronology or build_chronology(result, options)
    images = dict(images or {})
    child = options.child if options else None
    pdf = _Report(chron)
    pdf.title_block()
    pdf.glances(result, child)
    pdf.summary()
    pdf.findings()
    for key, title in (("genogram", "Genogram"), ("ecomap", "Ecomap"), ("timeline", "Timeline")):
        if key in images:       # given (None: none to show)
            image = images[key]
        else:
            image = _timeline(result, child) if key == "timeline" else _genogram(result, key)
        pdf.figure(title, image)
    pdf.case_map(result, case_map)
    pdf.chronology()
    pdf.decisions()
    with atomic_path(Path(path)) as tmp:
        pdf.output(str(tmp))
    return Path(path)


def _text(value) -> str:
    """Cell text the font can draw: control characters as ``\\x00`` escapes (the font has
    no control pictures), other characters it lacks as '�', never dropped."""
    if value is None or value != value:
        return ""
    text = visible(str(value))
    if len(text) > MAX_CELL_CHARS:
        text = text[:MAX_CELL_CHARS] + f" … [cut at {MAX_CELL_CHARS:,} characters]"
    drawable = _drawable()
    if all(ord(ch) in drawable for ch in text):
        return text
    return "".join(ch if ord(ch) in drawable else
                   f"\\x{ord(ch) - 0x2400:02x}" if 0x2400 <= ord(ch) < 0x2420 else "\ufffd"
                   for ch in text)


@functools.lru_cache(maxsize=1)
def _drawable() -> frozenset[int]:
    """The characters DejaVu Sans has (regular and bold share them)."""
    from fontTools.ttLib import TTFont

    with TTFont(str(_fonts() / "DejaVuSans.ttf"), lazy=True) as font:
        return frozenset(font.getBestCmap()) | {ord("\n")}


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
            self._widths: dict = {}
            fonts = _fonts()
            self.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
            self.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
            self.add_font("DejaVu", "I", str(fonts / "DejaVuSans-Oblique.ttf"))
            self.set_margins(12, 14, 12)
            self.set_auto_page_break(True, margin=14)
            self.set_title(f"Case report: {chron.case}")
            from chronos import __version__

            self.set_creator(f"chronos {__version__}")
            self.set_creation_date(_produced(chron))
            self.alias_nb_pages(PAGES)      # room for a five-digit page count
            self.add_page()

        def header(self):
            self.set_font("DejaVu", "B", 7)
            self.set_text_color(150, 30, 30)
            self.cell(0, 4, self.chron.marking, align="C", new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(*INK)

        def footer(self):
            self.set_y(-10)
            self.set_font("DejaVu", "", 7)
            self.set_text_color(*MUTED)
            self.cell(0, 4, f"Case report: {_text(self.chron.case)}   ·   Page {self.page_no()} "
                            f"of {PAGES}", align="C")
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
            kids = "; ".join(f"{c['name']} ({c['birth']})" if c.get("birth") else
                             f"{c['name']} (born {format_date(c['dob'], 'day', False)})"
                             if c["dob"] else c["name"] for c in chron.children)
            rows = [("Case", chron.case), ("Children", kids or "Not recorded"),
                    ("Period", chron.period), ("Sources", "; ".join(chron.sources)),
                    ("Date produced", chron.produced)]
            self.grid(["", ""], [[k, v] for k, v in rows], [1, 6], headings=False, size=9)
            for note in chron.notes:
                self.para(note, 8.5, "I", MUTED)

        def glances(self, result, child):
            """Each child at a glance (as the HTML): the neglect heat-map by year, the
            cumulative harm chart and the key concerns with their evidence rows."""
            from chronos.report.case_report import glances, harm_png

            for glance in glances(result, self.chron, child):
                self.heading(f"{glance['name']}{glance['born']} at a glance", page=True)
                self.para(glance["counts"], 8.5, "I", MUTED)
                self.ln(1)
                top = self.get_y()
                self.heading("Neglect by type and year (Horwath)", 10.5)
                self.heat(glance["heat"], width=(self.w - self.l_margin - self.r_margin) * 0.5)
                below = self.get_y()
                png = harm_png(glance["harm"])
                if png is not None:
                    x = self.l_margin + (self.w - self.l_margin - self.r_margin) * 0.53
                    self.set_xy(x, top)
                    self.set_font("DejaVu", "B", 10.5)
                    self.set_text_color(*HEAD)
                    self.cell(0, 5, "Cumulative harm over time")
                    self.set_text_color(*INK)
                    self.image(io.BytesIO(png), x=x, y=top + 6, w=120)
                    below = max(below, top + 6 + 120 * 2.0 / 5.2)
                self.set_xy(self.l_margin, below + 3)
                self.heading("Key concerns", 10.5)
                if not glance["keys"]:
                    self.para("No findings about this child.", 9, "I", MUTED)
                for f in glance["keys"]:
                    self.para(f"{f['Ref']}  {f['Finding']} ({f['Severity']}; {f['Window']})",
                              9, "B")
                    self.para(f"{f['Explanation']} Evidence: rows {f['Evidence rows']}.", 8.5)
                    self.ln(1)

        def heat(self, heat, width: float):
            """The heat-map: one row per Horwath category, one column per year, cells
            shaded by the number of entries that indicate the category."""
            from chronos.report.chronology import CATEGORY_ORDER

            years, counts = heat
            if not counts:
                self.para("No entry of this child indicates a neglect category.", 8.5, "I", MUTED)
                return
            top = max(counts.values())
            label_w = 26
            cell_w = min(18.0, (width - label_w) / max(len(years), 1))
            self.set_font("DejaVu", "", 7.5)
            self.set_x(self.l_margin + label_w)
            for year in years:
                self.cell(cell_w, 5, year, align="C")
            self.ln(5)
            for cat in CATEGORY_ORDER:
                self.set_x(self.l_margin)
                self.set_text_color(*INK)
                self.cell(label_w, 5, cat.capitalize())
                for year in years:
                    n = counts.get((cat, year), 0)
                    share = n / top if n else 0.0
                    fill = ((int(255 - (255 - 179) * (0.15 + 0.85 * share)),
                             int(255 - (255 - 38) * (0.15 + 0.85 * share)),
                             int(255 - (255 - 30) * (0.15 + 0.85 * share))) if n else (247, 247, 247))
                    self.set_fill_color(*fill)
                    self.set_text_color(*((255, 255, 255) if share > 0.55 else INK))
                    self.cell(cell_w, 5, str(n) if n else "", border=0, align="C", fill=True)
                self.ln(5.4)
            self.set_text_color(*MUTED)
            self.set_font("DejaVu", "I", 7)
            self.cell(0, 4, "Number of entries that indicate each type (darker: more).")
            self.set_text_color(*INK)
            self.ln(5)

        def summary(self):
            from chronos.report.case_report import summary_stats

            stats = summary_stats(self.chron)
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
                if f.get("Review"):
                    self.para(f["Review"], 9, "B")
                evidence = [by_no[n] for n in str(f["Evidence rows"]).split(", ") if n in by_no]
                if evidence:
                    self.ln(1)
                    columns = ["No.", "Date", "Agency / source", "Event", "Reference"]
                    self.grid(columns, [[r.get(c, "") for c in columns] for r in evidence],
                              [4, 9, 13, 40, 11], size=7.5)
                self.ln(3)

        def decisions(self):
            """The review decisions in force, those the case no longer has included."""
            table = self.chron.decisions
            if table is None or not len(table) or self.chron.court:
                return
            self.heading("Review decisions", page=True)
            self.para("What the people reviewing the case decided (chronos annotate), with "
                      "who and when; a decision about an event or finding that the case no "
                      "longer has is listed, not applied.", 8.5, "I", MUTED)
            columns = ["About", "Decision", "By", "When", "Reason", "Status"]
            self.grid(columns, [[str(r[c]) for c in columns]
                                for r in table.to_dict("records")], [14, 22, 10, 11, 22, 17],
                      size=7.5)

        def figure(self, title: str, image: bytes | None):
            if not image:
                return
            self.heading(title, page=True)
            top = self.get_y()
            width = self.w - self.l_margin - self.r_margin
            height = self.h - top - 16
            self.image(io.BytesIO(image), x=self.l_margin, y=top, w=width, h=height,
                       keep_aspect_ratio=True)

        def case_map(self, result, built=None):
            from chronos.report.case_map import build_case_map

            cm = built or build_case_map(result, self.chron)
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
                        self.para("For the meeting.", 9, "I", MUTED)
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
            for i, rec in enumerate(chron.rows[columns].to_dict("records")):
                rows.append([rec.get(c, "") for c in columns])
                colours.append(fills.get(agency.iloc[i]) if agency is not None else None)
            self.grid([chron.heading(c) for c in columns], rows,
                      [WIDTHS.get(c, 12) for c in columns], size=7,
                      fill_column=columns.index("Agency / source")
                      if "Agency / source" in columns else None, fills=colours)

        def grid(self, columns, rows, widths, *, headings: bool = True, size: float = 8,
                 fill_column: int | None = None, fills=None):
            """A table whose rows never split across pages, the header row repeated on
            each page. Laid out here (word widths cached) rather than with fpdf2's table,
            which measured every character of every cell: 2,000 rows took 72 s."""
            scale = self.epw / sum(widths)
            widths = [w * scale for w in widths]
            line, pad = size * 0.45, 0.9
            limit = self.h - self.b_margin
            if headings:
                self._grid_row(columns, widths, size, line, pad, header=True)
            for i, values in enumerate(rows):
                texts = [_text(v) for v in values]
                lines = [self._wrap(t, w - 2 * pad, size, "") for t, w in zip(texts, widths)]
                height = max(len(x) for x in lines) * line + 2 * pad
                if self.get_y() + height > limit:
                    self.add_page()
                    if headings:
                        self._grid_row(columns, widths, size, line, pad, header=True)
                room = int((limit - self.get_y() - 2 * pad) // line)
                if height > limit - self.get_y():            # taller than a page: cut
                    lines = [x[:room - 1] + ["…"] if len(x) > room else x for x in lines]
                    height = room * line + 2 * pad
                fill = fills[i] if fills and fill_column is not None else None
                self._grid_cells(lines, widths, size, line, pad, height, i % 2 == 1,
                                 {fill_column: fill} if fill else {})

        def _grid_row(self, texts, widths, size, line, pad, *, header: bool):
            lines = [self._wrap(_text(t), w - 2 * pad, size, "B") for t, w in zip(texts, widths)]
            height = max(len(x) for x in lines) * line + 2 * pad
            self.set_fill_color(*HEAD)
            self.rect(self.l_margin, self.get_y(), sum(widths), height, style="F")
            self.set_text_color(255, 255, 255)
            self._grid_text(lines, widths, size, line, pad, "B")
            self.set_text_color(*INK)
            self.set_y(self.get_y() + height)

        def _grid_cells(self, lines, widths, size, line, pad, height, zebra, fills):
            top = self.get_y()
            if zebra:
                self.set_fill_color(247, 248, 251)
                self.rect(self.l_margin, top, sum(widths), height, style="F")
            x = self.l_margin
            for j, width in enumerate(widths):
                if fills.get(j):
                    self.set_fill_color(*fills[j])
                    self.rect(x, top, width, height, style="F")
                x += width
            self._grid_text(lines, widths, size, line, pad, "")
            self.set_draw_color(200, 205, 212)
            self.line(self.l_margin, top + height, self.l_margin + sum(widths), top + height)
            self.set_draw_color(0, 0, 0)
            self.set_y(top + height)

        def _grid_text(self, lines, widths, size, line, pad, style):
            self.set_font("DejaVu", style, size)
            top, x = self.get_y(), self.l_margin
            for cell, width in zip(lines, widths):
                for k, text in enumerate(cell):
                    if text:
                        self.text(x + pad, top + pad + line * (k + 0.78), text)
                x += width

        def _wrap(self, text: str, width: float, size: float, style: str) -> list[str]:
            """``text`` broken into lines no wider than ``width`` (mm), at spaces where it
            can, inside a word where it must."""
            self.set_font("DejaVu", style, size)
            out = []
            space = self._width(" ", size, style)
            for paragraph in text.split("\n"):
                current, used = "", 0.0
                for word in paragraph.split(" "):
                    w = self._width(word, size, style)
                    if current and used + space + w <= width:
                        current, used = f"{current} {word}", used + space + w
                        continue
                    if current:
                        out.append(current)
                    while w > width and len(word) > 1:
                        cut = self._fit(word, width, size, style)
                        out.append(word[:cut])
                        word = word[cut:]
                        w = self._width(word, size, style)
                    current, used = word, w
                out.append(current)
            return out or [""]

        def _fit(self, word: str, width: float, size: float, style: str) -> int:
            total = 0.0
            for n, ch in enumerate(word):
                total += self._width(ch, size, style)
                if total > width:
                    return max(1, n)
            return len(word)

        def _width(self, word: str, size: float, style: str) -> float:
            key = (word, size, style)
            found = self._widths.get(key)
            if found is None:
                found = self._widths[key] = self.get_string_width(word)
            return found

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
    """The agency's colour as the chronology documents fill with it (readable as it is)."""
    return colour


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i:i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]
