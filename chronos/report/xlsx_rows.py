"""The body rows of a workbook's long sheets written as SpreadsheetML text.

openpyxl makes a Python object per cell and serialises each one through lxml: for a
chronology of tens of thousands of rows that is most of the time of a case's outputs.
The long sheets' rows are instead written here as XML text (as the Word writer does for
its tables) and spliced into the workbook openpyxl saved with everything else (the title
rows, the header, column widths, frozen panes, filters, print set-up, styles), so the
workbook is the one openpyxl would have written: the same cells, with the same styles.

Every text is written as text (an inline string: never a formula, never an error value
such as ``#N/A``), with what XML cannot hold shown as symbols
(:func:`chronos.report.safe_files.visible`) and anything longer than an Excel cell holds
cut with a note saying so.
"""

from __future__ import annotations

import io
import math
import re
from copy import copy
from datetime import date
from pathlib import Path

from chronos.report.safe_files import atomic_path, visible

#: the most characters (UTF-16 code units) an Excel cell holds
MAX_CELL_TEXT = 32767
CUT_NOTE = " [... cut here: an Excel cell holds at most 32,767 characters]"
_DIMENSION = re.compile(r'<dimension ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"/>')
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_NEEDS_ESCAPE = re.compile(r"[&<>\r]")


class SheetRows:
    """The body rows of one worksheet, from row ``first`` down, as XML text.

    Make it after the sheet's title and header rows are in place (openpyxl writes
    those), give each cell a style made by :meth:`style` and add the rows in order;
    :func:`save_workbook` puts them into the saved workbook."""

    def __init__(self, ws, first: int, columns: int):
        from openpyxl.utils import get_column_letter

        if ws.max_row >= first and ws._cells:
            raise ValueError(f"sheet {ws.title!r} already has row {ws.max_row}; "
                             f"its body starts at {first}")
        self.ws, self.first, self.next = ws, first, first
        self.letters = [get_column_letter(j) for j in range(1, columns + 1)]
        self.parts: list[str] = []
        self._dates: dict[date, str] = {}

    @property
    def last_row(self) -> int:
        """The last row written (the header's row above ``first`` when none was)."""
        return self.next - 1

    def style(self, font=None, fill=None, alignment=None, number_format=None) -> int:
        """The workbook's id of a cell style (registered with openpyxl, which writes it)."""
        from openpyxl.cell.cell import Cell
        from openpyxl.styles.cell_style import StyleArray

        cell = Cell(self.ws, style_array=StyleArray())
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        if alignment is not None:
            cell.alignment = alignment
        if number_format is not None:
            cell.number_format = number_format
        return self.ws.parent._cell_styles.add(copy(cell._style))

    def add(self, cells: list[tuple[object, int]], height: float | None = None) -> None:
        """Add the next row: ``(value, style id)`` per column from A, and its height in
        points. A value is None, text, a whole or decimal number, True/False or a date."""
        i = self.next
        row = [f'<row r="{i}" ht="{height:.16g}" customHeight="1">' if height is not None
               else f'<row r="{i}">']
        letters = self.letters
        for j, (value, style) in enumerate(cells):
            row.append(self._cell(f"{letters[j]}{i}", style, value))
        row.append("</row>")
        self.parts.append("".join(row))
        self.next += 1

    def _cell(self, ref: str, style: int, value) -> str:
        if value is None or value == "":
            return f'<c r="{ref}" s="{style}"/>'
        if isinstance(value, str):
            return f'<c r="{ref}" s="{style}" t="inlineStr"><is>{text_xml(value)}</is></c>'
        if isinstance(value, bool):
            return f'<c r="{ref}" s="{style}" t="b"><v>{int(value)}</v></c>'
        if isinstance(value, int):
            return f'<c r="{ref}" s="{style}" t="n"><v>{value}</v></c>'
        if isinstance(value, float):
            if not math.isfinite(value):
                return self._cell(ref, style, str(value))
            return f'<c r="{ref}" s="{style}" t="n"><v>{float(value)!r}</v></c>'
        if isinstance(value, date):
            serial = self._dates.get(value)
            if serial is None:
                serial = self._dates[value] = _serial(value)
            return f'<c r="{ref}" s="{style}" t="n"><v>{serial}</v></c>'
        return self._cell(ref, style, str(value))


def _serial(day: date) -> str:
    """Excel's serial number of ``day`` (as openpyxl counts it, 1900 leap bug included)."""
    from openpyxl.utils.datetime import to_excel

    return f"{to_excel(day):.16g}"


def cell_text(text: str) -> str:
    """``text`` as an Excel cell can hold it: control characters XML cannot hold shown as
    symbols, and cut with a note when longer than a cell holds."""
    text = visible(text)
    if len(text) <= MAX_CELL_TEXT // 2 or _units(text) <= MAX_CELL_TEXT:
        return text
    room = MAX_CELL_TEXT - len(CUT_NOTE)
    # counted in UTF-16 code units, as Excel counts (a character beyond the BMP is two);
    # a character split in half by the cut is left out whole
    kept = text.encode("utf-16-le")[:room * 2].decode("utf-16-le", errors="ignore")
    return kept + CUT_NOTE


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def text_xml(text: str) -> str:
    """The ``<t>`` element of an inline string holding ``text`` (see :func:`cell_text`);
    spaces at either end kept."""
    text = cell_text(text)
    if _NEEDS_ESCAPE.search(text):
        text = text.translate(_ESCAPES)
    if text != text.strip():
        return f'<t xml:space="preserve">{text}</t>'
    return f"<t>{text}</t>"


def save_workbook(wb, path: str | Path, bodies: list[SheetRows]) -> Path:
    """Save ``wb`` (openpyxl) to ``path`` atomically with each of ``bodies`` spliced into
    its sheet: nothing is left at ``path`` when anything fails."""
    import zipfile

    buffer = io.BytesIO()
    wb.save(buffer)                       # sets each sheet's part name (ws.path)
    parts = {body.ws.path.lstrip("/"): body for body in bodies}
    with atomic_path(Path(path)) as tmp, zipfile.ZipFile(buffer) as src, \
            zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            body = parts.get(item.filename)
            if body is None:
                dst.writestr(item, data)
                continue
            head, tail = _split(data.decode("utf-8"), body)
            with dst.open(item, "w", force_zip64=True) as out:
                out.write(head.encode("utf-8"))
                for start in range(0, len(body.parts), 2000):
                    out.write("".join(body.parts[start:start + 2000]).encode("utf-8"))
                out.write(tail.encode("utf-8"))
    return Path(path)


def _split(xml: str, body: SheetRows) -> tuple[str, str]:
    """The sheet's XML before and after where its body rows go (the end of its
    ``sheetData``), its dimension reaching down to the last body row."""
    match = _DIMENSION.search(xml)
    if match and body.last_row > int(match.group(4)):
        a, r1, b, _ = match.groups()
        xml = xml[:match.start()] + f'<dimension ref="{a}{r1}:{b}{body.last_row}"/>' \
            + xml[match.end():]
    if "<sheetData/>" in xml:
        xml = xml.replace("<sheetData/>", "<sheetData></sheetData>", 1)
    at = xml.index("</sheetData>")
    return xml[:at], xml[at:]
