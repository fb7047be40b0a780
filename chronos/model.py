"""The data contract: the tables every part of chronos reads and writes.

Each table is a pandas DataFrame whose columns and dtypes are declared here and
documented in ``docs/data-model.md``. Use :func:`empty` to make an empty table and
:func:`conform` to bring any frame to the contract (missing columns added, extra columns
kept at the end, dtypes set). Event types and Horwath categories come from
``chronos/data/event_types.yaml`` through :func:`vocabulary`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd  # the model is the one place every table passes through

from chronos.datafiles import data_text

STR = "string"
BOOL = "boolean"
FLOAT = "Float64"

EVENTS = {
    "event_id": STR,          # deterministic: see make_event_id
    "date": STR,              # ISO YYYY-MM-DD; month/year precision -> first day
    "date_precision": STR,    # day | month | year | unknown
    "date_uncertain": BOOL,   # '?', 'c.', 'approx', GEDCOM ABT ...
    "time": STR,              # HH:MM[:SS] when the source has it
    "end_date": STR,          # ISO, for ranges and episodes
    "person_ids": STR,        # ';'-joined; source person keys before linking
    "person_roles": STR,      # 'person=role;...' each person's role in the event (roles.yaml)
    "agency": STR,
    "source_org": STR,
    "event_type": STR,        # controlled vocabulary (event_types.yaml)
    "categories": STR,        # Horwath categories, ';'-joined
    "summary": STR,
    "outcome": STR,
    "value": FLOAT,           # measured value (attendance %, GCP2 overall grade)
    "details": STR,           # 'key=value;key=value' extra coded facts
    "source_format": STR,
    "source_file": STR,
    "source_ref": STR,        # 1-based data row, or resource id / element path
    "corroborated_by": STR,   # ';'-joined event ids of duplicates merged into this one
    "author": STR,            # who recorded it (a role or a name), when the source says
}

PERSONS = {
    "person_id": STR,
    "given_name": STR,
    "family_name": STR,
    "other_names": STR,
    "dob": STR,               # ISO
    "dob_precision": STR,
    "dod": STR,
    "sex": STR,               # M | F | U (unknown) | X (indeterminate / other)
    "nhs_number": STR,
    "upn": STR,
    "la_child_id": STR,
    "other_ids": STR,         # 'scheme=value;scheme=value'
    "postcode": STR,
    "address": STR,
    "role": STR,              # child | adult | parent | carer | professional ...
    "is_index": BOOL,
    "agency": STR,
    "source_format": STR,
    "source_file": STR,
    "source_ref": STR,
    "deceased": BOOL,         # known to have died (a date of death, or a death without one)
}

LINKS = {
    "source_file": STR,
    "source_ref": STR,
    "record_key": STR,        # the source person key events refer to before linking
    "person_id": STR,
    "match_probability": FLOAT,
    "method": STR,            # identifier | probabilistic | override | single
}

RELATIONSHIPS = {
    "person_a": STR,
    "person_b": STR,
    "kind": STR,              # parent | partner | sibling | household
    "subtype": STR,           # biological adoptive foster step; married cohabiting separated divorced
    "start": STR,
    "end": STR,
    "source_file": STR,
    "source_ref": STR,
}

FINDINGS = {
    "finding_id": STR,
    "rule_id": STR,
    "title": STR,
    "person_id": STR,         # the child; in a case's family findings the children, ';'-joined
    "category": STR,
    "severity": STR,
    "window_start": STR,
    "window_end": STR,
    "event_ids": STR,
    "agencies": STR,
    "explanation": STR,
    "score": FLOAT,           # family findings: the ranking score (severity, recency, agencies)
    "key_concern": STR,       # family findings: the children for whom it is a key concern
}

#: the columns of findings as the rules give them, one per child (``findings-by-child.csv``
#: of a build, ``findings.csv`` of a screen): FINDINGS without the family ranking
CHILD_FINDING_COLUMNS = [c for c in FINDINGS if c not in ("score", "key_concern")]

#: The raw findings a rule's SQL gives, one row per finding, before they are rendered into
#: FINDINGS rows (:func:`chronos.patterns.engine.render`). The findings SQL of every engine
#: (:func:`chronos.patterns.compile.findings_sql`, the Spark engine's) gives exactly these.
RAW_FINDINGS = {
    "finding_id": STR,         # 'F' + hash of rule id, child, window and evidence ids
    "person_id": STR,          # the child
    "grp": STR,                # structural rules: the group a finding is about
    "window_start": STR,
    "window_end": STR,
    "event_ids": STR,          # the evidence, sorted, ';'-joined
    "agencies": STR,           # distinct, sorted case-insensitively, ';'-joined
    "agencies_in_order": STR,  # in the order of the evidence (date, event id), repeats kept
    "event_types": STR,        # distinct, sorted, ';'-joined
    "n": "int64",              # number of evidence events
    "info": STR,               # 'key=value;...' facts for the explanation
    "approx": "int64",         # 1 when any evidence date is approximate
}

QUARANTINE = {
    "source_file": STR,
    "source_ref": STR,
    "column": STR,
    "value": STR,
    "reason": STR,            # stable code, e.g. date.impossible
    "message": STR,
    "source_format": STR,
}

TABLES = {
    "events": EVENTS,
    "persons": PERSONS,
    "links": LINKS,
    "relationships": RELATIONSHIPS,
    "findings": FINDINGS,
    "quarantine": QUARANTINE,
}

PERSON_RECORD_KEY = "record_key"  # extra column on source person records


def empty(table: str) -> pd.DataFrame:
    """An empty DataFrame with the columns and dtypes of ``table``."""
    spec = TABLES[table]
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in spec.items()})


def conform(frame: pd.DataFrame | list[dict] | None, table: str) -> pd.DataFrame:
    """Return ``frame`` with the contract's columns (in order, typed) for ``table``.

    Missing columns are added empty; columns outside the contract are kept after them.
    """
    spec = TABLES[table]
    if frame is None:
        return empty(table)
    if not isinstance(frame, pd.DataFrame):
        frame = pd.DataFrame(list(frame))
    if frame.columns.has_duplicates:  # one column per name: assigned one by one, as ever
        return _conform_by_assignment(frame, spec)
    frame = frame.reset_index(drop=True)
    columns = {name: _as_dtype(frame[name], dtype) if name in frame.columns else
               _missing(frame.index, dtype) for name, dtype in spec.items()}
    columns.update((c, frame[c]) for c in frame.columns if c not in spec)
    # one frame made from its columns (copy-on-write: nothing shared can change)
    return pd.DataFrame(columns, index=frame.index, copy=False)


def _missing(index: pd.Index, dtype: str) -> pd.Series:
    """An empty column of ``dtype`` (the scalar is broadcast: no list of a million NAs)."""
    return pd.Series(pd.NA, index=index, dtype=dtype)


def _conform_by_assignment(frame: pd.DataFrame, spec: dict) -> pd.DataFrame:
    frame = frame.copy()
    for name, dtype in spec.items():
        if name not in frame.columns:
            frame[name] = _missing(frame.index, dtype)
        else:
            frame[name] = _as_dtype(frame[name], dtype)
    extra = [c for c in frame.columns if c not in spec]
    return frame[list(spec) + extra].reset_index(drop=True)


def conformed(frame: pd.DataFrame | list[dict] | None, table: str) -> pd.DataFrame:
    """``frame`` itself when it already has the contract's columns for ``table`` (in
    order, typed, default index), else :func:`conform` of it: for a boundary that may be
    handed a table conformed before (no copy, no per-column work)."""
    if isinstance(frame, pd.DataFrame) and is_conformed(frame, table):
        return frame
    return conform(frame, table)


def is_conformed(frame: pd.DataFrame, table: str) -> bool:
    """True when ``frame`` is as :func:`conform` would return it."""
    spec = TABLES[table]
    columns = list(frame.columns)
    if columns[:len(spec)] != list(spec) or len(set(columns)) != len(columns):
        return False
    if any(c in spec for c in columns[len(spec):]):
        return False
    index = frame.index
    if not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1):
        return False
    return all(str(frame[name].dtype) == dtype for name, dtype in spec.items())


def _as_dtype(series: pd.Series, dtype: str) -> pd.Series:
    if str(series.dtype) == dtype:  # already in the contract: no per-cell work
        return series
    if dtype == BOOL:
        return series.map(_to_bool).astype(BOOL)
    if dtype == FLOAT:
        return pd.to_numeric(series, errors="coerce").astype(FLOAT)
    if isinstance(series.dtype, pd.StringDtype):   # text already (e.g. pandas' "str"):
        return series.astype(STR)                  # only the missing-value marker changes
    series = series.astype("object").where(series.notna(), None)
    return series.map(lambda v: v if v is None else str(v)).astype(STR)


def _to_bool(value):
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return pd.NA
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y", "t"}
    return bool(value)


def stable_id(prefix: str, *parts: object, length: int = 12) -> str:
    """A deterministic id from its parts: the same inputs always give the same id."""
    text = "\x1f".join("" if p is None else str(p) for p in parts)
    return prefix + hashlib.sha1(text.encode("utf-8")).hexdigest()[:length]


def make_event_id(source_file: str, source_ref: str, event_type: str, date: str | None,
                  ordinal: int = 0) -> str:
    """The event id: stable for the same file, row, type, date and position in the row."""
    return stable_id("E", source_file, source_ref, event_type, date or "", ordinal)


@dataclass(frozen=True)
class EventType:
    """One entry of the controlled vocabulary."""

    name: str
    label: str
    kind: str
    categories: tuple[str, ...]
    for_a_child: str | None = None     # the type on a child's own record (context types)


@dataclass(frozen=True)
class Vocabulary:
    """Event types and Horwath categories, loaded from ``event_types.yaml``."""

    event_types: dict[str, EventType]
    categories: dict[str, str]

    def __contains__(self, name: str) -> bool:
        return name in self.event_types

    def categories_for(self, event_type: str) -> str:
        """The ';'-joined Horwath categories of an event type ('' if none or unknown)."""
        entry = self.event_types.get(event_type)
        return ";".join(entry.categories) if entry else ""

    def label(self, event_type: str) -> str:
        """The human label of an event type (the type itself if unknown)."""
        entry = self.event_types.get(event_type)
        return entry.label if entry else event_type

    def on_a_child(self, event_type: str) -> str:
        """The type ``event_type`` takes on a child's own record: its ``for_a_child`` type,
        ``other`` for another parental or household (context) type, else itself."""
        entry = self.event_types.get(event_type)
        if entry is None or entry.kind != "context":
            return event_type
        return entry.for_a_child or "other"


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The controlled vocabulary shipped with chronos."""
    import yaml

    text = data_text("event_types.yaml")
    raw = yaml.safe_load(text)
    types = {
        name: EventType(name, spec["label"], spec.get("kind", "other"),
                        tuple(spec.get("categories") or ()), spec.get("for_a_child"))
        for name, spec in raw["event_types"].items()
    }
    unknown = sorted(t.for_a_child for t in types.values()
                     if t.for_a_child and t.for_a_child not in types)
    if unknown:
        raise ValueError(f"event_types.yaml: for_a_child names unknown type {unknown[0]!r}")
    return Vocabulary(types, dict(raw["categories"]))


