"""SQL dialects: each engine's own spelling of the constructs chronos's SQL needs.

chronos writes its SQL once. Most of it is the common subset of DuckDB and Spark SQL,
spelt as DuckDB spells it (joins, window frames, CASE, ``date_diff``, ``TRY_CAST``,
``UNNEST(string_split(...))``, ``regexp_extract``); :meth:`Dialect.translate` gives it in
another engine's dialect (sqlglot). What sqlglot cannot translate faithfully is a
*construct* of the dialect, a method returning that engine's own SQL:

* text aggregation: distinct values sorted and joined (:meth:`Dialect.agg_sorted_distinct`,
  :meth:`Dialect.agg_sorted_distinct_by`), values joined in the order of other columns
  (:meth:`Dialect.agg_in_order`), a sorted list of every value (:meth:`Dialect.agg_sorted_list`);
* lists: sort, distinct, join, length, map and filter with a lambda;
* explode: one row per part of a delimited text (:meth:`Dialect.explode_split`);
* ids: a stable id hashed from its parts (:meth:`Dialect.stable_id`, the same id as
  :func:`chronos.model.stable_id`);
* text: ``chr``, the text type.

A query that uses a construct is built for one dialect: its house-SQL parts translated
first (e.g. a rule's evidence query), the construct parts from the dialect. Every
construct gives the same values on every engine (``tests/sql/test_dialects.py`` runs them
on DuckDB and Spark); where an engine's default differs (Spark sorts NULL first, DuckDB
last; Spark joins an empty list into ``''``, DuckDB's ``string_agg`` gives NULL) the
construct spells out DuckDB's behaviour.
"""

from __future__ import annotations

from typing import Sequence


def literal(value: object) -> str:
    """A SQL string literal (the same in every dialect)."""
    return "'" + str(value).replace("'", "''") + "'"


def _is_literal(expr: str) -> bool:
    """True when ``expr`` is one string literal (never NULL)."""
    text = expr.strip()
    return len(text) >= 2 and text[0] == text[-1] == "'" and "'" not in text[1:-1].replace("''", "")


def date_literal(iso: str) -> str:
    """A SQL DATE literal (the same in every dialect)."""
    return f"CAST({literal(iso)} AS DATE)"


