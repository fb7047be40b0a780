"""Person linking: source person records -> people, with every join explained.

:func:`link_people` runs, in order:

1. identifier hygiene (:mod:`chronos.link.identifiers`): invalid NHS numbers, UPNs,
   postcodes, future dates of birth ... become warnings and are never match keys;
   identical records of one source become one unit, and many records sharing an
   identifier, name and date of birth a star (:mod:`chronos.link.units`);
2. splink scoring of candidate pairs with the shipped model (:mod:`chronos.link.scoring`),
   no block compared in full past ``max_block_size`` (:mod:`chronos.link.blocks`);
3. constrained clustering (:mod:`chronos.link.cluster`): must-link overrides first, then
   shared valid identifiers, then probabilistic matches at or above the link threshold,
   strongest first; never across a cannot-link override or a vetoed pair;
4. outputs: canonical ``persons``, one ``links`` row per source record, the ``review``
   pairs for ``link-review.csv`` and the warnings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from chronos import model
from chronos.errors import ChronosError, Issue
from chronos.link.blocks import block_warnings
from chronos.link.cluster import Edge, cluster, dates_compatible, facts_conflict
from chronos.link.identifiers import prepare_records
from chronos.link.overrides import Overrides, check_overrides, parse_overrides
from chronos.link.scoring import score_pairs
from chronos.link.settings import LinkSettings, load_settings
from chronos.link.stated import AgeLimits, contradiction, record_dates, stated_facts
from chronos.link.units import (collapse_duplicates, expand_groups, identifier_stars,
                                map_overrides, note_units, solid_units, split_apart,
                                star_warnings, unit_review_rows)

IDENTIFIER_COLUMNS = ("nhs", "upn", "la_id")
METHOD_RANK = {"override": 3, "identifier": 2, "probabilistic": 1}
REVIEW_COLUMNS = [
    "record_key_a", "record_key_b", "person_id_a", "person_id_b", "match_probability",
    "match_weight", "reason", "name_a", "name_b", "dob_a", "dob_b", "nhs_a", "nhs_b",
    "postcode_a", "postcode_b", "source_file_a", "source_ref_a", "source_file_b",
    "source_ref_b", "decision"]
VETO_WORDS = {"given": "given names differ", "dob": "dates of birth differ",
              "nhs": "NHS numbers differ", "upn": "UPNs differ",
              "source": "one source holds both, with different given names"}


@dataclass
class LinkResult:
    """What linking produced (all tables sorted, deterministic)."""

    persons: object                    # DataFrame, model.PERSONS: one row per person
    links: object                      # DataFrame, model.LINKS: one row per source record
    review: object                     # DataFrame, REVIEW_COLUMNS: pairs for a person
    warnings: list[Issue]
    record_to_person: dict[str, str]
    pairs: object = None               # every kept scored pair (for analysts)
    trained: bool = False
    model: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)   # seconds per stage
    identical: int = 0                 # records compared through an identical record

    def summary(self) -> dict:
        """Counts for the CLI and the build report."""
        methods = self.links["method"].value_counts().to_dict() if len(self.links) else {}
        return {"records": len(self.links), "persons": len(self.persons),
                "by_method": dict(sorted(methods.items())), "review_pairs": len(self.review),
                "warnings": len(self.warnings), "trained": self.trained,
                "identical_records": self.identical}


def as_settings(settings) -> LinkSettings:
    """A :class:`LinkSettings` from None (default model), a path, a dict of top-level
    overrides (``{"link_threshold": 0.95}``) or a LinkSettings."""
    if isinstance(settings, LinkSettings):
        return settings
    if isinstance(settings, dict):
        return load_settings(settings.get("model_path"), {k: v for k, v in settings.items()
                                                          if k != "model_path"})
    return load_settings(settings)


def link_people(records, *, overrides=None, settings=None, train: bool = False,
                as_of: date | None = None, db_api=None, events=None) -> LinkResult:
    """Link source person records (``model.PERSONS`` columns + ``record_key``) into people.

    ``overrides``: an ``overrides.yaml`` path, its parsed dict, or :class:`Overrides`.
    ``settings``: see :func:`as_settings`. ``train``: re-estimate the model on the data
    when there are enough records. ``as_of``: the date after which a date of birth is in
    the future (default today). ``db_api``: the splink database API to score on
    (default DuckDB in memory; ``splink.SparkAPI`` for a population on Spark).
    ``events``: the case's events before linking (``person_ids`` naming record keys), for
    the dates the records were made (:func:`chronos.link.stated.record_dates`): with
    them, a role tells relatives apart on the date it was stated.
    """
    import gc

    paused = gc.isenabled()
    gc.disable()   # millions of small dicts and sets: cyclic GC passes would dominate
    try:
        return _link_people(records, overrides, settings, train, as_of, db_api, events)
    finally:
        if paused:
            gc.enable()


def _link_people(records, overrides, settings, train, as_of, db_api=None,
                 events=None) -> LinkResult:
    clock = _Clock()
    settings = as_settings(settings)
    records, warnings = _records_table(records)
    frame, issues = prepare_records(records, as_of=as_of)
    warnings += issues
    keys = list(records["record_key"])
    checked, override_issues = check_overrides(parse_overrides(overrides), set(keys))
    warnings += override_issues
    units = _units(frame, checked, records, settings)
    files = _source_files(records)
    stars = identifier_stars(units.frame, settings, settings.max_block_size)
    clock("identifiers")
    scored = score_pairs(units.frame, settings, train=train, db_api=db_api,
                         self_keys=list(units.members), files=files, stars=stars)
    pairs = scored.pairs
    warnings += star_warnings(stars, files) + block_warnings(scored.blocking, files)
    clock("splink")
    unit_overrides, forced = map_overrides(checked, units)
    solid = solid_units(scored.self_pairs, settings, forced)
    compared = units.frame
    dobs = dict(zip(compared["record_key"], compared["dob"]))
    # what the compared records' own rows are read for: their role and source format
    # (a copy of every column of a million records would be most of a gigabyte)
    mine = _rows_of(records[[c for c in ("record_key", "role", "source_format")
                             if c in records.columns]], compared)
    formats = _column_of(mine, "source_format", compared.index)
    facts = _facts(compared, None, formats, settings)

    dated: dict | None = None

    def stated(keys):
        nonlocal dated
        if dated is None:     # only when a vague record has candidates to tell apart
            dated = record_dates(events, settings, as_of)
        return stated_facts(compared, mine, settings, as_of, keys, dated)
    if _has_dates(events):
        pairs = dated_role_evidence(pairs, compared, stated, AgeLimits.from_settings(settings))
    thin = _thin_records(compared)
    plan = _plan_edges(pairs, unit_overrides, settings, _vague_records(compared), dobs,
                       thin=thin, facts=facts, stated=stated)
    overridden = {k for edge in plan.edges if edge.method == "override" for k in (edge.a, edge.b)}
    lives = _lives(stated(None), AgeLimits.from_settings(settings)) if _has_dates(events) else {}
    clusters, accepted, refused = cluster(list(compared["record_key"]), plan.edges,
                                          plan.cannot,
                                          {k: v for k, v in facts.items() if k not in overridden},
                                          {k: v for k, v in lives.items() if k not in overridden})
    accepted += join_lone_thin(clusters, plan, pairs, settings, thin,
                               dict(zip(compared["record_key"], compared["la_id"])))
    unit_groups, detached = _without_chains(clusters.groups(), accepted, compared, pairs,
                                            settings)
    accepted = _still_accepted(accepted, detached)
    groups = expand_groups(_Groups(unit_groups) if detached else clusters, units, solid)
    clock("clustering")
    record_to_person = _person_ids(groups, frame)
    links = _links(records, record_to_person, accepted, units, solid)
    persons = _persons(records, frame, record_to_person)
    review = _review(pairs, plan, refused, record_to_person, frame, records, unit_overrides,
                     settings, unit_review_rows(scored.self_pairs, units, solid,
                                                record_to_person, settings), detached)
    review = note_units(review, units, files)
    warnings += _identifier_warnings(pairs, records)
    clock("outputs")
    return LinkResult(persons, links, review, warnings, record_to_person, pairs,
                      scored.trained, scored.model, clock.laps, units.collapsed)


def _units(frame, overrides, records=None, settings=None):
    """Identical records of one source as units (:mod:`chronos.link.units`); records a
    cannot-link puts apart from an identical record, and records their source declares
    distinct (``distinct_formats``: two individuals of one family tree), stay units of
    their own."""
    declared = set()
    formats = set(getattr(settings, "distinct_formats", ()) or ())
    if formats:
        fmt = _column_of(records, "source_format", frame.index)
        declared = set(frame.loc[fmt.isin(formats).to_numpy(), "record_key"])
    units = collapse_duplicates(frame, declared) if declared else collapse_duplicates(frame)
    apart = split_apart(units, overrides.cannot_link)
    return collapse_duplicates(frame, apart | declared) if apart else units


def dated_role_evidence(pairs, frame, stated, limits: AgeLimits):
    """``pairs`` with the evidence of a dated child's role added for each pair of a
    record with no date of birth and one with a date of birth: the undated record's
    events name its person as the child on a day (in 2021), and the other's date of
    birth fits it (born in the 25 years before, or by a year after: :func:`chronos.link.
    stated.birth_window`). The weight is that of a comparison, log2(m / u): ``m`` the
    share of one person's records whose roles fit their own date of birth
    (:data:`ROLE_FIT_M`), ``u`` the share of the data's dates of birth the statement fits
    (a child's role in 2021 says little in a population of children, more in one of
    adults); the probability follows the weight. An adult's role (a parent in 2016) adds
    nothing: it fits every adult of the data, and the people a parent's record is
    confused with (a namesake aunt or grandmother) are adults too, so the share of the
    whole data overstates what it tells apart (on the benchmark it joined more wrong
    pairs than right ones). A statement that does not fit rules the candidate out
    elsewhere (:func:`chronos.link.stated.contradiction`)."""
    import numpy as np

    if pairs.empty:
        return pairs
    undated = set(frame.loc[frame["dob"].isna() & frame["dob_year"].isna(), "record_key"])
    left, right = pairs["key_l"].isin(undated), pairs["key_r"].isin(undated)
    one = (left ^ right).to_numpy() & (pairs["vetoes"] == "").to_numpy()
    if not one.any():
        return pairs
    vague = np.where(left.to_numpy(), pairs["key_l"].to_numpy(), pairs["key_r"].to_numpy())
    other = np.where(left.to_numpy(), pairs["key_r"].to_numpy(), pairs["key_l"].to_numpy())
    told = stated(set(vague[one]) | set(other[one]))
    days = birth_days(frame)
    if not len(days):
        return pairs
    bonus = np.zeros(len(pairs))
    for i in np.flatnonzero(one):
        bonus[i] = role_fit(told.get(vague[i]), told.get(other[i]), days, limits)[0]
    if not bonus.any():
        return pairs
    out = pairs.copy()
    out["match_weight"] = out["match_weight"].to_numpy(dtype=float) + bonus
    out["match_probability"] = 1.0 / (1.0 + np.exp2(-out["match_weight"].to_numpy(dtype=float)))
    return out


#: the share of one person's records whose dated roles fit their own date of birth
ROLE_FIT_M = 0.97


def role_fit(said, candidate, days, limits: AgeLimits) -> tuple[float, float | None]:
    """(match weight, u) of a dated child's role of a record with no date of birth
    (``said``, a :class:`chronos.link.stated.Stated`) against a ``candidate``'s date of
    birth, ``days`` the data's dates of birth (:func:`birth_days`): (0.0, None) when the
    record states no child's role on a day, or the candidate no birth, or it does not
    fit (see :func:`dated_role_evidence`)."""
    import numpy as np

    from chronos.link.stated import birth_window

    if said is None or said.child_on is None or candidate is None or \
            candidate.born is None or not len(days):
        return 0.0, None
    window = birth_window(said, limits)
    if window is None or not (window[0] <= candidate.born[0] and candidate.born[1] <= window[1]):
        return 0.0, None
    lo, hi = window
    share = (np.searchsorted(days, hi.toordinal(), side="right")
             - np.searchsorted(days, lo.toordinal(), side="left")) / len(days)
    if not 0 < share < ROLE_FIT_M:
        return 0.0, None
    return float(np.log2(ROLE_FIT_M / share)), float(share)


def birth_days(frame):
    """The data's dates of birth as sorted day numbers (ordinals)."""
    import numpy as np
    import pandas as pd

    dob = pd.to_datetime(frame["dob"].dropna().astype(str), errors="coerce", format="%Y-%m-%d")
    dob = dob.dropna()
    return np.sort(np.array([d.toordinal() for d in dob.dt.date], dtype=np.int64))


