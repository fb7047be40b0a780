"""The cache of ingested sources: a source whose file and description did not change is
not read again.

Reading the exports is most of a family case's build; a person working on a case builds
it again and again after changing one mapping, an override or a note. So each source's
ingest result (its events, person records, relationships, quarantine, warnings and
counts) is kept after it is read, keyed by everything the result depends on:

- the **content** of the file (SHA-256 of its bytes; of every file, for a folder source),
  never its name or modification time;
- the source's **manifest entry** (name, format, agency, path, options such as ``sheet`` or
  ``dayfirst``, and the ``as_of`` date; the day the build runs when there is none, since
  future-dated rows depend on it) and its **mapping** (the mapping's content);
- the **chronos version and code** (a fingerprint of the package's modules and data files,
  so an upgrade, or an edit of an installed copy, never reuses an old reading).

A source with the same key is taken from the cache; anything else is read and stored.
An entry is trusted only when its record (``entry.json``) parses, names this cache format,
chronos version, code and key, and every table file has the SHA-256 the record lists;
otherwise it is removed and the source read again, with a note saying why. Only the last
reading of each source is kept, so a case's cache is never bigger than its ingested data.

**Where.** In the user's own cache folder, never in the case folder (chronos never writes
among a case's inputs: ``chronos.report.safe_files``): ``$CHRONOS_CACHE_DIR`` if set, else
``$XDG_CACHE_HOME/chronos`` or ``~/.cache/chronos`` (``~/Library/Caches/chronos`` on macOS,
``%LOCALAPPDATA%/chronos/cache`` on Windows), one folder per case (named by a hash of the
manifest's path). Everything is owner-only (folders 0700, files 0600). The cache holds
personal data like the exports it was read from: a case's cache is removed by
``chronos cache clear CASE`` (``--all``: every case's), and a case's cache not used for
:data:`KEEP_DAYS` days is removed when chronos next opens the cache. ``--no-cache`` (or
``CHRONOS_NO_CACHE=1``) reads every source afresh and writes nothing.

Only ingest is cached: linking, de-duplication and the rules run on every build (they
depend on every source together, the overrides and the rules, and take well under a
second on a family case), and outputs are always written afresh.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from chronos.ingest.base import Source, SourceResult

#: the layout of an entry; a change makes every older entry stale
CACHE_FORMAT = 1
#: a case's cache not used for this many days is removed
KEEP_DAYS = 30
TABLES = ("events", "persons", "relationships")
ENTRY = "entry.json"
TAG = "CACHEDIR.TAG"
_TAG_TEXT = ("Signature: 8a477f597d28d172789f06886806bc55\n"
             "# chronos's cache of ingested exports (personal data): chronos cache clear\n")


@dataclass
class CacheNote:
    """What the cache did for one source: ``hit`` (taken from the cache), ``stored``
    (read and kept), ``rebuilt`` (an entry was stale or damaged: read again) or ``off``."""

    source: str
    status: str
    message: str = ""

    def __str__(self) -> str:
        text = f"{self.source}: {self.status}"
        return f"{text} ({self.message})" if self.message else text


@dataclass
class Cleared:
    """What ``chronos cache clear`` removed."""

    folder: Path
    entries: int
    bytes: int

    def as_dict(self) -> dict:
        return {"folder": str(self.folder), "entries": self.entries, "bytes": self.bytes}


# --------------------------------------------------------------------------- where


def cache_root() -> Path:
    """The user's chronos cache folder (see the module's docstring)."""
    if os.environ.get("CHRONOS_CACHE_DIR"):
        return Path(os.environ["CHRONOS_CACHE_DIR"]).expanduser()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "chronos" / "cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "chronos"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "chronos"


def case_folder(manifest: str | Path, root: Path | None = None) -> Path:
    """The cache folder of the case whose manifest is ``manifest``."""
    where = str(Path(manifest).resolve())
    return (root or cache_root()) / "cases" / hashlib.sha256(where.encode()).hexdigest()[:24]


def disabled_by_environment() -> bool:
    """True when ``CHRONOS_NO_CACHE`` is set (to anything but 0 or empty)."""
    return os.environ.get("CHRONOS_NO_CACHE", "") not in ("", "0")


# --------------------------------------------------------------------------- keys


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of chronos's version and of every module and data file of the package (name,
    size, modification time): a different chronos never reuses a reading."""
    import chronos

    package = Path(chronos.__file__).parent
    digest = hashlib.sha256(f"{chronos.__version__}|{CACHE_FORMAT}".encode())
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".yaml", ".csv", ".json") and "__pycache__" not in path.parts:
            stat = path.stat()
            digest.update(f"{path.relative_to(package)}|{stat.st_size}|{stat.st_mtime_ns}\n"
                          .encode())
    return digest.hexdigest()


def content_digest(path: Path) -> str:
    """SHA-256 of a file's bytes; for a folder, of every file under it (relative names and
    contents, in name order)."""
    path = Path(path)
    if path.is_dir():
        digest = hashlib.sha256()
        for item in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(f"{item.relative_to(path).as_posix()}|{_file_sha(item)}\n".encode())
        return digest.hexdigest()
    return _file_sha(path)


