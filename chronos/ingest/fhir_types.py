"""What a FHIR appointment or encounter was for, and what a text-only record is about.

An appointment's status says only *whether* someone came; what the appointment was for
decides what a no-show means: a missed antenatal booking is ``antenatal_missed`` (the
patient is the mother, an adult), a child's missed immunisation ``immunisation_missed``,
a missed dental check ``was_not_brought``. :func:`service_of` reads the service from the
resource's coded fields first (``serviceType``, ``specialty``, ``appointmentType``,
``reasonCode``, ``serviceCategory``, an encounter's ``type``), by code system and code,
and only then from the words of their text, their displays and the description;
``chronos/data/fhir_services.yaml`` holds the codes, the words and the event type of each
outcome. :func:`classify_text` types a Condition, Procedure or Observation that carries
text but no code chronos knows, with the keyword classifier of free-text descriptions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from chronos import model
from chronos.datafiles import data_text
from chronos.ingest.keywords import _pattern, classify_all

OUTCOMES = ("no_show_child", "no_show_adult", "attended", "encounter")


@dataclass(frozen=True)
class Service:
    """One kind of service: its codes, its words and the event type of each outcome."""

    name: str
    label: str
    codes: frozenset = frozenset()            # (system URI, code)
    words: re.Pattern | None = None
    acronyms: re.Pattern | None = None
    outcomes: dict = field(default_factory=dict)

    def event_type(self, outcome: str) -> str:
        """The event type for ``outcome`` (one of :data:`OUTCOMES`)."""
        return self.outcomes[outcome]


@dataclass(frozen=True)
class Found:
    """A service and how it was recognised (``code <system>|<code>`` or ``words``)."""

    service: Service
    how: str


@lru_cache(maxsize=1)
def services() -> tuple[Service, ...]:
    """The services of ``fhir_services.yaml``, in file order (event types checked)."""
    import yaml

    raw = yaml.safe_load(data_text("fhir_services.yaml"))
    systems = {name: list(uris) for name, uris in raw["systems"].items()}
    default = dict(raw["default"])
    vocab = model.vocabulary()
    found = []
    for name, spec in raw["services"].items():
        outcomes = {o: spec.get(o, default[o]) for o in OUTCOMES}
        unknown = [t for t in outcomes.values() if t not in vocab]
        if unknown:
            raise ValueError(f"fhir_services.yaml: {name}: unknown event type {unknown[0]!r}")
        codes = frozenset((uri, str(code)) for system, values in (spec.get("codes") or {}).items()
                          for uri in systems[system] for code in values)
        words = [str(w) for w in spec.get("words") or []]
        found.append(Service(name, str(spec.get("label", name)), codes,
                             _pattern([w for w in words if not _is_acronym(w)], re.IGNORECASE),
                             _pattern([w for w in words if _is_acronym(w)], 0), outcomes))
    return tuple(found)


@lru_cache(maxsize=1)
def default_outcomes() -> dict:
    """The event type of each outcome when no service is recognised."""
    import yaml

    return dict(yaml.safe_load(data_text("fhir_services.yaml"))["default"])


def _is_acronym(word: str) -> bool:
    """Short all-capital words (``HV``, ``CAMHS``, ``MMR``) are matched case-sensitively."""
    return word.isupper() and word.isalpha() and len(word) <= 6


def service_of(concepts: list, texts: list[str]) -> Found | None:
    """The service named by ``concepts`` (CodeableConcepts, codes first) or, failing
    that, by the words of their text and displays and of ``texts``."""
    codings = [c for concept in concepts if isinstance(concept, dict)
               for c in concept.get("coding") or [] if isinstance(c, dict)]
    for service in services():
        for coding in codings:
            key = (str(coding.get("system") or ""), str(coding.get("code") or ""))
            if key in service.codes:
                return Found(service, f"code {key[0]}|{key[1]}")
    words = " | ".join([*(concept_words(c) for c in concepts), *(t for t in texts if t)])
    if not words.strip(" |"):
        return None
    for service in services():
        if (service.words and service.words.search(words)) or (
                service.acronyms and service.acronyms.search(words)):
            return Found(service, "words")
    return None


def concept_words(concept) -> str:
    if not isinstance(concept, dict):
        return ""
    parts = [str(concept.get("text") or "")]
    parts += [str(c.get("display") or "") for c in concept.get("coding") or []
              if isinstance(c, dict)]
    return " ".join(p for p in parts if p)


def event_type_for(found: Found | None, outcome: str) -> str:
    """The event type of ``outcome`` for the service found (the defaults without one)."""
    return found.service.event_type(outcome) if found else default_outcomes()[outcome]


def classify_text(text: str | None, *, child: bool | None) -> str | None:
    """The event type the words of a record's text say, or None. A parental or household
    factor ("depression", "drug use") on a child's own record is not the child's parent's:
    it takes the type's ``for_a_child`` type (a child's own depression is
    ``child_mental_health``), else ``other`` (the record is kept; the text says what it
    was)."""
    found = classify_all(text)
    if not found:
        return None
    return model.vocabulary().on_a_child(found[0]) if child else found[0]