def _has_dates(events) -> bool:
    return events is not None and len(events) > 0


def _lives(stated: dict, limits: AgeLimits) -> dict:
    """Record key -> :class:`chronos.link.cluster.Life` for clustering: what its date of
    birth, its dated roles and its events allow. A record whose own date of birth its
    roles or events contradict (a data error) states nothing but its birth."""
    from chronos.link.cluster import Life
    from chronos.link.stated import Stated

    out = {}
    for key, fact in stated.items():
        said = Stated(adult_on=fact.adult_on, child_on=fact.child_on, seen=fact.seen,
                      named_on=fact.named_on)
        borns = frozenset([fact.born]) if fact.born else frozenset()
        if borns and said != Stated() and contradiction(said, Stated(born=fact.born),
                                                        limits=limits):
            said = Stated()
        if borns or said != Stated():
            out[key] = Life(borns, said.adult_on, said.child_on, said.seen, said.named_on,
                            limits)
    return out


def _rows_of(records, compared):
    """The person records of the ``compared`` records (the representatives of units,
    indexed afresh), in their order and with their index."""
    if len(records) == len(compared) and \
            (records["record_key"].to_numpy() == compared["record_key"].to_numpy()).all():
        return records.set_axis(compared.index)     # nothing collapsed
    position = records.index[records["record_key"].isin(compared["record_key"]).to_numpy()]
    rows = records.loc[position].set_index("record_key", drop=False)
    return rows.loc[compared["record_key"].to_numpy()].set_axis(compared.index)


