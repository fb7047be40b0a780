"""Excel chronology: a cover sheet (title block, marking, key), a formatted 'Chronology'
sheet (frozen header, filters, real dates where the day is known, agency colours) and
sheets for findings, persons and sources. Every sheet prints on A4 landscape in a
readable font with the protective marking in its header and footer, 'Page n of N', the
header row repeated on every page, wrapped text in rows tall enough to hold it and
columns wide enough to read. Every text cell is neutralised against formula injection."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

from chronos.report.chronology import records
from chronos.report.document import Chronology
from chronos.report.safe_files import visible
from chronos.report.safe_files import neutralise as _formula_safe

#: column widths (characters): the printed columns fit A4 landscape at full size
WIDTHS = {"No.": 5, "Date": 11, "Time": 7, "Age of child": 12, "Agency / source": 16,
          "Event": 40, "Significance": 18, "Action / outcome": 18, "Reference": 15,
          "Source": 24, "Bundle ref": 11, "Flagged": 9, "Horwath categories": 18,
          "Event id": 16, "Event id (do not edit)": 18}
COURT_WIDTHS = {"No.": 5, "Date": 11, "Event": 66, "Source": 30, "Bundle ref": 12}
#: the most that prints on A4 landscape at 100% (narrow margins, Arial 10); the printed
#: columns' default widths stay within it, so fitting a sheet one page wide does not shrink it
PRINT_WIDTH = 136
NOT_WRAPPED = {"No.", "Date", "Time"}
HEADER_ROW = 5
EXTRA = {"Flagged": "finding_refs", "Horwath categories": "categories", "Event id": "event_id"}
COURT_EXTRA = {"Event id (do not edit)": "ref_event"}
LINE_POINTS = 1.3      # row height per point of font size, per line
MAX_ROW_POINTS = 409   # Excel's tallest row


def write_xlsx(chron: Chronology, path: str | Path) -> Path:
    """Write the chronology workbook to ``path`` atomically."""
    from chronos.report.xlsx_rows import save_workbook

    wb = _workbook(chron)
    bodies = []
    _cover_sheet(wb.active, chron)
    bodies.append(_chronology_sheet(wb.create_sheet("Chronology"), chron))
    if chron.other_rows is not None and not chron.court:
        name = "Full record" if chron.significant else "Significant events"
        bodies.append(_chronology_sheet(wb.create_sheet(name), chron, chron.other_rows, name))
    if not chron.court:
        bodies.append(_table_sheet(wb.create_sheet("Findings"), chron, chron.findings,
                                   _visible(chron.findings), "Findings"))
        if chron.decisions is not None and len(chron.decisions):
            bodies.append(_table_sheet(wb.create_sheet("Review decisions"), chron,
                                       chron.decisions, _visible(chron.decisions),
                                       "Review decisions"))
    bodies.append(_table_sheet(wb.create_sheet("Persons"), chron, chron.persons,
                               list(chron.persons.columns), "Persons"))
    bodies.append(_table_sheet(wb.create_sheet("Sources"), chron, chron.source_table,
                               list(chron.source_table.columns), "Sources"))
    _properties(wb, chron)
    return save_workbook(wb, path, bodies)


def _workbook(chron: Chronology):
    """A workbook whose default font is the settings' (Arial 10 unless set): column widths
    are measured in its digits, so a font the reader's machine lacks (Calibri on Linux)
    would print every column wider than it was laid out."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils.indexed_list import IndexedList

    wb = Workbook()
    st = _styles(chron)
    wb._fonts = IndexedList([Font(name=chron.settings.document.font, size=st["size"])])
    return wb


def _visible(frame) -> list[str]:
    return [c for c in frame.columns if not str(c).startswith("_")]


