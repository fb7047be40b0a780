"""Events for the mapped ingester (see :mod:`chronos.ingest.mapped`): one frame per
``events:`` entry over the rows it applies to, stacked and ordered by row then entry."""

from __future__ import annotations

import hashlib
import re
import threading

import pandas as pd

from chronos import model
from chronos.ingest.mapped_people import join_parts, related_keys
from chronos.ingest.tabular import (arrow_text, map_values, pick, string_series,
                                    text_column)

_TIME = re.compile(r"^(\d{1,2})[:.]?(\d{2})(?::(\d{2}))?\s*([ap]\.?m\.?)?$", re.I)


def build_events(ing, specs: list[dict], data: pd.Series, persons: pd.DataFrame) -> pd.DataFrame:
    """The events of every data row, in the contract of :data:`chronos.model.EVENTS`."""
    parts = [_spec_events(ing, s, data, persons) for s in specs]
    parts = [p for p in parts if len(p)]
    if not parts:
        return model.empty("events")
    if len(parts) == 1:  # one events: entry: already in row order
        frame = parts[0].reset_index(drop=True)
    else:
        frame = pd.concat(parts, ignore_index=True)
        frame = frame.sort_values(["_row", "_ordinal"], kind="mergesort", ignore_index=True)
    first = frame["_first_ref"] if "_first_ref" in frame else frame["source_ref"]
    frame["event_id"] = event_ids(ing.label, first.fillna(frame["source_ref"]),
                                  frame["event_type"], frame["date"], frame["_ordinal"]).array
    return _typed(frame.drop(columns=[c for c in ("_row", "_ordinal", "_first_ref")
                                      if c in frame]))


def _spec_events(ing, s: dict, data: pd.Series, persons: pd.DataFrame) -> pd.DataFrame:
    spec = s["spec"]
    mask = data & s["applies"]
    # read (and warned about) before knowing whether this block makes events: the
    # warning log of every block lists the same places (mapped.WarningLog)
    times = _times(ing, spec.time, s["ordinal"]) if spec.time else None
    numbers = _numbers(ing, spec.value, mask)
    roles = _roles(ing, spec, mask, s["ordinal"])
    if not mask.any():
        if spec.occurrence:
            _log_two_roles(ing, [], s["ordinal"])
        return pd.DataFrame()
    types = pick(s["types"], mask).astype("string")
    vocab = model.vocabulary()
    out = pd.DataFrame(index=types.index)
    out["_row"] = out.index
    out["_ordinal"] = s["ordinal"]
    _dates(ing, spec, out, mask, times)
    out["person_ids"], out["person_roles"] = _person_ids(ing, persons, mask, roles)
    out["agency"] = pick(_agency(ing, spec), mask)
    org = spec.source_org or ing.mapping.source_org
    out["source_org"] = pick(ing.values(org), mask)
    out["event_type"] = types
    out["categories"] = map_values(types, vocab.categories_for)
    out["summary"] = _summary(ing, spec, s, mask, types)
    out["outcome"] = pick(ing.values(spec.outcome), mask)
    if spec.author:
        out["author"] = pick(ing.values(spec.author), mask)
    out["value"] = numbers
    out["details"] = _details(ing, spec, mask)
    out["source_format"] = text_column("mapped", out.index)  # Arrow, not a repeated scalar
    out["source_file"] = text_column(ing.label, out.index)
    out["source_ref"] = pick(ing.rows.refs, mask)
    if spec.occurrence:
        out = _one_event_per_occurrence(ing, spec, out, mask, s["ordinal"])
    return out


