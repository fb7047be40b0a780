"""DfE Children in Need census XML (the 2017-2026 layouts).

``Message/Children/Child`` elements are read one at a time (``iterparse``), so large
returns stream. Each child gives a person record (LAchildID, UPN, birth date, sex from
``GenderCurrent`` or ``Sex``) and one event per dated element: referral, assessment
start / internal review / authorisation (with factors), CIN plan start and end,
section 47 enquiry, initial conference, CP plan start and end (with categories),
CP review conferences, closure (with its reason), birth and death, and the 2026
pre-proceedings dates. Assessment factors for parental substance misuse, domestic
violence and parental mental health also give a context event (see
``chronos/data/cin_codes.yaml``). ``source_ref`` is the element path, e.g.
``Child[2]/CINdetails[1]/Assessments[1]/AssessmentAuthorisationDate``.

Target dates (``InitialCPCtarget``) are not events: they say what should happen, not what
did. XML with a DOCTYPE is refused (no entity expansion). A truncated or broken file
keeps the children read before the break and quarantines the rest with its line.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path

from chronos.datafiles import data_text
from chronos.errors import Issue, SourceError
from chronos.ingest._common import (BadDate, Day, EventRows, FutureDates, details, issue,
                                    iso_day, local_name, person_frame, reject_dtd,
                                    relationship_frame, text_head)
from chronos.ingest.base import Ingester, Source, SourceResult, register
from chronos import limits
from chronos.safe_input import open_regular

FORMAT = "cin_census"
SEX = {"1": "M", "M": "M", "2": "F", "F": "F", "0": "U", "U": "U", "9": "X", "X": "X"}
#: dated element -> (event type, summary)
DATED = {
    "CINreferralDate": ("referral", "Referral to children's social care"),
    "CINclosureDate": ("case_closed", "Child in need episode closed"),
    "DateOfInitialCPC": ("initial_conference", "Initial child protection conference"),
    "AssessmentActualStartDate": ("assessment", "Assessment started"),
    "AssessmentInternalReviewDate": ("assessment", "Assessment internal review"),
    "AssessmentAuthorisationDate": ("assessment", "Assessment completed and authorised"),
    "CINPlanStartDate": ("cin_plan_start", "Child in need plan started"),
    "CINPlanEndDate": ("cin_plan_end", "Child in need plan ended"),
    "S47ActualStartDate": ("s47_enquiry", "Section 47 enquiry started"),
    "CPPstartDate": ("cp_plan_start", "Child protection plan started"),
    "CPPendDate": ("cp_plan_end", "Child protection plan ended"),
    "CPPreviewDate": ("review_conference", "Child protection review conference"),
    "PersonBirthDate": ("birth", "Born"),
    "PersonDeathDate": ("death", "Died"),
    "ExpectedPersonBirthDate": ("pregnancy", "Expected date of birth (unborn child)"),
    "PPStartDate": ("pre_proceedings", "Pre-proceedings started"),
    "LBPSentDate": ("pre_proceedings", "Letter before proceedings sent"),
    "InitialPPMeetingDate": ("pre_proceedings", "Initial pre-proceedings meeting"),
    "StepDecisionDate": ("pre_proceedings", "Pre-proceedings decision on next step"),
    "LetterInitCPDate": ("pre_proceedings", "Letter initiating care proceedings"),
    "CourtAppDate": ("court_application", "Application to court for care proceedings"),
}
NOT_EVENTS = {"InitialCPCtarget"}   # a target date: what should happen, not what did
#: dates that are meant to lie ahead (never quarantined as future)
EXPECTED_AHEAD = {"ExpectedPersonBirthDate"}


@lru_cache(maxsize=1)
def codes() -> dict:
    """The CIN census code lists (``chronos/data/cin_codes.yaml``)."""
    import yaml

    text = data_text("cin_codes.yaml")
    return {name: {str(k): v for k, v in table.items()}
            for name, table in yaml.safe_load(text).items()}


def _label(table: str, code: str | None) -> str:
    if not code:
        return ""
    return f"{code} {codes()[table].get(code, '(unrecognised code)')}"


class CinReader:
    """Streams the children of one CIN census file into the contract tables."""

    def __init__(self, source: Source):
        self.source, self.label = source, source.file_label
        self.events = EventRows(FORMAT, self.label, source.agency)
        self.persons: dict[str, dict] = {}
        self.warnings: list[Issue] = []
        self.quarantine: list[Issue] = []
        self.children = 0
        self._unknown_tags: set[str] = set()
        self.future = FutureDates(source)

    def read(self) -> SourceResult:
        """Read every Child element; a break in the XML quarantines the rest."""
        reject_dtd(self.source.path, self.label)
        with open_regular(self.source.path, self.label) as handle:
            root_seen = self._parse(handle)
        if not root_seen:
            raise SourceError("not a CIN census file: no <Message> root", file=self.label)
        return self._result()

    def _parse(self, handle) -> bool:
        """Read the Child elements one at a time; True when the root was seen."""
        root_seen, depth = False, 0
        try:
            for event, elem in ET.iterparse(handle, events=("start", "end")):
                if event == "start":
                    root_seen = root_seen or self._check_root(elem)
                    depth = self._deeper(depth, elem)
                    continue
                depth -= 1
                if local_name(elem.tag) == "Child":
                    self.children += 1
                    self._child(elem, self.children)
                    elem.clear()
        except ET.ParseError as exc:
            self._broken(exc)
        return root_seen

    def _deeper(self, depth: int, elem) -> int:
        if depth >= limits.MAX_XML_DEPTH:
            raise SourceError(f"the XML nests more than {limits.MAX_XML_DEPTH} elements deep (at "
                              f"<{local_name(elem.tag)}>)", file=self.label,
                              hint="a CIN census file nests about six levels; this file is "
                                   "not one")
        return depth + 1

    def _check_root(self, elem) -> bool:
        if local_name(elem.tag) != "Message":
            raise SourceError(f"not a CIN census file: root element is <{local_name(elem.tag)}>",
                              file=self.label, hint="expected <Message> with <Children>")
        return True

    def _broken(self, exc: ET.ParseError) -> None:
        line, column = exc.position
        if self.children == 0 and line <= 1:
            raise SourceError(f"not well-formed XML: {exc}", file=self.label,
                              row=f"line {line} column {column}") from None
        self.quarantine.append(issue(
            "xml.broken", f"XML breaks here ({exc}); the {self.children} children before it "
            "were read", self.label, f"line {line} column {column}", severity="error"))

    def _result(self) -> SourceResult:
        broken = sum("part_of" not in q.extra for q in self.quarantine)   # the XML's tail
        return SourceResult(
            source=self.source, format=FORMAT, events=self.events.frame(),
            persons=person_frame(list(self.persons.values())),
            relationships=relationship_frame([]), quarantine=self.quarantine,
            warnings=self.warnings, records_read=self.children + broken,
            records_to_data=self.children)

    # ------------------------------------------------------------------ one child

    def _child(self, elem, number: int) -> None:
        path = f"Child[{number}]"
        ids = _leaves(_first(elem, "ChildIdentifiers"))
        key = self._person(ids, path)
        self._walk(elem, path, key, ids)

    def _person(self, ids: dict[str, str], path: str) -> str:
        local = ids.get("LAchildID") or ""
        if not local:
            local = path
            self.warnings.append(issue("cin.no_child_id", "child has no LAchildID; the "
                                       "element path stands in for it", self.label, path))
        key = f"{self.source.name}:{local}"
        if key in self.persons:
            self.warnings.append(issue("cin.duplicate_child", "LAchildID appears more than "
                                       "once; later records add events only", self.label,
                                       path, value=local))
            return key
        dob = self._day(ids.get("PersonBirthDate"), f"{path}/ChildIdentifiers/PersonBirthDate")
        if self.future.quarantines and self.future.is_future(dob):
            dob = None   # the birth event's date.future issue says why
        dod = self._day(ids.get("PersonDeathDate"), f"{path}/ChildIdentifiers/PersonDeathDate")
        other = details(FormerUPN=ids.get("FormerUPN"), UPNunknown=ids.get("UPNunknown"))
        self.persons[key] = {
            "record_key": key, "person_id": key, "la_child_id": ids.get("LAchildID"),
            "upn": ids.get("UPN"), "other_ids": other or None,
            "dob": dob.date if dob else None, "dob_precision": dob.precision if dob else None,
            "dod": dod.date if dod else None,
            "sex": SEX.get((ids.get("Sex") or ids.get("GenderCurrent") or "").upper()),
            "role": "child", "agency": self.source.agency, "source_format": FORMAT,
            "source_file": self.label, "source_ref": path}
        return key

    def _walk(self, elem, path: str, key: str, ids: dict[str, str]) -> None:
        """Visit every container under ``elem``: its dated leaves become events."""
        tags = [local_name(sub.tag) for sub in elem]
        seen: dict[str, int] = {}
        for sub, tag in zip(elem, tags):
            seen[tag] = seen.get(tag, 0) + 1
            repeated = tags.count(tag) > 1 or len(sub)
            sub_path = f"{path}/{tag}[{seen[tag]}]" if repeated else f"{path}/{tag}"
            if len(sub):
                self._walk(sub, sub_path, key, ids)
            elif tag in DATED or (tag.endswith("Date") and tag not in NOT_EVENTS):
                self._dated(tag, sub.text, sub_path, elem, key, ids)

    def _dated(self, tag: str, text: str | None, path: str, container, key: str,
               ids: dict[str, str]) -> None:
        if tag == "ExpectedPersonBirthDate" and ids.get("PersonBirthDate"):
            return   # born: the expected date is kept on the birth event
        event_type, summary = DATED.get(tag) or self._unknown(tag, path)
        facts = _leaves(container)
        summary, outcome = _describe(tag, summary, facts)
        day = self._day(text, path)
        if tag not in EXPECTED_AHEAD and self.future.is_future(day):
            issue_ = self.future.issue(path, tag, text, part_of=path.split("/", 1)[0])
            if self.future.quarantines:
                self.quarantine.append(issue_)
                return
            self.warnings.append(issue_)
        self.events.add(path, event_type, day, person_ids=key, summary=summary,
                        outcome=outcome, details=_facts(tag, facts, container))
        if tag == "AssessmentAuthorisationDate" or (
                tag == "AssessmentActualStartDate" and not facts.get(
                    "AssessmentAuthorisationDate")):
            self._factor_events(container, path.rsplit("/", 1)[0], key, day)

    def _unknown(self, tag: str, path: str) -> tuple[str, str]:
        if tag not in self._unknown_tags:
            self._unknown_tags.add(tag)
            self.warnings.append(issue("cin.unknown_date_element", f"dated element <{tag}> is "
                                       "not in the CIN layouts chronos knows; kept as an "
                                       "'other' event", self.label, path, column=tag))
        return "other", tag

    def _factor_events(self, assessment, path: str, key: str, day: Day | None) -> None:
        """Context events from the parental / household factors of one assessment."""
        by_type: dict[str, list[str]] = {}
        for code in _factors(assessment):
            if code not in codes()["assessment_factors"]:
                self.warnings.append(issue("cin.unknown_code", "assessment factor code is not "
                                           "in the CIN census code list", self.label,
                                           f"{path}/FactorsIdentifiedAtAssessment",
                                           column="AssessmentFactors", value=code))
            event_type = codes()["factor_events"].get(code)
            if event_type:
                by_type.setdefault(event_type, []).append(code)
        for event_type, found in by_type.items():
            labels = "; ".join(_label("assessment_factors", c) for c in found)
            self.events.add(f"{path}/FactorsIdentifiedAtAssessment", event_type, day,
                            person_ids=key, summary=f"Identified at assessment: {labels}",
                            details=details(factors=",".join(found)))

    def _day(self, text: str | None, path: str) -> Day | None:
        try:
            return iso_day(text)
        except BadDate as exc:
            self.warnings.append(issue("date.invalid", str(exc), self.label, path,
                                       column=path.rsplit("/", 1)[-1], value=text))
            return None


def _first(elem, tag: str):
    return next((sub for sub in elem if local_name(sub.tag) == tag), None)


def _leaves(elem) -> dict[str, str]:
    """Text of the simple child elements (first of each tag)."""
    if elem is None:
        return {}
    found: dict[str, str] = {}
    for sub in elem:
        if not len(sub) and (sub.text or "").strip():
            found.setdefault(local_name(sub.tag), sub.text.strip())
    return found


def _factors(assessment) -> list[str]:
    holder = _first(assessment, "FactorsIdentifiedAtAssessment")
    if holder is None:
        return []
    return [sub.text.strip() for sub in holder if (sub.text or "").strip()]


def _describe(tag: str, summary: str, facts: dict[str, str]) -> tuple[str, str]:
    """Summary and outcome with the coded facts of the element's container spelled out."""
    if tag == "CINreferralDate":
        parts = [summary, _label("referral_source", facts.get("ReferralSource")) and
                 f"source {_label('referral_source', facts.get('ReferralSource'))}",
                 _label("primary_need", facts.get("PrimaryNeedCode")) and
                 f"primary need {_label('primary_need', facts.get('PrimaryNeedCode'))}"]
        return "; ".join(p for p in parts if p), ""
    if tag == "CINclosureDate":
        return summary, _label("reason_for_closure", facts.get("ReasonForClosure"))
    if tag == "CPPstartDate":
        category = _label("category_of_abuse", facts.get("InitialCategoryOfAbuse"))
        return f"{summary} (category {category})" if category else summary, ""
    if tag == "CPPendDate":
        return summary, _label("category_of_abuse", facts.get("LatestCategoryOfAbuse")) and \
            f"latest category {_label('category_of_abuse', facts.get('LatestCategoryOfAbuse'))}"
    return summary, ""


