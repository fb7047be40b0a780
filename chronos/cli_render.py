"""What the ``chronos`` command shows in the terminal (:mod:`chronos.cli`): tables and
summaries on stderr for people, data on stdout (tables, CSV, JSON). Only the command line
uses this module; rich is imported when something is shown.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional


def stderr():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def stdout():
    from rich.console import Console

    return Console(highlight=False)


def progress(quiet: bool):
    """One dim line on stderr per step of a build (None when quiet)."""
    if quiet:
        return None
    from rich.markup import escape

    console = stderr()
    return lambda message: console.print(f"[dim]… {escape(message)}[/]", markup=True)


def json_data(data) -> None:
    """``data`` as indented JSON on stdout (keys sorted)."""
    import json

    print(json.dumps(data, indent=2, sort_keys=True, default=str))


def text(data: str) -> None:
    """Text as it is (a draft mapping, say) on stdout."""
    sys.stdout.write(data if data.endswith("\n") else data + "\n")


def files(written, as_json: bool) -> None:
    """The files a command wrote, one per line (or as JSON)."""
    if as_json:
        json_data(written.as_dict())
    else:
        for path in written.files:
            print(path)


def cache_cleared(cleared, as_json: bool) -> None:
    """What ``chronos cache clear`` removed (or as JSON)."""
    if as_json:
        json_data(cleared.as_dict())
    else:
        stderr().print(f"removed {cleared.entries} cache entries, "
                       f"{cleared.bytes:,} bytes, from {cleared.folder}", soft_wrap=True)


def frame(data, *, title: str) -> None:
    """A DataFrame as a table on stdout."""
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_lines=False)
    for column in data.columns:
        table.add_column(str(column), overflow="fold")
    for values in data.itertuples(index=False):
        table.add_row(*["" if v is None else str(v) for v in values])
    stdout().print(table)


def csv(data) -> None:
    """A DataFrame as CSV on stdout (cells a spreadsheet would run as formulas neutralised,
    cells with a line break or tab quoted)."""
    from chronos.report.safe_files import csv_text

    sys.stdout.write(csv_text(data))


def ingest_summary(report: dict, out: Path) -> None:
    """The ingest report as a table on stderr: per source, read / to data / quarantined."""
    from rich.table import Table

    table = Table(title=f"Ingest report: {report['case']}", title_justify="left")
    for column in ("source", "format", "read", "to data", "quarantined", "skipped", "events"):
        table.add_column(column, justify="left" if column in ("source", "format") else "right")
    for s in report["sources"]:
        table.add_row(s["source"], s["format"], str(s["records_read"]),
                      str(s["records_to_data"]), str(s["records_quarantined"]),
                      str(sum(s["records_skipped"].values())), str(s["events"]))
    console = stderr()
    console.print(table)
    totals = report["totals"]
    parts = totals.get("parts_quarantined", 0)
    inside = f" and {parts} date(s) inside records that stayed data" if parts else ""
    console.print(f"{totals['events']} events, {totals['records_quarantined']} rows quarantined"
                  f"{inside} "
                  f"({'counts reconcile' if report['reconciles'] else 'COUNTS DO NOT RECONCILE'})"
                  f"; {len(report['warnings'])} warnings. Written to {out}/ (every row and warning "
                  "in ingest-report.json and quarantine.csv)")
    if report.get("as_of_from") == "today":
        console.print(f"  as of today ({report.get('as_of')}): the manifest gives no as_of, so "
                      "a later build may differ", markup=False)
    for warning in report["warnings"]:
        if warning.get("code") == "manifest.unknown_key":
            console.print(f"  manifest: {warning['message']}", markup=False)
    for source in report["sources"]:
        for reason, count in source["quarantine_by_reason"].items():
            console.print(f"  quarantined in {source['file']}: {count} x {reason}")
        for reason, count in source.get("records_skipped", {}).items():
            console.print(f"  skipped in {source['file']}: {count} x {reason}")
        for code, count in source.get("warnings_by_code", {}).items():
            console.print(f"  warned in {source['file']}: {count} x {code}")
        nobody = source.get("events_unattributed", 0)
        if nobody:
            console.print(f"  {nobody} event(s) of {source['file']} name nobody: they reach "
                          "no child's rules (add subject: to the source, see "
                          "docs/manifest.md)")


def chart(drawn, quiet: bool, as_json: bool) -> None:
    """What a chart command wrote (JSON on stdout with --json, warnings included), its
    warnings and files on stderr (nothing with --quiet: only errors)."""
    if as_json:
        json_data(drawn.as_dict())
    if quiet:
        return
    console = stderr()
    for warning in drawn.warnings:
        console.print(f"warning: {warning}", markup=False, soft_wrap=True)
    console.print("wrote " + ", ".join(str(p) for p in drawn.files), markup=False)


def link_summary(linked, out: Optional[Path]) -> None:
    """How linking went (records -> people, pairs to review, warnings), on stderr."""
    from rich.markup import escape

    console = stderr()
    summary = linked.summary()
    methods = ", ".join(f"{count} {name}" for name, count in summary["by_method"].items())
    console.print(f"{summary['records']} person records -> {summary['persons']} people "
                  f"({methods or 'none'}); {summary['review_pairs']} pair(s) to review; "
                  f"{summary['warnings']} warning(s)" + (" [trained model]" if summary["trained"] else ""))
    if summary.get("identical_records"):
        console.print(f"  {summary['identical_records']} record(s) identical to another record "
                      "of their source: compared once, each kept in links.csv")
    for warning in linked.warnings[:20]:
        console.print(f"  warning: {escape(str(warning))}")
    if len(linked.warnings) > 20:
        console.print(f"  ... {len(linked.warnings) - 20} more (link-warnings.csv)")
    if out is not None:
        console.print(f"Written to {out}/ (decide pairs in link-review.csv, then add them to "
                      "overrides.yaml)")


def inspection(found, rows: int) -> None:
    """What one file becomes: format and counts on stderr, first events and persons."""
    from rich.markup import escape

    summary = found.result.summary()
    err = stderr()
    scores = ", ".join(f"{name} {score:.2f}" for name, score in found.scores if score > 0)
    err.print(f"{escape(str(found.path))}: format [bold]{found.format}[/]"
              + (f" (sniff scores: {escape(scores)})" if scores else ""), markup=True)
    err.print(f"{summary['records_read']} records read, {summary['records_to_data']} to data, "
              f"{summary['records_quarantined']} quarantined, skipped "
              f"{summary['records_skipped'] or 0}; {summary['events']} events, "
              f"{summary['persons']} persons, {summary['relationships']} relationships")
    if summary.get("parts_quarantined"):
        err.print(f"{summary['parts_quarantined']} date(s) or event(s) quarantined inside "
                  "records that stayed data")
    if summary.get("events_unattributed"):
        err.print(f"{summary['events_unattributed']} event(s) name nobody (give the source "
                  "a subject:)")
    subject = summary.get("info", {}).get("subject")
    if subject:
        err.print(f"subject: {escape(str(subject))}", markup=False)
    columns = ["date", "event_type", "summary", "person_ids", "source_ref"]
    first = found.result.events[columns].head(rows).copy()
    first.insert(3, "people", found.event_people(rows))
    frame(first.drop(columns="person_ids"),
                 title=f"First {rows} events of {summary['events']}")
    if summary["persons"]:
        people = ["record_key", "given_name", "family_name", "dob", "sex", "nhs_number",
                  "upn", "la_child_id", "role"]
        frame(found.result.persons[people].head(rows), title="Person records")
    for issue in (found.result.quarantine + found.result.warnings)[:rows]:
        err.print(f"  {issue.severity}: {escape(str(issue))}", markup=True, soft_wrap=True)


def flags(found) -> None:
    """Findings by child and category, each with its evidence events."""
    from rich.markup import escape

    console = stdout()
    total = sum(len(c["findings"]) for child in found.children for c in child["categories"])
    console.print(f"[bold]Findings: {escape(found.case)}[/] (as of {found.as_of}): {total} "
                  f"finding(s) for {len(found.children)} child(ren)", markup=True)
    for child in found.children:
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
    if found.notes:
        stderr().print(f"{len(found.notes)} data-quality note(s): undated events not counted "
                        "in windows (see --json)")


class ScreenProgress:
    """Rich progress bars on stderr, one per stage (a no-op when quiet)."""

    def __init__(self, quiet: bool):
        self.quiet, self.bars, self.tasks = quiet, None, {}

    def __enter__(self):
        if self.quiet:
            return None
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.bars = Progress(TextColumn("{task.description:<10}"), BarColumn(),
                             TextColumn("{task.fields[message]}"), TimeElapsedColumn(),
                             console=stderr())
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


def screen_summary(result) -> None:
    """How each stage of a screen went and what the scorecard says, on stderr."""
    console = stderr()
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




def explanation(explained, record_a: str, record_b: str, *, as_csv: bool, as_json: bool) -> None:
    """Why two person records were or were not joined: a table (or CSV, or JSON)."""
    table = explained.table[["field", "value_a", "value_b", "level", "m", "u",
                             "match_weight", "veto"]]
    if as_json:
        json_data({"record_a": record_a, "record_b": record_b,
                   "fields": table.astype(object).where(table.notna(), None).to_dict("records"),
                   "match_weight": explained.match_weight,
                   "match_probability": explained.match_probability,
                   "vetoes": explained.vetoes, "blocking_rules": explained.blocking,
                   "decision": explained.decision, "outcome": explained.outcome})
        return
    if as_csv:
        csv(table)
        return
    frame(table.round({"match_weight": 2}).astype("object").where(table.notna(), ""),
          title=f"{record_a} vs {record_b}")
    note = " (before the veto)" if explained.vetoes else ""
    out = stdout()
    out.print(f"total match weight {explained.match_weight:+.2f} -> probability "
              f"{explained.match_probability:.4f}{note}")
    out.print(explained.compared, markup=False)
    out.print(explained.decision, markup=False)
    out.print(explained.outcome, markup=False)


def rule_tests(checked, *, failures_only: bool, quiet: bool, as_json: bool) -> None:
    """A rule file's worked examples: ok / FAIL per example, then a summary on stderr."""
    if as_json:
        json_data(checked.as_dict())
    else:
        for r in checked.results:
            if not r.passed or not failures_only:
                print(f"{'ok  ' if r.passed else 'FAIL'} {r.rule_id}: {r.name}")
                if not r.passed:
                    print(f"     expected {r.expected}\n     got      {r.got}")
    if not quiet:
        stderr().print(f"{checked.rules} rule(s) valid; "
                       f"{len(checked.results) - len(checked.failed)}/{len(checked.results)} "
                       "example(s) passed")


