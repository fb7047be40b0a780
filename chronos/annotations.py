"""What a person decided about the case, kept in the case folder across rebuilds.

A build never writes here: ``annotations.csv`` in the case folder (beside ``case.yaml``)
is a log that only grows, one row per decision, with who made it and when:

``target,field,value,who,when,reason``

- ``target``: the stable id of what the decision is about: an event id (``E...``, from
  ``events.csv``) or a finding id (``F...``, from ``findings.csv``);
- ``field``: what was decided (:data:`FIELDS`):

  - ``significance`` of an event: ``significant`` (shown among the significant events
    whatever chronos judged) or ``not significant`` (hidden from them; the full record
    keeps it, marked);
  - ``note`` on an event or a finding: the analyst's note, shown beside it;
  - ``dismissed`` of a finding: ``yes``, with the reason why the pattern does not hold
    (the finding stays listed, marked dismissed, and no longer flags its evidence);
  - ``bundle_ref`` of an event: the page of the court bundle where its record is;

- ``value``: the decision (an empty value withdraws an earlier one);
- ``who``, ``when`` (ISO date and time), ``reason`` (required to dismiss a finding).

The latest row for a target and field wins; earlier rows stay as the history. A person
may edit the file in a spreadsheet; chronos appends to it and never rewrites what is there.
A decision about an event or finding that a later build no longer has is kept and listed
(:meth:`Annotations.gone`), never dropped.

The library API (used by ``chronos annotate`` and the browser workspace alike):
:func:`read_annotations`, :func:`decide` (one decision, who and when filled in, recorded
only when it changes what is in force), :func:`add_annotations` (append rows as given),
:func:`check` (is a decision well formed) and :class:`Annotations` (what is in force).
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
    "significance": "whether an event is significant: 'significant' or 'not significant'",
    "note": "the analyst's note on an event or a finding",
    "dismissed": "a finding dismissed ('yes'), with the reason why it does not hold",
    "bundle_ref": "the court bundle page(s) of the event's evidence, e.g. C23 or C23-C25",
}
#: what each field may be about: ``E`` an event id, ``F`` a finding id
TARGETS = {"significance": "E", "note": "EF", "dismissed": "F", "bundle_ref": "E"}
#: the values a field allows (fields not listed take free text)
VALUES = {"significance": ("significant", "not significant"), "dismissed": ("yes",)}
SIGNIFICANT, NOT_SIGNIFICANT = VALUES["significance"]
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

    def decision(self, target: str, field: str) -> Annotation | None:
        """The annotation in force for ``target`` and ``field`` (None: none, or withdrawn)."""
        found = self._latest.get((target, field))
        return found if found is not None and found.value else None

    def in_force(self) -> list[Annotation]:
        """Every decision in force (latest per target and field, withdrawn ones left
        out), in the order they were first made, for the fields chronos knows."""
        return [a for a in self._latest.values() if a.value and a.field in FIELDS]

    def gone(self, event_ids, finding_ids=()) -> list[Annotation]:
        """The decisions in force about an event or finding that the case no longer has
        (an event id not in ``event_ids``, a finding id not in ``finding_ids``): kept in
        the file, listed so that a person can see what no longer applies."""
        known = set(event_ids) | set(finding_ids)
        return [a for a in self.in_force() if a.target not in known]

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


def _read_bytes(path: Path) -> bytes:
    from chronos.safe_input import read_bytes

    return read_bytes(path, str(path), limit=MAX_BYTES, error=AnnotationError,
                      what="annotations file")


def _read_text(path: Path) -> str:
    data = _read_bytes(path)
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
        get = {k: _text(cells[i]) if i < len(cells) else "" for k, i in at.items()}
        if not get["target"] or not get["field"]:
            raise AnnotationError("a row without a target or a field", file=str(path),
                                  row=number, hint="every row names what it is about")
        rows.append(Annotation(**{k: get.get(k, "") for k in COLUMNS}))
    return rows


def _text(cell: str) -> str:
    """A cell as chronos wrote it: stripped, and without the apostrophe that keeps a
    spreadsheet from running text starting with = + - @ as a formula."""
    cell = cell.strip()
    return cell[1:] if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@") else cell


def add_annotations(case_root: str | Path, new: list[Annotation]) -> Path:
    """Append ``new`` to the case's annotations file (created owner-only when missing;
    every row checked first, all written at once); what the file held stays as it was,
    byte for byte, and new rows end their lines as its rows do. Returns the file's path."""
    from chronos.report.safe_files import csv_line, neutralise, write_bytes

    path = annotations_path(case_root)
    for item in new:
        check(item, path)
    old = _read_bytes(path) if path.exists() else b""
    if old:
        _read_text(path)  # refuse, before adding to it, a file chronos cannot read back
    end = "\r\n" if b"\r\n" in old else "\n"
    if old and not old.endswith((b"\n", b"\r")):
        old += end.encode()
    head = "" if old else csv_line(COLUMNS, end)
    lines = "".join(csv_line([neutralise(getattr(a, c)) for c in COLUMNS], end) for a in new)
    write_bytes(path, old + (head + lines).encode("utf-8"))
    return path


