"""Issuing templates: ``chronos returns new CASE --agencies A,B,C``.

For each agency, one Word and one Excel template in ``returns/templates/`` of the case
folder, each with its own return reference, and the agency entered in the register
(:mod:`chronos.returns.register`). The review's child, period and columns are fixed in the
register the first time and reused after; the columns and headings come from the
authority's settings (:mod:`chronos.settings`). A case folder without a ``case.yaml``
gets a new one with no sources: a review that starts from returns alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from chronos.errors import ReturnError
from chronos.returns.check import READER_FIELDS, file_sha256
from chronos.returns.identity import return_id, template_properties
from chronos.returns.register import (RETURNS_DIR, AgencyEntry, Child, Register, load_register,
                                      save_register, slug)
from chronos.settings import Settings

TEMPLATES = Path(RETURNS_DIR) / "templates"
NEW_MANIFEST = """\
# A case made by 'chronos returns new': its sources are the agencies' returns, added here
# as they arrive ('chronos returns status'); add agency exports as sources too.
case: {name}
index_children: [{child}]
sources: []
"""


@dataclass
class Issued:
    """What ``returns new`` did."""

    case: str
    root: Path
    child: Child
    period: tuple[str, str]
    agencies: list[dict]                       # agency, reference, files
    created_manifest: Path | None = None
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"case": self.case, "child": self.child.name, "child_dob": self.child.dob,
                "period": list(self.period), "agencies": self.agencies,
                "created_manifest": str(self.created_manifest) if self.created_manifest
                else None, "warnings": list(self.warnings)}


@dataclass
class Request:
    """What the person asked for (every field optional but the agencies)."""

    agencies: list[str]
    child: str | None = None
    dob: str | None = None                     # ISO
    period_start: str | None = None            # ISO
    period_end: str | None = None              # ISO
    due: str | None = None                     # ISO


def case_folder(case: str | Path) -> tuple[Path, Path]:
    """(folder, manifest path) of a case given as a folder or a case.yaml (which may not
    exist yet)."""
    path = Path(case)
    if path.suffix.lower() in (".yaml", ".yml"):
        return path.parent, path
    return path, path / "case.yaml"


def issue_templates(case: str | Path, request: Request, settings: Settings, *,
                    today: dt.date | None = None, progress=None) -> Issued:
    """Write each agency's templates and enter them in the register."""
    say = progress or (lambda _m: None)
    today = today or dt.date.today()
    agencies = _agencies(request.agencies)
    root, manifest = case_folder(case)
    columns = _columns(settings)
    raw = _manifest_data(manifest) if manifest.exists() else {}
    register = load_register(root)
    warnings: list[str] = []
    child = _child(request, register, manifest, raw)
    period = _period(request, register, child, raw, today)
    if register is None:
        name = str(raw.get("case") or root.resolve().name)
        register = Register(name, child, period[0], period[1], columns)
    else:
        warnings += _changes(register, child, period, columns)
        register.child, (register.period_start, register.period_end) = child, period
        register.columns = columns
    for agency in agencies:
        for suffix in (".docx", ".xlsx"):
            _refuse_changed(root, TEMPLATES / f"{slug(agency)}{suffix}",
                            register.agencies.get(slug(agency)))
    from chronos.report.safe_files import private_dir

    created = _ensure_manifest(root, manifest, child)   # only once everything was checked
    private_dir(root / TEMPLATES)
    written = []
    for agency in agencies:
        say(f"writing the templates for {agency}")
        written.append(_issue_one(root, register, agency, request.due, settings, today))
        save_register(root, register)       # after each agency: the register matches the files
    return Issued(register.case, root, child, period, written, created, warnings)


def _agencies(names: list[str]) -> list[str]:
    cleaned = [" ".join(str(n).split()) for n in names if str(n).strip()]
    if not cleaned:
        raise ReturnError("no agencies named", hint='give --agencies "GP,School,Police"')
    slugs = [slug(n) for n in cleaned]
    twice = sorted({n for n, s in zip(cleaned, slugs) if slugs.count(s) > 1})
    if twice:
        raise ReturnError(f"agencies named twice (or alike): {', '.join(twice)}")
    return cleaned


