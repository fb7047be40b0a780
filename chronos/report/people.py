"""The people of a case as reports need them: index children, display names, a child's
circle of adults, and the persons table for sharing."""

from __future__ import annotations

from typing import Any

import pandas as pd

from chronos import model

ADULT_KINDS = {"parent", "partner", "household"}


def _persons(result: Any) -> pd.DataFrame:
    persons = getattr(result, "persons", None)
    frame = model.conformed(persons, "persons")
    return frame.drop_duplicates("person_id", keep="first").reset_index(drop=True)


def _s(value) -> str:
    return "" if value is None or value is pd.NA or (isinstance(value, float) and value != value) else str(value)


def full_name(row) -> str:
    """Given and family name of a persons row ('Unnamed' when neither is known); names
    an export wrote in capitals ('SMITH') are shown as 'Smith'."""
    parts = [_s(row["given_name"]), _s(row["family_name"])]
    return " ".join(p.title() if p.isupper() else p for p in parts if p) or "Unnamed"


def display_names(result: Any) -> dict[str, str]:
    """person id -> full name."""
    return {r["person_id"]: full_name(r) for r in _persons(result).to_dict("records")}


def resolve_person(result: Any, ref: str) -> str:
    """The person id for ``ref``: a person id, a source record key, or a (full or given) name.

    Raises :class:`chronos.errors.ChronosError` when nothing or several people match.
    """
    from chronos.errors import ChronosError

    persons = _persons(result)
    if ref in set(persons["person_id"]):
        return ref
    links = getattr(result, "links", None)
    if links is not None and len(links) and "record_key" in links:
        hit = links.loc[links["record_key"] == ref, "person_id"]
        if len(hit):
            return str(hit.iloc[0])
    wanted = ref.strip().lower()
    hits = [r["person_id"] for r in persons.to_dict("records")
            if wanted in {full_name(r).lower(), _s(r["given_name"]).lower()}]
    if len(set(hits)) == 1:
        return hits[0]
    raise ChronosError(f"no single person matches {ref!r} ({len(set(hits))} found)",
                       hint="give a person id from persons.csv")


def remembered(result: Any, key: str, compute):
    """``compute()``, worked out once per result when the result can remember it
    (:meth:`chronos.pipeline.CaseResult.remember`: a build's writers share it)."""
    remember = getattr(result, "remember", None)
    return remember(("report", key), compute) if callable(remember) else compute()


def index_children(result: Any) -> list[dict]:
    """The index children (person id, name, first name, dob), eldest first.

    Taken from ``result.index_children`` (ids, record keys or names), else persons marked
    ``is_index``, else every person with role ``child``.
    """
    kids = remembered(result, "index children", lambda: _index_children(result))
    return [dict(kid) for kid in kids]     # the caller's own copies


def _index_children(result: Any) -> list[dict]:
    persons = _persons(result)
    ids = []
    for ref in getattr(result, "index_children", None) or []:
        try:
            ids.append(resolve_person(result, str(ref)))
        except Exception:
            continue
    if not ids:
        flagged = persons["is_index"].fillna(False).astype(bool)
        ids = list(persons.loc[flagged, "person_id"]) or \
            list(persons.loc[persons["role"] == "child", "person_id"])
    wanted = dict.fromkeys(ids)
    rows = {}    # the first persons row of each wanted id (one pass, not one look-up each)
    for row in persons.loc[persons["person_id"].isin(list(wanted)),
                           ["person_id", "given_name", "family_name", "dob"]].to_dict("records"):
        rows.setdefault(row["person_id"], row)
    kids = [{"person_id": pid, "name": full_name(rows[pid]),
             "first_name": _s(rows[pid]["given_name"]) or full_name(rows[pid]),
             "dob": _s(rows[pid]["dob"]) or None}
            for pid in wanted if pid in rows]
    return sorted(kids, key=lambda k: (k["dob"] or "9999", k["person_id"]))


def circle_of(result: Any, child: str) -> set[str]:
    """The child and the adults around them: parents, then, in the relationships' order,
    each partner or household link that touches the circle as it is by then."""
    return circles_of(result, [child])[child]


def circles_of(result: Any, children: list[str]) -> dict[str, set[str]]:
    """:func:`circle_of` for each of ``children``, reading the relationships once."""
    import heapq

    rel = model.conformed(getattr(result, "relationships", None), "relationships")
    rel = rel[rel["kind"].isin(ADULT_KINDS)]
    parents: dict[str, set[str]] = {}
    links: list[tuple[str, str]] = []
    for a, b, kind in zip(rel["person_a"], rel["person_b"], rel["kind"]):
        if kind == "parent":
            parents.setdefault(b, set()).add(a)
        elif kind in {"partner", "household"}:
            links.append((a, b))
    touching: dict[str, list[int]] = {}
    for i, pair in enumerate(links):
        for person in dict.fromkeys(pair):
            touching.setdefault(person, []).append(i)
    out = {}
    for child in children:
        circle = {child} | parents.get(child, set())
        todo = [i for person in circle for i in touching.get(person, ())]
        heapq.heapify(todo)
        last = -1
        while todo:  # the links in order, each one that touches the circle as it is then
            i = heapq.heappop(todo)
            if i <= last:
                continue
            last = i
            for person in links[i]:
                if person not in circle:
                    circle.add(person)
                    for j in touching.get(person, ()):
                        if j > i:
                            heapq.heappush(todo, j)
        out[child] = circle
    return out


def person_table(result: Any) -> pd.DataFrame:
    """Persons for the 'Persons' sheet: name, date of birth, sex, role, identifiers."""
    from chronos.dates import format_display

    out = []
    for r in _persons(result).to_dict("records"):
        out.append({"Person": r["person_id"], "Name": full_name(r),
                    "Date of birth": format_display(_s(r["dob"]), _s(r["dob_precision"]) or "day",
                                                    False)
                    if _s(r["dob"]) else "", "Sex": _s(r["sex"]), "Role": _s(r["role"]),
                    "NHS number": _s(r["nhs_number"]), "UPN": _s(r["upn"]),
                    "LA child id": _s(r["la_child_id"]), "Address": _s(r["address"])})
    cols = ["Person", "Name", "Date of birth", "Sex", "Role", "NHS number", "UPN",
            "LA child id", "Address"]
    return pd.DataFrame(out, columns=cols)
