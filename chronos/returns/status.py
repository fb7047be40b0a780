"""Recording returns in the case, and who has returned: ``chronos returns status``.

A checked return that belongs to a case is recorded: the file is kept inside the case
(copied to ``returns/received/<agency>/`` when it arrived from elsewhere), entered in the
register, and, unless a blocking problem stops it (another child, another review, a file
that cannot be read), added to ``case.yaml`` as a source read by the chronology-table
reader, with the review's child as its ``subject:``. A later return from the same agency
replaces the earlier one in the manifest (the same source, its ``path:`` changed), and the
rows added, removed and changed are shown. ``returns status`` first checks and records any
file dropped into ``returns/received/`` that was not recorded yet, then lists each agency:
outstanding (or overdue), rejected, returned with problems, a nil return, or returned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from chronos.errors import ChronosError, ReturnError
from chronos.returns.check import ReturnCheck, check_return
from chronos.returns.difference import Difference, difference
from chronos.returns.manifest import (ManifestChange, add_source, read_manifest, update_source,
                                      write_manifest)
from chronos.returns.register import (RETURNS_DIR, AgencyEntry, Received, Register,
                                      load_register, save_register, slug)
from chronos.settings import Settings

RECEIVED = Path(RETURNS_DIR) / "received"
REPORTS = Path(RETURNS_DIR) / "reports"
RETURN_SUFFIXES = (".docx", ".xlsx", ".xlsm")
FORMAT = "chronology_table"


@dataclass
class Recorded:
    """What recording one return did to the case."""

    agency: str
    state: str                       # added | replaced | rejected | nil return | already recorded
    file: str                        # where the case keeps it (relative to the case)
    source: str | None = None        # the manifest source
    copied_from: str | None = None
    manifest: ManifestChange | None = None
    difference: Difference | None = None
    note: str = ""

    def as_dict(self) -> dict:
        return {"agency": self.agency, "state": self.state, "file": self.file,
                "source": self.source, "copied_from": self.copied_from,
                "manifest": self.manifest.as_dict() if self.manifest else None,
                "difference": self.difference.as_dict() if self.difference else None,
                "note": self.note}


@dataclass
class CaseFiles:
    """A case folder, its manifest and its register."""

    root: Path
    manifest: Path
    register: Register


def open_case(case: str | Path) -> CaseFiles:
    """The case's folder, manifest and register (an error when nothing was issued)."""
    from chronos.returns.issue import case_folder

    root, manifest = case_folder(case)
    if not manifest.exists():
        raise ReturnError("case manifest not found", file=str(manifest),
                          hint="give a case folder (or its case.yaml); start its returns with: "
                               "chronos returns new CASE --agencies ...")
    register = load_register(root)
    if register is None:
        raise ReturnError("no returns were issued for this case", file=str(manifest),
                          hint="chronos returns new CASE --agencies A,B,C")
    return CaseFiles(root, manifest, register)


def find_case(file: Path) -> CaseFiles | None:
    """The case a returned file lies in (a folder above it with a case.yaml and a returns
    register), if any."""
    for folder in Path(file).resolve().parents:
        if (folder / "case.yaml").is_file() and (folder / RETURNS_DIR / "register.json").is_file():
            return open_case(folder)
    return None


# --------------------------------------------------------------------------- check + record


def check_and_record(path: Path, settings: Settings, *, case: CaseFiles | None = None,
                     agency: str | None = None, report: Path | None = None,
                     record: bool = True, now: dt.datetime | None = None) -> ReturnCheck:
    """Check a return, write its report, and record it in the case (see module). With
    ``record`` false nothing is written into the case: the report is written only where
    ``report`` says."""
    from chronos.returns.report import write_check_report

    now = now or dt.datetime.now()
    path = Path(path)
    label = _label(path, case)
    check = check_return(path, register=case.register if case else None, agency=agency,
                         label=label)
    check.case_root = case.root if case else None
    target = report or (_report_path(case.root, check, now) if case and record else None)
    if report is not None and Path(report).exists():
        raise ReturnError("the report file exists; chronos does not overwrite it",
                          file=str(report), hint="give another --report path")
    if target is not None:
        from chronos.report.safe_files import private_dir

        private_dir(Path(target).parent)
        check.report_path = write_check_report(check, Path(target), settings,
                                               checked_on=now.date().isoformat())
    if record and case is not None:
        check.recorded = record_return(case, check, now=now)
    return check


