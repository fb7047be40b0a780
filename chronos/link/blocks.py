"""Bounded blocking: no block of candidate pairs grows with the square of its size.

A blocking rule (``l.dob = r.dob and l.family_first = r.family_first``) compares every
two records that agree on its keys: a block of n records is n(n-1)/2 pairs. Exact
duplicates are collapsed before this (:mod:`chronos.link.units`); what is left can still
be large, for instance a placeholder date of birth that thousands of people share.

:func:`bound_blocks` measures every block of every rule before splink runs. A block of
more than ``max_block_size`` records is compared as a *sorted neighbourhood*: its
records are sorted by date of birth, family name, given name and postcode and each is
compared with its neighbours, in windows of ``window_size`` records overlapping by
half, so the pairs grow linearly with the block (windows narrow further, down to
:data:`MIN_WINDOW`, when that is what keeps the pairs under ``max_candidate_pairs``). A warning names the rule, the sources
and the count. When the candidate pairs of all rules together would still exceed
``max_candidate_pairs``, :class:`LinkLimitError` names the rule and the files.

The rules of blocks that are all small are handed to splink unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chronos.errors import ChronosError

#: Window columns start with this (never a prepared column's name).
PREFIX = "_window"
#: The order of records inside a windowed block: similar records side by side.
SORT_COLUMNS = ("dob", "family", "given", "postcode", "record_key")


class LinkLimitError(ChronosError):
    """Linking would compare more pairs of records than the configured limit."""

    exit_code = 3


@dataclass
class Oversized:
    """A block of one blocking rule compared as a sorted neighbourhood."""

    rule: str
    key: str            # the block's key values, ' | '-joined
    records: int
    sources: dict[str, int]   # source (record key prefix) -> records in the block


@dataclass
class Blocking:
    """Rules for splink and the window columns they need (added to the scored frame)."""

    rules: list[str]
    columns: object = None                   # DataFrame: window columns, aligned, or None
    oversized: list[Oversized] = field(default_factory=list)
    estimated_pairs: int = 0
    window: int = 0                          # records per window
    limit: int = 0                           # blocks above this many records are windowed


@dataclass
class _Rule:
    sql: str
    left: list[str]      # key expressions on the l side, unqualified
    right: list[str]
    residual: bool = False   # conditions beyond the keys ("l.name_key is null or ...")

    @property
    def symmetric(self) -> bool:
        return self.left == self.right


def parse_rule(sql: str) -> _Rule:
    """The equality keys of a blocking rule (its top-level ``l.x = r.y`` conditions)."""
    import sqlglot
    from sqlglot import exp

    condition = sqlglot.condition(sql, dialect="duckdb")
    parts = condition.flatten() if isinstance(condition, exp.And) else [condition]
    left, right, residual = [], [], False
    for part in parts:
        sides = ({_side(part.left): part.left, _side(part.right): part.right}
                 if isinstance(part, exp.EQ) else {})
        if set(sides) == {"l", "r"}:
            left.append(_unqualified(sides["l"]))
            right.append(_unqualified(sides["r"]))
        else:
            residual = True
    return _Rule(sql, left, right, residual)


def _side(node) -> str | None:
    from sqlglot import exp

    tables = {c.table for c in node.find_all(exp.Column)}
    return tables.pop() if len(tables) == 1 else None


def _unqualified(node) -> str:
    from sqlglot import exp

    node = node.copy()
    for column in node.find_all(exp.Column):
        column.set("table", None)
    return node.sql(dialect="duckdb")


def bound_blocks(frame, rules, max_block_size: int, max_pairs: int,
                 files: dict[str, str] | None = None, window_size: int | None = None
                 ) -> Blocking:
    """Measure the blocks of ``rules`` on ``frame`` (prepared records) and window the
    oversized ones (see module docstring). ``files``: source -> file, for messages;
    ``window_size``: records per window (default ``max_block_size``)."""
    import duckdb

    n, size = len(frame), max(int(max_block_size), 2)
    most = len(rules) * n * n    # no block can be oversized, nor the rules over the limit
    if n < 2 or (n * n <= size * (size - 1) // 2 and most <= max_pairs):
        return Blocking(list(rules), estimated_pairs=most, window=size, limit=size)
    con = duckdb.connect()
    try:
        used = frame[list(dict.fromkeys(["record_key", *SORT_COLUMNS, *_used(frame, rules)]))]
        con.register("frame", used.reset_index(drop=True))
        # converted once; _row: the record's row in frame, _order: its place in the
        # sorted-neighbourhood order (the same for every rule, so sorted once)
        order = ", ".join(f"{c} NULLS LAST" for c in SORT_COLUMNS)
        con.execute("CREATE TEMP TABLE f AS SELECT *, row_number() OVER (ORDER BY "
                    f"{order}) AS _order FROM (SELECT *, row_number() OVER () - 1 AS _row "
                    "FROM frame)")
        con.unregister("frame")
        window = min(size, max(int(window_size or size), MIN_WINDOW))
        return _bound(con, frame, [parse_rule(r) for r in rules], size, window,
                      int(max_pairs), files or {})
    finally:
        con.close()


def _used(frame, rules) -> list[str]:
    """Frame columns the rules name (DuckDB needs only those)."""
    import re

    names = set(re.findall(r"\b[lr]\.(\w+)", " ".join(rules)))
    return [c for c in frame.columns if c in names]


def _bound(con, frame, rules: list[_Rule], size: int, window: int, max_pairs: int,
           files) -> Blocking:
    measured = [(i, rule, *_measure(con, rule, size)) for i, rule in enumerate(rules)]
    if sum(m[2] for m in measured) > max_pairs:
        # counted by their keys alone, rules with further conditions are over-counted
        # ("born the same day, one of the two with no name": every pair born that day);
        # counted again with the whole rule before the limit is applied
        measured = [(i, rule, *_measure(con, rule, size, exact=True)) if rule.residual
                    else (i, rule, pairs, big) for i, rule, pairs, big in measured]
    small = {rule.sql: pairs - int(big["pairs"].sum()) for _, rule, pairs, big in measured}
    windowed = sum(int(big["n"].sum()) for *_, big in measured)
    window = _window(window, max_pairs - sum(small.values()), windowed)
    per_rule = {rule.sql: small[rule.sql] + int(big["n"].sum()) * (window - 1)
                for _, rule, _, big in measured}
    out = Blocking([], window=window, limit=size, estimated_pairs=sum(per_rule.values()))
    if out.estimated_pairs > max_pairs:
        worst = max(measured, key=lambda m: per_rule[m[1].sql])
        i, rule, _, big = worst
        if not big.empty:   # the sources of its largest block, for the message
            out.oversized = _windows(con, rule, i, big.nlargest(1, "n"), window)[1]
        raise _limit_error(out, per_rule, max_pairs, files)
    windows = {}
    for i, rule, _, big in measured:
        if big.empty:
            out.rules.append(rule.sql)
            continue
        columns, oversized = _windows(con, rule, i, big, window)
        windows.update(columns)
        out.oversized.extend(oversized)
        out.rules.extend(_windowed_rules(rule, i))
    if windows:
        out.columns = _aligned(windows, len(frame))
    return out


#: The narrowest window: each record still meets its nearest neighbours on each side.
MIN_WINDOW = 10


def _window(size: int, room: int, windowed: int) -> int:
    """Records per window: ``size``, narrowed (not below :data:`MIN_WINDOW`) until the
    ``windowed`` records of oversized blocks fit in the ``room`` the pair limit leaves."""
    if windowed == 0 or windowed * (size - 1) <= room:
        return size
    return max(MIN_WINDOW, min(size, room // windowed + 1))


def _key_sql(exprs: list[str]) -> tuple[str, str]:
    """The select list and the not-null filter of a rule side's keys."""
    keys = ", ".join(f"{e} AS k{j}" for j, e in enumerate(exprs))
    nonnull = " AND ".join(f"({e}) IS NOT NULL" for e in exprs)
    return keys, nonnull


