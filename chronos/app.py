"""The application layer: what each ``chronos`` command does, as functions.

The command line (:mod:`chronos.cli`) parses arguments, calls one function here and renders
what it returns; anything else that drives chronos (a notebook, a workspace server) calls
the same functions. Nothing here prints or knows about a terminal: progress goes to the
``progress`` callback, results come back as values (tables, dataclasses with ``as_dict()``
for JSON), and problems are raised as :class:`chronos.errors.ChronosError`. Dates are ISO
(``YYYY-MM-DD``); :func:`chronos.dates.date_option` reads the ways users write them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from chronos.pipeline import CaseResult, Progress


@dataclass
class Chart:
    """Files a chart command wrote, and what the drawing could not do cleanly."""

    files: list[Path]
    warnings: list[str] = field(default_factory=list)
    stats: dict | None = None

    def as_dict(self) -> dict:
        out = {"files": [str(p) for p in self.files], "warnings": list(self.warnings)}
        if self.stats is not None:
            out["stats"] = self.stats
        return out


@dataclass
class Written:
    """Files a command wrote (in the order written), what it skipped, and the pseudonym
    key it wrote (kept apart from the shared files)."""

    files: list[Path]
    skipped: list[str] = field(default_factory=list)
    key_path: Path | None = None

    def as_dict(self) -> dict:
        return {"files": [str(p) for p in self.files], "skipped": list(self.skipped),
                "key": str(self.key_path) if self.key_path else None}


@dataclass
class Flags:
    """The findings of a case by child and category, each with its evidence, and the
    rules' data-quality notes (:func:`flags`)."""

    case: str
    as_of: str
    children: list[dict]
    notes: list[dict]

    def as_dict(self) -> dict:
        return {"case": self.case, "as_of": self.as_of, "children": self.children,
                "data_quality": self.notes}


@dataclass
class RuleTests:
    """A rule file checked (:func:`check_rules`): its valid rules and each worked example."""

    file: Path
    rules: int
    results: list

    @property
    def failed(self) -> list:
        return [r for r in self.results if not r.passed]

    def as_dict(self) -> dict:
        return {"file": str(self.file), "rules": self.rules, "failed": len(self.failed),
                "examples": [{"rule_id": r.rule_id, "name": r.name, "passed": r.passed,
                              "expected": r.expected, "got": r.got} for r in self.results]}


def _child(result: CaseResult, child: str | None) -> str | None:
    """``--child``: a person id, a source record key or a name, as a person id."""
    if not child:
        return None
    from chronos.report.people import resolve_person

    return resolve_person(result, child)


# --------------------------------------------------------------------------- the case


def _check_out(case, out: Path | None, *, folder: bool = True) -> None:
    """Refuse, before any work, an ``out`` chronos may not write
    (:mod:`chronos.report.safe_files`): in or around the case's folder, a file, a link,
    or a folder chronos did not make. Sources kept elsewhere are checked again when the
    outputs are written, under the output's lock."""
    from chronos.report.safe_files import check_output, check_output_folder, input_folders

    if out is None:
        return
    if hasattr(case, "sources"):
        protect = input_folders(case)
    else:
        path = Path(case)
        protect = [path if path.is_dir() else path.parent] if path.exists() else []
    if folder:
        check_output_folder(out, protect=protect)
    else:
        check_output(out, folder=False, protect=protect)


def case_result(case, *, progress: Progress | None = None, cache: bool = True,
                strict: bool = False) -> CaseResult:
    """The case built in memory, nothing written but the cache: every table
    (``result.events``, ``persons``, ``findings``...), the ingest report and
    ``result.cache_notes``. What did not change since the last build of the case comes
    from its cache (:mod:`chronos.cache`): a rebuild after an annotation, an override or
    one mapping's change reads only what changed. For a long-running caller (the
    workspace), one call per rebuild; :func:`write_case_outputs` then writes the outputs."""
    from chronos.case import build_case

    return build_case(case, strict=strict, progress=progress, cache=cache)


