"""CSV chronology: the display columns, one row per entry, safe to open in a spreadsheet."""

from __future__ import annotations

from pathlib import Path

from chronos.report.document import Chronology
from chronos.report.safe_files import csv_line, neutralise, write_text


def write_csv(chron: Chronology, path: str | Path) -> Path:
    """Write the chronology's display columns to ``path`` (UTF-8 with BOM for Excel);
    cells that would start a formula are neutralised, and a cell with a line break or tab
    is quoted (it stays one cell)."""
    lines = [csv_line(chron.columns, "\r\n")]
    for row in chron.display.itertuples(index=False):
        lines.append(csv_line([neutralise(_cell(v)) for v in row], "\r\n"))
    return write_text(path, "\ufeff" + "".join(lines))


def _cell(value) -> str:
    return "" if value is None or value != value else str(value)
