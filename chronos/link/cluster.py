"""Join records into people: union-find that refuses forbidden merges.

Edges are applied strongest first. Two groups are never merged when any record of one
may not be joined with any record of the other (a cannot-link override, or a vetoed pair:
twins, a parent and a same-named child, two different valid NHS numbers). This is what
stops a vague record ("K SMITH", no date of birth) from chaining twins together.
"""

from __future__ import annotations

from typing import NamedTuple


class Edge(NamedTuple):
    """A proposed join between two records (a named tuple: millions are made at scale)."""

    a: str
    b: str
    method: str          # override | identifier | probabilistic
    probability: float
    weight: float = 0.0


class ConstrainedClusters:
    """Union-find over record keys with cannot-link constraints between groups."""

    def __init__(self, keys, cannot=(), facts: dict | None = None, lives: dict | None = None):
        self.keys = list(keys)
        self.record_lives = lives or {}
        self.lives: dict = {}                     # per group: its :class:`Life`
        self.known = set(self.keys)
        self.parent: dict[str, str] = {}          # only records that were ever joined
        self.members: dict[str, list[str]] = {}
        self.cannot: dict[str, set[str]] = {}
        self.record_facts = facts or {}
        # per group: field -> set of values that every later merge must be compatible with
        self.facts: dict[str, dict[str, set]] = {}
        for a, b in cannot:
            if a in self.known and b in self.known and a != b:
                self._touch(a)
                self._touch(b)
                self.cannot[a].add(b)
                self.cannot[b].add(a)

    def _touch(self, key: str) -> None:
        if key not in self.parent:
            self.parent[key] = key
            self.members[key] = [key]
            self.cannot[key] = set()
            self.facts[key] = {f: {v} for f, v in self.record_facts.get(key, {}).items() if v}
            if key in self.record_lives:
                self.lives[key] = self.record_lives[key]

    def find(self, key: str) -> str:
        """The root (group id) of ``key``."""
        if key not in self.parent:
            return key
        root = key
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[key] != root:
            self.parent[key], key = root, self.parent[key]
        return root

    def allowed(self, a: str, b: str) -> bool:
        """True when the groups of ``a`` and ``b`` may be merged (or are one group)."""
        self._touch(a)
        self._touch(b)
        ra, rb = self.find(a), self.find(b)
        return ra == rb or (rb not in self.cannot[ra] and self._facts_agree(ra, rb))

    def _facts_agree(self, ra: str, rb: str) -> bool:
        """Valid identifiers and dates of birth of the two groups must be compatible,
        even for records never compared directly (joined through a third record)."""
        fa, fb = self.facts[ra], self.facts[rb]
        for field, values in fa.items():
            other = fb.get(field)
            if other and not all(FACT_RULES[field](x, y) for x in values for y in other):
                return False
        la, lb = self.lives.get(ra), self.lives.get(rb)
        return la is None or lb is None or not la.conflicts(lb)

    def union(self, a: str, b: str) -> bool:
        """Merge the groups of ``a`` and ``b`` if allowed; False when refused."""
        self._touch(a)
        self._touch(b)
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if rb in self.cannot[ra] or not self._facts_agree(ra, rb):
            return False
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra].extend(self.members.pop(rb))
        for field, values in self.facts.pop(rb).items():
            self.facts[ra].setdefault(field, set()).update(values)
        life = self.lives.pop(rb, None)
        if life is not None:
            mine = self.lives.get(ra)
            self.lives[ra] = life if mine is None else mine.merged(life)
        for other in self.cannot.pop(rb):
            self.cannot[other].discard(rb)
            self.cannot[other].add(ra)
            self.cannot[ra].add(other)
        return True

    def groups(self) -> list[list[str]]:
        """Every group as a sorted list of keys, groups sorted by their first key."""
        lone = [[k] for k in self.keys if k not in self.parent]
        return sorted([sorted(m) for m in self.members.values()] + lone)


def dates_compatible(a: str, b: str) -> bool:
    """Two ISO dates of birth that could be one person's: equal, day and month swapped,
    or one character apart (a typo or an adjacent transposition)."""
    if a == b or (a[:4] == b[:4] and a[5:7] == b[8:10] and a[8:10] == b[5:7]):
        return True
    diffs = [i for i in range(min(len(a), len(b))) if a[i] != b[i]]
    if len(diffs) == 1:
        return True
    return (len(diffs) == 2 and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]])


