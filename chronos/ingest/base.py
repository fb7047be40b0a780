"""The ingester protocol and the registry every format module registers with.

An ingester reads one source file and returns a :class:`SourceResult`: source-level
events, person records and relationships (all in the contract of :mod:`chronos.model`),
plus quarantined rows and warnings, and the record counts that must reconcile::

    records_read == records_to_data + records_quarantined + sum(records_skipped.values())

Events refer to people by *record keys* (``"<source name>:<local id>"``) in
``person_ids``; linking later replaces them with canonical person ids.

A format module defines a subclass of :class:`Ingester` and decorates it with
:func:`register`. :func:`registry` imports every module in ``chronos.ingest`` listed in
``FORMAT_MODULES`` so that registration happens lazily (heavy readers are not imported
for ``chronos --help``).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Iterator

from chronos.errors import ChronosError, FormatNotRecognised, Issue, SourceError

#: Modules that define ingesters; each registers its classes on import.
FORMAT_MODULES = [
    "chronos.ingest.mapped_format",
    "chronos.ingest.fhir",
    "chronos.ingest.cin_census",
    "chronos.ingest.ssda903",
    # formats2: Annex A, attendance, GEDCOM, agency chronology tables
    "chronos.ingest.annex_a",
    "chronos.ingest.gedcom",
    "chronos.ingest.attendance",
    "chronos.ingest.chronology_table",
]

_REGISTRY: dict[str, type["Ingester"]] = {}


@dataclass
class Source:
    """One source of a case, as the manifest describes it."""

    path: Path
    name: str                       # short id, unique in the case (e.g. "gp")
    format: str = "auto"
    agency: str = ""
    mapping: dict[str, Any] | None = None
    options: dict[str, Any] = field(default_factory=dict)  # dayfirst, sheet, encoding ...
    display_path: str = ""          # the path as written in the manifest (provenance)
    #: the person the source is about (manifest ``subject:``; a subject.Subject or raw value)
    subject: Any = None

    @property
    def file_label(self) -> str:
        """How this file is named in provenance columns and messages."""
        return self.display_path or self.path.name


@dataclass
class SourceResult:
    """What an ingester returns for one source."""

    source: Source
    format: str
    events: Any = None              # DataFrame (model.EVENTS)
    persons: Any = None             # DataFrame (model.PERSONS + record_key)
    relationships: Any = None       # DataFrame (model.RELATIONSHIPS), in record keys
    quarantine: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    records_read: int = 0
    records_to_data: int = 0
    records_skipped: dict[str, int] = field(default_factory=dict)
    #: how the file was read (encoding, delimiter, sheet(s), header row ...), for the report
    info: dict[str, Any] = field(default_factory=dict)
    #: the person the file itself says it is about (a subject.Subject), when a reader found one
    subject: Any = None

    @property
    def records_quarantined(self) -> int:
        """Records that went to quarantine (one issue per record). A quarantined *part* of
        a record that otherwise became data (an event of a census child, a future date of
        birth: an issue whose ``extra`` names ``part_of``) is counted apart."""
        return len({(q.source_file, q.source_ref) for q in self.quarantine
                    if "part_of" not in q.extra})

    @property
    def parts_quarantined(self) -> int:
        """Parts of records (events, dates) quarantined while the record became data."""
        return sum(1 for q in self.quarantine if "part_of" in q.extra)

    def reconciles(self) -> bool:
        """True when every record read is accounted for."""
        accounted = self.records_to_data + self.records_quarantined
        return self.records_read == accounted + sum(self.records_skipped.values())

    def summary(self) -> dict:
        """Counts for the ingest report."""
        return {
            "source": self.source.name,
            "file": self.source.file_label,
            "format": self.format,
            "agency": self.source.agency,
            "records_read": self.records_read,
            "records_to_data": self.records_to_data,
            "records_quarantined": self.records_quarantined,
            "parts_quarantined": self.parts_quarantined,
            "records_skipped": dict(sorted(self.records_skipped.items())),
            "events": 0 if self.events is None else len(self.events),
            "events_unattributed": _unattributed(self.events),
            "persons": 0 if self.persons is None else len(self.persons),
            "relationships": 0 if self.relationships is None else len(self.relationships),
            "quarantine_by_reason": _count_by(self.quarantine),
            "warnings_by_code": _count_by(self.warnings),
            "reconciles": self.reconciles(),
            "info": dict(self.info),
        }


def _unattributed(events) -> int:
    from chronos.ingest.subject import unattributed

    return unattributed(events)


def _count_by(issues: list[Issue]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for issue in issues:
        counts[issue.code] = counts.get(issue.code, 0) + 1
    return dict(sorted(counts.items()))


class Ingester:
    """Base class for a format reader. Subclasses set the class attributes and
    implement :meth:`sniff` and :meth:`read`."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    extensions: ClassVar[tuple[str, ...]] = ()
    #: True when the format needs a mapping in the manifest (it cannot run on its own)
    needs_mapping: ClassVar[bool] = False
    #: True when a source may be a folder of files in this format (FHIR bulk NDJSON)
    reads_folders: ClassVar[bool] = False

    def sniff(self, path: Path, head: bytes) -> float:
        """Confidence in 0..1 that ``path`` is in this format (``head``: its first 64 KiB)."""
        return 0.0

    def read(self, source: Source) -> SourceResult:
        """Read the source into a :class:`SourceResult`."""
        raise NotImplementedError

    def read_parts(self, source: Source, rows: int) -> Iterator[SourceResult]:
        """Read the source in parts of about ``rows`` records (see :func:`iter_source`).
        Formats without a part-wise reader give the whole source as one part."""
        yield self.read(source)


