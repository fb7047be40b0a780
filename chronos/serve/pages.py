"""The workspace's pages: one function per route, each reading the workspace's state and
calling the library (:mod:`chronos.app`, :mod:`chronos.annotations`), then rendering a
template from ``chronos/serve/templates``.

Forms are posted as ``application/x-www-form-urlencoded`` and read here (no multipart);
every change redirects back to a page (303), so a reload never repeats it.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import (FileResponse, HTMLResponse, JSONResponse, RedirectResponse,
                                 Response)

from chronos.serve.workspace import CaseEntry, Workspace

PAGE_ROWS = 500
SIGNIFICANCE = ("significant", "not significant")


# --------------------------------------------------------------------------- helpers


def workspace(request: Request) -> Workspace:
    return request.app.state.workspace


def render(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    env = request.app.state.templates
    context.setdefault("cases", workspace(request).cases())
    html = env.get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status)


def back(url: str, **message) -> RedirectResponse:
    """Redirect after a change; ``message`` (``said=`` or ``error=``) shown on the page."""
    if message:
        url += ("&" if "?" in url else "?") + urlencode(message)
    return RedirectResponse(url, status_code=303)


MAX_FORM = 1_000_000     # bytes: a mapping pasted in the wizard is far smaller


async def form(request: Request) -> dict[str, str]:
    """The posted form's fields; a body over :data:`MAX_FORM` is refused (413), not read."""
    from starlette.exceptions import HTTPException

    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            raise HTTPException(413, "The form is too large.")
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def entry_or_404(request: Request) -> CaseEntry:
    found = workspace(request).case(request.path_params["key"])
    if found is None:
        from starlette.exceptions import HTTPException

        raise HTTPException(404, "No such case in this workspace.")
    return found


def loaded(request: Request, entry: CaseEntry, page: str, **context):
    """The page ``page`` if the case is loaded, else the loading page (it starts loading)."""
    if entry.result is None:
        workspace(request).ensure_loaded(entry)
        return render(request, "loading.html", entry=entry, job=entry.job)
    return render(request, page, entry=entry, **context)


def annotations_of(entry: CaseEntry):
    from chronos.annotations import read_annotations

    return read_annotations(entry.root)


def names(entry: CaseEntry) -> dict[str, str]:
    from chronos.report.people import display_names

    return display_names(entry.result)


# --------------------------------------------------------------------------- cases


async def home(request: Request):
    ws = workspace(request)
    ws.refresh()
    if ws.is_case() and not request.query_params.get("all"):
        return back(f"/case/{ws.cases()[0].key}")
    folders = [f.relative_to(ws.path).as_posix() or "." for f in ws.folders()]
    return render(request, "home.html", folders=folders, root=ws.path,
                  said=request.query_params.get("said"), error=request.query_params.get("error"))


async def new_case(request: Request):
    from chronos import app
    from chronos.errors import ChronosError

    ws = workspace(request)
    data = await form(request)
    folder = ws.inside(data.get("folder", ""))
    if folder is None or not folder.is_dir():
        return back("/?all=1", error="Choose a folder inside the workspace.")
    try:
        made = app.new_case(folder, name=data.get("name") or None)
    except ChronosError as exc:
        return back("/?all=1", error=str(exc))
    ws.refresh()
    entry = next(e for e in ws.cases() if e.manifest == made.manifest.resolve()
                 or e.manifest == made.manifest)
    said = f"Case made with {len(made.sources)} source(s)"
    if made.unplaced:
        said += f"; {len(made.unplaced)} file(s) need a mapping (see Add a source)"
    return back(f"/case/{entry.key}", said=said)


async def case_page(request: Request):
    entry = entry_or_404(request)
    outputs = output_files(entry)
    return loaded(request, entry, "case.html", outputs=outputs,
                  said=request.query_params.get("said"))


# --------------------------------------------------------------------------- build


async def build(request: Request):
    entry = entry_or_404(request)
    workspace(request).start_build(entry)
    return back(f"/case/{entry.key}/build")


