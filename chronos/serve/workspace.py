"""The workspace's state: the cases it serves, each case's latest build, builds running.

A workspace is opened on a case (a ``case.yaml`` or its folder) or on a folder of cases
(every folder below it, two levels deep, that holds a ``case.yaml``). Each case is known
by a short key (its folder's name, made unique). A case is loaded (built in memory with
:func:`chronos.app.case_result`, through the case's cache of ingested sources) the first
time a page needs it, and built with
:func:`chronos.app.build` (outputs written to its output folder, beside the case folder:
:func:`default_out`, unless the server was given ``--out``) when a person asks; either runs in a
thread, and its progress lines are kept for the page that shows them.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from chronos.report.safe_files import MARKER  # in each output folder chronos writes

MANIFEST = "case.yaml"


def default_out(case_root: Path) -> Path:
    """Where a case's builds go unless the server was given ``--out``: beside the case
    folder (``smith`` -> ``smith-chronos-out``), since chronos never writes into a case's
    input folders."""
    return case_root.parent / f"{case_root.name}-chronos-out"


@dataclass
class Job:
    """One load or build of a case, running or done."""

    kind: str                       # "load" or "build"
    started: float = field(default_factory=time.monotonic)
    messages: list[str] = field(default_factory=list)
    done: bool = False
    error: str = ""
    seconds: float = 0.0

    def say(self, message: str) -> None:
        self.messages.append(message)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "done": self.done, "error": self.error,
                "messages": self.messages[-12:], "steps": len(self.messages),
                "seconds": round(self.seconds or time.monotonic() - self.started, 1)}


@dataclass
class CaseEntry:
    """A case the workspace serves: its key in URLs, its manifest and folders."""

    key: str
    manifest: Path
    out: Path
    result: object = None            # the latest CaseResult (None until loaded)
    rows: object = None              # its chronology rows (all columns)
    job: Job | None = None
    built: bool = False              # outputs written by this server
    cache: dict = field(default_factory=dict)   # what pages make once per reading

    @property
    def root(self) -> Path:
        return self.manifest.parent

    @property
    def name(self) -> str:
        result = self.result
        return getattr(result, "name", None) or self.root.name


class Workspace:
    """The cases under ``path`` and what has been done with them in this run."""

    def __init__(self, path: str | Path, out: str | Path | None = None):
        self.path = Path(path).resolve()
        if self.path.is_file():
            self.path = self.path.parent
        self.out = Path(out).resolve() if out else None
        self.lock = threading.Lock()
        self.entries: dict[str, CaseEntry] = {}
        self.refresh()

    # ------------------------------------------------------------------ cases

    def refresh(self) -> None:
        """Find the cases (again): the folder itself, or the folders below it."""
        found = [self.path / MANIFEST] if (self.path / MANIFEST).is_file() else sorted(
            p for pattern in ("*/" + MANIFEST, "*/*/" + MANIFEST)
            for p in self.path.glob(pattern) if p.is_file())
        with self.lock:
            known = {e.manifest: e for e in self.entries.values()}
            entries: dict[str, CaseEntry] = {}
            for manifest in found:
                entry = known.get(manifest)
                if entry is None:
                    key = _unique(_slug(manifest.parent.name), entries)
                    out = self.out if self.out and len(found) == 1 else \
                        (self.out / key if self.out else default_out(manifest.parent))
                    entry = CaseEntry(key, manifest, out)
                entries[entry.key] = entry
            self.entries = entries

    def is_case(self) -> bool:
        """Whether the workspace was opened on one case (not a folder of cases)."""
        return (self.path / MANIFEST).is_file()

    def cases(self) -> list[CaseEntry]:
        return list(self.entries.values())

    def case(self, key: str) -> CaseEntry | None:
        return self.entries.get(key)

    def folders(self) -> list[Path]:
        """The workspace folder and the folders in it that hold files (in them or a level
        below) and no case: candidates for a new case from a folder of exports."""
        cased = {e.root for e in self.entries.values()}
        found = []
        for folder in sorted(p for p in [self.path, *self.path.glob("*/")] if p.is_dir()):
            if folder in cased or folder.name.startswith(".") \
                    or (folder / MARKER).exists() or any(c in folder.parents for c in cased):
                continue
            files = [f for pattern in ("*", "*/*") for f in folder.glob(pattern)]
            if any(f.is_file() and not f.name.startswith(".") for f in files):
                found.append(folder)
        return found

    def inside(self, path: str | Path) -> Path | None:
        """``path`` (relative to the workspace, or absolute) if it lies inside it."""
        target = (self.path / path).resolve()
        return target if target == self.path or self.path in target.parents else None

    # ------------------------------------------------------------------ jobs

    def ensure_loaded(self, entry: CaseEntry) -> None:
        """Start loading ``entry`` in memory if nothing has been loaded or started."""
        with self.lock:
            if entry.result is not None or (entry.job and not entry.job.done):
                return
            if entry.job and entry.job.error:
                return
            entry.job = Job("load")
        threading.Thread(target=self._run, args=(entry, entry.job), daemon=True).start()

    def start_build(self, entry: CaseEntry) -> Job:
        """Build ``entry`` and write its outputs, unless a job is running for it."""
        with self.lock:
            if entry.job and not entry.job.done:
                return entry.job
            entry.job = Job("build")
        threading.Thread(target=self._run, args=(entry, entry.job), daemon=True).start()
        return entry.job

    def _run(self, entry: CaseEntry, job: Job) -> None:
        from chronos import app
        from chronos.errors import ChronosError
        from chronos.report.chronology import chronology_rows

        try:
            if job.kind == "build":
                result = app.build(entry.manifest, entry.out, progress=job.say)
                entry.built = True
            else:
                result = app.case_result(entry.manifest, progress=job.say)
            rows = chronology_rows(result)
            with self.lock:  # pages read the two together
                entry.rows, entry.result = rows, result
            job.say("done")
        except ChronosError as exc:
            job.error = str(exc)
        except Exception as exc:  # an internal fault: shown on the page, not a traceback
            job.error = f"internal error: {type(exc).__name__}: {exc}"
        finally:
            job.seconds = time.monotonic() - job.started
            job.done = True

    def wait(self, entry: CaseEntry, timeout: float = 600) -> None:
        """Block until ``entry``'s job is done (tests and the benchmark)."""
        deadline = time.monotonic() + timeout
        while entry.job and not entry.job.done and time.monotonic() < deadline:
            time.sleep(0.05)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "case"


def _unique(key: str, taken: dict) -> str:
    number, candidate = 2, key
    while candidate in taken:
        candidate, number = f"{key}-{number}", number + 1
    return candidate
