"""Look at one file the way a case build would read it, writing nothing.

:func:`inspect_file` sniffs (or takes) the format, runs the ingester on the file alone
and returns an :class:`Inspection`: the format, every format's sniff score, and the
:class:`~chronos.ingest.base.SourceResult` (events, persons, warnings, quarantine).
``chronos inspect FILE`` is its command-line face.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from chronos.ingest.base import (Source, SourceResult, check_source, get_ingester, read_head,
                                 registry, sniff)


@dataclass
class Inspection:
    """What :func:`inspect_file` found."""

    path: Path
    format: str
    scores: list[tuple[str, float]] = field(default_factory=list)
    result: SourceResult | None = None

    def as_dict(self, rows: int = 10) -> dict:
        """A JSON-ready summary: counts, the first ``rows`` events, persons and issues."""
        result = self.result
        events = _records(result.events, rows)
        for event, people in zip(events, self.event_people(rows)):
            event["people"] = people
        return {
            "file": str(self.path), "format": self.format,
            "sniff_scores": {name: round(score, 3) for name, score in self.scores},
            "summary": result.summary(),
            "events": events,
            "persons": _records(result.persons, rows),
            "warnings": [w.as_dict() for w in result.warnings[:rows]],
            "quarantine": [q.as_dict() for q in result.quarantine[:rows]],
        }


    def event_people(self, rows: int | None = None) -> list[str]:
        """Who each of the first ``rows`` events is about, in words: each person record's
        name (or its key when it has none) with the role when it is not the subject, e.g.
        ``Jade SMITH; Donna SMITH (parent)``. An empty string for an event about nobody."""
        from chronos.model import DEFAULT_ROLE, parse_roles, roles

        events = self.result.events
        if events is None or not len(events):
            return []
        names = _record_names(self.result.persons)
        labels = roles().labels
        head = events.head(rows) if rows is not None else events
        shown = []
        for ids, given in zip(head["person_ids"], head.get("person_roles", [None] * len(head))):
            parts = []
            for person, role in parse_roles(ids, given).items():
                said = [labels.get(r, r) for r in role if r != DEFAULT_ROLE]
                name = names.get(person, person)
                parts.append(f"{name} ({', '.join(said)})" if said else name)
            shown.append("; ".join(parts))
        return shown


def _record_names(persons) -> dict[str, str]:
    """Record key -> the name the record gives (given and family name), where it has one."""
    if persons is None or not len(persons) or "record_key" not in persons:
        return {}
    named = {}
    for key, given, family in zip(persons["record_key"], persons.get("given_name"),
                                  persons.get("family_name")):
        words = " ".join(str(v) for v in (given, family) if isinstance(v, str) and v.strip())
        if isinstance(key, str) and words:
            named.setdefault(key, words)
    return named


def _records(frame, rows: int) -> list[dict]:
    if frame is None or not len(frame):
        return []
    head = frame.head(rows).astype(object)
    return head.where(head.notna(), None).to_dict(orient="records")


def inspect_file(path: Path | str, fmt: str = "auto", *, name: str = "file",
                 options: dict | None = None, mapping=None) -> Inspection:
    """Read ``path`` with the named format (or the sniffed one for ``auto``); ``mapping``
    (a YAML path or the mapping as data) is the mapping of the ``mapped`` format.

    Raises :class:`~chronos.errors.SourceError` (or ``FormatNotRecognised``, naming the
    formats tried) when the file cannot be read.
    """
    path = Path(path)
    check_source(path, str(path), fmt)
    scores = _scores(path)
    if fmt in ("", "auto", None):
        fmt = sniff(path)[0]
    source = Source(path=path, name=name, format=fmt, options=dict(options or {}),
                    display_path=str(path), mapping=mapping)
    result = get_ingester(fmt).read(source)
    return Inspection(path=path, format=fmt, scores=scores, result=result)


def _scores(path: Path) -> list[tuple[str, float]]:
    if path.is_dir():
        return []
    head = read_head(path)
    scores = []
    for name, cls in registry().items():
        try:
            scores.append((name, float(cls().sniff(path, head))))
        except Exception:  # a sniffer never breaks inspection
            scores.append((name, 0.0))
    return sorted(scores, key=lambda item: (-item[1], item[0]))
