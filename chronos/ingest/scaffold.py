"""A first mapping for an export nobody has mapped yet: columns sniffed, a draft written.

:func:`scaffold_mapping` reads the header and a sample of rows of a CSV, TSV or XLSX
export and suggests, from what the values look like (not from any one agency's
wording): the event date column (values that read as dates, a date of birth left
aside), whether dates are day first, the time column, the person columns (an id, a
name or given and family names, date of birth, NHS number, sex, postcode) and the
event-type column (few distinct values, most of them wordings chronos knows) with a
value map: each wording with the event type it means (from chronos's wordings, else
guessed from its words and said so in a comment); a wording chronos cannot place is left
out of the map, so its rows go to quarantine as ``event_type.unmapped`` (counted, never
dropped) until a person maps or ignores it. :meth:`Scaffold.yaml` is the draft mapping as YAML, every
guess commented so that a person can check it; ``chronos mapping scaffold FILE`` writes
it and ``chronos inspect FILE --mapping M`` previews what it gives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from chronos.errors import SourceError

SAMPLE_ROWS = 500
#: an event-type column has at most this many distinct values in the sample
MAX_TYPE_VALUES = 60
HEADER_SCAN_ROWS = 15

#: header words that say what a person column holds (checked on the normalised header)
PERSON_HEADERS = {
    "id": (r"\b(patient|person|child|client|pupil|subject|service user|nominal|hospital|"
           r"mosaic|lcs|eclipse|liquidlogic)\b.*\b(id|number|no|ref|reference)\b",
           r"^(id|person id|client id|case id|mosaic id|lcs id|upn|child|person|client|pupil|"
           r"patient)$", r"^(child|person|client|pupil|patient) (unique )?(id|identifier)$"),
    "nhs_number": (r"\bnhs\b",),
    "dob": (r"\b(dob|d o b|date of birth|birth date|born)\b",),
    "given_name": (r"\b(forename|first name|given name|forenames)\b",),
    "family_name": (r"\b(surname|last name|family name)\b",),
    "name": (r"^(name|full name|patient name|child name|person name|client name|pupil name)$",),
    "sex": (r"^(sex|gender)$",),
    "postcode": (r"\bpost ?code\b",),
}
TIME_VALUE = re.compile(r"^\d{1,2}[:.]\d{2}(:\d{2})?$")
NUMBER = re.compile(r"^[-+]?\d[\d,]*(\.\d+)?%?$")


@dataclass
class ColumnFacts:
    """What the sample shows about one column."""

    name: str
    filled: int
    distinct: int
    examples: list[str]
    date_share: float = 0.0
    time_share: float = 0.0
    number_share: float = 0.0
    mean_length: float = 0.0
    known_wordings: float = 0.0


@dataclass
class Scaffold:
    """The sniffed columns of an export and the draft mapping they suggest."""

    file: Path
    sheet: str | None
    columns: list[ColumnFacts]
    rows_sampled: int
    date: str | None = None
    other_dates: list[str] = field(default_factory=list)
    dayfirst: bool = True
    time: str | None = None
    person: dict[str, str] = field(default_factory=dict)
    event_type: str | None = None
    value_map: dict[str, str] = field(default_factory=dict)
    unknown_values: list[str] = field(default_factory=list)
    #: wordings typed from their words (keyword rules), not from a known wording
    guessed_values: list[str] = field(default_factory=list)
    agency: str = ""

    def mapping(self) -> dict:
        """The draft mapping as data (what :meth:`yaml` writes)."""
        data: dict = {"agency": self.agency or _agency_guess(self.file)}
        if self.sheet:
            data["reader"] = {"sheet": self.sheet}
        data["dayfirst"] = self.dayfirst
        data["person"] = dict(self.person)
        event: dict = {"name": "event", "date": self.date or "?"}
        if self.time:
            event["time"] = self.time
        if self.event_type:
            event["type"] = {"column": self.event_type, "map": dict(self.value_map),
                             "unmapped": "quarantine"}
        else:
            event["type"] = {"value": "other"}
        event["summary"] = self._summary()
        data["events"] = [event]
        return data

    def _summary(self) -> str:
        """The event type's wording and the longest free-text column, as a template."""
        picked = set(self.person.values()) | {self.date, self.time, self.event_type}
        text = sorted((c for c in self.columns if c.name not in picked and c.filled
                       and c.date_share < 0.8 and c.number_share < 0.5
                       and "{" not in c.name and "}" not in c.name),
                      key=lambda c: -c.mean_length)
        chosen = ([self.event_type] if self.event_type else []) + [c.name for c in text[:1]]
        return ": ".join("{" + name + "}" for name in chosen) or "{" + self.columns[0].name + "}"

    def yaml(self) -> str:
        """The draft mapping, each guess explained in a comment (docs/mappings.md)."""
        import yaml

        head = [f"# Draft mapping for {self.file.name}, written by 'chronos mapping scaffold'",
                f"# from the header and {self.rows_sampled} rows. Check every line, then preview",
                f"# it: chronos inspect {self.file.name} --mapping THIS_FILE",
                "# Columns: " + "; ".join(
                    f"{c.name} (e.g. {c.examples[0]!r})" if c.examples else c.name
                    for c in self.columns)]
        if not self.date:
            head.append("# No column reads as dates: set events[0].date by hand.")
        if self.other_dates:
            head.append("# Other date columns (an event each, if they are events): "
                        + ", ".join(self.other_dates))
        if not self.event_type:
            head.append("# No column holds wordings chronos knows: every row is an event of "
                        "type 'other'. Name the column that says what happened (type: column:) "
                        "and map its wordings to chronos's event types.")
        if not self.person.get("id"):
            head.append("# No person id column found: set person.id to the column that "
                        "names who the row is about.")
        if self.guessed_values:
            head.append("# Typed from their words, check each: " + ", ".join(
                f"{v!r} -> {self.value_map[v]}" for v in self.guessed_values[:20]))
        if self.unknown_values:
            head.append("# Wordings chronos cannot place are not in the map, so their rows go "
                        "to quarantine (event_type.unmapped): add each with an event type "
                        "(chronos vocabulary) or 'ignore': "
                        + ", ".join(repr(v) for v in self.unknown_values[:20]))
        body = yaml.safe_dump(self.mapping(), sort_keys=False, allow_unicode=True, width=100)
        return "\n".join(head) + "\n" + body

    def as_dict(self) -> dict:
        return {"file": str(self.file), "sheet": self.sheet, "rows_sampled": self.rows_sampled,
                "columns": [vars(c) for c in self.columns], "mapping": self.mapping(),
                "unknown_values": list(self.unknown_values),
                "guessed_values": list(self.guessed_values)}


