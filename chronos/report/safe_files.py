"""Writing outputs safely: owner-only permissions, atomic files and folders, folders that
chronos never takes from anyone, and cells that spreadsheet programs cannot run as
formulas.

Outputs hold sensitive data about children, so every file chronos writes is readable
only by its owner (0600, folders 0700) and appears complete or not at all. And outputs
never cost anyone a file:

- every output folder chronos makes holds a marker, ``.chronos-output.json``, listing
  the files chronos wrote there (size, hash); chronos replaces a folder only when the
  marker says it is chronos's, and writes into an existing folder only when it is empty
  or chronos's;
- files a person added to an output folder are kept (moved into the new output), and a
  file chronos wrote that was changed since is never overwritten (the run is refused);
- an output folder may not be, hold, or lie inside the case's input folders, and may not
  be a file, a symbolic link, or lie under a file;
- one run at a time writes an output folder (a lock file, ``.NAME.chronos-lock``, beside
  it while the run writes); a second waits up to :data:`LOCK_WAIT` seconds, then stops
  with a clear error;
- temporary folders and files carry ``chronos-`` in their names (``.NAME.chronos-XXXX.part``,
  ``.staging``, ``.old``); what a killed run left behind is cleaned up by the next run
  that writes the same output, and only when it is provably chronos's (its marker, or
  for single files its name) and no live run holds it (the lock).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from chronos.errors import OutputError

try:  # POSIX; elsewhere runs are not locked against each other
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
FILE_MODE = 0o600
DIR_MODE = 0o700
#: the file in every output folder chronos makes: what it wrote there
MARKER = ".chronos-output.json"
#: every temporary name chronos makes carries this tag
TAG = "chronos-"
#: seconds a run waits for another run that writes the same output folder
def _lock_wait() -> float:
    try:
        return max(0.0, float(os.environ.get("CHRONOS_LOCK_WAIT", "30")))
    except ValueError:
        return 30.0


LOCK_WAIT = _lock_wait()
#: files up to this size are hashed in the marker (larger: size and time only)
HASH_LIMIT = 256 * 2**20
_MARKER_MAX_BYTES = 64 * 2**20
_CSV_SPECIAL = re.compile('[,"\r\n\t]')
_MARKER_PART = re.compile(rf"^\.{re.escape(MARKER)}\.{TAG}\d+\.part$")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# --------------------------------------------------------------------------- cells


def neutralise(value):
    """A cell value that a spreadsheet will show as text, never run as a formula.

    Text starting with ``= + - @``, tab or carriage return gets a leading apostrophe;
    plain negative numbers written as text (``-3``, ``-2.5``) are left alone.
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_TRIGGERS):
        return value
    if value[0] in "+-" and _is_number(value):
        return value
    return "'" + value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def visible(value):
    """Text that XML documents (xlsx, docx) can hold: each control character they cannot
    (NUL, ESC, ...) replaced by its visible symbol (U+2400 + code, e.g. NUL -> '␀'),
    broken surrogates and U+FFFE/U+FFFF by '�'. Nothing is dropped silently."""
    if not isinstance(value, str) or not _XML_ILLEGAL.search(value):
        return value
    return _XML_ILLEGAL.sub(_symbol, value)


def _symbol(match: re.Match) -> str:
    code = ord(match.group())
    return chr(0x2400 + code) if code < 0x20 else "\ufffd"


def neutralise_frame(frame):
    """A copy of ``frame`` with every text cell passed through :func:`neutralise`."""
    from pandas.api.types import is_object_dtype, is_string_dtype

    frame = frame.copy()
    for column in frame.columns:
        if is_object_dtype(frame[column]) or is_string_dtype(frame[column]):
            frame[column] = frame[column].map(neutralise, na_action="ignore")
    return frame


def csv_line(fields: Iterable[str], lineterminator: str = "\n") -> str:
    """One CSV row: a field holding a comma, a quote, a line break (CR or LF) or a tab
    is quoted, so no spreadsheet starts a new row or cell inside it."""
    fields = list(fields)
    if fields == [""]:
        return '""' + lineterminator
    return ",".join('"' + f.replace('"', '""') + '"' if _CSV_SPECIAL.search(f) else f
                    for f in fields) + lineterminator


