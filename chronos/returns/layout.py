"""A returned file as the agency sees it: its tables (or sheets), heading rows, merged
cells and formulas, the lines written above the first table, and what it says about
itself (:mod:`chronos.returns.identity`).

The events themselves are read by the chronology-table reader
(:mod:`chronos.ingest.chronology_table`); this module looks at what the reader does not
report, so that a check can name the row and column of each problem as the agency sees
them: Excel row numbers and column letters, and Word tables, rows and columns. A grid's
rows are the cell values the reader gets (in Word a horizontally merged cell counts once).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from chronos.errors import SourceError
from chronos.ingest.chronology_table import FIELDS, find_header, unique_cells
from chronos.ingest.sheets import cell_text, find_columns
from chronos.returns.identity import Identity, read_identity
from chronos.returns.templates import CHRONOLOGY_SHEET, INSTRUCTIONS_SHEET

WORD, EXCEL = "docx", "xlsx"
HEADER_SCAN = 10          # rows the chronology-table reader searches for the headings


@dataclass(frozen=True)
class Merge:
    """A block of merged cells: 0-based rows and columns of the grid, inclusive."""

    first_row: int
    first_col: int
    last_row: int
    last_col: int


@dataclass
class Grid:
    """One Word table or one Excel sheet."""

    label: str                      # the reader's label: "T2" or the sheet's title
    kind: str                       # docx | xlsx
    rows: list[tuple]               # cell values
    header: int | None = None       # 0-based index of the heading row
    columns: dict[str, int] = field(default_factory=dict)   # reader field -> position
    merges: list[Merge] = field(default_factory=list)
    formulas: list[tuple[int, int, str]] = field(default_factory=list)  # (row, col, formula)
    ours: bool = False              # the template's own Instructions sheet

    @property
    def name(self) -> str:
        """``table 2`` or ``sheet 'Chronology'``."""
        return f"table {self.label[1:]}" if self.kind == WORD else f"sheet {self.label!r}"

    @property
    def headings(self) -> list[str]:
        """The heading row's texts (empty when the grid has none)."""
        if self.header is None:
            return []
        return [cell_text(v) or "" for v in self.rows[self.header]]

    @property
    def filled(self) -> list[int]:
        """Indices of the rows that hold any text."""
        return [i for i, row in enumerate(self.rows) if any(cell_text(v) for v in row)]

    def file_row(self, index: int) -> int:
        """The row number the agency sees for grid row ``index`` (0-based)."""
        return index + 1

    def column_name(self, position: int, headings: list[str] | None = None) -> str:
        """``B (Date)`` in Excel, ``2 (Date)`` in Word."""
        from openpyxl.utils import get_column_letter

        names = headings if headings is not None else self.headings
        heading = names[position] if position < len(names) and names[position] else ""
        label = get_column_letter(position + 1) if self.kind == EXCEL else str(position + 1)
        return f"{label} ({heading})" if heading else label


@dataclass
class Layout:
    """The whole returned file."""

    path: Path
    kind: str
    grids: list[Grid]
    preamble: list[str]             # lines above the first chronology table
    identity: Identity

    @property
    def main(self) -> Grid | None:
        """The first grid with a chronology heading row."""
        return next((g for g in self.grids if g.header is not None and not g.ours), None)

    def grid(self, label: str) -> Grid | None:
        """The grid with the reader's ``label``."""
        return next((g for g in self.grids if g.label == label), None)

    def continuations(self) -> dict[str, Grid]:
        """Word tables without headings that the reader reads as more rows of an earlier
        table (a table split across pages): label -> the table whose columns they use."""
        out, previous = {}, None            # previous: (width, grid with the columns)
        for grid in self.grids:
            if not grid.filled:
                continue
            if grid.header is not None:
                previous = (len(grid.rows[0]), grid)
            elif grid.kind == WORD and previous and len(grid.rows[0]) == previous[0]:
                out[grid.label] = previous[1]
        return out

    @property
    def is_template_workbook(self) -> bool:
        """True for a workbook with the template's Chronology and Instructions sheets."""
        labels = {g.label for g in self.grids}
        return self.kind == EXCEL and {CHRONOLOGY_SHEET, INSTRUCTIONS_SHEET} <= labels


def read_layout(path: Path, label: str | None = None) -> Layout:
    """The layout of a returned .docx or .xlsx (a :class:`SourceError` when it cannot be
    opened, or is neither)."""
    path = Path(path)
    suffix = path.suffix.lower()
    where = label or path.name
    if suffix == ".docx":
        grids, preamble = _word(path, where)
        kind = WORD
    elif suffix in (".xlsx", ".xlsm"):
        grids, preamble = _excel(path, where)
        kind = EXCEL
    else:
        raise SourceError("a return must be a Word (.docx) or Excel (.xlsx) file", file=where,
                          hint="send back the template you were sent, in its own format")
    for grid in grids:
        grid.header, grid.columns = find_header(grid.rows)
    return Layout(path, kind, grids, preamble, read_identity(path, preamble))


# --------------------------------------------------------------------------- Word


def _word(path: Path, where: str) -> tuple[list[Grid], list[str]]:
    from chronos.ingest.guards import check_zip
    from chronos.safe_input import open_regular

    check_zip(path, where, "Word document")
    try:
        import docx

        with open_regular(path, where) as handle:
            document = docx.Document(handle)
    except SourceError:
        raise
    except Exception as exc:  # zipfile.BadZipFile, KeyError, lxml errors ...
        raise SourceError(f"cannot open the Word document ({type(exc).__name__})", file=where,
                          hint="is the file a complete .docx document?") from None
    grids = []
    for number, table in enumerate(document.tables, start=1):
        grid = Grid(f"T{number}", WORD, [tuple(unique_cells(row)) for row in table.rows])
        grid.merges = _word_merges(table)
        grid.formulas = _word_fields(table)
        grids.append(grid)
    return grids, _word_preamble(document, grids)


