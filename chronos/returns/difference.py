"""What changed between two returns from the same agency: rows added, removed and changed.

A row is its date, time, event and action as the chronology-table reader made them. Rows
the same in both returns are matched first; of the rest, a removed and an added row with
the same event (its date corrected), or with the same date and alike texts (its text
edited), are one row changed; the others were removed or added.
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass, field

SIMILAR = 0.5


@dataclass
class Difference:
    """The difference between an earlier and a later return."""

    added: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    changed: list[tuple[dict, dict]] = field(default_factory=list)
    same: int = 0

    @property
    def summary(self) -> str:
        """``2 rows added, 1 removed, 1 changed, 9 the same``."""
        return (f"{len(self.added)} row(s) added, {len(self.removed)} removed, "
                f"{len(self.changed)} changed, {self.same} the same")

    def lines(self) -> list[str]:
        """One line per difference: ``+ 03/04/2021 Home visit ...``, ``- ...``, ``~ ...``."""
        out = [f"+ {_show(r)}" for r in self.added]
        out += [f"- {_show(r)}" for r in self.removed]
        out += [f"~ {_show(a)}  ->  {_show(b)}" for a, b in self.changed]
        return out

    def as_dict(self) -> dict:
        return {"summary": self.summary, "added": self.added, "removed": self.removed,
                "changed": [{"before": a, "after": b} for a, b in self.changed],
                "same": self.same}


def rows_of(events) -> list[dict]:
    """The comparable rows of a reader's events table."""
    if events is None or not len(events):
        return []
    out = []
    for event in events.to_dict("records"):
        out.append({key: _text(event.get(col)) for key, col in
                    (("date", "date"), ("time", "time"), ("event", "summary"),
                     ("action", "outcome"))})
    return sorted(out, key=lambda r: (r["date"], r["time"], r["event"]))


def difference(before, after) -> Difference:
    """The difference between two events tables (earlier, later)."""
    old, new = rows_of(before), rows_of(after)
    key = lambda r: tuple(sorted(r.items()))  # noqa: E731
    common = Counter(map(key, old)) & Counter(map(key, new))
    removed, added = _minus(old, common, key), _minus(new, common, key)
    changed = []
    for same in (lambda r, a: a["event"] == r["event"] and r["event"],   # the date corrected
                 lambda r, a: a["date"] == r["date"]):                    # the text edited
        for row in list(removed):
            match = _alike(row, [a for a in added if same(row, a)])
            if match is not None:
                changed.append((row, match))
                removed.remove(row)
                added.remove(match)
    return Difference(added, removed, changed, sum(common.values()))


def _minus(rows: list[dict], common: Counter, key) -> list[dict]:
    left = Counter(common)
    out = []
    for row in rows:
        if left[key(row)]:
            left[key(row)] -= 1
        else:
            out.append(row)
    return out


def _alike(row: dict, candidates: list[dict]) -> dict | None:
    text = f"{row['event']} {row['action']}"
    scored = [(difflib.SequenceMatcher(None, text, f"{c['event']} {c['action']}").ratio(), i)
              for i, c in enumerate(candidates)]
    best = max(scored, default=(0.0, -1))
    return candidates[best[1]] if best[0] >= SIMILAR else None


def _show(row: dict) -> str:
    from chronos.returns.register import uk_date

    date = uk_date(row["date"]) if len(row["date"]) == 10 else (row["date"] or "undated")
    text = row["event"] or "(no event)"
    return f"{date}  {text[:70]}" + ("..." if len(text) > 70 else "")


def _text(value) -> str:
    if value is None or value != value:
        return ""
    return " ".join(str(value).split())
