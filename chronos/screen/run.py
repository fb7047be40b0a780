"""Screen a whole population: every child in an authority through the same rules.

:func:`screen` runs five stages over many agency exports (a case manifest, or a folder
that holds one), keeping events out of core in Parquet and DuckDB (or Spark)::

    ingest     each source read by its ingester, one at a time, appended to Parquet
    link       splink person linking over every person record (trained on the data),
               events' record keys mapped to person ids in SQL, households derived
               from shared addresses and partners (as ``chronos build``)
    dedupe     the same event reported by several agencies merged into one
               (``corroborated_by``), as ``chronos build`` does; events-duplicates.csv
    rules      the whole catalogue compiled to SQL, run on DuckDB (or Spark SQL);
               the events part of the cumulative harm index per child
    scorecard  findings as Parquet and CSV, the scorecard tables and charts

Resumability: every stage writes its output into a temporary folder that becomes
``<out>/work/<stage>`` only when complete, then a marker ``<out>/work/<stage>.done.json``
holding a hash of its inputs (the previous stage's hash, the source files' sizes and
modification times, the mappings, the rules and the options). A rerun skips every stage
whose marker matches; a failed or interrupted run resumes after the last completed stage.
The results at the top of ``<out>`` are complete only when ``<out>/screen.json`` exists:
it is removed when a run starts and written last.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import resource
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from chronos.errors import ChronosError

STAGES = ("ingest", "link", "dedupe", "rules", "scorecard")
ENGINES = ("duckdb", "spark")
COMPLETE_MARKER = "screen.json"
LINK_TRAIN_SAMPLE = 200_000
#: Blocking rules for a population: every rule is narrow enough that no block explodes
#: (the family model's ``l.dob = r.dob`` alone would pair every child born on a day).
POPULATION_BLOCKING = (
    "l.nhs = r.nhs",
    "l.upn = r.upn",
    "l.la_id = r.la_id",
    "l.dob = r.dob and l.family_first = r.family_first",
    "l.dob = r.dob and l.given_canon = r.given_canon",
    "l.dob_swap = r.dob and l.family_first = r.family_first",
    "l.given_canon = r.given_canon and l.family_first = r.family_first and l.dob_year = r.dob_year",
)

_MEMORY = re.compile(r"\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)", re.IGNORECASE)

#: progress(stage, done, total, message): called as work advances (total 0: unknown).
Progress = Callable[[str, int, int, str], None]


@dataclass
class StageRun:
    """How one stage went: seconds, peak memory (of this process during the stage where
    the system can tell, else so far; a Spark JVM's is not included), resumed or run."""

    name: str
    seconds: float = 0.0
    peak_mb: float = 0.0
    resumed: bool = False
    counts: dict = field(default_factory=dict)


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
    manifest's ``as_of`` (or the latest event), by default the last ``period_months``.
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
    opts = ScreenOptions(engine, spark_master, since, period_months, harm_threshold, rules,
                         params, dict(link or {}), train, memory_limit)
    run = _Run(case, Path(out_dir), opts, progress or (lambda *a: None), resume)
    return run.execute(fail_after)


class _Run:
    """One screening run: the stage loop, markers and hashes."""

    def __init__(self, case, out: Path, opts: ScreenOptions, progress: Progress, resume: bool):
        self.case, self.out, self.opts, self.say, self.resume = case, out, opts, progress, resume
        self.work = out / "work"
        self.state: dict[str, Any] = {}
        self._engine = None

    @property
    def engine(self):
        """The SQL engine (created on first use)."""
        if self._engine is None:
            from chronos.screen import engines

            self._engine = engines.make_engine(self.opts, self.work)
        return self._engine

    def execute(self, fail_after: str | None) -> ScreenResult:
        from chronos.report.safe_files import private_dir

        private_dir(self.out)     # folders chronos creates are readable by their owner only
        private_dir(self.work)
        (self.out / COMPLETE_MARKER).unlink(missing_ok=True)
        runs, previous = [], _input_hash(self.case, self.opts)
        try:
            for name in STAGES:
                previous = _hash(previous, _stage_options(name, self.opts, self.case))
                runs.append(self._stage(name, previous))
                if fail_after == name:
                    raise ChronosError(f"stopped after stage {name} (fail_after)")
        finally:
            if self._engine is not None:
                self._engine.close()
        return self._finish(runs)

    def _stage(self, name: str, digest: str) -> StageRun:
        marker = self.work / f"{name}.done.json"
        stage_dir = self.work / name
        if self.resume and marker.exists() and stage_dir.exists():
            done = json.loads(marker.read_text("utf-8"))
            if done.get("hash") == digest:
                self.say(name, 1, 1, "already done (resumed)")
                self.state.update(done.get("state", {}))
                return StageRun(name, done["seconds"], done["peak_mb"], True, done["counts"])
        marker.unlink(missing_ok=True)
        from chronos.screen import stages

        reset_peak()
        start = time.perf_counter()
        counts = getattr(stages, f"run_{name}")(self, stage_dir)
        run = StageRun(name, round(time.perf_counter() - start, 3), peak_mb(), False, counts)
        _write_json(marker, {"stage": name, "hash": digest, "seconds": run.seconds,
                             "peak_mb": run.peak_mb, "counts": counts, "state": self.state,
                             "finished": dt.datetime.now().isoformat(timespec="seconds")})
        return run

    def _finish(self, runs: list[StageRun]) -> ScreenResult:
        _publish(self.work / "scorecard" / "publish", self.out)
        _publish(self.work / "dedupe" / "publish", self.out)
        card = json.loads((self.work / "scorecard" / "scorecard.json").read_text("utf-8"))
        files = sorted(str(p.relative_to(self.out)) for p in self.out.rglob("*")
                       if p.is_file() and "work" not in p.relative_to(self.out).parts)
        result = ScreenResult(self.out, self.opts.engine, self.state["as_of"],
                              self.state["period_start"], runs, card,
                              files + [COMPLETE_MARKER])
        _write_json(self.out / COMPLETE_MARKER, result.as_dict())
        return result


def _check_spark() -> None:
    """Refuse ``--engine spark`` before any work when pyspark or Java is missing."""
    import importlib.util
    import os

    if importlib.util.find_spec("pyspark") is None:
        raise ChronosError("the spark engine needs pyspark",
                           hint='pip install "chronos[spark]" (and Java 17)')
    if not os.environ.get("JAVA_HOME") and shutil.which("java") is None:
        raise ChronosError("the spark engine needs Java (17 or later)",
                           hint="install a Java runtime, or set JAVA_HOME")


# --------------------------------------------------------------------------- hashing

def _hash(*parts: Any) -> str:
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _input_hash(case, opts: ScreenOptions) -> str:
    """The sources as they are now: manifest, each file's size and mtime, mappings."""
    import chronos

    files = []
    for source in case.sources:
        stat = Path(source.path).stat() if Path(source.path).exists() else None
        files.append([source.name, source.file_label, source.format, source.agency,
                      source.mapping, source.options,
                      [stat.st_size, stat.st_mtime_ns] if stat else None])
    return _hash(chronos.__version__, case.as_of, files)


def _rules_fingerprint(opts: ScreenOptions) -> str:
    from chronos.patterns.engine import resolve_rules

    rules = resolve_rules(opts.rules, opts.params)
    return _hash([[r.id, r.type, r.raw, r.params] for r in rules])


def _stage_options(name: str, opts: ScreenOptions, case=None) -> Any:
    if name == "link":
        return [opts.link, opts.train, opts.engine, "households"]
    if name == "dedupe":
        return [opts.engine, (getattr(case, "settings", None) or {}).get("dedupe")]
    if name == "rules":
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
            with atomic_directory(out / item.name) as tmp:
                for child in item.iterdir():
                    shutil.copy2(child, tmp / child.name)
        else:
            with atomic_path(out / item.name) as tmp:
                shutil.copy2(item, tmp)


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


def _write_json(path: Path, data: dict) -> None:
    from chronos.report.safe_files import atomic_file

    with atomic_file(path, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


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
