"""Writing outputs safely: owner-only permissions, atomic files and folders, and cells
that spreadsheet programs cannot run as formulas.

Outputs hold sensitive data about children, so every file chronos writes is readable
only by its owner (0600, folders 0700) and appears complete or not at all.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
FILE_MODE = 0o600
DIR_MODE = 0o700


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


def neutralise_frame(frame):
    """A copy of ``frame`` with every text cell passed through :func:`neutralise`."""
    from pandas.api.types import is_object_dtype, is_string_dtype

    frame = frame.copy()
    for column in frame.columns:
        if is_object_dtype(frame[column]) or is_string_dtype(frame[column]):
            frame[column] = frame[column].map(neutralise, na_action="ignore")
    return frame


@contextlib.contextmanager
def atomic_file(path: Path, mode: str = "w", **kwargs) -> Iterator:
    """Open a temporary file beside ``path``; on success it replaces ``path`` (0600)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        with open(tmp, mode, **kwargs) as handle:
            yield handle
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_path(path: Path) -> contextlib.AbstractContextManager[Path]:
    """A temporary path beside ``path`` for writers that need a file name (openpyxl,
    python-docx, matplotlib); it replaces ``path`` when the block succeeds."""
    return _AtomicPath(Path(path))


class _AtomicPath(contextlib.AbstractContextManager):
    def __init__(self, path: Path):
        self.path = path

    def __enter__(self) -> Path:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.stem}.", suffix=self.path.suffix,
                                   dir=self.path.parent)
        os.close(fd)
        self.tmp = Path(tmp)
        return self.tmp

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None and self.tmp.exists():
            os.chmod(self.tmp, FILE_MODE)
            os.replace(self.tmp, self.path)
        else:
            with contextlib.suppress(FileNotFoundError):
                self.tmp.unlink()
        return False


@contextlib.contextmanager
def atomic_directory(target: Path, *, overwrite: bool = True) -> Iterator[Path]:
    """Yield a private temporary folder; on success it becomes ``target``.

    An existing ``target`` is replaced only after everything was written (when
    ``overwrite``); on failure the temporary folder is removed and ``target`` is untouched.
    """
    target = Path(target)
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} exists")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent))
    os.chmod(tmp, DIR_MODE)
    try:
        yield tmp
        for child in tmp.rglob("*"):
            os.chmod(child, DIR_MODE if child.is_dir() else FILE_MODE)
        _swap_into_place(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap_into_place(tmp: Path, target: Path) -> None:
    if not target.exists():
        os.replace(tmp, target)
        return
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    os.replace(target, old)
    os.replace(tmp, target)
    shutil.rmtree(old, ignore_errors=True)


def write_csv(frame, path: Path) -> None:
    """Write a table as UTF-8 CSV, deterministic, formula-safe and owner-only."""
    frame = neutralise_frame(frame)
    with atomic_file(Path(path), "w", encoding="utf-8", newline="") as handle:
        frame.to_csv(handle, index=False, lineterminator="\n")


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
    private_dir(Path(path).parent)
    with atomic_file(Path(path), "w", encoding=encoding, newline="") as handle:
        handle.write(text)
    return Path(path)


def write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically, owner-only."""
    private_dir(Path(path).parent)
    with atomic_file(Path(path), "wb") as handle:
        handle.write(data)
    return Path(path)


@contextlib.contextmanager
def staged_files(target: Path) -> Iterator[Path]:
    """Yield a private staging folder; when the block succeeds its files move into
    ``target`` (created 0700 if missing, other files in it kept), when it raises nothing
    in ``target`` changes. For a set of outputs that must appear together or not at all."""
    target = Path(target)
    private_dir(target.parent)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".staging",
                                  dir=target.parent))
    try:
        yield stage
        private_dir(target)
        for item in sorted(stage.rglob("*")):
            dest = target / item.relative_to(stage)
            if item.is_dir():
                private_dir(dest)
            else:
                os.chmod(item, FILE_MODE)
                os.replace(item, dest)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