def csv_text(frame, *, header: bool = True, neutralised: bool = False) -> str:
    """``frame`` as UTF-8 CSV text (LF line ends), formula-safe, every value with a CR,
    LF or tab quoted (pandas quotes only values with LF)."""
    if not neutralised:
        frame = neutralise_frame(frame)
    if not _has_cr_or_tab(frame):
        return frame.to_csv(index=False, header=header, lineterminator="\n")
    raw = frame.to_csv(index=False, header=header, lineterminator="\n",
                       quoting=csv.QUOTE_ALL)
    return "".join(csv_line(row) for row in csv.reader(io.StringIO(raw, newline="")))


def _has_cr_or_tab(frame) -> bool:
    from pandas.api.types import is_object_dtype, is_string_dtype

    for column in frame.columns:
        values = frame[column]
        if is_object_dtype(values) or is_string_dtype(values):
            if values.map(lambda v: isinstance(v, str) and ("\r" in v or "\t" in v),
                          na_action="ignore").fillna(False).astype(bool).any():
                return True
    return False


# --------------------------------------------------------------------------- checks


def check_output(path: str | Path, *, folder: bool, protect: Iterable[str | Path] = ()) -> Path:
    """Refuse an output path chronos must not write to, with an error saying what to do.

    Refused: a symbolic link; a folder given for a file or a file for a folder; a path
    under a file; a path equal to, inside, or (for folders) holding one of ``protect``
    (the case's input folders). For folders, see also :func:`check_output_folder`.
    """
    path = Path(path)
    if path.is_symlink():
        raise OutputError("will not write to a symbolic link", file=str(path),
                          hint="give the folder or file itself, or a new path")
    if os.path.lexists(path):
        if folder and not path.is_dir():
            raise OutputError("is a file, not a folder: chronos will not replace it",
                              file=str(path), hint="give a new or empty folder for --out")
        if not folder and path.is_dir():
            raise OutputError("is a folder, not a file", file=str(path),
                              hint="give a file name for the output")
        if not folder and not path.is_file():
            raise OutputError("is not a regular file: chronos will not write to it",
                              file=str(path), hint="give a new file name for the output")
    _refuse_under_file(path)
    _refuse_inputs(path, protect, folder)
    return path


def check_output_folder(path: str | Path, *, protect: Iterable[str | Path] = ()) -> Path:
    """:func:`check_output` for a folder, and refuse a non-empty folder without chronos's
    marker (a folder chronos did not make), before any work is done."""
    path = check_output(path, folder=True, protect=protect)
    _previous_output(path)
    return path


def input_folders(case) -> list[Path]:
    """The folders a case reads from (a :class:`chronos.case.Case`: its own folder, each
    source's and mapping's folder): no output may be written there, nor around them."""
    if case is None or not hasattr(case, "sources"):
        return []
    folders = [Path(case.root)]
    for source in case.sources:
        folders.append(Path(source.path).parent)
        mapping = source.mapping if isinstance(source.mapping, dict) else {}
        if mapping.get("_file"):
            folders.append(Path(mapping["_file"]).parent)
    return list(dict.fromkeys(folders))


def _refuse_under_file(path: Path) -> None:
    for parent in Path(os.path.abspath(path)).parents:
        if os.path.lexists(parent):
            if not parent.is_dir():
                raise OutputError(f"cannot write under {parent}: it is a file, not a folder",
                                  file=str(path), hint="give a path in a folder")
            return


def _real(path) -> Path:
    return Path(os.path.realpath(os.path.abspath(path)))


def _refuse_inputs(path: Path, protect: Iterable, folder: bool) -> None:
    real = _real(path)
    for item in protect:
        guarded = _real(item)
        if real == guarded or guarded in real.parents:
            raise OutputError(f"will not write inside {item}: it holds the case's inputs",
                              file=str(path),
                              hint="write outputs outside the case and source folders, "
                                   "e.g. --out out/CASE")
        if folder and real in guarded.parents:
            raise OutputError(f"will not write to a folder that holds the case's inputs "
                              f"({item})", file=str(path),
                              hint="give a new folder for --out, outside the case folder")


