"""GEDCOM 5.5, 5.5.1 and 7.0 family trees: persons, relationships and life events.

Individuals (``INDI``) become person records (names with the ``/surname/`` slashes, sex
M/F/U/X, birth and death dates) and birth and death events. Families (``FAM``) become
partner relationships (subtype ``married`` with a ``MARR``, ``divorced`` with a ``DIV``),
parent relationships from each partner to each child (subtype from the child's ``PEDI``:
birth -> biological, adopted -> adoptive, foster -> foster), and marriage and separation
events. A pointer to an individual the file does not define is a warning with its line
number; the rest is read. ``source_ref`` is the record's cross-reference id (``@I12@``).

Character sets: UTF-8 (with or without BOM), UTF-16 (BOM or not), ANSI (cp1252) and ANSEL
(decoded with :mod:`chronos.ingest.ansel`); bytes that cannot be decoded are reported.

Dates follow the GEDCOM grammar: ``[day] [month] year`` with dual years (``1596/97``) and
the qualifiers ``ABT``/``CAL``/``EST`` (uncertain), ``BEF``/``AFT`` (uncertain, qualifier in
details), ``BET .. AND ..`` and ``FROM .. TO ..`` (date and end date), ``INT .. (phrase)``.
Anything else goes to :func:`chronos.dates.parse_date`; what neither reads leaves the event
undated with a ``date.unparseable`` warning and the text in details.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from chronos.errors import Issue, SourceError
from chronos.ingest import records
from chronos.ingest._common import FutureDates
from chronos.ingest.ansel import decode_ansel
from chronos.ingest.base import Ingester, Source, SourceResult, register
from chronos.ingest.guards import CHUNK, check_lines
from chronos.ingest.sheets import join_details
from chronos import limits
from chronos.safe_input import read_bytes

FORMAT = "gedcom"
LINE = re.compile(r"^\s*(\d{1,2})\s+(?:(@[^@\s]+@)\s+)?([A-Za-z0-9_]+)(?:\s(.*))?$")
MONTHS = {m: i for i, m in enumerate(
    "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split(), start=1)}
CORE_DATE = re.compile(r"^(?:(\d{1,2}) )?(?:([A-Z]{3}) )?(\d{1,4})(?:/(\d{1,4}))?$")
#: "1546-47", "1546-1547", "12 FEB 1546-7": a dual year written with a hyphen, or a span
HYPHEN_YEARS = re.compile(r"^(?:(\d{1,2}) )?(?:([A-Z]{3}) )?(\d{3,4}) ?[-\u2013] ?(\d{1,4})$")
PEDIGREE = {"BIRTH": "biological", "ADOPTED": "adoptive", "FOSTER": "foster",
            "NATURAL": "biological", "STEP": "step"}
SEXES = {"M": "M", "F": "F", "U": "U", "X": "X", "MALE": "M", "FEMALE": "F"}


@dataclass
class Node:
    """One GEDCOM line and the lines under it."""

    level: int
    tag: str
    value: str = ""
    xref: str = ""
    line: int = 0
    children: list["Node"] = field(default_factory=list)

    def first(self, tag: str) -> "Node | None":
        """The first child with this tag."""
        return next((c for c in self.children if c.tag == tag), None)

    def all(self, tag: str) -> list["Node"]:
        """Every child with this tag."""
        return [c for c in self.children if c.tag == tag]

    def text(self, tag: str) -> str:
        """The value of the first child with this tag ('' if none)."""
        node = self.first(tag)
        return node.value if node else ""


@dataclass(frozen=True)
class GedcomDate:
    """A GEDCOM date read into the contract's terms."""

    date: str | None = None
    precision: str = "unknown"
    uncertain: bool = False
    end_date: str | None = None
    qualifier: str = ""
    text: str = ""
    error: str | None = None
    time: str | None = None


# --- decoding -------------------------------------------------------------------------