def pseudonym_check(checked, *, quiet: bool, as_json: bool) -> None:
    """Each surviving identifier on stdout (file, where, kind, text), a summary on stderr."""
    if as_json:
        json_data(checked.as_dict())
    else:
        for leak in checked.leaks:
            where = f"{leak.file}{':' + leak.part if leak.part else ''}:{leak.line}:{leak.column}"
            print(f"{where}\t{leak.kind}\t{leak.text}")
    if not quiet:
        err = stderr()
        for file, reason in checked.unchecked:
            err.print(f"not checked: {file}: {reason}", soft_wrap=True)
        verdict = (f"{len(checked.leaks)} identifier(s) of the real build survive"
                   if checked.leaks else "no identifier of the real build survives")
        err.print(f"{len(checked.files)} file(s) checked against {checked.identifiers} "
                  f"identifiers: {verdict}", soft_wrap=True)


def rules_table(rows: list[dict]) -> None:
    """One line per rule: id, type, category, severity, age band, title."""
    for r in rows:
        print(f"{r['id']:<30} {r['type']:<20} {r['category']:<12} {r['severity']:<7} "
              f"{r['age_band'] or '-':<10} {r['title']}")


def formats(found: list[dict]) -> None:
    """One line per format: name, description, extensions."""
    for f in found:
        exts = ", ".join(f["extensions"])
        print(f"{f['name']:<20} {f['description']}" + (f" [{exts}]" if exts else ""))