def _file_sha(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def source_key(source: Source) -> str:
    """The key of ``source``'s reading: its file's content, its manifest entry and
    mapping, the build's day when it has no ``as_of``, and chronos's code."""
    described = {
        "name": source.name, "format": source.format, "agency": source.agency,
        "path": str(Path(source.path).resolve()), "display_path": source.display_path,
        "options": source.options, "mapping": source.mapping,
        "today": None if source.options.get("as_of") else dt.date.today().isoformat(),
    }
    text = json.dumps([CACHE_FORMAT, code_fingerprint(), content_digest(source.path),
                       described], sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _name_prefix(source_name: str) -> str:
    return hashlib.sha256(source_name.encode("utf-8")).hexdigest()[:16]


# --------------------------------------------------------------------------- the cache


@dataclass
class SourceCache:
    """The cache of one case's ingested sources (``folder`` None: caching is off)."""

    folder: Path | None
    notes: list[CacheNote] = field(default_factory=list)

    @classmethod
    def for_case(cls, case, *, enabled: bool = True) -> SourceCache:
        """The cache of ``case`` (a :class:`chronos.case.Case`); off when not ``enabled``,
        when ``CHRONOS_NO_CACHE`` is set, or when the cache folder cannot be made (a note
        says why)."""
        if not enabled or disabled_by_environment():
            return cls(None)
        try:
            root = _open_root(cache_root())
            folder = case_folder(case.manifest_path, root)
            _private_dir(folder)
            _touch(folder)
            _prune(root)
        except OSError as exc:
            return cls(None, [CacheNote("all sources", "off", f"cache folder not usable: {exc}")])
        return cls(folder)

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    def read(self, source: Source, reader: Callable[[Source], SourceResult]) -> SourceResult:
        """``source`` read through the cache: the stored reading when its key matches and
        the entry checks out, else ``reader(source)`` (then stored)."""
        if self.folder is None:
            return reader(source)
        key = source_key(source)
        entry = self.folder / f"{_name_prefix(source.name)}-{key[:40]}"
        problem = None
        if entry.exists():
            try:
                result = load_entry(entry, key, source)
                self.notes.append(CacheNote(source.name, "hit"))
                return result
            except StaleEntry as exc:
                problem = str(exc)
                shutil.rmtree(entry, ignore_errors=True)
        result = reader(source)
        self._store(entry, key, source, result, problem)
        return result

    def _store(self, entry: Path, key: str, source: Source, result: SourceResult,
               problem: str | None) -> None:
        try:
            stored = store_entry(entry, key, result)
            why = "" if stored else "not kept: the reading's details are not plain data"
        except (OSError, ValueError, TypeError) as exc:
            stored, why = False, f"not kept: {exc}"
        if stored:
            self._drop_older(entry, source.name)
            status = "rebuilt" if problem else "stored"
        else:
            status = "off"
        message = "; ".join(m for m in (problem and f"{problem}, read again", why) if m)
        self.notes.append(CacheNote(source.name, status, message))

    def _drop_older(self, keep: Path, source_name: str) -> None:
        """Remove the source's other (older) readings."""
        for other in self.folder.glob(f"{_name_prefix(source_name)}-*"):
            if other != keep and other.is_dir():
                shutil.rmtree(other, ignore_errors=True)


class StaleEntry(Exception):
    """A cache entry that cannot be trusted (damaged, from another version, another key)."""


def store_entry(entry: Path, key: str, result: SourceResult) -> bool:
    """Write ``result`` as the entry ``entry`` (atomically: a temporary folder renamed);
    False when the result cannot be stored faithfully (its details are not plain data)."""
    record = _record(key, result)
    if record is None:
        return False
    tmp = Path(tempfile.mkdtemp(prefix=".entry-", dir=entry.parent))
    try:
        for table in TABLES:
            frame = getattr(result, table)
            if frame is None:
                continue
            data = _parquet_bytes(frame)
            _write(tmp / f"{table}.parquet", data)
            record["tables"][table] = {"sha256": hashlib.sha256(data).hexdigest(),
                                       "rows": len(frame)}
        _write(tmp / ENTRY, json.dumps(record, sort_keys=True).encode("utf-8"))
        try:
            os.replace(tmp, entry)
        except OSError:       # another build stored the same reading meanwhile
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return True


def load_entry(entry: Path, key: str, source: Source) -> SourceResult:
    """The reading stored in ``entry``; :class:`StaleEntry` when it cannot be trusted."""
    import pandas as pd

    from chronos.ingest.base import SourceResult

    record = _read_record(entry, key)
    tables = {}
    for table, facts in record["tables"].items():
        try:
            data = (entry / f"{table}.parquet").read_bytes()
        except OSError as exc:
            raise StaleEntry(f"cache entry damaged: {table} table unreadable") from exc
        if hashlib.sha256(data).hexdigest() != facts.get("sha256"):
            raise StaleEntry(f"cache entry damaged: {table} table does not match its checksum")
        try:
            tables[table] = pd.read_parquet(io.BytesIO(data))
        except Exception as exc:  # a file that matched its checksum but does not parse
            raise StaleEntry(f"cache entry damaged: {table} table unreadable") from exc
        if len(tables[table]) != facts.get("rows"):
            raise StaleEntry(f"cache entry damaged: {table} table has the wrong row count")
    _touch(entry)
    return SourceResult(
        source=source, format=record["format"], events=tables.get("events"),
        persons=tables.get("persons"), relationships=tables.get("relationships"),
        quarantine=_issues(record["quarantine"]), warnings=_issues(record["warnings"]),
        records_read=record["records_read"], records_to_data=record["records_to_data"],
        records_skipped=record["records_skipped"], info=record["info"])


def _read_record(entry: Path, key: str) -> dict:
    try:
        record = json.loads((entry / ENTRY).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise StaleEntry("cache entry damaged: its record is unreadable") from exc
    if not isinstance(record, dict):
        raise StaleEntry("cache entry damaged: its record is not a record")
    for name, wanted in (("cache_format", CACHE_FORMAT), ("code", code_fingerprint()),
                         ("key", key)):
        if record.get(name) != wanted:
            raise StaleEntry("cache entry from another version of chronos" if name != "key"
                             else "cache entry for other contents")
    if not isinstance(record.get("tables"), dict) or set(record["tables"]) - set(TABLES):
        raise StaleEntry("cache entry damaged: its tables are not listed")
    return record


def _record(key: str, result: SourceResult) -> dict | None:
    """The entry's record without the tables; None when a detail would not come back the
    same from JSON (such a reading is not cached)."""
    record = {
        "cache_format": CACHE_FORMAT, "code": code_fingerprint(), "key": key,
        "source": result.source.name, "format": result.format,
        "quarantine": [_issue_dict(i) for i in result.quarantine],
        "warnings": [_issue_dict(i) for i in result.warnings],
        "records_read": int(result.records_read),
        "records_to_data": int(result.records_to_data),
        "records_skipped": {str(k): int(v) for k, v in result.records_skipped.items()},
        "info": result.info, "written": dt.datetime.now().isoformat(timespec="seconds"),
    }
    try:
        if json.loads(json.dumps(record)) != record:
            return None
    except (TypeError, ValueError):
        return None
    if dict(result.records_skipped) != record["records_skipped"]:
        return None
    record["tables"] = {}
    return record


def _issue_dict(issue) -> dict:
    return {"code": issue.code, "message": issue.message, "source_file": issue.source_file,
            "source_ref": issue.source_ref, "column": issue.column, "value": issue.value,
            "severity": issue.severity, "extra": issue.extra}


def _issues(items: list[dict]) -> list:
    from chronos.errors import Issue

    return [Issue(**item) for item in items]


def _parquet_bytes(frame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=None)
    return buffer.getvalue()


# --------------------------------------------------------------------------- files


def _write(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _private_dir(path: Path) -> Path:
    from chronos.report.safe_files import private_dir

    return private_dir(path)


def _open_root(root: Path) -> Path:
    """The cache root, made owner-only with its CACHEDIR.TAG (backup tools skip it)."""
    _private_dir(root)
    tag = root / TAG
    if not tag.exists():
        _write_quietly(tag, _TAG_TEXT.encode("ascii"))
    return root


def _write_quietly(path: Path, data: bytes) -> None:
    try:
        _write(path, data)
    except FileExistsError:
        pass


def _touch(path: Path) -> None:
    os.utime(path)


def _prune(root: Path) -> None:
    """Remove every case's cache not used for :data:`KEEP_DAYS` days."""
    limit = time.time() - KEEP_DAYS * 86400
    cases = root / "cases"
    for folder in cases.iterdir() if cases.is_dir() else ():
        if folder.is_dir() and folder.stat().st_mtime < limit:
            shutil.rmtree(folder, ignore_errors=True)


def _size(folder: Path) -> tuple[int, int]:
    entries = [p for p in folder.iterdir() if p.is_dir()] if folder.is_dir() else []
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) \
        if folder.is_dir() else 0
    return len(entries), size


def clear(manifest: str | Path | None = None) -> Cleared:
    """Remove the cache of the case whose manifest is ``manifest`` (None: every case's)."""
    root = cache_root()
    folder = case_folder(manifest, root) if manifest is not None else root / "cases"
    entries, size = (0, 0)
    if manifest is None:
        for case in (folder.iterdir() if folder.is_dir() else ()):
            n, s = _size(case)
            entries, size = entries + n, size + s
    else:
        entries, size = _size(folder)
    if folder.is_dir():
        shutil.rmtree(folder)
    return Cleared(folder, entries, size)


def describe(manifest: str | Path) -> dict[str, Any]:
    """Where a case's cache is, how many readings it holds and their size in bytes."""
    folder = case_folder(manifest)
    entries, size = _size(folder)
    return {"folder": str(folder), "entries": entries, "bytes": size}
