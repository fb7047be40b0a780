"""CSV chronology: the display columns, one row per entry, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from chronos.report.document import Chronology
from chronos.report.safe_files import neutralise, write_text


def write_csv(chron: Chronology, path: str | Path) -> Path:
    """Write the chronology's display columns to ``path`` (UTF-8 with BOM for Excel);
    cells that would start a formula are neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(chron.columns)
    for row in chron.display.itertuples(index=False):
        writer.writerow([neutralise(_cell(v)) for v in row])
    return write_text(path, "\ufeff" + buffer.getvalue())


def _cell(value) -> str:
    return "" if value is None or value != value else str(value)
