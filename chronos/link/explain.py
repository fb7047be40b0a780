"""Why two person records were, or were not, joined.

:func:`explain_link` scores the pair with the same model as :func:`link_people` and
returns a table of match-weight contributions (one row per field, plus the prior), the
final probability, any veto, which blocking rules bring the pair together (none: linking
never compared them), and what linking actually decided for the two records, including
the reason when the pair is offered in ``link-review.csv``.
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
    blocking: list = None    # the blocking rules that make linking compare the pair

    def as_text(self) -> str:
        """A plain-text rendering (for logs and tests)."""
        lines = [f"{self.key_a} vs {self.key_b}"]
        for row in self.table.itertuples():
            lines.append(f"  {row.field:<14} {str(row.value_a):<18} {str(row.value_b):<18} "
                         f"{row.level:<28} {row.match_weight:+7.2f}")
        note = " (before the veto)" if self.vetoes else ""
        lines.append(f"  total weight {self.match_weight:+.2f} -> probability "
                     f"{self.match_probability:.4f}{note}")
        lines.append(f"  {self.compared}")
        lines.append(f"  {self.decision}")
        lines.append(f"  {self.outcome}")
        return "\n".join(lines)

    @property
    def compared(self) -> str:
        """Whether linking scores this pair at all, and by which blocking rule."""
        if self.blocking is None:
            return "blocking: not checked"
        if not self.blocking:
            return ("never compared: no blocking rule holds for this pair, so linking never "
                    "scored it (the score above is what it would be)")
        return "compared by linking: blocking rule " + "; ".join(self.blocking)

    def save_waterfall(self, path) -> None:
        """Draw the contributions as a waterfall chart PNG at ``path``."""
        from chronos.link._waterfall import draw_waterfall

        draw_waterfall(self, path)


def explain_link(records, key_a: str, key_b: str, settings=None, *, overrides=None,
                 as_of: date | None = None, with_outcome: bool = True,
                 events=None) -> Explanation:
    """Explain the pair ``key_a``/``key_b`` of the source person ``records`` (``events``:
    the case's events before linking, for the dates the records were made)."""
    import pandas as pd

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
    record_a, record_b = _plain(rows.loc[key_a]), _plain(rows.loc[key_b])
    scored = score_one_pair(record_a, record_b, settings, compared)
    contributions = _contributions(scored, settings, compared)
    vetoes = list(contributions.loc[contributions["veto"], "field"])
    weight, probability = float(scored["match_weight"]), float(scored["match_probability"])
    dated = _dated_role(table, frame, key_a, key_b, settings, as_of, events) \
        if not vetoes else None
    if dated is not None:
        contributions = pd.concat([contributions, pd.DataFrame([dated])], ignore_index=True)
        weight += dated["match_weight"]
        probability = 1.0 / (1.0 + 2.0 ** -weight)
        scored = {**scored, "match_weight": weight, "match_probability": probability}
    blocking = blocking_rules_met(record_a, record_b, settings)
    decision = _decision(scored, vetoes, probability, settings, blocking)
    outcome = ""
    if with_outcome:
        result = link_people(table, overrides=overrides, settings=settings, as_of=as_of,
                             events=events)
        outcome = _outcome(result, key_a, key_b, blocking)
    return Explanation(key_a, key_b, contributions, weight, probability, vetoes, decision,
                       outcome, blocking)


def _dated_role(table, frame, key_a, key_b, settings, as_of, events) -> dict | None:
    """The contribution of a dated child's role (linking's
    :func:`chronos.link.people.dated_role_evidence`) when one record has no date of birth
    and its events name the person as the child on a day the other's birth fits."""
    from chronos.link.people import ROLE_FIT_M, _has_dates, birth_days, role_fit
    from chronos.link.stated import AgeLimits, record_dates, stated_facts

    if not _has_dates(events):
        return None
    undated = frame["dob"].isna() & frame["dob_year"].isna()
    keyed = dict(zip(frame["record_key"], undated))
    if keyed[key_a] == keyed[key_b]:
        return None
    vague, other = (key_a, key_b) if keyed[key_a] else (key_b, key_a)
    told = stated_facts(frame, table.set_axis(frame.index), settings, as_of, {vague, other},
                        record_dates(events, settings, as_of))
    said = told.get(vague)
    days = birth_days(collapse_duplicates(frame).frame)
    weight, share = role_fit(said, told.get(other), days, AgeLimits.from_settings(settings))
    if share is None:
        return None
    return {"field": "dated_role", "label": "a child's role on a day (the record's events)",
            "value_a": f"child on {said.child_on}" if vague == key_a else "",
            "value_b": f"child on {said.child_on}" if vague == key_b else "",
            "level": "fits the other's date of birth", "m": ROLE_FIT_M, "u": round(share, 4),
            "match_weight": weight, "veto": False}


def blocking_rules_met(record_a: dict, record_b: dict, settings) -> list[str]:
    """The model's blocking rules that hold for the pair (either way round): linking
    scores only pairs that at least one rule brings together."""
    import duckdb
    import pandas as pd

    from chronos.link.identifiers import MATCH_COLUMNS

    columns = ["record_key", *MATCH_COLUMNS]
    con = duckdb.connect()
    try:
        frames = [pd.DataFrame([{c: rec.get(c) for c in columns}]).astype(
            {c: "object" for c in columns if c != "dob_year"}) for rec in (record_a, record_b)]
        for name, frame in zip(("rec_a", "rec_b"), frames):
            frame["dob_year"] = pd.to_numeric(frame["dob_year"], errors="coerce").astype("Int64")
            con.register(name, frame)
        met = []
        for rule in settings.blocking_rules:
            holds = any(con.execute(f"SELECT coalesce(({rule}), false) FROM {x} AS l, {y} AS r"
                                    ).fetchall()[0][0]
                        for x, y in (("rec_a", "rec_b"), ("rec_b", "rec_a")))
            if holds:
                met.append(rule)
        return met
    finally:
        con.close()


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


def _decision(scored, vetoes, probability, settings, blocking=None) -> str:
    if blocking == []:
        return ("not compared: no blocking rule brings these records together, so linking "
                "cannot join them (add a must_link override if they are one person)")
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


def _outcome(result, key_a, key_b, blocking=None) -> str:
    pa, pb = result.record_to_person[key_a], result.record_to_person[key_b]
    methods = result.links.set_index("record_key")["method"]
    if pa == pb:
        via = " through other records (they were never compared)" if blocking == [] else ""
        return (f"linking joined them as person {pa}{via} (methods: {methods[key_a]}, "
                f"{methods[key_b]})")
    review = result.review
    hit = review[((review["record_key_a"] == min(key_a, key_b))
                  & (review["record_key_b"] == max(key_a, key_b)))]
    extra = f"; in link-review.csv: {hit['reason'].iloc[0]}" if len(hit) else ""
    return f"linking kept them apart: {key_a} is {pa}, {key_b} is {pb}{extra}"
