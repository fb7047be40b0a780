"""The case manifest and the main job: ingest every source, link, and make the tables.

A case is described by ``case.yaml``::

    case: Example family
    index_children: ["family:C3"]      # record keys or names of the index child(ren)
    as_of: 2024-03-31                  # reference date ("today" for the case)
    sources:
      - name: gp
        path: exports/gp.csv
        format: auto                   # or a registered format name; 'mapped' with a mapping
        agency: GP
        mapping: mappings/gp.yaml      # file or inline dict, for the mapped format
        dayfirst: true                 # any other key is passed to the ingester as an option
    allow_outside_case:                # folders outside the case folder that sources,
      - /mnt/exports/2024              # mappings and settings may be read from (optional)

Every file the manifest names (sources, mappings, overrides, rule parameters, the linking
model) must be inside the case folder, links followed, or inside a folder listed under
``allow_outside_case``; anything else is refused before it is opened.

:func:`load_case` reads and validates the manifest; :func:`build_case` runs the stages and
returns a :class:`CaseResult`; :func:`write_outputs` writes the tables atomically.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from chronos.errors import ChronosError, Issue, ManifestError, StrictModeError
from chronos.pipeline import CaseResult, Progress, run_stages

MANIFEST_NAME = "case.yaml"
#: Every key a manifest may hold (docs/manifest.md describes each; a test keeps them in step)
MANIFEST_KEYS = ("case", "sources", "index_children", "as_of", "future_dates", "overrides",
                 "rule_params", "allow_outside_case", "linking", "dedupe")
#: The keys of a source that chronos reads itself
SOURCE_KEYS = {"name", "path", "format", "agency", "mapping", "subject"}
#: The other keys of a source: reading options handed to its ingester
SOURCE_OPTIONS = ("dayfirst", "sheet", "encoding", "header_row", "delimiter", "as_of",
                  "future_dates", "agency_column")
#: The keys of ``linking:`` besides the top-level keys of chronos/data/link_model.yaml
LINKING_KEYS = ("model_path", "train")
#: top-level keys the manifest itself uses (the rest are settings other parts read)
CASE_KEYS = {"case", "sources", "index_children", "as_of", "overrides", "rule_params",
             "allow_outside_case"}


@dataclass
class Case:
    """A case as its manifest describes it."""

    name: str
    root: Path
    manifest_path: Path
    sources: list  # list[chronos.ingest.base.Source]
    index_children: list[str] = field(default_factory=list)
    as_of: str | None = None                # ISO; the manifest's, else the day it was loaded
    as_of_from: str = "manifest"            # manifest | today
    overrides_path: Path | None = None      # linking: must_link / cannot_link
    rule_params_path: Path | None = None    # patterns: {rule_id: {param: value}}
    settings: dict[str, Any] = field(default_factory=dict)
    #: what reading the manifest found odd (unknown keys, with the nearest known one)
    warnings: list[Issue] = field(default_factory=list)


# ---------------------------------------------------------------- manifest


def find_manifest(path: str | Path) -> Path:
    """The manifest file for ``path`` (a case.yaml, or a folder that holds one)."""
    path = Path(path)
    if path.is_dir():
        path = path / MANIFEST_NAME
    if not path.exists():
        raise ManifestError("case manifest not found", file=str(path),
                            hint="give a case.yaml or a folder that holds one")
    if path.suffix.lower() not in (".yaml", ".yml"):
        raise ManifestError("this is not a case manifest", file=str(path),
                            hint="give a case.yaml (or its folder); to see what one export "
                                 "becomes, use: chronos inspect FILE")
    return path


def load_case(path: str | Path) -> Case:
    """Read and validate a case manifest; source paths are resolved from its folder."""
    manifest = find_manifest(path)
    raw = _read_yaml(manifest)
    if not isinstance(raw, dict):
        raise ManifestError("the manifest must be a mapping with 'case' and 'sources'",
                            file=str(manifest))
    root = manifest.parent
    sources = raw.get("sources")
    if not sources or not isinstance(sources, list):
        raise ManifestError("the manifest lists no sources", file=str(manifest),
                            column="sources")
    _check_shapes(raw, manifest)
    folders = allowed_folders(raw, root, manifest)
    parsed = [_source(entry, i, root, manifest, folders) for i, entry in enumerate(sources, 1)]
    _check_unique_names(parsed, manifest)
    overrides = _case_file(raw, "overrides", "overrides.yaml", root, manifest, folders)
    rule_params = _case_file(raw, "rule_params", "rule-params.yaml", root, manifest, folders)
    _check_linking_model(raw, root, manifest, folders)
    as_of = _as_of(raw.get("as_of"), manifest)
    _future_policy(raw.get("future_dates"), manifest, "future_dates")
    for number, entry in enumerate(sources, 1):
        if isinstance(entry, dict):
            _future_policy(entry.get("future_dates"), manifest,
                           f"sources[{number}].future_dates")
    return Case(
        name=str(raw.get("case") or root.resolve().name),
        root=root,
        manifest_path=manifest,
        sources=parsed,
        index_children=_index_children(raw.get("index_children"), manifest),
        as_of=as_of or dt.date.today().isoformat(),
        as_of_from="manifest" if as_of else "today",
        overrides_path=overrides,
        rule_params_path=rule_params,
        settings={k: v for k, v in raw.items() if k not in CASE_KEYS},
        warnings=unknown_keys(raw, manifest),
    )


def unknown_keys(raw: dict, manifest: Path) -> list[Issue]:
    """A warning for every manifest key chronos does not read (at the top, in each source,
    in ``linking:`` and ``dedupe:``), naming the nearest key it does read."""
    found = _unknown(raw, MANIFEST_KEYS, "", manifest)
    for number, entry in enumerate(raw.get("sources") or [], 1):
        if isinstance(entry, dict):
            found += _unknown(entry, (*sorted(SOURCE_KEYS), *SOURCE_OPTIONS),
                              f"sources[{number}].", manifest)
    for section, known in (("linking", _linking_keys), ("dedupe", _dedupe_keys)):
        if isinstance(raw.get(section), dict):
            found += _unknown(raw[section], known(), f"{section}.", manifest)
    return found


def _unknown(raw: dict, known, where: str, manifest: Path) -> list[Issue]:
    from chronos.errors import did_you_mean

    issues = []
    for key in raw:
        if key in known:
            continue
        hint = did_you_mean(key, known)
        issues.append(Issue("manifest.unknown_key",
                            f"{where}{key}: chronos does not read this key, it is ignored{hint} "
                            "(docs/manifest.md lists every key)",
                            str(manifest), "", f"{where}{key}", ""))
    return issues


def _linking_keys() -> tuple[str, ...]:
    import yaml

    from chronos.datafiles import data_text

    return (*LINKING_KEYS, *yaml.safe_load(data_text("link_model.yaml")))


def _dedupe_keys() -> tuple[str, ...]:
    import yaml

    from chronos.datafiles import data_text

    return tuple(yaml.safe_load(data_text("dedupe.yaml")))


def _future_policy(value: Any, manifest: Path, where: str) -> None:
    if value is None:
        return
    if str(value).strip().lower() not in ("quarantine", "warn"):
        raise ManifestError(f"{where} must be quarantine or warn, not {value!r}",
                            file=str(manifest), column=where)


#: settings sections that must be mappings when given
SETTINGS_SECTIONS = ("linking", "dedupe")


def _check_shapes(raw: dict, manifest: Path) -> None:
    """Refuse settings of the wrong shape by name (a number where a section belongs)."""
    for key in SETTINGS_SECTIONS:
        if raw.get(key) is not None and not isinstance(raw[key], dict):
            raise ManifestError(f"{key}: must be a mapping of settings", file=str(manifest),
                                column=key)
    model_path = (raw.get("linking") or {}).get("model_path")
    if model_path is not None and not isinstance(model_path, str):
        raise ManifestError("linking: model_path must be a file name", file=str(manifest),
                            column="linking")


def _index_children(value: Any, manifest: Path) -> list[str]:
    if value in (None, ""):
        return []
    values = [value] if isinstance(value, (str, int)) else value
    if not isinstance(values, list) or not all(isinstance(v, (str, int)) for v in values):
        raise ManifestError("index_children must be a list of record keys or names",
                            file=str(manifest), column="index_children")
    return [str(v) for v in values]


def allowed_folders(raw: dict, root: Path, manifest: Path) -> list[Path]:
    """The case folder and the folders listed under ``allow_outside_case`` (relative to
    the case folder, or absolute): the only places the manifest's files may be."""
    extra = raw.get("allow_outside_case") or []
    if isinstance(extra, str):
        extra = [extra]
    if not isinstance(extra, list) or not all(isinstance(f, str) and f for f in extra):
        raise ManifestError("allow_outside_case must be a list of folders", file=str(manifest),
                            column="allow_outside_case")
    folders = [root]
    for text in extra:
        folder = root / Path(text).expanduser()
        if not folder.is_dir():
            raise ManifestError(f"allow_outside_case: {text!r} is not a folder",
                                file=str(manifest), column="allow_outside_case")
        folders.append(folder)
    return folders


