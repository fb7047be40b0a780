"""HL7 FHIR R4 in its XML form, read into the same structures as the JSON form.

FHIR's XML and JSON carry the same content (the specification's "XML representation"):
elements in the ``http://hl7.org/fhir`` namespace; a primitive's value in its ``value``
attribute (``<birthDate value="2016-05-04"/>``); a resource inside a ``<resource>`` (or
``<contained>``) element named by its type; repeating elements written once per value.
:func:`resource_from_xml` turns one resource element into the dict the JSON form would
parse to: ``resourceType`` from the element's name, primitive values as text (``true`` /
``false`` as booleans, numbers where JSON has numbers), elements that FHIR lets repeat as
lists even when written once (:data:`REPEATING`), and the narrative ``div`` left out.

:func:`load_xml` streams a Bundle entry by entry (each ``<entry>`` is turned into a dict and
dropped), so a large export never sits in memory as a tree. XML with a DOCTYPE or entity
declarations is refused; a file that breaks part way keeps the entries read before.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from chronos import limits
from chronos.errors import SourceError
from chronos.ingest._common import issue, local_name, reject_dtd
from chronos.safe_input import open_regular

FHIR_NS = "http://hl7.org/fhir"
#: elements whose maximum cardinality is more than one in the R4 resources chronos reads
#: (so JSON always has a list, even for one value)
REPEATING = frozenset("""
    identifier name given prefix suffix line telecom address coding extension
    modifierExtension contained entry link contact communication generalPractitioner
    category type serviceType specialty reasonCode reasonReference participant
    relationship diagnosis location note performer bodySite component interpretation
    referenceRange hasMember derivedFrom basedOn partOf reaction protocolApplied slot
    serviceCategory account episodeOfCare classHistory statusHistory evidence stage photo
    supportingInformation instantiatesCanonical instantiatesUri programEligibility target
    """.split())
#: R4 places where an element named in REPEATING occurs once (a CodeableConcept, not a list)
SINGLE_IN = {("Encounter", "serviceType"), ("Coverage", "type"), ("Account", "type")}
NUMERIC = {"value", "valueInteger", "valueDecimal", "valuePositiveInt",
           "valueUnsignedInt", "doseNumberPositiveInt", "seriesDosesPositiveInt", "rank"}


def is_fhir_xml(text: str) -> bool:
    """True for the start of a FHIR XML document (sniffing)."""
    return text.lstrip().startswith("<") and FHIR_NS in text[:4096]


def resource_from_xml(elem) -> dict:
    """One resource element (``<Patient>``, ``<Bundle>`` ...) as the JSON form's dict."""
    rtype = local_name(elem.tag)
    out = {"resourceType": rtype}
    out.update(_children(elem, rtype))
    return out


def _children(elem, rtype: str) -> dict:
    out: dict = {}
    for sub in elem:
        if not isinstance(sub.tag, str):   # comments, processing instructions
            continue
        name = local_name(sub.tag)
        if name == "div":                  # the XHTML narrative: not data
            continue
        value = _value(sub, name, rtype)
        if name in out:
            if not isinstance(out[name], list) or name not in REPEATING:
                out[name] = out[name] if isinstance(out[name], list) else [out[name]]
            out[name].append(value)
        elif name in REPEATING and (rtype, name) not in SINGLE_IN:
            out[name] = [value]
        else:
            out[name] = value
    return out


#: elements that hold a whole resource, named by its type (``<resource><Patient>``)
HOLDS_RESOURCE = {"resource", "contained", "outcome"}


def _value(elem, name: str, rtype: str):
    if name in HOLDS_RESOURCE:
        inner = next((s for s in elem if isinstance(s.tag, str)), None)
        if inner is not None:
            return resource_from_xml(inner)
    attrs = {k: v for k, v in elem.attrib.items() if "}" not in k}
    if len(elem) == 0 and "value" in attrs:
        return _primitive(name, attrs["value"])
    found = {k: _primitive(k, v) for k, v in attrs.items() if k != "value"}
    found.update(_children(elem, rtype))
    if "value" in attrs:                   # a primitive with an extension: keep the value
        return _primitive(name, attrs["value"])
    return found


def _primitive(name: str, text: str):
    if text in ("true", "false") and (name.endswith("Boolean") or name in (
            "active", "abatementBoolean", "deceasedBoolean", "multipleBirthBoolean")):
        return text == "true"
    if name in NUMERIC:
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if number.is_integer() and "." not in text else number
    return text


def load_xml(path: Path, label: str, loaded) -> None:
    """Read a FHIR XML file into ``loaded`` (a :class:`chronos.ingest.fhir.Loaded`): a
    Bundle's entries one at a time, or a single resource."""
    reject_dtd(path, label)
    with open_regular(path, label) as handle:
        entries = _parse(handle, label, loaded)
    if not entries and not loaded.items and not loaded.broken:
        raise SourceError("no FHIR resource in this XML", file=label,
                          hint="expected a Bundle or a resource in the http://hl7.org/fhir "
                               "namespace")


def _parse(handle, label: str, loaded) -> int:
    """Read the entries (or the one resource); the number of entries read."""
    stack: list = []
    entries = 0
    try:
        for event, elem in ET.iterparse(handle, events=("start", "end")):
            if event == "start":
                if not stack and not elem.tag.startswith("{" + FHIR_NS + "}"):
                    raise SourceError(f"not FHIR XML: the root <{local_name(elem.tag)}> is not "
                                      f"in the FHIR namespace ({FHIR_NS})", file=label)
                stack.append(elem)
                if len(stack) > limits.MAX_XML_DEPTH:
                    raise SourceError(f"the XML nests more than {limits.MAX_XML_DEPTH} "
                                      f"elements deep (at <{local_name(elem.tag)}>)",
                                      file=label)
                continue
            stack.pop()
            if not stack:                                  # the document element
                if local_name(elem.tag) != "Bundle":
                    loaded.items.append((resource_from_xml(elem), ""))
                break
            if len(stack) == 1 and local_name(stack[0].tag) == "Bundle" and \
                    local_name(elem.tag) == "entry":
                entries += 1
                _entry(elem, loaded)
                stack[0].remove(elem)                     # read and dropped
    except ET.ParseError as exc:
        line, column = exc.position
        if entries == 0 and not loaded.items:
            raise SourceError(f"not well-formed XML: {exc}", file=label,
                              row=f"line {line} column {column}") from None
        loaded.broken.append(issue("xml.broken", f"XML breaks here ({exc}); the {entries} "
                                   "entries before it were read", label,
                                   f"line {line} column {column}", severity="error"))
    return entries


def _entry(elem, loaded) -> None:
    entry = _children(elem, "Bundle.entry")
    resource = entry.get("resource")
    if isinstance(resource, list):
        resource = resource[0] if resource else None
    if resource is None:
        loaded.no_resource += 1
        return
    full_url = entry.get("fullUrl") or ""
    loaded.items.append((resource, full_url if isinstance(full_url, str) else ""))
