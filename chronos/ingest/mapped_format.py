"""The ``mapped`` format: any CSV, TSV or XLSX agency export, read through a mapping.

:mod:`chronos.ingest.mapped` reads a whole source; :mod:`chronos.ingest.mapped_parts`
reads a big CSV/TSV export a block of rows at a time, with the same result.
"""

from __future__ import annotations

from pathlib import Path

from chronos.ingest.base import Ingester, Source, SourceResult, register
from chronos.ingest.mapped import read_mapped


@register
class MappedIngester(Ingester):
    """CSV, TSV or XLSX agency export read through a YAML mapping (every sheet or one)."""

    name = "mapped"
    description = "CSV/TSV/XLSX agency export read through a YAML mapping"
    extensions = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm")
    needs_mapping = True

    def sniff(self, path: Path, head: bytes) -> float:
        """Any delimited text or workbook can be mapped; only used when a mapping is given."""
        return 0.5 if path.suffix.lower() in self.extensions else 0.0

    def read(self, source: Source) -> SourceResult:
        """Read ``source`` through ``source.mapping`` (a dict, Mapping or YAML path)."""
        return read_mapped(source)

    def read_parts(self, source: Source, rows: int):
        """Read a CSV/TSV ``source`` a block of ``rows`` rows at a time
        (:mod:`chronos.ingest.mapped_parts`); a workbook is read whole."""
        from chronos.ingest.mapped_parts import read_mapped_parts

        return read_mapped_parts(source, rows)
