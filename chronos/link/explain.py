"""Why two person records were, or were not, joined.

:func:`explain_link` scores the pair with the same model as :func:`link_people` and
returns a table of match-weight contributions (one row per field, plus the prior), the
final probability, any veto, and what linking actually decided for the two records.
:meth:`Explanation.save_waterfall` draws the contributions as a waterfall chart (PNG).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from chronos.errors import ChronosError
from chronos.link.identifiers import prepare_records
from chronos.link.scoring import score_one_pair
from chronos.link.units import collapse_duplicates

#: The prepared columns shown as each field's values.
SHOWN = {"nhs": ["nhs"], "upn": ["upn"], "la_id": ["la_id"], "given": ["given"],
         "family": ["family"], "dob": ["dob"], "sex": ["sex"], "postcode": ["postcode"]}


@dataclass
class Explanation:
    """A pair's score, field by field."""

    key_a: str
    key_b: str
    table: object            # DataFrame: field, value_a, value_b, level, m, u, match_weight, veto
    match_weight: float
    match_probability: float
    vetoes: list[str]
    decision: str            # what the model alone says about this pair
    outcome: str             # what linking did (same person or not, and how)

    def as_text(self) -> str:
        """A plain-text rendering (for logs and tests)."""
        lines = [f"{self.key_a} vs {self.key_b}"]
        for row in self.table.itertuples():
            lines.append(f"  {row.field:<14} {str(row.value_a):<18} {str(row.value_b):<18} "
                         f"{row.level:<28} {row.match_weight:+7.2f}")
        note = " (before the veto)" if self.vetoes else ""
        lines.append(f"  total weight {self.match_weight:+.2f} -> probability "
                     f"{self.match_probability:.4f}{note}")
        lines.append(f"  {self.decision}")
        lines.append(f"  {self.outcome}")
        return "\n".join(lines)

    def save_waterfall(self, path) -> None:
        """Draw the contributions as a waterfall chart PNG at ``path``."""
        from chronos.link._waterfall import draw_waterfall

        draw_waterfall(self, path)


def explain_link(records, key_a: str, key_b: str, settings=None, *, overrides=None,
                 as_of: date | None = None, with_outcome: bool = True) -> Explanation:
    """Explain the pair ``key_a``/``key_b`` of the source person ``records``."""
    from chronos.link.people import _records_table, as_settings, link_people

    settings = as_settings(settings)
    table, _ = _records_table(records)
    frame, _ = prepare_records(table, as_of=as_of)
    rows = frame.set_index("record_key", drop=False)
    for key in (key_a, key_b):
        if key not in rows.index:
            raise ChronosError(f"no person record {key!r}",
                               hint="record keys look like 'gp:P003' (see links.csv)")
    compared = len(collapse_duplicates(frame).frame)   # identical records count once
    scored = score_one_pair(_plain(rows.loc[key_a]), _plain(rows.loc[key_b]), settings,
                            compared)
    contributions = _contributions(scored, settings, compared)
    vetoes = list(contributions.loc[contributions["veto"], "field"])
    weight, probability = float(scored["match_weight"]), float(scored["match_probability"])
    decision = _decision(scored, vetoes, probability, settings)
    outcome = ""
    if with_outcome:
        result = link_people(table, overrides=overrides, settings=settings, as_of=as_of)
        outcome = _outcome(result, key_a, key_b)
    return Explanation(key_a, key_b, contributions, weight, probability, vetoes, decision,
                       outcome)


def _plain(row) -> dict:
    return {k: (None if v is None or (isinstance(v, float) and math.isnan(v)) or v is _NA()
                else v) for k, v in row.to_dict().items()}


def _NA():
    import pandas as pd

    return pd.NA


def _contributions(scored: dict, settings, n_records: int):
    import pandas as pd

    prior = settings.prior(n_records)
    rows = [{"field": "prior", "label": "starting point (distinct records in the case: "
             f"{n_records})", "value_a": "", "value_b": "", "level": "",
             "m": None, "u": None, "match_weight": math.log2(prior / (1 - prior)),
             "veto": False}]
    for comparison in settings.comparisons:
        gamma = int(scored[f"gamma_{comparison.name}"])
        level = None if gamma < 0 else comparison.levels[len(comparison.levels) - 1 - gamma]
        shown = SHOWN.get(comparison.name, [comparison.name])
        rows.append({"field": comparison.name, "label": comparison.label,
                     "value_a": _show(scored.get(f"{shown[0]}_l")),
                     "value_b": _show(scored.get(f"{shown[0]}_r")),
                     "level": level.label if level else "missing (no evidence)",
                     "m": level.m if level else None, "u": level.u if level else None,
                     "match_weight": float(scored[f"mw_{comparison.name}"]),
                     "veto": bool(level and level.veto)})
    return pd.DataFrame(rows)


def _show(value) -> str:
    return "" if value is None else str(value)


def _decision(scored, vetoes, probability, settings) -> str:
    words = ", ".join(vetoes)
    idents = [n for n in ("nhs", "upn", "la_id") if scored.get(f"gamma_{n}") == 1]
    if idents and not vetoes:
        return f"same valid identifier ({', '.join(idents)}): joined deterministically"
    if vetoes:
        return (f"veto on {words}: these cannot be the same person whatever the other "
                "fields say" + (f" (they share {', '.join(idents)}: check it)" if idents else ""))
    if probability >= settings.link_threshold:
        return f"probability {probability:.4f} >= link threshold {settings.link_threshold}: join"
    if probability >= settings.review_threshold:
        return (f"probability {probability:.4f} in the review band "
                f"[{settings.review_threshold}, {settings.link_threshold}): a person decides")
    return f"probability {probability:.4f} below the review band: not joined"


def _outcome(result, key_a, key_b) -> str:
    pa, pb = result.record_to_person[key_a], result.record_to_person[key_b]
    methods = result.links.set_index("record_key")["method"]
    if pa == pb:
        return (f"linking joined them as person {pa} (methods: {methods[key_a]}, "
                f"{methods[key_b]})")
    review = result.review
    hit = review[((review["record_key_a"] == min(key_a, key_b))
                  & (review["record_key_b"] == max(key_a, key_b)))]
    extra = f"; in link-review.csv: {hit['reason'].iloc[0]}" if len(hit) else ""
    return f"linking kept them apart: {key_a} is {pa}, {key_b} is {pb}{extra}"