# --------------------------------------------------------------------------- marker


def read_marker(folder: str | Path) -> dict | None:
    """The marker of an output folder chronos wrote, or None (no marker, or not chronos's)."""
    path = Path(folder) / MARKER
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > _MARKER_MAX_BYTES:
            return None
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("written_by") != "chronos":
        return None
    if not isinstance(data.get("files"), dict):
        data["files"] = {}
    return data


def _write_marker(folder: Path, state: str, files: dict, kind: str | None) -> None:
    import chronos

    data = {"written_by": "chronos", "version": chronos.__version__, "state": state,
            "kind": kind, "files": files,
            "note": "chronos replaces this folder only with a new output of its own; "
                    "files you add are kept, files chronos wrote are listed here."}
    path = folder / MARKER
    tmp = folder / f".{MARKER}.{TAG}{os.getpid()}.part"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(data, indent=1, sort_keys=True) + "\n")
    os.chmod(tmp, FILE_MODE)
    os.replace(tmp, path)


def _facts(path: Path) -> dict:
    st = path.stat()
    facts = {"size": st.st_size, "mtime_ns": st.st_mtime_ns}
    if st.st_size <= HASH_LIMIT:
        facts["sha256"] = _sha256(path)
    return facts


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _versions(entry) -> list[dict]:
    return entry if isinstance(entry, list) else [entry] if isinstance(entry, dict) else []


