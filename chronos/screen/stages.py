"""The stages of ``chronos screen`` (see :mod:`chronos.screen.run`): :data:`SCREEN_STAGES`.

Each ``run_<stage>(ctx, stage_dir)`` takes the run's
:class:`~chronos.screen.run.ScreenContext`, writes its outputs into a temporary folder
that becomes ``stage_dir`` (``<out>/work/<stage>``) only when complete, and returns its
counts for the marker.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

from chronos import model
from chronos.errors import ChronosError
from chronos.report.safe_files import atomic_directory, write_csv

PERSON_RECORD_COLUMNS = [*model.PERSONS, "record_key"]
LINK_TRAIN_SAMPLE = 200_000
#: Blocking rules for a population: every rule is narrow enough that no block explodes
#: (the family model's ``l.dob = r.dob`` alone would pair every child born on a day).
POPULATION_BLOCKING = (
    "l.nhs = r.nhs",
    "l.upn = r.upn",
    "l.la_id = r.la_id",
    "l.dob = r.dob and l.family_first = r.family_first",
    "l.dob = r.dob and split_part(l.given_canon, ';', 1) = split_part(r.given_canon, ';', 1)",
    "l.dob_swap = r.dob and l.family_first = r.family_first",
    "split_part(l.given_canon, ';', 1) = split_part(r.given_canon, ';', 1) and l.family_first = r.family_first and l.dob_year = r.dob_year",
)


@dataclass(frozen=True)
class PopulationStage:
    """A stage of a screen (:class:`chronos.pipeline.Stage`): ``work(ctx, stage_dir)``
    with ``stage_dir`` = ``<out>/work/<name>``."""

    name: str
    work: Callable[..., dict]

    def run(self, ctx) -> dict:
        return self.work(ctx, ctx.work / self.name)


# --------------------------------------------------------------------------- ingest

#: Rows per block when a CSV/TSV source is read in parts: what bounds the ingest's
#: memory (a block's rows and their working columns; about 0.6 GB at 500,000 GP rows).
INGEST_BLOCK_ROWS = 500_000


def run_ingest(run, stage_dir: Path) -> dict:
    """Read every source with its ingester, one at a time, big CSV/TSV exports a block of
    rows at a time (:func:`chronos.ingest.base.iter_source`); each part appended as Parquet."""
    from chronos.case import prepare_source
    from chronos.ingest.base import iter_source
    from chronos.ingest.parts import SourceTally

    sources = run.case.sources
    summaries, quarantined = [], 0
    with atomic_directory(stage_dir, inside_output=True) as tmp:
        for sub in ("events", "person_records", "relationships", "quarantine"):
            (tmp / sub).mkdir()
        for number, source in enumerate(sources):
            run.say("ingest", number, len(sources), f"reading {source.name}")
            prepare_source(source, run.case)
            tally, written, stem = SourceTally(source), set(), f"{number:04d}-{source.name}"
            for part_number, part in enumerate(iter_source(source, rows=INGEST_BLOCK_ROWS)):
                _write_source(tmp, f"{stem}-{part_number:05d}", part, written)
                tally.add(part)
                if part_number and part.records_read:
                    run.say("ingest", number, len(sources), f"reading {source.name}: "
                            f"{tally.counts['records_read']:,} rows")
            _write_missing(tmp, f"{stem}-none", written)
            if not tally.reconciles():
                raise ChronosError(f"ingest counts do not reconcile: {tally.summary()}",
                                   file=source.file_label)
            summaries.append(tally.summary())
            quarantined += sum(tally.quarantine_by_reason.values())
        run.say("ingest", len(sources), len(sources), "done")
        _json(tmp / "ingest-report.json", {"sources": summaries})
    return {"sources": len(sources), "events": sum(s["events"] for s in summaries),
            "person_records": sum(s["persons"] for s in summaries), "quarantined": quarantined}


def _write_source(tmp: Path, stem: str, result, written: set[str]) -> None:
    """One part of a source as Parquet: the tables it holds (a block of a source read in
    parts has no persons or relationships: those come with its last part). ``written``
    collects the tables written; :func:`_write_missing` fills in the others at the end."""
    tables = {"events": result.events, "person_records": result.persons,
              "relationships": result.relationships, "quarantine": result.quarantine}
    for name, value in tables.items():
        if value is not None:
            _write_table(tmp / name / f"{stem}.parquet", name, value, result.format)
            written.add(name)


def _write_missing(tmp: Path, stem: str, written: set[str]) -> None:
    """An empty file for each table no part of a source held (every source has each)."""
    for name in ("events", "person_records", "relationships", "quarantine"):
        if name not in written:
            _write_table(tmp / name / f"{stem}.parquet", name, None, "")


def _write_table(path: Path, name: str, value, fmt: str) -> None:
    if name == "events":
        frame = model.conform(value, "events")[list(model.EVENTS)]
    elif name == "person_records":
        frame = model.conform(value, "persons")
        if "record_key" not in frame:
            frame["record_key"] = pd.Series(dtype="string")
        frame = frame[PERSON_RECORD_COLUMNS].astype({"record_key": "string"})
    elif name == "relationships":
        frame = model.conform(value, "relationships")[list(model.RELATIONSHIPS)]
    else:
        frame = model.conform([q.as_dict() | {"reason": q.code, "source_format": fmt}
                               for q in value or []], "quarantine")[list(model.QUARANTINE)]
    frame.to_parquet(path, index=False)


# --------------------------------------------------------------------------- link

def run_link(run, stage_dir: Path) -> dict:
    """Link every person record (splink, trained on a sample of the data; with
    ``screen_dates_records``, the events dating the records as a case build passes them:
    :func:`linking_events`), map the
    events' and relationships' record keys to person ids, and add the households derived
    from shared addresses and partners (as case mode's link stage does)."""
    import gc

    from chronos.screen.dedupe import derived_households, household_records
    from chronos.link.apply import apply_person_ids
    from chronos.link.people import link_people

    ingest = run.work / "ingest"
    records = pd.read_parquet(ingest / "person_records")
    as_of = run.case.as_of or run.engine.max_event_date(ingest / "events" / "*.parquet")
    run.say("link", 0, 3, f"linking {len(records):,} person records")
    settings, trained = link_settings(run, records, as_of)
    events = linking_events(ingest / "events", settings)
    api = run.engine.link_api()
    try:
        linked = link_people(records, overrides=run.case.overrides_path, settings=settings,
                             as_of=_date(as_of), db_api=api, events=events)
    finally:
        run.engine.release_link_api(api)
        del api, events
        gc.collect()   # the linker's cycles (splink's tables, the clustering) freed now
    run.say("link", 1, 3, f"{len(linked.persons):,} people; mapping events")
    counts = {"person_records": len(records), "persons": len(linked.persons),
              "review_pairs": len(linked.review), "trained": trained,
              "warnings": len(linked.warnings)}
    with atomic_directory(stage_dir, inside_output=True) as tmp:
        linked.persons.to_parquet(tmp / "persons.parquet", index=False)
        linked.links.to_parquet(tmp / "links.parquet", index=False)
        write_csv(linked.review, tmp / "link-review.csv")
        relationships = pd.read_parquet(ingest / "relationships")
        _, relationships = apply_person_ids(model.empty("events"), relationships,
                                            linked.record_to_person)
        homes = household_records(records, linked.record_to_person)
        del linked, records   # the engine maps events out of core
        counts["events"] = run.engine.map_events(ingest / "events" / "*.parquet",
                                                 tmp / "links.parquet", tmp / "events.parquet")
        run.say("link", 2, 3, "households from shared addresses")
        started = time.perf_counter()
        derived = derived_households(run.engine, homes, relationships, tmp / "events.parquet")
        model.conform(pd.concat([relationships, derived], ignore_index=True),
                      "relationships").to_parquet(tmp / "relationships.parquet", index=False)
        counts.update(households=len(derived),
                      households_seconds=round(time.perf_counter() - started, 3))
        run.say("link", 3, 3, "done")
    run.as_of = as_of
    return counts


def linking_events(folder: Path, settings):
    """:func:`dating_events` of ``folder`` when the linking settings ask for them
    (``screen_dates_records: true``; off by default: the events' dates are held in memory,
    about 0.8 GB more at 100,000 children), else None."""
    if not settings.raw.get("screen_dates_records", False):
        return None
    return dating_events(folder)


def dating_events(folder: Path):
    """The ingested events' columns that date the person records they name
    (:data:`chronos.link.stated.DATING_COLUMNS`), for linking as a case build reads them:
    a role on a day tells relatives apart. Only those columns are read."""
    import pyarrow.dataset as ds

    from chronos.link.stated import DATING_COLUMNS

    files = sorted(folder.glob("*.parquet"))
    if not files:
        return None
    dataset = ds.dataset([str(f) for f in files], format="parquet")
    columns = [c for c in DATING_COLUMNS if c in dataset.schema.names]
    if "person_ids" not in columns or "date" not in columns:
        return None
    table = dataset.to_table(columns=columns,
                             filter=ds.field("person_ids").is_valid() & ds.field("date").is_valid())
    return table.to_pandas()


def link_settings(run, records: pd.DataFrame, as_of: str):
    """Population linking settings: narrow blocking rules; m and u trained on a sample of
    the data when there are enough records (else the shipped model). ``(settings, trained)``."""
    from chronos.link.people import as_settings
    overrides = {"blocking_rules": list(POPULATION_BLOCKING), **run.opts.link}
    settings = as_settings(overrides)
    if not run.opts.train or len(records) < settings.min_records_to_train:
        return settings, False
    trained = _train_on_sample(records, settings, as_of)
    return (as_settings({**overrides, "comparisons": trained}), True) if trained else (settings, False)


def _train_on_sample(records: pd.DataFrame, settings, as_of: str):
    """Comparisons of the shipped model with m/u re-estimated by splink on a deterministic
    sample of at most LINK_TRAIN_SAMPLE records (u from random pairs, m by EM)."""
    import gc

    from chronos.link.identifiers import prepare_records
    from chronos.link.scoring import score_pairs
    order = pd.util.hash_pandas_object(records["record_key"].astype(str), index=False)
    sample = records.loc[order.sort_values(kind="stable").index[:LINK_TRAIN_SAMPLE]]
    frame, _ = prepare_records(sample.reset_index(drop=True), as_of=_date(as_of))
    model_json = score_pairs(frame, settings, train=True, predict=False).model
    del frame, sample
    gc.collect()   # splink's database of the sample (held by the linker's cycles) freed
    return _trained_comparisons(settings, model_json)


def _trained_comparisons(settings, model_json: dict) -> list | None:
    """The model's comparisons with m and u from a splink model JSON (veto flags kept)."""
    learnt = {c.get("output_column_name"): [lv for lv in c["comparison_levels"]
                                             if not lv.get("is_null_level")]
              for c in (model_json or {}).get("comparisons", [])}
    out = []
    for comparison in settings.raw["comparisons"]:
        levels = learnt.get(comparison["name"])
        if not levels or len(levels) != len(comparison["levels"]):
            return None
        new = []
        for mine, theirs in zip(comparison["levels"], levels):
            m = _probability(theirs.get("m_probability"), mine["m"])
            u = _probability(theirs.get("u_probability"), mine["u"])
            new.append({**mine, "m": m, "u": u})
        out.append({**comparison, "levels": new})
    return out


def _probability(value, default: float) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return default
    return min(max(value, 1e-9), 1.0) if value == value else default


def _date(iso: str | None):
    return dt.date.fromisoformat(iso) if iso else None


# --------------------------------------------------------------------------- dedupe

def run_dedupe(run, stage_dir: Path) -> dict:
    """Merge the same event reported by several agencies (case mode's dedupe stage, with
    the manifest's ``dedupe:`` settings): ``events.parquet`` with ``corroborated_by``,
    the merged reports in ``duplicates.parquet`` and, to publish, events-duplicates.csv."""
    from chronos.screen.dedupe import dedupe_population, write_duplicates_csv

    events = run.work / "link" / "events.parquet"
    run.say("dedupe", 0, 3, "finding events reported by more than one agency")
    with atomic_directory(stage_dir, inside_output=True) as tmp:
        counts = dedupe_population(run, events, tmp, dedupe_settings(run.case))
        (tmp / "publish").mkdir()
        write_duplicates_csv(tmp / "duplicates.parquet", tmp / "publish" / "events-duplicates.csv")
    run.say("dedupe", 3, 3, f"{counts['duplicates']:,} reports merged into another event")
    return counts


def dedupe_settings(case) -> dict | None:
    """The manifest's ``dedupe:`` keys (see chronos/data/dedupe.yaml)."""
    return (getattr(case, "settings", None) or {}).get("dedupe")


# --------------------------------------------------------------------------- rules

def run_findings(run, stage_dir: Path) -> dict:
    """Case mode's findings stage on the population's engine: the rules
    (:func:`chronos.patterns.engine.run_on_engine`), then the harm index SQL at the start
    and end of the screening period (:func:`chronos.patterns.harm.harm_at`)."""
    from chronos.patterns.engine import resolve_rules
    from chronos.patterns.harm import harm_at

    link = run.work / "link"
    events = run.work / "dedupe" / "events.parquet"
    as_of = run.as_of
    start = period_start(as_of, run.opts.since, run.opts.period_months)
    rules = resolve_rules(run.opts.rules, run.opts.params)
    run.say("findings", 0, 2, f"{len(rules)} rules on {run.engine.name}")
    findings, notes = run.engine.run_rules(events, link / "persons.parquet",
                                           link / "relationships.parquet", rules, as_of)
    run.say("findings", 1, 2, f"{len(findings):,} findings; harm index")
    with atomic_directory(stage_dir, inside_output=True) as tmp:
        findings.to_parquet(tmp / "findings.parquet", index=False)
        notes.to_parquet(tmp / "notes.parquet", index=False)
        harm = harm_at(run.engine, tmp / "findings.parquet", as_of, start)
        harm.to_parquet(tmp / "harm.parquet", index=False)
        _json(tmp / "rules.json", [{"rule_id": r.id, "title": r.title, "category": r.category,
                                    "severity": r.severity, "type": r.type,
                                    "file": Path(r.file).name if r.file else ""} for r in rules])
    run.say("findings", 2, 2, "done")
    run.period_start = start
    return {"rules": len(rules), "findings": len(findings), "children_with_findings":
            int(findings["person_id"].nunique())}


def period_start(as_of: str, since: str | None, months: int) -> str:
    """The first day of the screening period: ``since`` (a date as
    :func:`chronos.dates.date_option` reads it), else ``months`` before ``as_of``."""
    from chronos.dates import date_option

    if since:
        return date_option(str(since), "--since")
    end = pd.Timestamp(as_of)
    return (end - pd.DateOffset(months=int(months)) + pd.Timedelta(days=1)).date().isoformat()


# --------------------------------------------------------------------------- scorecard

def run_scorecard(run, stage_dir: Path) -> dict:
    """Scorecard tables, charts and the JSON summary, ready to publish."""
    from chronos.screen import scorecard as card

    with atomic_directory(stage_dir, inside_output=True) as tmp:
        summary = card.build(run, tmp)
    return {"findings_in_period": summary["findings_in_period"],
            "children_in_period": summary["children_with_findings"],
            "harm_crossed": summary["harm"]["crossed"]}


def _json(path: Path, data) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n", "utf-8")


#: the stages of a screen, in order: the pipeline's (:data:`chronos.pipeline.STAGES`)
#: on Parquet and the engine, then the scorecard
SCREEN_STAGES = (PopulationStage("ingest", run_ingest), PopulationStage("link", run_link),
                 PopulationStage("dedupe", run_dedupe),
                 PopulationStage("findings", run_findings),
                 PopulationStage("scorecard", run_scorecard))