def _dates(ing, spec, out: pd.DataFrame, mask: pd.Series, times: pd.Series | None) -> None:
    if spec.date:
        parsed = pick(ing.dates(spec.date), mask)
        out["date"] = parsed["date"]
        out["date_precision"] = parsed["precision"].where(parsed["date"].notna(), "unknown")
        out["date_uncertain"] = parsed["uncertain"].fillna(False)
        out["time"] = parsed["time"]
        out["end_date"] = parsed["end_date"]
    else:
        for name, value in (("date", pd.NA), ("date_precision", "unknown"),
                            ("date_uncertain", False), ("time", pd.NA), ("end_date", pd.NA)):
            out[name] = value
    if spec.time:
        times = pick(times, mask)
        out["time"] = times.where(times.ne(""), out["time"])
    if spec.end_date:
        out["end_date"] = pick(ing.dates(spec.end_date), mask)["date"]


def _times(ing, column: str, ordinal: int) -> pd.Series:
    """The times of a column (warned about on every row that has one it cannot read,
    when the ``events:`` entry ``ordinal`` makes any event)."""
    values = ing.frame[column]
    times = map_values(values, lambda v: parse_time(v) or "")
    bad = values.ne("") & times.eq("")
    ing.cell_warnings(bad, "time.unparseable", column, "cannot read this time; left empty",
                      needs=ordinal)
    return times


def parse_time(text: str) -> str | None:
    """``HH:MM`` (or ``HH:MM:SS``) from ``14:05``, ``1405``, ``2.05pm``, ``14:05:30``,
    or a date-time's time part; None when it is not a time."""
    text = str(text).strip()
    if " " in text and re.match(r"^\d{4}-\d{2}-\d{2}", text):
        text = text.split(" ", 1)[1]
    match = _TIME.match(text)
    if not match:
        return None
    hour, minute, second, half = match.groups()
    hour, minute = int(hour), int(minute)
    if half:
        if hour > 12 or hour == 0:
            return None
        hour = hour % 12 + (12 if half.lower().startswith("p") else 0)
    if hour > 23 or minute > 59 or (second and int(second) > 59):
        return None
    return f"{hour:02d}:{minute:02d}" + (f":{second}" if second and second != "00" else "")


