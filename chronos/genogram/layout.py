"""Generation-based pedigree layout for genograms.

The method follows pedigree software (kinship2's generation depths, then sibling and
spouse ordering, then a fit that centres children under their parents):

1. **Families**: every child hangs from one *primary* parent set (adoptive, else birth,
   else foster, else step parents); other parent sets get a secondary (dashed or dotted)
   line. Siblings with no recorded parents share an unseen family.
2. **Generations**: a child is at least one row below each parent, partners and siblings
   share a row; people who married in are pulled level with their partner, and
   ancestors are pulled down next to their children.
3. **Units**: the partners on a row form chains; a person with several partners sits in
   the middle (first partner left, later ones right), so half-siblings hang from the
   right couple.
4. **Order**: rows are ordered top-down by the position of each unit's parents
   (siblings in birth order, twins together), founders by their children; units are
   flipped when that shortens lines.
5. **Coordinates**: alternating down and up sweeps place each row by weighted isotonic
   regression (pool adjacent violators) under minimum spacing, so symbols never overlap
   and children sit under their parents as far as the family allows.

Where a family cannot be drawn cleanly (a parent cycle, partners on different
generations, child lines crossing rows) the layout still draws it and says so in
:attr:`Layout.warnings`. Units: one symbol is 1.0 wide; y grows upwards (row 0 on top).
"""

from __future__ import annotations

import math
from collections import defaultdict

import networkx as nx

from chronos.genogram.chart import SYMBOL, Family, Layout, Line
from chronos.genogram.geometry import build_geometry, straight_lines
from chronos.genogram.labels import person_label

SLOT = 3.1            # centre-to-centre distance of neighbours on a row
FAMILY_GAP = 0.5      # extra space between sibships of different families (in slots)
from chronos.genogram.labels import LINE_H_DEFAULT as LINE_H  # noqa: E402
PRIMARY_ORDER = ("adoptive", "biological", "foster", "step")


def layout_genogram(graph: nx.MultiDiGraph, *, spacing: float = 1.0, pseudonymised: bool = False,
                    strict: bool = False) -> Layout:
    """Lay out a genogram graph from :func:`chronos.genogram.graph.build_graph`.

    ``spacing`` scales the distance between neighbours (1.0 leaves room for labels).
    If the layout fails for an unforeseen reason it falls back to a plain grid by
    generation with a warning (``strict=True`` raises instead).
    """
    try:
        return _Layouter(graph, spacing, pseudonymised).run()
    except Exception as exc:  # a family we cannot draw must still give a chart
        if strict:
            raise
        return grid_layout(graph, f"pedigree layout failed ({exc!r}); drawn as a plain grid")


# -- the layouter ----------------------------------------------------------------------

