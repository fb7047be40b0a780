"""Screen a whole population: every child in an authority through the same rules.

:func:`screen` runs five stages over many agency exports (a case manifest, or a folder
that holds one), keeping events out of core in Parquet and DuckDB (or Spark)::

    ingest     each source read by its ingester, one at a time, appended to Parquet
    link       splink person linking over every person record (trained on the data),
               events' record keys mapped to person ids in SQL, households derived
               from shared addresses and partners (as ``chronos build``)
    dedupe     the same event reported by several agencies merged into one
               (``corroborated_by``), as ``chronos build`` does; events-duplicates.csv
    findings   the whole catalogue compiled to SQL, run on DuckDB (or Spark SQL);
               the events part of the cumulative harm index per child
    scorecard  findings as Parquet and CSV, the scorecard tables and charts

These are the stages of a case build (:data:`chronos.pipeline.STAGES`) and a
``scorecard``, run by the same runner (:func:`chronos.pipeline.run_stages`) on a
:class:`ScreenContext`. Resumability: every stage writes its output into a temporary folder that becomes
``<out>/work/<stage>`` only when complete, then a marker ``<out>/work/<stage>.done.json``
holding a hash of its inputs (the previous stage's hash, the source files' sizes and
modification times, the mappings, the rules and the options). A rerun skips every stage
whose marker matches; a failed or interrupted run resumes after the last completed stage.
The results at the top of ``<out>`` are complete only when ``<out>/screen.json`` exists:
it is removed when a run starts and written last.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from chronos import pipeline
from chronos.errors import ChronosError
from chronos.pipeline import StageRun, digest, peak_mb, reset_peak  # noqa: F401

STAGES = (*pipeline.STAGES, "scorecard")
#: what the stages keep in the work folder, and how: a work folder of another layout is
#: not resumed (2: the findings stage keeps both parts of the harm index, harm.parquet)
WORK_LAYOUT = 2
ENGINES = ("duckdb", "spark")
COMPLETE_MARKER = "screen.json"

_MEMORY = re.compile(r"\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)", re.IGNORECASE)

#: progress(stage, done, total, message): called as work advances (total 0: unknown).
Progress = Callable[[str, int, int, str], None]


@dataclass
class ScreenResult:
    """What :func:`screen` produced. ``scorecard`` is the JSON summary (also written to
    ``screen.json``); ``files`` the outputs relative to ``out_dir``."""

    out_dir: Path
    engine: str
    as_of: str
    period_start: str
    stages: list[StageRun]
    scorecard: dict
    files: list[str]

    def as_dict(self) -> dict:
        """A JSON-ready summary (``chronos screen --json``)."""
        return {"out_dir": str(self.out_dir), "engine": self.engine, "as_of": self.as_of,
                "period_start": self.period_start,
                "stages": [asdict(s) for s in self.stages], "scorecard": self.scorecard,
                "files": self.files}


@dataclass
class ScreenOptions:
    """Everything that changes a screen's results (hashed into the stage markers)."""

    engine: str = "duckdb"
    spark_master: str | None = None
    since: str | None = None
    period_months: int = 12
    harm_threshold: float | None = None
    rules: Any = None                  # rule files / Rule list; None: the catalogue
    params: Any = None                 # rule overrides (dict or YAML path)
    link: dict = field(default_factory=dict)   # link_model.yaml top-level overrides
    train: bool = True
    memory_limit: str | None = None    # DuckDB memory_limit, e.g. "6GB"


# --------------------------------------------------------------------------- entry point