async def build_page(request: Request):
    entry = entry_or_404(request)
    return render(request, "build.html", entry=entry, job=entry.job,
                  outputs=output_files(entry))


async def status(request: Request):
    entry = entry_or_404(request)
    job = entry.job.as_dict() if entry.job else {"kind": None, "done": True, "error": "",
                                                  "messages": [], "steps": 0, "seconds": 0}
    job["ready"] = entry.result is not None
    job["outputs"] = [p.name for p in output_files(entry)] if job["done"] else []
    return JSONResponse(job)


def output_files(entry: CaseEntry) -> list[Path]:
    """The files chronos wrote in the case's output folder (its marker's list)."""
    from chronos.report.safe_files import read_marker

    marker = read_marker(entry.out) if entry.out.is_dir() else None
    if not marker:
        return []
    listed = marker.get("files") or {}
    return [entry.out / name for name in sorted(listed) if (entry.out / name).is_file()
            and "/" not in name]


async def download(request: Request):
    return served_file(request, {p.name: p for p in output_files(entry_or_404(request))},
                       "No such output.")


def served_file(request: Request, chosen: dict[str, Path], missing: str) -> Response:
    """The file ``chosen`` names by the route's ``name`` (404 ``missing`` for any other
    name): as an attachment, or shown (``?view=1``) for a picture; no script runs from an
    SVG or HTML file, even opened directly."""
    name = request.path_params["name"]
    if name not in chosen:
        return Response(missing, status_code=404, media_type="text/plain")
    inline = request.query_params.get("view") == "1" and name.endswith((".png", ".svg"))
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if name.endswith(".svg"):
        kind = "image/svg+xml"
    headers = {} if inline else {"content-disposition": f'attachment; filename="{name}"'}
    response = FileResponse(chosen[name], media_type=kind, headers=headers)
    if name.endswith((".svg", ".html")):
        response.headers["content-security-policy"] = "default-src 'none'; img-src data:; " \
                                                      "style-src 'unsafe-inline'; sandbox"
    return response


# --------------------------------------------------------------------------- chronology


def filter_rows(rows, query) -> tuple:
    """The chronology rows a page asks for (child, agency, category, significance, text),
    and the choices each filter offers."""
    frame = rows
    child, agency = query.get("child", ""), query.get("agency", "")
    category, significance = query.get("category", ""), query.get("significance", "")
    text = query.get("q", "").strip().casefold()
    if child:
        frame = frame[frame["children"].fillna("").str.split(";").map(lambda ids: child in ids)]
    if agency:
        frame = frame[frame["agency"] == agency]
    if category:
        frame = frame[frame["categories"].fillna("").str.split(";").map(lambda c: category in c)]
    if significance == "significant":
        frame = frame[frame["significant"]]
    elif significance == "other":
        frame = frame[~frame["significant"]]
    if text:
        haystack = (frame["Event"].fillna("") + " " + frame["Action / outcome"].fillna("") + " "
                    + frame["Agency / source"].fillna("")).str.casefold()
        frame = frame[haystack.str.contains(text, regex=False)]
    return frame


def apply_decisions(rows, annotations):
    """The rows with the people's decisions (significance, notes) applied by the
    documents' own function, so the page reads as chronology.docx does."""
    from chronos.report.document import apply_decisions as applied

    return applied(rows, annotations)


async def chronology(request: Request):
    entry = entry_or_404(request)
    if entry.result is None:
        return loaded(request, entry, "chronology.html")
    query = dict(request.query_params)
    annotations = annotations_of(entry)
    rows = apply_decisions(entry.rows, annotations)
    shown = filter_rows(rows, query)
    result = entry.result
    people = names(entry)
    children = [(pid, people.get(pid, pid)) for pid in _children(entry)]
    agencies = sorted(a for a in rows["agency"].dropna().unique() if a)
    categories = sorted({c for cell in rows["categories"].fillna("") for c in cell.split(";")
                         if c})
    hidden = {t for t, a in annotations.latest("significance").items()
              if a.value == "not significant"} if len(annotations) else set()
    return render(request, "chronology.html", entry=entry, rows=shown.head(PAGE_ROWS).to_dict("records"),
                  total=len(rows), matched=len(shown), limit=PAGE_ROWS, query=query,
                  children=children, agencies=agencies, categories=categories,
                  notes=annotations.latest("note") if len(annotations) else {},
                  marks=annotations.latest("significance") if len(annotations) else {},
                  hidden=hidden, case_name=result.name)