class _Layouter:
    def __init__(self, graph: nx.MultiDiGraph, spacing: float, pseudonymised: bool):
        self.g = graph
        self.slot = SLOT * spacing
        self.people = sorted(graph.nodes)
        self.warnings: list[str] = []
        self.labels = {p: len(person_label(graph.nodes[p], pseudonymised=pseudonymised)) * LINE_H
                       for p in self.people}

    def run(self) -> Layout:
        self._collect_relations()
        self._make_families()
        self._assign_generations()
        self._make_units()
        self._order_and_place()
        return self._geometry()

    # ---- relations and families

    def _collect_relations(self) -> None:
        self.parent_of = defaultdict(lambda: defaultdict(list))   # child -> subtype -> parents
        self.partner_edges: dict[tuple[str, str], str] = {}
        self.sibling_edges: list[tuple[str, str]] = []
        self.household = defaultdict(set)
        for a, b, d in sorted(self.g.edges(data=True), key=_edge_key):
            if d["kind"] == "parent":
                self.parent_of[b][d["subtype"]].append(a)
            elif d["kind"] == "partner":
                self.partner_edges[tuple(sorted((a, b)))] = d.get("status") or "partner"
            elif d["kind"] == "sibling":
                self.sibling_edges.append((a, b))
            elif d["kind"] == "household":
                self.household[a].add(b)
                self.household[b].add(a)

    def _make_families(self) -> None:
        self.families: list[Family] = []
        self.by_parents: dict[tuple, Family] = {}
        self.home: dict[str, Family] = {}
        for child in self.people:
            self._attach_child(child)
        self._attach_sibling_groups()
        for fam in self.families:
            if len(fam.parents) == 2 and fam.parents not in self.partner_edges:
                self.partner_edges[fam.parents] = "partner"
            self._order_children(fam)

    def _family(self, parents: tuple[str, ...]) -> Family:
        if parents not in self.by_parents:
            fam = Family(len(self.families), parents)
            self.families.append(fam)
            self.by_parents[parents] = fam
        return self.by_parents[parents]

    def _attach_child(self, child: str) -> None:
        classes = self.parent_of.get(child, {})
        all_parents = {p for ps in classes.values() for p in ps}
        first = True
        for subtype in PRIMARY_ORDER:
            found = sorted(set(classes.get(subtype, [])))
            if subtype == "step":
                found = [p for p in found if not self._partner_of_any(p, all_parents - {p})]
            if not found:
                continue
            if len(found) > 2:
                self.warnings.append(f"{child} has {len(found)} {subtype} parents; two are drawn")
                found = found[:2]
            fam = self._family(tuple(found))
            fam.children.append(child)
            fam.line[child] = subtype
            if first:
                fam.primary.add(child)
                self.home[child] = fam
                first = False

    def _partner_of_any(self, person: str, others: set[str]) -> bool:
        return any(tuple(sorted((person, o))) in self.partner_edges for o in others)

    def _attach_sibling_groups(self) -> None:
        groups = nx.Graph(self.sibling_edges)
        for group in sorted(nx.connected_components(groups), key=min):
            homed = sorted(p for p in group if p in self.home)
            loose = sorted(p for p in group if p not in self.home)
            if not loose:
                continue
            fam = self.home[homed[0]] if homed else self._family(("sibs:" + loose[0],))
            for child in loose:
                fam.children.append(child)
                fam.line[child] = "sibling" if homed else "biological"
                fam.primary.add(child)
                self.home[child] = fam

    def _order_children(self, fam: Family) -> None:
        def key(child):
            return (self.g.nodes[child].get("dob") or "9999", child)
        fam.children.sort(key=key)
        by_dob = defaultdict(list)
        for child in fam.children:
            dob = self.g.nodes[child].get("dob")
            if dob and child in fam.primary and self.g.nodes[child]["kind"] == "person":
                by_dob[dob].append(child)
        twins = {tuple(sorted((a, b))) for a, b in self.sibling_edges}
        for a, b in twins:
            if a in fam.primary and b in fam.primary and self._is_twin_edge(a, b):
                by_dob[("twin", a)] = [a, b]
        fam.twins = sorted({tuple(sorted(v)) for v in by_dob.values() if len(v) > 1})
        fam.twins = [list(t) for t in fam.twins]

    def _is_twin_edge(self, a: str, b: str) -> bool:
        return any(d["kind"] == "sibling" and "twin" in (d.get("subtype") or "")
                   for d in list(self.g.get_edge_data(a, b, default={}).values())
                   + list(self.g.get_edge_data(b, a, default={}).values()))

    # ---- generations

    def _parent_edges(self) -> list[tuple[str, str]]:
        return sorted({(p, c) for fam in self.families for p in fam.parents if p in self.g
                       for c in fam.children})

    def _assign_generations(self) -> None:
        dag = nx.DiGraph()
        dag.add_nodes_from(self.people)
        dag.add_edges_from(self._parent_edges())
        while not nx.is_directed_acyclic_graph(dag):
            a, b = nx.find_cycle(dag)[0][:2]
            dag.remove_edge(a, b)
            self.warnings.append(f"parent cycle broken between {a} and {b}")
        self.dag = dag
        depth = {p: 0 for p in self.people}
        for node in nx.topological_sort(dag):
            for child in dag.successors(node):
                depth[child] = max(depth[child], depth[node] + 1)
        self.group_of = {p: [p] for p in self.people}
        rejected = sum(not self._level(a, b, depth) for a, b in self._level_pairs(depth))
        if rejected:
            self.warnings.append(f"{rejected} partner or sibling pair(s) cannot share a generation "
                                 "(one descends from the other's generation)")
        self.groups = sorted({id(g): g for g in self.group_of.values() if len(g) > 1}.values(),
                             key=min)
        depth = self._pull_down(dag, depth)
        self._place_loose_people(depth)
        low = min(depth.values(), default=0)
        self.gen = {p: d - low for p, d in depth.items()}

    def _level_pairs(self, depth: dict) -> list[tuple[str, str]]:
        """Partner and sibling pairs, people who married in (no parents) first."""
        pairs = sorted(set(self.partner_edges) | {tuple(sorted(e)) for e in self.sibling_edges})
        def key(pair):
            founders = sum(1 for p in pair if not self.dag.in_degree(p))
            return (-founders, max(depth[p] for p in pair), pair)
        return sorted(pairs, key=key)

    def _level(self, a: str, b: str, depth: dict) -> bool:
        """Put a and b on one generation, pushing descendants down; refuse (and undo)
        when that would push either of them down too."""
        if self.group_of[a] is self.group_of[b]:
            return depth[a] == depth[b]
        low, high = (a, b) if depth[a] <= depth[b] else (b, a)
        saved: dict[str, int] = {}
        if not self._raise(self.group_of[low], depth[high], depth, saved, self.group_of[high]):
            depth.update(saved)
            return False
        merged = self.group_of[a] + self.group_of[b]
        for p in merged:
            self.group_of[p] = merged
        return True

    def _raise(self, group: list[str], level: int, depth: dict, saved: dict, keep: list) -> bool:
        stack = [(group, level)]
        keep_ids = set(keep)
        while stack:
            grp, lvl = stack.pop()
            if depth[grp[0]] >= lvl:
                continue
            if keep_ids & set(grp) and grp is not group:
                return False
            for p in grp:
                saved.setdefault(p, depth[p])
                depth[p] = lvl
            for p in grp:
                for child in self.dag.successors(p):
                    if child in keep_ids:
                        return False
                    if depth[child] < lvl + 1:
                        stack.append((self.group_of[child], lvl + 1))
        return True

    def _pull_down(self, dag: nx.DiGraph, depth: dict) -> dict:
        """Move people with room below them (founders, in-laws' ancestors) next to
        their children, whole partner groups at a time."""
        group_of = self.group_of
        for _ in range(30):
            changed = False
            for node in sorted(self.people, key=lambda p: -depth[p]):
                group = group_of[node]
                kids = [c for p in group for c in dag.successors(p)]
                if not kids:
                    continue
                limit = min(depth[c] for c in kids) - 1
                if limit > depth[node] and all(depth[p] < limit for p in group):
                    for p in group:
                        depth[p] = limit
                    changed = True
            if not changed:
                break
        return depth

    def _place_loose_people(self, depth: dict) -> None:
        """People with no family edges sit on the row of the household member nearest
        in age (adults beside adults), else level with the index child by age."""
        tied = {p for e in self.dag.edges for p in e} | {p for g in self.groups for p in g}
        index = [p for p in self.people if self.g.nodes[p]["is_index"] and p in tied]
        for person in self.people:
            if person in tied:
                continue
            near = sorted(n for n in self._household_of(person) if n in tied)
            anchor = _nearest_in_age(self.g, person, near or index)
            if anchor is None:
                depth[person] = max(depth.values(), default=0) if not tied else depth[person]
                continue
            gap = _years_apart(self.g, anchor, person)
            depth[person] = depth[anchor] + (0 if gap is None else round(gap / 25))

    def _household_of(self, person: str) -> set[str]:
        seen, stack = {person}, [person]
        while stack:
            for other in self.household.get(stack.pop(), ()):
                if other not in seen:
                    seen.add(other)
                    stack.append(other)
        return seen - {person}

    # ---- units

    def _make_units(self) -> None:
        same_row = nx.Graph()
        same_row.add_nodes_from(self.people)
        cross = 0
        for (a, b) in self.partner_edges:
            if a in self.gen and b in self.gen:
                if self.gen[a] == self.gen[b]:
                    same_row.add_edge(a, b)
                else:
                    cross += 1
        if cross:
            self.warnings.append(f"{cross} partnership(s) join people on different generations "
                                 "(drawn as sloping lines)")
        self.units: list[list[str]] = []
        for comp in sorted(nx.connected_components(same_row), key=min):
            self.units.append(self._arrange_unit(same_row.subgraph(comp)))
        self.unit_of = {p: i for i, unit in enumerate(self.units) for p in unit}

    def _arrange_unit(self, comp: nx.Graph) -> list[str]:
        if comp.number_of_nodes() == 1:
            return list(comp.nodes)
        root = max(sorted(comp.nodes), key=lambda p: (comp.degree(p), p in self.home,
                                                      self.g.nodes[p]["sex"] == "M"))
        tree = nx.bfs_tree(comp, root)
        kids = self._partners_by_date(root, list(tree.successors(root)))
        if len(kids) == 1 and self.g.nodes[root]["sex"] == "M":
            return [root] + self._chain_right(tree, kids[0])
        left, right = kids[:1], kids[1:]
        out = [p for k in left for p in self._chain_left(tree, k)] + [root]
        return out + [p for k in right for p in self._chain_right(tree, k)]

    def _partners_by_date(self, person: str, others: list[str]) -> list[str]:
        def key(other):
            data = self.g.get_edge_data(person, other) or self.g.get_edge_data(other, person) or {}
            starts = [d.get("start") or "" for d in data.values() if d["kind"] == "partner"]
            return (min(starts, default="") or "9999", other)
        return sorted(others, key=key)

    def _chain_left(self, tree: nx.DiGraph, node: str) -> list[str]:
        out = []
        for k in reversed(self._partners_by_date(node, list(tree.successors(node)))):
            out += self._chain_left(tree, k)
        return out + [node]

    def _chain_right(self, tree: nx.DiGraph, node: str) -> list[str]:
        out = [node]
        for k in self._partners_by_date(node, list(tree.successors(node))):
            out += self._chain_right(tree, k)
        return out

    # ---- ordering and coordinates

    def _order_and_place(self) -> None:
        self.row_units = defaultdict(list)
        for i, unit in enumerate(self.units):
            self.row_units[self.gen[unit[0]]].append(i)
        self.depth = max(self.row_units, default=0)
        self.x = {}
        for sweep in range(3):
            for row in range(self.depth + 1):
                self._order_row(row, first=sweep == 0)
                self._place_row(row, down=True)
            for row in range(self.depth - 1, -1, -1):
                self._place_row(row, down=False)
        for row in range(self.depth + 1):
            self._place_row(row, down=True)
        self._settle_tops()

    def _order_row(self, row: int, first: bool) -> None:
        keyed = []
        for i in self.row_units[row]:
            keyed.append((self._unit_key(i, first), i))
        keyed.sort()
        self.row_units[row] = [i for _, i in keyed]
        for i in self.row_units[row]:
            self._maybe_flip(i)
        self._compact(row)

    def _unit_key(self, i: int, first: bool):
        unit = self.units[i]
        fam = self._unit_home(unit)
        if fam is not None and self._anchor_x(fam) is not None:
            rank = self._birth_rank(fam, unit)
            return (self._anchor_x(fam), 0, fam.id, rank, i)
        bary = self._children_centre(unit) if not first else None
        if bary is None:
            bary = self._household_centre(unit)
        if bary is None:
            dob = min((self.g.nodes[p].get("dob") or "9999") for p in unit)
            return (math.inf, 1, 0, dob, i)
        return (bary, 1, 0, 0, i)

    def _unit_home(self, unit: list[str]) -> Family | None:
        homes = [self.home[p] for p in unit if p in self.home and self._placed_parents(self.home[p])]
        if not homes:
            return None
        root = max(unit, key=lambda p: (len([q for q in unit if (min(p, q), max(p, q))
                                              in self.partner_edges]), -unit.index(p)))
        return self.home[root] if root in self.home and self.home[root] in homes else homes[0]

    def _placed_parents(self, fam: Family) -> bool:
        return self._anchor_x(fam) is not None

    def _birth_rank(self, fam: Family, unit: list[str]) -> float:
        mine = [p for p in unit if self.home.get(p) is fam]
        rank = min(fam.children.index(p) for p in mine)
        others = [self.home[p] for p in unit if p in self.home and self.home[p] is not fam
                  and self._anchor_x(self.home[p]) is not None]
        if others:
            here = self._anchor_x(fam)
            return rank + (1000 if self._anchor_x(others[0]) > here else -1000)
        return rank

    def _anchor_x(self, fam: Family) -> float | None:
        """Where the family's children hang from (unseen families: their middle)."""
        xs = [self.x[p] for p in fam.parents if p in self.x]
        if not fam.parents or fam.parents[0].startswith("sibs:"):
            xs = [self.x[c] for c in fam.primary if c in self.x]
        return sum(xs) / len(xs) if xs else None

    def _children_centre(self, unit: list[str]) -> float | None:
        xs = [self.x[c] for p in unit for c in self.dag.successors(p) if c in self.x]
        return sum(xs) / len(xs) if xs else None

    def _household_centre(self, unit: list[str]) -> float | None:
        xs = [self.x[n] for p in unit for n in self.household.get(p, ()) if n in self.x]
        return sum(xs) / len(xs) if xs else None

    def _wish(self, person: str) -> float | None:
        fam = self.home.get(person)
        if fam is not None and self._anchor_x(fam) is not None:
            return self._anchor_x(fam)
        return self._children_centre([person])

    def _maybe_flip(self, i: int) -> None:
        unit = self.units[i]
        if len(unit) >= 2 and _flip_better([self._wish(p) for p in unit], self.slot):
            unit.reverse()

    def _compact(self, row: int) -> None:
        """Provisional positions: units side by side, centred on their wishes."""
        self._place_row(row, down=True)

    def _gaps(self, units: list[int]) -> list[float]:
        gaps = []
        for a, b in zip(units, units[1:]):
            same = self._unit_home(self.units[a]) is self._unit_home(self.units[b])
            width = (len(self.units[a]) - 1) * self.slot
            gaps.append(width + self.slot * (1 if same else 1 + FAMILY_GAP))
        return gaps

    def _place_row(self, row: int, down: bool) -> None:
        units = self.row_units.get(row, [])
        if not units:
            return
        targets, weights = self._targets(units, down)
        lefts = _isotonic_with_gaps(targets, weights, self._gaps(units))
        for i, left in zip(units, lefts):
            for k, p in enumerate(self.units[i]):
                self.x[p] = left + k * self.slot

    def _targets(self, units: list[int], down: bool) -> tuple[list[float], list[float]]:
        targets, weights = [], []
        sibships = self._sibship_targets(units)
        for pos, i in enumerate(units):
            unit = self.units[i]
            here = self.x.get(unit[0], pos * 2 * self.slot)
            want, weight = here, 0.05
            if down and i in sibships:
                want, weight = sibships[i], 1.0
            elif not down:
                up = self._over_children(unit)
                if up is not None:
                    want, weight = up, 1.0
                elif i in sibships:
                    want, weight = sibships[i], 0.5
            elif self._over_children(unit) is not None:
                want, weight = self._over_children(unit), 0.3
            targets.append(want)
            weights.append(weight)
        return targets, weights

    def _sibship_targets(self, units: list[int]) -> dict[int, float]:
        """Left x each unit needs for its sibship to be centred under its parents."""
        runs: list[tuple[Family | None, list[int]]] = []
        for i in units:
            fam = self._unit_home(self.units[i])
            if runs and runs[-1][0] is fam and fam is not None:
                runs[-1][1].append(i)
            else:
                runs.append((fam, [i]))
        out = {}
        for fam, run in runs:
            anchor = self._anchor_x(fam) if fam is not None else None
            if anchor is None:
                continue
            offsets, at = [], 0.0
            for i in run:
                offsets.append(at)
                at += len(self.units[i]) * self.slot
            width = at - self.slot
            mine = [offsets[k] + self.units[i].index(p) * self.slot
                    for k, i in enumerate(run) for p in self.units[i] if self.home.get(p) is fam]
            centre = (min(mine) + max(mine)) / 2 if mine else width / 2
            for k, i in enumerate(run):
                out[i] = anchor - centre + offsets[k]
        return out

    def _over_children(self, unit: list[str]) -> float | None:
        """Left x that puts the unit's couples over the middle of their children."""
        wants = []
        for k, p in enumerate(unit):
            for fam in self._families_of(p):
                kids = [self.x[c] for c in fam.primary if c in self.x]
                offs = [unit.index(q) for q in fam.parents if q in unit]
                if kids and offs and fam.parents[0] == p:
                    wants.append((min(kids) + max(kids)) / 2 - sum(offs) / len(offs) * self.slot)
        return sum(wants) / len(wants) if wants else None

    def _families_of(self, person: str) -> list[Family]:
        if not hasattr(self, "_fam_index"):
            self._fam_index = defaultdict(list)
            for fam in self.families:
                for p in fam.parents:
                    self._fam_index[p].append(fam)
        return self._fam_index.get(person, [])

    def _settle_tops(self) -> None:
        """Shift everything so the leftmost symbol is at x = 0."""
        low = min(self.x.values(), default=0.0)
        self.x = {p: round(x - low, 6) for p, x in self.x.items()}

    # ---- geometry

    def _geometry(self) -> Layout:
        rows = {r: [p for i in self.row_units[r] for p in self.units[i]] for r in self.row_units}
        return build_geometry(self.g, self.x, self.gen, rows, self.families, self.partner_edges,
                              self.labels, self.warnings, self.unit_of)