def write_case_outputs(result: CaseResult, out: Path, *, significant: bool = False,
                       progress: Progress | None = None) -> CaseResult:
    """Write every table and output of a case built by :func:`case_result` to ``out``
    (atomically; refused where :func:`build` refuses). ``significant``: the chronology
    documents hold the significant events (the full record stays in events.csv and the
    workbook)."""
    from chronos.case import write_outputs

    _check_out(result.case, out)
    write_outputs(result, out, progress=progress, significant=significant)
    return result


def build(case, out: Path, *, strict: bool = False, significant: bool = False,
          progress: Progress | None = None, cache: bool = True) -> CaseResult:
    """Build the case and write every table and output to ``out`` (atomically);
    ``result.report`` is the ingest report. ``significant``: the chronology documents
    hold the significant events (the full record stays in events.csv and the workbook).
    ``cache``: unchanged sources come from the cache of ingested sources
    (:mod:`chronos.cache`), as in every function here that builds a case."""
    from chronos.case import build_case, write_outputs

    _check_out(case, out)
    result = build_case(case, strict=strict, progress=progress, cache=cache)
    write_outputs(result, out, progress=progress, significant=significant)
    return result


def chronology(case, *, child: str | None = None, progress: Progress | None = None,
               cache: bool = True):
    """``(result, rows)``: the case and its chronology (the columns practitioners read),
    for one child (a person id, record key or name) or the whole family."""
    from chronos.case import build_case
    from chronos.report.chronology import DISPLAY_COLUMNS, chronology_rows

    result = build_case(case, progress=progress, cache=cache)
    return result, chronology_rows(result, child=_child(result, child))[DISPLAY_COLUMNS]


def flags(case, *, rules=None, params=None, child: str | None = None,
          progress: Progress | None = None, cache: bool = True) -> Flags:
    """The findings of cumulative harm by child and category, with their evidence.
    ``rules``: rule files added to the catalogue (a rule with a catalogue id replaces it);
    ``params``: parameter overrides on top of the case's."""
    from chronos.case import build_case
    from chronos.patterns.present import flags_by_child

    result = build_case(case, progress=progress, rules=rules, params=params, cache=cache)
    findings = result.child_findings if result.child_findings is not None else result.findings
    if child:
        findings = findings[findings["person_id"] == _child(result, child)]
    grouped = flags_by_child(findings, result.events, result.persons)
    return Flags(result.name, result.report["findings"]["as_of"], grouped,
                 result.rule_notes.to_dict("records"))


def report(case, out: Path, *, outputs: str | None = None, child: str | None = None,
           summarise_before: str | None = None, court: bool = False,
           significant: bool = False,
           pseudonymise: bool = False, shift_days: int | None = None,
           key: Path | None = None, dates_of_birth: str = "age",
           progress: Progress | None = None, cache: bool = True) -> Written:
    """Write the chosen review-ready outputs (``outputs``: comma-separated, default all)
    into ``out``; events before ``summarise_before`` are summarised per year and
    category; pseudonymised, the key goes to ``key`` (outside ``out``), dates move by
    ``shift_days`` (random when None) and births show as an 'age' or a 'year'."""
    from chronos.case import build_case
    from chronos.report.document import ChronologyOptions
    from chronos.report.outputs import parse_formats, write_reports
    from chronos.report.privacy import load_key

    formats = parse_formats(outputs)
    options = ChronologyOptions(child=child, since=summarise_before, court=court,
                                significant=significant)
    _check_out(case, out)
    _check_out(case, key, folder=False)
    reuse = load_key(key) if key and Path(key).exists() else None
    result = build_case(case, progress=progress, cache=cache)
    run = write_reports(result, out, formats, options, pseudonymise=pseudonymise,
                        shift_days=shift_days, key_path=key, key=reuse,
                        dates_of_birth=dates_of_birth)
    return Written(list(run.files), list(run.skipped), run.key_path)