def _children(entry: CaseEntry) -> list[str]:
    rows = entry.rows
    seen = dict.fromkeys(entry.result.index_person_ids or [])
    for cell in rows["children"].fillna(""):
        for pid in cell.split(";"):
            if pid:
                seen.setdefault(pid)
    return list(seen)


async def event(request: Request):
    entry = entry_or_404(request)
    if entry.result is None:
        return loaded(request, entry, "event.html")
    event_id = request.path_params["event_id"]
    annotations = annotations_of(entry)
    rows = apply_decisions(entry.rows, annotations)
    found = rows[(rows["event_id"] == event_id)
                 | rows["event_ids"].fillna("").str.split(";").map(lambda ids: event_id in ids)]
    if not len(found):
        return render(request, "missing.html", status=404, entry=entry,
                      what=f"No event {event_id} in this build of the case.")
    row = found.iloc[0].to_dict()
    ids = [i for i in str(row["event_ids"] or row["event_id"]).split(";") if i]
    events = entry.result.events
    records = events[events["event_id"].isin(ids)].to_dict("records")
    duplicates = []
    merged = entry.result.event_duplicates
    if merged is not None and len(merged) and "duplicate_of" in merged:
        duplicates = merged[merged["duplicate_of"].isin(ids)].to_dict("records")
    history = [a for a in annotations.rows if a.target == row["event_id"]]
    return render(request, "event.html", entry=entry, row=row, records=records,
                  duplicates=duplicates, history=history, people=names(entry),
                  mark=annotations.value(row["event_id"], "significance"),
                  note=annotations.value(row["event_id"], "note"),
                  back_to=request.query_params.get("back", ""),
                  said=request.query_params.get("said"), error=request.query_params.get("error"))


# --------------------------------------------------------------------------- annotations


async def annotate(request: Request):
    """One decision through the shared store (:func:`chronos.annotations.decide`)."""
    from chronos.annotations import decide
    from chronos.errors import ChronosError
    from chronos.settings import load_settings

    entry = entry_or_404(request)
    data = await form(request)
    target, field = data.get("target", ""), data.get("field", "")
    to = data.get("next", "")
    if not to.startswith(f"/case/{entry.key}/"):
        to = f"/case/{entry.key}/annotations"
    if entry.result is not None and target not in _known_ids(entry):
        return back(to, error=f"{target!r} is no event or finding of this case.")
    try:
        who = load_settings(entry.root).author.name or None
        added = decide(entry.root, target, field, data.get("value", ""), who=who,
                       reason=data.get("reason", ""))
    except ChronosError as exc:
        return back(to, error=str(exc))
    return back(to, said="Saved." if added else "Nothing changed.")


async def annotations_page(request: Request):
    entry = entry_or_404(request)
    if entry.result is None:
        return loaded(request, entry, "annotations.html")
    annotations = annotations_of(entry)
    result = entry.result
    in_force = annotations.in_force()
    gone = annotations.gone(result.events["event_id"], _finding_ids(result))
    labels = dict(zip(entry.rows["event_id"], entry.rows["Event"]))
    labels.update(dict(zip(result.findings["finding_id"], result.findings["title"])))
    return render(request, "annotations.html", entry=entry, in_force=in_force,
                  gone={(a.target, a.field) for a in gone}, gone_count=len(gone), labels=labels,
                  file=annotations.path, rows=len(annotations),
                  said=request.query_params.get("said"), error=request.query_params.get("error"))


def _known_ids(entry: CaseEntry) -> set[str]:
    """The ids a decision may be about: the case's events and findings now."""
    return set(entry.result.events["event_id"]) | set(_finding_ids(entry.result))


