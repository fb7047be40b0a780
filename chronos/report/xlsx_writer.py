"""Excel chronology: a formatted 'Chronology' sheet (frozen header, filters, widths, real
dates where the day is known, agency colours) and sheets for findings, persons, sources
and the key. Every text cell is neutralised against formula injection."""

from __future__ import annotations

from copy import copy
from datetime import date
from pathlib import Path

from chronos.report.chronology import records
from chronos.report.document import Chronology
from chronos.report.safe_files import atomic_path, visible
from chronos.report.safe_files import neutralise as _formula_safe

WIDTHS = {"No.": 6, "Date": 13, "Age of child": 13, "Agency / source": 24, "Event": 60,
          "Significance": 26, "Action / outcome": 34, "Reference": 20,
          "Document reference": 22, "Flagged": 9, "Horwath categories": 18, "Event id": 16}
WRAP = {"Event", "Significance", "Action / outcome", "Agency / source"}
HEADER_ROW = 5
EXTRA = {"Flagged": "finding_refs", "Horwath categories": "categories", "Event id": "event_id"}


def write_xlsx(chron: Chronology, path: str | Path) -> Path:
    """Write the chronology workbook to ``path`` atomically."""
    from openpyxl import Workbook

    wb = Workbook()
    _chronology_sheet(wb.active, chron)
    if chron.other_rows is not None and not chron.court:
        name = "Full record" if chron.significant else "Significant events"
        _chronology_sheet(wb.create_sheet(name), chron, chron.other_rows, name)
    _table_sheet(wb.create_sheet("Findings"), chron.findings, _visible(chron.findings))
    _table_sheet(wb.create_sheet("Persons"), chron.persons, list(chron.persons.columns))
    _table_sheet(wb.create_sheet("Sources"), chron.source_table, list(chron.source_table.columns))
    _key_sheet(wb.create_sheet("Key"), chron)
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)


def _visible(frame) -> list[str]:
    return [c for c in frame.columns if not str(c).startswith("_")]


def _styles():
    from openpyxl.styles import Alignment, Font, PatternFill

    return {"head": Font(bold=True, color="FFFFFF"),
            "head_fill": PatternFill("solid", fgColor="1F3864"),
            "wrap": Alignment(wrap_text=True, vertical="top"),
            "top": Alignment(vertical="top"), "bold": Font(bold=True),
            "title": Font(bold=True, size=14),
            "flag": PatternFill("solid", fgColor="FCE4E4")}


def _chronology_sheet(ws, chron: Chronology, rows=None, title: str = "Chronology") -> None:
    """One view of the chronology (``rows``: default the document's own rows)."""
    st = _styles()
    ws.title = title
    rows = chron.rows if rows is None else rows
    columns = chron.columns + ([] if chron.court else list(EXTRA))
    _title_rows(ws, chron, st, title if rows is not chron.rows else None)
    for j, name in enumerate(columns, 1):
        cell = ws.cell(HEADER_ROW, j, name)
        cell.font, cell.fill, cell.alignment = st["head"], st["head_fill"], st["wrap"]
        ws.column_dimensions[cell.column_letter].width = WIDTHS.get(name, 16)
    fills = _agency_fills(chron)
    for i, rec in enumerate(records(rows), HEADER_ROW + 1):
        _data_row(ws, i, columns, rec, fills, st)
        ws.row_dimensions[i].height = _height(columns, rec)
    last = ws.cell(HEADER_ROW, len(columns)).column_letter
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + len(rows)}"
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 3 if not chron.court else 2)
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _title_rows(ws, chron: Chronology, st, view: str | None = None) -> None:
    kids = "; ".join(f"{c['name']}" for c in chron.children) or "Not recorded"
    title = chron.title if view is None else f"{chron.title} ({view.lower()})"
    ws.cell(1, 1, neutralise(f"{title}: {chron.case}")).font = st["title"]
    ws.cell(2, 1, neutralise(f"Children: {kids}    Period: {chron.period}    "
                             f"Produced: {chron.produced}"))
    ws.cell(3, 1, neutralise(" ".join(chron.notes) or
                             "Dates: ?22/05/2016 uncertain; May 2016 month only; 2016 year only."))