def _styles(chron: Chronology):
    from openpyxl.styles import Alignment, Font, PatternFill

    doc = chron.settings.document
    size = max(doc.font_size, 12.0) if chron.court else doc.font_size
    font = doc.font
    return {"head": Font(name=font, size=size, bold=True, color="FFFFFF"),
            "head_fill": PatternFill("solid", fgColor=chron.settings.heading_colour.lstrip("#")),
            "wrap": Alignment(wrap_text=True, vertical="top"),
            "top": Alignment(vertical="top"), "body": Font(name=font, size=size),
            "left": Alignment(horizontal="left", vertical="top"),
            "bold": Font(name=font, size=size, bold=True),
            "marking": Font(name=font, size=size, bold=True, color="9C0006"),
            "title": Font(name=font, size=size + 4, bold=True),
            "flag": PatternFill("solid", fgColor="FCE4E4"), "size": size}


def _print_setup(ws, chron: Chronology, title_rows: str | None, last_column: int,
                 last_row: int | None = None) -> None:
    """A4 landscape, narrow margins, gridlines, the header row on every page, the marking
    in the header and footer and 'Page n of N'; one page wide (the columns are laid out to
    fit A4 landscape at full size, so this shrinks only columns an authority added)."""
    from openpyxl.utils import get_column_letter

    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.25
    ws.print_options.gridLines = True
    if title_rows:
        ws.print_title_rows = title_rows
    last_row = max(ws.max_row, 1) if last_row is None else last_row
    ws.print_area = f"A1:{get_column_letter(last_column)}{last_row}"
    marking = chron.marking
    for hf in (ws.oddHeader, ws.evenHeader, ws.firstHeader):
        hf.center.text, hf.center.size, hf.center.font = marking, 9, "Arial,Bold"
    for hf in (ws.oddFooter, ws.evenFooter, ws.firstFooter):
        hf.left.text, hf.left.size = marking, 8
        hf.right.text, hf.right.size = "Page &P of &N", 9


def _cover_sheet(ws, chron: Chronology) -> None:
    """The first sheet: marking, title, the title block, notes, agency key and date key."""
    from openpyxl.styles import PatternFill

    st = _styles(chron)
    ws.title = "Cover"
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 22, 100
    ws.cell(1, 1, neutralise(chron.marking)).font = st["marking"]
    ws.cell(2, 1, neutralise(f"{chron.title}: {chron.case}")).font = st["title"]
    row = 4
    for label, value in chron.title_items() + [("Note", n) for n in chron.notes]:
        _pair(ws, row, label, value, st)
        row += 1
    row += 1
    if not chron.court:
        ws.cell(row, 1, "Agency colours").font = st["bold"]
        for agency, colour in chron.agencies.items():
            row += 1
            cell = ws.cell(row, 2, neutralise(agency))
            cell.font, cell.fill = st["body"], PatternFill("solid", fgColor=colour.lstrip("#"))
        row += 2
    ws.cell(row, 1, "Reading the dates").font = st["bold"]
    for text in KEY_NOTES[:4] + ([] if chron.court else KEY_NOTES[4:]):
        row += 1
        ws.cell(row, 2, text).font = st["body"]
    _print_setup(ws, chron, None, 2)


def _pair(ws, row: int, label: str, value: str, st) -> None:
    ws.cell(row, 1, label).font = st["bold"]
    cell = ws.cell(row, 2, neutralise(value))
    cell.font, cell.alignment = st["body"], st["wrap"]
    ws.cell(row, 1).alignment = st["top"]
    ws.row_dimensions[row].height = _lines_height([(str(value), 100)], st["size"])


