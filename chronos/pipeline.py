"""One pipeline for a case and for a population: the stages, their context and the runner.

A case build (:func:`chronos.case.build_case`) and a population screen
(:func:`chronos.screen.screen`) run the same stage sequence, :data:`STAGES`, through
:func:`run_stages`::

    ingest     every source read by its ingester; the tables assembled
    link       person records linked across agencies; record keys -> person ids; households
    dedupe     the same event reported by several agencies merged into one
    findings   the indicator catalogue (and the cumulative harm index)

A case runs in memory (pandas, in-memory DuckDB) on a :class:`CaseResult`; a population
runs on Parquet-backed DuckDB or Spark on a :class:`chronos.screen.run.ScreenContext`, adds
a ``scorecard`` stage, and keeps resume markers (:class:`Markers`): a stage whose inputs
did not change is not run again.

Each stage is an object with a ``name`` and ``run(context)`` (:class:`Stage`). Stages hand
their results on through the context's named fields, never through a bag of keys; a
:class:`CaseResult` conforms each table to the data contract (:mod:`chronos.model`) once,
when a stage sets it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Hashable, Iterable, Protocol, TypeVar

if TYPE_CHECKING:  # typing only: the orchestrator and the stages import this module
    import pandas as pd

    from chronos.case import Case
    from chronos.errors import Issue
    from chronos.ingest.base import SourceResult
    from chronos.link.people import LinkResult

#: The stages of every run, in order (a screen adds ``scorecard`` after them).
STAGES = ("ingest", "link", "dedupe", "findings")

#: progress(message): what a case build says as it goes (one line per step).
Progress = Callable[[str], None]

C = TypeVar("C", contravariant=True)


class Stage(Protocol[C]):
    """One step of a run: reads its inputs from the context and sets its outputs there.

    ``run`` returns the stage's counts (for the screen's markers and ``screen.json``) or
    None."""

    name: str

    def run(self, context: C) -> dict | None:
        """Do the stage's work on ``context``."""


@dataclass
class StageRun:
    """How one stage went: seconds, peak memory (of this process during the stage where
    the system can tell, else so far; a Spark JVM's is not included), resumed or run."""

    name: str
    seconds: float = 0.0
    peak_mb: float = 0.0
    resumed: bool = False
    counts: dict = field(default_factory=dict)


class Checkpoints(Protocol):
    """Where a run keeps what each stage finished (population mode: :class:`Markers`)."""

    def resume(self, name: str) -> StageRun | None:
        """The finished stage ``name`` when its inputs did not change, else None."""

    def done(self, run: StageRun) -> None:
        """Record that a stage finished."""


def run_stages(stages: Iterable[Stage], context: Any, *, only: Iterable[str] | None = None,
               progress: Progress | None = None, checkpoints: Checkpoints | None = None,
               measure: bool = False, after: Callable[[StageRun], None] | None = None
               ) -> list[StageRun]:
    """Run ``stages`` in order on ``context``; return how each went.

    ``only`` names the stages to run (None: all). ``progress`` is told each stage's name
    before it runs. With ``checkpoints``, a stage they can resume is not run again.
    ``measure`` records each stage's peak memory. ``after`` is called after each stage.
    """
    wanted = None if only is None else set(only)
    runs = []
    for stage in stages:
        if wanted is not None and stage.name not in wanted:
            continue
        run = checkpoints.resume(stage.name) if checkpoints is not None else None
        if run is None:
            run = _run_one(stage, context, progress, measure)
            if checkpoints is not None:
                checkpoints.done(run)
        runs.append(run)
        if after is not None:
            after(run)
    return runs


def _run_one(stage: Stage, context: Any, progress: Progress | None, measure: bool) -> StageRun:
    if progress is not None:
        progress(stage.name)
    if measure:
        reset_peak()
    start = time.perf_counter()
    counts = stage.run(context) or {}
    return StageRun(stage.name, round(time.perf_counter() - start, 3),
                    peak_mb() if measure else 0.0, False, counts)


# --------------------------------------------------------------------------- case context


#: the context's fields that hold a table of the data contract (field -> table)
TABLE_FIELDS = {"events": "events", "persons": "persons", "links": "links",
                "relationships": "relationships", "quarantine": "quarantine",
                "findings": "findings", "child_findings": "findings",
                "person_records": "persons",
                "event_duplicates": "events"}