def register(cls: type[Ingester]) -> type[Ingester]:
    """Class decorator: add an ingester to the registry under ``cls.name``."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no name")
    _REGISTRY[cls.name] = cls
    return cls


def registry() -> dict[str, type[Ingester]]:
    """Every registered ingester, by format name (imports the format modules)."""
    for module in FORMAT_MODULES:
        importlib.import_module(module)
    return dict(sorted(_REGISTRY.items()))


def get_ingester(name: str) -> Ingester:
    """The ingester registered as ``name``; a clear error naming the known formats."""
    known = registry()
    if name not in known:
        raise SourceError(f"unknown format {name!r}",
                          hint="known formats: " + ", ".join(known))
    return known[name]()


def read_head(path: Path, size: int = 65536) -> bytes:
    """The first bytes of a file, for sniffing (refused unless it is a regular file)."""
    from chronos.safe_input import open_regular, os_error

    with open_regular(path, str(path)) as handle:
        try:
            return handle.read(size)
        except OSError as exc:
            raise os_error(exc, str(path)) from None


def sniff(path: Path, *, allow_mapped: bool = False) -> tuple[str, list[tuple[str, float]]]:
    """Best format for ``path`` and every format's score (for messages).

    Formats that need a mapping are only considered when ``allow_mapped`` is true.
    Raises :class:`FormatNotRecognised` naming the formats tried when none fits.
    """
    head = read_head(path)
    scores = []
    for name, cls in registry().items():
        if cls.needs_mapping and not allow_mapped:
            continue
        try:
            score = float(cls().sniff(path, head))
        except Exception:  # a sniffer must never break detection of other formats
            score = 0.0
        scores.append((name, score))
    scores.sort(key=lambda item: (-item[1], item[0]))
    if not scores or scores[0][1] < 0.5:
        _explain_unreadable(path)
        tried = ", ".join(name for name, _ in scores) or "none"
        raise FormatNotRecognised("the file matches no known format", file=str(path),
                                  hint=f"formats tried: {tried}; name one with format: "
                                       "in the manifest, or give a mapping")
    return scores[0][0], scores


#: Extensions of zip containers whose damage is worth naming when nothing recognises them
ZIP_KINDS = {".xlsx": "workbook", ".xlsm": "workbook", ".docx": "Word document"}


def _explain_unreadable(path: Path) -> None:
    """When no format recognises a workbook or Word document, say why if it cannot be
    read at all (not a zip, truncated, a zip bomb, a DTD...) rather than 'no format'."""
    kind = ZIP_KINDS.get(path.suffix.lower())
    if kind:
        from chronos.ingest.guards import check_zip

        check_zip(path, str(path), kind)


def read_source(source: Source) -> SourceResult:
    """Read one source with its named ingester, or the sniffed one for ``auto``."""
    return read_with(_source_format(source), source)


def read_with(fmt: str, source: Source) -> SourceResult:
    """Read ``source`` as format ``fmt``: a file that is not in that format is a
    :class:`SourceError` naming it, whatever the reader met on the way (a folder, bytes
    that are not text, a zip that is not a workbook ...), never an internal error."""
    ingester = get_ingester(fmt)
    if source.path.is_dir() and not ingester.reads_folders:
        raise SourceError(f"a folder, not a file: the {fmt} format reads one file",
                          file=source.file_label,
                          hint="name the export file itself in the manifest")
    with not_this_format(fmt, source.file_label):
        result = ingester.read(source)
    result.format = result.format or fmt
    apply_subject(result, source)
    return result


class not_this_format:
    """Turn what a reader raises on a file of another format (undecodable bytes, a broken
    zip, a CSV with NUL bytes, XML that does not parse) into a :class:`SourceError`."""

    def __init__(self, fmt: str, label: str):
        self.fmt, self.label = fmt, label

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, _tb) -> bool:
        if exc is None or isinstance(exc, ChronosError) or not isinstance(exc, _input_errors()):
            return False
        raise SourceError(f"cannot read this file as {self.fmt}: {type(exc).__name__}: "
                          f"{str(exc)[:200]}", file=self.label,
                          hint="check the file, or name its format (chronos formats lists "
                               "them; chronos inspect FILE shows what each makes of it)"
                          ) from exc


def _input_errors() -> tuple[type[BaseException], ...]:
    """What reading a file that is not in the expected format raises."""
    import csv
    import xml.etree.ElementTree as ET
    import zipfile

    found: list[type[BaseException]] = [OSError, UnicodeError, csv.Error, ET.ParseError,
                                        zipfile.BadZipFile, EOFError]
    try:
        from openpyxl.utils.exceptions import InvalidFileException
        found.append(InvalidFileException)
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        pass
    return tuple(found)


def apply_subject(result: SourceResult, source: Source, *, add_person: bool = True) -> None:
    """Put the source's subject (the manifest's, else the one the file names) on the
    events that name nobody (see :mod:`chronos.ingest.subject`)."""
    from chronos.ingest.subject import (attribute_to_subject, parse_subject,
                                        subject_mismatch)

    subject = result.subject
    if source.subject is not None:
        chosen = parse_subject(source.subject, f"source {source.name!r} subject")
        result.warnings.extend(subject_mismatch(chosen, subject, source.file_label))
        subject = chosen
    if subject is not None:
        attribute_to_subject(result, subject, add_person=add_person)


def iter_source(source: Source, rows: int | None = None) -> Iterator[SourceResult]:
    """Read one source in parts, so that a big export never sits in memory whole.

    With ``rows`` (records per part), formats that can (the mapped CSV/TSV reader) yield
    one part per block of rows, holding that block's events, quarantine and counts, and
    then a last part holding the whole-source tables (persons, relationships), the
    warnings and the reader's info; other formats, and ``rows=None``, yield the one
    :func:`read_source` result. Either way the parts taken together are exactly what
    :func:`read_source` gives (:func:`chronos.ingest.parts.combine_parts`), and each
    part's counts reconcile on their own.
    """
    if rows is None:
        yield read_source(source)
        return
    if int(rows) < 1:
        raise ValueError(f"rows must be at least 1, got {rows!r}")
    fmt = _source_format(source)
    with not_this_format(fmt, source.file_label):
        parts = get_ingester(fmt).read_parts(source, int(rows))
        part = next(parts, None)
    while part is not None:
        with not_this_format(fmt, source.file_label):
            following = next(parts, None)
        part.format = part.format or fmt
        apply_subject(part, source, add_person=following is None)
        yield part
        part = following


def _source_format(source: Source) -> str:
    """The format to read ``source`` with (checks that it is a regular file, or a folder
    for a format that reads folders)."""
    fmt = source.format
    check_source(source.path, source.file_label, fmt)
    if fmt in ("", "auto", None):
        fmt = "mapped" if source.mapping else sniff(source.path)[0]
    return fmt


def check_source(path: Path, label: str, fmt: str | None = None) -> str:
    """``"file"`` or ``"folder"`` for a source that may be read with format ``fmt``;
    :class:`SourceError` for anything else (missing, a device, a pipe, a socket, a loop
    of links, a folder where the format reads files). Nothing is opened."""
    import stat

    from chronos.safe_input import check_regular

    try:
        info = check_regular(path, label, folder_ok=True)
    except SourceError as exc:
        if exc.message == "file not found":
            exc.hint = f"looked for {path}"
        raise
    if not stat.S_ISDIR(info.st_mode):
        return "file"
    reads = fmt not in ("", "auto", None) and fmt in registry() and \
        registry()[fmt].reads_folders
    if not reads:
        raise SourceError("this is a folder, not a file", file=label,
                          hint="point at the export file itself; only format: fhir reads "
                               "a folder (of .ndjson files)")
    return "folder"