@dataclass
class Annotated:
    """What :func:`annotate` recorded in the case's annotations file, and every decision
    in force afterwards with its status (``applied``, or the case no longer has it)."""

    file: Path
    added: list = field(default_factory=list)
    unchanged: int = 0
    decisions: list[dict] = field(default_factory=list)

    @property
    def gone(self) -> list[dict]:
        """The decisions about events or findings the case no longer has."""
        return [d for d in self.decisions if d["status"] != "applied"]

    def as_dict(self) -> dict:
        return {"file": str(self.file), "unchanged": self.unchanged,
                "added": [vars(a) for a in self.added], "decisions": self.decisions}


#: ``chronos annotate`` decision -> (annotation field, value)
DECISIONS = {"significant": ("significance", "significant"),
             "not_significant": ("significance", "not significant"),
             "undecided": ("significance", ""), "dismiss": ("dismissed", "yes"),
             "restore": ("dismissed", "")}


def annotate(case, *, decisions: list[tuple[str, str, str]] | None = None,
             bundle_refs: dict[str, str] | None = None, source: Path | None = None,
             who: str | None = None, reason: str = "",
             progress: Progress | None = None, cache: bool = True) -> Annotated:
    """Record review decisions in the case's annotations (``annotations.csv`` in the case
    folder, kept across rebuilds; :mod:`chronos.annotations`): ``decisions`` as
    ``(target id, field, value)`` (a '' value withdraws one), ``bundle_refs`` (event id ->
    reference) and those typed into a court chronology ``source`` (Word or Excel). Every
    id must be one the case has now; only what changes the decisions in force is added,
    all at once, by ``who`` (default: the login name). With nothing to record, lists the
    decisions in force. The case is read through its cache (``cache``), as a build reads
    it, to know which ids it has."""
    from chronos.annotations import (Annotation, add_annotations, annotations_path, changes,
                                     check, current_user, now, read_annotations)
    from chronos.case import build_case

    result = build_case(case, progress=progress, cache=cache)
    root = result.case.root
    wanted = list(decisions or [])
    refs = dict(bundle_refs or {})
    if source is not None:
        from chronos.report.bundle_refs import read_bundle_refs

        refs = {**read_bundle_refs(source), **refs}
    wanted += [(event, "bundle_ref", ref) for event, ref in sorted(refs.items())]
    who = " ".join((who if who is not None else current_user()).split())
    when = now()
    items = [Annotation(t.strip(), f, " ".join(v.split()), who, when, " ".join(reason.split()))
             for t, f, v in wanted]
    path = annotations_path(root)
    for item in items:
        check(item, path)
    _known(result, [i.target for i in items if i.value])
    current = read_annotations(root)
    new = changes(current, items)
    if new:
        add_annotations(root, new)
        current = read_annotations(root)
    return Annotated(path, new, len(items) - len(new), _decisions_now(result, current))


def _known(result: CaseResult, targets: list[str]) -> None:
    """Refuse a decision about an id the case does not have (a typing slip, or another
    case's id): a decision is only recorded about what is there."""
    from chronos.errors import AnnotationError
    from chronos.report.document import finding_ids

    have = set(result.events["event_id"]) | finding_ids(result)
    missing = [t for t in dict.fromkeys(targets) if t not in have]
    if missing:
        raise AnnotationError(f"the case has no event or finding {', '.join(missing[:5])}"
                              + (f" (and {len(missing) - 5} more)" if len(missing) > 5 else ""),
                              hint="event ids are in events.csv, finding ids in findings.csv "
                              "(chronos build)")


def _decisions_now(result: CaseResult, current) -> list[dict]:
    from chronos.report.document import finding_ids

    have = set(result.events["event_id"]) | finding_ids(result)
    return [{**vars(a), "status": "applied" if a.target in have else
             "not applied: the case no longer has it"} for a in current.in_force()]