def scaffold_mapping(path: str | Path, *, sheet: str | None = None,
                     agency: str = "") -> Scaffold:
    """Sniff the export at ``path`` (one ``sheet`` of a workbook, default the first) and
    suggest a mapping (:class:`Scaffold`). Raises :class:`SourceError` for a file that is
    not a table."""
    from chronos.safe_input import open_regular

    path = Path(path)
    open_regular(path, str(path)).close()
    header, rows, sheet_name = _sample(path, sheet)
    columns = [_facts(name, [r[i] if i < len(r) else "" for r in rows])
               for i, name in enumerate(header)]
    found = Scaffold(path, sheet_name, columns, len(rows), agency=agency)
    _suggest_person(found)
    _suggest_dates(found, rows, header)
    _suggest_type(found, rows, header)
    return found


def _sample(path: Path, sheet: str | None) -> tuple[list[str], list[list[str]], str | None]:
    """The header (the first of the top rows with the most filled cells) and up to
    :data:`SAMPLE_ROWS` rows below it, as text."""
    from chronos.ingest.sheets import cell_text, read_csv_rows, read_workbook
    from chronos.ingest.tabular import EXCEL_EXTENSIONS

    label = str(path)
    if path.suffix.lower() in EXCEL_EXTENSIONS:
        sheets = read_workbook(path, label)
        if not sheets:
            raise SourceError("the workbook has no sheets", file=label)
        name = sheet if sheet is not None else next(iter(sheets))
        if name not in sheets:
            raise SourceError(f"the workbook has no sheet {name!r}", file=label,
                              hint="sheets: " + ", ".join(sheets))
        table = [[cell_text(c) or "" for c in row] for row in sheets[name]]
    else:
        name = None
        table = [[str(c) for c in row] for row in read_csv_rows(path, label)]
    top = table[:HEADER_SCAN_ROWS]
    if not any(any(c.strip() for c in row) for row in top):
        raise SourceError("no header row in the first rows: is it an export table?", file=label)
    widths = [sum(1 for c in row if c.strip()) for row in top]
    at = widths.index(max(widths))
    header = _names(table[at])
    rows = [r for r in table[at + 1: at + 1 + SAMPLE_ROWS] if any(c.strip() for c in r)]
    return header, rows, name


def _names(row: list[str]) -> list[str]:
    names, seen = [], set()
    for i, cell in enumerate(row):
        name = " ".join(cell.split()) or f"column {i + 1}"
        while name in seen:
            name += " (2)"
        seen.add(name)
        names.append(name)
    return names