def _label(path: Path, case: CaseFiles | None) -> str:
    if case is not None and _inside(path, case.root):
        return str(path.resolve().relative_to(case.root.resolve()))
    return path.name


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _report_path(root: Path, check: ReturnCheck, now: dt.datetime) -> Path:
    name = slug(check.agency or check.file.stem)
    return root / REPORTS / f"{name}-{now.date().isoformat()}-{check.sha256[:6]}-check.docx"


def record_return(case: CaseFiles, check: ReturnCheck, *,
                  now: dt.datetime | None = None) -> Recorded | None:
    """Record a checked return in the case: register, manifest, and the difference from
    the agency's previous return. None when the return's agency is not known."""
    now = now or dt.datetime.now()
    register = case.register
    entry = register.entry(check.agency) if check.agency else None
    if entry is None:
        return None
    known = register.by_file(check.sha256)
    if known is not None:
        return Recorded(known[0].agency, "already recorded", known[1].file, known[1].source,
                        note=f"recorded on {known[1].received[:10]}")
    relative, copied = _keep(case.root, check.file, entry, now)
    received = _received(check, relative, now)
    if check.blocking:
        entry.received.append(received)
        save_register(case.root, register)
        return Recorded(entry.agency, "rejected", relative, copied_from=copied,
                        note="not added to the case (see the blocking message)")
    previous = entry.current
    diff = _difference(case.root, previous, check) if previous else None
    if check.event_count == 0 and check.rows == 0:
        entry.received.append(received)
        save_register(case.root, register)
        return Recorded(entry.agency, "nil return", relative, copied_from=copied,
                        difference=diff, note="no events: nothing added to case.yaml")
    name, change, state = _to_manifest(case, entry, relative, check, now)
    received.source = name
    entry.received.append(received)
    save_register(case.root, register)
    return Recorded(entry.agency, state, relative, name, copied, change, diff)


def _keep(root: Path, file: Path, entry: AgencyEntry, now: dt.datetime) -> tuple[str, str | None]:
    """Where the case keeps the return: where it is when inside the case folder, else a
    private copy in ``returns/received/<agency>/``."""
    from chronos.report.safe_files import private_dir, write_bytes

    if _inside(file, root):
        return str(file.resolve().relative_to(root.resolve())), None
    folder = private_dir(root / RECEIVED / slug(entry.agency))
    target = folder / f"{now.date().isoformat()}-{file.name}"
    number = 2
    while target.exists():
        target = folder / f"{now.date().isoformat()}-{number}-{file.name}"
        number += 1
    write_bytes(target, file.read_bytes())
    return str(target.relative_to(root)), str(file)


def _received(check: ReturnCheck, relative: str, now: dt.datetime) -> Received:
    report = None
    if check.report_path:
        inside = check.case_root and _inside(check.report_path, check.case_root)
        report = str(check.report_path.resolve().relative_to(check.case_root.resolve())
                     if inside else check.report_path)
    return Received(
        file=relative, sha256=check.sha256, received=now.isoformat(timespec="seconds"),
        reference=check.reference, matched_by=check.matched_by, rows=check.rows,
        events=check.event_count, errors=check.count("error"),
        warnings=check.count("warning"), notes=check.count("note"), blocking=check.blocking,
        messages=[{"number": m.number, "code": m.code, "where": m.where, "text": m.text}
                  for _, m in check.numbered()],
        report=report, options=dict(check.options))


def _to_manifest(case: CaseFiles, entry: AgencyEntry, relative: str, check: ReturnCheck,
                 now: dt.datetime):
    """Add the return to the manifest, or replace the agency's previous one there:
    (source name, the change written, state)."""
    manifest = read_manifest(case.manifest)
    sheet = check.options.get("sheet")
    if entry.source and manifest.source(entry.source) is not None:
        name = entry.source
        text = update_source(manifest, name, {"path": relative, "sheet": sheet})
        state = "replaced"
    else:
        name = _free_name(f"return-{slug(entry.agency)}", manifest.source_names())
        source = {"name": name, "path": relative, "format": FORMAT, "agency": entry.agency,
                  "agency_column": "team"}
        child = case.register.child
        if child.name or child.dob:
            source["subject"] = {k: v for k, v in (("name", child.name), ("dob", child.dob)) if v}
        if sheet:
            source["sheet"] = sheet
        text = add_source(manifest, source, comment=f"{entry.agency}'s return, added by chronos "
                                                     f"on {now.date().isoformat()}")
        state = "added"
    change = write_manifest(manifest, text, case_root=case.root,
                            stamp=now.strftime("%Y%m%d-%H%M%S"))
    return name, change, state