def decode_gedcom(data: bytes, label: str) -> tuple[str, list[Issue]]:
    """The file's text and any decoding warnings (BOM, then the HEAD CHAR line)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return _decode(data[3:], "utf-8", label)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return _decode(data, "utf-16", label)
    if len(data) > 1 and data[0] == 0 and data[1] != 0:
        return _decode(data, "utf-16-be", label)
    if len(data) > 1 and data[1] == 0 and data[0] != 0:
        return _decode(data, "utf-16-le", label)
    charset = _declared_charset(data)
    if charset == "ANSEL":
        text, bad = decode_ansel(data)
        return text, _bad_bytes(bad, "ANSEL", label)
    if charset in ("ANSI", "WINDOWS-1252", "CP1252", "IBMPC", "IBM WINDOWS", "LATIN1"):
        return _decode(data, "cp1252", label)
    return _decode(data, "utf-8", label)


def _declared_charset(data: bytes) -> str:
    # lines may end in CR alone (old Macintosh exports): not only LF
    match = re.search(rb"(?:^|[\r\n])[ \t]*1[ \t]+CHAR[ \t]+([^\r\n]+)", data[:8192])
    return match.group(1).decode("ascii", "replace").strip().upper() if match else "UTF-8"


def _decode(data: bytes, encoding: str, label: str) -> tuple[str, list[Issue]]:
    try:
        return data.decode(encoding), []
    except UnicodeDecodeError:
        from chronos.ingest.encoding import decode

        decoded = decode(data, label, encoding)
        first = decoded.bad[0] if decoded.bad else None
        return decoded.text, _bad_bytes(decoded.bad_count, encoding.upper(), label, first)


def _bad_bytes(count: int, charset: str, label: str, first=None) -> list[Issue]:
    if not count:
        return []
    where = f" (the first, 0x{first.byte:02X}, on line {first.line})" if first else ""
    return [Issue("gedcom.encoding", f"{count} byte(s) could not be decoded as {charset}"
                  f"{where}; they show as \ufffd", source_file=label,
                  source_ref=f"line {first.line}" if first else "")]


# --- lines into records -----------------------------------------------------------------

def parse_records(text: str, label: str) -> tuple[list[Node], list[Issue]]:
    """Level-0 records with their sub-lines; CONT/CONC joined into values (in linear time;
    a value longer than :data:`~chronos.limits.MAX_CELL_CHARS` is cut there, with a
    warning naming its line)."""
    roots: list[Node] = []
    stack: list[Node] = []
    warnings: list[Issue] = []
    joined = _Continuations(label, warnings)
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        match = LINE.match(raw.lstrip("\ufeff"))
        if not match:
            warnings.append(Issue("gedcom.bad_line", "line is not 'level [@xref@] tag [value]'",
                                  label, f"line {number}", value=raw[:80]))
            continue
        level, xref, tag, value = int(match[1]), match[2] or "", match[3].upper(), match[4] or ""
        while stack and stack[-1].level >= level:
            stack.pop()
        if tag in ("CONT", "CONC") and stack:
            joined.add(stack[-1], ("\n" if tag == "CONT" else "") + value)
            continue
        node = Node(level, tag, joined.capped(value.strip() if tag != "NOTE" else value, number,
                                              tag), xref, number)
        if level == 0 or not stack:
            roots.append(node)
        else:
            stack[-1].children.append(node)
        stack.append(node)
    joined.finish()
    return roots, warnings


class _Continuations:
    """CONT/CONC lines gathered per value and joined once at the end (adding to a string
    line by line copied it each time: 100,000 CONC lines took hours)."""

    def __init__(self, label: str, warnings: list[Issue]):
        self.label, self.warnings = label, warnings
        self.values: dict[int, list] = {}     # id(node) -> [node, parts, length, cut]

    def capped(self, value: str, line: int, tag: str) -> str:
        """``value`` cut at the cell limit (with a warning when it was longer)."""
        if len(value) <= limits.MAX_CELL_CHARS:
            return value
        self._warn(line, tag, len(value))
        return value[:limits.MAX_CELL_CHARS]

    def add(self, node: Node, piece: str) -> None:
        """Add a CONT/CONC piece to ``node``'s value."""
        entry = self.values.get(id(node))
        if entry is None:
            entry = self.values[id(node)] = [node, [node.value], len(node.value), False]
        if entry[3]:
            return
        if entry[2] + len(piece) > limits.MAX_CELL_CHARS:
            entry[1].append(piece[:limits.MAX_CELL_CHARS - entry[2]])
            entry[2], entry[3] = limits.MAX_CELL_CHARS, True
            self._warn(node.line, node.tag, None)
            return
        entry[1].append(piece)
        entry[2] += len(piece)

    def finish(self) -> None:
        """Set every continued node's value."""
        for node, parts, _, _ in self.values.values():
            node.value = "".join(parts)

    def _warn(self, line: int, tag: str, length: int | None) -> None:
        size = f"{length:,} characters" if length else "with its CONC/CONT lines"
        self.warnings.append(Issue(
            "gedcom.value_too_long", f"the {tag} value is longer than the "
            f"{limits.MAX_CELL_CHARS:,} characters chronos reads in one value ({size}); the "
            "rest was not read",
            self.label, f"line {line}"))