def _inside(path: Path, label: str, what: str, manifest: Path, folders: list[Path]) -> Path:
    from chronos.safe_input import check_inside

    check_inside(path, folders, label=label, what=what, error=ManifestError,
                 file=str(manifest))
    return path


def _case_file(raw: dict, key: str, default: str, root: Path, manifest: Path,
               folders: list[Path]) -> Path | None:
    """A settings file the manifest names (or its default name), if it exists."""
    text = str(raw.get(key, default))
    path = _inside(root / text, text, key, manifest, folders)
    return path if path.exists() else None


def _check_linking_model(raw: dict, root: Path, manifest: Path, folders: list[Path]) -> None:
    linking = raw.get("linking")
    if isinstance(linking, dict) and linking.get("model_path"):
        text = str(linking["model_path"])
        _inside(root / text, text, "linking model_path", manifest, folders)


def _read_yaml(path: Path, what: str = "manifest") -> Any:
    from chronos.safe_input import load_yaml

    return load_yaml(path, error=ManifestError, what=what)


def _source(entry: Any, number: int, root: Path, manifest: Path, folders: list[Path]):
    from chronos.ingest.base import Source

    where = f"sources[{number}]"
    if not isinstance(entry, dict) or not entry.get("path"):
        raise ManifestError(f"{where} needs at least a 'path'", file=str(manifest))
    path_text = str(entry["path"])
    name = str(entry.get("name") or Path(path_text).stem)
    _inside(root / path_text, path_text, f"{where} ({name}) path", manifest, folders)
    mapping = entry.get("mapping")
    if isinstance(mapping, str):
        mapping_path = _inside(root / mapping, mapping, f"{where} ({name}) mapping", manifest,
                               folders)
        if not mapping_path.exists():
            raise ManifestError(f"{where} ({name}): mapping file not found: {mapping}",
                                file=str(manifest))
        mapping = _read_yaml(mapping_path, "mapping file") or {}
        if not isinstance(mapping, dict):
            raise ManifestError(f"{where} ({name}): the mapping file must hold a mapping "
                                "(keys such as columns: and events:)", file=str(mapping_path))
        mapping.setdefault("_file", str(mapping_path))
    options = {k: v for k, v in entry.items() if k not in SOURCE_KEYS}
    return Source(path=root / path_text, name=name, format=str(entry.get("format") or "auto"),
                  agency=str(entry.get("agency") or ""), mapping=mapping, options=options,
                  display_path=path_text, subject=_subject(entry, where, name, manifest))


