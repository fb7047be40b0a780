"""The SSDA903 return as the DfE's XML (one ``<CHILD>`` per looked-after child).

Each ``CHILD`` holds a ``HEADER`` (``CHILDID``, ``SEX``, ``DOB``, ``ETHNIC``, ``UPN``,
``MOTHER``, ``MC_DOB``; the unaccompanied-asylum-seeker ``UASC`` and ``DUC``, the
adoption decision ``DATE_INT`` / ``DATE_MATCH`` ..., the care leaver's ``IN_TOUCH`` /
``ACTIV`` / ``ACCOM``), with the child's ``AREVIEW``, ``AMISSING``, ``OC2``,
``PERMANENCE`` and ``AD_PLACED`` inside it, and the ``EPISODE``s beside it. Every group
becomes the row the CSV table of the same name would hold (``CHILDID`` is ``CHILD``, ``PL``
is ``PLACE``), with the child's id and date of birth, and is read by the same handlers as
the CSV tables (:class:`chronos.ingest.ssda903.Ssda903Reader`): one record per group,
``source_ref`` its element path (``CHILD[3]/EPISODE[2]``). Groups are recognised by their
elements, not their names, so a deprivation of liberty (``DOLO_START``) or a social
worker episode (``SW_ID``, ``SW_DECOM``) is read wherever it sits.

The file is streamed: each ``CHILD`` is read, turned into rows and dropped before the next.
XML with a DOCTYPE or entity declarations is refused (no entity expansion); a file that
breaks part way keeps the children before the break and quarantines the rest.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from chronos import limits
from chronos.errors import SourceError
from chronos.ingest._common import issue, local_name, reject_dtd
from chronos.safe_input import open_regular

#: element names that stand for a CSV column of another name
RENAMED = {"CHILDID": "CHILD", "PL": "PLACE"}
#: the columns of each table that a HEADER's own elements may hold
HEADER_TABLES = {
    "header": ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    "uasc": ("CHILD", "SEX", "DOB", "DUC"),
    "ad1": ("CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR",
            "SEX_ADOPTR", "LS_ADOPTR"),
    "oc3": ("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"),
}
#: a HEADER table is there only when one of these is filled
HEADER_MARKERS = {"header": "CHILD", "uasc": "DUC", "ad1": "DATE_INT", "oc3": "IN_TOUCH"}


def is_903_xml(text: str) -> bool:
    """True for the start of an SSDA903 XML return (sniffing)."""
    upper = text[:8192]
    return "<CHILD" in upper and ("<CHILDID" in upper or "<EPISODE" in upper) \
        and "<HEADER" in upper


def read_xml(reader) -> None:
    """Stream the children of ``reader.source`` into ``reader`` (an Ssda903Reader)."""
    label = reader.label
    reject_dtd(reader.source.path, label)
    with open_regular(reader.source.path, label) as handle:
        children = _parse(reader, handle, label)
    if children == 0 and not reader.quarantine:
        raise SourceError("no <CHILD> element: not an SSDA903 XML return", file=label,
                          hint="expected <CHILD> elements holding <HEADER> and <EPISODE>")


def _parse(reader, handle, label: str) -> int:
    """Read the children one at a time; the number read."""
    children = 0
    try:
        stack: list = []
        for event, elem in ET.iterparse(handle, events=("start", "end")):
            if event == "start":
                stack.append(elem)
                if len(stack) > limits.MAX_XML_DEPTH:
                    raise SourceError(f"the XML nests more than {limits.MAX_XML_DEPTH} "
                                      f"elements deep (at <{local_name(elem.tag)}>)",
                                      file=label, hint="an SSDA903 return nests about four "
                                                       "levels; this file is not one")
                continue
            stack.pop()
            if local_name(elem.tag) == "CHILD":
                children += 1
                _child(reader, elem, f"CHILD[{children}]")
                if stack:
                    stack[-1].remove(elem)   # read and dropped: memory stays flat
    except ET.ParseError as exc:
        line, column = exc.position
        if children == 0 and line <= 1:
            raise SourceError(f"not well-formed XML: {exc}", file=label,
                              row=f"line {line} column {column}") from None
        reader.records_read += 1
        reader.quarantine.append(issue(
            "xml.broken", f"XML breaks here ({exc}); the {children} children before it "
            "were read", label, f"line {line} column {column}", severity="error"))
    return children


def _child(reader, elem, path: str) -> None:
    """Every group of one child as a table row, the header's first."""
    header = next((sub for sub in elem if local_name(sub.tag) == "HEADER"), None)
    facts = _leaves(header) if header is not None else {}
    facts.update({k: v for k, v in _leaves(elem).items() if k not in facts})
    known = {"CHILD": facts.get("CHILD", ""), "DOB": facts.get("DOB", ""),
             "SEX": facts.get("SEX", ""), "UPN": facts.get("UPN", "")}
    base = f"{path}/HEADER" if header is not None else path
    for table, columns in HEADER_TABLES.items():
        if facts.get(HEADER_MARKERS[table]):
            row = {c: facts.get(c, "") for c in columns}
            reader.xml_row(table, row, base if table == "header" else f"{base}/{table.upper()}")
    counts: dict[str, int] = {}
    for group in _groups(elem, header):
        tag = local_name(group.tag)
        counts[tag] = counts.get(tag, 0) + 1
        inside = f"{base}/" if header is not None and group in list(header) else f"{path}/"
        reader.xml_row(None, {**known, **_leaves(group)}, f"{inside}{tag}[{counts[tag]}]")


def _groups(child, header) -> list:
    """The child's groups other than the header: its own sub-elements with elements of
    their own, and the header's."""
    found = [sub for sub in child if len(sub) and sub is not header]
    if header is not None:
        found += [sub for sub in header if len(sub)]
    return found


def _leaves(elem) -> dict[str, str]:
    """The text of an element's own simple sub-elements, by (CSV) column name."""
    out: dict[str, str] = {}
    if elem is None:
        return out
    for sub in elem:
        if len(sub):
            continue
        name = local_name(sub.tag).upper()
        out.setdefault(RENAMED.get(name, name), (sub.text or "").strip())
    return out