def _flip_better(wishes: list[float | None], slot: float) -> bool:
    """True when reversing a unit brings its members nearer where they want to be."""
    known = [(k, w) for k, w in enumerate(wishes) if w is not None]
    if len(known) < 1:
        return False
    n = len(wishes)
    centre = sum(w for _, w in known) / len(known)
    mean_k = sum(k for k, _ in known) / len(known)
    now = sum(abs((w - centre) - (k - mean_k) * slot) for k, w in known)
    rev = sum(abs((w - centre) - ((n - 1 - k) - (n - 1 - mean_k)) * slot) for k, w in known)
    if len(known) == 1:
        return False
    return rev < now - 1e-6


def _edge_key(edge):
    a, b, d = edge
    return (d["kind"], a, b, d.get("start") or "", d.get("subtype") or "")


def _years_apart(graph: nx.MultiDiGraph, older: str, younger: str) -> float | None:
    a, b = graph.nodes[older].get("dob"), graph.nodes[younger].get("dob")
    if not a or not b:
        return None
    return (int(b[:4]) - int(a[:4])) * 1.0


def _nearest_in_age(graph: nx.MultiDiGraph, person: str, candidates: list[str]) -> str | None:
    if not candidates:
        return None
    def key(c):
        gap = _years_apart(graph, c, person)
        return (abs(gap) if gap is not None else 99, c)
    return min(candidates, key=key)


