"""The family around one person (or a few): the part of a genogram a practitioner draws.

:func:`focus_graph` keeps the focus people, their ancestors ``up`` generations up and
descendants ``down`` generations down, the partners of all of these, the focus people's
siblings (half-siblings too) and the siblings' other parents, and, for a case, everyone
in the focus people's household at the chart date; and the "not known" parents of the
children drawn. :func:`find_people` reads who is meant: a
person id, a source record key, a GEDCOM cross-reference (``I52`` or ``@I52@``) or a
name (every word of it, in any case).
"""

from __future__ import annotations

from chronos.errors import ChronosError
from chronos.genogram.labels import tidy_name

CASE_UP, CASE_DOWN = 2, 1


def find_people(graph, wanted) -> list[str]:
    """Person ids for each of ``wanted`` (ids, record keys, GEDCOM xrefs or names);
    a :class:`ChronosError` names what matched nobody, or too many people."""
    found = []
    for item in wanted:
        matches = _matches(graph, str(item).strip())
        if len(matches) != 1:
            raise ChronosError(_not_one(graph, str(item), matches),
                               hint="give the person id (from persons.csv or the GEDCOM "
                                    "file, e.g. I52) or more of the name")
        found.append(matches[0])
    return list(dict.fromkeys(found))


def _matches(graph, text: str) -> list[str]:
    people = [p for p, d in graph.nodes(data=True) if d.get("kind") == "person"]
    xref = text.strip("@")
    exact = [p for p in people if p == text or p.split(":", 1)[-1] == xref]
    if exact:
        return exact
    words = tidy_name(text).lower().split()
    if not words:
        return []
    named = [p for p in people if tidy_name(graph.nodes[p].get("name")).lower() == " ".join(words)]
    if named:
        return named
    return [p for p in people
            if set(words) <= set(tidy_name(graph.nodes[p].get("name")).lower().split())]


def _not_one(graph, text: str, matches: list[str]) -> str:
    if not matches:
        return f"nobody in the family is {text!r}"
    shown = ", ".join(f"{p} ({tidy_name(graph.nodes[p].get('name'))}, "
                      f"b. {(graph.nodes[p].get('dob') or '?')[:4]})" for p in sorted(matches)[:6])
    more = f" and {len(matches) - 6} more" if len(matches) > 6 else ""
    return f"{len(matches)} people match {text!r}: {shown}{more}"


def focus_graph(graph, focus, *, up: int = CASE_UP, down: int = CASE_DOWN,
                households: bool = True):
    """The subgraph of the family around ``focus`` (ids or names, see :func:`find_people`).

    The graph's attributes are kept, with ``focus`` (the ids) and ``focus_depth``
    (``(up, down)``) added, and ``household`` cut to the people drawn.
    """
    ids = find_people(graph, focus)
    line = set(ids) | _walk(graph, ids, up, upward=True) | _walk(graph, ids, down, upward=False)
    keep = line | {q for p in line for q in _partners(graph, p)
                   if graph.nodes[q].get("kind") != "unknown"}
    siblings = _siblings(graph, ids)
    keep |= siblings | _parents_of(graph, siblings)
    if households:
        keep |= _household_of(graph, ids)
    keep |= _unknown_parents(graph, keep)
    sub = graph.subgraph(sorted(keep)).copy()
    sub.graph.update(focus=ids, focus_depth=(up, down),
                     household=[p for p in graph.graph.get("household", []) if p in keep],
                     index_children=[p for p in graph.graph.get("index_children", []) if p in keep],
                     warnings=list(graph.graph.get("warnings", [])),
                     people_in_family=sum(1 for _, d in graph.nodes(data=True) if d.get("kind") == "person"))
    return sub


def _walk(graph, start, depth: int, *, upward: bool) -> set[str]:
    seen, frontier = set(), set(start)
    for _ in range(max(depth, 0)):
        step = set()
        for person in frontier:
            edges = graph.in_edges(person, data=True) if upward else graph.out_edges(person, data=True)
            step |= {(a if upward else b) for a, b, d in edges if d["kind"] == "parent"}
        frontier = step - seen
        seen |= step
    return seen


def _siblings(graph, ids) -> set[str]:
    found = set()
    for person in ids:
        for parent in _parents_of(graph, {person}):
            found |= {b for _, b, d in graph.out_edges(parent, data=True) if d["kind"] == "parent"}
        for a, b, d in list(graph.in_edges(person, data=True)) + list(graph.out_edges(person, data=True)):
            if d["kind"] == "sibling":
                found.add(b if a == person else a)
    return found - set(ids)


def _parents_of(graph, people) -> set[str]:
    return {a for p in people for a, _, d in graph.in_edges(p, data=True) if d["kind"] == "parent"}


def _partners(graph, person: str) -> set[str]:
    edges = list(graph.in_edges(person, data=True)) + list(graph.out_edges(person, data=True))
    return {b if a == person else a for a, b, d in edges if d["kind"] == "partner"}


def _household_of(graph, ids) -> set[str]:
    """Everyone in the household the focus people were in at the chart date."""
    household = set(graph.graph.get("household") or [])
    return household if household & set(ids) else set()


def _unknown_parents(graph, keep: set[str]) -> set[str]:
    """The 'not known' parent placeholders of children drawn whose known parent is drawn."""
    found = set()
    for p in keep:
        for a, _, d in graph.in_edges(p, data=True):
            if d["kind"] == "parent" and graph.nodes[a].get("kind") == "unknown" \
                    and _partners(graph, a) & keep:
                found.add(a)
    return found
