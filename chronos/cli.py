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
                  context_settings={"help_option_names": ["-h", "--help"]},
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
    from chronos.link.stage import link_case

    result = link_case(case, out=out, train=train, progress=_progress(quiet))
    linked = result.extras["link_result"]
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
    from chronos.link.stage import explain_case_link

    explanation = explain_case_link(case, record_a, record_b, waterfall=chart)
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
                                               help="DuckDB memory limit, e.g. 6GB."),
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


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
