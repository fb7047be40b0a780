"""HL7 FHIR R4, JSON or XML: a Bundle of any type, a single resource, or an NDJSON bulk
export. The XML form is read into the JSON form's structures (:mod:`chronos.ingest.fhir_xml`).

What becomes what (see ``docs/formats.md``):

- ``Patient`` -> a person record (names, birthDate, gender, NHS number; other identifiers
  in ``other_ids``). ``RelatedPerson`` -> a person record and a relationship to the patient.
- ``Encounter`` -> an event typed by class (EMER A&E, IMP admission, ...) or type code,
  else by the service it was for (:mod:`chronos.ingest.fhir_types`: antenatal, health
  visiting, emergency care ...).
- ``Appointment`` -> typed by its status *and* the service it was for (``serviceType``,
  ``specialty``, ``appointmentType``, ``reasonCode``, ``serviceCategory``: codes first,
  then words): a no-show is ``antenatal_missed`` at an antenatal clinic,
  ``immunisation_missed`` for a child's immunisations, else ``was_not_brought`` (under
  18 on the day) or ``missed_appointment_adult``; attended ``antenatal_contact``,
  ``health_visitor_contact`` or ``appointment_attended``; ``appointment_cancelled``.
- ``Condition`` / ``Observation`` / ``Procedure`` -> event types by SNOMED CT code through
  ``chronos/data/snomed_event_types.yaml``, else by the keyword classifier over their text
  ("Dental extraction under general anaesthetic": ``dental_decay``); what neither types
  becomes an ``other`` event only when clinically dated, otherwise it is counted skipped.
- ``Immunization`` -> ``immunisation_given`` / ``immunisation_missed`` (not-done).

``source_ref`` is ``ResourceType/id``. Other resource types are counted in
``records_skipped`` (``unsupported:<Type>``). References that resolve nowhere give a
``fhir.reference_unresolved`` warning; the event is kept with the id the reference names.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from chronos.datafiles import data_text
from chronos.errors import Issue, SourceError
from chronos.ingest._common import (BadDate, Day, EventRows, FutureDates, age_on, details,
                                    issue, iso_day, person_frame, relationship_frame,
                                    text_head)
from chronos.ingest.base import Ingester, Source, SourceResult, read_head, register
from chronos.ingest.fhir_types import (classify_text, concept_words, event_type_for,
                                       service_of)
from chronos.ingest.guards import JsonLimit, check_depth, load_json
from chronos import limits
from chronos.safe_input import is_inside, read_bytes

FORMAT = "fhir"
SNOMED = "http://snomed.info/sct"
NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
SEX = {"male": "M", "female": "F", "other": "X", "unknown": "U"}
SKIP_STATUS = {"entered-in-error"}
ROUTINE_OBSERVATIONS = {"vital-signs", "laboratory"}
#: coded resource -> (its clinical date element, its recorded date element)
DATE_FIELDS = {"condition": ("onset", "recordedDate"), "observation": ("effective", "issued"),
               "procedure": ("performed", "performed")}
#: RelatedPerson.relationship codes (v3 RoleCode) -> (role, relationship kind, subtype)
RELATION = {
    "MTH": ("parent", "parent", "biological"), "FTH": ("parent", "parent", "biological"),
    "NMTH": ("parent", "parent", "biological"), "NFTH": ("parent", "parent", "biological"),
    "PRN": ("parent", "parent", ""), "NPRN": ("parent", "parent", "biological"),
    "ADOPTMTH": ("parent", "parent", "adoptive"), "ADOPTFTH": ("parent", "parent", "adoptive"),
    "ADOPTPRN": ("parent", "parent", "adoptive"), "STPMTH": ("parent", "parent", "step"),
    "STPFTH": ("parent", "parent", "step"), "STPPRN": ("parent", "parent", "step"),
    "FOSTERPRN": ("carer", "parent", "foster"), "GUARD": ("carer", "household", "guardian"),
    "SIB": ("sibling", "sibling", ""), "BRO": ("sibling", "sibling", ""),
    "SIS": ("sibling", "sibling", ""), "HSIB": ("sibling", "sibling", "half"),
    "SPS": ("partner", "partner", "married"), "HUSB": ("partner", "partner", "married"),
    "WIFE": ("partner", "partner", "married"), "DOMPART": ("partner", "partner", "cohabiting"),
    "SIGOTHR": ("partner", "partner", ""),
}


@lru_cache(maxsize=1)
def code_map() -> dict:
    """The SNOMED CT / encounter class mapping shipped in ``snomed_event_types.yaml``."""
    import yaml

    text = data_text("snomed_event_types.yaml")
    raw = yaml.safe_load(text)
    return {"codes": {str(k): v for k, v in (raw.get("codes") or {}).items()},
            "classes": dict(raw.get("encounter_classes") or {}),
            "types": {str(k): v for k, v in (raw.get("encounter_types") or {}).items()}}


# --------------------------------------------------------------------------- loading

class Loaded:
    """Resources read from a FHIR file, with the problems met on the way."""

    def __init__(self):
        self.items: list[tuple[dict, str]] = []   # (resource, fullUrl or "")
        self.broken: list[Issue] = []             # quarantined (unparseable) parts
        self.no_resource = 0                      # bundle entries without a resource


def load(path: Path, label: str) -> Loaded:
    """Read a Bundle, a single resource, NDJSON, or a folder of ``*.ndjson`` files."""
    loaded = Loaded()
    if path.is_dir():
        files = sorted(path.glob("*.ndjson"))
        if not files:
            raise SourceError("folder holds no *.ndjson files", file=label)
        for file in files:
            name = f"{label}/{file.name}"
            if not is_inside(file, [path]):
                raise SourceError("a link that leads out of the folder; chronos does not "
                                  "follow it", file=name)
            _load_ndjson(_read_text(file, name), name, loaded)
        return loaded
    if _starts_xml(path):
        from chronos.ingest.fhir_xml import load_xml

        load_xml(path, label, loaded)
        return loaded
    text = _read_text(path, label)
    try:
        data = load_json(text, label)
    except json.JSONDecodeError as exc:
        _load_unparsed(text, label, exc, loaded)
        return loaded
    _load_document(data, label, loaded)
    return loaded


def _starts_xml(path: Path) -> bool:
    """True when the file is XML (FHIR's XML form) rather than JSON."""
    return read_head(path, 256).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _read_text(path: Path, label: str) -> str:
    data = read_bytes(path, label)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SourceError(f"not UTF-8 text: byte 0x{data[exc.start]:02X} on line {line} "
                          "is not UTF-8", file=label, row=f"line {line}",
                          hint="FHIR JSON is always UTF-8") from None


def _load_document(data: object, label: str, loaded: Loaded) -> None:
    if not isinstance(data, dict) or "resourceType" not in data:
        raise SourceError("JSON is not a FHIR resource (no resourceType)", file=label,
                          hint="expected a Bundle, a resource, or NDJSON (one per line)")
    if data["resourceType"] != "Bundle":
        loaded.items.append((data, ""))
        return
    for entry in data.get("entry") or []:
        _add_entry(entry, loaded)


def _add_entry(entry: object, loaded: Loaded) -> None:
    resource = entry.get("resource") if isinstance(entry, dict) else None
    if resource is None:
        loaded.no_resource += 1
    else:
        loaded.items.append((resource, entry.get("fullUrl") or ""))


def _load_unparsed(text: str, label: str, exc: json.JSONDecodeError, loaded: Loaded) -> None:
    """JSON that does not parse whole: NDJSON, or a truncated Bundle to salvage."""
    first = text.lstrip().split("\n", 1)[0]
    if _is_resource_line(first):
        _load_ndjson(text, label, loaded)
    elif '"Bundle"' in text[:4096] and _salvage_entries(text, label, loaded):
        return
    else:
        raise SourceError(f"not valid JSON: {exc.msg}", file=label,
                          row=f"line {exc.lineno} column {exc.colno}",
                          hint="the file may be truncated or not FHIR JSON") from None


def _is_resource_line(line: str) -> bool:
    try:
        return isinstance(obj := load_json(line, ""), dict) and "resourceType" in obj
    except (json.JSONDecodeError, SourceError):
        return False


def _load_ndjson(text: str, label: str, loaded: Loaded) -> None:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            resource = load_json(line, label, row=f"line {number}")
        except json.JSONDecodeError as exc:
            loaded.broken.append(issue("json.invalid", f"line is not valid JSON: {exc.msg} "
                                       f"(column {exc.colno})", label, f"line {number}",
                                       value=line[:80], severity="error"))
            continue
        except JsonLimit as exc:
            loaded.broken.append(issue(exc.code, exc.message, label, f"line {number}",
                                       value=line[:80], severity="error"))
            continue
        loaded.items.append((resource, ""))


def _salvage_entries(text: str, label: str, loaded: Loaded) -> bool:
    """Read the complete entries of a truncated Bundle; quarantine the broken tail."""
    start = text.find('"entry"')
    start = text.find("[", start) if start >= 0 else -1
    if start < 0:
        return False
    decoder, pos = json.JSONDecoder(), start + 1
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            break
        try:
            entry, pos = decoder.raw_decode(text, pos)
            check_depth(entry, label)
        except json.JSONDecodeError as exc:
            loaded.broken.append(issue(
                "json.truncated", f"JSON ends or breaks here ({exc.msg}); the entries "
                f"before it were read", label, f"line {exc.lineno} column {exc.colno}",
                severity="error"))
            break
        except (RecursionError, ValueError, JsonLimit):
            line = text.count("\n", 0, pos) + 1
            loaded.broken.append(issue(
                "json.too_deep", f"an entry nests more than {limits.MAX_JSON_DEPTH} levels "
                f"deep or holds a number over {limits.MAX_NUMBER_DIGITS} digits; the entries "
                "before it were read", label, f"line {line}", severity="error"))
            break
        _add_entry(entry, loaded)
    return True


# --------------------------------------------------------------------------- reading

class FhirReader:
    """Turns loaded FHIR resources into persons, relationships and events."""

    def __init__(self, source: Source, loaded: Loaded):
        self.source, self.label = source, source.file_label
        self.loaded = loaded
        self.events = EventRows(FORMAT, self.label, source.agency)
        self.persons: list[dict] = []
        self.relationships: list[dict] = []
        self.warnings: list[Issue] = []
        self.quarantine: list[Issue] = list(loaded.broken)
        self.skipped: dict[str, int] = {}
        self.index: dict[str, dict] = {}
        self.dob: dict[str, str] = {}          # person record key -> ISO birth date
        self._unresolved: set[tuple[str, str]] = set()
        self.future = FutureDates(source)

    def read(self) -> SourceResult:
        """Read every resource (people first, so ages are known for events)."""
        self._build_index()
        people = [(r, u) for r, u in self.loaded.items if _rtype(r) in PERSON_HANDLERS]
        others = [(r, u) for r, u in self.loaded.items if _rtype(r) not in PERSON_HANDLERS]
        to_data = sum(self._dispatch(res, PERSON_HANDLERS, pos) for pos, (res, _) in
                      enumerate(people))
        to_data += sum(self._dispatch(res, EVENT_HANDLERS, pos) for pos, (res, _) in
                       enumerate(others))
        if self.loaded.no_resource:
            self._skip("entry_without_resource", self.loaded.no_resource)
        return self._result(to_data)

    def _result(self, to_data: int) -> SourceResult:
        events = self.events.frame()
        self._set_roles(events)
        return SourceResult(
            source=self.source, format=FORMAT, events=events,
            persons=person_frame(self.persons),
            relationships=relationship_frame(self.relationships),
            quarantine=self.quarantine, warnings=self.warnings,
            records_read=len(self.loaded.items) + self.loaded.no_resource +
            len(self.loaded.broken),
            records_to_data=to_data, records_skipped=dict(sorted(self.skipped.items())))

    def _build_index(self) -> None:
        for resource, full_url in self.loaded.items:
            if not isinstance(resource, dict):
                continue
            key = f"{_rtype(resource)}/{resource.get('id', '')}"
            self.index[key] = resource
            if full_url:
                self.index[full_url] = resource

    def _dispatch(self, resource: object, handlers: dict, position: int) -> int:
        """Handle one resource; 1 when it became data, else it is skipped or quarantined."""
        ref = _ref_of(resource, position)
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            self.quarantine.append(issue("fhir.not_a_resource", "entry is not a FHIR "
                                         "resource (no resourceType)", self.label, ref,
                                         severity="error"))
            return 0
        handler = handlers.get(resource["resourceType"])
        if handler is None:
            self._skip(f"unsupported:{resource['resourceType']}")
            return 0
        try:
            skip_reason = handler(self, resource, ref)
        except FutureDate as future:
            self.quarantine.append(self.future.issue(ref, future.field, future.value))
            return 0
        except (TypeError, AttributeError, KeyError, ValueError, IndexError) as exc:
            self.quarantine.append(issue("fhir.malformed_resource", f"resource does not "
                                         f"follow FHIR R4: {exc}", self.label, ref,
                                         severity="error"))
            return 0
        if skip_reason:
            self._skip(skip_reason)
            return 0
        return 1

    def _skip(self, reason: str, count: int = 1) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + count

    # ------------------------------------------------------------ references and dates

    def person_key(self, reference: dict | None, ref: str, field: str) -> str:
        """The person record key a subject/patient reference points at ('' if none)."""
        target = (reference or {}).get("reference") if isinstance(reference, dict) else None
        if not target:
            return ""
        resource = self.resolve(target)
        if resource is not None:
            return self.key_for(resource)
        if (ref, target) not in self._unresolved:
            self._unresolved.add((ref, target))
            self.warnings.append(issue(
                "fhir.reference_unresolved", f"{field} reference {target!r} resolves to no "
                "resource in this file; the event is kept with the id it names",
                self.label, ref, column=field, value=target))
        local = target.split("urn:uuid:", 1)[-1]
        return f"{self.source.name}:{local if '/' in local else 'Patient/' + local}"

    def resolve(self, target: str) -> dict | None:
        """The resource a reference names, by fullUrl, ``Type/id`` or absolute URL."""
        if target in self.index:
            return self.index[target]
        parts = target.split("/_history/")[0].rstrip("/").split("/")
        return self.index.get("/".join(parts[-2:])) if len(parts) >= 2 else None

    def key_for(self, resource: dict) -> str:
        """The record key of a Patient or RelatedPerson resource."""
        return f"{self.source.name}:{_rtype(resource)}/{resource.get('id', '')}"

    def day(self, value: object, ref: str, field: str) -> Day | None:
        """Parse a FHIR date; a bad one is a warning and the event stays undated."""
        if value is None:
            return None
        try:
            return iso_day(str(value))
        except BadDate as exc:
            self.warnings.append(issue("date.invalid", str(exc), self.label, ref,
                                       column=field, value=value))
            return None

    def add_event(self, ref: str, event_type: str, day: Day | None, *, field: str,
                  **facts) -> None:
        """Add the resource's event; a date after the as-of date quarantines the whole
        resource (raises :class:`FutureDate`) or, with ``future_dates: warn``, warns."""
        if self.future.is_future(day):
            if self.future.quarantines:
                raise FutureDate(field, day.date)
            self.warnings.append(self.future.issue(ref, field, day.date))
        self.events.add(ref, event_type, day, **facts)

    def birth_date(self, res: dict, ref: str) -> Day | None:
        """A person's birthDate; one after the as-of date is quarantined as a part of
        the person record (which stays, without it) or, under ``warn``, kept."""
        dob = self.day(res.get("birthDate"), ref, "birthDate")
        if not self.future.is_future(dob):
            return dob
        issue_ = self.future.issue(ref, "birthDate", dob.date, part_of=ref)
        if not self.future.quarantines:
            self.warnings.append(issue_)
            return dob
        self.quarantine.append(issue_)
        return None

    def is_child(self, person: str, day: Day | None) -> bool | None:
        """Whether the person was under 18 on the day (None when unknown)."""
        age = age_on(self.dob.get(person), day.date if day else None)
        return None if age is None else age < 18

    def org_name(self, reference: object) -> str:
        """An organisation's name from a reference (display, or the resolved resource)."""
        if not isinstance(reference, dict):
            return ""
        found = self.resolve(reference.get("reference") or "") or {}
        return str(reference.get("display") or found.get("name") or "")

    def _set_roles(self, events) -> None:
        """Role child/adult from the age at the latest dated event of each patient."""
        latest: dict[str, str] = {}
        for persons, day in zip(events["person_ids"].fillna(""), events["date"].fillna("")):
            for key in filter(None, persons.split(";")):
                if day and day > latest.get(key, ""):
                    latest[key] = day
        for row in self.persons:
            if row["role"] is None:
                age = age_on(row["dob"], latest.get(row["record_key"]))
                row["role"] = None if age is None else "child" if age < 18 else "adult"


# --------------------------------------------------------------------------- people

def _patient(reader: FhirReader, res: dict, ref: str) -> None:
    key = reader.key_for(res)
    dob = reader.birth_date(res, ref)
    if dob:
        reader.dob[key] = dob.date
    reader.persons.append(_person_row(reader, res, ref, key, dob, role=None))


def _related_person(reader: FhirReader, res: dict, ref: str) -> None:
    key = reader.key_for(res)
    codes = [c.get("code", "") for cc in res.get("relationship") or []
             for c in cc.get("coding") or []]
    role, kind, subtype = next((RELATION[c] for c in codes if c in RELATION),
                               ("carer", "household", ""))
    dob = reader.birth_date(res, ref)
    reader.persons.append(_person_row(reader, res, ref, key, dob, role=role))
    patient = reader.person_key(res.get("patient"), ref, "patient")
    if patient:
        period = res.get("period") or {}
        reader.relationships.append({   # person_a is the related person (the parent)
            "person_a": key, "person_b": patient, "kind": kind, "subtype": subtype or None,
            "start": _iso_or_none(reader, period.get("start"), ref),
            "end": _iso_or_none(reader, period.get("end"), ref),
            "source_file": reader.label, "source_ref": ref})


def _person_row(reader: FhirReader, res: dict, ref: str, key: str, dob: Day | None,
                role: str | None) -> dict:
    given, family, others = _names(res.get("name") or [])
    nhs, other_ids = _identifiers(res.get("identifier") or [])
    dod = reader.day(res.get("deceasedDateTime"), ref, "deceasedDateTime")
    address = (res.get("address") or [{}])[0]
    return {
        "record_key": key, "person_id": key, "given_name": given, "family_name": family,
        "other_names": others, "dob": dob.date if dob else None,
        "dob_precision": dob.precision if dob else None, "dod": dod.date if dod else None,
        "deceased": True if res.get("deceasedBoolean") is True and not dod else None,
        "sex": SEX.get(str(res.get("gender", "")).lower()), "nhs_number": nhs,
        "other_ids": other_ids, "postcode": address.get("postalCode"),
        "address": ", ".join(str(p) for p in [*(address.get("line") or []),
                                                  address.get("city")] if p) or None,
        "role": role, "agency": reader.source.agency, "source_format": FORMAT,
        "source_file": reader.label, "source_ref": ref}


def _names(names: list) -> tuple[str | None, str | None, str | None]:
    """(given, family, other names): the official (or first) name, the rest as others."""
    if not names:
        return None, None, None
    main = next((n for n in names if n.get("use") == "official"), names[0])
    given = " ".join(main.get("given") or []) or None
    others = ["; ".join(filter(None, [" ".join(n.get("given") or []), n.get("family")]))
              for n in names if n is not main]
    return given, main.get("family"), " | ".join(o for o in others if o) or None


def _identifiers(identifiers: list) -> tuple[str | None, str | None]:
    """(NHS number, 'system=value;...' of the others)."""
    nhs, others = None, []
    for ident in identifiers:
        system, value = ident.get("system") or "", ident.get("value")
        if not value:
            continue
        if system == NHS_NUMBER and nhs is None:
            nhs = str(value).replace(" ", "")
        else:
            others.append(f"{system or 'id'}={str(value).replace(';', ',')}")
    return nhs, ";".join(others) or None


def _iso_or_none(reader: FhirReader, value: object, ref: str) -> str | None:
    day = reader.day(value, ref, "period")
    return day.date if day else None


# --------------------------------------------------------------------------- events

def _encounter(reader: FhirReader, res: dict, ref: str) -> str | None:
    status = res.get("status", "")
    if status in SKIP_STATUS or status == "planned":
        return f"encounter.{status}"
    class_code = _class_code(res.get("class"))
    type_codes = _snomed(res.get("type") or [])
    event_type, label = _encounter_type(class_code, type_codes)
    found = None
    if event_type == "health_contact":   # no class or type chronos knows: what service?
        found = service_of([*_as_list(res.get("serviceType")), *(res.get("type") or []),
                            *(res.get("reasonCode") or [])], [])
        event_type = event_type_for(found, "encounter")
    if status == "cancelled":
        event_type = "appointment_cancelled"
    period = res.get("period") or {}
    day = reader.day(period.get("start"), ref, "period.start")
    end = reader.day(period.get("end"), ref, "period.end")
    reader.add_event(
        ref, event_type, day, field="period.start",
        person_ids=reader.person_key(res.get("subject"), ref, "subject"),
        summary=_text((res.get("type") or [None])[0]) or label or
        (f"{found.service.label.capitalize()} encounter" if found else
         f"{class_code or 'Health'} encounter"),
        outcome=_text((res.get("hospitalization") or {}).get("dischargeDisposition")),
        end_date=end.date if end and day and end.date != day.date else None,
        source_org=reader.org_name(res.get("serviceProvider")),
        details=details(**{"class": class_code,
                           "snomed": type_codes[0] if type_codes else "", "status": status,
                           "service": found.service.name if found else "",
                           "service_from": found.how if found else ""}))


def _as_list(value: object) -> list:
    """A repeating element as a list (R4 Encounter.serviceType is one CodeableConcept,
    R5's a list)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _class_code(value: object) -> str:
    """The encounter class code: a Coding in R4, a list of CodeableConcepts in R5."""
    if isinstance(value, list):
        value = (value[0].get("coding") or [{}])[0] if value else {}
    return str((value or {}).get("code") or "").upper()


def _encounter_type(class_code: str, type_codes: list[str]) -> tuple[str, str]:
    mapping = code_map()
    if class_code in mapping["classes"]:
        return mapping["classes"][class_code], ""
    for code in type_codes:
        if code in mapping["types"]:
            entry = mapping["types"][code]
            return entry["event_type"], entry.get("label", "")
    return "health_contact", ""


def _appointment(reader: FhirReader, res: dict, ref: str) -> str | None:
    status = res.get("status", "")
    day = reader.day(res.get("start"), ref, "start")
    person = _appointment_person(reader, res, ref)
    found = service_of(_appointment_concepts(res), [str(res.get("description") or ""),
                                                    str(res.get("comment") or "")])
    if status == "noshow":
        event_type = event_type_for(found, _no_show_outcome(reader, person, day, ref, found))
    elif status == "cancelled":
        event_type = "appointment_cancelled"
    elif status in ("fulfilled", "arrived", "checked-in"):
        event_type = event_type_for(found, "attended")
    else:
        return f"appointment.{status or 'no_status'}"
    summary = (_text((res.get("serviceType") or [None])[0]) or _text(res.get("appointmentType"))
               or _text((res.get("specialty") or [None])[0]) or res.get("description")
               or (found.service.label.capitalize() + " appointment" if found else "Appointment"))
    reader.add_event(ref, event_type, day, field="start", person_ids=person, summary=summary,
                     outcome=_text(res.get("cancelationReason")),
                     details=details(status=status,
                                     service=found.service.name if found else "",
                                     service_from=found.how if found else ""))


def _appointment_concepts(res: dict) -> list:
    """The coded fields that say what an appointment was for, most specific first."""
    return [*(res.get("serviceType") or []), *(res.get("specialty") or []),
            *_as_list(res.get("appointmentType")), *(res.get("reasonCode") or []),
            *_as_list(res.get("serviceCategory"))]


def _appointment_person(reader: FhirReader, res: dict, ref: str) -> str:
    if res.get("subject"):
        return reader.person_key(res["subject"], ref, "subject")
    for participant in res.get("participant") or []:
        actor = participant.get("actor") or {}
        target = actor.get("reference") or ""
        if "Patient/" in target or _rtype(reader.resolve(target) or {}) == "Patient":
            return reader.person_key(actor, ref, "participant.actor")
    return ""


def _no_show_outcome(reader: FhirReader, person: str, day: Day | None, ref: str,
                     found) -> str:
    """``no_show_child`` or ``no_show_adult`` by the patient's age on the day (unknown
    age: a child's, with a warning, unless the service types both the same)."""
    child = reader.is_child(person, day)
    if child is None and event_type_for(found, "no_show_child") != event_type_for(
            found, "no_show_adult"):
        reader.warnings.append(issue(
            "fhir.age_unknown", f"no-show recorded as {event_type_for(found, 'no_show_child')}:"
            " the patient's age on the day is unknown", reader.label, ref, column="start"))
    return "no_show_adult" if child is False else "no_show_child"


def _condition(reader: FhirReader, res: dict, ref: str) -> str | None:
    verification = _code_of(res.get("verificationStatus"))
    if verification in ("entered-in-error", "refuted"):
        return f"condition.{verification}"
    onset = _first_present(res, "onsetDateTime", "onsetPeriod.start", "onsetString")
    abated = _first_present(res, "abatementDateTime", "abatementPeriod.end")
    end = reader.day(abated, ref, "abatement")
    return _coded_event(reader, res, ref, codes=_snomed([res.get("code")]),
                        clinical=reader.day(onset, ref, "onset"),
                        recorded=reader.day(res.get("recordedDate"), ref, "recordedDate"),
                        end=end, kind="condition",
                        facts={"clinical_status": _code_of(res.get("clinicalStatus")),
                               "verification": verification})


def _observation(reader: FhirReader, res: dict, ref: str) -> str | None:
    if res.get("status") in ("entered-in-error", "cancelled"):
        return f"observation.{res['status']}"
    codes = _snomed([res.get("code"), res.get("valueCodeableConcept")])
    categories = {_code_of(c) for c in res.get("category") or []}
    effective = _first_present(res, "effectiveDateTime", "effectivePeriod.start",
                               "effectiveInstant")
    if not _mapped(codes) and categories & ROUTINE_OBSERVATIONS:
        return "observation.routine_measurement"
    quantity = res.get("valueQuantity") or {}
    return _coded_event(reader, res, ref, codes=codes,
                        clinical=reader.day(effective, ref, "effective"),
                        recorded=reader.day(res.get("issued"), ref, "issued"), end=None,
                        kind="observation", value=quantity.get("value"),
                        facts={"value": _value_text(res), "status": res.get("status")})


def _procedure(reader: FhirReader, res: dict, ref: str) -> str | None:
    status = res.get("status", "")
    if status in SKIP_STATUS or status == "not-done":
        return f"procedure.{status}"
    performed = _first_present(res, "performedDateTime", "performedPeriod.start")
    return _coded_event(reader, res, ref, codes=_snomed([res.get("code")]),
                        clinical=reader.day(performed, ref, "performed"), recorded=None,
                        end=None, kind="procedure", facts={"status": status})


def _coded_event(reader: FhirReader, res: dict, ref: str, *, codes: list[str],
                 clinical: Day | None, recorded: Day | None, end: Day | None, kind: str,
                 facts: dict, value: float | None = None) -> str | None:
    """An event from a SNOMED-coded resource, or the reason it is skipped."""
    person = reader.person_key(res.get("subject") or res.get("patient"), ref, "subject")
    entry = _mapped(codes)
    child = reader.is_child(person, clinical or recorded)
    if entry is None:   # no code chronos knows: what do the words say?
        worded = classify_text(concept_words(res.get("code")), child=child)
        if worded:
            entry = {"event_type": worded, "label": kind}
            facts = {**facts, "typed_from": "text"}
    if entry is None and clinical is None:
        return f"{kind}.unmapped_undated"
    event_type = "other"
    if entry:
        event_type = entry.get("child_event_type") if child and entry.get(
            "child_event_type") else entry["event_type"]
    day = clinical or recorded if entry else clinical
    field = DATE_FIELDS[kind][0 if clinical else 1]
    reader.add_event(ref, event_type, day, field=field, person_ids=person, value=value,
                     summary=_text(res.get("code")) or (entry or {}).get("label", kind),
                     end_date=end.date if end and day and end.date != day.date else None,
                     details=details(snomed=codes[0] if codes else "", **facts))
    return None


def _immunization(reader: FhirReader, res: dict, ref: str) -> str | None:
    status = res.get("status", "")
    types = {"completed": "immunisation_given", "not-done": "immunisation_missed"}
    if status not in types:
        return f"immunization.{status or 'no_status'}"
    occurrence = _first_present(res, "occurrenceDateTime", "occurrenceString")
    reader.add_event(
        ref, types[status], reader.day(occurrence, ref, "occurrence"), field="occurrence",
        person_ids=reader.person_key(res.get("patient"), ref, "patient"),
        summary=_text(res.get("vaccineCode")) or "Immunisation",
        outcome=_text(res.get("statusReason")), details=details(status=status))


# --------------------------------------------------------------------------- small helpers

class FutureDate(Exception):
    """A resource's date is after the as-of date: the resource goes to quarantine."""

    def __init__(self, field: str, value: str):
        super().__init__(f"{field} {value} is in the future")
        self.field, self.value = field, value


def _rtype(resource: object) -> str:
    return str(resource.get("resourceType", "")) if isinstance(resource, dict) else ""


def _ref_of(resource: object, position: int) -> str:
    if isinstance(resource, dict) and resource.get("id"):
        return f"{_rtype(resource)}/{resource['id']}"
    return f"{_rtype(resource) or 'entry'}#{position + 1}"


def _text(concept: object) -> str:
    """The human text of a CodeableConcept (text, else the first coding's display)."""
    if not isinstance(concept, dict):
        return ""
    if concept.get("text"):
        return str(concept["text"])
    return next((str(c["display"]) for c in concept.get("coding") or [] if c.get("display")),
                "")


def _code_of(concept: object) -> str:
    if not isinstance(concept, dict):
        return ""
    return str(next((c.get("code") for c in concept.get("coding") or [] if c.get("code")), ""))


def _snomed(concepts: list) -> list[str]:
    """SNOMED CT codes of the given CodeableConcepts, in order."""
    return [str(c["code"]) for concept in concepts if isinstance(concept, dict)
            for c in concept.get("coding") or [] if c.get("system") == SNOMED and c.get("code")]


def _mapped(codes: list[str]) -> dict | None:
    table = code_map()["codes"]
    return next((table[c] for c in codes if c in table), None)


def _first_present(res: dict, *paths: str) -> object:
    for path in paths:
        value = res
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value:
            return value
    return None


def _value_text(res: dict) -> str:
    quantity = res.get("valueQuantity")
    if isinstance(quantity, dict) and quantity.get("value") is not None:
        return f"{quantity['value']} {quantity.get('unit', '')}".strip()
    return _text(res.get("valueCodeableConcept")) or str(res.get("valueString") or "")


PERSON_HANDLERS = {"Patient": _patient, "RelatedPerson": _related_person}
EVENT_HANDLERS = {"Encounter": _encounter, "Appointment": _appointment,
                  "Condition": _condition, "Observation": _observation,
                  "Procedure": _procedure, "Immunization": _immunization}


@register
class FhirIngester(Ingester):
    """HL7 FHIR R4, JSON or XML: Bundle (any type), single resource, or NDJSON bulk
    export."""

    name = FORMAT
    reads_folders = True
    description = ("HL7 FHIR R4, JSON or XML: Bundle of any type, a resource, or NDJSON bulk "
                   "export (a file, or a folder of *.ndjson)")
    extensions = (".json", ".ndjson", ".xml")

    def sniff(self, path: Path, head: bytes) -> float:
        """High when the JSON (or its first NDJSON line) names a FHIR resourceType, or
        the XML is in the FHIR namespace."""
        from chronos.ingest.fhir_xml import is_fhir_xml

        text = text_head(path, head)
        if text.startswith("<"):
            return 0.95 if is_fhir_xml(text) else 0.0
        if not text.startswith("{"):
            return 0.0
        window = text[:4096]
        if '"resourceType"' not in window:
            return 0.0
        return 0.95 if any(k in window for k in ('"Bundle"', '"Patient"', '"entry"')) or \
            path.suffix.lower() == ".ndjson" else 0.8

    def read(self, source: Source) -> SourceResult:
        """Read the FHIR file into persons, relationships and events."""
        return FhirReader(source, load(source.path, source.file_label)).read()