def _word_merges(table) -> list[Merge]:
    """Horizontal (gridSpan) and vertical (vMerge) merges, in the reader's positions."""
    merges = []
    open_vertical: dict[int, int] = {}      # grid column -> first row of a vertical merge
    for r, row in enumerate(table.rows):
        position = grid_col = 0
        for tc in row._tr.tc_lst:
            span = tc.grid_span
            if span > 1:
                merges.append(Merge(r, position, r, position + span - 1))
            if tc.vMerge == "restart":
                open_vertical[grid_col] = r
            elif tc.vMerge == "continue" and grid_col in open_vertical:
                first = open_vertical[grid_col]
                merges = [m for m in merges if not (m.first_row == first and
                                                    m.first_col == position and
                                                    m.first_row != m.last_row)]
                merges.append(Merge(first, position, r, position))
            position += 1
            grid_col += span
    return merges


def _word_fields(table) -> list[tuple[int, int, str]]:
    """Fields (Word's formulas: ``=SUM``, ``DATE`` ...) inside the table's cells."""
    found = []
    for r, row in enumerate(table.rows):
        for c, tc in enumerate(row._tr.tc_lst):
            codes = [t.text or "" for t in tc.iter() if t.tag.endswith("}instrText")]
            codes += [el.get(el.tag.split("}")[0] + "}instr", "") for el in tc.iter()
                      if el.tag.endswith("}fldSimple")]
            code = " ".join("".join(codes).split())
            if code:
                found.append((r, c, code))
    return found


def _word_preamble(document, grids: list[Grid]) -> list[str]:
    """The page header's lines, then the body's paragraphs up to the first table with
    chronology headings."""
    lines = [p.text for section in document.sections for p in section.header.paragraphs]
    tables = {t._tbl: g for t, g in zip(document.tables, grids)}
    for child in document.element.body.iterchildren():
        if child.tag.endswith("}p"):
            lines.append("".join(t.text or "" for t in child.iter() if t.tag.endswith("}t")))
        elif child.tag.endswith("}tbl") and child in tables:
            if find_header(tables[child].rows)[0] is not None:
                break
            lines += [" ".join(c for c in (cell_text(v) for v in row) if c)
                      for row in tables[child].rows]
    return [line for line in lines if line.strip()]


# --------------------------------------------------------------------------- Excel


def _excel(path: Path, where: str) -> tuple[list[Grid], list[str]]:
    """Every sheet as the chronology-table reader reads it (:mod:`chronos.ingest.workbook`:
    checked before it is opened, every row), with its formulas and merged cells."""
    from chronos.ingest.guards import check_zip
    from chronos.ingest.workbook import formula_cells, read_sheets

    facts = check_zip(path, where, "workbook")
    sheets = read_sheets(path, where)
    formulas = formula_cells(path, where, facts)
    merges = _excel_merges(path, where)
    grids = []
    for title, rows in sheets.items():
        grid = Grid(title, EXCEL, rows, ours=title == INSTRUCTIONS_SHEET)
        grid.merges = merges.get(title, [])
        grid.formulas = [(number - 1, column, text)
                         for number, cells in sorted(formulas.get(title, {}).items())
                         for column, text in sorted(cells.items())]
        grids.append(grid)
    return grids, [line for line in _excel_preamble(grids) if line.strip()]


def _excel_merges(path: Path, where: str) -> dict[str, list[Merge]]:
    """The merged cells of each sheet, from its part's ``<mergeCell ref="A10:A12"/>``."""
    from openpyxl.utils.cell import range_boundaries

    from chronos.ingest.workbook import open_workbook

    with open_workbook(path, where) as (book, _):
        parts = {s.title: getattr(s, "_worksheet_path", "").lstrip("/") for s in book.worksheets}
    found: dict[str, list[Merge]] = {}
    with zipfile.ZipFile(path) as archive:
        for title, part in parts.items():
            if part not in archive.namelist():
                continue
            with archive.open(part) as handle:
                xml = handle.read().decode("utf-8", "replace")
            for ref in re.findall(r'<mergeCell\b[^>]*\bref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"', xml):
                first_col, first_row, last_col, last_row = range_boundaries(ref)
                found.setdefault(title, []).append(
                    Merge(first_row - 1, first_col - 1, last_row - 1, last_col - 1))
    return found


def _excel_preamble(grids: list[Grid]) -> list[str]:
    """The rows above the first heading row (of the first sheet, when none has one)."""
    def lines(rows):
        return [" ".join(c for c in (cell_text(v) for v in row) if c) for row in rows]

    for grid in grids:
        header, _ = find_header(grid.rows)
        if header is not None and not grid.ours:
            return lines(grid.rows[:header])
    first = next((g for g in grids if not g.ours), None)
    return lines(first.rows[:HEADER_SCAN]) if first else []


# --------------------------------------------------------------------------- helpers


def heading_fields(headings: list[str]) -> dict[int, str]:
    """What the reader makes of each heading: position -> reader field."""
    return {position: name for name, position in find_columns(headings, FIELDS).items()}


def labelled_line(lines: list[str], label: str) -> str | None:
    """The text after ``Label:`` on the first line that starts with it."""
    pattern = re.compile(rf"^\s*{re.escape(label)}\s*:\s*(.*)$", re.IGNORECASE)
    for line in lines:
        match = pattern.match(line)
        if match:
            return match[1].strip()
    return None
