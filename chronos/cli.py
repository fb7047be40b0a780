"""The ``chronos`` command: a thin adapter over the application layer (:mod:`chronos.app`).

Each command parses its arguments, calls one function of :mod:`chronos.app`, renders the
result and maps :class:`chronos.errors.ChronosError` to an exit code. Data goes to stdout
(``--json`` on every command that prints data); progress, warnings and errors go to
stderr. An option name means the same in every command (see docs/cli.md). Heavy
libraries are imported inside the commands so that ``chronos --help`` stays quick.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated, Optional

import typer

from chronos import __version__
from chronos import cli_render as render

HELP = """chronos: one chronology from many agencies' records about a child.

Reads agency exports (mapped CSV/Excel, FHIR, CIN census, Annex A, SSDA903, school
attendance, GEDCOM, Word chronologies), links the people across them, flags cumulative
neglect and writes review-ready chronologies.

Dates in options are ISO (2020-04-01) or as practitioners write them, day first
(01/04/2020).

Examples:

  chronos build examples/smith-family --out out/smith

  chronos chronology examples/smith-family

  chronos formats
"""

app = typer.Typer(help=HELP, no_args_is_help=True, add_completion=True,
                  context_settings={"help_option_names": ["-h", "--help"],
                                    "max_content_width": 110},
                  rich_markup_mode=None)

# ---------------------------------------------------------------- shared options
# One definition per option: the same name means the same thing in every command.

Case = Annotated[Path, typer.Argument(help="A case.yaml, or a folder that holds one.",
                                      show_default=False)]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Only errors on stderr.")]
Json = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")]
Csv = Annotated[bool, typer.Option("--csv", help="Print the table as CSV on stdout.")]
Significant = Annotated[bool, typer.Option(
    "--significant", help="Chronology of the significant events only (evidence for a finding, "
    "key practice events, indicated concerns); the full record stays available.")]
Child = Annotated[Optional[str], typer.Option(
    "--child", help="One child: a person id, a source record key or a name.")]
RuleFiles = Annotated[Optional[list[Path]], typer.Option(
    "--rules", help="A rule file added to the catalogue (a rule with a catalogue id "
                    "replaces it); repeatable.")]
Params = Annotated[Optional[Path], typer.Option(
    "--params", help="Rule parameter overrides: {rule_id: {param: value}} (YAML).")]
AsOf = Annotated[Optional[str], typer.Option(
    "--as-of", help="As on this date: the family and household then, contacts up to it.")]
PseudonymiseNames = Annotated[bool, typer.Option(
    "--pseudonymise-names",
    help="Name people by role (Child 1, Mother, Father of Child 2 ...) and show ages, not years.")]
NoCache = Annotated[bool, typer.Option(
    "--no-cache", help="Read every source afresh; use and keep nothing in the cache of "
                       "ingested sources (see 'chronos cache').")]
Sheet = Annotated[Optional[str], typer.Option(
    "--sheet", help="One sheet of a workbook, by name (default: the first, or as the mapping says).")]
KEY_HELP = "The pseudonym key file (kept apart from the shared files)."
Key = Annotated[Optional[Path], typer.Option("--key", help=KEY_HELP)]


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
            render.stderr().print(f"[bold red]error:[/] {escape(str(exc))}", markup=True,
                            soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            render.stderr().print("interrupted; nothing was written")
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except Exception as exc:  # an internal fault: say so plainly
            if os.environ.get("CHRONOS_DEBUG"):
                raise
            render.stderr().print(f"[bold red]internal error:[/] {type(exc).__name__}: "
                            f"{escape(str(exc))}\n"
                            "  nothing was written; rerun with CHRONOS_DEBUG=1 for details",
                            markup=True, soft_wrap=True)
            raise typer.Exit(70) from None

    return wrapper


#: the garbage collector's thresholds while ``chronos build`` runs: the young generation
#: collected after 10,000 new objects (Python's default: 700), the middle one after 50 of
#: those (default 10). Importing pandas, matplotlib and splink leaves a few million
#: long-lived objects that every older collection walks again: with the defaults a
#: family case build spent about a sixth of its time there (docs/analyst.md, section 8).
#: Cycles are still collected. ``chronos screen`` (millions of rows) keeps the defaults.
BUILD_GC_THRESHOLDS = (10_000, 50, 10)


def _fewer_collections() -> None:
    import gc

    gc.set_threshold(*BUILD_GC_THRESHOLDS)


def _date(text: Optional[str], option: str) -> Optional[str]:
    from chronos.dates import date_option

    return date_option(text, option)


# ---------------------------------------------------------------- the case


@app.command()
@handles_errors
def build(
    case: Case,
    out: Path = typer.Option(Path("chronos-out"), "--out", "-o",
                             help="Output folder (replaced atomically)."),
    strict: bool = typer.Option(False, "--strict",
                                help="Exit non-zero if any row is quarantined; write nothing."),
    significant: Significant = False,
    no_cache: NoCache = False,
    quiet: Quiet = False,
    json_out: Json = False,
) -> None:
    """Build the case: ingest every source, link people, write tables and chronology.

    With --json, the ingest report is printed on stdout. With --significant the
    chronology documents hold the significant events (the full record stays in
    events.csv and in the workbook's Full record sheet).

    Example: chronos build examples/smith-family --out out/smith
    """
    from chronos import app as run

    _fewer_collections()
    result = run.build(case, out, strict=strict, significant=significant,
                       progress=render.progress(quiet), cache=not no_cache)
    if json_out:
        render.json_data(result.report)
    if not quiet:
        render.ingest_summary(result.report, out)


@app.command()
@handles_errors
def chronology(case: Case, child: Child = None, csv_out: Csv = False, quiet: Quiet = False,
               json_out: Json = False, no_cache: NoCache = False) -> None:
    """Print the case's chronology as a table (or CSV, or JSON) in the terminal.

    Example: chronos chronology examples/smith-family --csv > chronology.csv
    """
    from chronos import app as run

    result, rows = run.chronology(case, child=child, progress=render.progress(quiet),
                                  cache=not no_cache)
    if json_out:
        render.json_data(rows.to_dict("records"))
    elif csv_out:
        render.csv(rows)
    else:
        render.frame(rows, title=f"Chronology: {result.name}")


# ---------------------------------------------------------------- charts


@app.command()
@handles_errors
def genogram(
    case: Path = typer.Argument(..., help="A case.yaml (or its folder), or a GEDCOM .ged file."),
    out: Path = typer.Option(..., "--out", "-o", help="Chart file: .png, .svg or .pdf."),
    focus: Annotated[Optional[list[str]], typer.Option(
        "--focus", help="Draw the family around this person: a person id, a GEDCOM id "
                        "(I52) or a name; repeatable. A case's default: its index children.")] = None,
    generations: Annotated[Optional[int], typer.Option(
        "--generations", min=0, help="Generations up and down from the focus "
                                     "(default: two up, one down).")] = None,
    stats: Annotated[bool, typer.Option(
        "--stats", help="Print the chart's figures as JSON on stdout: people drawn, "
                        "deceased, crossings, lines through symbols and labels, label "
                        "overlaps, width and height.")] = False,
    as_of: AsOf = None,
    pseudonymise_names: PseudonymiseNames = False,
    no_cache: NoCache = False,
    quiet: Quiet = False,
    json_out: Json = False,
) -> None:
    """Draw the genogram of a case or a GEDCOM family tree.

    Example: chronos genogram examples/smith-family --out genogram.png --as-of 2023-01-01

    Example: chronos genogram tree.ged --focus "Mary Smith" --generations 1 --out mary.png --stats
    """
    from chronos import app as run

    chart = run.genogram(case, out, as_of=_date(as_of, "--as-of"),
                         pseudonymise=pseudonymise_names, focus=focus, generations=generations,
                         stats=stats, progress=render.progress(quiet), cache=not no_cache)
    if stats and not json_out:
        render.json_data(chart.stats)
    render.chart(chart, quiet, json_out)


@app.command()
@handles_errors
def ecomap(
    case: Case,
    out: Path = typer.Option(..., "--out", "-o", help="Chart file: .png, .svg or .pdf."),
    as_of: AsOf = None,
    pseudonymise_names: PseudonymiseNames = False,
    no_cache: NoCache = False,
    quiet: Quiet = False,
    json_out: Json = False,
) -> None:
    """Draw the ecomap of a case: the family in the centre, the agencies around it.

    Example: chronos ecomap examples/smith-family --out ecomap.png
    """
    from chronos import app as run

    chart = run.ecomap(case, out, as_of=_date(as_of, "--as-of"),
                       pseudonymise=pseudonymise_names, progress=render.progress(quiet),
                       cache=not no_cache)
    render.chart(chart, quiet, json_out)


# ---------------------------------------------------------------- sources


@app.command()
@handles_errors
def formats(json_out: Json = False) -> None:
    """List the formats chronos reads, with what each recognises.

    Example: chronos formats
    """
    from chronos import app as run

    found = run.formats()
    if json_out:
        render.json_data(found)
    else:
        render.formats(found)


@app.command()
@handles_errors
def link(
    case: Case,
    out: Optional[Path] = typer.Option(None, "--out", "-o",
                                       help="Folder for persons.csv, links.csv, "
                                            "link-review.csv, link-warnings.csv."),
    train: bool = typer.Option(False, "--train",
                               help="Re-estimate the model on the data (needs thousands "
                                    "of records; a family case uses the shipped model)."),
    no_cache: NoCache = False,
    quiet: Quiet = False,
    json_out: Json = False,
) -> None:
    """Ingest the case and link people across sources; print a summary.

    Example: chronos link examples/smith-family --out out/smith
    """
    from chronos import app as run

    linked = run.link(case, out=out, train=train, progress=render.progress(quiet),
                      cache=not no_cache).link_result
    if json_out:
        render.json_data(linked.summary())
    if not quiet:
        render.link_summary(linked, out)


@app.command("explain-link")
@handles_errors
def explain_link_command(
    case: Case,
    record_a: str = typer.Argument(..., help="A person record key, e.g. gp:P003."),
    record_b: str = typer.Argument(..., help="Another record key, e.g. school:U17."),
    chart: Optional[Path] = typer.Option(None, "--chart", help="Write a waterfall PNG here."),
    no_cache: NoCache = False,
    csv_out: Csv = False,
    json_out: Json = False,
) -> None:
    """Show why two person records were or were not joined, field by field.

    Example: chronos explain-link examples/smith-family gp:P003 school:U17 --chart why.png
    """
    from chronos import app as run

    explained = run.explain_link(case, record_a, record_b, chart=chart, cache=not no_cache)
    render.explanation(explained, record_a, record_b, as_csv=csv_out, as_json=json_out)


@app.command()
@handles_errors
def inspect(
    file: Path = typer.Argument(..., help="The file to look at (nothing is written)."),
    fmt: str = typer.Option("auto", "--format", "-f", help="Format name, or auto to sniff."),
    rows: int = typer.Option(10, "--rows", "-n", help="How many events and persons to show."),
    mapping: Optional[Path] = typer.Option(
        None, "--mapping", "-m", help="Read the file through this mapping (YAML), as a "
                                      "case would: a preview of what it gives."),
    sheet: Sheet = None,
    json_out: Json = False,
) -> None:
    """Show the detected format, the first normalised events, the person records and the
    warnings of one file, without writing anything. With --mapping, the file is read
    through that mapping (a draft from 'chronos mapping scaffold', say).

    Example: chronos inspect exports/cin_census_2024.xml

    Example: chronos inspect exports/gp.csv --mapping mappings/gp.yaml
    """
    from chronos import app as run

    found = run.inspect(file, fmt, mapping=mapping, sheet=sheet)
    if json_out:
        render.json_data(found.as_dict(rows))
        return
    render.inspection(found, rows)


@app.command()
@handles_errors
def serve(
    case: Path = typer.Argument(Path("."), help="A case.yaml, a case folder, or a folder of "
                                               "cases (default: the current folder)."),
    port: int = typer.Option(0, "--port", help="Port on 127.0.0.1 (default: a free one)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o",
                                       help="Output folder of builds (default: CASE-chronos-out "
                                            "beside each case folder)."),
    no_browser: bool = typer.Option(False, "--no-browser",
                                    help="Do not open the browser; print the address only."),
    json_out: Json = False,
) -> None:
    """Open the case (or a folder of cases) in a private workspace in the browser:
    chronology with filters and provenance, findings with evidence, genogram, ecomap and
    timeline, link review, annotations, the ingest report, a mapping wizard, builds.

    Only this computer can reach it (127.0.0.1), and only with the address printed, whose
    token changes each run. Stop it with Ctrl+C.

    Example: chronos serve examples/smith-family
    """
    from chronos.serve import prepare

    server = prepare(case, port=port, out=out)
    if json_out:
        render.json_data({"url": server.url, "port": server.port})
    render.stderr().print(f"chronos workspace: {server.url}\n(only this computer can open "
                          "it; Ctrl+C stops it)", markup=False, soft_wrap=True)
    if not no_browser:
        import webbrowser

        webbrowser.open(server.url)
    try:
        server.run()
    except KeyboardInterrupt:
        pass


mapping_app = typer.Typer(help="Mappings: how an agency's export columns become events.",
                          no_args_is_help=True)
app.add_typer(mapping_app, name="mapping")


@mapping_app.command("scaffold")
@handles_errors
def mapping_scaffold(
    file: Path = typer.Argument(..., help="The export (CSV, TSV or XLSX) to draft a mapping for."),
    out: Optional[Path] = typer.Option(None, "--out", "-o",
                                       help="Write the draft here (a new file); without it, "
                                            "the draft is printed."),
    sheet: Sheet = None,
    json_out: Json = False,
) -> None:
    """Draft a mapping for an export: columns sniffed, the date, person and event-type
    columns suggested, the event-type wordings mapped where chronos knows them. Check
    it, then preview it with 'chronos inspect FILE --mapping M'.

    Example: chronos mapping scaffold exports/police.csv --out mappings/police.yaml
    """
    from chronos import app as run

    draft = run.mapping_scaffold(file, out, sheet=sheet)
    if json_out:
        render.json_data(draft.as_dict())
    elif out is None:
        render.text(draft.yaml)
    else:
        render.stderr().print(f"draft mapping written to {out}; preview it with: chronos "
                              f"inspect {file} --mapping {out}", markup=False)


# ---------------------------------------------------------------- reports


@app.command()
@handles_errors
def report(
    case: Case,
    out: Path = typer.Option(Path("chronos-report"), "--out", "-o", help="Output folder."),
    outputs: Optional[str] = typer.Option(
        None, "--outputs",
        help="Comma-separated: docx,xlsx,html,csv,md,timeline,genogram,ecomap,casemap,report,pdf "
             "(default all)."),
    pseudonymise: bool = typer.Option(False, "--pseudonymise",
                                      help="Replace names, identifiers and addresses for sharing."),
    shift_days: Optional[int] = typer.Option(
        None, "--shift-days",
        help="With --pseudonymise: move every date by N days (default: a random number of "
             "weeks, kept in the key; 0 keeps the real dates)."),
    dates_of_birth: str = typer.Option(
        "age", "--dates-of-birth",
        help="With --pseudonymise: show a date of birth as an age at the end of the period "
             "covered (age) or as a year only (year)."),
    key: Key = None,
    summarise_before: Optional[str] = typer.Option(
        None, "--summarise-before",
        help="Summarise the events before this date per year and category."),
    child: Child = None,
    court: bool = typer.Option(False, "--court", help="Court (PLO) style: No., Date, Event, reference."),
    significant: Significant = False,
    no_cache: NoCache = False,
    quiet: Quiet = False,
    json_out: Json = False,
) -> None:
    """Write review-ready outputs: Word, Excel, HTML, CSV and Markdown chronologies, the
    timeline chart, the genogram and ecomap, the case map and the case report.

    The pseudonym key goes beside --out (outside it) unless --key says where; check the
    shared folder with 'chronos check-pseudonymised' before it leaves you.

    Example: chronos report examples/smith-family --out out/report --pseudonymise
    """
    from chronos import app as run

    written = run.report(case, out, outputs=outputs, child=child,
                         summarise_before=_date(summarise_before, "--summarise-before"),
                         court=court, significant=significant, pseudonymise=pseudonymise,
                         shift_days=shift_days, key=key, dates_of_birth=dates_of_birth,
                         progress=render.progress(quiet), cache=not no_cache)
    render.files(written, json_out)
    if not quiet:
        err = render.stderr()
        if written.key_path:
            err.print(f"pseudonym key written to {written.key_path}: keep it apart from the "
                      "shared files", soft_wrap=True)


def _repeatable(flag: str, metavar: str, help_text: str):
    """A repeatable option giving a list of values."""
    return typer.Option(None, flag, metavar=metavar, help=f"{help_text}; repeatable.")


@app.command()
@handles_errors
def annotate(
    case: Case,
    significant: Optional[list[str]] = _repeatable(
        "--mark-significant", "EVENT_ID", "Show the event among the significant events, "
        "whatever chronos judged"),
    not_significant: Optional[list[str]] = _repeatable(
        "--mark-not-significant", "EVENT_ID", "Hide the event from the significant events "
        "(the full record keeps it, marked)"),
    undecided: Optional[list[str]] = _repeatable(
        "--unmark", "EVENT_ID", "Withdraw a significance decision (chronos judges the event "
        "again)"),
    note: Optional[list[str]] = _repeatable(
        "--note", "ID=TEXT", "An analysis note on an event or a finding (an empty TEXT "
        "withdraws it)"),
    dismiss: Optional[list[str]] = _repeatable(
        "--dismiss", "FINDING_ID", "Dismiss a finding that does not hold (needs --reason); it "
        "stays listed, marked dismissed"),
    restore: Optional[list[str]] = _repeatable(
        "--restore", "FINDING_ID", "Withdraw a dismissal"),
    bundle_ref: Optional[list[str]] = _repeatable(
        "--bundle-ref", "EVENT_ID=REF", "The court bundle page of an event's record (e.g. "
        "E1a2b3c4d5e6f=C23; an empty REF withdraws it)"),
    source: Optional[Path] = typer.Option(
        None, "--refs-from", metavar="FILE", help="A court chronology (Word or Excel) whose Bundle ref column "
        "you filled in: every reference typed there is recorded."),
    who: Optional[str] = typer.Option(None, "--who", help="Who decided (default: your "
                                      "login name)."),
    reason: str = typer.Option("", "--reason", help="Why, kept with the decisions."),
    quiet: Quiet = False,
    json_out: Json = False,
    no_cache: NoCache = False,
) -> None:
    """Record review decisions about events and findings in the case's annotations
    (annotations.csv in the case folder, kept across rebuilds): significance, notes,
    dismissed findings and court bundle references, each with who and when. The
    chronologies (Word, Excel, HTML) and the case report show them. With no decision,
    lists those in force, and those about events or findings the case no longer has.

    Examples: chronos annotate examples/smith-family --mark-not-significant E1a2b3c4d5e6f
    --reason "routine, attended";
    chronos annotate examples/smith-family --refs-from out/court/chronology.docx
    """
    from chronos import app as run
    from chronos.errors import ChronosError

    decisions = [(i, *run.DECISIONS[name]) for name, ids in (
        ("significant", significant), ("not_significant", not_significant),
        ("undecided", undecided), ("dismiss", dismiss), ("restore", restore)) for i in ids or []]
    decisions += [(i, "note", text) for i, text in _pairs(note, "--note", "ID=TEXT")]
    refs = dict(_pairs(bundle_ref, "--bundle-ref", "EVENT_ID=REF"))
    if dismiss and not reason.strip():
        raise ChronosError("a finding is dismissed with a reason",
                           hint='add --reason "why the pattern does not hold"')
    done = run.annotate(case, decisions=decisions, bundle_refs=refs, source=source, who=who,
                        reason=reason, progress=render.progress(quiet), cache=not no_cache)
    render.annotated(done, quiet=quiet, as_json=json_out)


def _pairs(items: list[str] | None, option: str, form: str) -> list[tuple[str, str]]:
    """``ID=TEXT`` options as (id, text) pairs."""
    from chronos.errors import ChronosError

    out = []
    for item in items or []:
        target, sep, text = item.partition("=")
        if not sep or not target.strip():
            raise ChronosError(f"{option} {item!r} is not {form}",
                               hint=f"e.g. {option} E1a2b3c4d5e6f=...")
        out.append((target.strip(), " ".join(text.split())))
    return out


@app.command()
@handles_errors
def timeline(
    case: Case,
    out: Path = typer.Option(Path("timeline.png"), "--out", "-o",
                             help="Image file: .png, .svg or .pdf."),
    child: Child = None,
    no_cache: NoCache = False,
    quiet: Quiet = False,
    json_out: Json = False,
) -> None:
    """Draw the timeline chart: one lane per agency, flagged windows shaded, ages on top
    (and, for one child, the cumulative harm index beneath).

    Example: chronos timeline examples/smith-family --out timeline.svg
    """
    from chronos import app as run

    render.files(run.timeline(case, out, child=child, progress=render.progress(quiet),
                              cache=not no_cache), json_out)


@app.command()
@handles_errors
def casemap(
    case: Case,
    out: Path = typer.Option(Path("case-map.docx"), "--out", "-o",
                             help="Word (.docx) or HTML (.html) file."),
    no_cache: NoCache = False,
    quiet: Quiet = False,
    json_out: Json = False,
) -> None:
    """Write the case map: what we are worried about, what is working well, what we do
    not know (Signs of Safety style), for a meeting to complete.

    Example: chronos casemap examples/smith-family --out case-map.docx
    """
    from chronos import app as run

    render.files(run.casemap(case, out, progress=render.progress(quiet), cache=not no_cache),
                 json_out)


@app.command()
@handles_errors
def reidentify(
    file: Path = typer.Argument(..., help="A returned pseudonymised file (.docx .xlsx .html .csv .md)."),
    key: Path = typer.Option(..., "--key", help=KEY_HELP),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Where to write the result."),
    json_out: Json = False,
) -> None:
    """Put the real names, identifiers and dates back into a returned shared document.

    Example: chronos reidentify returned/chronology.docx --key out/report.pseudonym-key.json
    """
    from chronos import app as run

    render.files(run.reidentify(file, key, out), json_out)


@app.command("check-pseudonymised")
@handles_errors
def check_pseudonymised(
    directory: Path = typer.Argument(..., help="The folder of shared (pseudonymised) files."),
    against: Path = typer.Option(..., "--against",
                                 help="The real build folder ('chronos build CASE --out DIR')."),
    quiet: Quiet = False,
    json_out: Json = False,
) -> None:
    """List every identifier of the real build that survives anywhere in a shared folder
    (names, NHS numbers, UPNs, addresses, phone numbers, dates of birth, ids ...), with
    file and position; exit 1 when any does.

    Example: chronos check-pseudonymised out/report --against out/smith
    """
    from chronos import app as run

    checked = run.check_pseudonymised(directory, against)
    render.pseudonym_check(checked, quiet=quiet, as_json=json_out)
    if not checked.ok:
        raise typer.Exit(1)


# ---------------------------------------------------------------- rules

rules_app = typer.Typer(help="List, show and test the indicator rules (the neglect catalogue).",
                        no_args_is_help=True, rich_markup_mode=None)
app.add_typer(rules_app, name="rules")


@app.command()
@handles_errors
def flags(case: Case, rules: RuleFiles = None, params: Params = None, child: Child = None,
          json_out: Json = False, quiet: Quiet = False, no_cache: NoCache = False) -> None:
    """Show the findings of cumulative harm, by child and category, with their evidence.

    Example: chronos flags examples/smith-family --json > flags.json
    """
    from chronos import app as run

    found = run.flags(case, rules=rules, params=params, child=child,
                      progress=render.progress(quiet), cache=not no_cache)
    if json_out:
        render.json_data(found.as_dict())
        return
    render.flags(found)


@rules_app.command("list")
@handles_errors
def rules_list(rules: RuleFiles = None, json_out: Json = False,
               markdown: bool = typer.Option(False, "--markdown",
                                             help="Print the rules as Markdown.")) -> None:
    """List the rules: id, type, category, severity, age band, title.

    Example: chronos rules list --rules local-rules.yaml
    """
    from chronos import app as run

    if markdown:
        print(run.rules_markdown(rules))
        return
    rows = run.rule_summaries(rules)
    if json_out:
        render.json_data(rows)
        return
    render.rules_table(rows)


@rules_app.command("show")
@handles_errors
def rules_show(
    rule_id: str = typer.Argument(..., help="The rule id (see 'chronos rules list')."),
    rules: RuleFiles = None,
    json_out: Json = False,
) -> None:
    """Show one rule as YAML (or JSON), with its effective parameters and source.

    Example: chronos rules show wnb_health
    """
    import yaml

    from chronos import app as run

    detail = run.rule(rule_id, rules)
    if json_out:
        render.json_data(detail)
        return
    print(yaml.safe_dump(detail, sort_keys=False, allow_unicode=True), end="")


@rules_app.command("test")
@handles_errors
def rules_test(
    file: Path = typer.Argument(..., help="A rule file (validated; its 'tests:' are run)."),
    failures: bool = typer.Option(False, "--failures", help="Print only the examples that fail."),
    quiet: Quiet = False,
    json_out: Json = False,
) -> None:
    """Validate a rule file and run its worked examples; exit 1 if any fails.

    Example: chronos rules test my-rules.yaml
    """
    from chronos import app as run

    checked = run.check_rules(file)
    render.rule_tests(checked, failures_only=failures, quiet=quiet, as_json=json_out)
    if checked.failed:
        raise typer.Exit(1)


# ---------------------------------------------------------------- the cache

cache_app = typer.Typer(help="The cache of ingested sources: where it is, and clearing it.",
                        no_args_is_help=True, rich_markup_mode=None)
app.add_typer(cache_app, name="cache")


@cache_app.command("clear")
@handles_errors
def cache_clear(
    case: Annotated[Optional[Path], typer.Argument(
        help="A case.yaml, or a folder that holds one.", show_default=False)] = None,
    all_cases: bool = typer.Option(False, "--all", help="Clear the cache of every case in "
                                                        "$CHRONOS_CACHE_DIR."),
    json_out: Json = False,
) -> None:
    """Remove the cached readings of a case's sources (personal data, kept in the case's
    folder, in .chronos-cache, or in $CHRONOS_CACHE_DIR when set); the next build reads
    every source again. A folder chronos did not make is never removed.

    Example: chronos cache clear examples/smith-family
    """
    from chronos import app as run
    from chronos.errors import ChronosError

    if (case is None) == (not all_cases):
        raise ChronosError("name a case, or give --all", hint="chronos cache clear CASE")
    cleared = run.clear_cache(None if all_cases else case)
    render.cache_cleared(cleared, json_out)


@cache_app.command("show")
@handles_errors
def cache_show(case: Case, json_out: Json = False) -> None:
    """Show where a case's cache of ingested sources is, and how big.

    Example: chronos cache show examples/smith-family
    """
    from chronos import app as run

    info = run.cache_info(case)
    if json_out:
        render.json_data(info)
    else:
        print(f"{info['folder']}\t{info['entries']} entries\t{info['bytes']:,} bytes")

# ---------------------------------------------------------------- returns

returns_app = typer.Typer(
    help="Agency returns: templates per agency, checks on arrival, who is missing.",
    no_args_is_help=True, rich_markup_mode=None)
app.add_typer(returns_app, name="returns")


@returns_app.command("new")
@handles_errors
def returns_new(
    case: Path = typer.Argument(..., help="The case folder (or its case.yaml); a folder "
                                          "without one gets a new case.yaml.",
                                show_default=False),
    agencies: str = typer.Option(..., "--agencies", help='Comma-separated agency names: '
                                                         '"GP,Oakfield Primary,Police".'),
    child: Child = None,
    dob: Optional[str] = typer.Option(None, "--dob", help="The child's date of birth "
                                                          "(with --child as a name)."),
    period_from: Optional[str] = typer.Option(None, "--from",
                                              help="The review period's first day "
                                                   "(default: the child's date of birth)."),
    period_to: Optional[str] = typer.Option(None, "--to", help="The review period's last day "
                                                               "(default: the case's as_of)."),
    due: Optional[str] = typer.Option(None, "--due", help="The date returns are due."),
    quiet: Quiet = False,
    json_out: Json = False,
) -> None:
    """Write one Word and one Excel template per agency, each with the review's columns,
    the child, the period, the marking, instructions and a return reference.

    The templates go to CASE/returns/templates/; columns, headings, marking and author come
    from chronos.toml (docs/settings.md).

    Example: chronos returns new reviews/child-d --agencies "GP,Oakfield Primary,Police"
    --child "Jade Smith" --dob 03/05/2016 --from 01/01/2019 --due 10/05/2024
    """
    from chronos import app as run

    issued = run.returns_new(case, [a for a in agencies.split(",") if a.strip()], child=child,
                             dob=_date(dob, "--dob"), period_start=_date(period_from, "--from"),
                             period_end=_date(period_to, "--to"), due=_date(due, "--due"),
                             progress=render.progress(quiet))
    render.returns_issued(issued, quiet=quiet, as_json=json_out)


@returns_app.command("check")
@handles_errors
def returns_check(
    file: Path = typer.Argument(..., help="A returned Word (.docx) or Excel (.xlsx) file.",
                                show_default=False),
    case: Optional[Path] = typer.Option(None, "--case",
                                        help="The case it belongs to (default: the case "
                                             "folder the file is in, if any)."),
    agency: Optional[str] = typer.Option(None, "--agency",
                                         help="Who sent it, when the file does not say "
                                              "(a re-typed template)."),
    report: Optional[Path] = typer.Option(None, "--report",
                                          help="Write the check report (.docx) here (default, "
                                               "with a case: CASE/returns/reports/)."),
    no_record: bool = typer.Option(False, "--no-record",
                                   help="Only check: write nothing into the case (no report "
                                        "unless --report names one, the return not added)."),
    quiet: Quiet = False,
    json_out: Json = False,
) -> None:
    """Check a returned template: numbered messages with row and column, a short report
    to send back, and (with a case) the return added to case.yaml as a source.

    Exit code 1 when the return has errors.

    Example: chronos returns check ~/Downloads/oakfield-primary.docx --case reviews/child-d
    """
    from chronos import app as run

    checked = run.returns_check(file, case=case, agency=agency, report=report,
                                record=not no_record)
    render.return_check(checked, quiet=quiet, as_json=json_out)
    if checked.count("error"):
        raise typer.Exit(1)


@returns_app.command("status")
@handles_errors
def returns_status(
    case: Case,
    no_scan: bool = typer.Option(False, "--no-scan",
                                 help="Do not check new files in CASE/returns/received/."),
    quiet: Quiet = False,
    json_out: Json = False,
) -> None:
    """Which agencies have returned, when, how many rows; which are outstanding or have
    open problems. New files in CASE/returns/received/ are checked and added first.

    Example: chronos returns status reviews/child-d
    """
    from chronos import app as run

    found = run.returns_status(case, scan=not no_scan, progress=render.progress(quiet))
    render.returns_status(found, quiet=quiet, as_json=json_out)


# ---------------------------------------------------------------- population


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
                                        help="The first day of the screening period."),
    period: int = typer.Option(12, "--period", help="Period length in months, ending at as_of "
                                                    "(ignored with --since)."),
    harm_threshold: Optional[float] = typer.Option(None, "--harm-threshold",
                                                   help="Harm index threshold (default: the "
                                                        "'high' band, 8)."),
    rules: RuleFiles = None,
    only_rules: bool = typer.Option(False, "--only-rules",
                                    help="Run only the --rules files, not the catalogue."),
    params: Params = None,
    fresh: bool = typer.Option(False, "--fresh", help="Redo every stage (no resume)."),
    memory_limit: Optional[str] = typer.Option(None, "--memory-limit",
                                               help="DuckDB memory limit, e.g. 6GB (default 4GB; "
                                                    "beyond it DuckDB spills to disk)."),
    quiet: Quiet = False,
    json_out: Json = False,
) -> None:
    """Screen a whole population: ingest, link, run every rule, write the scorecard.

    With --json, the scorecard is printed on stdout.

    Example: chronos screen exports/case.yaml --out screen-2024 --since 2023-04-01
    """
    from chronos import app as run

    with render.ScreenProgress(quiet) as progress:
        result = run.screen(sources, out, engine=engine, spark_master=spark_master,
                            fresh=fresh, since=_date(since, "--since"), period=period,
                            harm_threshold=harm_threshold, rules=rules, only_rules=only_rules,
                            params=params, memory_limit=memory_limit, progress=progress)
    if json_out:
        render.json_data(result.as_dict())
    if not quiet:
        render.screen_summary(result)


def _one_line_summaries() -> None:
    """Each command's summary in ``chronos --help`` is the first paragraph of its docstring."""
    for info in app.registered_commands:
        doc = (info.callback.__doc__ or "") if info.callback else ""
        if not info.short_help and doc.strip():
            first = doc.strip().split("\n\n")[0]
            info.short_help = " ".join(first.split()).rstrip(".")


def main() -> None:
    """Console-script entry point. Files made by anything chronos runs (DuckDB's spill
    files, matplotlib's cache) are owner-only too: the process umask is 077."""
    import os

    os.umask(0o077)
    app()


_one_line_summaries()


if __name__ == "__main__":  # pragma: no cover
    main()