def _ensure_manifest(root: Path, manifest: Path, child: Child) -> Path | None:
    """Create a manifest with no sources (the child as its index child) when the case
    folder has none."""
    import yaml

    from chronos.report.safe_files import private_dir, write_text

    if manifest.exists():
        return None
    private_dir(root)
    scalar = lambda v: yaml.safe_dump(v, default_flow_style=True).replace(  # noqa: E731
        "\n...\n", "").strip()
    write_text(manifest, NEW_MANIFEST.format(name=scalar(root.resolve().name),
                                             child=scalar(child.name)))
    return manifest


def _manifest_data(manifest: Path) -> dict:
    from chronos.returns.manifest import read_manifest

    return read_manifest(manifest).data


def _child(request: Request, register: Register | None, manifest: Path, raw: dict) -> Child:
    """The child: as asked (a name with ``dob``; or a person id, record key or name found
    in the case's sources), else as already registered, else the case's one index child."""
    if request.child and (request.dob or not raw.get("sources")):
        given, family = split_name(request.child)
        dob = request.dob or (register.child.dob if register and _same(register.child, given,
                                                                       family) else None)
        return Child(given, family, dob)
    if request.child:
        return _child_from_case(manifest, raw, request.child)
    if register is not None:
        return register.child
    return _child_from_case(manifest, raw, None)


def split_name(text: str) -> tuple[str | None, str | None]:
    """(given, family) of ``Jade Smith``, ``Jade SMITH`` or ``Smith, Jade``."""
    text = " ".join(str(text).split())
    if "," in text:
        family, _, given = text.partition(",")
        return given.strip() or None, family.strip().title() if family.isupper() else family
    words = text.split()
    capitals = [w for w in words if w.isupper() and len(w) > 1]
    if capitals and len(capitals) < len(words):
        given = " ".join(w for w in words if w not in capitals)
        return given, " ".join(capitals).title()
    if len(words) == 1:
        return None, words[0]
    return " ".join(words[:-1]), words[-1]


def _same(child: Child, given, family) -> bool:
    return (child.given_name or "").casefold() == (given or "").casefold() and \
        (child.family_name or "").casefold() == (family or "").casefold()


def _child_from_case(manifest: Path, raw: dict, ref: str | None) -> Child:
    """The child from a build of the case's sources (ingest and linking): the person
    ``ref`` names (a person id, a record key or a name), else the one index child. A
    ``ref`` that names nobody there is taken as the child's name."""
    from chronos.case import build_case
    from chronos.errors import ChronosError
    from chronos.report.people import resolve_person

    hint = 'name the child: --child "Jade Smith" --dob 03/05/2016'
    if ref is None and (not raw.get("sources") or not raw.get("index_children")):
        raise ReturnError("which child is the review about?", file=str(manifest), hint=hint)
    result = build_case(manifest, stages=("link",))
    if ref is not None:
        try:
            ids = [resolve_person(result, ref)]
        except ChronosError:
            return Child(*split_name(ref))
    else:
        ids = list(result.index_person_ids)
    if len(ids) != 1:
        raise ReturnError(f"the case has {len(ids)} index children; a review's returns are "
                          "about one child", file=str(manifest), hint=hint)
    person = result.persons.drop_duplicates("person_id").set_index("person_id").loc[ids[0]]
    return Child(_value(person, "given_name"), _value(person, "family_name"),
                 _value(person, "dob"))


def _value(row, column: str) -> str | None:
    value = row.get(column)
    if value is None or value != value or str(value) in ("", "<NA>"):
        return None
    text = str(value)
    return text.title() if column.endswith("name") and text.isupper() else text


def _period(request: Request, register: Register | None, child: Child, raw: dict,
            today: dt.date) -> tuple[str, str]:
    """The review period: as asked, else as registered, else from the child's date of
    birth to the case's as-of date (or today)."""
    start = request.period_start or (register.period_start if register else None) or child.dob
    end = request.period_end or (register.period_end if register else None) \
        or (str(raw["as_of"])[:10] if raw.get("as_of") else today.isoformat())
    if not start:
        raise ReturnError("the review period has no start (and the child's date of birth is "
                          "not known)", hint="give --from DATE (and --to DATE)")
    if start > end:
        raise ReturnError(f"the period starts ({start}) after it ends ({end})")
    return start, end


