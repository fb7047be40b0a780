"""Cluster consistency: no person made of records joined only through an undated record.

Clustering joins pairs strongest first and refuses a join that would put two different
dates of birth, NHS numbers or family-tree individuals in one person. That leaves one way
to merge two people: a record that says nothing about the difference. "J SMITH", with no
date of birth, matches John Smith born 2010 and John Smith born 2012 well enough to join
each, and the two are then one person although nothing ever compared them to each other.

:func:`split_chains` checks every group before it is accepted. The records that carry a
date of birth (a full date or a year) are its *anchors*. Two anchors belong together when
an accepted join connects them directly, or a scored pair between them is a likely match
(not vetoed, at or above the review threshold), or a person decided so (a must-link
override). The group's joins are then replayed strongest first; a join that would bring
two sets of anchors together only through records without a date of birth is refused: the
undated record stays with the side it matched best, and the refused pair goes to
``link-review.csv`` with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Detached:
    """A join refused because it chained two sets of dated records through undated ones."""

    a: str
    b: str
    probability: float
    weight: float
    reason: str


def split_chains(groups: list[list[str]], accepted: list, anchored: set[str],
                 support: set[frozenset]) -> tuple[list[list[str]], list[Detached]]:
    """Groups with no chaining through undated records, and the joins refused for it.

    ``accepted``: the joins clustering made (``cluster.Edge``, in the order made);
    ``anchored``: records with a date of birth; ``support``: pairs of records (frozensets)
    with direct evidence that they are one person (a likely match, or an override)."""
    group_of = {key: i for i, group in enumerate(groups) for key in group}
    partners: dict[str, set[str]] = {}
    for pair in support:
        if len(pair) == 2:
            a, b = tuple(pair)
            partners.setdefault(a, set()).add(b)
            partners.setdefault(b, set()).add(a)
    by_group: dict[int, list] = {}
    for edge in accepted:
        by_group.setdefault(group_of[edge.a], []).append(edge)
    out, detached = [], []
    for i, group in enumerate(groups):
        edges = by_group.get(i, [])
        if len(group) < 3 or not may_chain(group, anchored):
            out.append(group)
            continue
        parts, refused = _replay(group, edges, anchored, partners)
        out.extend(parts)
        detached.extend(refused)
    return sorted(sorted(g) for g in out), detached


def may_chain(group: list[str], anchored: set[str]) -> bool:
    """A group can hold a chain only with two anchors and a record without a date."""
    dated = sum(1 for key in group if key in anchored)
    return dated >= 2 and dated < len(group)


def _replay(group, edges, anchored, partners) -> tuple[list[list[str]], list[Detached]]:
    anchor_of = _anchor_sets(group, edges, anchored, partners)
    parent = {key: key for key in group}
    anchors = {key: ({anchor_of[key]} if key in anchor_of else set()) for key in group}

    def find(key):
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    refused = []
    for edge in edges:
        ra, rb = find(edge.a), find(edge.b)
        if ra == rb:
            continue
        if edge.method != "override" and len(anchors[ra] | anchors[rb]) > 1:
            refused.append(Detached(edge.a, edge.b, edge.probability, edge.weight,
                                    _reason(edge, anchored)))
            continue
        parent[rb] = ra
        anchors[ra] |= anchors.pop(rb)
    parts: dict[str, list[str]] = {}
    for key in group:
        parts.setdefault(find(key), []).append(key)
    return [sorted(p) for p in parts.values()], refused


def _anchor_sets(group, edges, anchored, partners) -> dict[str, int]:
    """Anchor -> the number of its set: anchors joined directly (an accepted join, a
    likely scored pair or an override between two anchors) are one set."""
    dated = [key for key in group if key in anchored]
    parent = {key: key for key in dated}

    def find(key):
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    direct = [(e.a, e.b) for e in edges if e.a in parent and e.b in parent]
    direct += [(a, b) for a in dated for b in partners.get(a, ()) if b in parent]
    for a, b in direct:
        parent[find(a)] = find(b)
    roots = sorted({find(key) for key in dated})
    number = {root: i for i, root in enumerate(roots)}
    return {key: number[find(key)] for key in dated}


def _reason(edge, anchored) -> str:
    undated = [k for k in (edge.a, edge.b) if k not in anchored]
    through = undated[0] if undated else edge.a
    return (f"not joined: it would join records whose dates of birth were never matched to "
            f"each other, only through {through}, which has no date of birth; a person decides")