def _isotonic_with_gaps(targets: list[float], weights: list[float], gaps: list[float]) -> list[float]:
    """Positions as near the targets as possible (weighted least squares) with
    ``x[i+1] - x[i] >= gaps[i]``: pool adjacent violators on gap-shifted targets."""
    offsets = [0.0]
    for gap in gaps:
        offsets.append(offsets[-1] + gap)
    shifted = [t - o for t, o in zip(targets, offsets)]
    blocks: list[list[float]] = []      # [mean, weight, count]
    for value, weight in zip(shifted, weights):
        blocks.append([value, max(weight, 1e-6), 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, n2 = blocks.pop()
            m1, w1, n1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, n1 + n2])
    out = []
    for mean, _, count in blocks:
        out += [mean] * count
    return [v + o for v, o in zip(out, offsets)]


def grid_layout(graph: nx.MultiDiGraph, reason: str) -> Layout:
    """The fallback: people in rows by birth year, straight lines between relatives."""
    people = sorted(graph.nodes, key=lambda p: (graph.nodes[p].get("dob") or "9999", p))
    per_row = max(1, int(math.sqrt(len(people)) * 1.5))
    pos, gen, rows = {}, {}, defaultdict(list)
    for k, p in enumerate(people):
        row, col = divmod(k, per_row)
        pos[p] = (col * SLOT, -row * 5.0)
        gen[p] = row
        rows[row].append(p)
    labels = {p: len(person_label(graph.nodes[p])) * LINE_H for p in people}
    return Layout(pos, gen, dict(rows), [], straight_lines(graph, pos), [], [reason], labels)