def _unchanged(path: Path, entry) -> bool:
    """True when ``path`` is still as chronos wrote it (one of the marker's versions)."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    if not os.path.isfile(path) or os.path.islink(path):
        return False
    for facts in _versions(entry):
        if facts.get("size") != st.st_size:
            continue
        if facts.get("mtime_ns") == st.st_mtime_ns:
            return True
        if facts.get("sha256") and facts["sha256"] == _sha256(path):
            return True
    return False


@dataclass
class _Contents:
    """An existing output folder sorted by who wrote what."""

    marker: dict | None = None
    ours: list[str] = field(default_factory=list)      # chronos wrote, unchanged
    foreign: list[str] = field(default_factory=list)   # a person added (files or folders)
    edited: list[str] = field(default_factory=list)    # chronos wrote, changed since


def _sort_contents(folder: Path, marker: dict) -> _Contents:
    files = marker.get("files", {})
    parents = {p for rel in files for p in Path(rel).parents if str(p) != "."}
    contents = _Contents(marker)
    for root, dirs, names in os.walk(folder):
        base = Path(root).relative_to(folder)
        for name in list(dirs):
            rel = (base / name).as_posix()
            if Path(rel) not in parents or os.path.islink(Path(root) / name):
                contents.foreign.append(rel)
                dirs.remove(name)
        for name in names:
            rel = (base / name).as_posix()
            if rel == MARKER:
                continue
            if _MARKER_PART.match(rel):
                contents.ours.append(rel)      # a marker being written when a run was killed
            elif rel not in files:
                contents.foreign.append(rel)
            elif _unchanged(Path(root) / name, files[rel]):
                contents.ours.append(rel)
            else:
                contents.edited.append(rel)
    return contents


def _previous_output(target: Path, *, trusted: bool = False) -> _Contents:
    """What is in ``target`` now; refuses a non-empty folder that is not chronos's, and
    one where a file chronos wrote was changed since (it would be overwritten)."""
    if not os.path.lexists(target):
        return _Contents()
    marker = read_marker(target)
    if marker is None:
        if trusted or not any(os.scandir(target)):
            return _Contents()
        raise OutputError("will not write into a folder that holds files chronos did not "
                          "write", file=str(target),
                          hint="give a new or empty folder for --out (chronos replaces only "
                               f"folders it made, which hold {MARKER})")
    contents = _sort_contents(target, marker)
    if contents.edited:
        shown = ", ".join(contents.edited[:5])
        raise OutputError(f"files chronos wrote were changed since: {shown}",
                          file=str(target),
                          hint="move them out of the folder (or give another --out): chronos "
                               "does not overwrite files someone changed")
    return contents


# --------------------------------------------------------------------------- locks


@contextlib.contextmanager
def output_lock(target: str | Path, wait: float | None = None) -> Iterator[None]:
    """Hold the lock of the output ``target``: one run at a time writes a folder. The lock
    is a file beside it, ``.NAME.chronos-lock`` (holding the process id), removed when the
    run ends. Waits up to ``wait`` seconds (default :data:`LOCK_WAIT`), then raises
    :class:`OutputError`."""
    target = Path(target)
    if fcntl is None:  # pragma: no cover
        yield
        return
    lock = target.parent / f".{target.name}.{TAG}lock"
    deadline = time.monotonic() + (LOCK_WAIT if wait is None else wait)
    fd = _acquire(lock, target, deadline)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock)     # while still held: a waiter then sees a new file and retries
        os.close(fd)


def _acquire(lock: Path, target: Path, deadline: float) -> int:
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            os.close(fd)
            if time.monotonic() >= deadline:
                raise OutputError("another chronos run is writing this output"
                                  + (f" (process {holder})" if holder else ""),
                                  file=str(target),
                                  hint="wait for it to finish and run again, or give "
                                       "another --out") from None
            time.sleep(0.1)
            continue
        try:
            same = os.stat(lock, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)            # the holder removed it as we waited: take the new one


# --------------------------------------------------------------------------- leftovers


def _leftover_pattern(name: str) -> re.Pattern:
    return re.compile(rf"^\.{re.escape(name)}\.{TAG}[A-Za-z0-9_]+\.(part|staging|old)$")


def clean_leftovers(target: str | Path, *, trusted: bool = False) -> list[Path]:
    """Remove what killed runs left beside ``target`` (``.NAME.chronos-*.part``,
    ``.staging``, ``.old`` folders), only those provably chronos's. The caller holds
    ``target``'s lock, so no live run owns them. Files a person put into a left-over
    output are moved into ``target`` (never deleted). Returns what was left in place."""
    target = Path(target)
    if not target.parent.is_dir():
        return []
    pattern = _leftover_pattern(target.name)
    kept = []
    for entry in sorted(os.scandir(target.parent), key=lambda e: e.name):
        if not pattern.match(entry.name) or entry.is_symlink() or not entry.is_dir():
            continue
        if not _dispose(Path(entry.path), target, trusted=trusted):
            kept.append(Path(entry.path))
    return kept


def _dispose(folder: Path, target: Path, *, trusted: bool = False) -> bool:
    """Remove a chronos output folder that is not (or no longer) in place; True when it
    is gone. A complete one is put back as ``target`` when ``target`` is missing."""
    marker = read_marker(folder)
    if marker is None:
        if trusted:
            shutil.rmtree(folder, ignore_errors=True)
            return not os.path.lexists(folder)
        with contextlib.suppress(OSError):
            names = os.listdir(folder)    # killed while its first marker was written:
            if all(_MARKER_PART.match(n) and not (folder / n).is_symlink() for n in names):
                for name in names:        # that marker's temporary file alone
                    (folder / name).unlink()
            folder.rmdir()          # made, then killed before its marker: empty
        return not os.path.lexists(folder)
    if marker.get("state") != "complete":
        shutil.rmtree(folder, ignore_errors=True)    # a run's own work in progress
        return not os.path.lexists(folder)
    if not os.path.lexists(target):
        os.rename(folder, target)   # killed mid-swap: the complete output goes back
        return True
    contents = _sort_contents(folder, marker)
    for rel in contents.foreign + contents.edited:
        _rescue(folder, target, rel)
    for rel in contents.ours:
        (folder / rel).unlink()
    _remove_empty_dirs(folder)
    if sorted(os.listdir(folder)) == [MARKER]:
        (folder / MARKER).unlink()
        folder.rmdir()
        return True
    return False


def _rescue(folder: Path, target: Path, rel: str) -> None:
    """Move a person's file (or folder) ``rel`` from a left-over output into ``target``;
    drop the left-over name only where ``target`` holds the very same file (a hard
    link). Anything else stays where it is."""
    source, dest = folder / rel, target / rel
    if not target.is_dir() or target.is_symlink():
        return
    if not os.path.lexists(dest):
        private_dir(dest.parent)
        os.rename(source, dest)
    elif source.is_dir() and not source.is_symlink() and dest.is_dir():
        for name in os.listdir(source):
            _rescue(folder, target, f"{rel}/{name}")
    elif _same_file(source, dest):
        os.unlink(source)


def _remove_empty_dirs(folder: Path) -> None:
    for root, dirs, _names in os.walk(folder, topdown=False):
        for name in dirs:
            with contextlib.suppress(OSError):
                (Path(root) / name).rmdir()


def _file_leftovers(path: Path) -> None:
    """Remove ``.NAME.chronos-XXXX.part*`` files beside ``path`` that no live run holds
    (a writer keeps its temporary file locked)."""
    if fcntl is None or not path.parent.is_dir():  # pragma: no cover
        return
    pattern = re.compile(rf"^\.{re.escape(path.name)}\.{TAG}[A-Za-z0-9_]+\.part"
                         rf"{re.escape(path.suffix)}$")
    for entry in os.scandir(path.parent):
        if not pattern.match(entry.name) or not entry.is_file(follow_symlinks=False):
            continue
        try:
            fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.unlink(entry.path)
        except OSError:
            pass                    # held by a live run
        finally:
            os.close(fd)


# --------------------------------------------------------------------------- files


def _temp_file(path: Path) -> tuple[int, Path]:
    """A locked, private temporary file beside ``path`` (its name says it is chronos's)."""
    check_output(path, folder=False)
    private_dir(path.parent)
    _file_leftovers(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{TAG}", suffix=f".part{path.suffix}",
                               dir=path.parent)
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX)
    return fd, Path(tmp)