def _free_name(wanted: str, taken: list[str]) -> str:
    name, number = wanted, 2
    while name in taken:
        name, number = f"{wanted}-{number}", number + 1
    return name


def _difference(root: Path, previous: Received, check: ReturnCheck) -> Difference | None:
    """Rows added, removed and changed since the previous return (None when the earlier
    file is gone or cannot be read)."""
    from chronos.ingest.base import Source
    from chronos.ingest.chronology_table import ChronologyTableIngester

    if previous.rows == 0:                  # a nil return: every row is new
        return difference(None, check.events)
    path = root / previous.file
    if not path.is_file():
        return None
    try:
        before = ChronologyTableIngester().read(Source(
            path=path, name="previous", format=FORMAT, options=dict(previous.options),
            display_path=previous.file)).events
    except ChronosError:
        return None
    return difference(before, check.events)


# --------------------------------------------------------------------------- status


@dataclass
class AgencyStatus:
    """Where one agency's return stands."""

    agency: str
    state: str            # outstanding | overdue | rejected | problems | nil return | returned
    issued: str
    due: str | None
    reference: str | None
    received: str | None = None
    rows: int = 0
    events: int = 0
    errors: int = 0
    warnings: int = 0
    returns: int = 0      # how many returns came back
    source: str | None = None
    in_manifest: bool = False
    file: str | None = None
    messages: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(vars(self))


@dataclass
class ReturnsStatus:
    """Every agency's return, and what this run recorded."""

    case: str
    child: str
    period: tuple[str, str]
    agencies: list[AgencyStatus]
    recorded: list[ReturnCheck] = field(default_factory=list)
    not_matched: list[str] = field(default_factory=list)     # files that could not be placed

    def count(self, state: str) -> int:
        return sum(a.state == state for a in self.agencies)

    def as_dict(self) -> dict:
        return {"case": self.case, "child": self.child, "period": list(self.period),
                "agencies": [a.as_dict() for a in self.agencies],
                "recorded": [c.as_dict() for c in self.recorded],
                "not_matched": list(self.not_matched)}


def returns_status(case: str | Path, settings: Settings, *, scan: bool = True,
                   now: dt.datetime | None = None, progress=None) -> ReturnsStatus:
    """Record any new file in ``returns/received/``, then say where each agency stands."""
    now = now or dt.datetime.now()
    say = progress or (lambda _m: None)
    files = open_case(case)
    recorded, unmatched = [], []
    for path in _new_files(files) if scan else []:
        say(f"checking {path.relative_to(files.root)}")
        try:
            recorded.append(check_and_record(path, settings, case=files, now=now))
        except ReturnError as exc:
            unmatched.append(str(exc))
    manifest = read_manifest(files.manifest)
    rows = [_agency_status(e, manifest.source_names(), now.date())
            for e in sorted(files.register.agencies.values(), key=lambda e: e.agency.casefold())]
    register = files.register
    return ReturnsStatus(register.case, register.child.name,
                         (register.period_start, register.period_end), rows, recorded, unmatched)


def _new_files(case: CaseFiles) -> list[Path]:
    """Returned files in ``returns/received/`` not recorded yet, oldest first."""
    from chronos.returns.check import file_sha256

    folder = case.root / RECEIVED
    if not folder.is_dir():
        return []
    found = [p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in RETURN_SUFFIXES
             and not p.name.startswith(("~$", ".~lock", "."))]
    new = [p for p in found if case.register.by_file(file_sha256(p)) is None]
    return sorted(new, key=lambda p: (p.stat().st_mtime, str(p)))


def _agency_status(entry: AgencyEntry, sources: list[str], today: dt.date) -> AgencyStatus:
    status = AgencyStatus(entry.agency, "outstanding", entry.issued, entry.due,
                          entry.references[-1] if entry.references else None,
                          returns=len(entry.received))
    latest, current = entry.latest, entry.current
    if latest is None:
        if entry.due and entry.due < today.isoformat():
            status.state = "overdue"
        return status
    shown = latest if latest.blocking or current is None else current
    status.received, status.rows, status.events = shown.received[:10], shown.rows, shown.events
    status.errors, status.warnings, status.file = shown.errors, shown.warnings, shown.file
    status.messages = list(shown.messages)
    status.source = current.source if current else None
    status.in_manifest = bool(status.source and status.source in sources)
    status.state = ("rejected" if latest.blocking else "problems" if shown.errors
                    else "nil return" if shown.events == 0 else "returned")
    return status