# --- dates ----------------------------------------------------------------------------

def parse_gedcom_date(value: str) -> GedcomDate:
    """A GEDCOM date value in the contract's terms (see the module docstring)."""
    text = " ".join(value.split())
    upper = re.sub(r"@#D[A-Z ]+@\s*", "", text.upper()).replace("GREGORIAN ", "")
    for pattern, kind in ((r"BET (.+) AND (.+)", "between"), (r"FROM (.+) TO (.+)", "period")):
        match = re.fullmatch(pattern, upper)
        if match:
            start, end = _core(match[1]), _core(match[2])
            if start.date:
                return GedcomDate(start.date, start.precision, kind == "between",
                                  end.date, kind, text)
    match = re.fullmatch(r"(ABT|CAL|EST|BEF|AFT|FROM|TO|INT)\.? (.+?)(?: \(.*\))?", upper)
    qualifier, core = (match[1], match[2]) if match else ("", upper)
    parsed = _core(core)
    if not parsed.date:
        return GedcomDate(text=text, error=parsed.error or "date.unparseable", qualifier=qualifier)
    uncertain = qualifier in ("ABT", "CAL", "EST", "BEF", "AFT") or parsed.uncertain
    names = {"ABT": "about", "CAL": "calculated", "EST": "estimated", "BEF": "before",
             "AFT": "after", "FROM": "from", "TO": "to", "INT": "interpreted"}
    return GedcomDate(parsed.date, parsed.precision, uncertain, parsed.end_date,
                      names.get(qualifier, "") or parsed.qualifier, text)


def _core(text: str) -> GedcomDate:
    hyphen = _hyphen_years(text.strip())
    if hyphen is not None:
        return hyphen
    match = CORE_DATE.match(text.strip())
    if match and (match[2] is None or match[2] in MONTHS):
        day, month = int(match[1] or 0), MONTHS.get(match[2] or "", 0)
        year = _dual_year(match[3], match[4])
        if day and not month:
            return GedcomDate(error="date.unparseable")
        return _iso(year, month, day)
    from chronos.dates import parse_date

    parsed = parse_date(text.title())
    if parsed.date:
        return GedcomDate(parsed.date, parsed.precision, bool(parsed.uncertain))
    return GedcomDate(error=parsed.error or "date.unparseable")


