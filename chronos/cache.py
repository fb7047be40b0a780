"""The case cache: what did not change since the last build is not computed again.

Reading the exports is most of a family case's build; a person working on a case builds
it again and again after changing one mapping, an override or a note. So a case build
(``build_case(cache=True)``, as every ``chronos`` command that builds a case does) keeps:

- each **source's reading** (its events, person records, relationships, quarantine,
  warnings and counts), keyed by the **content** of the file (SHA-256 of its bytes; of
  every file, for a folder source; never its name or date), the source's **manifest
  entry** (name, format, agency, path, options such as ``sheet`` or ``dayfirst``, the
  ``as_of`` date, or the day the build runs when there is none, since future-dated rows
  depend on it) and its **mapping** (its content);
- the **linking** of the person records (who is who), keyed by the content of the person
  records, the overrides file, the linking settings and the as-of date;
- the **findings** stage's results (findings, data-quality notes, harm index), keyed by
  the content of the events, persons and relationships, the as-of date, the case's rule
  parameters and any extra rule files or parameters;

and every key also holds the **chronos version and code** (a fingerprint of the package's
modules and data files, the rule catalogue among them), so an upgrade, or an edit of an
installed copy, never reuses an old result. De-duplication and the assembling of tables
run on every build (milliseconds), and outputs are always written afresh.

An entry is trusted only when its record (``entry.json``) parses, names this cache
format, chronos's code, the entry's kind and key, and every table file has the SHA-256
and the types the record lists; otherwise it is removed and the work done again, with a
note saying why (``result.cache_notes``, and a progress line). Only the latest entry of
each source and stage is kept, so a case's cache is about the size of its data.

**Where.** In the case's own folder, in a folder chronos makes and owns there,
``.chronos-cache`` beside ``case.yaml`` (so a case's cache goes where the case goes, and
nothing is written anywhere else), or in a folder a person names in
``$CHRONOS_CACHE_DIR`` (one folder per case there, named by a hash of the manifest's
path; useful when the case folder cannot be written, and for tests). chronos writes a
``CACHEDIR.TAG`` in a cache folder it makes (backup tools skip it) and uses, clears or
prunes a cache folder only when it holds that tag and is a real folder of the user's
own: a ``.chronos-cache`` that chronos did not make is left alone and the build reads
every source (with a note). Everything is owner-only (folders 0700, files 0600). The
cache holds personal data like the exports it was read from: ``chronos cache clear CASE``
removes it; under ``$CHRONOS_CACHE_DIR``, ``--all`` removes every case's, and a case's
cache not used for :data:`KEEP_DAYS` days is removed when chronos next opens the cache.
``--no-cache`` (or ``CHRONOS_NO_CACHE=1``) computes everything afresh and writes nothing.

Entries are Parquet tables and JSON, never pickles: reading an entry runs no code from it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import stat
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
ENTRY = "entry.json"
TAG = "CACHEDIR.TAG"
#: the cache folder chronos makes in a case's folder
CASE_FOLDER = ".chronos-cache"
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


def cache_root() -> Path | None:
    """The cache folder a person named (``$CHRONOS_CACHE_DIR``), or None: each case's
    cache is then in its own folder (:data:`CASE_FOLDER`)."""
    named = os.environ.get("CHRONOS_CACHE_DIR")
    return Path(named).expanduser() if named else None


def case_folder(manifest: str | Path, root: Path | None = None) -> Path:
    """The cache folder of the case whose manifest is ``manifest``: ``.chronos-cache``
    beside it, or a folder of its own in ``root`` (default: ``$CHRONOS_CACHE_DIR``)."""
    where = Path(manifest).resolve()
    root = root or cache_root()
    if root is None:
        return where.parent / CASE_FOLDER
    return root / "cases" / hashlib.sha256(str(where).encode()).hexdigest()[:24]


class NotOurs(OSError):
    """A cache folder that chronos did not make (it is left alone)."""


def owned(folder: Path) -> bool:
    """Whether ``folder`` is a cache folder chronos made: a real folder (not a link) of
    this user's, holding chronos's ``CACHEDIR.TAG``."""
    try:
        info = os.lstat(folder)
        if not stat.S_ISDIR(info.st_mode):
            return False
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            return False
        return (folder / TAG).read_bytes()[:len(_TAG_TEXT) + 1] == _TAG_TEXT.encode("ascii")
    except OSError:
        return False


def claim(folder: Path) -> Path:
    """``folder`` made (owner-only, with chronos's tag) when missing; :class:`NotOurs`
    when it exists and chronos did not make it."""
    if not os.path.lexists(folder):
        _private_dir(folder.parent)
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:       # another build made it meanwhile
            pass
        else:
            os.chmod(folder, 0o700)
            _write_quietly(folder / TAG, _TAG_TEXT.encode("ascii"))
    if not owned(folder):
        raise NotOurs(f"{folder} was not made by chronos (no chronos CACHEDIR.TAG in it, "
                      "or not a folder of yours): left alone")
    return folder


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
    contents, in name order). :class:`NotStorable` for anything that is not a regular file
    (a named pipe, a device) or a folder of them: the reader refuses those itself."""
    path = Path(path)
    if path.is_dir() and not path.is_symlink():
        digest = hashlib.sha256()
        for item in sorted(path.rglob("*")):
            if CASE_FOLDER in item.relative_to(path).parts:
                continue                 # the case's cache, if the case folder is a source
            if item.is_dir() and not item.is_symlink():
                continue
            digest.update(f"{item.relative_to(path).as_posix()}|{_file_sha(item)}\n".encode())
        return digest.hexdigest()
    return _file_sha(path)


def _file_sha(path: Path) -> str:
    """SHA-256 of a regular file, opened so that a named pipe cannot block."""
    from chronos.errors import ChronosError
    from chronos.safe_input import open_regular

    try:
        with open_regular(path) as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except (ChronosError, OSError) as exc:
        raise NotStorable(f"not a regular file: {path.name}") from exc


def source_key(source: Source) -> str:
    """The key of ``source``'s reading: its file's content, its manifest entry and
    mapping, the build's day when it has no ``as_of``, and chronos's code."""
    described = {
        "name": source.name, "format": source.format, "agency": source.agency,
        "path": os.path.abspath(source.path), "display_path": source.display_path,
        "options": source.options, "mapping": source.mapping, "subject": source.subject,
        "today": None if source.options.get("as_of") else dt.date.today().isoformat(),
    }
    content = content_digest(source.path)
    text = json.dumps([CACHE_FORMAT, code_fingerprint(), content, described], sort_keys=True,
                      default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _name_prefix(source_name: str) -> str:
    return hashlib.sha256(source_name.encode("utf-8")).hexdigest()[:16]


# --------------------------------------------------------------------------- entries


class StaleEntry(Exception):
    """A cache entry that cannot be trusted (damaged, from another version, another key)."""


class NotStorable(Exception):
    """A value that would not come back the same from the cache (it is not kept)."""


def store_entry(entry: Path, key: str, kind: str, values: dict) -> None:
    """Write ``values`` (tables, chronos dataclasses and plain data) as the entry
    ``entry``, atomically (a temporary folder renamed into place); :class:`NotStorable`
    when a value would not come back the same."""
    tables: dict[str, Any] = {}
    encoded = _encode(values, tables)
    record = {"cache_format": CACHE_FORMAT, "code": code_fingerprint(), "key": key,
              "kind": kind, "values": encoded, "tables": {},
              "written": dt.datetime.now().isoformat(timespec="seconds")}
    blobs = {}
    for name, frame in tables.items():
        data, facts = _frame_bytes(frame)
        blobs[name] = data
        record["tables"][name] = facts
    text = json.dumps(record, sort_keys=True)
    entry.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".entry-", dir=entry.parent))
    try:
        for name, data in blobs.items():
            _write(tmp / f"{name}.parquet", data)
        _write(tmp / ENTRY, text.encode("utf-8"))
        if entry.exists():
            shutil.rmtree(entry, ignore_errors=True)
        try:
            os.replace(tmp, entry)
        except OSError:       # another build stored the same reading meanwhile
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def load_entry(entry: Path, key: str, kind: str) -> dict:
    """The values stored in ``entry``; :class:`StaleEntry` when it cannot be trusted."""
    record = _read_record(entry, key, kind)
    tables = {}
    for name, facts in record["tables"].items():
        try:
            data = (entry / f"{name}.parquet").read_bytes()
        except OSError as exc:
            raise StaleEntry(f"cache entry damaged: table {name} unreadable") from exc
        if hashlib.sha256(data).hexdigest() != facts.get("sha256"):
            raise StaleEntry(f"cache entry damaged: table {name} does not match its checksum")
        tables[name] = _frame_load(data, facts, name)
    try:
        values = _decode(record["values"], tables)
    except (KeyError, TypeError, ValueError, AttributeError, ImportError) as exc:
        raise StaleEntry(f"cache entry damaged: {exc}") from exc
    _touch(entry)
    return values


