"""The returns register: what chronos issued to each agency and what came back.

Kept in the case folder as ``returns/register.json`` (chronos's own file: written
atomically, owner-only; people read it through ``chronos returns status``). It holds the
review's child, period and columns as the templates were issued, and per agency: the
references issued, the templates written, the due date, and every return received (file,
fingerprint, when, counts, messages, and the manifest source it became).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from chronos.errors import ReturnError

RETURNS_DIR = "returns"
REGISTER_FILE = "register.json"
VERSION = 1


def slug(text: str) -> str:
    """A file- and id-safe short form of an agency name: ``Oakfield Primary`` ->
    ``oakfield-primary``."""
    text = re.sub(r"[’']", "", str(text).lower())
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "agency"


@dataclass
class Child:
    """The child the review is about."""

    given_name: str | None
    family_name: str | None
    dob: str | None = None            # ISO date

    @property
    def name(self) -> str:
        """``Jade Smith``."""
        return " ".join(p for p in (self.given_name, self.family_name) if p)

    @property
    def line(self) -> str:
        """The line above every template's table: ``Child: Jade SMITH (DOB 03/05/2016)``
        (the form the chronology-table reader recognises)."""
        family = (self.family_name or "").upper()
        name = " ".join(p for p in (self.given_name, family) if p)
        return f"Child: {name}" + (f" (DOB {uk_date(self.dob)})" if self.dob else "")


def uk_date(iso: str | None) -> str:
    """``2016-05-03`` -> ``03/05/2016`` (empty for None)."""
    if not iso:
        return ""
    year, month, day = str(iso)[:10].split("-")
    return f"{day}/{month}/{year}"


@dataclass
class Received:
    """One return as it arrived and was checked."""

    file: str                       # relative to the case folder
    sha256: str
    received: str                   # when chronos recorded it (ISO date and time)
    reference: str | None = None
    matched_by: str = ""            # reference | visible reference | agency name
    rows: int = 0                   # rows read from the table(s)
    events: int = 0
    errors: int = 0
    warnings: int = 0
    notes: int = 0
    blocking: bool = False
    messages: list[dict] = field(default_factory=list)   # code, where, text
    report: str | None = None       # the check report written for the agency
    source: str | None = None       # the manifest source it became (None: not added)
    options: dict = field(default_factory=dict)           # reading options (sheet)


@dataclass
class AgencyEntry:
    """One agency asked for a return."""

    agency: str
    references: list[str] = field(default_factory=list)   # every reference issued, oldest first
    issued: str = ""                # the date the latest template was issued
    due: str | None = None
    templates: dict[str, str] = field(default_factory=dict)   # file (relative) -> sha256
    received: list[Received] = field(default_factory=list)

    @property
    def latest(self) -> Received | None:
        """The latest return (None when nothing came back yet)."""
        return self.received[-1] if self.received else None

    @property
    def current(self) -> Received | None:
        """The return in use: the latest that is not blocked."""
        usable = [r for r in self.received if not r.blocking]
        return usable[-1] if usable else None

    @property
    def source(self) -> str | None:
        """The manifest source the agency's returns go to (the latest one added)."""
        named = [r.source for r in self.received if r.source]
        return named[-1] if named else None


@dataclass
class Register:
    """Everything chronos knows about a case's returns."""

    case: str
    child: Child
    period_start: str
    period_end: str
    columns: list[list[str]]        # [key, heading] pairs, in order
    agencies: dict[str, AgencyEntry] = field(default_factory=dict)   # by slug
    version: int = VERSION

    def entry(self, agency: str) -> AgencyEntry | None:
        """The entry of an agency, by its name or slug (None when not asked)."""
        return self.agencies.get(slug(agency))

    def by_reference(self, reference: str | None) -> AgencyEntry | None:
        """The agency a reference was issued to."""
        for entry in self.agencies.values():
            if reference and reference in entry.references:
                return entry
        return None

    def by_file(self, sha256: str) -> tuple[AgencyEntry, Received] | None:
        """The recorded return with this fingerprint, if any."""
        for entry in self.agencies.values():
            for received in entry.received:
                if received.sha256 == sha256:
                    return entry, received
        return None

    def as_dict(self) -> dict:
        data = asdict(self)
        data["agencies"] = {k: asdict(v) for k, v in sorted(self.agencies.items())}
        return data


def register_path(case_root: Path) -> Path:
    """Where a case's register lives."""
    return Path(case_root) / RETURNS_DIR / REGISTER_FILE


def load_register(case_root: Path) -> Register | None:
    """The case's register, or None when no template was issued yet."""
    path = register_path(case_root)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text("utf-8"))
        return _from_dict(data)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ReturnError(f"the returns register cannot be read ({type(exc).__name__}: {exc})",
                          file=str(path), hint="it is chronos's own file; restore it from a "
                                               "backup, or move it aside and issue again") from None


def save_register(case_root: Path, register: Register) -> Path:
    """Write the register atomically, owner-only."""
    from chronos.report.safe_files import write_text

    text = json.dumps(register.as_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return write_text(register_path(case_root), text)


def _from_dict(data: dict) -> Register:
    if int(data.get("version", 0)) != VERSION:
        raise ValueError(f"version {data.get('version')!r}; this chronos reads {VERSION}")
    agencies = {}
    for key, raw in (data.get("agencies") or {}).items():
        received = [Received(**r) for r in raw.pop("received", [])]
        agencies[key] = AgencyEntry(**raw, received=received)
    return Register(case=data["case"], child=Child(**data["child"]),
                    period_start=data["period_start"], period_end=data["period_end"],
                    columns=[list(c) for c in data["columns"]], agencies=agencies)
