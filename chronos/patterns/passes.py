"""Rules of one kind evaluated together: shared passes over the prepared events.

A rule compiles to one query (:func:`chronos.patterns.compile.compile_rule`); run one by
one, thirty rules sort the same events thirty times. :func:`plan` groups the rules whose
kind can share a pass, from their definitions alone (nothing here knows a rule by its
id): every ``count_in_window`` rule without an ``open`` period in one pass, every
``recurrence`` rule in another. A shared pass selects each rule's events (its own
selector, window unit, precision and ages), numbers them by rule, and runs one window
sort per (rule, child) with each rule's own window and threshold; its findings are
aggregated in one ``GROUP BY`` and split by rule afterwards (:func:`split`). Each rule's
findings are exactly those it gives alone (same rows, same ids): tests compare them.

Every other rule is a pass of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from chronos.patterns import compile as comp
from chronos.patterns.rules import Rule

#: the kinds of rule that share a pass, and the compiler of a shared pass
SHARED = {
    "count_in_window": comp.compile_count_pass,
    "recurrence": comp.compile_recurrence_pass,
}


@dataclass(frozen=True)
class Pass:
    """One query of a rules run: one rule, or several of one kind (``key`` starts with
    ``pass:`` then, which no rule id can)."""

    key: str
    rules: tuple[Rule, ...]

    @property
    def shared(self) -> bool:
        return len(self.rules) > 1

    def findings_sql(self, as_of: str, dialect="duckdb", *, one_pass: bool = False) -> str:
        """The raw findings (:data:`chronos.model.RAW_FINDINGS`) of the pass's rules, each
        row's rule in a first column, ``rule_id`` (the same columns for every pass, so
        that an engine can run them as one statement)."""
        if not self.shared:
            rule = self.rules[0]
            evidence = comp.compile_rule(rule, as_of, dialect=dialect)
            return comp.with_rule_column(comp.findings_sql(
                evidence, rule.id, structural=rule.type == "structural", one_pass=one_pass,
                dialect=dialect), rule.id)
        evidence = SHARED[self.rules[0].type](list(self.rules), as_of)
        return comp.findings_sql(comp.sql_dialect(dialect).translate(evidence),
                                 one_pass=one_pass, dialect=dialect, rule_column=True)


def shares(rule: Rule) -> bool:
    """True when ``rule`` can share a pass with the other rules of its kind."""
    if rule.type == "count_in_window":
        return "open" not in rule.selectors
    return rule.type in SHARED


def plan(rules: list[Rule]) -> list[Pass]:
    """The passes that run ``rules``: one per kind that shares (when two or more rules
    of it do, in the order the rules come), one per other rule."""
    kinds: dict[str, list[Rule]] = {}
    for rule in rules:
        if shares(rule):
            kinds.setdefault(rule.type, []).append(rule)
    passes, done = [], set()
    for rule in rules:
        group = kinds.get(rule.type) if shares(rule) else None
        if group is not None and len(group) > 1:
            if rule.type not in done:
                done.add(rule.type)
                passes.append(Pass(f"pass:{rule.type}", tuple(group)))
        else:
            passes.append(Pass(rule.id, (rule,)))
    return passes


def split(passes: list[Pass], raw: dict) -> dict:
    """Raw findings per rule id from the results of ``passes`` (``raw``: pass key ->
    DataFrame or Arrow table, as :meth:`chronos.sql.engines.Engine.collect` gives them;
    a pass without rows is absent). A rule without findings is absent too."""
    out = {}
    for run in passes:
        rows = raw.get(run.key)
        if rows is None:
            continue
        out.update(_split_rows(rows))
    return out


def _split_rows(rows) -> dict:
    """A shared pass's rows split by their ``rule_id`` column (which is dropped)."""
    import pandas as pd

    if isinstance(rows, pd.DataFrame):
        return {key: part.drop(columns="rule_id").reset_index(drop=True)
                for key, part in rows.groupby("rule_id", sort=False) if len(part)}
    import pyarrow.compute as pc

    keys = rows.column("rule_id")
    return {key: rows.filter(pc.equal(keys, key)).drop_columns(["rule_id"])
            for key in pc.unique(keys).to_pylist()}