@dataclass
class CaseResult:
    """A case as the stages hand it on, and everything a build produced.

    Tables are pandas DataFrames with the contract's columns (:mod:`chronos.model`),
    conformed when a stage sets them. Until the ``link`` stage runs, events and
    relationships refer to people by source record keys, ``persons`` and ``links`` are
    empty and the source person records are in ``person_records``.
    """

    case: Case
    events: pd.DataFrame
    persons: pd.DataFrame
    links: pd.DataFrame
    relationships: pd.DataFrame
    quarantine: pd.DataFrame
    findings: pd.DataFrame
    report: dict
    sources: list[SourceResult]
    warnings: list[Issue] = field(default_factory=list)
    #: ingest: every source's person records (with ``record_key``), before linking
    person_records: pd.DataFrame | None = None
    #: link: source record key -> person id
    record_to_person: dict[str, str] = field(default_factory=dict)
    #: link: the whole linking result (persons, links, review pairs, warnings, summary)
    link_result: LinkResult | None = None
    #: link: pairs for a person to decide (link-review.csv)
    link_review: pd.DataFrame | None = None
    #: dedupe: the reports merged into another event (``duplicate_of``)
    event_duplicates: pd.DataFrame | None = None
    #: findings: one finding per rule and child, as the rules give them (``findings`` is
    #: one per pattern per family episode: :mod:`chronos.patterns.episodes`)
    child_findings: pd.DataFrame | None = None
    #: findings: data-quality notes of the rules (undated events not counted, information
    #: gaps)
    rule_notes: pd.DataFrame | None = None
    #: findings: the cumulative harm index per child and month
    #: (:data:`chronos.patterns.harm.HARM_COLUMNS`)
    harm_index: pd.DataFrame | None = None
    #: the manifest's index children as person ids (once people are linked)
    index_person_ids: list[str] = field(default_factory=list)
    #: ingest: what the cache of ingested sources did for each source
    #: (:class:`chronos.cache.CacheNote`; empty when the build did not use the cache)
    cache_notes: list = field(default_factory=list)

    def __setattr__(self, name: str, value: Any) -> None:
        table = TABLE_FIELDS.get(name)
        if table is not None and value is not None:
            from chronos import model

            value = model.conformed(value, table)
        self.__dict__.pop("_remembered", None)   # what was worked out from the old value
        object.__setattr__(self, name, value)

    def remember(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """``compute()`` the first time ``key`` is asked for, the same value after: what
        the writers of one build each work out from the result (the index children, a
        child's chronology rows) is worked out once. Setting any field forgets it all;
        the tables are never changed in place. Callers must not change what they get."""
        remembered = self.__dict__.setdefault("_remembered", {})
        if key not in remembered:
            remembered[key] = compute()
        return remembered[key]

    @property
    def name(self) -> str:
        return self.case.name

    @property
    def index_children(self) -> list[str]:
        """The index children as person ids (resolved from the manifest's record keys or
        names once people are linked)."""
        return self.index_person_ids or self.case.index_children

    @property
    def as_of(self) -> str | None:
        return self.case.as_of

    @property
    def extras(self):
        """Read-only view of the named fields by their former ``extras`` keys (for code
        written before the fields existed; use the fields)."""
        import warnings

        warnings.warn("CaseResult.extras is read-only and deprecated: use the named fields "
                      "(e.g. result.record_to_person)", DeprecationWarning, stacklevel=2)
        return MappingProxyType({n: getattr(self, n) for n in EXTRA_FIELDS
                                 if getattr(self, n) is not None})


#: the fields that were keys of ``CaseResult.extras`` before they had names
EXTRA_FIELDS = ("person_records", "record_to_person", "link_result", "link_review",
                "event_duplicates", "rule_notes", "harm_index", "index_person_ids")


# --------------------------------------------------------------------------- resume markers


def digest(*parts: Any) -> str:
    """A stable hash of JSON-able parts (options, file sizes, earlier digests)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Markers:
    """Resume markers in ``folder``: a stage's output becomes ``<folder>/<stage>`` only
    when complete, then ``<folder>/<stage>.done.json`` records a hash of its inputs (the
    previous stage's hash and the stage's ``options(name)``), its counts and the run's
    ``state()``. A stage whose marker matches is not run again; its state is restored
    with ``restore(state)``."""

    def __init__(self, folder: Path, inputs: str, options: Callable[[str], Any], *,
                 state: Callable[[], dict], restore: Callable[[dict], None],
                 say: Callable[[str, str], None], resume: bool = True):
        self.folder, self.options, self.state, self.restore = folder, options, state, restore
        self.say, self.allowed, self.previous = say, resume, inputs
        self.current = ""

    def resume(self, name: str) -> StageRun | None:
        self.previous = self.current = digest(self.previous, self.options(name))
        marker, stage_dir = self.folder / f"{name}.done.json", self.folder / name
        if self.allowed and marker.exists() and stage_dir.exists():
            done = json.loads(marker.read_text("utf-8"))
            if done.get("hash") == self.current:
                self.say(name, "already done (resumed)")
                self.restore(done.get("state", {}))
                return StageRun(name, done["seconds"], done["peak_mb"], True, done["counts"])
        marker.unlink(missing_ok=True)
        return None

    def done(self, run: StageRun) -> None:
        write_json(self.folder / f"{run.name}.done.json", {
            "stage": run.name, "hash": self.current, "seconds": run.seconds,
            "peak_mb": run.peak_mb, "counts": run.counts, "state": self.state(),
            "finished": dt.datetime.now().isoformat(timespec="seconds")})


def write_json(path: Path, data: dict) -> None:
    """``data`` as indented, sorted JSON, written atomically (owner-only)."""
    from chronos.report.safe_files import atomic_file

    with atomic_file(path, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


# --------------------------------------------------------------------------- memory


def peak_mb() -> float:
    """Peak resident memory of this process, in MB: since :func:`reset_peak` where Linux
    allows resetting it, else since the process started."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def reset_peak() -> bool:
    """Start measuring the peak resident memory afresh (Linux: ``/proc/self/clear_refs``),
    so each stage reports its own peak; False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
        return True
    except OSError:
        return False
