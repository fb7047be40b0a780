"""The mapping format: how an agency's columns become persons, relationships and events.

A mapping is YAML (see ``docs/mappings.md``). :func:`load_mapping` reads a file,
:func:`parse_mapping` checks a dict and returns a :class:`Mapping`; both raise
:class:`~chronos.errors.MappingError` naming the mapping file and the bad key, with the
closest valid key suggested. :meth:`Mapping.resolve` then checks the columns it names
against an export's header, before any row is read.

Event-type wordings are matched case- and whitespace-insensitively, first in the
mapping's own ``map``, then in the shipped synonyms ``chronos/data/event_wordings.yaml``,
then against the vocabulary names themselves (``head lice`` -> ``head_lice``).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from chronos.datafiles import data_text
from chronos.errors import MappingError

PERSON_FIELDS = ("id", "given_name", "family_name", "name", "other_names", "dob", "dod",
                 "sex", "nhs_number", "upn", "la_child_id", "postcode", "address", "role")
TOP_KEYS = ("reader", "dayfirst", "agency", "source_org", "person", "related", "household",
            "events", "description")
READER_KEYS = ("sheet", "encoding", "header_row", "delimiter")
EVENT_KEYS = ("date", "time", "end_date", "type", "summary", "outcome", "author", "value",
              "details", "when", "undated", "agency", "source_org", "name", "role", "occurrence")
ROLE_KEYS = ("column", "value", "map")
TYPE_KEYS = ("column", "value", "map", "unmapped")
RELATED_KEYS = ("column", "kind", "subtype", "direction", "start", "end", "separator",
                "in_events")
WHEN_KEYS = ("column", "not_empty", "empty", "equals", "in", "not_in")
KINDS = ("parent", "partner", "sibling", "household", "emotional", "other")
IGNORE = "ignore"  # a map target meaning "this wording is not an event"

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def normalise_wording(text: object) -> str:
    """How wordings are compared: case, spacing, underscores and end punctuation ignored."""
    words = str(text).replace("_", " ").casefold().split()
    return " ".join(words).strip(" .:;,-")


# --------------------------------------------------------------------------- value specs

@dataclass(frozen=True)
class Field:
    """Where one value comes from: a column, a constant, or a template over columns."""

    column: str | None = None
    value: str | None = None
    template: str | None = None

    @property
    def columns(self) -> list[str]:
        """The export columns this value reads."""
        if self.column:
            return [self.column]
        if self.template:
            return _PLACEHOLDER.findall(self.template)
        return []


def _field(raw: Any, where: str, origin: str, literal: bool = False) -> Field | None:
    """A value spec: ``"Col"`` (or a literal when ``literal``), ``"{A} {B}"``,
    ``{column: Col}``, ``{value: text}`` or ``{template: "..."}``."""
    if raw is None:
        return None
    if isinstance(raw, (int, float, bool)):
        return Field(value=str(raw))
    if isinstance(raw, str):
        if "{" in raw and _PLACEHOLDER.search(raw):
            return Field(template=raw)
        return Field(value=raw) if literal else Field(column=raw)
    if isinstance(raw, dict):
        _check_keys(raw, ("column", "value", "template"), where, origin)
        if len(raw) != 1:
            raise MappingError(f"{where}: give exactly one of column, value, template",
                               file=origin)
        key, val = next(iter(raw.items()))
        return Field(**{key: None if val is None else str(val)})
    raise MappingError(f"{where}: expected a column name or {{column: ...}}, got {raw!r}",
                       file=origin)


@dataclass(frozen=True)
class Condition:
    """``when:``: an event applies to a row only if this holds."""

    column: str
    not_empty: bool | None = None
    empty: bool | None = None
    equals: str | None = None
    among: tuple[str, ...] | None = None
    not_among: tuple[str, ...] | None = None


@dataclass(frozen=True)
class TypeSpec:
    """``type:``: a fixed event type, or a column whose wordings are mapped to types."""

    column: str | None = None
    value: str | None = None
    map: dict[str, str] = field(default_factory=dict)   # normalised wording -> type/ignore
    unmapped: str = "quarantine"                # quarantine | other | ignore | keywords


@dataclass(frozen=True)
class RoleSpec:
    """``role:``: the role in the event of the person a row is about, fixed or from a
    column whose wordings are read through ``map`` and then the roles vocabulary
    (``chronos/data/roles.yaml``)."""

    column: str | None = None
    value: str | None = None
    map: dict[str, str] = field(default_factory=dict)   # normalised wording -> role


@dataclass(frozen=True)
class EventSpec:
    """One event a row may yield."""

    type: TypeSpec
    date: str | None = None
    time: str | None = None
    end_date: str | None = None
    summary: Field | None = None
    outcome: Field | None = None
    author: Field | None = None                           # who recorded it (role or name)
    value: str | None = None
    details: tuple[tuple[str, str], ...] = ()             # (key, column)
    when: tuple[Condition, ...] = ()                      # all must hold
    undated: str = "quarantine"                           # quarantine | keep
    agency: Field | None = None
    source_org: Field | None = None
    name: str = ""
    role: RoleSpec | None = None
    #: columns whose values (with the date, time and type) make one occurrence: rows
    #: that share them are one event naming everyone on them
    occurrence: tuple[str, ...] = ()

    @property
    def columns(self) -> list[str]:
        """Every export column this event reads."""
        cols = [self.date, self.time, self.end_date, self.type.column, self.value,
                self.role.column if self.role else None, *self.occurrence]
        cols += [c for _, c in self.details]
        for spec in (self.summary, self.outcome, self.author, self.agency, self.source_org):
            cols += spec.columns if spec else []
        cols += [c.column for c in self.when]
        return [c for c in cols if c]


@dataclass(frozen=True)
class RelatedSpec:
    """``related:``: another person named on the row, and how they relate to the subject."""

    column: str
    kind: str
    subtype: Field | None = None
    direction: str = "to_subject"     # to_subject: related is person_a (e.g. the parent)
    start: str | None = None
    end: str | None = None
    separator: str = ";"
    in_events: bool = False

    @property
    def columns(self) -> list[str]:
        """Every export column this relationship reads."""
        cols = [self.column, self.start, self.end] + (self.subtype.columns if self.subtype else [])
        return [c for c in cols if c]


@dataclass(frozen=True)
class Mapping:
    """A checked mapping. ``origin`` names it in messages (the mapping file)."""

    origin: str = "mapping"
    reader: dict = field(default_factory=dict)
    dayfirst: bool | None = None
    agency: Field | None = None
    source_org: Field | None = None
    person: dict[str, Field] = field(default_factory=dict)
    related: tuple[RelatedSpec, ...] = ()
    household: Field | None = None
    events: tuple[EventSpec, ...] = ()

    @property
    def columns(self) -> list[str]:
        """Every export column the mapping names, in order, without repeats."""
        cols: list[str] = []
        for spec in (self.agency, self.source_org, self.household, *self.person.values()):
            cols += spec.columns if spec else []
        for rel in self.related:
            cols += rel.columns
        for event in self.events:
            cols += event.columns
        return list(dict.fromkeys(cols))

    def column_renames(self, header: list[str], file: str) -> dict[str, str]:
        """How to rename ``header`` to the mapping's spelling of each column it names
        (matched case- and space-insensitively), as ``{export name: mapping name}``.

        Raises :class:`MappingError` for the first mapped column the export lacks,
        naming the file, the column, the closest header and every header.
        """
        loose = {}
        for name in header:
            loose.setdefault(" ".join(name.split()).casefold(), name)
        renames = {}
        for col in self.columns:
            if col in header:
                continue
            found = loose.get(" ".join(col.split()).casefold())
            if found is None:
                raise _missing_column(col, header, file, self.origin)
            renames[found] = col
        return renames


def _missing_column(col: str, header: list[str], file: str, origin: str) -> MappingError:
    close = difflib.get_close_matches(col, header, n=1, cutoff=0.5)
    if not close:
        lowered = {h.casefold(): h for h in header}
        close = [lowered[c] for c in difflib.get_close_matches(col.casefold(), list(lowered),
                                                               n=1, cutoff=0.5)]
    hint = f"did you mean {close[0]!r}? " if close else ""
    return MappingError(f"the mapping ({origin}) names a column the export does not have",
                        file=file, column=col,
                        hint=f"{hint}the export's columns are: {', '.join(header)}")


# --------------------------------------------------------------------------- loading

def load_mapping(path: str | Path) -> Mapping:
    """Read and check a YAML mapping file."""
    from chronos.safe_input import load_yaml

    path = Path(path)
    raw = load_yaml(path, error=MappingError, what="mapping file")
    return parse_mapping(raw, origin=str(path))


def parse_mapping(raw: Any, origin: str = "mapping") -> Mapping:
    """Check a mapping dict (as loaded from YAML) and return a :class:`Mapping`."""
    if isinstance(raw, Mapping):
        return raw
    if not isinstance(raw, dict):
        raise MappingError("a mapping must be a YAML mapping of keys to values", file=origin)
    raw = dict(raw)
    origin = str(raw.pop("_file", origin))  # set by the case loader: the mapping's path
    _check_keys(raw, TOP_KEYS, "mapping", origin)
    reader = raw.get("reader") or {}
    _check_keys(reader, READER_KEYS, "reader", origin)
    person = _person(raw.get("person") or {}, origin)
    events = tuple(_event(e, i, origin) for i, e in enumerate(_as_list(raw.get("events"))))
    related = tuple(_related(r, i, origin) for i, r in enumerate(_as_list(raw.get("related"))))
    if not events and not person:
        raise MappingError("the mapping has neither events nor person", file=origin,
                           hint="add an events: list, or a person: block for a persons file")
    return Mapping(origin=origin, reader=dict(reader), dayfirst=_dayfirst(raw, origin),
                   agency=_field(raw.get("agency"), "agency", origin, literal=True),
                   source_org=_field(raw.get("source_org"), "source_org", origin, literal=True),
                   person=person, related=related, events=events,
                   household=_field(raw.get("household"), "household", origin))


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _dayfirst(raw: dict, origin: str) -> bool | None:
    value = raw.get("dayfirst")
    if value is None or isinstance(value, bool):
        return value
    raise MappingError(f"dayfirst must be true, false or null, not {value!r}", file=origin)


def _person(raw: dict, origin: str) -> dict[str, Field]:
    if not isinstance(raw, dict):
        raise MappingError("person: expected field: column pairs", file=origin)
    _check_keys(raw, PERSON_FIELDS + ("other_ids",), "person", origin)
    person = {k: _field(v, f"person.{k}", origin) for k, v in raw.items()
              if k != "other_ids" and v is not None}
    for scheme, column in (raw.get("other_ids") or {}).items():
        person[f"other_ids.{scheme}"] = _field(column, f"person.other_ids.{scheme}", origin)
    return person


def _event(raw: Any, index: int, origin: str) -> EventSpec:
    where = f"events[{index}]"
    if not isinstance(raw, dict):
        raise MappingError(f"{where}: expected a mapping with date and type", file=origin)
    _check_keys(raw, EVENT_KEYS, where, origin)
    if "type" not in raw:
        raise MappingError(f"{where}: no type", file=origin,
                           hint="type: {value: referral} or type: {column: Outcome, map: ...}")
    undated = str(raw.get("undated", "quarantine"))
    if undated not in ("quarantine", "keep"):
        raise MappingError(f"{where}.undated must be keep or quarantine", file=origin)
    if not raw.get("date") and undated != "keep":
        raise MappingError(f"{where}: no date column", file=origin,
                           hint="name the date column, or say undated: keep")
    return EventSpec(
        type=_type(raw["type"], where, origin), date=_column(raw.get("date"), where, origin),
        time=_column(raw.get("time"), where, origin),
        end_date=_column(raw.get("end_date"), where, origin),
        summary=_field(raw.get("summary"), f"{where}.summary", origin),
        outcome=_field(raw.get("outcome"), f"{where}.outcome", origin),
        author=_field(raw.get("author"), f"{where}.author", origin),
        value=_column(raw.get("value"), where, origin),
        details=_details(raw.get("details"), where, origin),
        when=tuple(_when(w, where, origin) for w in _as_list(raw.get("when"))),
        undated=undated,
        agency=_field(raw.get("agency"), f"{where}.agency", origin, literal=True),
        source_org=_field(raw.get("source_org"), f"{where}.source_org", origin, literal=True),
        name=str(raw.get("name") or ""), role=_role(raw.get("role"), where, origin),
        occurrence=tuple(_column(c, f"{where}.occurrence", origin)
                         for c in _as_list(raw.get("occurrence"))))


def _role(raw: Any, where: str, origin: str) -> RoleSpec | None:
    """``role: Column``, ``role: {value: victim}`` or ``role: {column: C, map: {...}}``."""
    from chronos.model import roles

    if raw is None:
        return None
    if isinstance(raw, str):
        raw = {"column": raw}
    if not isinstance(raw, dict):
        raise MappingError(f"{where}.role: expected a column name, {{value: ...}} or "
                           "{column: ..., map: ...}", file=origin)
    _check_keys(raw, ROLE_KEYS, f"{where}.role", origin)
    if bool(raw.get("column")) == bool(raw.get("value")):
        raise MappingError(f"{where}.role: give exactly one of column or value", file=origin)
    vocab = roles()
    known = ", ".join(vocab.labels)
    for target in [raw.get("value"), *(raw.get("map") or {}).values()]:
        if target is not None and vocab.role_for(target) is None:
            raise MappingError(f"{where}.role: {target!r} is not a role", file=origin,
                               hint=f"the roles are {known} (chronos/data/roles.yaml)")
    if raw.get("value"):
        return RoleSpec(value=vocab.role_for(raw["value"]))
    table = {normalise_wording(w): vocab.role_for(t) for w, t in (raw.get("map") or {}).items()}
    return RoleSpec(column=_column(raw["column"], where, origin), map=table)


def _column(raw: Any, where: str, origin: str) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, dict) and set(raw) == {"column"}:
        raw = raw["column"]
    if not isinstance(raw, str) or not raw.strip():
        raise MappingError(f"{where}: expected a column name, got {raw!r}", file=origin)
    return raw


def _details(raw: Any, where: str, origin: str) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        raw = [raw]
    if isinstance(raw, dict):
        return tuple((str(k), _column(v, where, origin)) for k, v in raw.items())
    return tuple((str(c), _column(c, where, origin)) for c in raw)


def _type(raw: Any, where: str, origin: str) -> TypeSpec:
    from chronos.model import vocabulary

    if isinstance(raw, str):
        raw = {"value": raw}
    if not isinstance(raw, dict):
        raise MappingError(f"{where}.type: expected {{value: ...}} or {{column: ...}}",
                           file=origin)
    _check_keys(raw, TYPE_KEYS, f"{where}.type", origin)
    if bool(raw.get("column")) == bool(raw.get("value")):
        raise MappingError(f"{where}.type: give exactly one of column or value", file=origin)
    vocab = vocabulary()
    if raw.get("value"):
        return TypeSpec(value=_known_type(str(raw["value"]), vocab, where, origin))
    unmapped = str(raw.get("unmapped", "quarantine"))
    if unmapped not in ("quarantine", "other", "ignore", "keywords"):
        raise MappingError(f"{where}.type.unmapped must be quarantine, other, ignore or "
                           "keywords", file=origin)
    table = {}
    for wording, target in (raw.get("map") or {}).items():
        target = IGNORE if target in (None, "ignore", "skip") else \
            _known_type(str(target), vocab, where, origin)
        table[normalise_wording(wording)] = target
    return TypeSpec(column=_column(raw["column"], where, origin), map=table, unmapped=unmapped)


def _known_type(name: str, vocab, where: str, origin: str) -> str:
    if name in vocab:
        return name
    close = difflib.get_close_matches(name, list(vocab.event_types), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise MappingError(f"{where}.type: {name!r} is not an event type", file=origin,
                       hint=hint + "the event types are in chronos/data/event_types.yaml")


def _when(raw: Any, where: str, origin: str) -> Condition:
    if not isinstance(raw, dict) or "column" not in raw:
        raise MappingError(f"{where}.when: expected {{column: ..., not_empty: true}}",
                           file=origin)
    _check_keys(raw, WHEN_KEYS, f"{where}.when", origin)
    tests = [k for k in WHEN_KEYS[1:] if k in raw]
    if len(tests) != 1:
        raise MappingError(f"{where}.when: give one of {', '.join(WHEN_KEYS[1:])}",
                           file=origin)

    def words(v):
        return tuple(normalise_wording(x) for x in _as_list(v))

    return Condition(column=str(raw["column"]), not_empty=raw.get("not_empty"),
                     empty=raw.get("empty"),
                     equals=normalise_wording(raw["equals"]) if "equals" in raw else None,
                     among=words(raw["in"]) if "in" in raw else None,
                     not_among=words(raw["not_in"]) if "not_in" in raw else None)


def _related(raw: Any, index: int, origin: str) -> RelatedSpec:
    where = f"related[{index}]"
    if not isinstance(raw, dict) or "column" not in raw:
        raise MappingError(f"{where}: expected {{column: ..., kind: ...}}", file=origin)
    _check_keys(raw, RELATED_KEYS, where, origin)
    kind = str(raw.get("kind", ""))
    if kind not in KINDS:
        raise MappingError(f"{where}.kind must be one of {', '.join(KINDS)}", file=origin)
    direction = str(raw.get("direction", "to_subject"))
    if direction not in ("to_subject", "from_subject"):
        raise MappingError(f"{where}.direction must be to_subject or from_subject",
                           file=origin)
    return RelatedSpec(column=_column(raw["column"], where, origin), kind=kind,
                       subtype=_field(raw.get("subtype"), f"{where}.subtype", origin,
                                      literal=True),
                       direction=direction, start=_column(raw.get("start"), where, origin),
                       end=_column(raw.get("end"), where, origin),
                       separator=str(raw.get("separator", ";")),
                       in_events=bool(raw.get("in_events", False)))


def _check_keys(raw: dict, allowed: tuple[str, ...], where: str, origin: str) -> None:
    if not isinstance(raw, dict):
        raise MappingError(f"{where}: expected a mapping of keys, got {raw!r}", file=origin)
    for key in raw:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise MappingError(f"{where}: unknown key {key!r}", file=origin,
                               hint=hint + "allowed: " + ", ".join(allowed))


# --------------------------------------------------------------------------- wordings

@lru_cache(maxsize=1)
def shipped_wordings() -> dict[str, str]:
    """The shipped synonyms: normalised agency wording -> event type."""
    import yaml

    text = data_text("event_wordings.yaml")
    table: dict[str, str] = {}
    for event_type, wordings in yaml.safe_load(text)["wordings"].items():
        for wording in wordings:
            table[normalise_wording(wording)] = event_type
    return table


def event_type_for(wording: str, spec: TypeSpec) -> str | None:
    """The event type an agency wording means under ``spec`` (``IGNORE`` for a wording the
    mapping ignores, None when unknown)."""
    from chronos.model import vocabulary

    key = normalise_wording(wording)
    if key in spec.map:
        return spec.map[key]
    found = shipped_wordings().get(key)
    if found:
        return found
    name = key.replace(" ", "_")
    return name if name in vocabulary() else None