# ---------------------------------------------------------------- agency returns


def returns_issued(issued, *, quiet: bool, as_json: bool) -> None:
    """The templates written (paths on stdout, or JSON), a summary on stderr."""
    if as_json:
        json_data(issued.as_dict())
    else:
        for agency in issued.agencies:
            for path in agency["files"]:
                print(issued.root / path)
    console = stderr()
    for warning in issued.warnings:
        console.print(f"warning: {warning}", markup=False, soft_wrap=True)
    if quiet:
        return
    if issued.created_manifest:
        console.print(f"created {issued.created_manifest} (a case with no sources yet)",
                      markup=False, soft_wrap=True)
    child = issued.child.name + (f", born {issued.child.dob}" if issued.child.dob else "")
    console.print(f"Templates for {len(issued.agencies)} agencies: {child}; period "
                  f"{issued.period[0]} to {issued.period[1]}", markup=False, soft_wrap=True)
    for agency in issued.agencies:
        due = f", due {agency['due']}" if agency["due"] else ""
        console.print(f"  {agency['agency']}: {agency['reference']}{due}", markup=False)
    console.print("Send each agency its two files; when a return arrives: chronos returns "
                  "check FILE (or save it in returns/received/ and run chronos returns status)",
                  markup=False, soft_wrap=True)