def _facts(name: str, values: list[str]) -> ColumnFacts:
    from chronos.dates import parse_date

    filled = [v.strip() for v in values if v and v.strip()]
    distinct = list(dict.fromkeys(filled))
    facts = ColumnFacts(name, len(filled), len(distinct), distinct[:3])
    if not filled:
        return facts
    probe = distinct[:100]
    facts.date_share = sum(1 for v in probe if _looks_like_date(v) and (
        parse_date(v).error is None or parse_date(v, dayfirst=False).error is None)) / len(probe)
    facts.time_share = sum(1 for v in probe if TIME_VALUE.match(v)) / len(probe)
    facts.number_share = sum(1 for v in probe if NUMBER.match(v)) / len(probe)
    facts.mean_length = sum(len(v) for v in probe) / len(probe)
    if len(distinct) <= MAX_TYPE_VALUES:
        known = [v for v in distinct if _known_type(v)]
        facts.known_wordings = len(known) / len(distinct)
    return facts


def _looks_like_date(text: str) -> bool:
    """Digits with separators, or a month name with a number: not a bare number or code."""
    return bool(re.search(r"\d{1,4}[/\-.]\d{1,2}([/\-.]\d{1,4})?", text)
                or re.search(r"\d{1,2}\s+[A-Za-z]{3,9}\s+\d{2,4}", text))


def _normal(name: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", name.lower()).split())


def _suggest_person(found: Scaffold) -> None:
    for column in found.columns:
        header = _normal(column.name)
        for key, patterns in PERSON_HEADERS.items():
            if key not in found.person and any(re.search(p, header) for p in patterns):
                if key != "dob" or column.date_share >= 0.5:
                    found.person[key] = column.name
                break
    if "name" in found.person and ("given_name" in found.person or "family_name" in found.person):
        found.person.pop("name")


def _suggest_dates(found: Scaffold, rows: list[list[str]], header: list[str]) -> None:
    from chronos.dates import parse_column

    dob = found.person.get("dob")
    dates = [c for c in found.columns if c.date_share >= 0.8 and c.name != dob]
    dated = sorted(dates, key=lambda c: (-c.filled, "date" not in c.name.lower()))
    if dated:
        found.date = dated[0].name
        found.other_dates = [c.name for c in dated[1:]]
        values = [r[header.index(found.date)] if header.index(found.date) < len(r) else ""
                  for r in rows]
        found.dayfirst = parse_column(values).order == "dayfirst"
    times = [c for c in found.columns if c.time_share >= 0.8]
    if times:
        found.time = times[0].name


def _suggest_type(found: Scaffold, rows: list[list[str]], header: list[str]) -> None:
    """The column most of whose (few) values are wordings chronos knows."""
    taken = set(found.person.values()) | {found.date, found.time}
    candidates = [c for c in found.columns if c.name not in taken and 1 < c.distinct
                  <= MAX_TYPE_VALUES and c.date_share < 0.5 and c.known_wordings > 0]
    if not candidates:
        return
    best = max(candidates, key=lambda c: (c.known_wordings, -c.distinct))
    found.event_type = best.name
    at = header.index(best.name)
    values = list(dict.fromkeys(r[at].strip() for r in rows if at < len(r) and r[at].strip()))
    for value in values:
        term, guessed = _wording_type(value)
        if term:
            found.value_map[value] = term
            if guessed:
                found.guessed_values.append(value)
        else:
            found.unknown_values.append(value)


def _known_type(value: str) -> str | None:
    """The event type of a wording chronos ships, or of a vocabulary term written out."""
    from chronos.ingest.mapping import normalise_wording, shipped_wordings
    from chronos.model import vocabulary

    key = normalise_wording(value)
    term = shipped_wordings().get(key)
    return term if term else (key.replace(" ", "_") if key.replace(" ", "_") in vocabulary()
                              else None)


def _wording_type(value: str) -> tuple[str | None, bool]:
    """The event type a wording means and whether it was guessed from its words: a known
    wording or vocabulary term first, then the keyword rules; ``(None, False)`` when
    neither places it."""
    from chronos.ingest.keywords import classify

    term = _known_type(value)
    if term:
        return term, False
    guess = classify(value)
    return (guess, True) if guess != "other" else (None, False)


def _agency_guess(path: Path) -> str:
    """A name to start from: the file's name in words (``police_incidents`` -> Police
    incidents); the person sets the agency."""
    words = re.sub(r"[_\-.]+", " ", path.stem).strip()
    return words[:1].upper() + words[1:] if words else "Agency"
