"""Writing output files safely: owner-only permissions, atomic writes, no formula injection.

Chronologies hold sensitive personal data, so every file chronos writes is created
readable only by its owner (``0600``; folders ``0700``), appears complete or not at all
(written to a temporary file in the same folder, then renamed), and never carries a cell
that a spreadsheet would run as a formula.

    with atomic_path(out / "chronology.xlsx") as tmp:
        workbook.save(tmp)          # tmp is renamed to the target only if this succeeds
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700

#: Cell prefixes spreadsheets treat as the start of a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """``value`` made safe for a spreadsheet cell: text starting like a formula gets a
    leading apostrophe (``=SUM(A1)`` -> ``'=SUM(A1)``); anything else is returned as is."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def private_dir(path: str | os.PathLike) -> Path:
    """Create ``path`` (and parents) if missing; folders chronos creates are ``0700``."""
    path = Path(path)
    missing = [p for p in [path, *path.parents] if not p.exists()]
    path.mkdir(parents=True, exist_ok=True)
    for created in missing:
        os.chmod(created, DIR_MODE)
    return path


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a private temporary path beside ``target``; rename it onto ``target`` when
    the block succeeds, delete it when the block raises (no half-written file is left)."""
    target = Path(target)
    private_dir(target.parent)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def write_text(target: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``target`` atomically with owner-only permissions."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding=encoding, newline="")
    return Path(target)


def write_bytes(target: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically with owner-only permissions."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


@contextlib.contextmanager
def staged_dir(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a private staging folder; when the block succeeds its files move into
    ``target`` (created ``0700`` if missing), when it raises nothing in ``target`` changes.

    Use it to write a set of outputs that must appear together or not at all.
    """
    target = Path(target)
    private_dir(target.parent)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".staging", dir=target.parent))
    try:
        yield stage
        _move_into(stage, target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _move_into(stage: Path, target: Path) -> None:
    if not target.exists():
        os.chmod(stage, DIR_MODE)
        os.replace(stage, target)
        return
    for item in sorted(stage.rglob("*")):
        dest = target / item.relative_to(stage)
        if item.is_dir():
            private_dir(dest)
        else:
            private_dir(dest.parent)
            os.replace(item, dest)