def _facts(tag: str, facts: dict[str, str], container) -> str:
    """The coded, non-date facts of the element's container, as details."""
    if local_name(container.tag) == "ChildIdentifiers":
        return ""   # identifiers belong to the person record, not to events
    coded = {k: v for k, v in facts.items() if not k.endswith("Date")}
    if tag.startswith("Assessment"):
        coded["factors"] = ",".join(_factors(container))
    return details(**coded)


@register
class CinCensusIngester(Ingester):
    """DfE Children in Need census XML return (2017-2026 layouts)."""

    name = FORMAT
    description = "DfE Children in Need census XML (2017-2026 layouts)"
    extensions = (".xml",)

    def sniff(self, path: Path, head: bytes) -> float:
        """High for XML with a <Message> root that holds CIN children or a CIN header."""
        text = text_head(path, head)
        if not text.startswith("<") or "<Message" not in text[:4096]:
            return 0.0
        markers = ("<CINdetails", "<Collection>CIN<", "<CINreferralDate", "<LAchildID")
        hits = sum(marker in text for marker in markers)
        return 0.95 if hits >= 2 else 0.7 if hits == 1 else 0.1

    def read(self, source: Source) -> SourceResult:
        """Stream the children of the census file into persons and events."""
        return CinReader(source).read()
