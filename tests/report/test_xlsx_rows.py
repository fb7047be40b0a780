import datetime as dt
import os
import stat
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill

from chronos.report.xlsx_rows import CUT_NOTE, MAX_CELL_TEXT, SheetRows, save_workbook
from chronos.report.xlsx_writer import HEADER_ROW, write_xlsx

#: values a writer could drop or mangle; each row is written both by openpyxl's own
#: cells and by SheetRows, and must read back the same
AWKWARD = [1, -7, 0, 2**40, 1.5, -0.25, 1e20, 3.141592653589793, True, False,
           dt.date(2024, 2, 29), dt.date(1900, 3, 1), dt.date(2099, 12, 31), None,
           "plain", "a & b < c > d \"q\" 'a'", "  padded  ", "line 1\nline 2", "tab\there",
           "£420.16 é ß 日本語 😀", "]]> <![CDATA[ x", "&amp; stays as typed", "0123",
           "1e5", "-3", "TRUE", "'quoted"]


def _styles(body):
    font = Font(name="Arial", size=10, bold=True, color="9C0006")
    fill = PatternFill("solid", fgColor="FCE4E4")
    wrap = Alignment(wrap_text=True, vertical="top")
    return {"text": body.style(font=font, fill=fill, alignment=wrap),
            "date": body.style(font=font, alignment=wrap, number_format="dd/mm/yyyy")}


def _both_ways(tmp_path, values):
    """A workbook with ``values`` (one per row) in sheet 'cells' through openpyxl's
    cells and in sheet 'rows' through SheetRows, the same styles; read back."""
    wb = Workbook()
    by_cells = wb.active
    by_cells.title = "cells"
    by_rows = wb.create_sheet("rows")
    for ws in (by_cells, by_rows):
        ws["A1"] = "header"
    body = SheetRows(by_rows, 2, 2)
    ids = _styles(body)
    for i, value in enumerate(values, 2):
        kind = "date" if isinstance(value, dt.date) else "text"
        body.add([(i - 1, ids["text"]), (value, ids[kind])], height=12.5 + i)
        for j, v in enumerate((i - 1, value), 1):
            cell = by_cells.cell(i, j, v)
            cell.font = Font(name="Arial", size=10, bold=True, color="9C0006")
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if kind == "date" and j == 2:
                cell.number_format = "dd/mm/yyyy"
            else:
                cell.fill = PatternFill("solid", fgColor="FCE4E4")
        by_cells.row_dimensions[i].height = 12.5 + i
    save_workbook(wb, tmp_path / "both.xlsx", [body])
    return load_workbook(tmp_path / "both.xlsx")


def _look(cell):
    return (cell.value, repr(cell.font), repr(cell.fill), repr(cell.alignment),
            cell.number_format)


def test_rows_read_back_as_openpyxl_cells_do(tmp_path):
    wb = _both_ways(tmp_path, AWKWARD)
    cells, rows = wb["cells"], wb["rows"]
    assert rows.max_row == len(AWKWARD) + 1 == cells.max_row
    assert rows.dimensions == cells.dimensions == f"A1:B{len(AWKWARD) + 1}"
    for i in range(2, len(AWKWARD) + 2):
        for j in (1, 2):
            assert _look(rows.cell(i, j)) == _look(cells.cell(i, j)), (i, j)
        assert rows.row_dimensions[i].height == cells.row_dimensions[i].height == 12.5 + i
    xml = zipfile.ZipFile(tmp_path / "both.xlsx").read("xl/worksheets/sheet2.xml").decode()
    assert '<t xml:space="preserve">  padded  </t>' in xml    # Excel keeps the spaces
    values = [rows.cell(i, 2).value for i in range(2, len(AWKWARD) + 2)]
    assert values[values.index("  padded  ")] == "  padded  "
    assert isinstance(values[AWKWARD.index(dt.date(2024, 2, 29))], dt.datetime)
    flags = [v for v, w in zip(values, AWKWARD) if isinstance(w, bool)]
    assert flags == [True, False] and all(type(v) is bool for v in flags)


def test_text_is_never_a_formula_nor_an_error_value(tmp_path):
    wb = Workbook()
    body = SheetRows(wb.active, 1, 3)
    style = body.style()
    body.add([("=SUM(A1:A3)", style), ("#N/A", style), ("+1", style)])
    save_workbook(wb, tmp_path / "f.xlsx", [body])
    ws = load_workbook(tmp_path / "f.xlsx").active
    assert [c.value for c in ws[1]] == ["=SUM(A1:A3)", "#N/A", "+1"]
    assert {c.data_type for c in ws[1]} == {"s"}   # openpyxl's own cells: 'f' and 'e'