def _finding_ids(result) -> list[str]:
    ids = list(result.findings["finding_id"])
    if result.child_findings is not None and len(result.child_findings):
        ids += list(result.child_findings["finding_id"])
    return ids


# --------------------------------------------------------------------------- findings


async def findings(request: Request):
    entry = entry_or_404(request)
    if entry.result is None:
        return loaded(request, entry, "findings.html")
    annotations = annotations_of(entry)
    items = [{**item, "dismissed": annotations.decision(item["finding_id"], "dismissed"),
              "note": annotations.value(item["finding_id"], "note")}
             for item in findings_of(entry)]
    return render(request, "findings.html", entry=entry, items=items,
                  said=request.query_params.get("said"), error=request.query_params.get("error"))


def findings_of(entry: CaseEntry) -> list[dict]:
    """The case's findings with their evidence events and children's names, made once
    per reading of the case (decisions are added per request)."""
    result = entry.result
    cached = entry.cache.get("findings")
    if cached is not None and cached[0] is result:
        return cached[1]
    events = {e["event_id"]: e for e in result.events[["event_id", "date", "agency",
                                                        "event_type", "summary"]].to_dict("records")}
    people = names(entry)
    items = []
    for finding in result.findings.to_dict("records"):
        ids = [i for i in str(finding.get("event_ids") or "").split(";") if i]
        items.append({**finding, "evidence": [events[i] for i in ids if i in events],
                      "who": ", ".join(people.get(p, p) for p in
                                       str(finding.get("person_id") or "").split(";") if p)})
    entry.cache["findings"] = (result, items)
    return items


async def pictures(request: Request):
    entry = entry_or_404(request)
    shown = [p.name for p in output_files(entry) if p.suffix == ".png"]
    return render(request, "pictures.html", entry=entry, pictures=shown)


# --------------------------------------------------------------------------- ingest report


async def ingest(request: Request):
    entry = entry_or_404(request)
    if entry.result is None:
        return loaded(request, entry, "ingest.html")
    result = entry.result
    report = result.report
    quarantine = result.quarantine
    source = request.query_params.get("source", "")
    if source:
        quarantine = quarantine[quarantine["source_file"] == source]
    return render(request, "ingest.html", entry=entry, report=report,
                  quarantine=quarantine.head(PAGE_ROWS).to_dict("records"),
                  quarantined=len(quarantine), source=source,
                  files=sorted(result.quarantine["source_file"].dropna().unique()))


# --------------------------------------------------------------------------- links


async def links(request: Request):
    entry = entry_or_404(request)
    if entry.result is None:
        return loaded(request, entry, "links.html")
    from chronos.link.overrides import parse_overrides

    result = entry.result
    review = result.link_review
    pairs = review.to_dict("records") if review is not None else []
    decided = parse_overrides(_overrides_file(entry))
    same = {frozenset(p) for p in decided.must_pairs()}
    different = {frozenset(p) for p in decided.cannot_link}
    for pair in pairs:
        key = frozenset((pair["record_key_a"], pair["record_key_b"]))
        pair["decided"] = "same" if key in same else "different" if key in different else ""
    return render(request, "links.html", entry=entry, pairs=pairs, file=_overrides_file(entry),
                  said=request.query_params.get("said"), error=request.query_params.get("error"))


def _overrides_file(entry: CaseEntry) -> Path:
    from chronos.app import overrides_path

    return overrides_path(entry.result.case)


async def explain(request: Request):
    from chronos import app
    from chronos.errors import ChronosError

    entry = entry_or_404(request)
    if entry.result is None:
        return loaded(request, entry, "explain.html")
    a, b = request.query_params.get("a", ""), request.query_params.get("b", "")
    try:
        explained = app.explain_link(entry.result, a, b)
    except ChronosError as exc:
        return render(request, "missing.html", status=404, entry=entry, what=str(exc))
    return render(request, "explain.html", entry=entry, a=a, b=b, explained=explained,
                  table=explained.table.to_dict("records"))