def check(item: Annotation, path: str | Path | None = None) -> None:
    """Raise :class:`AnnotationError` unless ``item`` is a decision chronos can keep: a
    known field, about the kind of id it applies to (``E...`` events, ``F...`` findings),
    an allowed value, one line each, and a reason for a dismissal."""
    where = str(path) if path else None
    if item.field not in FIELDS:
        raise AnnotationError(f"chronos does not know the annotation {item.field!r}",
                              file=where, hint="known: " + ", ".join(FIELDS))
    kinds = TARGETS[item.field]
    if not _is_id(item.target) or item.target[0] not in kinds:
        about = " or ".join({"E": "an event id (E...)", "F": "a finding id (F...)"}[k]
                            for k in kinds)
        raise AnnotationError(f"{item.target or 'nothing'!r} is not {about}: a {item.field} "
                              f"is about {about}", file=where,
                              hint="event ids are in events.csv, finding ids in findings.csv")
    allowed = VALUES.get(item.field)
    if item.value and allowed and item.value not in allowed:
        raise AnnotationError(f"a {item.field} is one of {', '.join(map(repr, allowed))}, "
                              f"not {item.value!r}", file=where)
    for name in ("value", "who", "reason"):
        text = getattr(item, name)
        if len(text) > MAX_VALUE or "\n" in text or "\r" in text:
            raise AnnotationError(f"the {name} of an annotation of {item.target} must be one "
                                  f"line of at most {MAX_VALUE} characters", file=where)
    if item.field == "dismissed" and item.value and not item.reason.strip():
        raise AnnotationError(f"dismissing finding {item.target} needs a reason",
                              file=where, hint="say why the pattern does not hold")


def _is_id(target: str) -> bool:
    return len(target) > 1 and target.isascii() and all(c.isalnum() or c in "-_."
                                                         for c in target)


def decide(case_root: str | Path, target: str, field: str, value: str, *,
           who: str | None = None, reason: str = "", when: str | None = None,
           current: Annotations | None = None) -> Annotation | None:
    """Record one decision (``field`` of ``target`` is ``value``; '' withdraws it) in the
    case's annotations, by ``who`` (default: the login name) at ``when`` (default: now).
    Returns the row added, or None when the decision is already in force (nothing is
    written). ``current``: the annotations already read, to save reading them again."""
    value, reason = " ".join(value.split()), " ".join(reason.split())
    item = Annotation(target.strip(), field, value, who if who is not None else current_user(),
                      when or now(), reason)
    check(item, annotations_path(case_root))
    current = current if current is not None else read_annotations(case_root)
    if not changes(current, [item]):
        return None
    add_annotations(case_root, [item])
    return item


def changes(current: Annotations, new: list[Annotation]) -> list[Annotation]:
    """Those of ``new`` that change what is in force in ``current`` (a decision already
    in force with the same reason, or the withdrawal of one not in force, changes
    nothing); of several about the same target and field, the last."""
    last = {(a.target, a.field): a for a in new}
    out = []
    for (target, field), item in last.items():
        old = current.decision(target, field)
        if old is None and not item.value:
            continue
        if old is not None and old.value == item.value and old.reason == item.reason:
            continue
        out.append(item)
    return out


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