class Dialect:
    """The constructs every dialect provides (see the module docstring). Composite
    constructs are written here once, from each dialect's primitives."""

    #: the engine's name (``duckdb``, ``spark``)
    name = ""
    #: the dialect's name in sqlglot
    sqlglot = ""
    #: the SQL type of text
    text_type = "VARCHAR"

    def __repr__(self) -> str:
        return f"<{self.name} SQL dialect>"

    # ------------------------------------------------------------------ translation

    def translate(self, sql: str) -> str:
        """``sql``, written in the house dialect (DuckDB's spelling of the common subset),
        in this dialect. Raises when sqlglot cannot translate part of it."""
        import sqlglot
        from sqlglot.errors import ErrorLevel

        out = sqlglot.transpile(sql, read="duckdb", write=self.sqlglot,
                                unsupported_level=ErrorLevel.RAISE)
        return ";\n".join(out)

    # ------------------------------------------------------------------ text

    def chr(self, code: int) -> str:
        """The character with code point ``code``."""
        return f"chr({int(code)})"

    def text(self, expr: str) -> str:
        """``expr`` as text (a DATE as ``YYYY-MM-DD``)."""
        return f"CAST({expr} AS {self.text_type})"

    def ident(self, name: str) -> str:
        """``name`` as a quoted identifier (a column called ``date`` or ``end``)."""
        return '"' + name.replace('"', '""') + '"'

    def split_part(self, text: str, sep: str, n: int) -> str:
        """The ``n``-th (1-based) part of ``text`` split on the literal ``sep``."""
        return f"split_part({text}, {sep}, {int(n)})"

    # ------------------------------------------------------------------ lists

    def lam(self, var: str, body: str) -> str:
        """A one-argument lambda for the list functions."""
        raise NotImplementedError

    def list_sort(self, items: str) -> str:
        """The list sorted ascending (NULLs last)."""
        raise NotImplementedError

    def list_distinct(self, items: str) -> str:
        """The list without repeats or NULLs (order not kept)."""
        raise NotImplementedError

    def list_join(self, items: str, sep: str) -> str:
        """The list's values joined with ``sep`` (NULLs skipped; '' for an empty list)."""
        raise NotImplementedError

    def list_len(self, items: str) -> str:
        """How many values the list holds."""
        raise NotImplementedError

    def list_map(self, items: str, var: str, body: str) -> str:
        """The list with ``body`` (an expression of ``var``) applied to each value."""
        raise NotImplementedError

    def list_filter(self, items: str, var: str, cond: str) -> str:
        """The values of the list for which ``cond`` (an expression of ``var``) holds."""
        raise NotImplementedError

    # ------------------------------------------------------------------ aggregates

    def agg_list(self, expr: str) -> str:
        """Aggregate: every value of ``expr`` as a list (order undefined)."""
        raise NotImplementedError

    def agg_set(self, expr: str) -> str:
        """Aggregate: the distinct non-NULL values of ``expr`` as a list (order undefined)."""
        raise NotImplementedError

    def agg_sorted_list(self, expr: str) -> str:
        """Aggregate: every non-NULL value of ``expr`` as a sorted list (NULL when none).
        For text values that do not hold ``chr(3)``."""
        raise NotImplementedError

    def agg_sorted_distinct(self, expr: str, sep: str = "';'") -> str:
        """Aggregate: the distinct non-NULL values of ``expr`` sorted and joined with
        ``sep``; NULL when there are none."""
        raise NotImplementedError

    def agg_in_order(self, value: str, order: Sequence[str], sep: str = "';'") -> str:
        """Aggregate: the non-NULL values of ``value`` (repeats kept) joined with ``sep``
        in the order of the ``order`` expressions (ascending, NULLs last); NULL when none."""
        raise NotImplementedError

    def agg_sorted_distinct_by(self, value: str, key: str, sep: str = "';'") -> str:
        """Aggregate: the distinct non-NULL values of ``value`` sorted by ``key`` (an
        expression of the same row, e.g. ``lower(value)``), then by value, joined with
        ``sep``; NULL when there are none."""
        one = self.chr(1)
        pairs = self.list_sort(self.agg_set(f"{key} || {one} || {value}"))
        values = self.list_map(pairs, "x", self.split_part("x", one, 2))
        # not NULLIF(...): without an optimiser (a family's case) it would build the list twice
        return f"CASE WHEN COUNT({value}) > 0 THEN {self.list_join(values, sep)} END"

    # ------------------------------------------------------------------ rows

    def explode_split(self, text: str, sep: str = "';'") -> str:
        """In a SELECT list: one row per part of ``text`` split on the literal ``sep``
        (none when ``text`` is NULL)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ ids

    def stable_id(self, prefix: str, parts: Sequence[str], length: int = 12) -> str:
        """A deterministic id: ``prefix`` and the first ``length`` hex digits of the SHA-1
        of the text ``parts`` (expressions; NULL counts as '') joined with ``chr(31)``:
        :func:`chronos.model.stable_id` in SQL."""
        sep = f" || {self.chr(31)} || "
        joined = sep.join(p if _is_literal(p) else f"COALESCE({p}, '')" for p in parts)
        return f"{literal(prefix)} || substr(sha1({joined}), 1, {int(length)})"


class DuckDB(Dialect):
    """DuckDB's SQL, the house dialect (:meth:`translate` leaves it as it is)."""

    name = "duckdb"
    sqlglot = "duckdb"
    text_type = "VARCHAR"

    def translate(self, sql: str) -> str:
        return sql

    def lam(self, var: str, body: str) -> str:
        return f"lambda {var}: {body}"

    def list_sort(self, items: str) -> str:
        return f"list_sort({items})"

    def list_distinct(self, items: str) -> str:
        return f"list_distinct({items})"

    def list_join(self, items: str, sep: str) -> str:
        return f"array_to_string({items}, {sep})"

    def list_len(self, items: str) -> str:
        return f"len({items})"

    def list_map(self, items: str, var: str, body: str) -> str:
        return f"list_transform({items}, {self.lam(var, body)})"

    def list_filter(self, items: str, var: str, cond: str) -> str:
        return f"list_filter({items}, {self.lam(var, cond)})"

    def agg_list(self, expr: str) -> str:
        return f"list({expr})"

    def agg_set(self, expr: str) -> str:
        return f"list_distinct(list({expr}))"

    def agg_sorted_list(self, expr: str) -> str:
        # one unordered string_agg and a split: cheaper in DuckDB than list() for text
        three = self.chr(3)
        return f"list_sort(string_split(string_agg({expr}, {three}), {three}))"

    def agg_sorted_distinct(self, expr: str, sep: str = "';'") -> str:
        return f"string_agg(DISTINCT {expr}, {sep} ORDER BY {expr})"

    def agg_in_order(self, value: str, order: Sequence[str], sep: str = "';'") -> str:
        return f"string_agg({value}, {sep} ORDER BY {', '.join(order)})"

    def explode_split(self, text: str, sep: str = "';'") -> str:
        return f"UNNEST(string_split({text}, {sep}))"


