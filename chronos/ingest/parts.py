"""Sources read in parts (:func:`chronos.ingest.base.iter_source`): putting parts together.

A big export is read a block of rows at a time; each part holds the events, quarantined
rows and counts of its block, and a last part holds the whole-source tables (persons,
relationships), the warnings and the reader's info. :func:`combine_parts` puts them back
into the one :class:`~chronos.ingest.base.SourceResult` a whole read gives (for tests
and small sources); :class:`SourceTally` keeps only the counts, for a caller that writes
each part away as it comes (``chronos screen``).
"""

from __future__ import annotations

from typing import Iterable

from chronos.ingest.base import Source, SourceResult


def combine_parts(parts: Iterable[SourceResult]) -> SourceResult:
    """The parts of one source as one result (events and quarantine in part order)."""
    import pandas as pd

    parts = list(parts)
    if len(parts) == 1:
        return parts[0]
    last = parts[-1]
    result = SourceResult(source=last.source, format=last.format, info=dict(last.info))
    frames = [p.events for p in parts if p.events is not None]
    filled = [f for f in frames if len(f)] or frames[:1]
    result.events = pd.concat(filled, ignore_index=True) if len(filled) > 1 else \
        (filled[0].reset_index(drop=True) if filled else None)
    result.persons = next((p.persons for p in reversed(parts) if p.persons is not None), None)
    result.relationships = next((p.relationships for p in reversed(parts)
                                 if p.relationships is not None), None)
    for part in parts:
        result.quarantine += part.quarantine
        result.warnings += part.warnings
        result.records_read += part.records_read
        result.records_to_data += part.records_to_data
        for reason, count in part.records_skipped.items():
            result.records_skipped[reason] = result.records_skipped.get(reason, 0) + count
    return result


class SourceTally:
    """The counts of a source read in parts, added up part by part: its :meth:`summary`
    is what :meth:`SourceResult.summary` gives for the whole read."""

    def __init__(self, source: Source):
        self.source = source
        self.format = ""
        self.info: dict = {}
        self.counts = dict.fromkeys(("records_read", "records_to_data", "records_quarantined",
                                     "parts_quarantined", "events", "events_unattributed",
                                     "persons", "relationships"), 0)
        self.skipped: dict[str, int] = {}
        self.quarantine_by_reason: dict[str, int] = {}
        self.warnings_by_code: dict[str, int] = {}

    def add(self, part: SourceResult) -> None:
        """Count one part in (its rows are distinct from every other part's)."""
        summary = part.summary()
        self.format = part.format or self.format
        self.info.update(part.info)
        for key in self.counts:
            self.counts[key] += summary[key]
        for mine, theirs in ((self.skipped, "records_skipped"),
                             (self.quarantine_by_reason, "quarantine_by_reason"),
                             (self.warnings_by_code, "warnings_by_code")):
            for key, count in summary[theirs].items():
                mine[key] = mine.get(key, 0) + count

    def reconciles(self) -> bool:
        """True when every record read is accounted for."""
        counts = self.counts
        return counts["records_read"] == (counts["records_to_data"] + counts["records_quarantined"]
                                          + sum(self.skipped.values()))

    def summary(self) -> dict:
        """Counts for the ingest report (the keys of :meth:`SourceResult.summary`)."""
        return {"source": self.source.name, "file": self.source.file_label,
                "format": self.format, "agency": self.source.agency, **self.counts,
                "records_skipped": dict(sorted(self.skipped.items())),
                "quarantine_by_reason": dict(sorted(self.quarantine_by_reason.items())),
                "warnings_by_code": dict(sorted(self.warnings_by_code.items())),
                "reconciles": self.reconciles(), "info": dict(self.info)}
