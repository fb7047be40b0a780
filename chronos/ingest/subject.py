"""The person a source is about: a per-child chronology's child.

A Word or Excel chronology written for one child names the child once, above the table
("Child: Jade SMITH (DOB 03/05/2016)", "Chronology for Jade Smith, born 3 May 2016"), and
has no child column: its events name nobody. Such events never reach the rules (they are
about no child), so a source can name its subject in the manifest::

    sources:
      - path: school-chronology.docx
        agency: Oakfield Primary
        subject: {name: Jade Smith, dob: 2016-05-03}      # or: subject: "Jade Smith (03/05/2016)"

or the chronology-table reader finds the child's name and date of birth in the lines above
the table (:func:`detect_subject`). :func:`attribute_to_subject` then adds the subject as
a person record of the source (record key ``<source>:subject``, linked across agencies like
any other record) and puts it on every event that names nobody. What is left unattributed
is counted per source (``events_unattributed`` in the ingest report).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from chronos.errors import Issue, ManifestError

#: the keys a manifest ``subject:`` mapping may hold
SUBJECT_KEYS = ("name", "given_name", "family_name", "dob", "sex", "nhs_number", "upn",
                "la_child_id", "role")
SUBJECT_KEY = "subject"    # the local id of the subject's person record

_DATE = (r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}|\d{4}-\d{2}-\d{2}|"
         r"\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]{3,9}\.?\s+\d{4})")
_DOB = re.compile(r"\b(?:D\.?\s?O\.?\s?B\.?|date\s+of\s+birth|born(?:\s+on)?|birth\s+date)"
                  r"\s*[:\-]?\s*(" + _DATE + r")", re.IGNORECASE)
_DATE_IN_BRACKETS = re.compile(r"\(\s*(?:d\.?o\.?b\.?\s*[:\-]?\s*)?(" + _DATE + r")\s*\)",
                               re.IGNORECASE)
#: labels that introduce the child's name on a line above the table: anywhere in the line
#: for the specific ones ("CONFIDENTIAL  Child: Kai Brown"), at its start for Name / Re
_NAME_LABELS = re.compile(
    r"(?:^|\s)(?:child(?:'s|s)?(?:\s+name)?|name\s+of\s+(?:the\s+)?child|"
    r"young\s+person(?:'s\s+name)?|subject|pupil(?:'s)?(?:\s+name)?|patient(?:\s+name)?)"
    r"\s*[:\-\u2013]\s*(?P<name>.+)$", re.IGNORECASE)
_LEADING_LABELS = re.compile(r"^\s*(?:re|name|full\s+name)\s*[:\-\u2013]\s*(?P<name>.+)$",
                             re.IGNORECASE)
_TITLED = re.compile(r"^\s*(?:multi[\s-]agency\s+|single[\s-]agency\s+|agency\s+)?"
                     r"chronology\s+(?:for|of)\s*[:\-]?\s*(?P<name>.+)$", re.IGNORECASE)
_NHS = re.compile(r"\bNHS\s*(?:no\.?|number|num)?\s*[:\-]?\s*(\d{3}\s?\d{3}\s?\d{4})\b",
                  re.IGNORECASE)
_UPN = re.compile(r"\bUPN\s*[:\-]?\s*([A-Z]\d{11}[0-9A-Z])\b", re.IGNORECASE)
_NAME_WORD = re.compile(r"^[A-Z][A-Za-z'\u2019\-]*$|^[A-Z][A-Z'\u2019\-]+$")
_NOT_NAMES = {"the", "a", "an", "and", "of", "for", "to", "review", "case", "family",
              "child", "children", "chronology", "agency", "school", "report", "page",
              "date", "dob", "born", "name", "nhs", "upn", "no", "number"}


@dataclass(frozen=True)
class Subject:
    """The child (or person) a source is about."""

    given_name: str | None = None
    family_name: str | None = None
    dob: str | None = None
    dob_precision: str | None = None
    sex: str | None = None
    nhs_number: str | None = None
    upn: str | None = None
    la_child_id: str | None = None
    role: str = "child"
    origin: str = "manifest"          # manifest | detected
    text: str = ""                    # what was read (the manifest value or the line)

    @property
    def name(self) -> str:
        """The name as one string (may be empty)."""
        return " ".join(p for p in (self.given_name, self.family_name) if p)

    def as_dict(self) -> dict:
        """The subject for the ingest report (``info.subject``)."""
        return {k: v for k, v in asdict(self).items() if v not in (None, "")}


def parse_subject(raw: Any, where: str = "subject", origin: str = "manifest") -> Subject:
    """A :class:`Subject` from a manifest value: a string ``"Name (DOB)"`` or a mapping
    with :data:`SUBJECT_KEYS`. Raises :class:`ManifestError` on anything else."""
    if isinstance(raw, Subject):
        return raw
    if isinstance(raw, str):
        found = _from_text(raw, origin="manifest") if raw.strip() else None
        if found is None:
            raise ManifestError(f"{where}: cannot read a name from {raw!r}",
                                hint='write subject: "Jade Smith (03/05/2016)" or '
                                     "subject: {name: Jade Smith, dob: 2016-05-03}")
        return found
    if not isinstance(raw, dict):
        raise ManifestError(f"{where}: expected a name or a mapping, got {raw!r}")
    unknown = [k for k in raw if k not in SUBJECT_KEYS]
    if unknown:
        raise ManifestError(f"{where}: unknown key {unknown[0]!r}",
                            hint="subject keys: " + ", ".join(SUBJECT_KEYS))
    given, family = raw.get("given_name"), raw.get("family_name")
    if raw.get("name") and not (given or family):
        given, family = _split_name(str(raw["name"]))
    dob, precision = _date(raw.get("dob"), where)
    if not (given or family or dob or raw.get("nhs_number") or raw.get("upn")
            or raw.get("la_child_id")):
        raise ManifestError(f"{where}: names nobody (no name, date of birth or identifier)")
    return Subject(_clean(given), _clean(family), dob, precision, _sex(raw.get("sex")),
                   _clean(raw.get("nhs_number")), _clean(raw.get("upn")),
                   _clean(raw.get("la_child_id")), str(raw.get("role") or "child"),
                   origin, str(raw))


def detect_subject(lines: list[str]) -> Subject | None:
    """The child named in the lines above a chronology table ("Child: Jade SMITH (DOB
    03/05/2016)", "Chronology for Jade Smith", "Name: ..." with "DOB: ..." on its own
    line), or None when no line names one. Only a labelled name counts: a heading such as
    "Chronology for the review of Child A" names nobody."""
    texts = [" ".join(str(line).split()) for line in lines if line and str(line).strip()]
    for text in texts:
        found = _from_labelled(text)
        if found is not None:
            return _with_facts(found, texts)
    return None


def attribute_to_subject(result, subject: Subject | None, *, add_person: bool = True) -> None:
    """Add ``subject`` as a person record of the source and put it on every event of
    ``result`` (a :class:`~chronos.ingest.base.SourceResult`) that names nobody.
    ``add_person`` False: the events only (a part of a source read in parts; the part
    that holds the source's persons adds the record)."""
    import pandas as pd

    from chronos import model

    if subject is None:
        return
    source = result.source
    key = f"{source.name}:{SUBJECT_KEY}"
    events = result.events
    nobody = (events["person_ids"].fillna("").astype(str).str.strip().eq("")
              if events is not None and len(events) else pd.Series([], dtype=bool))
    result.info["subject"] = {**subject.as_dict(), "record_key": key}
    if nobody.any():
        events = events.copy()
        events.loc[nobody, "person_ids"] = key
        result.events = model.conform(events, "events")
    if not add_person:
        return
    record = {"record_key": key, "person_id": key, "given_name": subject.given_name,
              "family_name": subject.family_name, "dob": subject.dob,
              "dob_precision": subject.dob_precision, "sex": subject.sex,
              "nhs_number": subject.nhs_number, "upn": subject.upn,
              "la_child_id": subject.la_child_id, "role": subject.role,
              "agency": source.agency or None, "source_format": result.format,
              "source_file": source.file_label, "source_ref": f"subject ({subject.origin})"}
    persons = result.persons
    if persons is not None and len(persons) and model.PERSON_RECORD_KEY in persons.columns:
        # the reader made the subject's record itself (a chronology table names it on
        # every event): this one, with every fact the manifest gives, replaces it
        persons = persons[persons[model.PERSON_RECORD_KEY].ne(key).fillna(True)]
    if persons is None or not len(persons):
        persons = model.conform([record], "persons")
    else:
        persons = model.conform(pd.concat([persons, model.conform([record], "persons")],
                                          ignore_index=True), "persons")
    if model.PERSON_RECORD_KEY not in persons.columns:
        persons[model.PERSON_RECORD_KEY] = persons["person_id"]
    result.persons = persons


def unattributed(events) -> int:
    """How many events name no person (they reach no child's rules)."""
    if events is None or not len(events):
        return 0
    return int(events["person_ids"].fillna("").astype(str).str.strip().eq("").sum())


def subject_mismatch(manifest: Subject, detected: Subject | None, label: str) -> list[Issue]:
    """A warning when the manifest's subject and the one written above the table differ
    (the manifest wins)."""
    if detected is None:
        return []
    names = [(s.name or "").casefold() for s in (manifest, detected)]
    differ = (all(names) and names[0] != names[1]) or (
        manifest.dob and detected.dob and manifest.dob != detected.dob)
    if not differ:
        return []
    return [Issue("subject.mismatch", f"the manifest names {manifest.name or manifest.dob} "
                  f"but the file names {detected.name or detected.dob} "
                  f"({detected.text!r}); the manifest's subject is used", label,
                  "subject", "subject", detected.text)]


# --------------------------------------------------------------------------- reading

def _from_labelled(text: str) -> Subject | None:
    for pattern in (_NAME_LABELS, _LEADING_LABELS, _TITLED):
        match = pattern.search(text)
        if match:
            found = _from_text(match["name"], origin="detected", line=text)
            if found is not None:
                return found
    return None


def _from_text(text: str, *, origin: str, line: str | None = None) -> Subject | None:
    """A name (and a date of birth beside it) from text such as ``Jade SMITH (DOB
    03/05/2016)`` or ``Smith, Jade - born 3 May 2016``."""
    dob_text = None
    for pattern in (_DOB, _DATE_IN_BRACKETS):
        match = pattern.search(text)
        if match:
            dob_text = match[1]
            break
    name_part = re.split(r"\(|\bD\.?O\.?B\b|\bdate of birth\b|\bborn\b|\bNHS\b|\bUPN\b"
                         r"|\s[\-\u2013|]\s|;|\d", text, maxsplit=1, flags=re.IGNORECASE)[0]
    given, family = _split_name(name_part.strip(" ,:-"))
    if not family and not given:
        return None
    dob, precision = _date(dob_text, "subject", strict=origin == "manifest") \
        if dob_text else (None, None)
    return Subject(given, family, dob, precision, origin=origin, text=line or text)


def _split_name(text: str) -> tuple[str | None, str | None]:
    """(given, family) from a name: ``Smith, Jade``, ``Jade SMITH``, ``Jade Louise Smith``.
    None, None when the words do not look like a name."""
    text = " ".join(text.replace("\u2019", "'").split())
    if "," in text:
        family, _, given = text.partition(",")
        words = given.split() + family.split()
        if not _plausible(words):
            return None, None
        return _clean(given), _clean(family.title() if family.isupper() else family)
    words = text.split()
    if not _plausible(words):
        return None, None
    capitals = [w for w in words if w.isupper() and len(w) > 1]
    if capitals and len(capitals) < len(words):
        family = " ".join(capitals).title()
        return _clean(" ".join(w for w in words if w not in capitals)), family
    if len(words) == 1:
        return None, words[0]
    return " ".join(words[:-1]), words[-1]


def _plausible(words: list[str]) -> bool:
    """1 to 5 capitalised words, none of them a common heading word."""
    return 0 < len(words) <= 5 and all(
        _NAME_WORD.match(w) and w.casefold() not in _NOT_NAMES for w in words)


def _with_facts(found: Subject, texts: list[str]) -> Subject:
    """Fill the date of birth, NHS number and UPN from the other lines above the table."""
    dob, precision = found.dob, found.dob_precision
    nhs = upn = None
    for text in texts:
        if dob is None:
            match = _DOB.search(text)
            if match:
                dob, precision = _date(match[1], "subject", strict=False)
        nhs = nhs or (_NHS.search(text) or [None, None])[1]
        upn = upn or (_UPN.search(text) or [None, None])[1]
    return Subject(found.given_name, found.family_name, dob, precision,
                   nhs_number=nhs.replace(" ", "") if nhs else None,
                   upn=upn.upper() if upn else None, origin=found.origin, text=found.text)


def _date(value: Any, where: str, strict: bool = True) -> tuple[str | None, str | None]:
    """(ISO date, precision) of a date of birth written any way chronos reads (day
    first); an unreadable one raises when ``strict`` (the manifest), else is left out."""
    import datetime as dt

    if value in (None, ""):
        return None, None
    if isinstance(value, dt.date):
        return value.isoformat()[:10], "day"
    from chronos.dates import parse_date

    parsed = parse_date(str(value), dayfirst=True)
    if not parsed.date and not strict:
        return None, None
    if not parsed.date:
        raise ManifestError(f"{where}: cannot read the date of birth {value!r}")
    return parsed.date, parsed.precision


def _sex(value: Any) -> str | None:
    text = str(value or "").strip().upper()[:1]
    return {"M": "M", "F": "F", "U": "U", "X": "X", "1": "M", "2": "F"}.get(text)


def _clean(value: Any) -> str | None:
    text = " ".join(str(value).split()) if value not in (None, "") else ""
    return text or None