def timeline(case, out: Path, *, child: str | None = None,
             progress: Progress | None = None, cache: bool = True) -> Written:
    """Draw the timeline chart (.png, .svg or .pdf) of the family or of one child."""
    from chronos.case import build_case
    from chronos.errors import ChronosError
    from chronos.report.timeline import write_timeline

    if Path(out).suffix.lower() not in (".png", ".svg", ".pdf"):
        raise ChronosError(f"cannot draw to {Path(out).name}", hint="use .png, .svg or .pdf")
    _check_out(case, out, folder=False)
    result = build_case(case, progress=progress, cache=cache)
    return Written([write_timeline(result, out, child=_child(result, child))])


def casemap(case, out: Path, *, progress: Progress | None = None,
            cache: bool = True) -> Written:
    """Write the case map (Word .docx or HTML .html) for a meeting to complete."""
    from chronos.case import build_case
    from chronos.report.outputs import write_case_map

    _check_out(case, out, folder=False)
    return Written([write_case_map(build_case(case, progress=progress, cache=cache), out)])


def reidentify(file: Path, key: Path, out: Path | None = None) -> Written:
    """Put the real names, identifiers and dates back into a returned shared document."""
    from chronos.report.privacy import load_key, reidentified_path
    from chronos.report.privacy import reidentify as restore
    from chronos.report.safe_files import check_output

    target = Path(out) if out else reidentified_path(file)
    check_output(target, folder=False, protect=[file, key])
    return Written([Path(restore(file, load_key(key), target))])


def check_pseudonymised(directory: Path, against: Path):
    """Every identifier of the real build ``against`` that survives in the shared folder
    ``directory``, with file and position (a
    :class:`chronos.report.privacy_check.PseudonymCheck`; ``.ok`` when there is none)."""
    from chronos.report.privacy_check import check_pseudonymised as check

    return check(directory, against)


# --------------------------------------------------------------------------- sources


def formats() -> list[dict]:
    """The formats chronos reads: name, description, file extensions."""
    from chronos.ingest.base import registry

    return [{"name": name, "description": cls.description, "extensions": list(cls.extensions)}
            for name, cls in registry().items()]


def inspect(file: Path, fmt: str = "auto", *, mapping: Path | dict | None = None,
            sheet: str | None = None):
    """What one file becomes (format, events, person records, issues), writing nothing:
    a :class:`chronos.ingest.preview.Inspection`. ``mapping`` (a mapping YAML file, or
    the mapping as data): read the file through it, as the ``mapped`` format; ``sheet``:
    one sheet of a workbook."""
    from chronos.ingest.preview import inspect_file

    if mapping is None:
        return inspect_file(file, fmt, options={"sheet": sheet} if sheet else None)
    if fmt not in ("auto", "mapped"):
        from chronos.errors import ChronosError

        raise ChronosError(f"a mapping is read with the mapped format, not {fmt!r}",
                           hint="leave out --format, or use --format mapped")
    return inspect_file(file, "mapped", mapping=mapping,
                        options={"sheet": sheet} if sheet else None)


@dataclass
class MappingDraft:
    """A draft mapping for an export (:func:`mapping_scaffold`): the sniffed columns and
    the YAML, and the file it was written to (None when only shown)."""

    scaffold: object
    yaml: str
    file: Path | None = None

    def as_dict(self) -> dict:
        return {**self.scaffold.as_dict(), "yaml": self.yaml,
                "written": str(self.file) if self.file else None}


def mapping_scaffold(file: Path, out: Path | None = None, *, sheet: str | None = None,
                     agency: str = "") -> MappingDraft:
    """Sniff an export's columns and draft its mapping (:mod:`chronos.ingest.scaffold`):
    the date, person and event-type columns suggested, the event-type wordings mapped to
    chronos's vocabulary where it knows them. Written to ``out`` when given (a new file,
    owner-only; an existing file is never replaced)."""
    from chronos.errors import ChronosError
    from chronos.ingest.scaffold import scaffold_mapping
    from chronos.report.safe_files import check_output, write_text

    found = scaffold_mapping(file, sheet=sheet, agency=agency)
    text = found.yaml()
    if out is not None:
        out = Path(out)
        if out.exists():
            raise ChronosError(f"{out} exists; chronos does not replace a mapping",
                               hint="give another --out, or delete the file first")
        check_output(out, folder=False, protect=[file])
        write_text(out, text)
    return MappingDraft(found, text, out)