def _agency_fills(chron: Chronology) -> dict:
    from openpyxl.styles import PatternFill

    return {a: PatternFill("solid", fgColor=tint(c).lstrip("#")) for a, c in chron.agencies.items()}


def _data_row(ws, i: int, columns: list[str], rec: dict, fills: dict, st) -> None:
    cache = st.setdefault("cache", {})
    for j, name in enumerate(columns, 1):
        value = _value(name, rec)
        cell = ws.cell(i, j, value)
        if isinstance(value, date):
            look = "date"
        elif name == "Agency / source" and rec.get("agency") in fills:
            look = "agency:" + rec["agency"]
        elif name in ("Significance", "Flagged") and rec.get("finding_refs"):
            look = "flag"
        else:
            look = ""
        key = (name in WRAP, look)
        if key in cache:  # styling a cell once and copying it is ~10x faster than setting
            cell._style = copy(cache[key])
            continue
        cell.alignment = st["wrap"] if name in WRAP else st["top"]
        if look == "date":
            cell.number_format = "dd/mm/yyyy"
        elif look == "flag":
            cell.fill = st["flag"]
        elif look:
            cell.fill = fills[rec["agency"]]
        cache[key] = copy(cell._style)


def _height(columns: list[str], rec: dict) -> float:
    """Row height (points) fitting the wrapped text: spreadsheet programs do not all
    grow rows to fit on opening."""
    lines = 1
    for name in columns:
        if name in WRAP:
            text = str(rec.get(name) or "")
            lines = max(lines, -(-len(text) // max(int(WIDTHS.get(name, 16) * 1.1), 1)))
    return 15.0 * min(lines, 12)


def _value(name: str, rec: dict):
    if name == "No.":
        return int(rec["No."])
    if name == "Date" and rec.get("date_precision") == "day" and not rec.get("date_uncertain") \
            and rec.get("date") and not rec.get("summarised"):
        return date.fromisoformat(rec["date"][:10])
    value = rec.get(EXTRA.get(name, name))
    if value is None or value != value:
        return None
    return neutralise(str(value).replace(";", ", ") if name in EXTRA else str(value))


def _table_sheet(ws, frame, columns: list[str]) -> None:
    st = _styles()
    for j, name in enumerate(columns, 1):
        cell = ws.cell(1, j, name)
        cell.font, cell.fill = st["head"], st["head_fill"]
        ws.column_dimensions[cell.column_letter].width = min(60, max(12, len(name) + 4))
    for i, row in enumerate(frame[columns].itertuples(index=False), 2):
        for j, value in enumerate(row, 1):
            keep = isinstance(value, int | float) and value == value
            cell = ws.cell(i, j, value if keep else neutralise("" if value != value or value is None else str(value)))
            cell.alignment = st["wrap"]
    ws.freeze_panes = "A2"
    if len(frame):
        ws.auto_filter.ref = f"A1:{ws.cell(1, len(columns)).column_letter}{len(frame) + 1}"


def _key_sheet(ws, chron: Chronology) -> None:
    from openpyxl.styles import PatternFill

    ws.append(["Agency", "Colour"])
    for agency, colour in chron.agencies.items():
        ws.append([neutralise(agency), ""])
        ws.cell(ws.max_row, 2).fill = PatternFill("solid", fgColor=tint(colour).lstrip("#"))
    ws.append([])
    for text in KEY_NOTES:
        ws.append([text])
    ws.column_dimensions["A"].width = 70


KEY_NOTES = ["?22/05/2016: the source marks the date as uncertain",
             "May 2016 / 2016: only the month or year is known",
             "c. May 2016: the month is uncertain",
             "Undated: the record has no date (kept, listed last)",
             "Flagged F1, F2: the row is evidence for that finding (see Findings)"]


def tint(colour: str, amount: float = 0.65) -> str:
    """A lighter version of a ``#RRGGBB`` colour (mixed with white), for cell backgrounds."""
    rgb = [int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)]
    return "#" + "".join(f"{round(c + (255 - c) * amount):02X}" for c in rgb)


def neutralise(value):
    """A cell as text a spreadsheet shows and never runs (:func:`safe_files.neutralise`),
    with control characters XML cannot hold shown as symbols (NUL as '␀')."""
    return _formula_safe(visible(value))