def _hyphen_years(text: str) -> GedcomDate | None:
    """Years joined by a hyphen: the next year is a dual (Old Style / New Style) year,
    read as the later one like ``1546/47``; a later year is a span (uncertain, with an
    end date); anything else is not this form (None)."""
    match = HYPHEN_YEARS.match(text)
    if not match or (match[2] and match[2] not in MONTHS):
        return None
    first, later = int(match[3]), _dual_year(match[3], match[4])
    if later <= first:
        return None
    day, month = int(match[1] or 0), MONTHS.get(match[2] or "", 0)
    if later == first + 1:
        return _iso(later, month, day)
    start = _iso(first, month, day)
    if not start.date:
        return start
    return GedcomDate(start.date, start.precision, True, f"{later:04d}-01-01", "between")


def _dual_year(first: str, second: str | None) -> int:
    """'1596/97' -> 1597: the later (new style) year of a dual date."""
    year = int(first)
    if not second:
        return year
    tail = int(second)
    if len(second) >= len(first):
        return tail
    base = year - year % (10 ** len(second))
    return base + tail if base + tail > year else base + tail + 10 ** len(second)


def _iso(year: int, month: int, day: int) -> GedcomDate:
    import datetime

    if year < 1:
        return GedcomDate(error="date.impossible")
    try:
        datetime.date(year, month or 1, day or 1)
    except ValueError:
        return GedcomDate(error="date.impossible")
    precision = "day" if day else "month" if month else "year"
    return GedcomDate(f"{year:04d}-{month or 1:02d}-{day or 1:02d}", precision)


# --- names ----------------------------------------------------------------------------

def split_name(value: str) -> tuple[str | None, str | None]:
    """'John Paul /Smith/ Jr' -> ('John Paul', 'Smith'); suffixes stay with the given names."""
    match = re.match(r"^([^/]*)/([^/]*)/?(.*)$", value)
    if not match:
        return (" ".join(value.split()) or None), None
    given = " ".join((match[1] + " " + match[3]).split())
    return given or None, " ".join(match[2].split()) or None


def _happened(node: Node | None) -> bool:
    """An event line asserts the event unless its value is 'N' (PAF's 'did not happen')."""
    return node is not None and node.value.strip().upper() != "N"


# --- the ingester ---------------------------------------------------------------------

@register
class GedcomIngester(Ingester):
    """GEDCOM 5.5/5.5.1/7.0 family tree: individuals, families with partners and
    children (pedigree), births, deaths, marriages and divorces."""

    name = FORMAT
    description = "GEDCOM 5.5.1 / 7.0 family tree (.ged)"
    extensions = (".ged", ".gedcom")

    def sniff(self, path: Path, head: bytes) -> float:
        """A file whose first line is '0 HEAD' (in any supported encoding)."""
        text, _ = decode_gedcom(head[:4096], path.name)
        lines = text.lstrip("\ufeff \r\n").splitlines()   # LF, CRLF or CR alone
        if lines and re.fullmatch(r"0\s+HEAD", lines[0].strip()):
            known = any(re.match(r"\s*1\s+(GEDC|SOUR|CHAR)\b", line) for line in lines[1:40])
            return 0.99 if known else 0.9
        return 0.0

    def read(self, source: Source) -> SourceResult:
        """Read individuals and families; dangling pointers are warnings."""
        data = read_bytes(source.path, source.file_label)
        check_lines((data[i:i + CHUNK] for i in range(0, len(data), CHUNK)), source.file_label)
        text, warnings = decode_gedcom(data, source.file_label)
        roots, bad_lines = parse_records(text, source.file_label)
        if not roots or roots[0].tag != "HEAD":
            raise SourceError("not a GEDCOM file: the first line is not '0 HEAD'",
                              file=source.file_label, row=1)
        reader = _GedcomReader(source, roots)
        reader.result_.warnings.extend(warnings + bad_lines)
        return reader.read()