@dataclass
class NewCase:
    """A case made from a folder of exports (:func:`new_case`): the manifest written, the
    sources it lists and the files it could not place (each with why)."""

    manifest: Path
    sources: list[dict]
    unplaced: list[dict]

    def as_dict(self) -> dict:
        return {"manifest": str(self.manifest), "sources": self.sources,
                "unplaced": self.unplaced}


def new_case(folder: Path, *, name: str | None = None) -> NewCase:
    """Make a case from a folder of exports: a new ``case.yaml`` in ``folder`` listing
    each file in it (and its subfolders) that chronos can read: a file in a standard
    format (sniffed), or a table whose header holds every column of one of the folder's
    mappings (``*.yaml`` under ``mappings/``), one source per sheet it fits. Files it
    cannot place are listed (a mapping for them can be drafted with
    :func:`mapping_scaffold`). An existing ``case.yaml`` is never replaced."""
    from chronos.errors import ChronosError
    from chronos.ingest.sources import place_exports
    from chronos.report.safe_files import write_text

    folder = Path(folder)
    manifest = folder / "case.yaml"
    if manifest.exists():
        raise ChronosError(f"{manifest} exists; chronos does not replace a case",
                           hint="open it as it is, or make the new case in another folder")
    if not folder.is_dir():
        raise ChronosError(f"{folder} is not a folder")
    sources, unplaced = place_exports(folder)
    write_text(manifest, _manifest_text(name or folder.name, sources))
    return NewCase(manifest, sources, unplaced)


def _manifest_text(name: str, sources: list[dict]) -> str:
    import yaml

    head = ("# A case made by chronos from a folder of exports: check each source's agency\n"
            "# and add index_children (the children the review is about) and as_of.\n")
    body = yaml.safe_dump({"case": name, "sources": sources}, sort_keys=False,
                          allow_unicode=True, width=100)
    return head + body


def add_source(case, file: Path, *, mapping: Path | None = None, agency: str = "",
               name: str | None = None, sheet: str | None = None, fmt: str | None = None):
    """Add a source to a case's manifest (its text edited, comments kept, the previous
    manifest kept in ``returns/backups/``: :mod:`chronos.returns.manifest`): ``file`` and,
    for a mapped export, its ``mapping`` (both inside the case folder). Returns the
    :class:`chronos.returns.manifest.ManifestChange` (the diff)."""
    from datetime import datetime

    from chronos.case import find_manifest
    from chronos.errors import ChronosError
    from chronos.returns.manifest import add_source as added, read_manifest, write_manifest

    manifest_path = find_manifest(case)
    root = manifest_path.parent
    current = read_manifest(manifest_path)
    names = {str(s.get("name")) for s in current.data.get("sources") or [] if isinstance(s, dict)}
    entry: dict = {"name": _source_name(name or Path(file).stem, names)}
    for key, value in (("path", file), ("mapping", mapping)):
        if value is None:
            continue
        try:
            entry[key] = Path(value).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            raise ChronosError(f"{value} is not inside the case folder {root}",
                               hint="put the export and its mapping in the case folder") from None
    entry["format"] = "mapped" if mapping is not None else (fmt or "auto")
    if agency:
        entry["agency"] = agency
    if sheet:
        entry["sheet"] = sheet
    text = added(current, entry)
    return write_manifest(current, text, case_root=root,
                          stamp=datetime.now().strftime("%Y%m%d-%H%M%S"))


def _source_name(stem: str, taken: set[str]) -> str:
    import re

    base = re.sub(r"[^a-z0-9]+", "_", stem.lower()).strip("_") or "source"
    name, number = base, 2
    while name in taken:
        name, number = f"{base}_{number}", number + 1
    return name


# --------------------------------------------------------------------------- rules