def _person_ids(ing, persons: pd.DataFrame, mask: pd.Series,
                roles: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Each event's person keys and their roles (``key=role``): the row's subject with
    the ``role:`` of the row, and the people of ``related:`` columns with ``in_events``
    (a parent as ``carer``, anyone else as ``other``)."""
    ids = pick(persons["record_key"], mask)
    pairs = (ids + "=" + pick(roles, mask)).where(ids.ne(""), "")
    for spec in ing.mapping.related:
        if spec.in_events:
            others = pick(related_keys(ing, spec), mask)
            role = "carer" if spec.kind == "parent" else "other"
            other_pairs = map_values(others, lambda v: ";".join(
                f"{k}={role}" for k in v.split(";") if k))
            sep = text_column(";", ids.index).where(ids.ne("") & others.ne(""), "")
            ids = ids + sep + others
            pairs = pairs + sep + other_pairs
    return ids, pairs


def _roles(ing, spec, mask: pd.Series, ordinal: int) -> pd.Series:
    """The role of each row's subject in the event: the mapping's ``role:`` (a wording
    through its ``map``, then the roles vocabulary); ``subject`` when none is given; an
    unknown wording is kept as ``other`` with a warning naming file, row and column."""
    index = ing.frame.index
    if spec.role is None:
        return text_column(model.DEFAULT_ROLE, index)
    if spec.role.value:
        return text_column(spec.role.value, index)
    from chronos.ingest.mapping import normalise_wording

    vocab = model.roles()
    raw = ing.frame[spec.role.column]
    table = spec.role.map
    found = map_values(raw, lambda v: table.get(normalise_wording(v)) or vocab.role_for(v)
                       or ("" if v == "" else None))
    unknown = mask & found.isna()
    ing.cell_warnings(unknown, "role.unknown", spec.role.column,
                      "a role chronos does not know: kept as 'other' (add it to the "
                      "mapping's role map)", needs=ordinal)
    return found.fillna("other").replace("", model.DEFAULT_ROLE).astype("string")


def _one_event_per_occurrence(ing, spec, out: pd.DataFrame, mask: pd.Series,
                              ordinal: int) -> pd.DataFrame:
    """Rows that share the ``occurrence:`` columns, the event type, the date and the time
    are one event: the first row's facts, everyone the rows name (each once, with all
    their roles) and every row as its ``source_ref`` (``;``-joined)."""
    keys = [pick(ing.frame[c], mask) for c in spec.occurrence]
    filled = pd.concat([k.ne("") for k in keys], axis=1).any(axis=1)
    parts = keys + [out["event_type"].fillna(""), out["date"].fillna("").astype("string"),
                    out["time"].fillna("").astype("string")]
    key = parts[0].astype("string")
    for part in parts[1:]:
        key = key + "\x1f" + part.astype("string")
    key = key.where(filled, "\x1e" + out["source_ref"].astype("string"))
    if not key.duplicated().any():
        _log_two_roles(ing, [], ordinal)
        return out
    groups = out.groupby(key.to_numpy(), sort=False)
    firsts = groups.head(1).copy()
    ids, pairs, refs, two = [], [], [], []
    for _, rows in groups:
        people: dict[str, list[str]] = {}
        for text in rows["person_roles"]:
            for person, roles in model.parse_roles(
                    ";".join(p.split("=")[0] for p in text.split(";") if p), text).items():
                people.setdefault(person, []).extend(roles)
        ids.append(";".join(people))
        pairs.append(model.format_roles(people))
        refs.append(";".join(dict.fromkeys(rows["source_ref"])))
        if any(len(set(r)) > 1 for r in people.values()):
            two.append((rows["source_ref"].iloc[0], refs[-1], [
                p for p, r in people.items() if len(set(r)) > 1]))
    firsts["_first_ref"] = firsts["source_ref"]
    firsts["person_ids"], firsts["person_roles"], firsts["source_ref"] = ids, pairs, refs
    _log_two_roles(ing, two, ordinal)
    return firsts


def _log_two_roles(ing, found: list, ordinal: int) -> None:
    """A warning for each occurrence that gives one person two roles (kept as both)."""
    from chronos.errors import Issue

    column = ""
    issues = [Issue("role.two_roles", f"{', '.join(people)} named with two roles in one "
                    f"occurrence (rows {refs}): both kept", ing.label, str(first), column,
                    ", ".join(people)) for first, refs, people in found]
    ing.log.cells(issues, len(issues), "role.two_roles", column,
                  "a person named with two roles in one occurrence", needs=ordinal)


def _agency(ing, spec) -> pd.Series:
    """Event agency: the event's own, a mapped column, the manifest's, the mapping's."""
    top = ing.mapping.agency
    if spec.agency is not None:
        return ing.values(spec.agency)
    if top is not None and top.value is None:
        return ing.values(top)
    if ing.source.agency:
        return ing.values(None, ing.source.agency)
    return ing.values(top, ing.source.name)


def _summary(ing, spec, s: dict, mask: pd.Series, types: pd.Series) -> pd.Series:
    """The mapped summary, or the event label with the agency's wording in brackets."""
    if spec.summary is not None:
        return pick(ing.values(spec.summary), mask)
    vocab = model.vocabulary()
    labels = map_values(types, vocab.label)
    raw = pick(s["raw"], mask)
    same = raw.str.lower() == labels.str.lower()
    return labels.where(raw.eq("") | same, labels + " (" + raw + ")")


def _numbers(ing, column: str | None, mask: pd.Series) -> pd.Series:
    if not column:
        return pd.Series(pd.NA, index=mask[mask].index, dtype="Float64")
    values = ing.frame[column]
    cleaned = values.str.replace("%", "", regex=False).str.replace(",", "", regex=False)
    numbers = pd.to_numeric(cleaned, errors="coerce").astype("Float64")
    bad = mask & values.ne("") & numbers.isna()
    ing.cell_warnings(bad, "value.not_numeric", column, "not a number; value left empty")
    return pick(numbers, mask)