@contextlib.contextmanager
def atomic_file(path: Path, mode: str = "w", **kwargs) -> Iterator:
    """Open a temporary file beside ``path``; on success it replaces ``path`` (0600)."""
    path = Path(path)
    fd, tmp = _temp_file(path)
    try:
        with open(tmp, mode, **kwargs) as handle:
            yield handle
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    finally:
        os.close(fd)


def atomic_path(path: Path) -> contextlib.AbstractContextManager[Path]:
    """A temporary path beside ``path`` for writers that need a file name (openpyxl,
    python-docx, matplotlib); it replaces ``path`` when the block succeeds."""
    return _AtomicPath(Path(path))


class _AtomicPath(contextlib.AbstractContextManager):
    def __init__(self, path: Path):
        self.path = path

    def __enter__(self) -> Path:
        self.fd, self.tmp = _temp_file(self.path)
        return self.tmp

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None and self.tmp.exists():
                os.chmod(self.tmp, FILE_MODE)
                os.replace(self.tmp, self.path)
            else:
                with contextlib.suppress(FileNotFoundError):
                    self.tmp.unlink()
        finally:
            os.close(self.fd)
        return False


# --------------------------------------------------------------------------- folders


@contextlib.contextmanager
def atomic_directory(target: Path, *, overwrite: bool = True, protect: Iterable = (),
                     kind: str | None = None, inside_output: bool = False) -> Iterator[Path]:
    """Yield a private temporary folder; on success it becomes ``target``.

    ``target`` must be new, empty, or an output chronos wrote (its marker); it is replaced
    only after everything was written, in one atomic exchange where the file system
    allows it, and files a person added to it are moved into the new output. On failure
    the temporary folder is removed and ``target`` is untouched. ``protect``: the case's
    input folders (refused as, inside or around ``target``). ``inside_output``: ``target``
    lies in an output folder whose run holds the lock (a screen's work folders).
    """
    target = Path(target)
    check_output(target, folder=True, protect=protect)
    private_dir(target.parent)
    with contextlib.nullcontext() if inside_output else output_lock(target):
        clean_leftovers(target, trusted=inside_output)
        if os.path.lexists(target) and not overwrite:
            raise FileExistsError(f"{target} exists")
        previous = _previous_output(target, trusted=inside_output)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.{TAG}", suffix=".part",
                                    dir=target.parent))
        os.chmod(tmp, DIR_MODE)
        _write_marker(tmp, "writing", {}, kind)
        try:
            yield tmp
            files = _finish_folder(tmp)
            clash = [rel for rel in previous.foreign if rel in files or (tmp / rel).exists()]
            if clash:
                raise OutputError(f"files someone added to the output have the names of new "
                                  f"outputs: {', '.join(clash[:5])}", file=str(target),
                                  hint="move them out of the folder and run again")
            _write_marker(tmp, "complete", files, kind)
            _link_foreign(target, tmp, previous.foreign)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _swap_into_place(tmp, target, trusted=inside_output)