def _source_files(records) -> dict[str, str]:
    """Record key prefix (source) -> its file, for messages (Arrow compute: a million
    keys in a fraction of a second)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    pairs = records[["record_key", "source_file"]].dropna()
    keys = pa.array(pairs["record_key"].to_numpy(dtype=object), type=pa.string())
    prefix = pc.struct_field(pc.extract_regex(keys, r"^(?P<source>[^:]*)"), [0])
    files = pa.array(pairs["source_file"].astype(str).to_numpy(dtype=object), type=pa.string())
    table = pa.table({"source": prefix, "file": files}).group_by(["source", "file"]).aggregate([])
    return dict(zip(table["source"].to_pylist(), table["file"].to_pylist()))


class _Clock:
    """Seconds per stage (for benchmarks and the build report)."""

    def __init__(self):
        import time

        self._now = time.perf_counter
        self._last = self._now()
        self.laps: dict[str, float] = {}

    def __call__(self, stage: str) -> None:
        now = self._now()
        self.laps[stage] = round(now - self._last, 3)
        self._last = now


def lookup(keys, mapping: dict):
    """``keys.map(mapping)`` for a plain dict, as an object Series aligned with ``keys``
    (a dict lookup per key: several times faster than pandas' map on string columns)."""
    import pandas as pd

    get = mapping.get
    return pd.Series([get(k) for k in keys.tolist()], index=keys.index, dtype="object")


# --- input ------------------------------------------------------------------------------

def _records_table(records):
    """Conform to PERSONS + record_key; rows without a key are warned about and dropped,
    rows repeating a key are folded into the first (first non-empty value wins)."""
    import pandas as pd

    if records is None or len(records) == 0:
        frame = model.empty("persons")
        frame["record_key"] = pd.Series(dtype="string")
        return frame, []
    frame = _fast_conform(records)
    if "record_key" not in frame.columns:
        raise ChronosError("person records have no record_key column",
                           hint="ingesters give each person record a key '<source>:<id>'")
    warnings = [Issue("person.no_record_key", "person record without a record key: not linked",
                      source_file=str(r.source_file or ""), source_ref=str(r.source_ref or ""))
                for r in frame[frame["record_key"].isna()].itertuples()]
    frame = frame[frame["record_key"].notna()].astype({"record_key": "string"})
    if frame["record_key"].duplicated().any():
        frame = frame.groupby("record_key", sort=False, as_index=False).first()
        frame = model.conform(frame, "persons")
    return frame.sort_values("record_key", kind="stable").reset_index(drop=True), warnings


def _fast_conform(records):
    """model.conform for person records, vectorised (string columns via astype)."""
    import pandas as pd

    if not isinstance(records, pd.DataFrame):
        return model.conform(records, "persons")
    frame = records.copy()
    for name, dtype in model.PERSONS.items():
        if name not in frame.columns:
            frame[name] = pd.Series(pd.NA, index=frame.index, dtype=dtype)
        elif dtype == model.STR and str(frame[name].dtype) != "string":
            column = frame[name]
            if column.dtype.kind == "f":   # a spreadsheet made numbers of identifiers
                column = column.astype("object").where(column.isna(), column.map(
                    lambda v: str(int(v)) if v == int(v) else str(v), na_action="ignore"))
            frame[name] = column.astype("string")
        elif dtype != model.STR:
            frame[name] = model.conform(frame[[name]], "persons")[name].to_numpy()
    if "record_key" in frame.columns:
        frame["record_key"] = frame["record_key"].astype("string")
    extra = [c for c in frame.columns if c not in model.PERSONS]
    return frame[list(model.PERSONS) + extra].reset_index(drop=True)


# --- which joins to try, which to forbid ---------------------------------------------------

THIN_REASON = ("not joined: a record with no name matches on date of birth and sex only, "
               "and others share that birthday; a person decides (an identifier would "
               "join them)")
#: a nameless record joined to the one person it fits, who holds another LA child id
THIN_OTHER_LA = ("joined, check: a record with no name matches on date of birth and sex only "
                 "the one person born that day, who holds another LA child id (another "
                 "authority's, an older system's, or a second record of one child?); "
                 "'different' here keeps them apart")



@dataclass
class _Plan:
    edges: list[Edge]
    cannot: set[tuple[str, str]]
    ambiguous: dict[tuple[str, str], str]


def _facts(frame, plan, record_formats=None, settings=None) -> dict:
    """Per record, the values a person cannot have two of (see cluster.FACT_RULES): a
    date of birth (a future one too), a year of birth, valid NHS number and UPN, the
    source of a record its source declares distinct (``distinct_formats``: a family
    tree's individuals) and (source, LA child id). Records joined by a must-link override
    carry none (a person decided)."""
    import pandas as pd

    overridden = set() if plan is None else {key for edge in plan.edges
                                             if edge.method == "override"
                                             for key in (edge.a, edge.b)}
    source = frame["record_key"].astype(str).str.split(":", n=1).str[0]
    formats = set(getattr(settings, "distinct_formats", ()) or ())
    fmt = record_formats if record_formats is not None else \
        pd.Series("", index=frame.index, dtype="object")
    declared = source.where(fmt.isin(formats), None) if formats else \
        pd.Series(None, index=frame.index, dtype="object")
    local = [(s, v) if v else None for s, v in zip(source, frame["la_id"])]
    year = frame["dob_year"].astype("object").where(frame["dob_year"].notna(), None)
    dob = frame["dob_fact"] if "dob_fact" in frame else frame["dob"]
    names = ("dob", "nhs", "upn", "year", "declared", "local_id")
    out = {}
    for key, *values in zip(frame["record_key"], dob, frame["nhs"], frame["upn"], year,
                            declared, local):
        # only the facts a record has (FACT_RULES compare values; a missing one is no
        # fact), and no entry for a record with none: a million records' dicts are memory
        fact = {name: v for name, v in zip(names, values) if v is not None}
        if fact and key not in overridden:
            out[key] = fact
    return out


def _column_of(records, name: str, index):
    """A column of the person records as text ('' where missing), aligned with ``index``."""
    import pandas as pd

    if records is None or name not in records.columns:
        return pd.Series("", index=index, dtype="object")
    return records[name].astype("object").where(records[name].notna(), "").set_axis(index)


def _without_chains(groups, accepted, frame, pairs, settings):
    """The groups after the cluster-consistency check (:mod:`chronos.link.consistency`):
    no two sets of dated records joined only through undated ones."""
    from chronos.link.consistency import may_chain, split_chains

    anchored = set(frame.loc[frame["dob_year"].notna(), "record_key"])
    suspect = [g for g in groups if len(g) >= 3 and may_chain(g, anchored)]
    if not suspect:
        return groups, []
    keys = {k for g in suspect for k in g}
    near = pairs[pairs["key_l"].isin(keys) & pairs["key_r"].isin(keys)
                 & (pairs["vetoes"] == "")
                 & (pairs["match_probability"] >= settings.review_threshold)]
    support = {frozenset(p) for p in zip(near["key_l"], near["key_r"])}
    inside = [e for e in accepted if e.a in keys]          # joins within the suspect groups
    support |= {frozenset((e.a, e.b)) for e in inside if e.method == "override"}
    parts, detached = split_chains(suspect, inside, anchored, support)
    if not detached:
        return groups, []
    return sorted([g for g in groups if not (len(g) >= 3 and g[0] in keys)] + parts), detached


class _Groups:
    """Groups of representatives after the consistency check, in the shape
    :func:`chronos.link.units.expand_groups` reads clusters (``groups``, ``find``,
    ``members``)."""

    def __init__(self, groups):
        self._groups = sorted(sorted(g) for g in groups)
        self.members = {g[0]: g for g in self._groups if len(g) > 1}
        self._root = {k: g[0] for g in self._groups for k in g}

    def groups(self) -> list[list[str]]:
        """Every group, sorted (each sorted)."""
        return [list(g) for g in self._groups]

    def find(self, key: str) -> str:
        """The group's first key."""
        return self._root.get(key, key)


def _still_accepted(accepted, detached):
    """The accepted joins without those the consistency check refused."""
    refused = {(d.a, d.b) for d in detached}
    return [e for e in accepted if (e.a, e.b) not in refused]


def _vague_records(frame) -> set[str]:
    """Records without a date of birth or with only an initial: they cannot tell apart
    relatives who differ by exactly those fields."""
    given = frame["given"].fillna("")
    vague = frame["dob"].isna() | (given.str.len() <= 1)
    return set(frame.loc[vague, "record_key"])


def _thin_records(frame) -> set[str]:
    """Records with no name at all (a census return: an id, a date of birth and sex)."""
    return set(frame.loc[frame["given"].isna() & frame["family"].isna(), "record_key"])


def join_lone_thin(clusters, plan: _Plan, pairs, settings: LinkSettings, nameless,
                   la_ids: dict) -> list[Edge]:
    """Join a record with no name (in ``nameless``) held back by ``thin_link_threshold``
    when nobody else in the data shares its birthday: every record it could be (each
    pair with it not vetoed and at or above the review threshold) is in one person, its
    best pair with that person reaches the link threshold. The stricter threshold is
    there because others may share the birthday; when none does, the record is joined
    like a named one. An LA child id is one authority's number for a child: when the
    person holds another (``la_ids``: record -> LA child id) from another export, the
    child may have moved authority or been recorded under an older system's number, so
    the join is made and the pair is offered in link-review.csv (:data:`THIN_OTHER_LA`)
    for a person to check; one export's two ids stay two children (clustering's facts).
    Returns the joins made (``clusters`` is updated)."""
    held = {}
    for (a, b), reason in plan.ambiguous.items():
        if reason == THIN_REASON:
            for rec in {a, b} & nameless:
                held.setdefault(rec, []).append((a, b))
    if not held:
        return []
    candidates = pairs[(pairs["vetoes"] == "")
                       & (pairs["match_probability"] >= settings.review_threshold)
                       & (pairs["key_l"].isin(held) | pairs["key_r"].isin(held))]
    options: dict[str, list] = {}
    for r in candidates.itertuples():
        for rec, other in ((r.key_l, r.key_r), (r.key_r, r.key_l)):
            if rec in held:
                options.setdefault(rec, []).append((r.match_weight, other, r))
    joined = []
    for rec in sorted(options):
        if len(clusters.members.get(clusters.find(rec), ())) > 1:
            continue                     # joined already (an identifier)
        named = [f for f in options[rec] if f[1] not in nameless]
        people = {clusters.find(other) for _, other, _ in named}
        if len(people) != 1:
            continue                     # others share the birthday: THIN_REASON holds
        weight, other, r = max(named, key=lambda f: (f[0], f[1]))
        person = clusters.members.get(clusters.find(other), [other])
        own = la_ids.get(rec)
        other_id = own and any(la_ids.get(k) not in (None, own) for k in person)
        if r.match_probability < settings.link_threshold or not clusters.union(rec, other):
            continue
        joined.append(Edge(r.key_l, r.key_r, "probabilistic", float(r.match_probability),
                           float(r.match_weight)))
        for key in held[rec]:
            plan.ambiguous.pop(key, None)
        if other_id:                     # joined, and offered for a person to check
            plan.ambiguous[(r.key_l, r.key_r)] = THIN_OTHER_LA
    return joined


def _plan_edges(pairs, overrides: Overrides, settings: LinkSettings, vague=frozenset(),
                dobs=None, *, thin=frozenset(), facts=None, stated=None) -> _Plan:
    vetoed = pairs[pairs["vetoes"] != ""]
    cannot = {tuple(p) for p in overrides.cannot_link}
    cannot |= set(zip(vetoed["key_l"], vetoed["key_r"]))
    must = {tuple(sorted(p)) for p in overrides.must_pairs()}
    cannot -= must
    edges = [Edge(a, b, "override", 1.0, 99.0) for a, b in sorted(must)]
    clean = pairs[(pairs["vetoes"] == "")]
    ident = clean[clean["identifiers"] != ""].sort_values(
        ["match_weight", "key_l", "key_r"], ascending=[False, True, True])
    edges += _edges(ident, "identifier")
    prob = clean[(clean["identifiers"] == "")
                 & (clean["match_probability"] >= settings.link_threshold)]
    held = {}
    if thin:   # a record with no name joins on its date of birth only when very likely
        nameless = prob["key_l"].isin(thin) | prob["key_r"].isin(thin)
        below = nameless & (prob["match_probability"] < settings.thin_link_threshold)
        held = {(a, b): THIN_REASON for a, b in zip(prob.loc[below, "key_l"],
                                                    prob.loc[below, "key_r"])}
        prob = prob[~below]
    ambiguous = _ambiguous(prob, cannot, settings.ambiguity_margin, vague, dobs,
                           settings.vague_ambiguity_margin, facts, stated,
                           AgeLimits.from_settings(settings))
    prob = prob.sort_values(["match_weight", "key_l", "key_r"], ascending=[False, True, True])
    edges += _edges(prob, "probabilistic", skip=ambiguous)
    return _Plan(edges, cannot, {**held, **ambiguous})


def _edges(pairs, method: str, skip=()) -> list[Edge]:
    """One edge per scored pair, in the pairs' order (less the pairs in ``skip``)."""
    from itertools import repeat

    a, b = pairs["key_l"].tolist(), pairs["key_r"].tolist()
    p = pairs["match_probability"].to_numpy(dtype=float).tolist()   # Python floats
    w = pairs["match_weight"].to_numpy(dtype=float).tolist()
    edges = list(map(Edge, a, b, repeat(method), p, w))
    return [e for e in edges if (e.a, e.b) not in skip] if skip else edges


def _ambiguous(prob, cannot, margin: float, vague=frozenset(), dobs=None,
               vague_margin: float = float("inf"), facts=None, stated=None,
               limits: AgeLimits | None = None) -> dict[tuple[str, str], str]:
    """Pairs (a, r) where r matches a and also b nearly as well (or at all, when r is
    vague: no date of birth, or an initial), and a and b may not be the same person
    (twins, a parent and a same-named child, two individuals of one family tree, years
    of birth apart): neither join is made; both go to review. A vague record is never
    joined with a candidate that what the records state rules out
    (:mod:`chronos.link.stated`): an adult's role against a young child always, the
    other sex when another candidate is not ruled out; such a candidate is no rival, and
    the pair comes with the reason (``stated``: record keys -> their
    :class:`chronos.link.stated.Stated`, asked only for vague records' candidates).
    A pair ruled out by anything but the sex is two different people: a record matching
    both is ambiguous between them (the clustering checks what the records state
    itself: :class:`chronos.link.cluster.Life`)."""
    import pandas as pd

    close, names, ruled, kinds = _close(prob, margin, vague, vague_margin, stated, limits)
    if close.empty:
        return ruled
    apart = cannot | {pair for pair in ruled if kinds[pair] != "sex"}
    clash = pd.concat([_forbidden_clashes(close, apart, names),
                       _born_apart(close, dobs, names), _facts_apart(close, facts, names)])
    rivals: dict[str, set[str]] = {}
    for rec, other in zip(names.take(clash["rec"].to_numpy(dtype="int64")).tolist(),
                          names.take(clash["other"].to_numpy(dtype="int64")).tolist()):
        rivals.setdefault(rec, set()).add(other)
    out: dict[tuple[str, str], str] = {}
    for rec in sorted(rivals):
        for other in sorted(rivals[rec]):
            others = ", ".join(sorted(rivals[rec] - {other}))
            out[tuple(sorted((rec, other)))] = (
                f"ambiguous: {rec} matches {other} and also {others}, who are different people")
    out.update(_weaker_candidates(prob, {r: v for r, v in rivals.items() if r in vague},
                                  out, apart, dobs, facts))
    return {**ruled, **out}


def _weaker_candidates(prob, rivals: dict[str, set[str]], held: dict, apart, dobs=None,
                       facts=None) -> dict:
    """The pairs of a vague record (no date of birth, or an initial) held as ambiguous
    (``rivals``: record -> the candidates it fits that are different people) with a
    candidate it fits less well that is itself a
    different person from one of those (a cannot pair, dates of birth or facts apart):
    joining it would choose between the best candidates on weaker evidence ("Catherine
    Walden" with no date of birth, held between Catherine born 2011 and Katie born 2015,
    is not then joined to another record of Katie's, born 2015, that it fits worse)."""
    if not rivals:
        return {}
    dobs, facts = dobs or {}, facts or {}

    def apart_from(other, rival):
        x, y = dobs.get(other), dobs.get(rival)
        return (tuple(sorted((other, rival))) in apart
                or bool(x and y and not dates_compatible(x, y))
                or facts_conflict(facts.get(other), facts.get(rival)))

    mine = prob[prob["key_l"].isin(rivals) | prob["key_r"].isin(rivals)]
    out = {}
    for a, b in zip(mine["key_l"].tolist(), mine["key_r"].tolist()):
        if (a, b) in held:
            continue
        for rec, other in ((a, b), (b, a)):
            if rec in rivals and other not in rivals[rec] and \
                    any(apart_from(other, rival) for rival in rivals[rec]):
                out[(a, b)] = (f"ambiguous: {rec} matches {other} less well than "
                               f"{', '.join(sorted(rivals[rec]))}, who are different people")
                break
    return out


def _close(prob, margin: float, vague, vague_margin: float, stated=None,
           limits: AgeLimits | None = None):
    """(rec, other) candidates close to each record's best, as codes into the returned
    names (integers: grouping millions of pairs by record key strings is slow); only
    records with more than one close candidate; and the pairs ruled out
    (:func:`_ruled_out`) with their reasons and the kind of each (a key of
    :data:`RULED_WORDS`)."""
    import numpy as np
    import pandas as pd

    m = len(prob)
    codes, names = pd.factorize(np.concatenate([prob["key_l"].to_numpy(dtype=object),
                                                prob["key_r"].to_numpy(dtype=object)]))
    weight = prob["match_weight"].to_numpy(dtype=float)
    both = pd.DataFrame({"rec": codes, "other": np.concatenate([codes[m:], codes[:m]]),
                         "w": np.concatenate([weight, weight])})
    both, ruled, kinds = _ruled_out(both, np.asarray(names, dtype=object), vague, stated,
                                    limits)
    gap = both.groupby("rec", sort=False)["w"].transform("max").to_numpy() - both["w"].to_numpy()
    is_vague = pd.Index(names).isin(list(vague))[both["rec"].to_numpy()]
    close = both[(gap <= margin) | (is_vague & (gap <= vague_margin))]
    close = close[close.groupby("rec", sort=False)["other"].transform("size") > 1]
    return close[["rec", "other"]], np.asarray(names, dtype=object), ruled, kinds


#: the words of a ruling out (:mod:`chronos.link.stated`)
RULED_WORDS = {"sex": "the two records state different sexes",
               "age": "one names an adult (a parent, a carer...) and the other's date of "
                      "birth makes that person a young child",
               "child": "one names the child of a record or an event and the other's date "
                        "of birth makes that person an adult of 25 or over on the day it "
                        "was said",
               "alive": "the other's date of birth is more than a lifetime before the "
                        "first event of the one",
               "unborn": "an event names the one in a role long before the other's date "
                         "of birth"}
RULED_PREFIX = "ruled out: "


def _ruled_out(both, names, vague, stated, limits=None):
    """``both`` (rec, other, w) less the candidates of vague records that what the
    records state rules out (:func:`chronos.link.stated.contradiction`): always for an
    adult's role against a young child, a child's role against an adult on the day it
    was said and a birth a lifetime before the record's events, and for the other sex
    when the record has a candidate it does not rule out; {(key, key): reason} for the
    pairs taken out; and {(key, key): kind} (a key of :data:`RULED_WORDS`)."""
    import numpy as np
    import pandas as pd

    if stated is None or not vague or both.empty:
        return both, {}, {}
    rows = both[pd.Index(names).isin(list(vague))[both["rec"].to_numpy()]]
    if rows.empty:
        return both, {}, {}
    recs, others = names[rows["rec"].to_numpy()], names[rows["other"].to_numpy()]
    told = stated(set(recs) | set(others))
    why = [contradiction(told.get(r), told.get(o), limits=limits) for r, o in zip(recs, others)]
    hit = np.array([w is not None for w in why], dtype=bool)
    if not hit.any():
        return both, {}, {}
    ruled = rows[hit]
    size = both.groupby("rec", sort=False)["other"].size()
    left = size.loc[ruled["rec"].unique()] - ruled.groupby("rec", sort=False).size()
    keep_rec = set(left[left > 0].index)            # a candidate is left: rule out
    ruled_rows = [(i, r, o, w, c in keep_rec) for i, r, o, w, c in zip(
        ruled.index, recs[hit], others[hit], np.asarray(why, dtype=object)[hit],
        ruled["rec"].to_numpy()) if w != "sex" or c in keep_rec]
    reasons = {tuple(sorted((r, o))): f"{RULED_PREFIX}{r} has no date of birth (or an "
               f"initial only) and matches {o}, but {RULED_WORDS[w]}"
               + ("; it matches another record they do not rule out" if another else "")
               for _, r, o, w, another in ruled_rows}
    kinds = {tuple(sorted((r, o))): w for _, r, o, w, _ in ruled_rows}   # as the reasons
    return both.drop(index=[i for i, *_ in ruled_rows]), reasons, kinds


def _forbidden_clashes(close, cannot, names):
    """(rec, other) where ``other`` and another close candidate of ``rec`` may not be
    joined (a cannot pair): one row per forbidden pair met, not per pair of candidates."""
    import pandas as pd

    if not cannot:
        return pd.DataFrame(columns=["rec", "other"])
    index = pd.Index(names)
    pairs = sorted(cannot)
    forbidden = pd.DataFrame({"x": index.get_indexer([x for x, _ in pairs]),
                              "y": index.get_indexer([y for _, y in pairs])})
    forbidden = forbidden[(forbidden["x"] >= 0) & (forbidden["y"] >= 0)]
    forbidden = pd.concat([forbidden, forbidden.set_axis(["y", "x"], axis=1)])
    near = close[["rec", "other"]]
    met = near.merge(forbidden, left_on="other", right_on="x")[["rec", "x", "y"]]
    met = met.merge(near, left_on=["rec", "y"], right_on=["rec", "other"])
    return met[["rec", "x"]].set_axis(["rec", "other"], axis=1)


def _facts_apart(close, facts, names):
    """(rec, other) where ``other`` and another close candidate of ``rec`` have facts a
    person cannot have two of (:data:`chronos.link.cluster.FACT_RULES`: years of birth,
    two individuals of one family tree, one source's two local ids): checked once per
    pair of distinct sets of facts, not per pair of candidates (one child's 100,000
    records with the same facts make millions of candidate pairs and one check)."""
    import numpy as np
    import pandas as pd

    none = pd.DataFrame(columns=["rec", "other"])
    if not facts:
        return none
    classes, kinds = _fact_classes(facts, names)
    near = close[["rec", "other"]]
    near = near.assign(kind=classes[near["other"].to_numpy(dtype="int64")])
    near = near[near["kind"] >= 0].drop_duplicates(["rec", "other"])
    counts = near.groupby(["rec", "kind"], sort=False).size().rename("n").reset_index()
    counts = counts[(counts.groupby("rec", sort=False)["kind"].transform("size") > 1)
                    | (counts["n"] > 1)]
    pairs = counts.merge(counts, on="rec")
    same = pairs["kind_x"] == pairs["kind_y"]
    pairs = pairs[(pairs["kind_x"] < pairs["kind_y"]) | (same & (pairs["n_x"] > 1))]
    if pairs.empty:
        return none
    met = pairs[["kind_x", "kind_y"]].drop_duplicates()
    met = met[[facts_conflict(kinds[x], kinds[y]) for x, y in
               zip(met["kind_x"].tolist(), met["kind_y"].tolist())]]
    hit = pairs.merge(met, on=["kind_x", "kind_y"])
    sides = pd.concat([hit[["rec", "kind_x"]].set_axis(["rec", "kind"], axis=1),
                       hit[["rec", "kind_y"]].set_axis(["rec", "kind"], axis=1)])
    found = near.merge(sides.drop_duplicates(), on=["rec", "kind"])
    return found[["rec", "other"]].astype(np.int64) if len(found) else none


def _fact_classes(facts, names):
    """A code per name for its facts (-1: none): records with the same facts share a
    code; and the facts of each code."""
    import numpy as np

    codes = np.full(len(names), -1, dtype=np.int64)
    seen: dict = {}
    kinds: list[dict] = []
    for i, key in enumerate(names.tolist()):
        fact = facts.get(key)
        if not fact:
            continue
        try:
            code = seen.setdefault(tuple(fact.items()), len(kinds))
        except TypeError:          # a value that cannot be hashed: a class of its own
            code = len(kinds)
        if code == len(kinds):
            kinds.append(fact)
        codes[i] = code
    return codes, kinds


def _born_apart(close, dobs, names):
    """(rec, other) where ``other``'s date of birth cannot be that of another close
    candidate of ``rec`` (never compared, but different people): checked per pair of
    distinct dates, not per pair of candidates."""
    import numpy as np
    import pandas as pd

    none = pd.DataFrame(columns=["rec", "other"])
    if not dobs:
        return none
    dob_codes, dates_of = pd.factorize(pd.Series([dobs.get(k) for k in names], dtype=object))
    born = close[["rec", "other"]].assign(dob=dob_codes[close["other"].to_numpy()])
    born = born[born["dob"] >= 0]                     # -1: no date of birth
    dates = born[["rec", "dob"]].drop_duplicates()
    dates = dates[dates.groupby("rec", sort=False)["dob"].transform("size") > 1]
    if dates.empty:
        return none
    pairs = dates.merge(dates, on="rec")
    pairs = pairs[pairs["dob_x"] < pairs["dob_y"]]
    text = np.asarray(dates_of, dtype=object)
    apart = [not dates_compatible(x, y) for x, y in zip(text[pairs["dob_x"].to_numpy()],
                                                        text[pairs["dob_y"].to_numpy()])]
    pairs = pairs[apart]
    clashing = pd.concat([pairs[["rec", "dob_x"]].set_axis(["rec", "dob"], axis=1),
                          pairs[["rec", "dob_y"]].set_axis(["rec", "dob"], axis=1)])
    return born.merge(clashing.drop_duplicates(), on=["rec", "dob"])[["rec", "other"]]


# --- outputs ------------------------------------------------------------------------------

def _person_ids(groups: list[list[str]], frame) -> dict[str, str]:
    """A stable id per group: from its one valid NHS number (or UPN, or LA id) when it
    has exactly one and no other group shares it; otherwise from its sorted record keys."""
    import pandas as pd

    cluster_of = {key: i for i, group in enumerate(groups) for key in group}
    work = frame[["record_key", *IDENTIFIER_COLUMNS]].copy()
    work["c"] = lookup(work["record_key"], cluster_of)
    basis: list = [None] * len(groups)
    decided = [False] * len(groups)
    for column in IDENTIFIER_COLUMNS:
        values = work.loc[work[column].notna(), ["c", column]].drop_duplicates()
        sizes = values.groupby("c").size()
        firsts = values.groupby("c")[column].first()
        for c, n, value in zip(sizes.index, sizes.to_numpy(), firsts.to_numpy()):
            if not decided[c]:
                basis[c] = (column, value) if n == 1 else None
                decided[c] = True
    counts: dict = {}
    for item in basis:
        if item is not None:
            counts[item] = counts.get(item, 0) + 1
    mapping = {}
    for i, group in enumerate(groups):
        usable = basis[i] is not None and counts[basis[i]] == 1
        parts = basis[i] if usable else ("records", *group)
        person = model.stable_id("P", *parts)
        mapping.update({key: person for key in group})
    return mapping


def _links(records, record_to_person, accepted: list[Edge], units=None, solid=None):
    """One row per record: its person and its strongest accepted join. A record of a unit
    of identical records (:mod:`chronos.link.units`) has its representative's join when
    it is in its representative's person, and none (``single``) otherwise."""
    import numpy as np
    import pandas as pd

    best: dict[str, tuple[int, float, str]] = {}
    for edge in accepted:
        rank = (METHOD_RANK[edge.method], edge.probability, edge.method)
        for key in (edge.a, edge.b):
            if key not in best or rank > best[key]:
                best[key] = rank
    for rep, (method, probability, _) in (solid or {}).items():
        rank = (METHOD_RANK[method], probability, method)
        if rep not in best or rank > best[rep]:
            best[rep] = rank
    if units is not None and units.rep_of:
        person = record_to_person
        best.update({m: best[r] for m, r in units.rep_of.items()
                     if r in best and person[m] == person[r]})
    keys = records["record_key"]
    found = [best.get(k) for k in keys.tolist()]
    probability = np.array([np.nan if b is None else b[1] for b in found], dtype=float)
    links = pd.DataFrame({
        "source_file": records["source_file"], "source_ref": records["source_ref"],
        "record_key": keys, "person_id": lookup(keys, record_to_person).astype("string"),
        "match_probability": pd.array(probability, dtype="Float64"),
        "method": pd.array(["single" if b is None else b[2] for b in found], dtype="string")})
    return links.sort_values("record_key", kind="stable").reset_index(drop=True)


def _quality(frame):
    """How complete a record is (more valid fields: better representative)."""
    score = frame[["nhs", "upn", "la_id", "dob", "family", "postcode", "sex"]].notna().sum(axis=1)
    return score + 2 * frame["given"].fillna("").str.len().gt(1)


def _persons(records, frame, record_to_person):
    """One row per person: each field from the most complete record that has it; only
    valid identifiers, dates of birth and postcodes; agencies and files ';'-joined."""
    import numpy as np
    import pandas as pd

    work = records.copy()
    work["person_id"] = lookup(work["record_key"], record_to_person)
    work["nhs_number"], work["upn"], work["la_child_id"] = frame["nhs"], frame["upn"], frame["la_id"]
    work["postcode"], work["sex"] = frame["postcode"], frame["sex"]
    partial = work["dob"].where(frame["dob"].isna() & frame["dob_year"].notna())
    work["dob"] = frame["dob"].where(frame["dob"].notna(), partial)
    work["dob_precision"] = work["dob_precision"].where(frame["dob"].isna(), "day")
    work.loc[work["dob"].isna(), "dob_precision"] = None
    work["full_given"] = work["given_name"].where(frame["given"].fillna("").str.len() > 1)
    # best record first within each person: most complete, then smallest record key
    # (records come sorted by key); integer sort keys, no string comparisons
    person, ids = pd.factorize(work["person_id"], sort=True)
    order = np.lexsort((np.arange(len(work)), -_quality(frame).to_numpy(), person))
    work, person = work.take(order), person[order]
    best = work.groupby(person, sort=True).first()
    best["given_name"] = best["full_given"].fillna(best["given_name"])
    best["is_index"] = work["is_index"].fillna(False).astype(bool).groupby(person).max()
    died = work["deceased"].fillna(False).astype(bool) | work["dod"].notna()
    best["deceased"] = died.groupby(person).max()
    best["person_id"] = np.asarray(ids, dtype=object)
    best = best.set_index("person_id")
    best["agency"] = _joined_agencies(work)
    best = best.reset_index()
    persons = _fast_conform(best[[c for c in model.PERSONS]])
    return persons.sort_values("person_id", kind="stable").reset_index(drop=True)


def _joined_agencies(work):
    """person_id -> its sorted, distinct agencies ';'-joined (DuckDB: fast on millions)."""
    import duckdb

    agencies = work[["person_id", "agency"]].dropna().drop_duplicates()
    if agencies.empty:
        return None
    agencies = agencies.astype({"person_id": str, "agency": str})
    con = duckdb.connect()
    con.register("a", agencies)
    joined = con.sql("SELECT person_id, string_agg(agency, ';' ORDER BY agency) AS agency "
                     "FROM a GROUP BY person_id").df()
    con.close()
    return joined.set_index("person_id")["agency"]


def _review(pairs, plan, refused, record_to_person, frame, records, overrides, settings,
            extra_rows=(), detached=()):
    """Pairs a person should look at, with the reason, the facts side by side and an
    empty ``decision`` column (same / different) to turn into overrides (``extra_rows``:
    more rows of the same shape, e.g. :func:`chronos.link.units.unit_review_rows`)."""
    import pandas as pd

    decided = {tuple(sorted(p)) for p in overrides.cannot_link} | set(
        tuple(sorted(p)) for p in overrides.must_pairs())
    refused_keys = {(e.a, e.b) for e in refused}
    near = near_pairs(pairs, frame, settings)
    chained = {tuple(sorted((d.a, d.b))): d for d in detached}
    rows = []
    candidates = _review_candidates(pairs, plan, refused_keys | set(near) | set(chained),
                                    record_to_person, settings)
    for r in candidates.itertuples():
        key = (r.key_l, r.key_r)
        if key in decided:
            continue
        reason = near.get(key) or (chained[key].reason if key in chained else None) or \
            _review_reason(r, key, plan, refused_keys, settings)
        if reason is None:
            continue
        if (reason.startswith(("uncertain", RULED_PREFIX)) or reason == THIN_REASON) and \
                record_to_person[r.key_l] == record_to_person[r.key_r]:
            continue
        rows.append({"record_key_a": r.key_l, "record_key_b": r.key_r,
                     "match_probability": round(float(r.match_probability), 6),
                     "match_weight": round(float(r.match_weight), 3), "reason": reason})
    rows.extend(row for row in extra_rows
                if (row["record_key_a"], row["record_key_b"]) not in decided)
    seen = {(row["record_key_a"], row["record_key_b"]) for row in rows}
    for key, d in sorted(chained.items()):
        if key not in seen and key not in decided:
            rows.append({"record_key_a": key[0], "record_key_b": key[1],
                         "match_probability": round(float(d.probability), 6),
                         "match_weight": round(float(d.weight), 3), "reason": d.reason})
    return _review_table(rows, record_to_person, frame, records)


#: what a vetoed pair's other fields must show to be offered for review anyway
NEAR_FAMILY = ("exact", "shares a part (hyphenated or double)")


def near_pairs(pairs, frame, settings) -> dict[tuple[str, str], str]:
    """Pairs a veto kept apart although everything else agrees, offered for review with
    the reason: the same family name, date of birth and postcode but another first name
    (twins, or one child's name written two ways), and the same names with dates of birth
    a day apart (a typo across midnight). Pairs one source declares distinct, and pairs
    with two different NHS numbers or UPNs, are not offered."""
    if pairs.empty:
        return {}
    vetoed = pairs[(pairs["vetoes"] != "") & (pairs["identifiers"] == "")]
    vetoed = vetoed[~vetoed["vetoes"].str.contains("source|nhs|upn")]
    if vetoed.empty:
        return {}
    label = _level_labels(settings)
    dob = dict(zip(frame["record_key"], frame["dob"]))
    out = {}
    for r in vetoed.itertuples():
        vetoes = set(r.vetoes.split(","))
        family = label("family", r.gamma_family)
        if family not in NEAR_FAMILY:
            continue
        if vetoes == {"given"} and label("dob", r.gamma_dob) == "exact" and \
                label("postcode", r.gamma_postcode) == "exact":
            out[(r.key_l, r.key_r)] = (
                "not joined: the same family name, date of birth and postcode but first names "
                "differ (twins, or one child's name written two ways?): a person decides")
        elif vetoes == {"dob"} and label("given", r.gamma_given) in ("exact", "nickname") and \
                _days_apart(dob.get(r.key_l), dob.get(r.key_r)) == 1:
            out[(r.key_l, r.key_r)] = (
                "not joined: the same names with dates of birth a day apart (a typo, or "
                "twins born either side of midnight?): a person decides")
    return out


def _level_labels(settings):
    """``label(comparison, gamma)``: the label of a comparison's level (None: missing)."""
    levels = {c.name: [lv.label for lv in c.levels] for c in settings.comparisons}

    def label(name: str, gamma) -> str | None:
        found = levels.get(name)
        if found is None or gamma is None or int(gamma) < 0:
            return None
        return found[len(found) - 1 - int(gamma)]

    return label


def _days_apart(a, b) -> int | None:
    if not a or not b:
        return None
    return abs((date.fromisoformat(str(a)) - date.fromisoformat(str(b))).days)


def _review_candidates(pairs, plan, refused_keys, record_to_person, settings):
    """The pairs that may need a person (vectorised filter before the reasons)."""
    import pandas as pd

    if pairs.empty:
        return pairs
    marks = set(plan.ambiguous) | refused_keys
    marked = pd.Series(False, index=pairs.index)
    if marks:
        keys = pd.MultiIndex.from_arrays([pairs["key_l"], pairs["key_r"]])
        marked[:] = keys.isin(list(marks))
    conflict = (pairs["identifiers"] != "") & (pairs["vetoes"] != "")
    band = ((pairs["vetoes"] == "") & (pairs["identifiers"] == "")
            & (pairs["match_probability"] < settings.link_threshold))
    inside = pairs[band]     # people looked up only for the pairs in the review band
    band[band] = (lookup(inside["key_l"], record_to_person)
                  != lookup(inside["key_r"], record_to_person)).to_numpy()
    return pairs[marked | conflict | band]


def _review_reason(r, key, plan, refused_keys, settings) -> str | None:
    vetoes = [VETO_WORDS.get(v, v) for v in r.vetoes.split(",") if v]
    if r.identifiers and vetoes:
        return f"shares {r.identifiers.replace(',', ', ')} but {', '.join(vetoes)}: not joined"
    if vetoes:
        return None  # twins, relatives: explain-link shows why they were kept apart
    if key in plan.ambiguous:
        return plan.ambiguous[key]
    if key in refused_keys:
        return "likely match, but joining would merge people kept apart"
    if r.match_probability < settings.link_threshold and not r.identifiers:
        return "uncertain: probability in the review band"
    return None


def _review_table(rows, record_to_person, frame, records):
    import pandas as pd

    table = pd.DataFrame(rows, columns=["record_key_a", "record_key_b", "match_probability",
                                        "match_weight", "reason"])
    named = set(table["record_key_a"]) | set(table["record_key_b"])
    facts = frame[frame["record_key"].isin(named)].set_index("record_key")
    raw = records[records["record_key"].isin(named)].set_index("record_key")
    for side in ("a", "b"):
        keys = table[f"record_key_{side}"]
        table[f"person_id_{side}"] = lookup(keys, record_to_person)
        name = (facts["given"].fillna("") + " " + facts["family"].fillna("")).str.strip()
        table[f"name_{side}"] = keys.map(name)
        for column, target in (("dob", "dob"), ("nhs", "nhs"), ("postcode", "postcode")):
            table[f"{target}_{side}"] = keys.map(facts[column])
        table[f"source_file_{side}"] = keys.map(raw["source_file"])
        table[f"source_ref_{side}"] = keys.map(raw["source_ref"])
    table["decision"] = ""
    table = table[REVIEW_COLUMNS].astype("string")
    table = table.sort_values(["record_key_a", "record_key_b"], kind="stable")
    return table.reset_index(drop=True)


def _identifier_warnings(pairs, records) -> list[Issue]:
    bad = pairs[(pairs["identifiers"] != "") & (pairs["vetoes"] != "")]
    where = records.set_index("record_key")
    issues = []
    for r in bad.itertuples():
        vetoes = ", ".join(VETO_WORDS.get(v, v) for v in r.vetoes.split(","))
        issues.append(Issue(
            "link.identifier_conflict",
            f"records {r.key_l} and {r.key_r} share {r.identifiers} but {vetoes}: "
            "not joined; check the identifier (see link-review.csv)",
            source_file=str(where.at[r.key_l, "source_file"] or ""),
            source_ref=str(where.at[r.key_l, "source_ref"] or ""),
            column=r.identifiers.split(",")[0], value=r.key_r))
    return issues