def screen(sources, out_dir, *, engine: str = "duckdb", spark_master: str | None = None,
           resume: bool = True, progress: Progress | None = None, since: str | None = None,
           period_months: int = 12, harm_threshold: float | None = None, rules=None,
           params=None, link: dict | None = None, train: bool = True,
           memory_limit: str | None = None, fail_after: str | None = None) -> ScreenResult:
    """Screen every child in ``sources`` (a case manifest, or a folder that holds one).

    Writes to ``out_dir``: ``findings.parquet``/``findings.csv``, ``scorecard/*.csv``,
    ``charts/*.png``, ``events-duplicates.csv`` and, last, ``screen.json``. ``engine``
    is ``duckdb`` (default) or ``spark`` (against ``spark_master``, default ``local[*]``). ``resume`` reuses every
    completed stage whose inputs did not change. The period is ``since`` (ISO date) to the
    manifest's ``as_of`` (today when it gives none), by default the last ``period_months``.
    ``fail_after`` (a stage name) stops with an error after that stage: for testing resume.
    """
    from chronos.case import load_case

    if engine not in ENGINES:
        raise ChronosError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if engine == "spark":
        _check_spark()
    if memory_limit is not None and not _MEMORY.fullmatch(str(memory_limit).strip()):
        raise ChronosError(f"memory limit {memory_limit!r} is not a size",
                           hint="give a number and a unit, e.g. 6GB or 512MB")
    case = load_case(sources)
    linking = {**dict(case.settings.get("linking") or {}), **dict(link or {})}
    train = bool(linking.pop("train", train))   # the manifest's linking: {train: false}
    opts = ScreenOptions(engine, spark_master, since, period_months, harm_threshold, rules,
                         params, linking, train, memory_limit)
    run = _Run(case, Path(out_dir), opts, progress or (lambda *a: None), resume)
    return run.execute(fail_after)


@dataclass
class ScreenContext:
    """A population run as its stages hand it on: the sources, the options, the engine,
    and what a stage found that a later one needs (kept in the resume markers)."""

    case: Any                           # chronos.case.Case
    out: Path
    opts: ScreenOptions
    say: Progress
    #: link: the manifest's as-of date (the day the manifest was read when it gives none)
    as_of: str | None = None
    #: findings: the first day of the screening period
    period_start: str | None = None
    _engine: Any = field(default=None, repr=False)

    @property
    def work(self) -> Path:
        """Where the stages keep their outputs (``<out>/work/<stage>``) and markers."""
        return self.out / "work"

    @property
    def engine(self):
        """The SQL engine (created on first use)."""
        if self._engine is None:
            from chronos.screen import engines

            self._engine = engines.make_engine(self.opts, self.work)
        return self._engine

    def state(self) -> dict:
        """What the resume markers keep of this context."""
        return {"as_of": self.as_of, "period_start": self.period_start}

    def restore(self, state: dict) -> None:
        """Take back what a resumed stage had found."""
        for key in ("as_of", "period_start"):
            if state.get(key) is not None:
                setattr(self, key, state[key])

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()


class _Run:
    """One screening run: the stages through the pipeline's runner, with resume markers."""

    def __init__(self, case, out: Path, opts: ScreenOptions, progress: Progress, resume: bool):
        self.context = ScreenContext(case, out, opts, progress)
        self.case, self.out, self.opts, self.resume = case, out, opts, resume
        self.work = self.context.work

    def execute(self, fail_after: str | None) -> ScreenResult:
        from chronos.report.safe_files import input_folders, output_folder

        # refused before any work: a folder chronos did not make, the case's folders
        with output_folder(self.out, protect=input_folders(self.case), kind="screen"):
            return self._execute(fail_after)

    def _execute(self, fail_after: str | None) -> ScreenResult:
        from chronos.report.safe_files import private_dir
        from chronos.screen.stages import SCREEN_STAGES

        private_dir(self.work)    # folders chronos creates are readable by their owner only
        (self.out / COMPLETE_MARKER).unlink(missing_ok=True)
        ctx = self.context
        markers = pipeline.Markers(
            self.work, _inputdigest(self.case, self.opts),
            lambda name: _stage_options(name, self.opts, self.case),
            state=ctx.state, restore=ctx.restore, resume=self.resume,
            say=lambda name, message: ctx.say(name, 1, 1, message))

        def stop(run: StageRun) -> None:
            if fail_after == run.name:
                raise ChronosError(f"stopped after stage {run.name} (fail_after)")

        try:
            runs = pipeline.run_stages(SCREEN_STAGES, ctx, checkpoints=markers, measure=True,
                                       after=stop)
        finally:
            ctx.close()
        return self._finish(runs)

    def _finish(self, runs: list[StageRun]) -> ScreenResult:
        from chronos.report.safe_files import MARKER, record_files

        sources = [self.work / "scorecard" / "publish", self.work / "dedupe" / "publish"]
        record_files(self.out, [], kind="screen", coming={
            str(path.relative_to(source)): path for source in sources
            for path in source.rglob("*") if path.is_file()})
        for source in sources:
            _publish(source, self.out)
        card = json.loads((self.work / "scorecard" / "scorecard.json").read_text("utf-8"))
        files = sorted(str(p.relative_to(self.out)) for p in self.out.rglob("*")
                       if p.is_file() and "work" not in p.relative_to(self.out).parts
                       and p.name != MARKER)
        result = ScreenResult(self.out, self.opts.engine, self.context.as_of,
                              self.context.period_start, runs, card,
                              files + [COMPLETE_MARKER])
        pipeline.write_json(self.out / COMPLETE_MARKER, result.as_dict())
        record_files(self.out, result.files, kind="screen")
        return result