def _chronology_sheet(ws, chron: Chronology, rows=None, title: str = "Chronology"):
    """One view of the chronology (``rows``: default the document's own rows); returns
    its body rows (:class:`chronos.report.xlsx_rows.SheetRows`) to be saved with it."""
    from openpyxl.utils import get_column_letter

    from chronos.report.xlsx_rows import SheetRows

    st = _styles(chron)
    ws.title = title
    rows = chron.rows if rows is None else rows
    extra = COURT_EXTRA if chron.court else EXTRA
    columns = chron.columns + list(extra)
    _title_rows(ws, chron, st, title if rows is not chron.rows else None)
    widths = [(COURT_WIDTHS if chron.court else WIDTHS).get(name, 16) for name in columns]
    for j, (name, width) in enumerate(zip(columns, widths), 1):
        cell = ws.cell(HEADER_ROW, j, chron.heading(name))
        cell.font, cell.fill, cell.alignment = st["head"], st["head_fill"], st["wrap"]
        ws.column_dimensions[cell.column_letter].width = width
    ws.row_dimensions[HEADER_ROW].height = _height(
        columns, {c: chron.heading(c) for c in columns}, widths, st["size"])
    body = SheetRows(ws, HEADER_ROW + 1, len(columns))
    fills = _agency_fills(chron)
    wrapped = [(j, width) for j, (name, width) in enumerate(zip(columns, widths))
               if name not in NOT_WRAPPED]
    for rec in records(rows):
        values = [_value(name, rec, extra) for name in columns]
        body.add(list(zip(values, _row_styles(body, columns, values, rec, fills, st))),
                 _lines_height([(values[j] if isinstance(values[j], str) else "", w)
                                for j, w in wrapped], st["size"]))
    last = get_column_letter(len(columns))
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + len(rows)}"
    ws.freeze_panes = f"{'C' if not chron.court else 'B'}{HEADER_ROW + 1}"
    _print_setup(ws, chron, f"{HEADER_ROW}:{HEADER_ROW}", len(chron.columns), body.last_row)
    return body


def _title_rows(ws, chron: Chronology, st, view: str | None = None) -> None:
    title = chron.title if view is None else f"{chron.title} ({view.lower()})"
    ws.cell(1, 1, neutralise(f"{title}: {chron.case}")).font = st["title"]
    ws.cell(2, 1, neutralise(chron.marking)).font = st["marking"]
    line = ws.cell(3, 1, neutralise(f"Children: {chron.children_line()}    Period: "
                                    f"{chron.period}    Produced: {chron.produced}    The "
                                    "Cover sheet has the title block and the key."))
    line.font, line.alignment = st["body"], st["wrap"]
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=len(chron.columns))
    ws.row_dimensions[3].height = round(st["size"] * LINE_POINTS * 2 + 3, 1)


def _agency_fills(chron: Chronology) -> dict:
    from openpyxl.styles import PatternFill

    return {a: PatternFill("solid", fgColor=c.lstrip("#")) for a, c in chron.agencies.items()}


def _row_styles(body, columns: list[str], values: list, rec: dict, fills: dict,
                st) -> list[int]:
    """The style of each cell of one chronology row: wrapped or not, a date, the
    agency's colour, flagged, bold when summarised; each kind made once per sheet."""
    cache = st.setdefault("cache", {})
    summarised = bool(rec.get("summarised"))
    flagged = bool(rec.get("finding_refs"))
    out = []
    for name, value in zip(columns, values):
        if isinstance(value, date):
            look = "date"
        elif name == "Agency / source" and rec.get("agency") in fills:
            look = "agency:" + rec["agency"]
        elif flagged and name in ("Significance", "Flagged"):
            look = "flag"
        else:
            look = ""
        key = (name not in NOT_WRAPPED, look, summarised)
        style = cache.get(key)
        if style is None:
            style = cache[key] = _make_style(body, key, fills, rec, st)
        out.append(style)
    return out


def _make_style(body, key: tuple, fills: dict, rec: dict, st) -> int:
    wrapped, look, summarised = key
    font = st["bold"] if summarised else st["body"]
    if look == "date":
        return body.style(font=font, alignment=st["left"], number_format="dd/mm/yyyy")
    fill = st["flag"] if look == "flag" else fills[rec["agency"]] if look else None
    return body.style(font=font, fill=fill, alignment=st["wrap"] if wrapped else st["top"])


def _height(columns: list[str], texts: dict, widths: list[float], size: float) -> float:
    return _lines_height([(str(texts.get(c) or ""), w) for c, w in zip(columns, widths)], size)