# --------------------------------------------------------------------------- roles

#: the role of a person named on an event whose source gives none
DEFAULT_ROLE = "subject"


@dataclass(frozen=True)
class Roles:
    """The participant roles of ``chronos/data/roles.yaml``: name -> label, and the
    wordings agencies use for each (normalised: case, spacing, end punctuation)."""

    labels: dict[str, str]
    wordings: dict[str, str]

    def role_for(self, wording: object) -> str | None:
        """The role a wording names (``'Child present'`` -> ``present``); None if unknown."""
        text = " ".join(str(wording).replace("_", " ").casefold().split()).strip(" .:;,-")
        if text in self.labels:
            return text
        return self.wordings.get(text)

    def order(self, role: str) -> int:
        """The place of a role in the vocabulary (unknown roles last)."""
        names = list(self.labels)
        return names.index(role) if role in names else len(names)


@lru_cache(maxsize=1)
def roles() -> Roles:
    """The participant roles shipped with chronos."""
    import yaml

    text = data_text("roles.yaml")
    raw = yaml.safe_load(text)["roles"]
    labels = {name: spec["label"] for name, spec in raw.items()}
    wordings = {}
    for name, spec in raw.items():
        for wording in spec.get("wordings") or ():
            wordings.setdefault(" ".join(str(wording).casefold().split()), name)
    return Roles(labels, wordings)


def parse_roles(person_ids: object, person_roles: object) -> dict[str, tuple[str, ...]]:
    """Each person of an event with their roles, in the order of ``person_ids``: a person
    with no role recorded has :data:`DEFAULT_ROLE`; two roles are written ``a+b``."""
    ids = [p.strip() for p in _cell(person_ids).split(";") if p.strip()]
    given: dict[str, tuple[str, ...]] = {}
    for pair in _cell(person_roles).split(";"):
        person, sep, role = pair.partition("=")
        if sep and person.strip():
            given[person.strip()] = tuple(r for r in role.strip().split("+") if r)
    return {p: given.get(p) or (DEFAULT_ROLE,) for p in ids}


def format_roles(by_person: dict[str, object]) -> str:
    """``person=role;person=role+role`` for a person -> role(s) mapping (roles in the
    vocabulary's order, each once)."""
    vocab = roles()
    parts = []
    for person, value in by_person.items():
        found = [value] if isinstance(value, str) else list(value)
        found = sorted(dict.fromkeys(r for r in found if r), key=lambda r: (vocab.order(r), r))
        parts.append(f"{person}={'+'.join(found) or DEFAULT_ROLE}")
    return ";".join(parts)


def _cell(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return str(value)