def _read_record(entry: Path, key: str, kind: str) -> dict:
    try:
        record = json.loads((entry / ENTRY).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise StaleEntry("cache entry damaged: its record is unreadable") from exc
    if not isinstance(record, dict):
        raise StaleEntry("cache entry damaged: its record is not a record")
    if record.get("cache_format") != CACHE_FORMAT or record.get("code") != code_fingerprint():
        raise StaleEntry("cache entry from another version of chronos")
    if record.get("key") != key or record.get("kind") != kind:
        raise StaleEntry("cache entry for other contents")
    if not isinstance(record.get("tables"), dict) or "values" not in record:
        raise StaleEntry("cache entry damaged: its record is incomplete")
    return record


# --- values: tables apart, chronos dataclasses by name, plain data as JSON

def _encode(value, tables: dict):
    import pandas as pd

    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, (int, float)) and type(value) in (int, float):
        return value
    if isinstance(value, pd.DataFrame):
        name = f"t{len(tables)}"
        tables[name] = value
        return {"$table": name}
    if isinstance(value, list):
        return [_encode(v, tables) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise NotStorable("a mapping with keys that are not text")
        if any(k.startswith("$") for k in value):
            raise NotStorable("a mapping with a key starting with $")
        return {k: _encode(v, tables) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and type(value).__module__.startswith("chronos."):
        cls = type(value)
        return {"$dataclass": f"{cls.__module__}:{cls.__qualname__}",
                "fields": {f.name: _encode(getattr(value, f.name), tables)
                           for f in dataclasses.fields(value) if f.init}}
    raise NotStorable(f"a value of type {type(value).__name__}")


def _decode(value, tables: dict):
    import importlib

    if isinstance(value, list):
        return [_decode(v, tables) for v in value]
    if not isinstance(value, dict):
        return value
    if "$table" in value:
        return tables[value["$table"]]
    if "$dataclass" in value:
        module, _, name = value["$dataclass"].partition(":")
        if not module.startswith("chronos."):
            raise ValueError(f"not a chronos class: {value['$dataclass']}")
        cls = getattr(importlib.import_module(module), name)
        if not dataclasses.is_dataclass(cls):
            raise ValueError(f"not a dataclass: {value['$dataclass']}")
        return cls(**{k: _decode(v, tables) for k, v in value["fields"].items()})
    return {k: _decode(v, tables) for k, v in value.items()}


def _frame_bytes(frame) -> tuple[bytes, dict]:
    """A table as Parquet bytes and the facts to check and restore it: text columns of
    plain Python objects come back as such (missing values as None)."""
    import pandas as pd

    index = frame.index
    if not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1):
        raise NotStorable("a table without the default index")
    if not all(isinstance(c, str) for c in frame.columns) or frame.columns.has_duplicates:
        raise NotStorable("a table whose column names are not distinct text")
    objects = [c for c in frame.columns if frame[c].dtype == object]
    for column in objects:
        if not all(type(v) is str for v in frame[column].dropna()):
            raise NotStorable(f"column {column!r} holds values that are not text")
    buffer = io.BytesIO()
    try:
        frame.to_parquet(buffer, index=False)
    except Exception as exc:  # pyarrow refuses a column it cannot type
        raise NotStorable(f"a table Parquet cannot hold: {exc}") from exc
    data = buffer.getvalue()
    return data, {"sha256": hashlib.sha256(data).hexdigest(), "rows": len(frame),
                  "objects": objects, "dtypes": [str(d) for d in frame.dtypes]}


def _frame_load(data: bytes, facts: dict, name: str):
    import pandas as pd

    try:
        frame = pd.read_parquet(io.BytesIO(data))
        for column in facts.get("objects", []):
            values = frame[column].astype(object)
            frame[column] = values.where(values.notna(), None)
    except Exception as exc:  # a file that matched its checksum but does not parse
        raise StaleEntry(f"cache entry damaged: table {name} unreadable") from exc
    if len(frame) != facts.get("rows") or [str(d) for d in frame.dtypes] != facts.get("dtypes"):
        raise StaleEntry(f"cache entry damaged: table {name} is not as it was stored")
    return frame


# --------------------------------------------------------------------------- digests


def frame_digest(frame) -> str:
    """A hash of a table's content (columns, types and every value)."""
    import pandas as pd

    digest = hashlib.sha256()
    if frame is None:
        return "none"
    digest.update(json.dumps([[str(c), str(t)] for c, t in frame.dtypes.items()]).encode())
    if len(frame):
        rows = pd.util.hash_pandas_object(frame.astype(object), index=False)
        digest.update(rows.to_numpy().tobytes())
    return digest.hexdigest()


def file_digest(path) -> str | None:
    """SHA-256 of a file's or a folder's content, None when there is none (and something
    that is not a key, never equal to another, for a file that cannot be read as one)."""
    if path is None:
        return None
    path = Path(path)
    if not path.exists():
        return "missing"
    try:
        return content_digest(path)
    except NotStorable:
        return f"unreadable {time.time_ns()}"


def inputs_digest(*parts: Any) -> str:
    """A key from plain parts (with chronos's code)."""
    text = json.dumps([CACHE_FORMAT, code_fingerprint(), *parts], sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- the cache


@dataclass
class CaseCache:
    """The cache of one case: its sources' readings (:meth:`read`) and what a stage
    computed from given inputs (:meth:`recall`, :meth:`keep`). ``folder`` None: caching
    is off. Made unopened (``CaseCache(wanted=True)``), it opens on the first
    :meth:`open` with the case, so that the stages of one build can share it."""

    folder: Path | None = None
    notes: list[CacheNote] = field(default_factory=list)
    wanted: bool = False
    opened: bool = False
    #: why an entry was not trusted, until the reading that replaces it is kept
    stale: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def for_case(cls, case, *, enabled: bool = True) -> CaseCache:
        """The cache of ``case`` (a :class:`chronos.case.Case`), opened."""
        return cls(wanted=enabled).open(case)

    def open(self, case) -> CaseCache:
        """Open the cache of ``case`` (once); off when not wanted, when
        ``CHRONOS_NO_CACHE`` is set, or when the cache folder cannot be made (a note says
        why)."""
        if self.opened:
            return self
        self.opened = True
        if not self.wanted or disabled_by_environment():
            return self
        try:
            root = cache_root()
            if root is not None:
                _open_root(root)
            folder = claim(case_folder(case.manifest_path, root))
            _touch(folder)
            if root is not None:
                _prune(root)
        except OSError as exc:
            self.notes.append(CacheNote("all sources", "off",
                                        f"cache folder not usable: {exc}"))
            return self
        self.folder = folder
        return self

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    def read(self, source: Source, reader: Callable[[Source], SourceResult]) -> SourceResult:
        """``source`` read through the cache: the stored reading when its key matches and
        the entry checks out, else ``reader(source)`` (then stored)."""
        if self.folder is None:
            return reader(source)
        try:
            key = source_key(source)
        except NotStorable:           # not a regular file: the reader says what it is
            return reader(source)
        label = f"source:{source.name}"
        values = self.recall(label, key, note=source.name)
        if values is not None:
            return _source_result(source, values)
        result = reader(source)
        self.keep(label, key, {name: getattr(result, name) for name in SOURCE_FIELDS},
                  note=source.name)
        return result

    def recall(self, name: str, key: str, *, note: str | None = None) -> dict | None:
        """The values kept under ``name`` for ``key``, or None (a damaged or stale entry
        is removed, and the next :meth:`keep` notes why)."""
        if self.folder is None:
            return None
        entry = self._entry(name, key)
        if not entry.exists():
            return None
        try:
            values = load_entry(entry, key, name)
        except StaleEntry as exc:
            shutil.rmtree(entry, ignore_errors=True)
            self.stale[name] = str(exc)
            return None
        self.notes.append(CacheNote(note or name, "hit"))
        return values

    def keep(self, name: str, key: str, values: dict, *, note: str | None = None) -> None:
        """Keep ``values`` under ``name`` for ``key`` (replacing what was kept before)."""
        if self.folder is None:
            return
        entry = self._entry(name, key)
        problem = self.stale.pop(name, None)
        try:
            store_entry(entry, key, name, values)
            stored, why = True, ""
        except (NotStorable, OSError) as exc:
            stored, why = False, f"not kept: {exc}"
        if stored:
            prefix = entry.name.split("-")[0]
            for other in self.folder.glob(f"{prefix}-*"):
                if other != entry and other.is_dir():
                    shutil.rmtree(other, ignore_errors=True)
        status = ("rebuilt" if problem else "stored") if stored else "off"
        message = "; ".join(m for m in (problem and f"{problem}, read again", why) if m)
        self.notes.append(CacheNote(note or name, status, message))

    def _entry(self, name: str, key: str) -> Path:
        return self.folder / f"{_name_prefix(name)}-{key[:40]}"


#: what a source's reading is made of (besides the source itself)
SOURCE_FIELDS = ("format", "events", "persons", "relationships", "quarantine", "warnings",
                 "records_read", "records_to_data", "records_skipped", "info")


def _source_result(source: Source, values: dict) -> SourceResult:
    from chronos.ingest.base import SourceResult

    return SourceResult(source=source, **{k: values[k] for k in SOURCE_FIELDS})


# --------------------------------------------------------------------------- files


def _write(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _private_dir(path: Path) -> Path:
    from chronos.report.safe_files import private_dir

    return private_dir(path)


def _open_root(root: Path) -> Path:
    """The named cache folder, made owner-only with its CACHEDIR.TAG when missing;
    :class:`NotOurs` when it exists and chronos did not make it."""
    if not os.path.lexists(root):
        _private_dir(root)
        _write_quietly(root / TAG, _TAG_TEXT.encode("ascii"))
    elif not (root / TAG).exists() and root.is_dir() and not any(root.iterdir()):
        _write_quietly(root / TAG, _TAG_TEXT.encode("ascii"))     # an empty folder named
    if not owned(root):
        raise NotOurs(f"{root} was not made by chronos (no chronos CACHEDIR.TAG in it, or "
                      "not a folder of yours): left alone")
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
        if owned(folder) and folder.stat().st_mtime < limit:
            shutil.rmtree(folder, ignore_errors=True)


def _size(folder: Path) -> tuple[int, int]:
    entries = [p for p in folder.iterdir() if p.is_dir()] if folder.is_dir() else []
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) \
        if folder.is_dir() else 0
    return len(entries), size


def clear(manifest: str | Path | None = None) -> Cleared:
    """Remove the cache of the case whose manifest is ``manifest`` (None: every case's in
    ``$CHRONOS_CACHE_DIR``); a folder chronos did not make is never removed
    (:class:`chronos.errors.ChronosError`)."""
    from chronos.errors import ChronosError

    root = cache_root()
    if manifest is None:
        if root is None:
            raise ChronosError("each case keeps its cache in its own folder "
                               f"({CASE_FOLDER}): name the case",
                               hint="chronos cache clear CASE")
        cases = root / "cases"
        folders = [f for f in (cases.iterdir() if cases.is_dir() else ()) if owned(f)]
    else:
        folder = case_folder(manifest, root)
        if os.path.lexists(folder) and not owned(folder):
            raise ChronosError(f"{folder} was not made by chronos: left alone",
                               hint="remove it yourself if it is not needed")
        folders = [folder] if folder.is_dir() else []
    entries = size = 0
    for folder in folders:
        n, s = _size(folder)
        entries, size = entries + n, size + s
        shutil.rmtree(folder)
    return Cleared(case_folder(manifest, root) if manifest is not None else root / "cases",
                   entries, size)


def describe(manifest: str | Path) -> dict[str, Any]:
    """Where a case's cache is, how many readings it holds and their size in bytes."""
    folder = case_folder(manifest)
    entries, size = _size(folder)
    return {"folder": str(folder), "entries": entries, "bytes": size}