def catalogue(extra=None, *, only_extra: bool = False) -> list:
    """The indicator rules: the catalogue with ``extra`` rule files added (a rule with a
    catalogue id replaces it), or with ``only_extra`` those files alone."""
    from chronos.errors import RuleError
    from chronos.patterns.rules import load_catalogue, load_rules

    if only_extra:
        if not extra:
            raise RuleError("no rule files to run instead of the catalogue",
                            hint="add --rules FILE")
        return load_rules(list(extra))
    return load_catalogue(extra=extra)


def rule_summaries(extra=None) -> list[dict]:
    """One line of facts per rule: id, type, category, severity, age band, title."""
    from chronos.patterns.present import rule_summary

    return [rule_summary(r) for r in catalogue(extra)]


def rules_markdown(extra=None) -> str:
    """Every rule as Markdown (docs/rules.md is made with this)."""
    from chronos.patterns.present import catalogue_markdown

    return catalogue_markdown(catalogue(extra))


def rule(rule_id: str, extra=None) -> dict:
    """One rule with its effective parameters and source."""
    from chronos.errors import RuleError
    from chronos.patterns.present import rule_detail

    found = {r.id: r for r in catalogue(extra)}
    if rule_id not in found:
        raise RuleError(f"no rule {rule_id!r}", hint="run 'chronos rules list' for the ids")
    return rule_detail(found[rule_id])


def check_rules(file: Path) -> RuleTests:
    """Validate a rule file and run its worked examples (its ``tests:``)."""
    from chronos.errors import RuleError
    from chronos.patterns.checks import run_rule_tests
    from chronos.patterns.rules import load_rules
    from chronos.safe_input import load_yaml

    file = Path(file)
    data = load_yaml(file, error=RuleError, what="rule file") if file.exists() else None
    valid = load_rules([file]) if (data or {}).get("rules") or not file.exists() else []
    return RuleTests(file, len(valid), run_rule_tests(file))


# --------------------------------------------------------------------------- linking


def link(case, *, out: Path | None = None, train: bool = False,
         progress: Progress | None = None, cache: bool = True) -> CaseResult:
    """Ingest and link a case (no de-duplication, no findings); write ``persons.csv``,
    ``links.csv``, ``link-review.csv`` and ``link-warnings.csv`` to ``out`` if given.
    ``result.link_result.summary()`` is the summary."""
    from chronos.case import build_case
    from chronos.link.stage import link_stage, write_link_files

    _check_out(case, out)
    result = build_case(case, progress=progress, stages=(), cache=cache)
    link_stage(result, train=train)
    if out is not None:
        write_link_files(result, Path(out))
    return result


def explain_link(case, record_a: str, record_b: str, *, chart: Path | None = None,
                 cache: bool = True):
    """Why two person records were or were not joined, field by field (a
    :class:`chronos.link.explain.LinkExplanation`); the waterfall chart to ``chart``."""
    from chronos.case import build_case
    from chronos.link.stage import explain_records

    if isinstance(case, CaseResult):  # a case already read (the workspace keeps one)
        _check_out(case.case, chart, folder=False)
        return explain_records(case, record_a, record_b, waterfall=chart)
    _check_out(case, chart, folder=False)
    result = build_case(case, stages=(), cache=cache)
    return explain_records(result, record_a, record_b, waterfall=chart)


@dataclass
class LinkDecision:
    """A link decision written to the case's overrides file (:func:`decide_link`)."""

    file: Path
    record_a: str
    record_b: str
    decision: str
    must_link: int
    cannot_link: int

    def as_dict(self) -> dict:
        return {"file": str(self.file), "record_a": self.record_a, "record_b": self.record_b,
                "decision": self.decision, "must_link": self.must_link,
                "cannot_link": self.cannot_link}