def _check_spark() -> None:
    """Refuse ``--engine spark`` before any work when pyspark or Java is missing."""
    import importlib.util
    import os

    if importlib.util.find_spec("pyspark") is None:
        raise ChronosError("the spark engine needs pyspark",
                           hint='pip install "chronos-safeguarding[spark]" (and Java 17)')
    if not os.environ.get("JAVA_HOME") and shutil.which("java") is None:
        raise ChronosError("the spark engine needs Java (17 or later)",
                           hint="install a Java runtime, or set JAVA_HOME")


# --------------------------------------------------------------------------- hashing

def _inputdigest(case, opts: ScreenOptions) -> str:
    """The sources as they are now: manifest, each file's size and mtime, mappings."""
    from chronos.datafiles import version

    files = []
    for source in case.sources:
        stat = Path(source.path).stat() if Path(source.path).exists() else None
        files.append([source.name, source.file_label, source.format, source.agency,
                      source.mapping, source.options,
                      [stat.st_size, stat.st_mtime_ns] if stat else None])
    return digest(version(), WORK_LAYOUT, case.as_of, files)


def _rules_fingerprint(opts: ScreenOptions) -> str:
    from chronos.patterns.engine import resolve_rules

    rules = resolve_rules(opts.rules, opts.params)
    return digest([[r.id, r.type, r.raw, r.params] for r in rules])


def _stage_options(name: str, opts: ScreenOptions, case=None) -> Any:
    if name == "link":
        return [opts.link, opts.train, opts.engine, "households"]
    if name == "dedupe":
        return [opts.engine, (getattr(case, "settings", None) or {}).get("dedupe")]
    if name == "findings":
        return [_rules_fingerprint(opts), opts.engine, opts.since, opts.period_months]
    if name == "scorecard":
        return [opts.harm_threshold]
    return None


# --------------------------------------------------------------------------- helpers

def _publish(source: Path, out: Path) -> None:
    """Copy the finished results to the top of ``out``: files replaced atomically,
    folders swapped whole (the completion marker is written after this)."""
    from chronos.report.safe_files import atomic_directory, atomic_path

    for item in sorted(source.iterdir()):
        if item.is_dir():
            with atomic_directory(out / item.name, inside_output=True) as tmp:
                for child in item.iterdir():
                    shutil.copy2(child, tmp / child.name)
        else:
            with atomic_path(out / item.name) as tmp:
                shutil.copy2(item, tmp)


def is_complete(out_dir) -> bool:
    """True when ``out_dir`` holds the results of a finished screen."""
    return (Path(out_dir) / COMPLETE_MARKER).exists()


def clear(out_dir) -> None:
    """Remove a screen's work folder and results (the folder itself is kept)."""
    out = Path(out_dir)
    shutil.rmtree(out / "work", ignore_errors=True)
    for name in ("scorecard", "charts"):
        shutil.rmtree(out / name, ignore_errors=True)
    for name in ("findings.parquet", "findings.csv", "events-duplicates.csv", COMPLETE_MARKER):
        (out / name).unlink(missing_ok=True)