def return_check(checked, *, quiet: bool, as_json: bool) -> None:
    """The numbered messages of a check on stdout (or JSON); what was done on stderr."""
    if as_json:
        json_data(checked.as_dict())
    else:
        for number, message in checked.numbered():
            print(f"{number}. [{message.severity}, check {message.number}] {message.where}: "
                  f"{message.text}")
    if quiet:
        return
    console = stderr()
    matched = f" (matched by {checked.matched_by})" if checked.matched_by else ""
    console.print(f"{checked.file.name}: {checked.agency or 'agency unknown'}{matched}; "
                  f"{checked.rows} row(s), {checked.event_count} event(s); "
                  f"{checked.count('error')} error(s), {checked.count('warning')} warning(s), "
                  f"{checked.count('note')} note(s)", markup=False, soft_wrap=True)
    if checked.report_path:
        console.print(f"report for the agency: {checked.report_path}", markup=False,
                      soft_wrap=True)
    if checked.recorded is not None:
        recorded_return(checked.recorded)
    elif checked.case_root is None:
        console.print("not recorded: the file is in no case folder (give --case CASE)",
                      markup=False)
    else:
        console.print(f"not recorded in {checked.case_root}", markup=False)


def recorded_return(done) -> None:
    """What recording a return did: the manifest diff and the difference from the earlier
    return, on stderr."""
    console = stderr()
    where = f" as source {done.source}" if done.source else ""
    console.print(f"{done.agency}: {done.state}{where} ({done.file})"
                  + (f"; {done.note}" if done.note else ""), markup=False, soft_wrap=True)
    if done.copied_from:
        console.print(f"  copied into the case from {done.copied_from}", markup=False)
    if done.difference is not None:
        console.print(f"  since the earlier return: {done.difference.summary}", markup=False)
        for line in done.difference.lines()[:30]:
            console.print(f"    {line}", markup=False, soft_wrap=True)
    if done.manifest is not None:
        console.print(f"  case.yaml changed (previous kept in {done.manifest.backup}):",
                      markup=False, soft_wrap=True)
        for line in done.manifest.diff.splitlines():
            console.print(f"    {line}", markup=False, soft_wrap=True)


def returns_status(found, *, quiet: bool, as_json: bool) -> None:
    """One line per agency on stdout (or JSON); what this run recorded on stderr."""
    if as_json:
        json_data(found.as_dict())
    else:
        print(f"Returns: {found.case} ({found.child}; {found.period[0]} to {found.period[1]})")
        rows = [("agency", "state", "due", "received", "rows", "errors", "warnings", "note")]
        for a in found.agencies:
            got = a.received is not None
            note = "" if not a.source or a.in_manifest else f"{a.source} not in case.yaml"
            rows.append((a.agency, a.state, a.due or "", a.received or "",
                         str(a.rows) if got else "", str(a.errors) if got else "",
                         str(a.warnings) if got else "", note))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for row in rows:
            print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    if quiet:
        return
    console = stderr()
    for checked in found.recorded:
        console.print(f"checked {checked.file.name}: {checked.count('error')} error(s), "
                      f"{checked.count('warning')} warning(s)", markup=False)
        if checked.recorded is not None:
            recorded_return(checked.recorded)
    for problem in found.not_matched:
        console.print(f"not recorded: {problem}", markup=False, soft_wrap=True)
    waiting = [a.agency for a in found.agencies if a.state in ("outstanding", "overdue")]
    console.print(f"{len(found.agencies) - len(waiting)} of {len(found.agencies)} agencies "
                  "have returned" + (f"; waiting for {', '.join(waiting)}" if waiting else ""),
                  markup=False, soft_wrap=True)


def annotated(done, *, quiet: bool, as_json: bool) -> None:
    """What ``chronos annotate`` recorded: each new decision on stdout (or, when nothing
    was given, every decision in force with its status), a summary on stderr naming the
    decisions about events or findings the case no longer has."""
    if as_json:
        json_data(done.as_dict())
        return
    import sys

    shown = [vars(a) | {"status": ""} for a in done.added] if done.added or done.unchanged \
        else done.decisions
    for d in shown:  # tab-separated, one decision a line (target, field, value, who, when ...)
        line = [d["target"], d["field"], d["value"] or "(withdrawn)", d["who"], d["when"],
                d["reason"]] + ([d["status"]] if d["status"] else [])
        sys.stdout.write("\t".join(line) + "\n")
    if quiet:
        return
    err = stderr()
    if done.added or done.unchanged:
        err.print(f"{len(done.added)} recorded in {done.file}"
                  + (f"; {done.unchanged} already in force" if done.unchanged else ""),
                  soft_wrap=True, markup=False)
    else:
        err.print(f"{len(done.decisions)} decisions in force in {done.file}", soft_wrap=True,
                  markup=False)
    if done.gone:
        err.print(f"{len(done.gone)} about events or findings the case no longer has (kept, "
                  "not applied): " + ", ".join(d["target"] for d in done.gone),
                  soft_wrap=True, markup=False)