def _subject(entry: dict, where: str, name: str, manifest: Path):
    """The source's ``subject:`` (the person it is about), checked now."""
    from chronos.ingest.subject import parse_subject

    if entry.get("subject") in (None, ""):
        return None
    try:
        return parse_subject(entry["subject"], f"{where} ({name}) subject")
    except ManifestError as exc:
        raise ManifestError(exc.message, file=str(manifest), column="subject",
                            hint=exc.hint) from None


def _check_unique_names(sources: list, manifest: Path) -> None:
    seen: set[str] = set()
    for source in sources:
        if source.name in seen:
            raise ManifestError(f"two sources are named {source.name!r}; names must be unique",
                                file=str(manifest), hint="add a distinct 'name:' to each source")
        seen.add(source.name)


def _as_of(value: Any, manifest: Path) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError as exc:
        raise ManifestError(f"as_of must be an ISO date (YYYY-MM-DD), got {value!r}",
                            file=str(manifest), column="as_of") from exc


# ---------------------------------------------------------------- build


def build_case(case: Case | str | Path, *, strict: bool = False,
               progress: Progress | None = None, stages: Iterable[str] | None = None,
               rules=None, params=None, train: bool | None = None,
               cache: bool = False) -> CaseResult:
    """Ingest every source of the case and run the stages (:mod:`chronos.pipeline`).

    ``stages`` limits the optional stages that run after ingest (``link``, ``dedupe``,
    ``findings``); by default every one runs. Until the ``link`` stage runs, events and
    relationships refer to people by source record keys, ``persons`` and ``links`` are
    empty, and the source person records are in ``result.person_records``. ``rules``
    (rule files that add to or replace catalogue rules) and ``params`` (rule parameter
    overrides, on top of the case's) go to the findings stage; ``train`` (re-estimate the
    linking model) to the link stage. With ``strict``, any quarantined row raises
    :class:`StrictModeError` (after the whole case was read, so the message can say how
    many). With ``cache``, what did not change since the last build comes from the
    case's cache (:mod:`chronos.cache`): each source whose file, manifest entry, mapping
    and chronos are the same, the linking of the same person records, the findings of
    the same tables and rules; what it did is in ``result.cache_notes``. The ``chronos``
    commands cache by default, a library call only when asked.
    """
    if not isinstance(case, Case):
        case = load_case(case)
    say = progress or (lambda _msg: None)
    result = new_result(case)
    only = None if stages is None else {"ingest", *stages}
    run_stages(case_stages(say, rules=rules, params=params, train=train, cache=cache), result,
               only=only, progress=lambda name: name == "ingest" or say(name))
    _resolve_index_children(result)
    if strict and len(result.quarantine):
        raise StrictModeError(f"{len(result.quarantine)} row(s) quarantined (--strict)",
                              hint="see quarantine.csv, or run without --strict")
    return result