def decide_link(case, record_a: str, record_b: str, decision: str) -> LinkDecision:
    """Record that two person records are the ``same`` person or ``different`` people in
    the case's overrides file (``overrides:`` in the manifest, default
    ``overrides.yaml``), added to what it holds;
    the next build links (or keeps apart) the two records. A pair decided the other way
    before is moved, not left contradicting. The file's text is edited, so a person's
    comments and notes in it are kept (:func:`chronos.link.overrides.record_decision`)."""
    from chronos import limits
    from chronos.case import Case, load_case
    from chronos.errors import ChronosError, ManifestError
    from chronos.link.overrides import parse_overrides, record_decision
    from chronos.report.safe_files import write_text
    from chronos.safe_input import read_bytes

    if decision not in ("same", "different"):
        raise ChronosError(f"a link decision is 'same' or 'different', not {decision!r}")
    loaded = case.case if isinstance(case, CaseResult) else (
        case if isinstance(case, Case) else load_case(case))
    path = overrides_path(loaded)
    text = ""
    if path.exists():
        raw = read_bytes(path, str(path), limit=limits.MAX_YAML_BYTES, error=ManifestError,
                         what="overrides file")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ManifestError(f"the overrides file is not UTF-8 text (byte "
                                f"0x{raw[exc.start]:02X} at offset {exc.start})",
                                file=str(path)) from None
    write_text(path, record_decision(text, record_a, record_b, decision, label=str(path)))
    data = parse_overrides(path)
    return LinkDecision(path, record_a, record_b, decision, len(data.must_link),
                        len(data.cannot_link))


def overrides_path(case) -> Path:
    """The case's (a :class:`chronos.case.Case`) overrides file: the manifest's ``overrides:``, else overrides.yaml."""
    return Path(case.overrides_path or Path(case.root) / "overrides.yaml")


# --------------------------------------------------------------------------- charts


def genogram(source, out: Path, *, as_of: str | None = None, pseudonymise: bool = False,
             focus: list[str] | None = None, generations: int | None = None,
             stats: bool = False, progress: Progress | None = None,
             cache: bool = True) -> Chart:
    """Draw the genogram of a case (a case.yaml or its folder) or of a GEDCOM .ged file:
    around ``focus`` (person ids, GEDCOM ids or names) ``generations`` up and down (two
    up and one down by default; a case with no focus: around its index children; a file
    with no focus: the whole tree). With ``stats`` the chart's figures come back too."""
    from chronos.genogram.case import draw_genogram_file
    from chronos.report.safe_files import check_output

    path = Path(source)
    targets = out if isinstance(out, (list, tuple)) else [out]
    if path.suffix.lower() != ".ged":
        from chronos.case import build_case

        for target in targets:
            _check_out(path, target, folder=False)
        source = build_case(path, progress=progress, cache=cache)
    else:
        for target in targets:
            check_output(target, folder=False, protect=[path])
        source = path
    written, warnings, figures = draw_genogram_file(
        source, out, as_of=as_of, pseudonymise=pseudonymise, focus=focus,
        generations=generations, stats=stats, progress=progress)
    return Chart(list(written), list(warnings), figures)


def ecomap(case, out: Path, *, as_of: str | None = None, pseudonymise: bool = False,
           progress: Progress | None = None, cache: bool = True) -> Chart:
    """Draw the ecomap of a case: the family in the centre, the agencies around it."""
    from chronos.case import build_case
    from chronos.genogram.case import ecomap_for_case

    for target in (out if isinstance(out, (list, tuple)) else [out]):
        _check_out(case, target, folder=False)
    result = build_case(case, progress=progress, cache=cache)
    return Chart(list(ecomap_for_case(result, out, as_of=as_of, pseudonymise=pseudonymise)))




# --------------------------------------------------------------------------- the cache


def clear_cache(case=None):
    """Remove the cache of ingested sources of ``case`` (a case.yaml or its folder; None:
    of every case): a :class:`chronos.cache.Cleared`."""
    from chronos import cache

    if case is None:
        return cache.clear()
    from chronos.case import find_manifest

    return cache.clear(find_manifest(case))


def cache_info(case) -> dict:
    """Where the cache of ``case``'s ingested sources is, its readings and their size."""
    from chronos import cache
    from chronos.case import find_manifest

    return cache.describe(find_manifest(case))


