"""Identical person records are compared once: exact duplicates collapse into one unit.

A GP export may repeat the patient on every row, each row a person record of its own
(same name, date of birth, NHS number, postcode). Compared pair by pair, 10,000 such
records are 50 million pairs. Records of one source whose prepared fields (every column
the linking model compares, :data:`chronos.link.identifiers.MATCH_COLUMNS`) are all
equal are indistinguishable to the model, so they form one *unit*, represented by its
smallest record key:

* only the representatives are scored (blocking, splink, clustering);
* one pair per unit, the representative against itself, is scored to decide whether the
  model would join such records (it would when they share a valid identifier, or when
  their fields are enough for the link threshold); see :func:`solid_units`;
* every member keeps its own row in ``links.csv`` (its own file and row), with its
  representative's person, method and probability; when the model would not join the
  records and the representative joined nobody, each member is a person of its own.

Records of different sources are never one unit (two records of one source with
different first names are two people: the ``source`` veto). A decision in
``overrides.yaml`` about a representative applies to its unit; a cannot-link between
two records of one unit takes both out of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Units:
    """Person records grouped into units of identical records (see module docstring)."""

    frame: object                      # DataFrame: the prepared rows of the representatives
    members: dict[str, list[str]] = field(default_factory=dict)   # rep -> other keys
    rep_of: dict[str, str] = field(default_factory=dict)          # other key -> rep

    @property
    def collapsed(self) -> int:
        """How many records are represented by another record."""
        return len(self.rep_of)

    def rep(self, key: str) -> str:
        """The representative of ``key`` (``key`` itself when it represents its unit)."""
        return self.rep_of.get(key, key)

    def size(self, rep: str) -> int:
        """Records in the unit of ``rep``."""
        return 1 + len(self.members.get(rep, ()))


def source_of(key: str) -> str:
    """The source part of a record key (``gp`` of ``gp:P003``), as the ``source`` veto
    reads it."""
    return key.split(":", 1)[0]


#: The prepared columns that decide every compared column: the others (given_canon,
#: given_initial, given_fix, family_first, family_last, dob_swap, district, name_key, initial_key)
#: are made from these by :func:`chronos.link.identifiers.prepare_records`.
IDENTITY_COLUMNS = ("nhs", "upn", "la_id", "given", "given_other", "family", "dob",
                    "dob_year", "sex", "postcode")


def collapse_duplicates(frame, apart=frozenset()) -> Units:
    """Units of identical records of ``frame`` (:func:`prepare_records` output, sorted by
    record key). Keys in ``apart`` always stay units of their own."""
    import numpy as np
    import pandas as pd

    codes = _identity_codes(frame)
    dup = pd.Series(_mix(codes)).duplicated(keep=False).to_numpy()   # may over-select
    if apart:
        dup = dup & ~frame["record_key"].isin(apart).to_numpy()
    if not dup.any():
        return Units(frame)
    keys = frame["record_key"][dup]
    source = pd.Series(pd.factorize(keys.str.extract(r"^([^:]*)", expand=False))[0],
                       index=keys.index)
    position = pd.Series(np.arange(len(keys)), index=keys.index)
    first = position.groupby([source] + [c[dup] for c in codes], sort=False).transform("min")
    moved = (first != position).to_numpy()   # keys are sorted: the first is the smallest
    if not moved.any():
        return Units(frame)
    values = keys.to_numpy()
    rep_of = dict(zip(values[moved], values[first.to_numpy()[moved]]))
    members: dict[str, list[str]] = {}
    for member, rep in rep_of.items():
        members.setdefault(rep, []).append(member)
    kept = frame[~frame["record_key"].isin(pd.Index(values[moved]))]
    return Units(kept.reset_index(drop=True), members, rep_of)


def _identity_codes(frame, columns=IDENTITY_COLUMNS) -> list:
    """Per column, an integer code per record (equal codes: equal values; a missing
    value has its own code)."""
    import pandas as pd

    return [pd.Series(pd.factorize(frame[c], use_na_sentinel=True)[0], index=frame.index)
            for c in columns]


def _mix(codes):
    """One 64-bit number per record from its codes (equal records: equal numbers; a
    collision only makes a candidate that the exact grouping then separates)."""
    import numpy as np

    mixed = np.zeros(len(codes[0]), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for code in codes:   # splitmix64's finaliser: no linear structure to collide on
            mixed ^= (code.to_numpy() + 1).astype(np.uint64)
            mixed *= np.uint64(0xBF58476D1CE4E5B9)
            mixed ^= mixed >> np.uint64(31)
    return mixed


#: Prepared columns made from another one (what a veto reading them depends on).
_MADE_FROM = {"given_canon": ("given",), "given_initial": ("given",), "given_fix": ("given",),
              "family_first": ("family",), "family_last": ("family",), "dob_swap": ("dob",),
              "district": ("postcode",), "name_key": ("family", "given"),
              "initial_key": ("family", "given")}
IDENTIFIERS = ("nhs", "upn", "la_id")


def veto_columns(settings) -> tuple[str, ...] | None:
    """The identity columns every veto of the model reads (the ``source`` veto reads the
    given name); None when a veto reads a column this does not know."""
    import re

    from chronos.link.identifiers import MATCH_COLUMNS

    read = {"given"}
    for comparison in settings.comparisons:
        if any(level.veto for level in comparison.levels):
            for level in comparison.levels:
                read.update(re.findall(r"\b(\w+)_[lr]\b", level.sql))
    if not read <= set(MATCH_COLUMNS):
        return None
    base = {b for name in read for b in _MADE_FROM.get(name, (name,))}
    return tuple(c for c in IDENTITY_COLUMNS if c in base or c in IDENTIFIERS)


def identifier_stars(frame, settings, min_size: int) -> dict[str, str]:
    """record -> its group's first record, for groups of more than ``min_size`` records
    that share a valid identifier and every field a veto reads (:func:`veto_columns`):
    any two of them would be joined on the identifier, so each is compared with the
    first only (a star, not every pair)."""
    import numpy as np
    import pandas as pd

    columns = veto_columns(settings)
    identified = frame[list(IDENTIFIERS)].notna().any(axis=1).to_numpy()
    if columns is None or identified.sum() <= min_size:
        return {}
    codes = _identity_codes(frame[identified], columns)
    mixed = pd.Series(_mix(codes))
    big = (mixed.groupby(mixed).transform("size") > min_size).to_numpy()
    if not big.any():
        return {}
    keys = frame["record_key"].to_numpy()[identified][big]
    position = pd.Series(np.arange(len(keys)))
    exact = [pd.Series(c.to_numpy()[big]) for c in codes]
    first = position.groupby(exact, sort=False).transform("min").to_numpy()
    size = position.groupby(exact, sort=False).transform("size").to_numpy()
    star = (first != position.to_numpy()) & (size > min_size)
    return dict(zip(keys[star], keys[first[star]]))


def star_warnings(stars: dict[str, str], files: dict[str, str], limit: int = 20) -> list:
    """One warning per star (the first ``limit``, then a count)."""
    from chronos.errors import Issue

    sizes: dict[str, int] = {}
    for rep in stars.values():
        sizes[rep] = sizes.get(rep, 1) + 1
    issues = []
    for rep in sorted(sizes)[:limit]:
        source = source_of(rep)
        issues.append(Issue(
            "link.identifier_group",
            f"{sizes[rep]:,} person records share a valid identifier, given name and date "
            f"of birth with {rep}: joined as one person, each compared with {rep} only",
            source_file=files.get(source, source), value=rep))
    if len(sizes) > limit:
        issues.append(Issue("link.identifier_group",
                            f"and {len(sizes) - limit:,} more such groups"))
    return issues


def split_apart(units: Units, cannot_pairs) -> set[str]:
    """Keys that a cannot-link pair puts in one unit with the other key of the pair."""
    return {key for a, b in cannot_pairs if units.rep(a) == units.rep(b) for key in (a, b)}


def map_overrides(overrides, units: Units):
    """``(overrides, forced)``: the overrides on units, each key replaced by its
    representative (a cannot-link wins over a must-link that the mapping makes
    contradictory, as in :func:`chronos.link.overrides.check_overrides`); ``forced``: the
    representatives of units a must-link names twice (a person joined them)."""
    from chronos.link.overrides import Overrides

    if not units.rep_of:
        return overrides, set()
    cannot = sorted({tuple(sorted((units.rep(a), units.rep(b))))
                     for a, b in overrides.cannot_link if units.rep(a) != units.rep(b)})
    forbidden = {frozenset(p) for p in cannot}
    must, forced = [], set()
    for group in overrides.must_link:
        reps = [units.rep(k) for k in group]
        distinct = tuple(dict.fromkeys(reps))
        if any(frozenset((a, b)) in forbidden for a in distinct for b in distinct):
            continue
        forced.update(rep for rep in distinct if reps.count(rep) > 1)
        if len(distinct) > 1:
            must.append(distinct)
    return Overrides(must, cannot, overrides.label), forced


def solid_units(self_pairs, settings, forced=frozenset()) -> dict[str, tuple[str, float, float]]:
    """Representatives whose records the model joins, with the join's method,
    probability and weight: the self pair shares a valid identifier, or reaches the link
    threshold, with no veto; or a person said so (``forced``: must-link inside the unit)."""
    solid = {rep: ("override", 1.0, 99.0) for rep in forced}
    if self_pairs is None or len(self_pairs) == 0:
        return solid
    clean = self_pairs[self_pairs["vetoes"] == ""]
    for rep, idents, p, w in zip(clean["key_l"], clean["identifiers"],
                                 clean["match_probability"], clean["match_weight"]):
        if rep in solid:
            continue
        if idents:
            solid[rep] = ("identifier", float(p), float(w))
        elif p >= settings.link_threshold:
            solid[rep] = ("probabilistic", float(p), float(w))
    return solid


def expand_groups(clusters, units: Units, solid: dict) -> list[list[str]]:
    """Record-level groups from the clusters of representatives
    (:class:`chronos.link.cluster.ConstrainedClusters`): a unit's members join their
    representative's group when the unit is solid or the representative joined someone;
    otherwise each member is a group of its own. Only the groups holding a
    representative of several records are touched."""
    import bisect

    groups = clusters.groups()
    if not units.members:
        return groups
    firsts = [group[0] for group in groups]
    added: dict[int, list[str]] = {}
    singles = []
    for rep, others in units.members.items():
        root = clusters.find(rep)
        group = clusters.members.get(root, [rep])
        at = bisect.bisect_left(firsts, min(group))
        if len(group) > 1 or rep in solid:
            added.setdefault(at, []).extend(others)
        else:
            singles.extend([m] for m in others)
    for at, others in added.items():
        groups[at] = sorted(groups[at] + others)
    return sorted(groups + singles)


def unit_review_rows(self_pairs, units: Units, solid: dict, record_to_person: dict,
                     settings) -> list[dict]:
    """Review rows for units whose identical records the model neither joins nor keeps
    apart (their self pair is in the review band) and that nobody joined: the
    representative against its first other record."""
    if self_pairs is None or len(self_pairs) == 0:
        return []
    band = self_pairs[(self_pairs["vetoes"] == "") & (self_pairs["identifiers"] == "")
                      & (self_pairs["match_probability"] < settings.link_threshold)]
    rows = []
    for rep, p, w in zip(band["key_l"], band["match_probability"], band["match_weight"]):
        other = units.members[rep][0]
        if rep in solid or record_to_person[rep] == record_to_person[other]:
            continue
        rows.append({"record_key_a": rep, "record_key_b": other,
                     "match_probability": round(float(p), 6),
                     "match_weight": round(float(w), 3),
                     "reason": "uncertain: probability in the review band"})
    return rows


def note_units(review, units: Units, files: dict[str, str]):
    """Each review reason naming a representative says how many identical records it
    stands for (a decision about it applies to all of them)."""
    if not units.members or review is None or len(review) == 0:
        return review
    review = review.copy()
    reasons = []
    for a, b, reason in zip(review["record_key_a"], review["record_key_b"], review["reason"]):
        for key in dict.fromkeys((a, b)):
            if key in units.members:
                source = source_of(key)
                reason += (f"; {key} stands for {units.size(key):,} identical records of "
                           f"{files.get(source, source)}: a decision applies to all of them")
        reasons.append(reason)
    review["reason"] = reasons
    review["reason"] = review["reason"].astype("string")
    return review