def _measure(con, rule: _Rule, size: int, exact: bool = False):
    """(candidate pairs of the rule, its blocks of more than ``size`` records). The pairs
    of a block are counted from its size, or with ``exact`` (blocks of at most ``size``
    records) by applying the whole rule to them, its conditions beyond the keys too."""
    import pandas as pd

    if not rule.left:          # no equality keys: every record against every other
        n = con.execute("SELECT count(*) FROM f").fetchall()[0][0]
        return n * (n - 1) // 2, pd.DataFrame(columns=["n", "pairs"])
    keys = ", ".join(f"k{j}" for j in range(len(rule.left)))
    lkeys, lnull = _key_sql(rule.left)
    if rule.symmetric:
        blocks = (f"SELECT {keys}, n AS nl, n AS nr, n * (n - 1) // 2 AS pairs, n FROM "
                  f"(SELECT {lkeys}, count(*) AS n FROM f WHERE {lnull} GROUP BY ALL)")
    else:
        rkeys, rnull = _key_sql(rule.right)
        blocks = (f"SELECT {keys}, nl, nr, nl * nr AS pairs, nl + nr AS n FROM "
                  f"(SELECT {lkeys}, count(*) AS nl FROM f WHERE {lnull} GROUP BY ALL) "
                  f"JOIN (SELECT {rkeys}, count(*) AS nr FROM f WHERE {rnull} GROUP BY ALL) "
                  f"USING ({keys})")
    con.execute(f"CREATE OR REPLACE TEMP TABLE blocks AS {blocks}")
    most = size * (size - 1) // 2
    total = con.execute("SELECT coalesce(sum(pairs), 0) FROM blocks").fetchall()[0][0]
    big = con.sql(f"SELECT * FROM blocks WHERE pairs > {most}").df()
    if exact:
        total = int(big["pairs"].sum()) + _small_pairs(con, rule, keys, lkeys, lnull, most)
    return int(total), big


