"""How a return is recognised when it comes back: its reference and the hidden properties.

Every template carries its return reference twice: visibly, on the line ``Return
reference: R-7KQ2-M4XA`` above the table (an agency can quote it in an email), and hidden,
as custom document properties (File > Properties > Custom in Word and Excel), which
survive an agency opening, filling and saving the file. A workbook also holds the
reference as a defined name. The properties carry what a check needs without the case
(the review, agency, child, period and columns), so a return can be checked on its own.

A re-typed template (a new document with the same headings) has no hidden properties: the
check then falls back to the visible reference, and then to the agency's name.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

TEMPLATE_KIND = "chronos agency return 1"
PREFIX = "chronos_"
MAX_VALUE = 250            # Word and Excel keep custom property values up to 255 characters
#: the letters of a reference: no I, L, O, U, 0 or 1, so that it can be read out and typed
ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
REFERENCE = re.compile(rf"\bR-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}\b")
CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
CUSTOM_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
CUSTOM_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"


def return_id(case: str, child: str, agency: str, issued: str) -> str:
    """The reference of the template issued to ``agency`` on ``issued`` (deterministic)."""
    digest = hashlib.sha256("\x1f".join((case, child, agency, issued)).encode()).digest()
    number = int.from_bytes(digest[:8], "big")
    code = ""
    for _ in range(8):
        number, digit = divmod(number, len(ALPHABET))
        code += ALPHABET[digit]
    return f"R-{code[:4]}-{code[4:]}"


@dataclass
class Identity:
    """What a template says about itself: the hidden properties (empty when missing) and
    the reference typed or left visible in the document."""

    properties: dict[str, str] = field(default_factory=dict)
    visible_reference: str | None = None

    @property
    def hidden_id(self) -> str | None:
        """The reference from the hidden properties."""
        return self.properties.get("return_id") or None

    @property
    def reference(self) -> str | None:
        """The hidden reference, else the visible one."""
        return self.hidden_id or self.visible_reference

    def columns(self) -> list[str]:
        """The template's column keys, in order (empty when unknown)."""
        return [c for c in self.properties.get("columns", "").split("|") if c]

    def period(self) -> tuple[str | None, str | None]:
        """(start, end) of the review period the template was issued for."""
        start, _, end = self.properties.get("period", "").partition("/")
        return start or None, end or None


def template_properties(*, reference: str, case: str, agency: str, child: str, dob: str | None,
                        period: tuple[str, str], columns: list[tuple[str, str]],
                        issued: str) -> dict:
    """The hidden properties a template carries (names without the ``chronos_`` prefix);
    ``columns`` are (key, heading) pairs."""
    values = {"template": TEMPLATE_KIND, "return_id": reference, "case": case,
              "agency": agency, "child": child, "dob": dob or "",
              "period": f"{period[0]}/{period[1]}", "columns": "|".join(k for k, _ in columns),
              "issued": issued}
    headings = "|".join(h.replace("|", "/") for _, h in columns)
    if len(headings) <= MAX_VALUE:
        values["headings"] = headings
    return {k: str(v)[:MAX_VALUE] for k, v in values.items()}


def find_reference(lines) -> str | None:
    """The first return reference written in ``lines`` (the visible reference)."""
    for line in lines:
        match = REFERENCE.search(str(line or ""))
        if match:
            return match[0]
    return None


# --------------------------------------------------------------------------- Word


def add_docx_properties(document, properties: dict) -> None:
    """Add ``properties`` to a python-docx document as custom document properties."""
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    rows = "".join(
        f'<property fmtid="{FMTID}" pid="{pid}" name="{escape(PREFIX + name)}">'
        f"<vt:lpwstr>{escape(value)}</vt:lpwstr></property>"
        for pid, (name, value) in enumerate(sorted(properties.items()), start=2))
    xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           f'<Properties xmlns="{CUSTOM_NS}" xmlns:vt="{VT_NS}">{rows}</Properties>')
    package = document.part.package
    part = Part(PackURI("/docProps/custom.xml"), CUSTOM_TYPE, xml.encode("utf-8"), package)
    package.relate_to(part, CUSTOM_REL)


def read_docx_properties(path: Path) -> dict[str, str]:
    """The ``chronos_`` custom properties of a .docx or .xlsx (any OOXML package)."""
    from xml.etree import ElementTree

    try:
        with zipfile.ZipFile(path) as archive:
            target = _custom_part(archive)
            if target is None:
                return {}
            with archive.open(target) as handle:
                data = handle.read(1_000_000)
        root = ElementTree.fromstring(data)
    except (OSError, KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return {}
    found = {}
    for prop in root.iter(f"{{{CUSTOM_NS}}}property"):
        name = prop.get("name") or ""
        if name.startswith(PREFIX):
            found[name[len(PREFIX):]] = "".join(prop.itertext()).strip()
    return found


def _custom_part(archive: zipfile.ZipFile) -> str | None:
    """The package's custom-properties part, found through its relationships."""
    try:
        rels = archive.read("_rels/.rels").decode("utf-8", "replace")
    except KeyError:
        return None
    for match in re.finditer(r"<Relationship\b[^>]*>", rels):
        tag = match[0]
        if CUSTOM_REL in tag:
            target = re.search(r'Target="([^"]+)"', tag)
            return target[1].lstrip("/") if target else None
    return None


# --------------------------------------------------------------------------- Excel


def add_xlsx_properties(book, properties: dict) -> None:
    """Add ``properties`` to an openpyxl workbook: custom document properties, and the
    reference as the defined name ``chronos_return_id``."""
    from openpyxl.packaging.custom import StringProperty
    from openpyxl.workbook.defined_name import DefinedName

    for name, value in sorted(properties.items()):
        book.custom_doc_props.append(StringProperty(name=PREFIX + name, value=value))
    reference = properties.get("return_id")
    if reference:
        book.defined_names[PREFIX + "return_id"] = DefinedName(
            PREFIX + "return_id", attr_text=f'"{reference}"')


def read_xlsx_defined_reference(path: Path) -> str | None:
    """The reference held in the workbook's defined name, if any."""
    try:
        with zipfile.ZipFile(path) as archive:
            xml = archive.read("xl/workbook.xml")[:2_000_000].decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return None
    match = re.search(r'<definedName[^>]*name="chronos_return_id"[^>]*>([^<]*)</definedName>',
                      xml)
    found = REFERENCE.search(match[1]) if match else None
    return found[0] if found else None


def read_identity(path: Path, preamble_lines) -> Identity:
    """What a returned file says about itself (hidden properties, defined name, and the
    reference visible above the table)."""
    properties = read_docx_properties(path)
    if not properties.get("return_id") and path.suffix.lower() in (".xlsx", ".xlsm"):
        defined = read_xlsx_defined_reference(path)
        if defined:
            properties["return_id"] = defined
    return Identity(properties, find_reference(preamble_lines))