async def decide_link(request: Request):
    from chronos import app
    from chronos.errors import ChronosError

    entry = entry_or_404(request)
    data = await form(request)
    if entry.result is None:
        return back(f"/case/{entry.key}/links", error="The case is not loaded yet.")
    try:
        done = app.decide_link(entry.result, data.get("a", ""), data.get("b", ""),
                               data.get("decision", ""))
    except ChronosError as exc:
        return back(f"/case/{entry.key}/links", error=str(exc))
    return back(f"/case/{entry.key}/links",
                said=f"{done.record_a} and {done.record_b}: {done.decision} "
                     f"(written to {done.file.name}; rebuild to apply).")


# --------------------------------------------------------------------------- mapping wizard


def case_files(entry: CaseEntry) -> list[str]:
    """Tables in the case folder a mapping could be drafted for."""
    from chronos.ingest.sources import SKIP_FOLDERS

    found = []
    for path in sorted(entry.root.rglob("*")):
        rel = path.relative_to(entry.root)
        if path.is_file() and path.suffix.lower() in (".csv", ".tsv", ".txt", ".xlsx", ".xlsm") \
                and not any(p in SKIP_FOLDERS or p.startswith(".") for p in rel.parts[:-1]):
            found.append(rel.as_posix())
    return found


async def mapping_page(request: Request):
    from chronos import app
    from chronos.errors import ChronosError

    entry = entry_or_404(request)
    chosen = request.query_params.get("file", "")
    context = {"files": case_files(entry), "chosen": chosen, "draft": None, "error": None}
    if chosen:
        path = _case_path(entry, chosen)
        if path is None:
            context["error"] = "Choose a file inside the case folder."
        else:
            try:
                draft = app.mapping_scaffold(path, sheet=request.query_params.get("sheet") or None)
                context.update(draft=draft, yaml=draft.yaml, name=Path(chosen).stem)
            except ChronosError as exc:
                context["error"] = str(exc)
    return render(request, "mapping.html", entry=entry, **context)


def _case_path(entry: CaseEntry, relative: str) -> Path | None:
    target = (entry.root / relative).resolve()
    root = entry.root.resolve()
    return target if root in target.parents and target.is_file() else None


async def mapping_preview(request: Request):
    """Preview (the first events the mapping gives) or save (mapping file + source)."""
    from chronos import app
    from chronos.errors import ChronosError
    from chronos.safe_input import parse_yaml

    entry = entry_or_404(request)
    data = await form(request)
    chosen, text = data.get("file", ""), data.get("yaml", "")
    path = _case_path(entry, chosen)
    context = {"files": case_files(entry), "chosen": chosen, "yaml": text, "draft": None,
               "name": data.get("name") or Path(chosen).stem, "error": None, "preview": None}
    if path is None:
        context["error"] = "Choose a file inside the case folder."
        return render(request, "mapping.html", entry=entry, **context)
    try:
        from chronos.errors import MappingError

        mapping = parse_yaml(text, error=MappingError, label="the mapping", what="mapping")
        found = app.inspect(path, mapping=mapping)
        context["preview"] = found.as_dict(rows=12)
        if data.get("action") == "save":
            return _save_mapping(entry, path, text, mapping, context["name"], found)
    except ChronosError as exc:
        context["error"] = str(exc)
    return render(request, "mapping.html", entry=entry, **context)


def _save_mapping(entry: CaseEntry, path: Path, text: str, mapping: dict, name: str, found):
    from chronos import app
    from chronos.errors import ChronosError
    from chronos.report.safe_files import write_text

    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in name.strip()) or path.stem
    target = entry.root / "mappings" / f"{stem}.yaml"
    if target.exists():
        raise ChronosError(f"mappings/{target.name} exists; chronos does not replace a mapping",
                           hint="give the mapping another name")
    write_text(target, text if text.endswith("\n") else text + "\n")
    sheet = ((mapping or {}).get("reader") or {}).get("sheet") if isinstance(mapping, dict) else None
    app.add_source(entry.manifest, path, mapping=target, name=stem,
                   agency=str((mapping or {}).get("agency") or ""), sheet=sheet)
    entry.result = None          # the case changed: load it again
    entry.job = None
    summary = found.result.summary()
    return back(f"/case/{entry.key}",
                said=f"Mapping saved as mappings/{target.name} and the source added to "
                     f"case.yaml ({summary['events']} events in the preview). Build to see it.")