class Spark(Dialect):
    """Spark SQL (3.5 and later)."""

    name = "spark"
    sqlglot = "spark"
    text_type = "STRING"

    def chr(self, code: int) -> str:
        return f"char({int(code)})"

    def ident(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def lam(self, var: str, body: str) -> str:
        return f"{var} -> {body}"

    def list_sort(self, items: str) -> str:
        return f"array_sort({items})"

    def list_distinct(self, items: str) -> str:
        return f"array_distinct(filter({items}, v -> v IS NOT NULL))"

    def list_join(self, items: str, sep: str) -> str:
        return f"array_join({items}, {sep})"

    def list_len(self, items: str) -> str:
        return f"size({items})"

    def list_map(self, items: str, var: str, body: str) -> str:
        return f"transform({items}, {self.lam(var, body)})"

    def list_filter(self, items: str, var: str, cond: str) -> str:
        return f"filter({items}, {self.lam(var, cond)})"

    def agg_list(self, expr: str) -> str:
        # collect_list skips NULLs; DuckDB's list() keeps them: every caller here drops
        # them afterwards (distinct, join), so the two give the same results
        return f"collect_list({expr})"

    def agg_set(self, expr: str) -> str:
        return f"collect_set({expr})"

    def agg_sorted_list(self, expr: str) -> str:
        return f"CASE WHEN COUNT({expr}) > 0 THEN array_sort(collect_list({expr})) END"

    def agg_sorted_distinct(self, expr: str, sep: str = "';'") -> str:
        return f"NULLIF(array_join(array_sort(collect_set({expr})), {sep}), '')"

    def agg_in_order(self, value: str, order: Sequence[str], sep: str = "';'") -> str:
        # array_sort orders structs field by field with NULLs first: a leading
        # "IS NULL" flag per key puts NULLs last, as DuckDB's ORDER BY does
        fields = []
        for n, expr in enumerate(order):
            fields += [f"'n{n}', {expr} IS NULL", f"'k{n}', {expr}"]
        fields.append(f"'v', {value}")
        rows = f"array_sort(collect_list(named_struct({', '.join(fields)})))"
        return f"NULLIF(array_join(transform({rows}, s -> s.v), {sep}), '')"

    def explode_split(self, text: str, sep: str = "';'") -> str:
        # Spark's split reads a regular expression: the separator is quoted
        return f"explode(split({text}, concat('\\\\Q', {sep}, '\\\\E')))"


DUCKDB = DuckDB()
SPARK = Spark()
DIALECTS = {d.name: d for d in (DUCKDB, SPARK)}


def dialect(name: str | Dialect) -> Dialect:
    """The dialect called ``name`` (``duckdb`` or ``spark``); a :class:`Dialect` as is."""
    if isinstance(name, Dialect):
        return name
    try:
        return DIALECTS[name]
    except KeyError:
        from chronos.errors import ChronosError

        raise ChronosError(f"unknown SQL dialect {name!r}; known: {', '.join(DIALECTS)}") from None
