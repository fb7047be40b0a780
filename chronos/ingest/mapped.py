"""The ``mapped`` ingester: any CSV, TSV or XLSX agency export, read through a mapping.

The mapping (``docs/mappings.md``, :mod:`chronos.ingest.mapping`) says which columns hold
the person, the dates, the event type and the text. Every row below the header ends as
exactly one of: data (it made its events, or its person record in a persons file), a
quarantined record (one :class:`~chronos.errors.Issue` naming file, row, column, value and
a stable reason code), or a counted skip (blank row, totals row, repeated header, a row to
which no event applied). The work is column-wise (pandas), with per-value Python only
over the distinct values of a column (wordings, names, codes).

A row is all-or-nothing: if any event it should make has a problem (no date, an
impossible or future date, an unknown wording), the whole row is quarantined and none of
its events is kept, so that the counts reconcile and a fix to the row brings all back.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pandas as pd

from chronos import model
from chronos.errors import Issue, MappingError
from chronos.ingest._common import FutureDates
from chronos.ingest.base import Source, SourceResult
from chronos.ingest.mapping import (IGNORE, READER_KEYS, EventSpec, Field, Mapping,
                                    event_type_for, load_mapping, normalise_wording,
                                    parse_mapping)
from chronos.ingest.tabular import (EXCEL_EXTENSIONS, Table, arrow_text, cell_lengths,
                                    map_values, normalise_name, pa_text, read_tables,
                                    string_series, text_column)

#: Per-cell warnings of one code and column beyond this many are summarised in one.
WARNING_CAP = 200
TOTALS = re.compile(r"^\s*(?:(?:grand|sub)[\s-]?)?totals?\b|^\s*(?:sum|count)\s*[:=]", re.I)
TOTALS_START = ("total", "grand", "sub", "sum", "count")
#: a number as a totals row writes it: 12, 1,204, 3.5, 45%, £120.00, (3)
NUMBER = r"[£$€]?\s*[(\-]?[\d,]*\.?\d+\)?\s*%?"
DATE_FIELDS = ("date", "date_precision", "date_uncertain", "time", "end_date")


def resolve_mapping(raw: Any, origin: str = "mapping") -> Mapping:
    """A :class:`Mapping` from a dict, a Mapping, or the path of a YAML file."""
    if raw is None:
        raise MappingError("the mapped format needs a mapping",
                           hint="add mapping: mappings/<source>.yaml to the source")
    if isinstance(raw, (str, Path)):
        return load_mapping(raw)
    return parse_mapping(raw, origin=origin)


def read_mapped(source: Source, mapping: Any = None) -> SourceResult:
    """Ingest one source through its mapping (or ``mapping``, when given)."""
    mapping = resolve_mapping(source.mapping if mapping is None else mapping,
                              origin=f"inline mapping of source {source.name!r}")
    label = source.file_label
    tables = read_tables(source.path, label, mapping.columns, reader_options(source, mapping))
    rows = MappedRows.combine(tables, mapping, label)
    return MappedIngest(source, mapping, rows).run()


def reader_options(source: Source, mapping: Mapping) -> dict:
    """The reader options of a source: the mapping's, overridden by the manifest's."""
    return {**mapping.reader, **{k: source.options[k] for k in READER_KEYS
                                 if k in source.options}}


# --------------------------------------------------------------------------- rows

class MappedRows:
    """Every row below the header(s): string cells (stripped), refs, reader info."""

    def __init__(self, frame: pd.DataFrame, refs: pd.Series, extra: list[str], info: dict,
                 issues: list | None = None, formulas: dict | None = None):
        self.frame = frame
        self.refs = refs
        self.extra = extra
        self.info = info
        #: warnings met reading the file (bytes that did not decode)
        self.issues = issues or []
        #: column -> row positions whose cell is a formula without a saved result
        self.formulas = formulas or {}

    @classmethod
    def combine(cls, tables: list[Table], mapping: Mapping, label: str) -> "MappedRows":
        frames, refs, extra, issues, formulas, offset = [], [], [], [], {}, 0
        for table in tables:
            where = label if "sheet" not in table.info or len(tables) == 1 \
                else f"{label} sheet {table.info['sheet']!r}"
            renames = mapping.column_renames(list(table.frame.columns), where)
            frames.append(table.frame.rename(columns=renames))
            refs.append(table.refs)
            extra += [c for c in table.info.get("extra_fields", []) if c not in extra]
            issues += table.issues
            for column, rows in table.formulas.items():
                formulas.setdefault(renames.get(column, column), []).extend(
                    offset + r for r in rows)
            offset += len(table.frame)
        if len(frames) > 1:  # sheets may differ in their unmapped columns
            frame = pd.concat(frames, ignore_index=True).fillna("")
        else:
            frame = frames[0].reset_index(drop=True)
        for col in mapping.columns:
            if _may_need_strip(arrow_text(frame[col])):
                frame[col] = frame[col].str.strip()
        ref = pd.concat(refs, ignore_index=True).astype("string")
        info = {k: v for k, v in tables[0].info.items() if k != "extra_fields"}
        if len(tables) > 1:
            info["sheets"] = [t.info.get("sheet") for t in tables]
        return cls(frame, ref, extra, info, issues, formulas)


# --------------------------------------------------------------------------- ingest

class MappedIngest:
    """One run of the mapped ingester over the rows of one source."""

    def __init__(self, source: Source, mapping: Mapping, rows: MappedRows, *,
                 orders: dict | None = None, as_of: str | None = None):
        self.source = source
        self.mapping = mapping
        self.rows = rows
        self.frame = rows.frame
        self.label = source.file_label
        self.log = WarningLog()
        self.problem = pd.DataFrame(index=self.frame.index,
                                    columns=["code", "column", "value", "message"],
                                    dtype="object")
        self.dayfirst = source.options.get("dayfirst", mapping.dayfirst)
        self.as_of = as_of or source_as_of(source)
        self.future_policy = FutureDates(source).policy
        #: column -> (dayfirst, warnings) decided over the whole file (a file read in parts)
        self.orders = orders
        self.made: set[int] = set()
        self._dates: dict[str, pd.DataFrame] = {}
        self._lengths: dict = {}            # column -> UTF-8 length of every cell
        #: id of an events: entry -> its (types, wordings), worked out once for
        #: _flag_nobody and taken (then changed) by _event_rows
        self._typed: dict[int, tuple] = {}

    def run(self) -> SourceResult:
        """Classify every row, then build the tables from the data rows."""
        result, persons, data = self.read_rows()
        result.persons = self._persons(persons, data)
        result.relationships = self._relationships(persons, data)
        result.warnings = self._reader_warnings() + self.log.issues(self.made, self.label)
        return result

    def read_rows(self) -> tuple[SourceResult, pd.DataFrame, pd.Series]:
        """The row-wise work of :meth:`run`: a result with the events, quarantine and
        counts; and the subject of every row and which rows are data (for the persons
        and relationships)."""
        result = SourceResult(source=self.source, format="mapped")
        result.records_read = len(self.frame)
        skip = self._skipped_rows()
        self._flag_long_cells(skip.isna())
        self._flag_formulas(skip.isna())
        self._flag_extra_fields(skip.isna())
        persons = self._person_columns()
        self._flag_nobody(skip.isna())
        specs = [self._event_rows(spec, i, skip.isna()) for i, spec in enumerate(self.mapping.events)]
        skip, quarantined, data = self._outcomes(skip, specs)
        result.records_to_data = int(data.sum())
        result.records_skipped = {k: int(v) for k, v in skip.value_counts().sort_index().items()}
        result.quarantine = self._quarantine_issues(quarantined)
        result.events = self._events(specs, data, persons)
        self.made = {s["ordinal"] for s in specs if bool((data & s["applies"]).any())}
        _set_info(result, self.rows.info | {"as_of": self.as_of})
        return result, persons, data

    def _outcomes(self, skip: pd.Series, specs: list[dict]):
        """(skip reasons, quarantined rows, data rows): every row in exactly one."""
        quarantined = self.problem["code"].notna() & skip.isna()
        data = skip.isna() & ~quarantined
        if specs:
            applies = pd.concat([s["applies"] for s in specs], axis=1).any(axis=1)
            ignored = pd.concat([s["ignored"] for s in specs], axis=1).any(axis=1)
            skip = skip.mask(data & ~applies & ignored, "event_type.ignored")
            skip = skip.mask(data & ~applies & ~ignored, "no_event")
            data &= applies
        return skip, quarantined, data

    # ----------------------------------------------------------------- skipping

    def _skipped_rows(self) -> pd.Series:
        """The skip reason of each row (NA for rows to read)."""
        frame = self.frame
        reason = pd.Series(pd.NA, index=frame.index, dtype="object")
        if not len(frame):
            return reason
        lengths = self._lengths = {c: cell_lengths(frame[c]) for c in frame}
        reason[self._blank_rows(lengths)] = "blank_row"
        reason[reason.isna() & self._totals_rows(lengths)] = "totals_row"
        reason[reason.isna() & self._repeated_headers()] = "repeated_header"
        return reason

    def _blank_rows(self, lengths: dict) -> pd.Series:
        """Rows with no text, or only spaces (checked only where mapped cells are empty)."""
        frame = self.frame
        mapped = set(self.mapping.columns)
        in_mapped = sum(lengths[c] for c in frame.columns if c in mapped)
        blank = pd.Series(sum(lengths.values()) == 0, index=frame.index)
        unsure = ~blank & pd.Series(in_mapped == 0, index=frame.index)
        if unsure.any():  # only unmapped cells have text: is it more than spaces?
            rows = frame[unsure]
            blank |= (~pd.concat([rows[c].str.strip().ne("") for c in rows.columns], axis=1)
                      .any(axis=1)).reindex(frame.index, fill_value=False)
        return blank

    def _totals_rows(self, lengths: dict) -> pd.Series:
        """Rows whose first cell says Total, Grand total, Sub-total, Count:, Sum: ...
        (the full pattern is tried only on cells starting with such a word), and rows with
        such a label in any cell when every other cell is a number or empty (a totals row
        whose label sits under a later column). Both are judged only on the rows where
        some cell might start with a totals word (:func:`_near_totals_word`: each cell's
        first bytes, numpy over the Arrow buffers): usually none."""
        import numpy as np

        found = np.zeros(len(self.frame), dtype=bool)
        rows = np.flatnonzero(_near_totals_word(self.frame))
        if len(rows):
            frame = self.frame.iloc[rows]
            lengths = {c: lengths[c][rows] for c in frame.columns}
            found[rows] = _first_cell_totals(frame, lengths) | _labelled_numbers(frame, lengths)
        return pd.Series(found, index=self.frame.index)

    def _repeated_headers(self) -> pd.Series:
        """Rows that repeat the header (stacked exports)."""
        import numpy as np

        again = np.ones(len(self.frame), dtype=bool)
        for column in self.mapping.columns[:6]:
            name, values = normalise_name(column), self.frame[column]
            if getattr(values.dtype, "storage", "") == "pyarrow":
                # Arrow's lower case maps character to character (Python's may not), of
                # 1 to 4 bytes each: only cells of such a length can match
                size = self._lengths.get(column)
                size = cell_lengths(values) if size is None else size
                again &= (size >= len(name)) & (size <= 4 * len(name))
            rows = np.flatnonzero(again)
            if not len(rows):
                break
            again[rows] = values.iloc[rows].str.lower().eq(name).to_numpy(dtype=bool,
                                                                           na_value=False)
        return pd.Series(again, index=self.frame.index)

    def _flag_long_cells(self, live: pd.Series) -> None:
        """Quarantine rows with a cell over :data:`~chronos.limits.MAX_CELL_CHARS`."""
        import pyarrow as pa
        import pyarrow.compute as pc

        from chronos.ingest.guards import clipped, too_long_message
        from chronos.limits import MAX_CELL_CHARS

        for column in self.frame.columns:
            values = self.frame[column]
            most = self._lengths.get(column)
            most = cell_lengths(values) if most is None else most
            if not len(values) or int(most.max()) <= MAX_CELL_CHARS:
                continue                       # bytes >= characters: nothing can be long
            chars = pd.Series(pc.fill_null(pc.utf8_length(pa.array(values.array)), 0)
                              .to_numpy(zero_copy_only=False), index=values.index)
            long = live & (chars > MAX_CELL_CHARS)
            if long.any():
                self._flag(long, "cell.too_long", column,
                           values[long].astype(object).map(clipped).reindex(values.index),
                           chars[long].map(too_long_message).reindex(values.index))

    def _flag_formulas(self, live: pd.Series) -> None:
        """Quarantine rows whose mapped cell is a formula without a saved result."""
        for column, rows in self.rows.formulas.items():
            if column not in self.mapping.columns:
                continue
            mask = pd.Series(False, index=self.frame.index)
            mask.iloc[rows] = True
            self._flag(live & mask, "cell.formula_not_calculated", column, self.frame[column],
                       "the cell holds a formula whose result was never saved (open the "
                       "workbook in Excel, save it, and read it again)")

    def _flag_extra_fields(self, live: pd.Series) -> None:
        for col in self.rows.extra:
            self._flag(live & self.frame[col].str.strip().ne(""), "row.extra_fields", col,
                       self.frame[col], "the row has more fields than the header "
                       "(a stray delimiter or an unquoted comma?)")

    def _flag(self, mask: pd.Series, code: str, column: str, values: pd.Series | str,
              message: str | pd.Series) -> None:
        """Record a problem on rows in ``mask`` that have none yet."""
        if not mask.any():       # usually: no need to look at the problems so far
            return
        mask = mask & self.problem["code"].isna()
        if not mask.any():
            return
        self.problem.loc[mask, "code"] = code
        self.problem.loc[mask, "column"] = column
        self.problem.loc[mask, "value"] = values[mask] if isinstance(values, pd.Series) else values
        self.problem.loc[mask, "message"] = message[mask] if isinstance(message, pd.Series) \
            else message

    def _quarantine_issues(self, mask: pd.Series) -> list[Issue]:
        rows = self.problem[mask]
        refs = self.rows.refs[mask]
        return [Issue(code=p.code, message=p.message, source_file=self.label,
                      source_ref=str(ref), column=str(p.column or ""),
                      value=str(p.value if p.value is not None else ""), severity="error")
                for p, ref in zip(rows.itertuples(index=False), refs)]

    def _reader_warnings(self) -> list[Issue]:
        return list(self.rows.issues)

    # ----------------------------------------------------------------- values

    def values(self, spec: Field | None, default: str = "") -> pd.Series:
        """The text of a value spec on every row ("" where empty)."""
        frame = self.frame
        if spec is None:
            return pd.Series(default, index=frame.index, dtype="string")
        if spec.column:
            return frame[spec.column]
        if spec.value is not None:
            return text_column(spec.value, frame.index)
        return render_template(spec.template, frame)

    def dates(self, column: str) -> pd.DataFrame:
        """The parsed dates of a column (cached): date, precision, uncertain, time,
        end_date, error, message, and ``empty``."""
        if column not in self._dates:
            from chronos.dates import parse_column

            values = self.frame[column]
            decided = self._order(column)
            dayfirst = self.dayfirst if decided is None else decided[0]
            parsed = parse_column(values, dayfirst=dayfirst, file=self.label, column=column)
            self.log.once(parsed.warnings if decided is None else decided[1], column)
            frame = parsed.frame.copy()
            frame["empty"] = values.eq("") | frame["error"].eq("date.empty").fillna(False)
            self._dates[column] = frame
        return self._dates[column]

    def _order(self, column: str) -> tuple | None:
        """The whole file's (dayfirst, warnings) for a date column of a file read in
        parts; None when this read decides (a whole file, or the order is set)."""
        if self.orders is None or self.dayfirst is not None:
            return None
        if column not in self.orders:  # every date column is decided up front
            raise RuntimeError(f"no whole-file day/month order for the column {column!r}")
        return self.orders[column]

    def cell_warnings(self, mask: pd.Series, code: str, column: str, message: str,
                      needs: int | None = None) -> None:
        """One warning per flagged cell, summarised after :data:`WARNING_CAP` (logged even
        when no cell is flagged: see :class:`WarningLog`). ``needs``: the ordinal of the
        ``events:`` entry without whose events the warnings are not given."""
        refs = self.rows.refs[mask]
        values = self.frame.loc[mask, column] if column in self.frame else refs
        issues = [Issue(code, message, self.label, str(ref), column, str(value))
                  for ref, value in zip(refs.iloc[:WARNING_CAP], values.iloc[:WARNING_CAP])]
        self.log.cells(issues, len(refs), code, column, message, needs)

    # ----------------------------------------------------------------- persons

    def _person_columns(self) -> pd.DataFrame:
        """The subject of every row: record key and person fields (strings, "" if empty)."""
        from chronos.ingest import mapped_people as people

        return people.person_columns(self)

    def _flag_nobody(self, live: pd.Series) -> None:
        """``person.missing`` for the rows naming nobody that an event would apply to:
        a row that every event's ``when:`` leaves out is skipped (``no_event``), not
        quarantined, whoever it names."""
        from chronos.ingest import mapped_people as people

        wanted = live.copy() if not self.mapping.events else pd.Series(False, index=live.index)
        for spec in self.mapping.events:
            types = self._typed[id(spec)] = self._types(spec)   # for _event_rows
            wanted |= live & _condition(spec, self.frame) & ~types[0].eq(IGNORE).fillna(False)
        people.flag_nobody(self, wanted)

    def _persons(self, persons: pd.DataFrame, data: pd.Series) -> pd.DataFrame:
        from chronos.ingest import mapped_people as people

        return people.person_records(self, persons, data)

    def _relationships(self, persons: pd.DataFrame, data: pd.Series) -> pd.DataFrame:
        from chronos.ingest import mapped_people as people

        return people.relationships(self, persons, data)

    # ----------------------------------------------------------------- events

    def _event_rows(self, spec: EventSpec, ordinal: int, live: pd.Series) -> dict:
        """Which rows this event applies to, their types and dates; flags problems."""
        frame = self.frame
        applies = live & _condition(spec, frame)
        types, raw = self._typed.pop(id(spec), None) or self._types(spec)
        ignored = applies & types.eq(IGNORE).fillna(False)
        applies &= ~ignored
        if spec.date:
            self._check_date(spec, applies)
        if spec.end_date:
            self._check_end_date(spec, applies)
        if spec.type.column:
            self._check_type(spec, types, raw, applies)
        return {"spec": spec, "ordinal": ordinal, "applies": applies, "ignored": ignored,
                "types": types, "raw": raw}

    def _types(self, spec: EventSpec) -> tuple[pd.Series, pd.Series]:
        index = self.frame.index
        if spec.type.value:
            return text_column(spec.type.value, index), text_column("", index)
        raw = self.frame[spec.type.column]
        fallback = IGNORE if spec.type.unmapped == "ignore" else None
        types = map_values(raw, lambda v: event_type_for(v, spec.type) or fallback)
        return types, raw  # NA where the wording is unknown

    def _check_type(self, spec: EventSpec, types: pd.Series, raw: pd.Series,
                    applies: pd.Series) -> None:
        unknown = applies & types.isna()
        column = spec.type.column
        if spec.type.unmapped == "keywords":
            unknown = self._type_from_words(spec, types, raw, unknown)
        if spec.type.unmapped in ("other", "keywords"):
            types[unknown] = "other"
            said = "no known words in the text either" if spec.type.unmapped == "keywords" \
                else "unknown wording"
            self.cell_warnings(unknown, "event_type.other", column,
                               f"{said}: kept as event type 'other'")
            return
        if not unknown.any():
            return
        empty = unknown & raw.eq("")
        self._flag(empty, "event_type.missing", column, raw,
                   f"no event type: the column {column!r} is empty")
        unmapped = unknown & ~empty
        message = ("unknown event wording '" + raw[unmapped] + f"' in column {column!r}: "
                   "add it to the mapping's type map (or say unmapped: other)"
                   ).reindex(raw.index)  # made only on the rows it is for
        self._flag(unmapped, "event_type.unmapped", column, raw, message)

    def _type_from_words(self, spec: EventSpec, types: pd.Series, raw: pd.Series,
                         unknown: pd.Series) -> pd.Series:
        """``unmapped: keywords``: the rows whose wording is unknown typed by the keyword
        classifier over the wording, the summary and the outcome; the rows still unknown."""
        from chronos.ingest.keywords import classify

        if not unknown.any():
            return unknown
        text = raw[unknown]
        for extra in (spec.summary, spec.outcome):
            if extra is not None:
                text = text + " . " + self.values(extra)[unknown]
        found = map_values(text, lambda t: classify(t, default="") or None)
        typed = found.notna()
        types[typed[typed].index] = found[typed]
        return unknown & ~types.notna()

    def _check_date(self, spec: EventSpec, applies: pd.Series) -> None:
        col = spec.date
        parsed = self.dates(col)
        values = self.frame[col]
        if spec.undated != "keep":
            self._flag(applies & parsed["empty"], "date.missing", col, values,
                       f"no date in column {col!r}")
        bad = applies & ~parsed["empty"] & parsed["error"].notna()
        for code in sorted(set(parsed.loc[bad, "error"])):
            mask = bad & parsed["error"].eq(code)
            self._flag(mask, code, col, values,
                       parsed["message"].fillna("cannot read this date").astype("string"))
        future = applies & parsed["date"].fillna("").astype("string").gt(self.as_of)
        if self.future_policy == "warn":
            self.cell_warnings(future, "date.future", col,
                               f"the date is after the as-of date {self.as_of}: kept "
                               "(future_dates: warn)")
            return
        self._flag(future, "date.future", col, values,
                   f"the date is after the case's as-of date {self.as_of}")

    def _check_end_date(self, spec: EventSpec, applies: pd.Series) -> None:
        col = spec.end_date
        parsed = self.dates(col)
        bad = applies & ~parsed["empty"] & parsed["error"].notna()
        for code in sorted(set(parsed.loc[bad, "error"])):
            mask = bad & parsed["error"].eq(code)
            self._flag(mask, code, col, self.frame[col],
                       parsed["message"].fillna("cannot read this date").astype("string"))

    def _events(self, specs: list[dict], data: pd.Series, persons: pd.DataFrame) -> pd.DataFrame:
        from chronos.ingest import mapped_events as events

        return events.build_events(self, specs, data, persons)


def _condition(spec: EventSpec, frame: pd.DataFrame) -> pd.Series:
    """Rows where every condition of the event's ``when`` holds (all rows if none)."""
    holds = pd.Series(True, index=frame.index)
    for when in spec.when:
        holds &= _holds(when, frame)
    return holds