def _small_pairs(con, rule: _Rule, keys: str, lkeys: str, lnull: str, most: int) -> int:
    """Pairs the whole rule makes in the ``blocks`` of at most ``most`` pairs."""
    apart = "l._row < r._row" if rule.symmetric else "l._row <> r._row"
    return int(con.execute(f"""
        WITH small AS (SELECT {keys} FROM blocks WHERE pairs <= {most}),
             rows AS (SELECT _row FROM (SELECT _row, {lkeys} FROM f WHERE {lnull})
                      SEMI JOIN small USING ({keys}))
        SELECT count(*) FROM (SELECT * FROM f SEMI JOIN rows USING (_row)) AS l
        JOIN f AS r ON ({rule.sql}) AND {apart}""").fetchall()[0][0])


def _windows(con, rule: _Rule, i: int, big, size: int):
    """Window numbers of the records of ``rule``'s oversized blocks: two overlapping
    windowings (a and b), per side of the rule, as (rows of frame, window numbers)."""
    keys = [f"k{j}" for j in range(len(rule.left))]
    con.register("big", big[keys])
    sides = [("l", rule.left)] if rule.symmetric else [("l", rule.left), ("r", rule.right)]
    parts = []
    for side, exprs in sides:
        select, nonnull = _key_sql(exprs)
        parts.append(f"SELECT '{side}' AS side, _row, _order, record_key, {select} "
                     f"FROM f WHERE {nonnull}")
    listed = ", ".join(keys)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE ranked AS
        WITH s AS ({' UNION ALL '.join(parts)})
        SELECT side, _row, record_key, {listed},
               row_number() OVER (PARTITION BY {listed} ORDER BY _order, side) - 1 AS rank
        FROM s SEMI JOIN big USING ({listed})""")
    con.unregister("big")
    columns = {}
    for side, _ in sides:
        rows, rank = con.execute(
            f"SELECT _row, rank FROM ranked WHERE side = '{side}'").fetchnumpy().values()
        tag = "" if rule.symmetric else side
        columns[f"{PREFIX}{i}{tag}a"] = (rows, rank // size)
        columns[f"{PREFIX}{i}{tag}b"] = (rows, (rank + size // 2) // size)
    return columns, _describe(con, rule, keys)


def _describe(con, rule: _Rule, keys) -> list[Oversized]:
    """The oversized blocks of the ``ranked`` table: key, records, records per source."""
    listed = ", ".join(keys)
    rows = con.execute(f"""
        SELECT {listed}, split_part(record_key, ':', 1) AS source, count(*) AS n
        FROM (SELECT DISTINCT record_key, {listed} FROM ranked)
        GROUP BY ALL ORDER BY ALL
        """).fetchall()
    out: dict[tuple, Oversized] = {}
    for *values, source, n in rows:
        block = out.setdefault(tuple(values), Oversized(
            rule.sql, " | ".join(str(v) for v in values), 0, {}))
        block.records += int(n)
        block.sources[str(source)] = int(n)
    return list(out.values())


def _windowed_rules(rule: _Rule, i: int) -> list[str]:
    if rule.symmetric:
        return [f"({rule.sql}) AND l.{PREFIX}{i}{w} = r.{PREFIX}{i}{w}" for w in "ab"]
    return [f"({rule.sql}) AND l.{PREFIX}{i}l{w} = r.{PREFIX}{i}r{w}" for w in "ab"]


def add_stars(blocking: Blocking, frame, blocked_index, stars: dict[str, str]) -> Blocking:
    """``blocking`` for ``frame`` where the records of ``stars`` (record -> the record it
    alone is compared with) were left out of the blocks (``blocked_index``: the rows of
    ``frame`` that were measured): a column ``_solo`` unique to each such record keeps
    it out of every rule, and one more rule pairs it with its star's centre."""
    import numpy as np
    import pandas as pd

    keys = frame["record_key"].tolist()
    centre = [stars.get(k) for k in keys]
    member = np.array([c is not None for c in centre])
    columns = pd.DataFrame({"_solo": np.where(member, np.arange(1, len(keys) + 1), 0),
                            "_star": pd.array(centre, dtype=object)})
    if blocking.columns is not None:
        windows = blocking.columns.set_axis(blocked_index).reindex(frame.index, fill_value=-1)
        columns = pd.concat([columns, windows.reset_index(drop=True)], axis=1)
    rules = [f"({rule}) AND l._solo = r._solo" for rule in blocking.rules]
    blocking.rules = rules + ["l.record_key = r._star"]
    blocking.columns = columns
    blocking.estimated_pairs += int(member.sum())
    return blocking