# --------------------------------------------------------------------------- returns


def returns_new(case, agencies: list[str], *, child: str | None = None,
                dob: str | None = None, period_start: str | None = None,
                period_end: str | None = None, due: str | None = None,
                progress: Progress | None = None):
    """Write one Word and one Excel template per agency into the case's
    ``returns/templates/`` and enter them in its register: a
    :class:`chronos.returns.issue.Issued`. ``child``: a name (with ``dob``), or a person id,
    record key or name found in the case's sources; without it, the review's child as
    already registered, else the case's one index child. The period defaults to the child's
    date of birth to the case's as-of date. Columns and headings: the authority's settings
    (:func:`chronos.settings.load_settings`)."""
    from chronos.returns.issue import Request, case_folder, issue_templates
    from chronos.settings import load_settings

    request = Request(list(agencies), child, dob, period_start, period_end, due)
    return issue_templates(case, request, load_settings(case_folder(case)[0]),
                           progress=progress)


def returns_check(file: Path, *, case=None, agency: str | None = None,
                  report: Path | None = None, record: bool = True):
    """Check a returned file: a :class:`chronos.returns.check.ReturnCheck` with numbered
    messages. The case is ``case``, else the case folder the file lies in (if any); with a
    case, the check report goes to its ``returns/reports/`` (or ``report``) and, with
    ``record``, the return is recorded: added to the manifest as a source, replacing the
    agency's earlier return (``check.recorded``)."""
    from chronos.returns.status import check_and_record, find_case, open_case
    from chronos.settings import load_settings

    files = open_case(case) if case else find_case(Path(file))
    settings = load_settings(files.root if files else None)
    return check_and_record(Path(file), settings, case=files, agency=agency, report=report,
                            record=record)


def returns_status(case, *, scan: bool = True, progress: Progress | None = None):
    """Which agencies have returned, when, how many rows, which are outstanding or have
    open problems: a :class:`chronos.returns.status.ReturnsStatus`. With ``scan``, files
    in the case's ``returns/received/`` not yet recorded are checked and recorded first."""
    from chronos.returns.issue import case_folder
    from chronos.returns.status import returns_status as status
    from chronos.settings import load_settings

    return status(case, load_settings(case_folder(case)[0]), scan=scan, progress=progress)


# --------------------------------------------------------------------------- population


def screen(sources, out: Path, *, engine: str = "duckdb", spark_master: str | None = None,
           fresh: bool = False, since: str | None = None, period: int = 12,
           harm_threshold: float | None = None, rules=None, only_rules: bool = False,
           params=None, memory_limit: str | None = None, progress=None):
    """Screen a whole population (:func:`chronos.screen.screen`): a
    :class:`chronos.screen.ScreenResult`. ``rules``: rule files added to the catalogue
    (with ``only_rules``, run instead of it); ``fresh`` redoes every stage;
    ``progress(stage, done, total, message)``."""
    from chronos.screen import screen as run_screen

    chosen = catalogue(rules, only_extra=only_rules) if rules or only_rules else None
    return run_screen(sources, out, engine=engine, spark_master=spark_master,
                      resume=not fresh, progress=progress, since=since, period_months=period,
                      harm_threshold=harm_threshold, rules=chosen,
                      params=str(params) if params else None, memory_limit=memory_limit)


__all__ = ["Annotated", "Chart", "Flags", "LinkDecision", "MappingDraft", "NewCase", "RuleTests",
           "Written", "add_source", "annotate", "build", "cache_info", "case_result", "casemap",
           "catalogue", "check_pseudonymised", "check_rules", "chronology", "clear_cache",
           "decide_link", "ecomap", "explain_link", "flags", "formats", "genogram", "inspect",
           "link", "mapping_scaffold", "new_case", "overrides_path", "reidentify", "report", "returns_check",
           "returns_new", "returns_status", "rule", "rule_summaries", "rules_markdown", "screen",
           "timeline", "write_case_outputs"]
