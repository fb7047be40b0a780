"""What a person decided about the case, kept in the case folder across rebuilds.

A build never writes here: ``annotations.csv`` in the case folder (beside ``case.yaml``)
is a log that only grows, one row per decision, with who made it and when:

``target,field,value,who,when,reason``

- ``target``: the stable id of what the decision is about (an event id ``E...`` from
  ``events.csv``, or a finding id);
- ``field``: what was decided (:data:`FIELDS`: ``bundle_ref`` today, the page of the court
  bundle where the event's evidence is; the browser workspace adds others);
- ``value``: the decision (an empty value withdraws an earlier one);
- ``who``, ``when`` (ISO date and time), ``reason`` (optional).

The latest row for a target and field wins; earlier rows stay as the history. A person
may edit the file in a spreadsheet; chronos appends to it and never rewrites what is there.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from chronos.errors import AnnotationError

ANNOTATIONS_FILE = "annotations.csv"
COLUMNS = ("target", "field", "value", "who", "when", "reason")
#: the fields chronos knows, with what each means (a row with another field is kept, not read)
FIELDS = {
    "bundle_ref": "the court bundle page(s) of the event's evidence, e.g. C23 or C23-C25",
}
MAX_BYTES = 20_000_000
MAX_VALUE = 2_000


@dataclass(frozen=True)
class Annotation:
    """One decision: ``field`` of ``target`` is ``value``, decided by ``who`` at ``when``."""

    target: str
    field: str
    value: str
    who: str = ""
    when: str = ""
    reason: str = ""


class Annotations:
    """The annotations of a case: every row in order, and the latest per target and field."""

    def __init__(self, rows: list[Annotation] | None = None, path: Path | None = None):
        self.rows = list(rows or [])
        self.path = path
        self._latest: dict[tuple[str, str], Annotation] = {}
        for row in self.rows:
            self._latest[(row.target, row.field)] = row

    def latest(self, field: str) -> dict[str, Annotation]:
        """target -> the annotation in force for ``field`` (withdrawn ones left out)."""
        return {t: a for (t, f), a in self._latest.items() if f == field and a.value}

    def value(self, target: str, field: str) -> str:
        """The value in force for ``target`` and ``field`` ('' when there is none)."""
        found = self._latest.get((target, field))
        return found.value if found else ""

    def __len__(self) -> int:
        return len(self.rows)


def annotations_path(case_root: str | Path) -> Path:
    """Where a case keeps its annotations: ``annotations.csv`` beside ``case.yaml``."""
    root = Path(case_root)
    if root.suffix.lower() in (".yaml", ".yml") or root.is_file():
        root = root.parent
    return root / ANNOTATIONS_FILE


def read_annotations(case_root: str | Path | None) -> Annotations:
    """The case's annotations (none when the case has no file yet, or no folder)."""
    if case_root is None:
        return Annotations()
    path = annotations_path(case_root)
    if not path.exists():
        return Annotations(path=path)
    return Annotations(_parse(_read_text(path), path), path)


def _read_text(path: Path) -> str:
    from chronos.safe_input import read_bytes

    data = read_bytes(path, str(path), limit=MAX_BYTES, error=AnnotationError,
                      what="annotations file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AnnotationError("the annotations file is not UTF-8 text", file=str(path),
                              hint="save it from your spreadsheet as CSV UTF-8") from None


def _parse(text: str, path: Path) -> list[Annotation]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in ("target", "field", "value") if c not in header]
    if missing:
        raise AnnotationError(f"the annotations file has no {', '.join(missing)} column",
                              file=str(path), row=1,
                              hint="its first line is " + ",".join(COLUMNS))
    at = {name: header.index(name) for name in COLUMNS if name in header}
    rows = []
    for number, cells in enumerate(reader, 2):
        if not any(c.strip() for c in cells):
            continue
        get = {k: (cells[i].strip() if i < len(cells) else "") for k, i in at.items()}
        if not get["target"] or not get["field"]:
            raise AnnotationError("a row without a target or a field", file=str(path),
                                  row=number, hint="every row names what it is about")
        rows.append(Annotation(**{k: get.get(k, "") for k in COLUMNS}))
    return rows


def add_annotations(case_root: str | Path, new: list[Annotation]) -> Path:
    """Append ``new`` to the case's annotations file (created owner-only when missing);
    what the file held stays as it was, byte for byte. Returns the file's path."""
    from chronos.report.safe_files import csv_line, write_text

    path = annotations_path(case_root)
    for item in new:
        _check(item, path)
    old = _read_text(path) if path.exists() else ""
    if old and not old.endswith(("\n", "\r")):
        old += "\n"
    head = "" if old else csv_line(COLUMNS)
    lines = "".join(csv_line([getattr(a, c) for c in COLUMNS]) for a in new)
    write_text(path, old + head + lines)
    return path


def _check(item: Annotation, path: Path) -> None:
    if item.field not in FIELDS:
        raise AnnotationError(f"chronos does not know the annotation {item.field!r}",
                              file=str(path), hint="known: " + ", ".join(FIELDS))
    if not item.target or len(item.value) > MAX_VALUE or "\n" in item.value:
        raise AnnotationError(f"an annotation of {item.target or 'nothing'} must name its "
                              f"target and hold one line of at most {MAX_VALUE} characters",
                              file=str(path))


def now() -> str:
    """The time of a decision as written in the file: ``2024-05-14T10:32:05``."""
    return datetime.now().replace(microsecond=0).isoformat()


def current_user() -> str:
    """Who is deciding, when the settings name no author: the login name."""
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no login name (a container): still a decision, unattributed
        return ""
