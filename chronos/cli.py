"""The ``chronos`` command: a thin adapter over the library.

Each command parses its arguments, calls one library function, renders the result and
maps :class:`chronos.errors.ChronosError` to an exit code. Data goes to stdout; progress,
warnings and errors go to stderr. Heavy libraries are imported inside the commands so
that ``chronos --help`` stays quick.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Optional

import typer

from chronos import __version__

HELP = """chronos: one chronology from many agencies' records about a child.

Reads agency exports (mapped CSV/Excel, FHIR, CIN census, Annex A, SSDA903, school
attendance, GEDCOM, Word chronologies), links the people across them, flags cumulative
neglect and writes review-ready chronologies.

Examples:

  chronos build examples/smith-family --out out/smith

  chronos chronology examples/smith-family

  chronos formats
"""

app = typer.Typer(help=HELP, no_args_is_help=True, add_completion=False,
                  context_settings={"help_option_names": ["-h", "--help"],
                                    "max_content_width": 110},
                  rich_markup_mode=None)


def _stderr():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def _stdout():
    from rich.console import Console

    return Console(highlight=False)


def _version(value: bool) -> None:
    if value:
        print(f"chronos {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Show the version and exit.")) -> None:
    """chronos: one chronology from many agencies' records about a child."""


def handles_errors(func):
    """Turn library errors into a clear message on stderr and an exit code; never a
    traceback (unless CHRONOS_DEBUG=1)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        import os

        from rich.markup import escape

        from chronos.errors import ChronosError

        try:
            return func(*args, **kwargs)
        except ChronosError as exc:
            _stderr().print(f"[bold red]error:[/] {escape(str(exc))}", markup=True,
                            soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            _stderr().print("interrupted; nothing was written")
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except Exception as exc:  # an internal fault: say so plainly
            if os.environ.get("CHRONOS_DEBUG"):
                raise
            _stderr().print(f"[bold red]internal error:[/] {type(exc).__name__}: "
                            f"{escape(str(exc))}\n"
                            "  nothing was written; rerun with CHRONOS_DEBUG=1 for details",
                            markup=True, soft_wrap=True)
            raise typer.Exit(70) from None

    return wrapper


def _progress(quiet: bool):
    if quiet:
        return None
    from rich.markup import escape

    console = _stderr()
    return lambda message: console.print(f"[dim]… {escape(message)}[/]", markup=True)


# ---------------------------------------------------------------- build


@app.command()
@handles_errors
def build(
    case: Path = typer.Argument(..., help="A case.yaml, or a folder that holds one."),
    out: Path = typer.Option(Path("chronos-out"), "--out", "-o",
                             help="Output folder (replaced atomically)."),
    strict: bool = typer.Option(False, "--strict",
                                help="Exit non-zero if any row is quarantined; write nothing."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors on stderr."),
    json_report: bool = typer.Option(False, "--json",
                                     help="Print the ingest report as JSON on stdout."),
) -> None:
    """Build the case: ingest every source, link people, write tables and chronology.

    Example: chronos build examples/smith-family --out out/smith
    """
    from chronos.case import build_case, load_case, write_outputs

    say = _progress(quiet)
    result = build_case(load_case(case), strict=strict, progress=say)
    write_outputs(result, out, progress=say)
    if json_report:
        import json

        print(json.dumps(result.report, indent=2, sort_keys=True, default=str))
    if not quiet:
        _print_ingest_summary(result.report, out)


def _print_ingest_summary(report: dict, out: Path) -> None:
    from rich.table import Table

    table = Table(title=f"Ingest report: {report['case']}", title_justify="left")
    for column in ("source", "format", "read", "to data", "quarantined", "skipped", "events"):
        table.add_column(column, justify="left" if column in ("source", "format") else "right")
    for s in report["sources"]:
        table.add_row(s["source"], s["format"], str(s["records_read"]),
                      str(s["records_to_data"]), str(s["records_quarantined"]),
                      str(sum(s["records_skipped"].values())), str(s["events"]))
    console = _stderr()
    console.print(table)
    totals = report["totals"]
    console.print(f"{totals['events']} events, {totals['records_quarantined']} rows quarantined "
                  f"({'counts reconcile' if report['reconciles'] else 'COUNTS DO NOT RECONCILE'})"
                  f"; {len(report['warnings'])} warnings. Written to {out}/")
    for source in report["sources"]:
        for reason, count in source["quarantine_by_reason"].items():
            console.print(f"  quarantined in {source['file']}: {count} x {reason}")


# ---------------------------------------------------------------- chronology


@app.command()
@handles_errors
def chronology(
    case: Path = typer.Argument(..., help="A case.yaml, or a folder that holds one."),
    child: Optional[str] = typer.Option(None, "--child", help="Only this person id's events."),
    csv_out: bool = typer.Option(False, "--csv", help="Print CSV on stdout instead of a table."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors on stderr."),
) -> None:
    """Print the case's chronology as a table (or CSV) in the terminal.

    Example: chronos chronology examples/smith-family --csv > chronology.csv
    """
    from chronos.case import build_case
    from chronos.report.chronology import DISPLAY_COLUMNS, chronology_rows

    result = build_case(case, progress=_progress(quiet))
    rows = chronology_rows(result, child=child)[DISPLAY_COLUMNS]
    if csv_out:
        from chronos.report.safe_files import neutralise_frame

        neutralise_frame(rows).to_csv(sys.stdout, index=False, lineterminator="\n")
        return
    _print_frame(rows, title=f"Chronology: {result.name}")


def _print_frame(frame, *, title: str) -> None:
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_lines=False)
    for column in frame.columns:
        table.add_column(str(column), overflow="fold")
    for values in frame.itertuples(index=False):
        table.add_row(*["" if v is None else str(v) for v in values])
    _stdout().print(table)


# ---------------------------------------------------------------- genogram and ecomap (genogram helper)


@app.command()
@handles_errors
def genogram(
    case: Path = typer.Argument(..., help="A case.yaml (or its folder), or a GEDCOM .ged file."),
    out: Path = typer.Option(..., "--out", "-o", help="Chart file: .png, .svg or .pdf."),
    as_of: Optional[str] = typer.Option(None, "--as-of",
                                        help="Draw the family and household as on this date."),
    pseudonymise_names: bool = typer.Option(False, "--pseudonymise-names",
                                            help="Child A, Adult B ... instead of names."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors on stderr."),
) -> None:
    """Draw the genogram of a case or a GEDCOM family tree.

    Example: chronos genogram examples/smith-family --out genogram.png --as-of 2023-01-01
    """
    from chronos import app

    chart = app.genogram(case, out, as_of=_iso_option(as_of), pseudonymise=pseudonymise_names,
                         progress=_progress(quiet))
    _report_chart(chart.files, chart.warnings, quiet)


@app.command()
@handles_errors
def ecomap(
    case: Path = typer.Argument(..., help="A case.yaml, or a folder that holds one."),
    out: Path = typer.Option(..., "--out", "-o", help="Chart file: .png, .svg or .pdf."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Count contacts up to this date."),
    pseudonymise_names: bool = typer.Option(False, "--pseudonymise-names",
                                            help="Leave names out of the centre."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors on stderr."),
) -> None:
    """Draw the ecomap of a case: the family in the centre, the agencies around it.

    Example: chronos ecomap examples/smith-family --out ecomap.png
    """
    from chronos import app

    chart = app.ecomap(case, out, as_of=_iso_option(as_of), pseudonymise=pseudonymise_names,
                       progress=_progress(quiet))
    _report_chart(chart.files, chart.warnings, quiet)


def _iso_option(value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    import datetime as dt

    try:  # plain ISO first: family trees have dates long before 1800
        return dt.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        pass
    from chronos.dates import parse_date
    from chronos.errors import ChronosError

    parsed = parse_date(value)
    if not parsed.date:
        raise ChronosError(f"--as-of {value!r} is not a date", hint="use YYYY-MM-DD")
    return parsed.date


def _report_chart(written: list, warnings: list, quiet: bool) -> None:
    console = _stderr()
    for warning in warnings:
        console.print(f"warning: {warning}", markup=False, soft_wrap=True)
    if not quiet:
        console.print("wrote " + ", ".join(str(p) for p in written), markup=False)


# ---------------------------------------------------------------- end genogram and ecomap


# ---------------------------------------------------------------- formats


@app.command()
@handles_errors
def formats() -> None:
    """List the formats chronos reads, with what each recognises.

    Example: chronos formats
    """
    from chronos.ingest.base import registry

    for name, cls in registry().items():
        exts = ", ".join(cls.extensions)
        print(f"{name:<20} {cls.description}" + (f" [{exts}]" if exts else ""))


# ---------------------------------------------------------------- linking (helper "linking")


@app.command()
@handles_errors
def link(
    case: Path = typer.Argument(..., help="A case.yaml, or a folder that holds one."),
    out: Optional[Path] = typer.Option(None, "--out", "-o",
                                       help="Folder for persons.csv, links.csv, "
                                            "link-review.csv, link-warnings.csv."),
    train: bool = typer.Option(False, "--train",
                               help="Re-estimate the model on the data (needs thousands "
                                    "of records; a family case uses the shipped model)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors on stderr."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON on stdout."),
) -> None:
    """Ingest the case and link people across sources; print a summary.

    Example: chronos link examples/smith-family --out out/smith
    """
    from chronos import app

    result = app.link(case, out=out, train=train, progress=_progress(quiet))
    linked = result.link_result
    if json_out:
        import json

        print(json.dumps(linked.summary(), indent=2, sort_keys=True))
    if not quiet:
        _print_link_summary(linked, out)


def _print_link_summary(linked, out: Optional[Path]) -> None:
    from rich.markup import escape

    console = _stderr()
    summary = linked.summary()
    methods = ", ".join(f"{count} {name}" for name, count in summary["by_method"].items())
    console.print(f"{summary['records']} person records -> {summary['persons']} people "
                  f"({methods or 'none'}); {summary['review_pairs']} pair(s) to review; "
                  f"{summary['warnings']} warning(s)" + (" [trained model]" if summary["trained"] else ""))
    for warning in linked.warnings[:20]:
        console.print(f"  warning: {escape(str(warning))}")
    if len(linked.warnings) > 20:
        console.print(f"  ... {len(linked.warnings) - 20} more (link-warnings.csv)")
    if out is not None:
        console.print(f"Written to {out}/ (decide pairs in link-review.csv, then add them to "
                      "overrides.yaml)")


@app.command("explain-link")
@handles_errors
def explain_link_command(
    case: Path = typer.Argument(..., help="A case.yaml, or a folder that holds one."),
    record_a: str = typer.Argument(..., help="A person record key, e.g. gp:P003."),
    record_b: str = typer.Argument(..., help="Another record key, e.g. school:U17."),
    chart: Optional[Path] = typer.Option(None, "--chart", help="Write a waterfall PNG here."),
    csv_out: bool = typer.Option(False, "--csv", help="Print the table as CSV on stdout."),
) -> None:
    """Show why two person records were or were not joined, field by field.

    Example: chronos explain-link examples/smith-family gp:P003 school:U17 --chart why.png
    """
    from chronos import app

    explanation = app.explain_link(case, record_a, record_b, chart=chart)
    table = explanation.table[["field", "value_a", "value_b", "level", "m", "u",
                               "match_weight", "veto"]]
    if csv_out:
        table.to_csv(sys.stdout, index=False, lineterminator="\n")
        return
    _print_frame(table.round({"match_weight": 2}).astype("object").where(table.notna(), ""),
                 title=f"{record_a} vs {record_b}")
    note = " (before the veto)" if explanation.vetoes else ""
    _stdout().print(f"total match weight {explanation.match_weight:+.2f} -> probability "
                    f"{explanation.match_probability:.4f}{note}")
    _stdout().print(explanation.decision)
    _stdout().print(explanation.outcome)


# ---------------------------------------------------------------- end linking


# ---------------------------------------------------------------- inspect (formats1)


@app.command()
@handles_errors
def inspect(
    file: Path = typer.Argument(..., help="The file to look at (nothing is written)."),
    fmt: str = typer.Option("auto", "--format", "-f", help="Format name, or auto to sniff."),
    rows: int = typer.Option(10, "--rows", "-n", help="How many events and persons to show."),
    json_out: bool = typer.Option(False, "--json", help="Print the inspection as JSON."),
) -> None:
    """Show the detected format, the first normalised events, the person records and the
    warnings of one file, without writing anything.

    Example: chronos inspect exports/cin_census_2024.xml
    """
    from chronos.ingest.preview import inspect_file

    found = inspect_file(file, fmt)
    if json_out:
        import json

        print(json.dumps(found.as_dict(rows), indent=2, sort_keys=True, default=str))
        return
    _print_inspection(found, rows)


def _print_inspection(found, rows: int) -> None:
    from rich.markup import escape

    summary = found.result.summary()
    err = _stderr()
    scores = ", ".join(f"{name} {score:.2f}" for name, score in found.scores if score > 0)
    err.print(f"{escape(str(found.path))}: format [bold]{found.format}[/]"
              + (f" (sniff scores: {escape(scores)})" if scores else ""), markup=True)
    err.print(f"{summary['records_read']} records read, {summary['records_to_data']} to data, "
              f"{summary['records_quarantined']} quarantined, skipped "
              f"{summary['records_skipped'] or 0}; {summary['events']} events, "
              f"{summary['persons']} persons, {summary['relationships']} relationships")
    columns = ["date", "event_type", "summary", "person_ids", "source_ref"]
    _print_frame(found.result.events[columns].head(rows),
                 title=f"First {rows} events of {summary['events']}")
    if summary["persons"]:
        people = ["record_key", "given_name", "family_name", "dob", "sex", "nhs_number",
                  "upn", "la_child_id", "role"]
        _print_frame(found.result.persons[people].head(rows), title="Person records")
    for issue in (found.result.quarantine + found.result.warnings)[:rows]:
        err.print(f"  {issue.severity}: {escape(str(issue))}", markup=True, soft_wrap=True)


# ---------------------------------------------------------------- reports (issue 7)


def _report_options(child, since, court):
    from chronos.report.document import ChronologyOptions

    return ChronologyOptions(child=child, since=_report_date(since, "--since"), court=court)


def _report_date(text, option: str):
    """A date option given the way users write dates (``01/04/2020``, ``2020-04-01``)."""
    if not text:
        return None
    from chronos.dates import parse_date
    from chronos.errors import ChronosError

    parsed = parse_date(text)
    if parsed.date is None:
        raise ChronosError(f"{option}: {text!r} is not a date", hint="for example 01/04/2020")
    return parsed.date


@app.command()
@handles_errors
def report(
    case: Path = typer.Argument(..., help="A case.yaml, or a folder that holds one."),
    out: Path = typer.Option(Path("chronos-report"), "--out", "-o", help="Output folder."),
    fmt: Optional[str] = typer.Option(
        None, "--format", "-f",
        help="Comma-separated: docx,xlsx,html,csv,md,timeline,casemap,report,pdf (default all)."),
    pseudonymise: bool = typer.Option(False, "--pseudonymise",
                                      help="Replace names, identifiers and addresses for sharing."),
    shift_days: Optional[int] = typer.Option(None, "--shift-days",
                                             help="With --pseudonymise: move every date by N days."),
    key: Optional[Path] = typer.Option(None, "--key",
                                       help="Pseudonym key file (default: beside --out, outside it)."),
    since: Optional[str] = typer.Option(None, "--since",
                                        help="Summarise events before this date per year and category."),
    child: Optional[str] = typer.Option(None, "--child", help="One child (person id or name)."),
    court: bool = typer.Option(False, "--court", help="Court (PLO) style: No., Date, Event, reference."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors on stderr."),
) -> None:
    """Write review-ready outputs: Word, Excel, HTML, CSV and Markdown chronologies, the
    timeline chart, the case map and the case report.

    Example: chronos report examples/smith-family --out out/report --pseudonymise
    """
    from chronos.case import build_case
    from chronos.report.outputs import parse_formats, write_reports
    from chronos.report.privacy import load_key

    formats = parse_formats(fmt)
    options = _report_options(child, since, court)
    reuse = load_key(key) if key and key.exists() else None
    result = build_case(case, progress=_progress(quiet))
    run = write_reports(result, out, formats, options, pseudonymise=pseudonymise,
                        shift_days=shift_days, key_path=key, key=reuse)
    for path in run.files:
        print(path)
    if not quiet:
        err = _stderr()
        for skipped in run.skipped:
            err.print(f"skipped {skipped}: no offline renderer installed (chromium)")
        if run.key_path:
            err.print(f"pseudonym key written to {run.key_path}: keep it apart from the "
                      "shared files", soft_wrap=True)


@app.command()
@handles_errors
def timeline(
    case: Path = typer.Argument(..., help="A case.yaml, or a folder that holds one."),
    out: Path = typer.Option(Path("timeline.png"), "--out", "-o",
                             help="Image file: .png, .svg or .pdf."),
    child: Optional[str] = typer.Option(None, "--child", help="One child (person id or name)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors on stderr."),
) -> None:
    """Draw the timeline chart: one lane per agency, flagged windows shaded, ages on top.

    Example: chronos timeline examples/smith-family --out timeline.svg
    """
    from chronos.case import build_case
    from chronos.errors import ChronosError
    from chronos.report.people import resolve_person
    from chronos.report.timeline import write_timeline

    if out.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise ChronosError(f"cannot draw to {out.name}", hint="use .png, .svg or .pdf")
    result = build_case(case, progress=_progress(quiet))
    print(write_timeline(result, out, child=resolve_person(result, child) if child else None))


@app.command()
@handles_errors
def casemap(
    case: Path = typer.Argument(..., help="A case.yaml, or a folder that holds one."),
    out: Path = typer.Option(Path("case-map.docx"), "--out", "-o",
                             help="Word (.docx) or HTML (.html) file."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors on stderr."),
) -> None:
    """Write the case map: what we are worried about, what is working well, what we do
    not know (Signs of Safety style), for a meeting to complete.

    Example: chronos casemap examples/smith-family --out case-map.docx
    """
    from chronos.case import build_case
    from chronos.report.outputs import write_case_map

    result = build_case(case, progress=_progress(quiet))
    print(write_case_map(result, out))


@app.command()
@handles_errors
def reidentify(
    file: Path = typer.Argument(..., help="A returned pseudonymised file (.docx .xlsx .html .csv .md)."),
    key: Path = typer.Option(..., "--key", help="The pseudonym key written with it."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Where to write the result."),
) -> None:
    """Put the real names, identifiers and dates back into a returned shared document.

    Example: chronos reidentify returned/chronology.docx --key out/report.pseudonym-key.json
    """
    from chronos.report.privacy import load_key, reidentify as restore

    print(restore(file, load_key(key), out))


# ---------------------------------------------------------------- end reports (issue 7)


# ---------------------------------------------------------------- flags and rules (patterns)
# Owned by the patterns module: findings of cumulative harm and the rule catalogue.

rules_app = typer.Typer(help="List, show and test the indicator rules (the neglect catalogue).",
                        no_args_is_help=True, rich_markup_mode=None)
app.add_typer(rules_app, name="rules")


@app.command()
@handles_errors
def flags(
    case: Path = typer.Argument(..., help="A case.yaml, or a folder that holds one."),
    rules: Optional[list[Path]] = typer.Option(None, "--rules",
                                               help="Rule file that adds or replaces rules (repeatable)."),
    params: Optional[Path] = typer.Option(None, "--params",
                                          help="Overrides file: {rule_id: {param: value}}."),
    child: Optional[str] = typer.Option(None, "--child", help="Only this person id's findings."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON on stdout."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors on stderr."),
) -> None:
    """Show the findings of cumulative harm, by child and category, with their evidence.

    Example: chronos flags examples/smith-family --json > flags.json
    """
    from chronos.case import build_case
    from chronos.patterns.present import case_findings, flags_by_child

    result = build_case(case, progress=_progress(quiet), stages=("link", "dedupe"))
    run = case_findings(result, extra_rules=rules, params=params)
    findings = run.findings
    if child:
        findings = findings[findings["person_id"] == child]
    grouped = flags_by_child(findings, result.events, result.persons)
    if json_out:
        import json

        notes = run.notes.to_dict("records")
        print(json.dumps({"case": result.name, "as_of": run.as_of, "children": grouped,
                          "data_quality": notes}, indent=2, default=str))
        return
    _print_flags(result.name, run.as_of, grouped, len(run.notes))


def _print_flags(name: str, as_of: str, grouped: list, notes: int) -> None:
    from rich.markup import escape

    console = _stdout()
    total = sum(len(c["findings"]) for child in grouped for c in child["categories"])
    console.print(f"[bold]Findings: {escape(name)}[/] (as of {as_of}): {total} finding(s) "
                  f"for {len(grouped)} child(ren)", markup=True)
    for child in grouped:
        console.print(f"\n[bold]{escape(child['name'])}[/] ({child['person_id']}"
                      + (f", born {child['dob']}" if child["dob"] else "") + ")", markup=True)
        for cat in child["categories"]:
            console.print(f"  [underline]{cat['category']}[/]", markup=True)
            for f in cat["findings"]:
                console.print(f"    [{f['severity']}] {escape(f['title'])}: "
                              f"{escape(f['explanation'])}", markup=False, soft_wrap=True)
                for ev in f["evidence"]:
                    console.print(f"      - {ev['date']}  {ev['event']}  {ev['agency']}"
                                  + (f"  ({ev['source']})" if ev["source"] else ""),
                                  markup=False, soft_wrap=True)
    if notes:
        _stderr().print(f"{notes} data-quality note(s): undated events not counted "
                        "in windows (see --json)")


@rules_app.command("list")
@handles_errors
def rules_list(
    rules: Optional[list[Path]] = typer.Option(None, "--rules", help="Extra rule files."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON on stdout."),
    markdown: bool = typer.Option(False, "--markdown", help="Print the rules as Markdown."),
) -> None:
    """List the rules: id, type, category, severity, age band, title.

    Example: chronos rules list --rules local-rules.yaml
    """
    from chronos.patterns.present import catalogue_markdown, rule_summary
    from chronos.patterns.rules import load_catalogue

    loaded = load_catalogue(extra=rules)
    if markdown:
        print(catalogue_markdown(loaded))
        return
    rows = [rule_summary(r) for r in loaded]
    if json_out:
        import json

        print(json.dumps(rows, indent=2))
        return
    for r in rows:
        print(f"{r['id']:<30} {r['type']:<20} {r['category']:<12} {r['severity']:<7} "
              f"{r['age_band'] or '-':<10} {r['title']}")


@rules_app.command("show")
@handles_errors
def rules_show(
    rule_id: str = typer.Argument(..., help="The rule id (see 'chronos rules list')."),
    rules: Optional[list[Path]] = typer.Option(None, "--rules", help="Extra rule files."),
) -> None:
    """Show one rule as YAML, with its effective parameters and source.

    Example: chronos rules show wnb_health
    """
    import yaml

    from chronos.errors import RuleError
    from chronos.patterns.present import rule_detail
    from chronos.patterns.rules import load_catalogue

    found = {r.id: r for r in load_catalogue(extra=rules)}
    if rule_id not in found:
        raise RuleError(f"no rule {rule_id!r}", hint="run 'chronos rules list' for the ids")
    print(yaml.safe_dump(rule_detail(found[rule_id]), sort_keys=False, allow_unicode=True), end="")


@rules_app.command("test")
@handles_errors
def rules_test(
    file: Path = typer.Argument(..., help="A rule file (validated; its 'tests:' are run)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only failures."),
) -> None:
    """Validate a rule file and run its worked examples; exit 1 if any fails.

    Example: chronos rules test my-rules.yaml
    """
    import yaml

    from chronos.patterns.checks import run_rule_tests
    from chronos.patterns.rules import load_rules

    data = yaml.safe_load(file.read_text("utf-8")) if file.exists() else None
    rules = load_rules([file]) if (data or {}).get("rules") or not file.exists() else []
    results = run_rule_tests(file)
    failed = [r for r in results if not r.passed]
    for r in results:
        if not r.passed or not quiet:
            print(f"{'ok  ' if r.passed else 'FAIL'} {r.rule_id}: {r.name}")
            if not r.passed:
                print(f"     expected {r.expected}\n     got      {r.got}")
    _stderr().print(f"{len(rules)} rule(s) valid; {len(results) - len(failed)}/{len(results)} "
                    "example(s) passed")
    if failed:
        raise typer.Exit(1)

# ---------------------------------------------------------------- end of patterns block


# ---------------------------------------------------------------- screen (helper "screen")


@app.command("screen")
@handles_errors
def screen_command(
    sources: Path = typer.Argument(..., help="A case.yaml listing the population's exports, "
                                             "or a folder that holds one."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder (resumable)."),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb (one machine) or spark."),
    spark_master: Optional[str] = typer.Option(None, "--spark-master",
                                               help="Spark master URL (default local[*])."),
    since: Optional[str] = typer.Option(None, "--since",
                                        help="First day of the period (YYYY-MM-DD)."),
    period: int = typer.Option(12, "--period", help="Period length in months, ending at as_of "
                                                    "(ignored with --since)."),
    harm_threshold: Optional[float] = typer.Option(None, "--harm-threshold",
                                                   help="Harm index threshold (default: the "
                                                        "'high' band, 8)."),
    rules: Optional[list[Path]] = typer.Option(None, "--rules",
                                               help="Rule files instead of the catalogue."),
    params: Optional[Path] = typer.Option(None, "--params", help="Rule overrides YAML."),
    fresh: bool = typer.Option(False, "--fresh", help="Redo every stage (no resume)."),
    memory_limit: Optional[str] = typer.Option(None, "--memory-limit",
                                               help="DuckDB memory limit, e.g. 6GB (default 4GB; "
                                                    "beyond it DuckDB spills to disk)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors on stderr."),
    json_out: bool = typer.Option(False, "--json", help="Print the scorecard as JSON on stdout."),
) -> None:
    """Screen a whole population: ingest, link, run every rule, write the scorecard.

    Example: chronos screen exports/case.yaml --out screen-2024 --since 2023-04-01
    """
    from chronos.screen import screen

    with _screen_progress(quiet) as progress:
        result = screen(sources, out, engine=engine, spark_master=spark_master,
                        resume=not fresh, progress=progress, since=since, period_months=period,
                        harm_threshold=harm_threshold, rules=[str(r) for r in rules or []] or None,
                        params=str(params) if params else None, memory_limit=memory_limit)
    if json_out:
        import json

        print(json.dumps(result.as_dict(), indent=2, sort_keys=True, default=str))
    if not quiet:
        _print_screen(result)


class _screen_progress:
    """Rich progress bars on stderr, one per stage (a no-op when quiet)."""

    def __init__(self, quiet: bool):
        self.quiet, self.bars, self.tasks = quiet, None, {}

    def __enter__(self):
        if self.quiet:
            return None
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.bars = Progress(TextColumn("{task.description:<10}"), BarColumn(),
                             TextColumn("{task.fields[message]}"), TimeElapsedColumn(),
                             console=_stderr())
        self.bars.start()
        return self.update

    def update(self, stage: str, done: int, total: int, message: str) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.bars.add_task(stage, total=max(total, 1), message="")
        self.bars.update(self.tasks[stage], completed=done, total=max(total, 1), message=message)

    def __exit__(self, *exc):
        if self.bars is not None:
            self.bars.stop()
        return False


def _print_screen(result) -> None:
    console = _stderr()
    card = result.scorecard
    for stage in result.stages:
        how = "resumed" if stage.resumed else f"{stage.seconds:.1f}s, peak {stage.peak_mb:,.0f} MB"
        console.print(f"  {stage.name:<10} {how}")
    console.print(f"{card['children_screened']:,} children screened ({result.period_start} to "
                  f"{result.as_of}, {result.engine}); {card['children_with_findings']:,} meet at "
                  f"least one indicator, {card['children_with_several_categories']:,} in several "
                  f"categories; harm index crossed {card['harm']['threshold']:g} for "
                  f"{card['harm']['crossed']:,} (for a multi-agency conversation, not a decision)")
    console.print(f"Written to {result.out_dir}/ (scorecard/, charts/, findings.csv)")


# ---------------------------------------------------------------- end screen


def _one_line_summaries() -> None:
    """Each command's summary in ``chronos --help`` is the first paragraph of its docstring."""
    for info in app.registered_commands:
        doc = (info.callback.__doc__ or "") if info.callback else ""
        if not info.short_help and doc.strip():
            first = doc.strip().split("\n\n")[0]
            info.short_help = " ".join(first.split()).rstrip(".")


def main() -> None:
    """Console-script entry point."""
    app()


_one_line_summaries()


if __name__ == "__main__":  # pragma: no cover
    main()