def years_compatible(a, b) -> bool:
    """Two years of birth that could be one person's: a year apart at most (a date given
    as a year, rounded), or one digit or an adjacent pair of digits apart (a typo)."""
    a, b = int(a), int(b)
    if abs(a - b) <= 1:
        return True
    x, y = f"{a:04d}", f"{b:04d}"
    diffs = [i for i in range(4) if x[i] != y[i]]
    return len(diffs) == 1 or (len(diffs) == 2 and diffs[1] == diffs[0] + 1
                               and x[diffs[0]] == y[diffs[1]] and x[diffs[1]] == y[diffs[0]])


#: What one person cannot have two of. ``declared``: the source of a record whose source
#: declares each of its records a different person (a family tree's individuals): a group
#: holds at most one record of it. ``local_id``: (source, LA child id): one source's two
#: different local ids are two people.
FACT_RULES = {"dob": dates_compatible, "nhs": str.__eq__, "upn": str.__eq__,
              "year": years_compatible, "declared": lambda a, b: a != b,
              "local_id": lambda a, b: a[0] != b[0] or a[1] == b[1]}


def facts_conflict(a: dict | None, b: dict | None) -> bool:
    """True when two records' facts say they are two people (:data:`FACT_RULES`)."""
    if not a or not b:
        return False
    return any(a.get(f) is not None and b.get(f) is not None and not rule(a[f], b[f])
               for f, rule in FACT_RULES.items())


def cluster(keys, edges: list[Edge], cannot, facts: dict | None = None,
            lives: dict | None = None) -> tuple[ConstrainedClusters, list[Edge], list[Edge]]:
    """Apply ``edges`` in order; returns the clusters, the accepted and the refused edges.

    ``facts``: record key -> {"dob": ..., "nhs": ..., "upn": ..., "year": ...,
    "declared": ..., "local_id": ...} (valid values only; see :data:`FACT_RULES`).
    ``lives``: record key -> :class:`Life` (what its dated roles and events allow)."""
    clusters = ConstrainedClusters(keys, cannot, facts, lives)
    accepted, refused = [], []
    parent, find, union = clusters.parent, clusters.find, clusters.union
    get = parent.get
    for edge in edges:
        a, b = edge.a, edge.b
        # most edges of a big person join two records already in one group: no checks
        # (two records whose parent is one root are in one group without walking up)
        pa, pb = get(a), get(b)
        if (pa is not None and pb is not None
                and ((pa == pb and parent[pa] == pa) or find(a) == find(b))) or union(a, b):
            accepted.append(edge)
        else:
            refused.append(edge)
    return clusters, accepted, refused


class Life(NamedTuple):
    """What a person's records say of their life (:mod:`chronos.link.stated`): the
    possible days of birth (``(earliest, latest)`` ranges), the earliest day a record
    names them as an adult, the latest day one names them as the child, the first day
    of an event naming them and the first naming them in a role. A group of records
    keeps the tightest of each; a group with no date of birth whose statements rule out
    the other group's births is another person (a parent in a police record of 2017 is
    not the girl born 2015, even when a third, vague record fits both)."""

    borns: frozenset
    adult_on: object = None
    child_on: object = None
    seen: object = None
    named_on: object = None
    limits: object = None

    def merged(self, other: "Life") -> "Life":
        """The life of the two groups joined."""
        def pick(a, b, best):
            return a if b is None else b if a is None else best(a, b)
        return Life(self.borns | other.borns, pick(self.adult_on, other.adult_on, min),
                    pick(self.child_on, other.child_on, max), pick(self.seen, other.seen, min),
                    pick(self.named_on, other.named_on, min), self.limits or other.limits)

    def conflicts(self, other: "Life") -> bool:
        """True when a birth of one group is impossible by what the other, a group with
        no date of birth, states. Where both groups have dates of birth, those decide
        (:data:`FACT_RULES`: a date one typo away is the same person's)."""
        from chronos.link.stated import Stated, contradiction

        for one, two in ((self, other), (other, self)):
            said = Stated(adult_on=one.adult_on, child_on=one.child_on, seen=one.seen,
                          named_on=one.named_on)
            if one.borns or said == Stated():
                continue
            if any(contradiction(said, Stated(born=b), limits=one.limits) for b in two.borns):
                return True
        return False
