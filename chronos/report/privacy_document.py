"""The chronology of a pseudonymised case, as the writers lay it out.

:func:`shared_chronology` builds the chronology of the shared case
(:func:`chronos.report.privacy.pseudonymise`) with the same options as the real one,
shows births as ages at the end of the period covered ("Child 1 (aged 12)") or as years
("Child 1 (born 2011)"), and remembers in the key the original of every cell that
re-identifying by pseudonyms alone would not give back exactly, so that a returned
document comes back as it was. The writers never know that a chronology is shared.
"""

from __future__ import annotations

import dataclasses
from itertools import chain
from typing import Any

import pandas as pd

from chronos.report.document import Chronology, ChronologyOptions, build_chronology
from chronos.report.privacy_restore import record_cells, restore_tokens


def shared_chronology(real: Any, shared: Any, key, options: ChronologyOptions | None = None) -> Chronology:
    """The chronology of ``shared`` (made from ``real`` with ``key``), births shown as
    ``shared.dates_of_birth`` says, every changed cell remembered in ``key.texts``. The
    case's review decisions (:mod:`chronos.annotations`: notes in free text, the names
    of those who decided) are left out of a shared chronology, and out of the real one
    it is paired with."""
    from chronos.annotations import Annotations

    options = dataclasses.replace(options or ChronologyOptions(), annotations=Annotations())
    theirs = build_chronology(real, options)
    chron = build_chronology(shared, shared_options(real, key, options))
    chron = shown_births(chron, shared)
    originals = _originals(key)
    record_cells(key.texts, _pairs(chron, theirs),
                 lambda s: restore_tokens(s, originals, key.shift_days, False))
    return chron


def shared_options(real: Any, key, options: ChronologyOptions) -> ChronologyOptions:
    """``options`` for the shared case: a ``child`` given by name or id becomes the
    child's shared id, the ``since`` date moves with the other dates, and no review
    decisions are read (they are the real case's, in its ids and free text)."""
    from chronos.annotations import Annotations
    from chronos.report.privacy_text import shift_iso

    options = dataclasses.replace(options, annotations=Annotations())
    if options.since and key.shift_days:
        options = dataclasses.replace(options, since=shift_iso(options.since, key.shift_days))
    if not options.child:
        return options
    from chronos.report.people import resolve_person

    pid = resolve_person(real, options.child)
    new = {old: new for new, old in key.person_ids.items()}.get(pid, pid)
    return dataclasses.replace(options, child=new)


def shown_births(chron: Chronology, shared: Any) -> Chronology:
    """Children listed as 'Child 1 (aged 12)' (or '(born 2011)'), the persons table with
    an age (or a year) instead of a date of birth."""
    mode = getattr(shared, "dates_of_birth", "age")
    end = _period_end(chron, shared)
    kids = [dict(c, birth=birth_words(c["dob"], end, mode) or None, first_name=c["name"], dob=None)
            for c in chron.children]
    persons = chron.persons.copy()
    if "Date of birth" in persons:
        dob = dict(zip(shared.persons["person_id"], shared.persons["dob"]))
        persons["Date of birth"] = [birth_words(_iso(dob.get(p)), end, mode, short=True)
                                    if _iso(dob.get(p)) else "" for p in persons["Person"]]
        persons = persons.rename(columns={"Date of birth": "Age" if mode == "age" else "Year of birth"})
    return dataclasses.replace(chron, children=kids, persons=persons)


def birth_words(dob: str | None, end: str | None, mode: str, short: bool = False) -> str:
    """'aged 12' (at ``end``), 'aged 7 months', 'unborn'; 'born 2011' in year mode
    (``short``: '12', '7 months', '2011')."""
    if not dob:
        return ""
    if mode == "year":
        return dob[:4] if short else f"born {dob[:4]}"
    from chronos.dates import age_at

    age = age_at(dob[:10], (end or dob)[:10])
    if age is None:
        return "unborn"
    years, months = age
    text = str(years) if years else f"{months} month{'s' if months != 1 else ''}"
    return text if short else f"aged {text}"


def _period_end(chron: Chronology, shared: Any) -> str | None:
    dated = [d for d in chron.rows["date"] if isinstance(d, str) and d]
    return max(dated) if dated else getattr(shared, "as_of", None)


def _iso(value) -> str | None:
    return value if isinstance(value, str) and value else None


def _originals(key) -> dict[str, str]:
    from chronos.report.privacy import _original_text

    out = {p: _original_text(o) for p, o in key.values.items()}
    for ids in (key.person_ids, key.event_ids, key.finding_ids):
        out.update(ids)
    return out


def _pairs(chron: Chronology, theirs: Chronology):
    """(shared, original) text of every cell the writers write, in writing order: the
    chronology rows first (as the CSV writes them), then the findings and sources tables
    and the title lines (the persons table shows ages where the original has dates of
    birth: those are not put back)."""
    parts = [_frame_pairs(chron.rows[chron.columns], theirs.rows[theirs.columns])]
    for name in ("findings", "source_table"):  # matched by position; text cells only
        parts.append([(a, b) for a, b in _frame_pairs(getattr(chron, name), getattr(theirs, name))
                      if len(a) > 3 and not a.replace(".", "").isdigit()])
    lines = [(chron.title, theirs.title), (chron.case, theirs.case), (chron.period, theirs.period)]
    lines += list(zip(chron.sources, theirs.sources)) + list(zip(chron.notes, theirs.notes))
    lines += [(a["name"], b["name"]) for a, b in zip(chron.children, theirs.children)]
    parts.append(lines)
    return chain.from_iterable(parts)


def _frame_pairs(ours: pd.DataFrame, theirs: pd.DataFrame):
    if ours.shape != theirs.shape:
        return []
    return [(_cell(a), _cell(b)) for row_a, row_b in zip(ours.itertuples(index=False),
                                                         theirs.itertuples(index=False))
            for a, b in zip(row_a, row_b)]


def _cell(value) -> str:
    """A cell as the CSV writer writes it."""
    return "" if value is None or value is pd.NA or value != value else str(value)
