"""Write a case's review-ready outputs in one go: chronology documents (docx, xlsx, html,
csv, md), the timeline chart, the genogram (PNG and SVG) and ecomap, the case map and the
case report, optionally pseudonymised.

All files appear together or not at all (staged, then moved into the folder), each
readable only by its owner. The pseudonym key is written *outside* the output folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chronos.report.document import ChronologyOptions, build_chronology

CHRONOLOGY_FORMATS = {"docx": "write_docx", "xlsx": "write_xlsx", "html": "write_html",
                      "csv": "write_csv", "md": "write_markdown"}
EXTRA_FORMATS = ("timeline", "genogram", "ecomap", "casemap", "report", "pdf")
ALL_FORMATS = tuple(CHRONOLOGY_FORMATS) + EXTRA_FORMATS
MODULES = {"docx": "docx_writer", "xlsx": "xlsx_writer", "html": "html_writer",
           "csv": "csv_writer", "md": "md_writer"}


@dataclass
class ReportRun:
    """What :func:`write_reports` wrote: the files (in the output folder), and the key."""

    files: list[Path] = field(default_factory=list)
    key_path: Path | None = None
    skipped: list[str] = field(default_factory=list)
    #: the case report's pictures, drawn once for its HTML and PDF forms
    images: dict = field(default_factory=dict, repr=False)
    #: pictures drawn so far in this run (or before it), reused by the case report
    drawn: dict = field(default_factory=dict, repr=False)
    #: the whole-family chronology when it is the one the run writes (default options,
    #: not pseudonymised): the case map is drawn from it instead of building it again
    family_chronology: Any = field(default=None, repr=False)
    #: the case map, built once for the case-map document and the case report
    case_map: Any = field(default=None, repr=False)


def parse_formats(text: str | None) -> list[str]:
    """'docx,xlsx' -> ['docx', 'xlsx']; None or 'all' -> every format."""
    from chronos.errors import ChronosError

    if not text or text.strip() == "all":
        return list(ALL_FORMATS)
    wanted = [f.strip().lower().lstrip(".") for f in text.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in ALL_FORMATS]
    if unknown:
        raise ChronosError(f"unknown format {', '.join(unknown)}",
                           hint=f"choose from {', '.join(ALL_FORMATS)}")
    return list(dict.fromkeys(wanted))


def write_reports(result: Any, out_dir: str | Path, formats: list[str] | None = None,
                  options: ChronologyOptions | None = None, *, pseudonymise: bool = False,
                  shift_days: int | None = None, key_path: str | Path | None = None,
                  key: Any = None, dates_of_birth: str = "age",
                  images: dict[str, bytes | None] | None = None) -> ReportRun:
    """Write the chosen outputs of ``result`` into ``out_dir``.

    With ``pseudonymise`` every output is made from the pseudonymised case
    (:func:`chronos.report.privacy.pseudonymise`: dates shifted by ``shift_days``, a
    random shift by default; ``dates_of_birth`` shown as an 'age' or a 'year') and the
    key goes to ``key_path`` (default: ``<out_dir>.pseudonym-key.json`` beside the folder).
    ``images``: the case's pictures already drawn as PNG bytes ('genogram', 'ecomap',
    'timeline'), used by the case report instead of drawing them again (not when
    pseudonymising: the shared case is drawn afresh).
    """
    from chronos.report.safe_files import (check_output, check_output_folder, input_folders,
                                           staged_files)

    out_dir = Path(out_dir)
    formats = formats or list(ALL_FORMATS)
    run = ReportRun(drawn=dict(images or {}) if not pseudonymise else {})
    protect = input_folders(getattr(result, "case", None))
    check_output_folder(out_dir, protect=protect)
    if pseudonymise:
        key_path = _check_key_path(key_path or out_dir.with_name(
            f"{out_dir.name}.pseudonym-key.json"), out_dir)
        check_output(key_path, folder=False, protect=protect)
        result, key, chron, options = _pseudonymise(result, key, shift_days, options,
                                                     dates_of_birth)
    else:
        chron = build_chronology(result, options)
        if options is None or options == ChronologyOptions():
            run.family_chronology = chron
    with staged_files(out_dir, protect=protect, kind="report") as stage:
        for fmt in formats:
            names = _write_one(fmt, result, chron, stage, options, run)
            if names:
                run.files += [out_dir / n for n in ([names] if isinstance(names, str) else names)]
            else:
                run.skipped.append(fmt)
    if pseudonymise:
        from chronos.report.privacy import write_key

        run.key_path = write_key(key, key_path)
    return run


def _pseudonymise(result, key, shift_days, options, dates_of_birth):
    """The shared case, its key, its chronology and the options in its ids."""
    from chronos.report.privacy import pseudonymise
    from chronos.report.privacy_document import shared_chronology, shared_options

    shared, key = pseudonymise(result, key=key, shift_days=shift_days,
                               dates_of_birth=dates_of_birth)
    options = options or ChronologyOptions()
    chron = shared_chronology(result, shared, key, options)
    return shared, key, chron, shared_options(result, key, options)


def _check_key_path(path, out_dir: Path) -> Path:
    from chronos.errors import ChronosError

    path = Path(path)
    if out_dir.resolve() in path.resolve().parents:
        raise ChronosError("the pseudonym key must not be written inside the shared folder",
                           file=str(path), hint="give --key a path outside --out")
    return path


def _write_one(fmt: str, result, chron, stage: Path, options, run: ReportRun) -> str | list[str] | None:
    import importlib

    if fmt in CHRONOLOGY_FORMATS:
        module = importlib.import_module(f"chronos.report.{MODULES[fmt]}")
        name = f"chronology.{fmt}"
        getattr(module, CHRONOLOGY_FORMATS[fmt])(chron, stage / name)
        return name
    if fmt == "timeline":
        from chronos.report.timeline import write_timeline

        path = write_timeline(result, stage / "timeline.png",
                              child=options.child if options else None)
        if len(result.events):      # the case report shows no timeline without events
            run.drawn["timeline"] = path.read_bytes()
        return "timeline.png"
    if fmt in ("genogram", "ecomap"):
        return _chart(fmt, result, stage, run)
    if fmt == "casemap":
        from chronos.report.case_map import write_case_map_docx

        write_case_map_docx(result, stage / "case-map.docx", chronology=run.family_chronology,
                            case_map=_case_map(result, run.family_chronology, run))
        return "case-map.docx"
    from chronos.report.case_report import case_images, write_case_report

    if not run.images:      # drawn once for the HTML and the PDF case report
        run.images = case_images(result, options.child if options else None, run.drawn)
    if fmt == "pdf":
        from chronos.report.pdf_writer import write_case_report_pdf

        write_case_report_pdf(result, stage / "case-report.pdf", options=options, chronology=chron,
                              images=run.images, case_map=_case_map(result, chron, run))
        return "case-report.pdf"
    write_case_report(result, stage / "case-report.html", options=options, chronology=chron,
                      images=run.images, case_map=_case_map(result, chron, run))
    return "case-report.html"


def _case_map(result, chron, run: ReportRun):
    """The case map drawn from ``chron``, built once per run when ``chron`` is the run's
    whole-family chronology (the case-map document and the case report show the same);
    None otherwise (the writer builds its own, as before)."""
    from chronos.report.case_map import build_case_map

    if chron is None or chron is not run.family_chronology:
        return None
    if run.case_map is None:
        run.case_map = build_case_map(result, chron)
    return run.case_map


def _chart(fmt: str, result, stage: Path, run: ReportRun) -> str | list[str]:
    """genogram.png and genogram.svg (the SVG's text can be searched), or ecomap.png."""
    from chronos.genogram import ecomap_for_case, genogram_for_case

    if fmt == "ecomap":
        ecomap_for_case(result, stage / "ecomap.png")
        run.drawn["ecomap"] = (stage / "ecomap.png").read_bytes()
        return "ecomap.png"
    genogram_for_case(result, [stage / "genogram.png", stage / "genogram.svg"])
    run.drawn["genogram"] = (stage / "genogram.png").read_bytes()
    return ["genogram.png", "genogram.svg"]


def write_case_map(result: Any, path: str | Path) -> Path:
    """The case map as .docx (for the meeting) or .html (a page on its own)."""
    from chronos.errors import ChronosError
    from chronos.report.case_map import write_case_map_docx

    path = Path(path)
    if path.suffix.lower() == ".docx":
        return write_case_map_docx(result, path)
    if path.suffix.lower() in (".html", ".htm"):
        from chronos.report.case_map import build_case_map, case_map_html
        from chronos.report.case_report import REPORT_CSS
        from chronos.report.html_writer import page
        from chronos.report.safe_files import write_text

        chron = build_chronology(result)
        cm = build_case_map(result, chron)
        return write_text(path, page(f"Case map: {cm.case}", case_map_html(cm), chron,
                                     css=REPORT_CSS))
    raise ChronosError(f"cannot write a case map to {path.name}", hint="use .docx or .html")
