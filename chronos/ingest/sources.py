"""Which exports in a folder chronos can read, and how: the sources of a new case.

:func:`place_exports` looks at every file under a folder (not its ``mappings/``,
``returns/`` or hidden folders). A table (CSV, TSV, XLSX) whose header, in its first rows,
holds every column one of the folder's own mappings names becomes a mapped source (one
per sheet that fits); otherwise a file in a standard format (sniffed with every format's
``sniff``) becomes a source of that format. Everything else is listed with the reason it
was not placed, never dropped silently.
"""

from __future__ import annotations

import re
from pathlib import Path

from chronos.errors import ChronosError

SKIP_FOLDERS = {"mappings", "chronos-out", "returns", ".git"}
SKIP_SUFFIXES = {".yaml", ".yml", ".md", ".toml", ".json", ".lock"}
HEADER_ROWS = 15


def place_exports(folder: str | Path) -> tuple[list[dict], list[dict]]:
    """``(sources, unplaced)`` for the files under ``folder``: each source a manifest
    entry (name, path relative to ``folder``, format, mapping, agency, sheet); each
    unplaced file ``{"path", "reason"}``."""
    folder = Path(folder)
    mappings = _mappings(folder)
    sources: list[dict] = []
    unplaced: list[dict] = []
    for path in _files(folder):
        relative = path.relative_to(folder).as_posix()
        placed = _mapped(path, mappings, folder) or _standard(path)
        if not placed:
            unplaced.append({"path": relative, "reason": _why_not(path, mappings)})
            continue
        for entry in placed:
            entry = {"name": _name(path, entry, sources), "path": relative, **entry}
            sources.append(entry)
    return sources, unplaced


def _files(folder: Path) -> list[Path]:
    """The files that may be exports: not in a skipped or hidden folder, nor in an output
    folder chronos wrote (one holding its marker)."""
    outputs = {p.parent for p in folder.rglob(".chronos-output.json")}
    found = []
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if any(p in SKIP_FOLDERS or p.startswith(".") for p in parts[:-1]) \
                or any(o in path.parents for o in outputs):
            continue
        if path.is_file() and not path.name.startswith((".", "~$")) \
                and path.suffix.lower() not in SKIP_SUFFIXES:
            found.append(path)
    return found


def _mappings(folder: Path) -> list[tuple[Path, object]]:
    """The folder's mappings that parse (``mappings/*.yaml``), with their parsed form."""
    from chronos.ingest.mapping import load_mapping

    found = []
    for path in sorted((folder / "mappings").glob("*.y*ml")) if (folder / "mappings").is_dir() else []:
        try:
            found.append((path, load_mapping(path)))
        except ChronosError:
            continue  # a broken mapping places nothing; the file is listed as unplaced
    return found


def _standard(path: Path) -> list[dict]:
    from chronos.ingest.base import sniff

    try:
        fmt, _ = sniff(path)
    except ChronosError:
        return []
    return [{"format": fmt}]


def _mapped(path: Path, mappings: list, folder: Path) -> list[dict]:
    """One entry per (sheet, mapping) whose columns are all in the sheet's top rows."""
    from chronos.ingest.sheets import peek_rows
    from chronos.ingest.tabular import normalise_name

    if not mappings or path.suffix.lower() not in (".csv", ".tsv", ".txt", ".xlsx", ".xlsm"):
        return []
    placed = []
    for sheet, rows in peek_rows(path, HEADER_ROWS):
        cells = {normalise_name(c) for row in rows for c in row if c}
        for mapping_path, mapping in mappings:
            wanted = {normalise_name(c) for c in mapping.columns}
            wanted_sheet = mapping.reader.get("sheet")
            if not wanted or not wanted <= cells or (wanted_sheet and sheet and wanted_sheet != sheet):
                continue
            entry = {"format": "mapped", "mapping": mapping_path.relative_to(folder).as_posix()}
            agency = _agency(mapping)
            if agency:
                entry["agency"] = agency
            if sheet:
                entry["sheet"] = sheet
            placed.append(entry)
    return placed


def _agency(mapping) -> str:
    field = mapping.agency
    return (field.value or "") if field is not None and field.value else ""


def _why_not(path: Path, mappings: list) -> str:
    if path.suffix.lower() in (".csv", ".tsv", ".txt", ".xlsx", ".xlsm"):
        return ("a table in no standard format that no mapping in mappings/ fits: "
                "draft one with the mapping wizard (chronos mapping scaffold)")
    return "matches no format chronos reads"


def _name(path: Path, entry: dict, sources: list[dict]) -> str:
    base = entry.get("mapping") and Path(entry["mapping"]).stem or path.stem
    base = re.sub(r"[^a-z0-9]+", "_", base.lower()).strip("_") or "source"
    taken = {s["name"] for s in sources}
    name, number = base, 2
    while name in taken:
        name, number = f"{base}_{number}", number + 1
    return name