def case_stages(progress: Progress | None = None, *, rules=None, params=None,
                train: bool | None = None, cache=False) -> list:
    """The stages of a case build, in order (:data:`chronos.pipeline.STAGES`); ``cache``
    (True, or a :class:`chronos.cache.CaseCache`) lets them reuse what did not change."""
    from chronos.cache import CaseCache
    from chronos.link.stage import DedupeStage, LinkStage
    from chronos.patterns.stage import FindingsStage

    store = cache if isinstance(cache, CaseCache) else CaseCache(wanted=bool(cache))
    findings = FindingsStage(rules=rules, params=params)
    say = progress or (lambda _msg: None)
    return [IngestStage(say, cache=store),
            LinkStage(train=train, people=_remembered_linking(store, say)), DedupeStage(),
            RememberedStage(findings, store, _findings_inputs(rules, params), say)]


def new_result(case: Case) -> CaseResult:
    """An empty result for ``case``: what the ingest stage starts from."""
    from chronos import model

    return CaseResult(case=case, events=model.empty("events"), persons=model.empty("persons"),
                      links=model.empty("links"), relationships=model.empty("relationships"),
                      quarantine=model.empty("quarantine"), findings=model.empty("findings"),
                      report={}, sources=[])


class IngestStage:
    """Read every source of the case with its ingester and assemble the tables; with a
    ``cache`` (:class:`chronos.cache.CaseCache`), unchanged sources come from it."""

    name = "ingest"

    def __init__(self, progress: Progress | None = None, *, cache=None):
        from chronos.cache import CaseCache

        self.say = progress or (lambda _msg: None)
        self.cache = cache if isinstance(cache, CaseCache) else CaseCache(wanted=bool(cache))

    def run(self, result: CaseResult) -> dict:
        case = result.case
        cache = self.cache.open(case)
        results = []
        for source in case.sources:
            self.say(f"reading {source.name} ({source.file_label})")
            prepare_source(source, case)    # as_of and future_dates: part of the cache key
            seen = len(cache.notes)
            results.append(cache.read(source, lambda s: _read(s, case)))
            _say_problems(cache.notes[seen:], self.say)
        _assemble(result, results)
        result.cache_notes = cache.notes
        return {"sources": len(results), "events": len(result.events),
                "from_cache": sum(n.status == "hit" for n in cache.notes)}


class RememberedStage:
    """A stage whose outputs are kept in the case's cache and given back, without running
    it, while its inputs are the same. ``inputs(result)`` lists what the stage reads
    (tables as :func:`chronos.cache.frame_digest`, files as their content). Whatever the
    stage sets on the result is kept: fields it replaces, report keys it sets and
    warnings it adds."""

    def __init__(self, stage, cache, inputs: Callable[[CaseResult], list],
                 progress: Progress | None = None):
        self.stage, self.cache, self.inputs = stage, cache, inputs
        self.name = stage.name
        self.say = progress or (lambda _msg: None)

    def run(self, result: CaseResult):
        from chronos.cache import inputs_digest

        cache = self.cache.open(result.case)
        if not cache.enabled:
            return self.stage.run(result)
        key = inputs_digest(self.name, *self.inputs(result))
        kept = cache.recall(self.name, key)
        if kept is not None:
            return _apply_changes(result, kept)
        changes = _run_for_changes(self.stage, result)
        cache.keep(self.name, key, changes)
        _say_problems(cache.notes[-1:], self.say)
        return changes["counts"]


