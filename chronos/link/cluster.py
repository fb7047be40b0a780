"""Join records into people: union-find that refuses forbidden merges.

Edges are applied strongest first. Two groups are never merged when any record of one
may not be joined with any record of the other (a cannot-link override, or a vetoed pair:
twins, a parent and a same-named child, two different valid NHS numbers). This is what
stops a vague record ("K SMITH", no date of birth) from chaining twins together.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Edge:
    """A proposed join between two records."""

    a: str
    b: str
    method: str          # override | identifier | probabilistic
    probability: float
    weight: float = 0.0


class ConstrainedClusters:
    """Union-find over record keys with cannot-link constraints between groups."""

    def __init__(self, keys, cannot=()):
        self.parent = {k: k for k in keys}
        self.members = {k: [k] for k in keys}
        self.cannot: dict[str, set[str]] = {k: set() for k in keys}
        for a, b in cannot:
            if a in self.parent and b in self.parent and a != b:
                self.cannot[a].add(b)
                self.cannot[b].add(a)

    def find(self, key: str) -> str:
        """The root (group id) of ``key``."""
        root = key
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[key] != root:
            self.parent[key], key = root, self.parent[key]
        return root

    def allowed(self, a: str, b: str) -> bool:
        """True when the groups of ``a`` and ``b`` may be merged (or are one group)."""
        ra, rb = self.find(a), self.find(b)
        return ra == rb or rb not in self.cannot[ra]

    def union(self, a: str, b: str) -> bool:
        """Merge the groups of ``a`` and ``b`` if allowed; False when refused."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if rb in self.cannot[ra]:
            return False
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra].extend(self.members.pop(rb))
        for other in self.cannot.pop(rb):
            self.cannot[other].discard(rb)
            self.cannot[other].add(ra)
            self.cannot[ra].add(other)
        return True

    def groups(self) -> list[list[str]]:
        """Every group as a sorted list of keys, groups sorted by their first key."""
        return sorted(sorted(m) for m in self.members.values())


def cluster(keys, edges: list[Edge], cannot) -> tuple[ConstrainedClusters, list[Edge], list[Edge]]:
    """Apply ``edges`` in order; returns the clusters, the accepted and the refused edges."""
    clusters = ConstrainedClusters(keys, cannot)
    accepted, refused = [], []
    for edge in edges:
        (accepted if clusters.union(edge.a, edge.b) else refused).append(edge)
    return clusters, accepted, refused
