"""The mapped ingester over a big CSV/TSV export, a block of rows at a time.

:func:`read_mapped_parts` gives what :func:`chronos.ingest.mapped.read_mapped` gives,
in parts (:func:`chronos.ingest.base.iter_source`), holding one block of rows in memory
at a time. Every row's outcome depends on that row alone (data, quarantine, skipped as
blank, totals or repeated header), so each block is read by the same code as a whole
file; what depends on the whole file is decided or gathered across the blocks:

- how the file is read (encoding, delimiter, header row): once, up front
  (:mod:`chronos.ingest.tabular_parts`);
- the day/month order of each date column, when the mapping does not set ``dayfirst``:
  from a first pass over only the date columns, counting each distinct value;
- person records (the first non-empty value of each field per record key) and
  relationships (each pair once; household members across blocks): gathered per block
  and finished at the end;
- warnings: per-cell warnings are capped over the whole file, whole-column warnings
  given once (:class:`chronos.ingest.mapped.WarningLog`).

The last part holds the persons, relationships, warnings and info; the parts before it
hold the events, quarantine and counts of their block.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Iterator

from chronos import model
from chronos.ingest import mapped_people as people
from chronos.ingest.base import Source, SourceResult
from chronos.ingest.mapped import (MappedIngest, MappedRows, WarningLog, read_mapped,
                                   reader_options, resolve_mapping, source_as_of)
from chronos.ingest.mapping import Mapping
from chronos.ingest.tabular import EXCEL_EXTENSIONS
from chronos.ingest.tabular_parts import DelimitedPlan, iter_records, iter_tables, plan_delimited


def read_mapped_parts(source: Source, rows: int, mapping: Any = None) -> Iterator[SourceResult]:
    """Read ``source`` through its mapping (or ``mapping``) in blocks of ``rows`` rows; a
    workbook is read whole (one part)."""
    mapping = resolve_mapping(source.mapping if mapping is None else mapping,
                              origin=f"inline mapping of source {source.name!r}")
    if source.path.suffix.lower() in (*EXCEL_EXTENSIONS, ".xls"):
        yield read_mapped(source, mapping)
        return
    plan = plan_delimited(source.path, source.file_label, mapping.columns,
                          reader_options(source, mapping))
    as_of = source_as_of(source)
    orders = date_orders(plan, mapping, source, rows)
    whole = _Whole(source, mapping, plan.info | {"as_of": as_of},
                   plan.decoded.issues(source.file_label) if plan.decoded else [])
    for table in iter_tables(plan, rows):
        rows_of_block = MappedRows.combine([table], mapping, source.file_label)
        block = MappedIngest(source, mapping, rows_of_block, orders=orders, as_of=as_of)
        part, persons, data = block.read_rows()
        whole.add(block, persons, data)
        yield part
    yield whole.part()


class _Whole:
    """What the blocks of one file gather for its last part."""

    def __init__(self, source: Source, mapping: Mapping, info: dict, issues: list):
        self.source, self.info = source, info
        self.issues = list(issues)      # the reader's warnings (decoding), in file order
        self.context = SimpleNamespace(source=source, mapping=mapping, label=source.file_label)
        self.log: WarningLog | None = None
        self.made: set[int] = set()
        self.persons: list = []
        self.relationships: list[dict] = []

    def add(self, block: MappedIngest, persons, data) -> None:
        """Take in one block's person rows, relationship rows and warnings."""
        self.persons.append(people.first_person_rows(block, persons, data))
        self.relationships.append(people.relationship_rows(block, persons, data))
        self.made |= block.made
        self.issues += block.rows.issues
        if self.log is None:
            self.log = block.log
        else:
            self.log.absorb(block.log)

    def part(self) -> SourceResult:
        """The last part: persons, relationships, warnings and info of the whole file."""
        label = self.source.file_label
        result = SourceResult(source=self.source, format="mapped", info=dict(self.info))
        result.events = model.empty("events")
        result.persons = people.finish_person_records(self.context, self.persons)
        result.relationships = people.finish_relationships(self.context, self.relationships)
        logged = self.log.issues(self.made, label) if self.log else []
        result.warnings = self.issues + logged
        return result


# --------------------------------------------------------------------------- dates

def date_columns(mapping: Mapping) -> list[str]:
    """Every column the mapped ingester reads as dates (mapping spelling, no repeats)."""
    columns = [getattr(mapping.person.get(key), "column", None) for key in ("dob", "dod")]
    for spec in mapping.events:
        columns += [spec.date, spec.end_date]
    for spec in mapping.related:
        columns += [spec.start, spec.end]
    return list(dict.fromkeys(c for c in columns if c))


def date_orders(plan: DelimitedPlan, mapping: Mapping, source: Source,
                rows: int) -> dict | None:
    """Each date column's ``(dayfirst, warnings)`` as a whole read decides them (from the
    count of each distinct value over the file); None when the mapping or the manifest
    sets ``dayfirst`` (nothing to decide)."""
    from chronos.dates import column_order

    if source.options.get("dayfirst", mapping.dayfirst) is not None:
        return None
    columns = date_columns(mapping)
    if not columns:
        return {}
    exported = {mine: theirs for theirs, mine in
                mapping.column_renames(plan.names, plan.label).items()}
    usecols = list(dict.fromkeys(exported.get(c, c) for c in columns))
    counts: dict[str, Any] = {}
    for frame in iter_records(plan, rows, usecols=usecols):
        for column in usecols:
            seen = frame[column].str.strip().value_counts()
            counts[column] = seen if column not in counts else counts[column].add(seen, fill_value=0)
    orders = {}
    for column in columns:
        seen = counts.get(exported.get(column, column))
        uniques = [] if seen is None else list(seen.index)
        tally = [] if seen is None else seen.to_numpy().astype("int64")
        order, warnings = column_order(uniques, tally, None, plan.label, column)
        orders[column] = (order == "dayfirst", warnings)
    return orders