class _GedcomReader:
    """Turns parsed records into events, persons and relationships."""

    def __init__(self, source: Source, roots: list[Node]):
        self.source, self.roots = source, roots
        self.result_ = SourceResult(source=source, format=FORMAT)
        self.people = {n.xref: n for n in roots if n.tag == "INDI" and n.xref}
        self.events: list[dict] = []
        self.persons: dict[str, dict] = {}
        self.relationships: list[dict] = []
        self.future = FutureDates(source)

    def key(self, xref: str) -> str:
        """The record key of an individual."""
        return f"{self.source.name}:{xref.strip('@')}"

    def read(self) -> SourceResult:
        """Every INDI and FAM record; other records counted as skipped."""
        out = self.result_
        for node in self.roots:
            if node.tag in ("HEAD", "TRLR"):
                continue
            out.records_read += 1
            if node.tag == "INDI":
                self._individual(node)
            elif node.tag == "FAM":
                self._family(node)
            else:
                out.records_skipped["gedcom.not_person_or_family"] = \
                    out.records_skipped.get("gedcom.not_person_or_family", 0) + 1
        if self.roots[-1].tag != "TRLR":
            out.warnings.append(Issue("gedcom.truncated", "the file does not end with "
                                      "'0 TRLR': it may be truncated", self.source.file_label,
                                      f"line {self.roots[-1].line}"))
        out.events = records.events_frame(self.events)
        out.persons = records.persons_frame(self.persons)
        out.relationships = records.relationships_frame(self.relationships)
        return out

    def _individual(self, node: Node) -> None:
        if not node.xref:
            self._quarantine(node, "gedcom.no_xref", "individual without a cross-reference id")
            return
        key = self.key(node.xref)
        names = [split_name(n.value) for n in node.all("NAME")]
        given, family = names[0] if names else (None, None)
        first_name = node.first("NAME")
        if first_name is not None:
            given = first_name.text("GIVN") or given
            family = first_name.text("SURN") or family
        birth = self._life_event(node, "BIRT", "birth", key)
        death = self._life_event(node, "DEAT", "death", key)
        others = [" ".join(filter(None, n)) for n in names[1:]]
        # 'DEAT Y', a death with no or an unreadable date, a burial or a cremation: the
        # person is dead, the date unknown (never shown as living)
        deceased = any(_happened(node.first(tag)) for tag in ("DEAT", "BURI", "CREM"))
        self.persons[key] = {
            "person_id": key, "record_key": key, "given_name": given, "family_name": family,
            "other_names": " | ".join(o for o in others if o) or None,
            "dob": birth.date if birth else None,
            "dob_precision": birth.precision if birth and birth.date else None,
            "dod": death.date if death else None,
            "deceased": True if deceased and not (death and death.date) else None,
            "sex": self._sex(node),
            "other_ids": f"gedcom={node.xref}", "agency": self.source.agency or None,
            "source_format": FORMAT, "source_file": self.source.file_label,
            "source_ref": node.xref}
        self.result_.records_to_data += 1

    def _sex(self, node: Node) -> str:
        value = node.text("SEX").strip().upper()
        if value and value not in SEXES:
            self._warn(node.first("SEX"), "gedcom.sex", f"unknown SEX value {value!r}; read as U")
        return SEXES.get(value, "U")

    def _life_event(self, node: Node, tag: str, event_type: str, key: str,
                    ordinal: int = 0, **extra) -> GedcomDate | None:
        sub = node.first(tag)
        if sub is None or sub.value.strip().upper() == "N":   # 'DIV N': did not happen
            return None
        when = self._date(sub)
        if self.future.is_future(when.date):
            ref = node.xref or f"line {node.line}"
            found = self.future.issue(ref, f"{tag}.DATE", when.text, part_of=ref,
                                      label=self.source.file_label)
            if self.future.quarantines:
                self.result_.quarantine.append(found)
                return GedcomDate(text=when.text, qualifier=when.qualifier)
            self.result_.warnings.append(found)
        place = sub.text("PLAC")
        label = {"birth": "Born", "death": "Died", "marriage": "Married",
                 "separation": "Divorced"}[event_type]
        details = join_details([("place", place), ("date_qualifier", when.qualifier),
                                ("date_text", when.text if not when.date else "")]
                               + list(extra.items()))
        self.events.append(records.event_row(
            self.source, FORMAT, node.xref or f"line {node.line}", event_type, when,
            ordinal=ordinal, person_ids=key, summary=f"{label}" + (f" ({place})" if place else ""),
            details=details or None))
        return when

    def _date(self, event: Node) -> GedcomDate:
        node = event.first("DATE")
        if node is None or not node.value:
            return GedcomDate()
        when = parse_gedcom_date(node.value)
        if when.error:
            self._warn(node, when.error, f"cannot read the {event.tag} date; event kept undated")
        return when

    def _family(self, node: Node) -> None:
        partners = [self._member(node, tag) for tag in ("HUSB", "WIFE")]
        partners = [p for p in partners if p]
        children = [(c, self._member_node(c, node.xref)) for c in node.all("CHIL")]
        children = [(c, xref) for c, xref in children if xref]
        if not partners and not children:
            self._quarantine(node, "gedcom.empty_family",
                             "family has no partner or child that the file defines")
            return
        keys = ";".join(self.key(p) for p in partners)
        marriage = self._life_event(node, "MARR", "marriage", keys) if partners else None
        divorce = self._life_event(node, "DIV", "separation", keys, kind="divorce") \
            if partners else None
        divorced = divorce is not None or _happened(node.first("DIV"))
        if len(partners) == 2:
            self._partner(node, partners, marriage, divorce, divorced)
        for child_line, child in children:
            self._parents(node, partners, child_line, child)
        self.result_.records_to_data += 1

    def _member(self, family: Node, tag: str) -> str | None:
        line = family.first(tag)
        return self._member_node(line, family.xref) if line is not None else None

    def _member_node(self, line: Node, family_xref: str) -> str | None:
        xref = line.value.strip()
        if xref in self.people:
            return xref
        self._warn(line, "gedcom.missing_individual",
                   f"family {family_xref} {line.tag} points at {xref or 'nothing'}, which the "
                   "file does not define; link skipped")
        return None

    def _partner(self, family: Node, partners, marriage, divorce, divorced) -> None:
        subtype = "divorced" if divorced else \
            "married" if _happened(family.first("MARR")) else None
        self.relationships.append(self._relationship(
            partners[0], partners[1], "partner", subtype, family,
            start=marriage.date if marriage else None, end=divorce.date if divorce else None))

    def _parents(self, family: Node, partners, child_line: Node, child: str) -> None:
        pedigree = self._pedigree(family.xref, child, child_line)
        for parent in partners:
            self.relationships.append(self._relationship(
                parent, child, "parent", pedigree, family))

    def _pedigree(self, family_xref: str, child: str, child_line: Node) -> str:
        for famc in self.people[child].all("FAMC"):
            if famc.value.strip() == family_xref and famc.text("PEDI"):
                return PEDIGREE.get(famc.text("PEDI").upper(), famc.text("PEDI").lower())
        for tag in ("_FREL", "_MREL"):
            value = child_line.text(tag).upper()
            if value in PEDIGREE:
                return PEDIGREE[value]
        return "biological"

    def _relationship(self, a, b, kind, subtype, family: Node, start=None, end=None) -> dict:
        return {"person_a": self.key(a), "person_b": self.key(b), "kind": kind,
                "subtype": subtype, "start": start, "end": end,
                "source_file": self.source.file_label, "source_ref": family.xref}

    def _warn(self, node: Node | None, code: str, message: str) -> None:
        line = f"line {node.line}" if node else ""
        self.result_.warnings.append(Issue(code, message, self.source.file_label, line,
                                           value=node.value if node else ""))

    def _quarantine(self, node: Node, code: str, message: str) -> None:
        self.result_.quarantine.append(Issue(code, message, self.source.file_label,
                                             node.xref or f"line {node.line}",
                                             severity="error"))