def _link_foreign(target: Path, tmp: Path, foreign: list[str]) -> None:
    """Put the files a person added to ``target`` into the new output ``tmp`` before the
    swap, as hard links (the same files, not copies): whenever the run is killed, the
    output in place holds them. Where links cannot be made they move after the swap."""
    for rel in foreign:
        source = target / rel
        with contextlib.suppress(OSError):
            if source.is_dir() and not source.is_symlink():
                for root, dirs, names in os.walk(source):
                    base = tmp / Path(root).relative_to(target)
                    base.mkdir(mode=DIR_MODE, exist_ok=True)
                    for name in names:
                        os.link(Path(root) / name, base / name, follow_symlinks=False)
            else:
                (tmp / rel).parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
                os.link(source, tmp / rel, follow_symlinks=False)


def _same_file(a: Path, b: Path) -> bool:
    try:
        sa, sb = os.lstat(a), os.lstat(b)
    except OSError:
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def _finish_folder(folder: Path) -> dict:
    """Make everything in ``folder`` owner-only; the marker's list of files."""
    files = {}
    for root, dirs, names in os.walk(folder):
        for name in dirs:
            os.chmod(Path(root) / name, DIR_MODE)
        for name in names:
            path = Path(root) / name
            if os.path.islink(path):
                continue
            os.chmod(path, FILE_MODE)
            rel = path.relative_to(folder).as_posix()
            if rel != MARKER:
                files[rel] = [_facts(path)]
    return files