# --------------------------------------------------------------------------- returns


def returns_files(entry: CaseEntry) -> dict[str, Path]:
    """The files a returns page may hand out: the templates issued and the check reports
    written (``returns/templates/``, ``returns/reports/``), by name."""
    from chronos.returns.issue import TEMPLATES
    from chronos.returns.status import REPORTS

    found = {}
    for folder in (entry.root / TEMPLATES, entry.root / REPORTS):
        if folder.is_dir() and not folder.is_symlink():
            for path in sorted(folder.iterdir()):
                if path.is_file() and not path.is_symlink() and \
                        path.suffix.lower() in (".docx", ".xlsx"):
                    found.setdefault(path.name, path)
    return found


async def returns_page(request: Request):
    """Where each agency's return stands, the templates to send, and the check of files
    saved in ``returns/received/``; templates issued from a form when there are none."""
    from chronos import app
    from chronos.errors import ChronosError
    from chronos.returns.register import register_path
    from chronos.returns.status import RECEIVED

    entry = entry_or_404(request)
    standing, problem = None, None
    if register_path(entry.root).is_file():
        try:
            standing = app.returns_status(entry.root, scan=False)
        except ChronosError as exc:
            problem = _said(exc)
    from chronos.returns.issue import TEMPLATES

    files = returns_files(entry)
    templates = [n for n, p in files.items() if p.parent.name == TEMPLATES.name]
    return render(request, "returns.html", entry=entry, returns=standing, problem=problem,
                  received=(entry.root / RECEIVED), templates=templates,
                  reports=[n for n in files if n not in templates],
                  said=request.query_params.get("said"), error=request.query_params.get("error"))


async def returns_action(request: Request):
    """``new``: issue templates to the agencies named; ``check``: check and record the
    files saved in ``returns/received/`` (as ``chronos returns status`` does)."""
    from chronos import app
    from chronos.errors import ChronosError

    entry = entry_or_404(request)
    data = await form(request)
    here = f"/case/{entry.key}/returns"
    try:
        if data.get("action") == "new":
            agencies = [a.strip() for a in data.get("agencies", "").split(",") if a.strip()]
            if not agencies:
                return back(here, error="Name at least one agency (separated by commas).")
            issued = app.returns_new(entry.root, agencies, child=data.get("child") or None,
                                     dob=_iso(data.get("dob")),
                                     period_start=_iso(data.get("period_start")),
                                     period_end=_iso(data.get("period_end")),
                                     due=_iso(data.get("due")))
            return back(here, said=f"Templates made for {len(issued.agencies)} agencies: "
                                   "download them below and send them.")
        if data.get("action") == "check":
            status = app.returns_status(entry.root, scan=True)
            said = f"{len(status.recorded)} return(s) checked and recorded"
            if status.not_matched:
                said += f"; {len(status.not_matched)} file(s) could not be placed: " + \
                        ", ".join(status.not_matched)
            return back(here, said=said + ". Build the case again to see them.")
    except ChronosError as exc:
        return back(here, error=_said(exc))
    return back(here, error="Unknown action.")


def _said(exc) -> str:
    """An error as the page says it: what is wrong and where, without the command-line
    hint (which names options of ``chronos returns``, not fields of the form)."""
    where = f" ({exc.file})" if exc.file else ""
    return f"{exc.message}{where}"


def _iso(text: str | None) -> str | None:
    """A date from a browser's date field (already ISO), or None when empty."""
    return (text or "").strip() or None


async def returns_download(request: Request):
    return served_file(request, returns_files(entry_or_404(request)), "No such file.")