def _lines_height(texts: list[tuple[str, float]], size: float) -> float:
    """Row height (points) fitting the tallest of ``(text, column width)`` wrapped
    (spreadsheet programs do not all grow rows to fit on opening): a character is taken
    as wide as a digit, so the estimate errs towards room to spare."""
    lines = 1
    for text, width in texts:
        per_line = max(int(width * 10 / size) - 1, 1)
        if len(text) <= per_line * lines and "\n" not in text:
            continue            # cannot need more lines than the row has already
        count = sum(max(1, -(-len(part) // per_line)) for part in text.split("\n"))
        lines = max(lines, count)
    return min(MAX_ROW_POINTS, round(size * LINE_POINTS * lines + 3, 1))


def _value(name: str, rec: dict, extra: dict | None = None):
    extra = EXTRA if extra is None else extra
    if name == "No.":
        return int(rec["No."])
    if name == "Date" and rec.get("date_precision") == "day" and not rec.get("date_uncertain") \
            and rec.get("date") and not rec.get("summarised"):
        return date.fromisoformat(rec["date"][:10])
    value = rec.get(extra.get(name, name))
    if value is None or value != value:
        return None
    return neutralise(str(value).replace(";", ", ") if name in extra else str(value))


def _table_sheet(ws, chron: Chronology, frame, columns: list[str], title: str):
    """A plain table (findings, persons, sources): widths from what the columns hold,
    wrapped text, rows tall enough, the header repeated when printed; returns its body
    rows to be saved with it."""
    from openpyxl.utils import get_column_letter

    from chronos.report.xlsx_rows import SheetRows

    st = _styles(chron)
    ws.cell(1, 1, neutralise(f"{title}: {chron.case}")).font = st["title"]
    ws.cell(2, 1, neutralise(chron.marking)).font = st["marking"]
    head = 4
    widths = _content_widths(frame, columns)
    for j, (name, width) in enumerate(zip(columns, widths), 1):
        cell = ws.cell(head, j, name)
        cell.font, cell.fill, cell.alignment = st["head"], st["head_fill"], st["wrap"]
        ws.column_dimensions[cell.column_letter].width = width
    body = SheetRows(ws, head + 1, len(columns))
    style = body.style(font=st["body"], alignment=st["wrap"])   # every body cell alike
    for row in frame[columns].itertuples(index=False):
        cells, texts = [], []
        for value, width in zip(row, widths):
            keep = isinstance(value, int | float) and value == value
            text = "" if value is None or value != value else str(value)
            cells.append((value if keep else neutralise(text), style))
            texts.append((text, width))
        body.add(cells, _lines_height(texts, st["size"]))
    ws.freeze_panes = f"A{head + 1}"
    if len(frame):
        ws.auto_filter.ref = f"A{head}:{get_column_letter(len(columns))}{len(frame) + head}"
    _print_setup(ws, chron, f"{head}:{head}", len(columns), body.last_row)
    return body


def _content_widths(frame, columns: list[str]) -> list[float]:
    """A width per column from its heading and its longest value (a long text column
    gets up to 60 characters and wraps)."""
    out = []
    for name in columns:
        longest = max([len(str(name))] + [len(str(v)) for v in frame[name].head(2000)
                                          if v is not None and v == v])
        out.append(float(min(60, max(9, longest + 2))))
    return out


def _properties(wb, chron: Chronology) -> None:
    """The workbook's properties: chronos and its version, the real date, title, subject,
    the marking as its category, the author as the last to modify it."""
    from chronos.report.docx_writer import document_properties

    props = document_properties(chron)
    p = wb.properties
    p.creator, p.title, p.subject = props["creator"], props["title"], props["subject"]
    p.category, p.keywords, p.version = props["category"], props["keywords"], props["version"]
    p.lastModifiedBy, p.description = props["last_modified_by"], props["comments"]
    p.created = p.modified = datetime.now(timezone.utc).replace(microsecond=0, tzinfo=None)


KEY_NOTES = ["?22/05/2016: the source marks the date as uncertain",
             "May 2016 / 2016: only the month or year is known",
             "c. May 2016: the month is uncertain",
             "Undated: the record has no date (kept, listed last)",
             "Flagged F1, F2: the row is evidence for that finding (see Findings)"]


def tint(colour: str, amount: float = 0.65) -> str:
    """A lighter version of a ``#RRGGBB`` colour (mixed with white), for cell backgrounds."""
    from chronos.report.colours import mix_white

    return mix_white(colour, amount)


def neutralise(value):
    """A cell as text a spreadsheet shows and never runs (:func:`safe_files.neutralise`),
    with control characters XML cannot hold shown as symbols (NUL as '␀')."""
    return _formula_safe(visible(value))