def _swap_into_place(tmp: Path, target: Path, *, trusted: bool = False) -> None:
    """Put the complete output ``tmp`` at ``target``; the previous output (if any) goes,
    except the files a person added to it, which move into the new one."""
    if not os.path.lexists(target):
        os.rename(tmp, target)
        return
    if _exchange(tmp, target):
        old = tmp                    # the exchange left the previous output at tmp's name
    else:
        old = tmp.with_name(tmp.name[:-len(".part")] + ".old")
        os.rename(target, old)
        os.rename(tmp, target)
    with contextlib.suppress(OSError):   # else cleaned by the next run
        _dispose(old, target, trusted=trusted)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False when the system
    or file system cannot."""
    import ctypes
    import errno

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


@contextlib.contextmanager
def staged_files(target: Path, *, protect: Iterable = (), kind: str | None = None) -> Iterator[Path]:
    """Yield a private staging folder; when the block succeeds its files move into
    ``target`` (created 0700 if missing), when it raises nothing in ``target`` changes.
    For a set of outputs that must appear together or not at all.

    ``target`` must be new, empty or an output folder chronos wrote; files chronos wrote
    there are replaced, files a person added are kept, and a staged file whose name is
    taken by a file chronos did not write (or that was changed since) stops the run
    before anything moves."""
    target = Path(target)
    if _in_progress(target):
        yield target            # already a private folder that appears whole or not at all
        return
    check_output(target, folder=True, protect=protect)
    private_dir(target.parent)
    with output_lock(target):
        clean_leftovers(target)
        previous = _previous_output(target)
        stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.{TAG}", suffix=".staging",
                                      dir=target.parent))
        os.chmod(stage, DIR_MODE)
        _write_marker(stage, "writing", {}, kind)
        try:
            yield stage
            new = _finish_folder(stage)
            taken = [rel for rel in new
                     if rel in previous.foreign or any(rel.startswith(f + "/")
                                                       for f in previous.foreign)]
            if taken:
                raise OutputError(f"will not overwrite files chronos did not write: "
                                  f"{', '.join(taken[:5])}", file=str(target),
                                  hint="move them out of the folder, or give another --out")
            _move_staged(stage, target, previous, new, kind)
        finally:
            shutil.rmtree(stage, ignore_errors=True)


def _in_progress(folder: Path) -> bool:
    """True for the temporary folder of a run of :func:`atomic_directory` (its marker
    says 'writing'): what is written there is staged already."""
    marker = read_marker(folder) if folder.is_dir() and not folder.is_symlink() else None
    return bool(marker and marker.get("state") == "writing"
                and _leftover_pattern(folder.name.split(f".{TAG}")[0][1:]).match(folder.name))


def _move_staged(stage: Path, target: Path, previous: _Contents, new: dict, kind) -> None:
    old = (previous.marker or {}).get("files", {})
    kept = {rel: old[rel] for rel in previous.ours if rel not in new}
    private_dir(target)
    # the marker knows both versions while files move, so a killed run leaves nothing
    # that looks like someone else's
    both = {**kept, **{rel: _versions(old.get(rel)) + facts for rel, facts in new.items()}}
    _write_marker(target, "complete", both, kind or (previous.marker or {}).get("kind"))
    for rel in sorted(new):
        dest = target / rel
        private_dir(dest.parent)
        os.replace(stage / rel, dest)
    _write_marker(target, "complete", {**kept, **new},
                  kind or (previous.marker or {}).get("kind"))


@contextlib.contextmanager
def output_folder(target: Path, *, protect: Iterable = (), kind: str | None = None) -> Iterator[Path]:
    """Claim ``target`` for a run that writes into it in place (a screen, which resumes):
    the same refusals as :func:`atomic_directory`, its lock held for the whole block,
    what killed runs left beside it cleaned, and the marker written first (so a run
    killed half-way leaves a folder chronos recognises). Call :func:`record_files` to
    list what the run wrote."""
    target = Path(target)
    check_output(target, folder=True, protect=protect)
    private_dir(target.parent)
    with output_lock(target):
        clean_leftovers(target)
        previous = _previous_output(target)
        private_dir(target)
        if previous.marker is None:
            _write_marker(target, "complete", {}, kind)
        yield target


def record_files(target: Path, names: Iterable[str], kind: str | None = None, *,
                 coming: dict[str, Path] | None = None) -> None:
    """Add ``names`` (paths relative to ``target``) to its marker as chronos's files.
    ``coming``: files about to be copied in (relative name: the source, same bytes and
    time): accepted as chronos's beside what is there now, so a run killed while it
    copies leaves no file that looks changed."""
    target = Path(target)
    marker = read_marker(target) or {"files": {}}
    files = dict(marker["files"])
    for rel in names:
        path = target / rel
        if path.is_file() and not path.is_symlink():
            files[Path(rel).as_posix()] = [_facts(path)]
    for rel, source in (coming or {}).items():
        rel = Path(rel).as_posix()
        files[rel] = _versions(files.get(rel)) + [_facts(Path(source))]
    _write_marker(target, "complete", files, kind or marker.get("kind"))


# --------------------------------------------------------------------------- writers


def write_csv(frame, path: Path) -> None:
    """Write a table as UTF-8 CSV, deterministic, formula-safe and owner-only."""
    text = csv_text(frame)
    with atomic_file(Path(path), "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) owner-only (0700); existing folders are left
    as they are."""
    path = Path(path)
    missing = [p for p in [path, *path.parents] if not p.exists()]
    path.mkdir(parents=True, exist_ok=True)
    for created in missing:
        os.chmod(created, DIR_MODE)
    return path


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically, owner-only."""
    with atomic_file(Path(path), "w", encoding=encoding, newline="") as handle:
        handle.write(text)
    return Path(path)


def write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically, owner-only."""
    with atomic_file(Path(path), "wb") as handle:
        handle.write(data)
    return Path(path)