def _say_problems(notes: list, say: Progress) -> None:
    """Tell the person about cache entries that were not trusted or not kept."""
    for note in notes:
        if note.status in ("rebuilt", "off") and note.message:
            say(f"cache: {note}")


#: fields a stage's changes are not taken from (the case and what ingest owns)
_NOT_STAGE_FIELDS = {"case", "sources", "report", "warnings", "cache_notes"}


def _run_for_changes(stage, result: CaseResult) -> dict:
    """Run ``stage`` on ``result``; what it changed (fields it set, report keys it set,
    warnings it added) and its counts."""
    import copy
    import dataclasses

    names = [f.name for f in dataclasses.fields(result) if f.name not in _NOT_STAGE_FIELDS]
    before = {name: getattr(result, name) for name in names}
    report = copy.deepcopy(result.report) if isinstance(result.report, dict) else None
    warned = len(result.warnings)
    counts = stage.run(result) or {}
    changed = {n: getattr(result, n) for n in names if getattr(result, n) is not before[n]}
    report_changes = {} if report is None else {
        k: v for k, v in result.report.items() if k not in report or report[k] != v}
    return {"fields": changed, "report": report_changes,
            "warnings": list(result.warnings[warned:]), "counts": counts}


def _apply_changes(result: CaseResult, changes: dict) -> dict:
    for name, value in changes["fields"].items():
        setattr(result, name, value)
    if isinstance(result.report, dict):
        result.report.update(changes["report"])
    result.warnings.extend(changes["warnings"])
    return changes["counts"]


def _findings_inputs(rules, params) -> Callable[[CaseResult], list]:
    """What the findings stage reads: the tables, the as-of date, the rules and the
    rule parameters (the catalogue is part of chronos's code)."""
    from chronos.cache import file_digest, frame_digest

    def inputs(result: CaseResult) -> list:
        case = result.case
        return [frame_digest(result.events), frame_digest(result.persons),
                frame_digest(result.relationships), case.as_of, case.settings,
                file_digest(case.rule_params_path),
                [file_digest(r) if isinstance(r, (str, Path)) else r for r in rules or []],
                file_digest(params) if isinstance(params, (str, Path)) else params]

    return inputs


def _remembered_linking(cache, say: Progress):
    """``link_people`` through the case's cache: the same person records, overrides,
    settings and as-of date give the same people."""
    from chronos.link.people import link_people

    def link(records, *, overrides=None, settings=None, train=False, as_of=None,
             events=None, **more):
        def compute():
            return link_people(records, overrides=overrides, settings=settings, train=train,
                               as_of=as_of, events=events, **more)

        if not cache.enabled or more:
            return compute()
        from chronos.cache import file_digest, frame_digest, inputs_digest

        model = (settings or {}).get("model_path") if isinstance(settings, dict) else None
        key = inputs_digest("link", frame_digest(records), _dating_digest(events),
                            file_digest(overrides) if isinstance(overrides, (str, Path))
                            else overrides, settings, file_digest(model), train,
                            (as_of or dt.date.today()).isoformat())
        kept = cache.recall("link", key)
        if kept is not None:
            return kept["linked"]
        linked = compute()
        cache.keep("link", key, {"linked": linked})
        _say_problems(cache.notes[-1:], say)
        return linked

    return link


def _dating_digest(events) -> str:
    """A hash of what linking reads of the events: who each names, in what role, when
    (:func:`chronos.link.stated.record_dates`)."""
    from chronos.cache import frame_digest
    from chronos.link.stated import DATING_COLUMNS

    if events is None:
        return "none"
    columns = [c for c in DATING_COLUMNS if c in events.columns]
    return frame_digest(events[columns])