def _columns(settings: Settings) -> list[list[str]]:
    """The return's columns from the settings, checked against what the chronology-table
    reader recognises (a heading it would misread would lose the column)."""
    from chronos.ingest.chronology_table import FIELDS, find_header
    from chronos.ingest.sheets import find_columns
    from chronos.settings import DEFAULT_HEADINGS

    columns = [[c.key, c.heading] for c in settings.returns()]
    headings = [h for _, h in columns]
    found = find_columns(headings, FIELDS)
    for position, (key, heading) in enumerate(columns):
        if found.get(READER_FIELDS[key]) != position:
            raise ReturnError(f"the heading {heading!r} (column {key}) is not one chronos "
                              "recognises as that column, so returns could not be read",
                              file=", ".join(str(f) for f in settings.files) or None,
                              hint=f"use {DEFAULT_HEADINGS[key]!r}, or another heading the "
                                   "chronology-table reader knows (docs/formats.md)")
    if find_header([headings])[0] is None:
        raise ReturnError("a return needs at least three columns, with a date and an event",
                          hint="returns.columns in chronos.toml (docs/settings.md)")
    return columns


def _changes(register: Register, child: Child, period, columns) -> list[str]:
    """Warnings when a new issue changes what earlier templates said."""
    issued = [e.agency for e in register.agencies.values() if e.references]
    if not issued:
        return []
    out = []
    if (child.name, child.dob) != (register.child.name, register.child.dob):
        raise ReturnError(f"templates were already issued for {register.child.name}; a review's "
                          f"returns are about one child, not {child.name}",
                          hint="use a separate case folder for another child")
    if tuple(period) != (register.period_start, register.period_end):
        out.append(f"the period changed to {period[0]} to {period[1]}: templates already "
                   f"issued to {', '.join(issued)} show the old one (returns are checked "
                   "against the new one; issue them again if it matters)")
    if columns != register.columns:
        out.append(f"the columns changed: templates already issued to {', '.join(issued)} "
                   "have the old ones (issue them again so that returns match)")
    return out


def _issue_one(root: Path, register: Register, agency: str, due: str | None,
               settings: Settings, today: dt.date) -> dict:
    from chronos.returns.templates import (template_text, write_docx_template,
                                           write_xlsx_template)

    key = slug(agency)
    entry = register.agencies.setdefault(key, AgencyEntry(agency))
    reference = return_id(register.case, register.child.name, agency, today.isoformat())
    if reference not in entry.references:
        entry.references.append(reference)
    entry.issued, entry.due = today.isoformat(), due or entry.due
    text = template_text(register, entry, settings)
    properties = template_properties(
        reference=reference, case=register.case, agency=agency, child=register.child.name,
        dob=register.child.dob, period=(register.period_start, register.period_end),
        columns=[tuple(c) for c in register.columns], issued=today.isoformat())
    files = []
    for suffix, writer in ((".docx", write_docx_template), (".xlsx", write_xlsx_template)):
        relative = TEMPLATES / f"{key}{suffix}"
        writer(text, properties, root / relative)
        entry.templates[str(relative)] = file_sha256(root / relative)
        files.append(str(relative))
    return {"agency": agency, "reference": reference, "due": entry.due, "files": files}


def _refuse_changed(root: Path, relative: Path, entry: AgencyEntry | None) -> None:
    """Never overwrite a template someone changed (filled in where it was, perhaps), or a
    file chronos did not write."""
    path = root / relative
    if not path.exists():
        return
    if entry is None or entry.templates.get(str(relative)) != file_sha256(path):
        raise ReturnError("the template was changed since chronos wrote it; nothing was "
                          "overwritten", file=str(path),
                          hint="move it out of returns/templates/ (if it is a filled-in return, "
                               "check it with: chronos returns check FILE), then run again")