def _details(ing, spec, mask: pd.Series) -> pd.Series:
    out = text_column("", ing.frame.index)
    for key, column in spec.details:
        out = join_parts(out, key, ing.frame[column])
    return pick(out, mask)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Cast to the contract's dtypes column by column (no per-cell Python)."""
    out = {}
    for name, dtype in model.EVENTS.items():
        if name not in frame:
            out[name] = _missing(dtype, frame.index)
            continue
        column = frame[name]
        out[name] = _text_or_null(column) if dtype == model.STR else column.astype(dtype)
    return pd.DataFrame(out).reset_index(drop=True)


def _missing(dtype: str, index: pd.Index) -> pd.Series:
    """A column of missing values (text ones made in Arrow)."""
    if dtype != model.STR:
        return pd.Series(pd.NA, index=index, dtype=dtype)
    import pyarrow as pa

    return string_series(pa.nulls(len(index), pa.large_string())).set_axis(index)


def _text_or_null(column: pd.Series) -> pd.Series:
    """A ``string`` column with empty text as missing (in Arrow, one pass)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = arrow_text(column)
    empty = pc.equal(text, pa.scalar("", text.type))
    if pc.any(empty).as_py():
        text = pc.if_else(empty, pa.scalar(None, text.type), text)
    return string_series(text).set_axis(column.index)


#: From this many events on, ids are hashed in DuckDB (same SHA-1, several times faster).
BULK_IDS = 50_000


def event_ids(source_file: str, refs, types, dates, ordinals) -> pd.Series:
    """:func:`chronos.model.make_event_id` for many events at once (the same ids), as a
    ``string`` Series (positions as in the inputs). A missing date counts as ""."""
    if len(refs) >= BULK_IDS:
        return _event_ids_duckdb(source_file, refs, types, dates, ordinals)
    sha1 = hashlib.sha1
    lists = [list(x) if not hasattr(x, "tolist") else x.tolist()
             for x in (refs, types, dates, ordinals)]
    lists[2] = ["" if d is None or d is pd.NA else d for d in lists[2]]
    ids = ["E" + sha1(f"{source_file}\x1f{r}\x1f{t}\x1f{d}\x1f{o}".encode()).hexdigest()[:12]
           for r, t, d, o in zip(*lists)]
    return pd.Series(ids, dtype="string")


def _event_ids_duckdb(source_file: str, refs, types, dates, ordinals) -> pd.Series:
    """The ids hashed in one DuckDB pass over Arrow columns (no per-row Python)."""
    import pyarrow as pa

    table = pa.table({"r": arrow_text(refs), "t": arrow_text(types), "d": arrow_text(dates),
                      "o": pa.array(pd.Series(ordinals).to_numpy())})
    from chronos.sql import literal

    # chronos.sql's stable_id (sha1 of the parts joined by chr(31)), written with one
    # concat(): one string built per row instead of one per ||, and concat() counts a
    # missing date (NULL) as "" as stable_id's COALESCE does; a number as its decimal text
    parts = ", chr(31), ".join([literal(source_file), "r", "t", "d", "o"])
    query = f"select concat('E', substr(sha1(concat({parts})), 1, 12)) as id from ids_in"
    with _hashing_database().cursor() as con:   # a cursor: its own connection, no new database
        con.register("ids_in", table)
        ids = con.sql(query).to_arrow_table().column("id")
        con.unregister("ids_in")
    return string_series(ids)


_DATABASE: dict = {}                 # process id -> the database of that process
_DATABASE_LOCK = threading.Lock()


def _hashing_database():
    """The in-memory DuckDB database event ids are hashed in, made once per process
    (making one costs more than hashing 10,000 ids; a forked process makes its own); two
    threads, each hashing its share of the rows of a big file (in order: DuckDB keeps
    the rows' order). Each use takes a cursor, which is safe in any thread."""
    import os

    import duckdb

    with _DATABASE_LOCK:
        if os.getpid() not in _DATABASE:
            _DATABASE.clear()
            database = duckdb.connect()
            database.execute("set threads = 2")
            _DATABASE[os.getpid()] = database
        return _DATABASE[os.getpid()]