def _resolve_index_children(result: CaseResult) -> None:
    """Map the manifest's index children (record keys, person ids or full names) to
    person ids, and flag them in ``persons.is_index``. Unknown ones become a warning."""
    wanted = result.case.index_children
    if not wanted or not len(result.persons):
        return
    record_map = result.record_to_person
    persons = result.persons
    names = (persons["given_name"].fillna("") + " " + persons["family_name"].fillna(""))
    by_name = dict(zip(names.str.strip().str.lower(), persons["person_id"]))
    ids = set(persons["person_id"].astype(str))
    found = []
    for item in wanted:
        pid = record_map.get(item) or (item if item in ids else by_name.get(item.lower()))
        if pid:
            found.append(str(pid))
        else:
            result.warnings.append(Issue("case.index_child_unknown",
                                         f"index child {item!r} matches no person",
                                         str(result.case.manifest_path), "", "index_children",
                                         item))
    found = list(dict.fromkeys(found))
    result.index_person_ids = found
    persons["is_index"] = persons["person_id"].astype(str).isin(found).astype("boolean")


def prepare_source(source, case: Case) -> None:
    """Give a source the case-wide reading options it does not set itself: the as-of
    date and the future-date policy (``future_dates:``)."""
    if case.as_of:
        source.options.setdefault("as_of", case.as_of)
    if case.settings.get("future_dates"):
        source.options.setdefault("future_dates", case.settings["future_dates"])


def _read(source, case: Case):
    from chronos.ingest.base import read_source

    prepare_source(source, case)
    result = read_source(source)
    if not result.reconciles():
        raise ChronosError(f"ingest counts do not reconcile: {result.summary()}",
                           file=source.file_label)
    return result


def _assemble(result: CaseResult, results: list) -> None:
    from chronos import model

    for r in results:
        r.warnings = list(r.warnings) + _no_person_warnings(r)
    result.events = _concat([r.events for r in results], "events")
    result.person_records = _concat([r.persons for r in results], "persons")
    result.relationships = _concat([r.relationships for r in results], "relationships")
    result.quarantine = model.conform([_quarantine_row(q, r.format)
                                       for r in results for q in r.quarantine], "quarantine")
    result.sources = results
    result.warnings = list(getattr(result.case, "warnings", [])) + [
        w for r in results for w in r.warnings]
    result.report = ingest_report(result)


def _no_person_warnings(source_result) -> list[Issue]:
    """One warning for a source's events that name no person (kept in the chronology,
    where they say so; no rule counts them for a child), naming the file and rows."""
    events = source_result.events
    if events is None or not len(events) or "person_ids" not in events:
        return []
    nobody = events[events["person_ids"].fillna("").astype(str).str.strip().eq("")]
    if not len(nobody):
        return []
    refs = list(dict.fromkeys(str(r) for r in nobody["source_ref"].fillna("")))
    shown = ", ".join(refs[:10]) + (f" and {len(refs) - 10} more" if len(refs) > 10 else "")
    return [Issue("event.no_person", f"{len(nobody)} event(s) name no person (rows {shown}): "
                  "kept in the chronology, counted for no child by the rules; a per-child "
                  "chronology can say whose it is", source_result.source.file_label,
                  refs[0], "person", "")]


def _quarantine_row(issue: Issue, source_format: str) -> dict:
    """One quarantine row: the contract's columns only (the issue's code is the reason)."""
    return {"source_file": issue.source_file, "source_ref": issue.source_ref,
            "column": issue.column, "value": issue.value, "reason": issue.code,
            "message": issue.message, "source_format": source_format}


def _concat(frames: list, table: str):
    """The sources' tables as one, conformed once (columns outside the contract kept)."""
    import pandas as pd

    from chronos import model

    frames = [f for f in frames if f is not None and len(f)]
    if not frames:
        return model.empty(table)
    return model.conformed(pd.concat(frames, ignore_index=True), table)


# ---------------------------------------------------------------- report and outputs


def ingest_report(result: CaseResult) -> dict:
    """The ingest report: per-source counts, totals, and whether everything reconciles."""
    per_source = [r.summary() for r in result.sources]
    totals = {key: sum(s[key] for s in per_source)
              for key in ("records_read", "records_to_data", "records_quarantined",
                          "parts_quarantined", "events", "events_unattributed",
                          "persons")}
    skipped: dict[str, int] = {}
    for summary in per_source:
        for reason, count in summary["records_skipped"].items():
            skipped[reason] = skipped.get(reason, 0) + count
    totals["records_skipped"] = dict(sorted(skipped.items()))
    return {
        "case": result.case.name,
        "as_of": result.case.as_of,
        "as_of_from": getattr(result.case, "as_of_from", "manifest"),
        "sources": per_source,
        "totals": totals,
        "reconciles": all(s["reconciles"] for s in per_source),
        "warnings": [w.as_dict() for w in result.warnings],
    }