def _aligned(windows: dict[str, tuple], n: int):
    """The window columns as a frame aligned with the scored frame (-1: not windowed)."""
    import numpy as np
    import pandas as pd

    data = {}
    for name, (rows, values) in windows.items():
        column = np.full(n, -1, dtype=np.int64)
        column[np.asarray(rows, dtype=np.int64)] = np.asarray(values, dtype=np.int64)
        data[name] = column
    return pd.DataFrame(data)


def _limit_error(out: Blocking, per_rule: dict[str, int], max_pairs: int,
                 files: dict[str, str]) -> LinkLimitError:
    """The error naming the rule with the most pairs and the files of its biggest block
    (all the files when it has none)."""
    rule = max(per_rule, key=per_rule.get)
    blocks = [o for o in out.oversized if o.rule == rule]
    sources = max(blocks, key=lambda o: o.records).sources if blocks else files
    named = ", ".join(sorted(files.get(s, s) for s in sources)) or None
    return LinkLimitError(
        f"linking would compare about {out.estimated_pairs:,} pairs of person records, "
        f"more than the limit of {max_pairs:,} (most from blocking rule {rule!r}: "
        f"{per_rule[rule]:,})", file=named,
        hint="narrower blocking rules, a smaller max_block_size or window_size, or a "
             "larger max_candidate_pairs under linking: in case.yaml (docs/linking.md)")


#: Oversized blocks reported one by one; the rest in one summary warning.
MAX_BLOCK_WARNINGS = 20


def block_warnings(blocking: Blocking | None, files: dict[str, str]) -> list:
    """One warning per windowed block (the first :data:`MAX_BLOCK_WARNINGS`, then a count),
    naming the rule, the sources and the number of records."""
    from chronos.errors import Issue

    if blocking is None or not blocking.oversized:
        return []
    issues = []
    for block in blocking.oversized[:MAX_BLOCK_WARNINGS]:
        main = max(block.sources, key=lambda s: (block.sources[s], s))
        where = ", ".join(f"{files.get(s, s)} ({n:,})" for s, n in block.sources.items())
        issues.append(Issue(
            "link.block_windowed",
            f"{block.records:,} person records share the keys of blocking rule "
            f"'{block.rule}' ({where}): compared each with its nearest "
            f"{blocking.window - 1} by date of birth and name, not with all of them",
            source_file=files.get(main, main), column="blocking_rules", value=block.key))
    rest = blocking.oversized[MAX_BLOCK_WARNINGS:]
    if rest:
        issues.append(Issue(
            "link.block_windowed",
            f"and {len(rest):,} more blocks of more than {blocking.limit} records "
            f"({sum(b.records for b in rest):,} records) compared the same way",
            column="blocking_rules"))
    return issues