def _holds(when, frame: pd.DataFrame) -> pd.Series:
    values = frame[when.column]
    if when.not_empty is not None:
        return values.ne("") if when.not_empty else values.eq("")
    if when.empty is not None:
        return values.eq("") if when.empty else values.ne("")
    words = map_values(values, normalise_wording)
    if when.equals is not None:
        return words.eq(when.equals)
    if when.among is not None:
        return words.isin(when.among)
    return ~words.isin(when.not_among)


def render_template(template: str, frame: pd.DataFrame) -> pd.Series:
    """A template like ``"{Clinic} appointment: {Outcome}"`` over every row: rendered
    once per distinct combination of its columns when those are few, else in Arrow."""
    parts = re.split(r"\{([^{}]+)\}", template)
    if len(parts) == 1:
        return text_column(template, frame.index).str.strip(" :;,-")
    distinct = _distinct_rows([frame[c] for c in parts[1::2]])
    if distinct is None:
        return _render_in_arrow(parts, frame)
    codes, combos = distinct
    rendered = ["".join(p if i % 2 == 0 else combo[i // 2] for i, p in enumerate(parts))
                .strip(" :;,-") for combo in combos]
    return string_series(pa_text(rendered).take(codes)).set_axis(frame.index)


def _render_in_arrow(parts: list[str], frame: pd.DataFrame) -> pd.Series:
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.large_string()
    pieces = [arrow_text(frame[part]) if i % 2 else pa.scalar(part, text)
              for i, part in enumerate(parts)]
    joined = pc.binary_join_element_wise(*pieces, pa.scalar("", text))
    return string_series(pc.utf8_trim(joined, " :;,-")).set_axis(frame.index)


def _distinct_rows(columns: list[pd.Series], most: float = 0.125):
    """(the combination number of each row, the distinct value tuples) of text columns;
    None when they have missing values or more distinct combinations than ``most`` of
    the rows. The combinations are numbered by their dictionary codes (numpy, no
    hashing) while those fit in a small table, else in order of first appearance."""
    import numpy as np

    code = np.zeros(len(columns[0]), dtype=np.int64)
    encoded, space, most = [], 1, max(16, most * len(code))
    for column in columns:
        text = arrow_text(column)
        text = text.combine_chunks() if hasattr(text, "combine_chunks") else text
        if text.null_count:
            return None
        encoded.append(text.dictionary_encode())
        indices = encoded[-1].indices.to_numpy().astype(np.int64)
        size = len(encoded[-1].dictionary)
        if space * size <= max(1 << 16, len(code)):  # numbered through a table
            code, space = code * size + indices, space * size
            continue
        if space > 1:
            code = _renumbered(code, space)
        code = pd.factorize(code * size + indices)[0]
        space = int(code.max(initial=-1)) + 1
        if space > most:
            return None
    code = _renumbered(code, space)
    if code.max(initial=-1) + 1 > most:
        return None
    firsts = np.flatnonzero(~pd.Series(code).duplicated().to_numpy())
    firsts = firsts[np.argsort(code[firsts], kind="stable")]   # the row of each number
    values = [e.dictionary.take(e.indices.take(firsts)).to_pylist() for e in encoded]
    return code, list(zip(*values))


def _renumbered(code, space: int):
    """Codes below ``space`` renumbered 0..n-1 over the values that occur (in order)."""
    import numpy as np

    present = np.bincount(code, minlength=space) > 0
    numbers = np.cumsum(present) - 1
    return numbers[code]


#: The first three letters of the totals words, lower case (for :func:`_near_totals_word`).
_TOTALS_LETTERS = [{ord(w[i]) for w in TOTALS_START} for i in range(3)]


def _may_need_strip(text) -> bool:
    """Whether some cell of an Arrow string column might start or end with white space
    (its first or last byte a space, a control or non-ASCII; numpy over the buffers)."""
    for chunk in _chunks(text):
        start, size, data = _cells(chunk)
        filled = size > 0
        if not filled.any():
            continue
        first = data[start[filled]]
        last = data[start[filled] + size[filled] - 1]
        if ((first <= 32) | (first >= 0x80) | (last <= 32) | (last >= 0x80)).any():
            return True
    return False


def _chunks(text) -> list:
    import pyarrow as pa

    return text.chunks if isinstance(text, pa.ChunkedArray) else [text]


def _cells(chunk):
    """(start, size) of each cell of an Arrow string array in its data buffer, and the
    buffer as numpy bytes (one zero byte when it is empty)."""
    import numpy as np
    import pyarrow as pa

    offsets_type = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    _, offsets, data = chunk.buffers()
    offsets = np.frombuffer(offsets, dtype=offsets_type)[chunk.offset:
                                                          chunk.offset + len(chunk) + 1]
    data = np.frombuffer(data, dtype=np.uint8) if data is not None and data.size else \
        np.zeros(1, dtype=np.uint8)
    return offsets[:-1].astype(np.int64), np.diff(offsets).astype(np.int64), data


def _letter_table(i: int):
    """A lookup of 256 booleans: the byte is letter ``i`` of a totals word (lower case)."""
    import numpy as np

    table = np.zeros(256, dtype=bool)
    table[list(_TOTALS_LETTERS[i])] = True
    return table


def _near_totals_word(frame: pd.DataFrame):
    """Rows with a cell that might start with a totals word (numpy booleans): a superset,
    found from each cell's first three bytes (numpy over the Arrow buffers: letters of a
    totals word in either case, or a first byte that is a space, a control or non-ASCII);
    the exact tests run on those rows only."""
    import numpy as np

    near = np.zeros(len(frame), dtype=bool)
    for column in frame.columns:
        near |= _starts_like_totals(arrow_text(frame[column]))
    return near


def _starts_like_totals(text):
    """:func:`_near_totals_word` for one Arrow string column."""
    import numpy as np

    out = []
    for chunk in _chunks(text):
        start, size, data = _cells(chunk)
        first = data[np.minimum(start, len(data) - 1)]
        spaced = (size > 0) & ((first <= 32) | (first >= 0x80))
        near = _letter_table(0)[first | 0x20] & (size >= 3)
        for i in (1, 2):
            rows = np.flatnonzero(near)
            byte = data[start[rows] + i]
            near[rows] = _letter_table(i)[byte | 0x20] | (byte >= 0x80)
        out.append(near | spaced)
    return np.concatenate(out) if out else np.zeros(0, dtype=bool)


def _first_cell_totals(frame: pd.DataFrame, lengths: dict):
    """Rows whose first filled cell (among the first three) is a totals label."""
    import numpy as np
    import pyarrow.compute as pc

    first = pc.utf8_ltrim_whitespace(pc.utf8_lower(_first_filled(frame, lengths, 3)))
    maybe = np.zeros(len(first), dtype=bool)
    for word in TOTALS_START:
        maybe |= pc.fill_null(pc.starts_with(first, word), False).to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(maybe)
    maybe[rows] = [bool(TOTALS.match(v)) for v in first.take(rows).to_pylist()]
    return maybe


def _labelled_numbers(every: pd.DataFrame, lengths: dict):
    """Rows holding a short totals label in some cell and only numbers elsewhere
    (the cells are looked at only on rows where some cell starts with a totals word)."""
    import numpy as np
    import pyarrow.compute as pc

    maybe = np.zeros(len(every), dtype=bool)
    for column in every.columns:
        text = pc.utf8_ltrim_whitespace(pc.utf8_lower(arrow_text(every[column])))
        for word in TOTALS_START:
            maybe |= pc.fill_null(pc.starts_with(text, word), False).to_numpy(
                zero_copy_only=False)
    found = np.zeros(len(every), dtype=bool)
    if not maybe.any():
        return found
    frame = every[maybe]
    lengths = {c: lengths[c][maybe] for c in every.columns}
    label = pd.Series(False, index=frame.index)
    other = pd.Series(True, index=frame.index)
    for column in frame.columns:
        filled = pd.Series(lengths[column] > 0, index=frame.index)
        if not filled.any():
            continue
        text = frame[column].str.strip().str.lower()
        is_label = filled & (text.str.len() <= 40).fillna(False) & \
            text.str.match(TOTALS.pattern).fillna(False)
        number = text.str.fullmatch(NUMBER).fillna(False)
        label |= is_label
        other &= ~filled | is_label | number
    found[maybe] = (label & other).to_numpy(dtype=bool)
    return found


def _first_filled(frame: pd.DataFrame, lengths: dict, width: int):
    """The first non-empty cell among the first ``width`` columns of each row (Arrow)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    out = pa.repeat(pa.scalar("", pa.large_string()), len(frame))
    for col in frame.columns[:width]:
        take = pc.and_(pc.equal(out, ""), pa.array(lengths[col] > 0))
        out = pc.if_else(take, arrow_text(frame[col]), out)
    return out


def source_as_of(source: Source) -> str:
    """The as-of date of a source read (its ``as_of`` option, else today)."""
    return _iso(source.options.get("as_of")) or dt.date.today().isoformat()


class WarningLog:
    """A read's warnings, kept by the place in the code that gave them, in the order the
    read reaches those places. Each place logs every time, with or without warnings, so
    that the logs of blocks of one file read apart line up place by place and
    :meth:`absorb` gives the log of the whole file (per-cell warnings capped at
    :data:`WARNING_CAP` over the whole file, whole-file warnings kept once)."""

    def __init__(self):
        self.entries: list[dict] = []

    def cells(self, issues: list[Issue], total: int, code: str, column: str, message: str,
              needs: int | None = None) -> None:
        """Per-cell warnings: the first of them, and how many cells there were."""
        self.entries.append({"key": ("cells", code, column), "issues": list(issues),
                             "total": total, "message": message, "needs": needs})

    def once(self, issues: list[Issue], column: str) -> None:
        """Warnings about a whole column (the same in every block of a file)."""
        self.entries.append({"key": ("once", "", column), "issues": list(issues),
                             "total": len(issues), "message": "", "needs": None})

    def absorb(self, later: "WarningLog") -> None:
        """Add the log of the next block of the same file."""
        if [e["key"] for e in later.entries] != [e["key"] for e in self.entries]:
            raise RuntimeError("the warning logs of the blocks of one file do not line up")
        for mine, theirs in zip(self.entries, later.entries):
            if mine["key"][0] == "cells":
                room = max(0, WARNING_CAP - len(mine["issues"]))
                mine["issues"] += theirs["issues"][:room]
                mine["total"] += theirs["total"]

    def issues(self, made: set[int], label: str) -> list[Issue]:
        """The warnings, summarised past the cap; a place that ``needs`` an events:
        entry counts only when that entry made events (``made``: their ordinals)."""
        out: list[Issue] = []
        for entry in self.entries:
            if entry["needs"] is not None and entry["needs"] not in made:
                continue
            out += entry["issues"]
            kind, code, column = entry["key"]
            if kind == "cells" and entry["total"] > WARNING_CAP:
                out.append(Issue(code, f"{entry['total'] - WARNING_CAP} more rows: "
                                       f"{entry['message']}", label, "", column))
        return out


def _iso(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()[:10]
    return str(value)[:10]


def _set_info(result: SourceResult, info: dict) -> None:
    if hasattr(result, "info"):
        result.info.update(info)
    else:  # an older base without the info field
        result.__dict__["info"] = info


__all__ = ["read_mapped", "resolve_mapping", "EXCEL_EXTENSIONS", "model"]
