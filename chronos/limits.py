"""How much chronos will read from one input, in one place.

Exports come from many systems and some are damaged or hostile: a cell holding the rest of
the file behind an unclosed quote, a workbook that unzips to gigabytes, JSON nested a
hundred thousand deep, a YAML file whose aliases expand to billions of nodes. Every reader
checks its input against these limits and stops with an error naming the file (and row and
column where known), or quarantines the one row, instead of running out of memory or
time. The defaults sit far above what a real export holds (a 20,000-character case note is
ordinary; a 250,000-character one is kept) and far below what would hurt the machine.

docs/analyst.md ("What chronos refuses, and why") explains each one to users; this module
is the only place that sets them.
"""

from __future__ import annotations

# --- one cell, one line, one row ------------------------------------------------------

#: Characters in one cell (CSV field, workbook cell, XML or JSON text, GEDCOM value with its
#: CONC/CONT lines). A longer cell sends its row to quarantine (``cell.too_long``).
MAX_CELL_CHARS = 250_000

#: Bytes in one physical line of a text file (CSV, TSV, NDJSON, GEDCOM). A longer line
#: refuses the file: no real export writes one, and a parser would hold all of it.
MAX_LINE_BYTES = 16 * 1024 * 1024

#: Cells in one row (Excel's own limit: 16,384 columns, A to XFD). More refuses the file.
MAX_COLUMNS = 16_384

#: Cells of a row compared with the known column headings when looking for the heading row
#: (a heading row has tens of columns; comparing a line of a million cells would never end).
MAX_HEADER_CELLS = 500

#: Cells a workbook sheet may hold in all (rows times the width each row is read at). A
#: sparse sheet with cells far to the right on every row would otherwise fill memory.
MAX_SHEET_CELLS = 20_000_000

# --- containers ------------------------------------------------------------------------

#: Uncompressed bytes of all the parts of a workbook or Word document (a zip) together.
MAX_ZIP_UNCOMPRESSED = 1024 * 1024 * 1024

#: How many times larger a part of a workbook or Word document may be once unzipped. Real
#: sheets compress 5 to 50 times; a zip bomb compresses a thousand times.
MAX_ZIP_RATIO = 200

#: Parts (files) in one workbook or Word document.
MAX_ZIP_MEMBERS = 10_000

#: Bytes of text between two XML tags that a workbook part or an XML source may hold (the
#: text of one cell with its escapes; at most 4 bytes a character, 6 for ``&quot;``).
MAX_XML_TEXT_BYTES = 6 * MAX_CELL_CHARS

# --- structure -------------------------------------------------------------------------

#: Levels of nesting in JSON (FHIR). A real FHIR resource nests about 10 deep.
MAX_JSON_DEPTH = 200

#: Levels of nesting in an XML source (CIN census: about 6).
MAX_XML_DEPTH = 200

#: Digits in one JSON number (Python itself refuses to convert more than 4,300).
MAX_NUMBER_DIGITS = 1_000

#: Bytes of a YAML file chronos reads (manifest, mapping, rule, overrides, settings).
MAX_YAML_BYTES = 10 * 1024 * 1024

#: Nodes a YAML document may hold once its aliases (``*name``) are expanded: each alias
#: counts as a full copy of what it points at, so an alias bomb is refused before anything
#: walks it.
MAX_YAML_NODES = 1_000_000

#: Levels of nesting in a YAML document.
MAX_YAML_DEPTH = 100


def describe() -> dict[str, int]:
    """Every limit by name (for the docs and ``--json`` output)."""
    return {name: value for name, value in globals().items()
            if name.startswith("MAX_") and isinstance(value, int)}
