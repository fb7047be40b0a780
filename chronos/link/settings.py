"""The person-linking model as data: ``chronos/data/link_model.yaml`` -> splink settings.

:func:`load_settings` reads the shipped default model, or an analyst's copy, and returns
a :class:`LinkSettings`. :meth:`LinkSettings.splink_settings` turns it into a splink 5
settings dict (every level carries its m and u, so no training is needed to predict).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from chronos.datafiles import data_text
from chronos.errors import ChronosError


class LinkSettingsError(ChronosError):
    """The linking model file is invalid."""

    exit_code = 2


@dataclass(frozen=True)
class Level:
    """One comparison level: its SQL condition and m/u probabilities."""

    label: str
    sql: str
    m: float
    u: float
    veto: bool = False
    tf: str | None = None      # column whose value frequencies adjust u (population mode)

    @property
    def weight(self) -> float:
        """The match weight log2(m/u) of this level."""
        return math.log2(self.m / self.u)


@dataclass(frozen=True)
class Comparison:
    """One field compared between two records, with its ordered levels."""

    name: str
    label: str
    levels: tuple[Level, ...]

    def null_sql(self) -> str:
        """The condition for 'one side is missing' (no evidence either way). Unquoted:
        in Spark SQL a double-quoted name is a string literal, never NULL."""
        return f"{self.name}_l IS NULL OR {self.name}_r IS NULL"


@dataclass(frozen=True)
class LinkSettings:
    """The whole linking model and its thresholds."""

    comparisons: tuple[Comparison, ...]
    blocking_rules: tuple[str, ...]
    link_threshold: float = 0.9
    #: the link threshold for a pair where a record has no name at all
    thin_link_threshold: float = 0.98
    review_threshold: float = 0.3
    ambiguity_margin: float = 3.0
    vague_ambiguity_margin: float = 10.0
    distinct_within_source: bool = True
    expected_records_per_person: float = 2.0
    prior_bounds: tuple[float, float] = (1e-9, 0.1)
    min_records_to_train: int = 5000
    #: formats whose records are each a different person (a family tree's individuals)
    distinct_formats: tuple[str, ...] = ()
    max_block_size: int = 200
    window_size: int = 10
    max_candidate_pairs: int = 50_000_000
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    def prior(self, n_records: int) -> float:
        """P(two random records are the same person) for a table of ``n_records``."""
        low, high = self.prior_bounds
        estimate = self.expected_records_per_person / max(n_records, 1)
        return min(max(estimate, low), high)

    def veto_levels(self) -> dict[str, set[int]]:
        """Comparison name -> splink gamma values of its veto levels."""
        return {c.name: {len(c.levels) - 1 - i for i, lv in enumerate(c.levels) if lv.veto}
                for c in self.comparisons}

    def population_mode(self, n_records: int) -> bool:
        """True when there are enough records to learn from the data itself (term
        frequencies of names; training when asked)."""
        return n_records >= self.min_records_to_train

    def splink_settings(self, n_records: int) -> dict[str, Any]:
        """A splink 5 settings dict (dedupe, DuckDB dialect-neutral SQL, fixed m/u).

        In population mode, levels marked ``tf`` are adjusted by how common the value
        is in the data ("Olivia Adams" agreeing is weaker evidence than "Zephyr Quist")."""
        tf = self.population_mode(n_records)
        return {
            "link_type": "dedupe_only",
            "unique_id_column_name": "record_key",
            "probability_two_random_records_match": self.prior(n_records),
            "blocking_rules_to_generate_predictions": list(self.blocking_rules),
            "comparisons": [_splink_comparison(c, tf) for c in self.comparisons],
            "retain_matching_columns": False,
            "retain_intermediate_calculation_columns": False,
        }


def _splink_comparison(comparison: Comparison, tf: bool = False) -> dict[str, Any]:
    levels: list[dict[str, Any]] = [{
        "sql_condition": comparison.null_sql(), "label_for_charts": "missing",
        "is_null_level": True}]
    for level in comparison.levels:
        spec = {"sql_condition": level.sql, "label_for_charts": level.label,
                "m_probability": level.m, "u_probability": level.u}
        if tf and level.tf:
            spec.update(tf_adjustment_column=level.tf, tf_adjustment_weight=1.0)
        levels.append(spec)
    return {"output_column_name": comparison.name, "comparison_description": comparison.label,
            "comparison_levels": levels}


def load_settings(path: str | Path | None = None, overrides: dict | None = None) -> LinkSettings:
    """The linking model from ``path`` (default: the shipped ``link_model.yaml``), with
    top-level keys in ``overrides`` replaced (e.g. ``{"link_threshold": 0.95}``)."""
    if path is None and not overrides:
        return _default_settings()
    from chronos.safe_input import parse_yaml, read_bytes

    if path is None:
        text = data_text("link_model.yaml")
        label = "link_model.yaml"
    else:
        label = str(path)
        text = read_bytes(path, label, error=LinkSettingsError,
                          what="linking model").decode("utf-8", errors="replace")
    raw = parse_yaml(text, error=LinkSettingsError, label=label, what="linking model") or {}
    raw.update(overrides or {})
    return _parse(raw, label)


@lru_cache(maxsize=1)
def _default_settings() -> LinkSettings:
    return load_settings(None, {"_": None})


def _parse(raw: dict, label: str) -> LinkSettings:
    try:
        comparisons = tuple(
            Comparison(c["name"], c.get("label", c["name"]),
                       tuple(_parse_level(lv) for lv in c["levels"]))
            for c in raw["comparisons"])
        return LinkSettings(
            comparisons=comparisons, blocking_rules=tuple(raw["blocking_rules"]),
            link_threshold=float(raw.get("link_threshold", 0.9)),
            review_threshold=float(raw.get("review_threshold", 0.3)),
            thin_link_threshold=float(raw.get("thin_link_threshold", 0.98)),
            ambiguity_margin=float(raw.get("ambiguity_margin", 3.0)),
            vague_ambiguity_margin=float(raw.get("vague_ambiguity_margin", 10.0)),
            distinct_within_source=bool(raw.get("distinct_within_source", True)),
            expected_records_per_person=float(raw.get("expected_records_per_person", 2.0)),
            prior_bounds=tuple(float(b) for b in raw.get("prior_bounds", (1e-9, 0.1))),
            min_records_to_train=int(raw.get("min_records_to_train", 5000)),
            distinct_formats=tuple(str(f) for f in raw.get("distinct_formats") or ()),
            max_block_size=int(raw.get("max_block_size") or 200),
            window_size=int(raw.get("window_size") or 10),
            max_candidate_pairs=int(raw.get("max_candidate_pairs") or 50_000_000), raw=raw)
    except (KeyError, TypeError, ValueError) as exc:
        raise LinkSettingsError(f"invalid linking model: {exc!r}", file=label,
                                hint="compare with chronos/data/link_model.yaml") from exc


def _parse_level(raw: dict) -> Level:
    m, u = float(raw["m"]), float(raw["u"])
    if not (0 < m <= 1 and 0 < u <= 1):
        raise ValueError(f"m and u must be in (0, 1]: {raw}")
    return Level(str(raw["label"]), str(raw["sql"]), m, u, bool(raw.get("veto", False)),
                 raw.get("tf"))