TABLE_FILES = {
    "events": "events.csv",
    "persons": "persons.csv",
    "links": "links.csv",
    "relationships": "relationships.csv",
    "quarantine": "quarantine.csv",
    "findings": "findings.csv",
    "child_findings": "findings-by-child.csv",
}


def sort_table(frame, table: str):
    """Deterministic row order for a table written to disk."""
    keys = {
        "events": ["date", "time", "event_id"],
        "persons": ["person_id"],
        "links": ["person_id", "record_key"],
        "relationships": ["person_a", "person_b", "kind", "start"],
        "quarantine": ["source_file", "source_ref", "reason"],
        "findings": ["person_id", "rule_id", "window_start", "finding_id"],
        "child_findings": ["person_id", "rule_id", "window_start", "finding_id"],
    }[table]
    if table == "findings":  # family findings are in their ranked order
        return frame.reset_index(drop=True)
    return frame.sort_values(keys, na_position="first", kind="mergesort", ignore_index=True)


Writer = Callable[[CaseResult, Path], None]

#: the review-ready outputs ``chronos build`` writes beside the tables (see chronos.report)
BUILD_REPORTS = ("csv", "xlsx", "docx", "html", "timeline", "casemap", "report")


def output_writers(*, significant: bool = False) -> list[tuple[str, Writer]]:
    """What ``chronos build`` writes after the tables: (label, writer(result, folder));
    ``significant``: the chronology documents of the significant events. Each chart is
    drawn once: the genogram for its PNG and SVG, and the case report takes the genogram,
    ecomap and timeline pictures the writers before it saved."""
    from chronos.link.stage import output_writers as link_writers

    return [
        ("genogram", _write_genogram),
        ("ecomap", _write_ecomap),
        ("chronology and reports",
         lambda result, folder: _write_reports(result, folder, significant=significant)),
        *link_writers(),
    ]


def _write_genogram(result: CaseResult, folder: Path) -> None:
    from chronos.genogram.case import genogram_for_case

    genogram_for_case(result, [folder / "genogram.png", folder / "genogram.svg"])


def _write_ecomap(result: CaseResult, folder: Path) -> None:
    from chronos.genogram.case import write_ecomap_png

    write_ecomap_png(result, folder / "ecomap.png")


def _write_reports(result: CaseResult, folder: Path, *, significant: bool = False) -> None:
    from chronos.report.document import ChronologyOptions
    from chronos.report.outputs import write_reports

    drawn = {kind: (folder / f"{kind}.png").read_bytes() for kind in ("genogram", "ecomap")
             if (folder / f"{kind}.png").is_file()}
    write_reports(result, folder, formats=list(BUILD_REPORTS), images=drawn,
                  options=ChronologyOptions(significant=significant))


def write_outputs(result: CaseResult, out_dir: str | Path, *, overwrite: bool = True,
                  progress: Progress | None = None, significant: bool = False) -> Path:
    """Write every table and output to ``out_dir`` atomically.

    Everything is written into a private temporary folder beside ``out_dir`` and moved
    into place only when all of it succeeded; a failure leaves no partial folder.
    ``out_dir`` must be new, empty or a previous chronos output, outside the case's
    folders; files a person added to a previous output are kept
    (:func:`chronos.report.safe_files.atomic_directory`).
    """
    import json

    from chronos import model
    from chronos.report.safe_files import atomic_directory, input_folders, write_csv

    say = progress or (lambda _msg: None)
    with atomic_directory(Path(out_dir), overwrite=overwrite, kind="build",
                          protect=input_folders(result.case)) as tmp:
        for table, filename in TABLE_FILES.items():
            frame = getattr(result, table)
            if frame is None:
                frame = model.empty("findings")
            if table == "child_findings":
                frame = frame[model.CHILD_FINDING_COLUMNS]
            write_csv(sort_table(frame, table), tmp / filename)
        (tmp / "ingest-report.json").write_text(
            json.dumps(result.report, indent=2, sort_keys=True, default=str) + "\n",
            encoding="utf-8")
        for label, writer in output_writers(significant=significant):
            say(f"writing {label}")
            writer(result, tmp)
    return Path(out_dir)