def test_text_xml_cannot_hold_is_shown_and_long_text_is_cut_with_a_note(tmp_path):
    wb = Workbook()
    body = SheetRows(wb.active, 1, 4)
    style = body.style()
    long_text, astral = "x" * 40000, "😀" * 20000
    body.add([("a\x00b\x1bc\x07", style), ("bad \ufffe \uffff", style),
              (long_text, style), (astral, style)])
    save_workbook(wb, tmp_path / "c.xlsx", [body])
    ws = load_workbook(tmp_path / "c.xlsx").active
    shown, bad, cut, cut_astral = (c.value for c in ws[1])
    assert shown == "a\u2400b\u241bc\u2407"
    assert bad == "bad \ufffd \ufffd"
    assert cut.endswith(CUT_NOTE) and cut.startswith("x" * 30000)
    assert len(cut) == MAX_CELL_TEXT
    units = len(cut_astral.encode("utf-16-le")) // 2
    assert cut_astral.endswith(CUT_NOTE) and MAX_CELL_TEXT - 1 <= units <= MAX_CELL_TEXT


def test_a_body_cannot_overwrite_rows_openpyxl_holds():
    wb = Workbook()
    wb.active["A3"] = "already here"
    with pytest.raises(ValueError, match="already has row 3"):
        SheetRows(wb.active, 3, 1)


def test_a_failed_save_leaves_no_file_and_a_saved_one_is_owner_only(tmp_path):
    wb = Workbook()
    body = SheetRows(wb.active, 1, 1)
    body.add([("fine", body.style())])
    body.parts.append(None)          # a row that cannot be written: the save fails
    with pytest.raises(TypeError):
        save_workbook(wb, tmp_path / "broken.xlsx", [body])
    assert list(tmp_path.iterdir()) == []
    body.parts.pop()
    path = save_workbook(wb, tmp_path / "ok.xlsx", [body])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_workbook(path).active["A1"].value == "fine"


def _hostile(chron):
    texts = {0: "Seen at home & <safe> \"ok\"", 1: "=SUM(A1:A9)", 2: "#N/A",
             3: "Naïve café: 日本語 😀", 4: "  leading and trailing  ", 5: "y" * 40000,
             6: "line 1\r\nline 2", 7: "@cmd|' /C calc'!A0"}
    rows = chron.rows.copy()
    for i, text in texts.items():
        rows.loc[i, "Event"] = text
    chron.rows = rows
    return texts


def test_the_chronology_sheet_keeps_every_awkward_event_text(chron, tmp_path):
    texts = _hostile(chron)
    ws = load_workbook(write_xlsx(chron, tmp_path / "c.xlsx"))["Chronology"]
    j = chron.columns.index("Event") + 1
    got = [ws.cell(HEADER_ROW + 1 + i, j).value for i in range(len(texts))]
    assert got[0] == texts[0] and got[2] == "#N/A" and got[3] == texts[3]
    assert got[1] == "'=SUM(A1:A9)" and got[7] == "'@cmd|' /C calc'!A0"
    assert got[4] == texts[4] and got[6] == "line 1\r\nline 2"
    assert got[5].startswith("y" * 32000) and got[5].endswith(CUT_NOTE)
    assert ws.max_row - HEADER_ROW == len(chron.rows)
    assert all(c.data_type in ("s", "n", "d") for row in ws.iter_rows(min_row=HEADER_ROW + 1)
               for c in row if c.value is not None)


def test_chronology_rows_styled_as_before(chron, tmp_path):
    """Dates as real dates shown dd/mm/yyyy and left-aligned, text wrapped at the top,
    summarised rows bold, row heights that hold the wrapped text."""
    rows = chron.rows.copy()
    rows.loc[3, "summarised"] = True
    chron.rows = rows
    ws = load_workbook(write_xlsx(chron, tmp_path / "c.xlsx"))["Chronology"]
    header = [c.value for c in ws[HEADER_ROW]]
    date_col, event_col = header.index("Date") + 1, header.index("Event") + 1
    first = HEADER_ROW + 1
    dated = [i for i in range(first, ws.max_row + 1)
             if isinstance(ws.cell(i, date_col).value, dt.datetime)]
    assert dated
    for i in dated:
        cell = ws.cell(i, date_col)
        assert cell.number_format == "dd/mm/yyyy" and cell.alignment.horizontal == "left"
    event = ws.cell(first, event_col)
    assert event.alignment.wrap_text and event.alignment.vertical == "top"
    assert ws.cell(first + 3, event_col).font.b and not event.font.b
    assert ws.freeze_panes == f"C{first}"
    assert ws.auto_filter.ref == f"A{HEADER_ROW}:{ws.cell(HEADER_ROW, ws.max_column).column_letter}" \
                                 f"{ws.max_row}"
    long = max(range(first, ws.max_row + 1), key=lambda i: len(str(ws.cell(i, event_col).value)))
    assert ws.row_dimensions[long].height > ws.row_dimensions[first].height or \
        len(str(ws.cell(first, event_col).value)) == len(str(ws.cell(long, event_col).value))


def test_same_chronology_same_sheets(chron, tmp_path):
    """The sheets and styles are the same bytes each time; only the workbook's
    properties carry the time it was made."""
    one, two = (zipfile.ZipFile(write_xlsx(chron, tmp_path / f"{n}.xlsx")) for n in "ab")
    names = one.namelist()
    assert names == two.namelist()
    for name in names:
        if name != "docProps/core.xml":
            assert one.read(name) == two.read(name), name
