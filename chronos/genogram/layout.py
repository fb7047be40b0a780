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
   and children sit under their parents as far as the family allows. The spacing of two
   neighbours is what their labels, the partner-line dates between them and the
   household boundary need, so that no label touches another or a line.
6. **Drawn twice**: a person who married into a family placed far from their own (or
   whose partner is more than one generation below their parents) is drawn a second
   time among their siblings, both symbols tagged with one number, and the layout is
   redone: one long line across the chart becomes none (pedigree software's
   "duplicate" individuals).

Lines never leave a symbol through its label: a person from whom a line goes down (a
partner line to a partner who is not beside them, a lone parent's line to a child) has
the line leave below the symbol a little to one side and the label set to the other.

Where a family cannot be drawn cleanly (a parent cycle, partners on different
generations, child lines crossing rows) the layout still draws it and says so in
:attr:`Layout.warnings`. Units: one symbol is 1.0 wide; y grows upwards (row 0 on top).
"""

from __future__ import annotations

import math
from collections import defaultdict

import networkx as nx

from chronos.genogram.chart import SYMBOL, Family, Layout, Line  # noqa: F401 (re-exported)
from chronos.genogram.geometry import Plan, build_geometry, straight_lines
from chronos.genogram.labels import LINE_H_DEFAULT as LINE_H
from chronos.genogram.labels import (PARTNER_SCALE, label_box, partner_dates, person_label,
                                     pseudonyms, text_width)

SLOT = 3.1            # centre-to-centre distance of neighbours on a row (grid fallback)
MIN_GAP = 2.0         # least centre-to-centre distance of neighbours on a row
LABEL_GAP = 0.4       # clear space between the labels of two neighbours
FAMILY_GAP = 1.2      # extra space between sibships of different families
HOUSEHOLD_GAP = 0.7   # extra space where the household boundary passes between neighbours
HALF = SYMBOL / 2
DROP = 0.34           # how far from a symbol's centre a partner line leaves it downwards
LONE_DROP = 0.17      # ... and a lone parent's line to the children
CLEAR = 0.12          # space between such a line and the label set aside for it
BOUNDARY_CLEAR = 0.45 # space between a household member's label and words outside it
TWICE_AFTER = 5.0     # draw twice a person married in further than this many gaps away
PRIMARY_ORDER = ("adoptive", "biological", "foster", "step")


def layout_genogram(graph: nx.MultiDiGraph, *, spacing: float = 1.0, pseudonymised: bool = False,
                    strict: bool = False) -> Layout:
    """Lay out a genogram graph from :func:`chronos.genogram.graph.build_graph`.

    ``spacing`` scales the least distance between neighbours (labels always get the room
    they need). With ``pseudonymised`` the labels measured are the pseudonymised ones.
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
        self.min_gap = MIN_GAP * spacing
        self.pseudonymised = pseudonymised
        self.names = pseudonyms(graph) if pseudonymised else {}
        self.people = sorted(graph.nodes)
        self.copy_of: dict[str, str] = {}
        self.warnings: list[str] = []
        self.label_w: dict[str, float] = {}
        self.label_h: dict[str, float] = {}
        self._gap_cache: dict[tuple, float] = {}
        self._offset_cache: dict[tuple, list[float]] = {}
        self._root_cache: dict[tuple, str] = {}
        self._home_memo: dict[int, Family | None] = {}
        for person in self.people:
            self._measure(person)

    def data(self, person: str) -> dict:
        """The node data of a person (a copy drawn twice: its original's, marked)."""
        if person in self.copy_of:
            return {**self.g.nodes[self.copy_of[person]], "copy": True, "is_index": False}
        return self.g.nodes[person]

    def _measure(self, person: str) -> None:
        data, name = self.data(person), self.names.get(self.copy_of.get(person, person))
        lines = person_label(data, name=name, pseudonymised=self.pseudonymised)
        box = label_box(data, 0.0, 0.0, name=name, pseudonymised=self.pseudonymised)
        self.label_h[person] = len(lines) * LINE_H
        self.label_w[person] = box[2] - box[0] if box else 0.0

    def run(self) -> Layout:
        self._collect_relations()
        self._make_families()
        base = list(self.warnings)
        for _ in range(3):             # quick drafts: who has to be drawn twice
            self._prepare(base)
            self._order_and_place(sweeps=1)
            if not self._draw_twice():
                break
        self._prepare(base)
        self._order_and_place(sweeps=3)
        return self._geometry()

    def _prepare(self, warnings: list[str]) -> None:
        """Generations, units and downward lines for the families as they now stand."""
        self.warnings = list(warnings)
        self._gap_cache.clear()
        self._offset_cache.clear()
        self._home_memo.clear()
        self._assign_generations()
        self._make_units()
        self._plan_drops()

    # ---- relations and families

    def _collect_relations(self) -> None:
        self.parent_of = defaultdict(lambda: defaultdict(list))   # child -> subtype -> parents
        self.partner_edges: dict[tuple[str, str], str] = {}
        self.partner_data: dict[tuple[str, str], dict] = {}
        self.sibling_edges: list[tuple[str, str]] = []
        self.emotional: list[tuple[str, str, dict]] = []
        self.household = defaultdict(set)
        for a, b, d in sorted(self.g.edges(data=True), key=_edge_key):
            if d["kind"] == "parent":
                self.parent_of[b][d["subtype"]].append(a)
            elif d["kind"] == "partner":
                pair = tuple(sorted((a, b)))
                self.partner_edges[pair] = d.get("status") or "partner"
                self.partner_data[pair] = d
            elif d["kind"] == "sibling":
                self.sibling_edges.append((a, b))
            elif d["kind"] == "household":
                self.household[a].add(b)
                self.household[b].add(a)
            elif d["kind"] == "emotional":
                self.emotional.append((a, b, d))
        self.in_household = {p for p in self.people if self.g.nodes[p].get("in_household")}

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
                self.partner_data[fam.parents] = {}
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
            return (self.data(child).get("dob") or "9999", child)
        fam.children.sort(key=key)
        by_dob = defaultdict(list)
        for child in fam.children:
            dob = self.data(child).get("dob")
            if dob and child in fam.primary and self.data(child)["kind"] == "person":
                by_dob[dob].append(child)
        twins = {tuple(sorted((a, b))) for a, b in self.sibling_edges}
        for a, b in twins:
            if a in fam.primary and b in fam.primary and self._is_twin_edge(a, b):
                by_dob[("twin", a)] = [a, b]
        fam.twins = sorted({tuple(sorted(v)) for v in by_dob.values() if len(v) > 1})
        fam.twins = [list(t) for t in fam.twins]

    def _is_twin_edge(self, a: str, b: str) -> bool:
        a, b = self.copy_of.get(a, a), self.copy_of.get(b, b)
        return any(d["kind"] == "sibling" and "twin" in (d.get("subtype") or "")
                   for d in list(self.g.get_edge_data(a, b, default={}).values())
                   + list(self.g.get_edge_data(b, a, default={}).values()))

    # ---- generations

    def _parent_edges(self) -> list[tuple[str, str]]:
        return sorted({(p, c) for fam in self.families for p in fam.parents if p in self.label_w
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
        index = [p for p in self.people if self.data(p)["is_index"] and p in tied]
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
                                                      self.data(p)["sex"] == "M"))
        tree = nx.bfs_tree(comp, root)
        kids = self._partners_by_date(root, list(tree.successors(root)))
        if len(kids) == 1 and self.data(root)["sex"] == "M":
            return [root] + self._chain_right(tree, kids[0])
        left, right = kids[:1], kids[1:]
        rank = {k: n for n, k in enumerate(right)}
        right.sort(key=lambda k: (self._have_children(root, k), tree.out_degree(k) > 0, rank[k]))
        out = [p for k in left for p in self._chain_left(tree, k)] + [root]
        return out + [p for k in right for p in self._chain_right(tree, k)]

    def _partners_by_date(self, person: str, others: list[str]) -> list[str]:
        """Partners in the order the partnerships began (the start date, else the birth
        of their first child together); partnerships with no date and no child last."""
        def key(other):
            data = self.partner_data.get(tuple(sorted((person, other)))) or {}
            start = data.get("start") or ""
            fam = self.by_parents.get(tuple(sorted((person, other))))
            born = min((self.data(c).get("dob") or "9999" for c in fam.children), default="9999") \
                if fam else "9999"
            return (min(start or "9999", born), other)
        return sorted(others, key=key)

    def _have_children(self, a: str, b: str) -> bool:
        """True when a and b have children together (partners without children go next
        to each other, so that a line to a partner further away crosses no descent)."""
        fam = self.by_parents.get(tuple(sorted((a, b))))
        return bool(fam and fam.children)

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

    # ---- lines that leave a symbol downwards, and the labels set aside for them

    def _plan_drops(self) -> None:
        """Which side of each symbol a downward line leaves from, and where its label goes.

        Partners who are not neighbours are joined below the row: each one's line leaves
        at ``DROP`` towards the other. A lone parent's line to the children leaves at
        ``LONE_DROP``, on the side the person already has lines, else the right."""
        self.partners_of = defaultdict(list)
        for a, b in self.partner_edges:
            self.partners_of[a].append(b)
            self.partners_of[b].append(a)
        self.lone_families = defaultdict(list)
        for fam in self.families:
            if len(fam.parents) == 1 and not fam.parents[0].startswith("sibs:"):
                self.lone_families[fam.parents[0]].append(fam)
        self.drops: dict[str, dict[str, float]] = {}
        self.label_dx: dict[str, float] = {}
        self.both_sides: set[str] = set()
        for person in sorted(set(self.partners_of) | set(self.lone_families)):
            self._plan_person_drops(person)

    def _plan_person_drops(self, person: str) -> None:
        drops = {}
        self.both_sides.discard(person)
        for other in self.partners_of.get(person, []):
            if person not in self.unit_of or self.gen.get(person) != self.gen.get(other) \
                    or self._adjacent(person, other):
                continue
            unit = self.units[self.unit_of[person]]
            a, b = sorted((person, other))
            drops[f"P:{a}|{b}"] = DROP if unit.index(other) > unit.index(person) else -DROP
        sides = {math.copysign(1, v) for v in drops.values()}
        side = sides.pop() if len(sides) == 1 else 1.0
        for fam in self.lone_families.get(person, []):
            drops[f"F:{fam.id}"] = side * LONE_DROP
        self.drops[person] = drops
        self.label_dx[person] = self._label_shift(person, list(drops.values()))

    def _label_shift(self, person: str, offsets: list[float]) -> float:
        if not offsets:
            return 0.0
        half = self.label_w.get(person, 0.0) / 2
        if all(v > 0 for v in offsets):
            return min(0.0, min(offsets) - CLEAR - half)
        if all(v < 0 for v in offsets):
            return max(0.0, max(offsets) + CLEAR + half)
        self.both_sides.add(person)
        return 0.0

    def _adjacent(self, a: str, b: str) -> bool:
        if a not in self.unit_of or self.unit_of[a] != self.unit_of.get(b):
            return False
        unit = self.units[self.unit_of[a]]
        return abs(unit.index(a) - unit.index(b)) == 1

    # ---- spacing

    def _extent(self, person: str) -> tuple[float, float]:
        """How far the person's label reaches left and right of the symbol's centre."""
        half = max(self.label_w.get(person, 0.0) / 2, SYMBOL / 2)
        dx = self.label_dx.get(person, 0.0)
        return half - dx, half + dx

    def _pair_gap(self, a: str, b: str) -> float:
        """Least centre distance of neighbours ``a`` (left) and ``b`` on a row."""
        key = (a, b, self.label_dx.get(a), self.label_dx.get(b))     # the drops decide both
        if key in self._gap_cache:
            return self._gap_cache[key]
        right_a, left_b = self._extent(a)[1], self._extent(b)[0]
        need = max(self.min_gap, right_a + left_b + LABEL_GAP, SYMBOL + 0.6)
        for dx in self.drops.get(a, {}).values():
            if dx > 0:
                need = max(need, dx + CLEAR + left_b)
        for dx in self.drops.get(b, {}).values():
            if dx < 0:
                need = max(need, -dx + CLEAR + right_a)
        pair = tuple(sorted((a, b)))
        apart = (a in self.in_household) != (b in self.in_household)
        if pair in self.partner_edges and self._adjacent(a, b):
            text = self._partner_text_width(pair)
            need = max(need, text + SYMBOL + 0.5)
            if apart and text:        # the dates sit outside the household boundary
                inside = left_b if b in self.in_household else right_a
                need = max(need, text + HALF + 0.25 + inside + BOUNDARY_CLEAR + HOUSEHOLD_GAP)
            if self.by_parents.get(pair):      # a descent line leaves the middle
                need = max(need, 2 * max(right_a, left_b) + 2 * CLEAR)
        if apart:
            need += HOUSEHOLD_GAP
        self._gap_cache[key] = need
        return need

    def _partner_text_width(self, pair) -> float:
        lines = partner_dates(self.partner_data.get(pair) or {}, pseudonymised=self.pseudonymised)
        return max((text_width(t, PARTNER_SCALE) for t in lines if t), default=0.0)

    def _offsets(self, unit: list[str]) -> list[float]:
        key = tuple(unit)
        if key not in self._offset_cache:
            out = [0.0]
            for a, b in zip(unit, unit[1:]):
                out.append(out[-1] + self._pair_gap(a, b))
            self._offset_cache[key] = out
        return self._offset_cache[key]

    # ---- ordering and coordinates

    def _order_and_place(self, sweeps: int = 3) -> None:
        self.row_units = defaultdict(list)
        for i, unit in enumerate(self.units):
            self.row_units[self.gen[unit[0]]].append(i)
        self.depth = max(self.row_units, default=0)
        self.x = {}
        self._home_memo.clear()
        for sweep in range(sweeps):
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
        others = self._other_families_centre(unit)
        if others is not None:
            bary = others
        if bary is None:
            bary = self._household_centre(unit)
        if bary is None:
            dob = min((self.data(p).get("dob") or "9999") for p in unit)
            return (math.inf, 1, 0, dob, i)
        return (bary, 1, 0, 0, i)

    def _unit_home(self, unit: list[str]) -> Family | None:
        """The family the unit hangs from: its most-partnered member's, if placed."""
        memo = self._home_memo
        key = id(unit)
        if key not in memo:
            memo[key] = self._find_unit_home(unit)
        return memo[key]

    def _find_unit_home(self, unit: list[str]) -> Family | None:
        root = self._unit_root(unit)
        if root in self.home and self._placed_parents(self.home[root]):
            return self.home[root]
        for p in unit:
            if p in self.home and self._placed_parents(self.home[p]):
                return self.home[p]
        return None

    def _unit_root(self, unit: list[str]) -> str:
        key = tuple(unit)
        if key not in self._root_cache:
            self._root_cache[key] = max(unit, key=lambda p: (
                len([q for q in unit if (min(p, q), max(p, q)) in self.partner_edges]),
                -unit.index(p)))
        return self._root_cache[key]

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

    def _other_families_centre(self, unit: list[str]) -> float | None:
        """Where the unit's children's other families hang from (the adoptive parents or
        foster carers of a child whose birth parents are in this unit)."""
        xs = []
        for p in unit:
            for fam in self._families_of(p):
                for child in fam.children:
                    for other in self._child_families(child):
                        if other is not fam and self._anchor_x(other) is not None:
                            xs.append(self._anchor_x(other))
        return sum(xs) / len(xs) if xs else None

    def _child_families(self, child: str) -> list[Family]:
        if getattr(self, "_child_index_of", None) is not self.families:
            self._child_index = defaultdict(list)
            for fam in self.families:
                for c in fam.children:
                    self._child_index[c].append(fam)
            self._child_index_of = self.families
        return self._child_index.get(child, [])

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
        if len(unit) >= 2 and _flip_better([self._wish(p) for p in unit], self.min_gap * 1.4):
            unit.reverse()
            self._home_memo.pop(id(unit), None)
            for person in unit:
                self._plan_person_drops(person)

    def _compact(self, row: int) -> None:
        """Provisional positions: units side by side, centred on their wishes."""
        self._place_row(row, down=True)

    def _gaps(self, units: list[int]) -> list[float]:
        gaps = []
        for a, b in zip(units, units[1:]):
            same = self._unit_home(self.units[a]) is self._unit_home(self.units[b])
            width = self._offsets(self.units[a])[-1]
            gap = self._pair_gap(self.units[a][-1], self.units[b][0])
            gaps.append(width + gap + (0.0 if same else FAMILY_GAP))
        return gaps

    def _place_row(self, row: int, down: bool) -> None:
        units = self.row_units.get(row, [])
        if not units:
            return
        targets, weights = self._targets(units, down)
        lefts = _isotonic_with_gaps(targets, weights, self._gaps(units))
        for i, left in zip(units, lefts):
            for p, off in zip(self.units[i], self._offsets(self.units[i])):
                self.x[p] = left + off
        self._home_memo.clear()          # the homes' anchors may have moved

    def _targets(self, units: list[int], down: bool) -> tuple[list[float], list[float]]:
        targets, weights = [], []
        sibships = self._sibship_targets(units)
        for pos, i in enumerate(units):
            unit = self.units[i]
            here = self.x.get(unit[0], pos * 2 * SLOT)
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
            starts, at = [], 0.0
            for k, i in enumerate(run):
                starts.append(at)
                at += self._offsets(self.units[i])[-1]
                if k + 1 < len(run):
                    at += self._pair_gap(self.units[i][-1], self.units[run[k + 1]][0])
            mine = [starts[k] + off for k, i in enumerate(run)
                    for p, off in zip(self.units[i], self._offsets(self.units[i]))
                    if self.home.get(p) is fam]
            centre = (min(mine) + max(mine)) / 2 if mine else at / 2
            for k, i in enumerate(run):
                out[i] = anchor - centre + starts[k]
        return out

    def _over_children(self, unit: list[str]) -> float | None:
        """Left x that puts the unit's couples over the middle of their children."""
        wants = []
        offsets = dict(zip(unit, self._offsets(unit)))
        for p in unit:
            for fam in self._families_of(p):
                kids = [self.x[c] for c in fam.primary if c in self.x]
                offs = [offsets[q] for q in fam.parents if q in offsets]
                if kids and offs and fam.parents[0] == p:
                    wants.append((min(kids) + max(kids)) / 2 - sum(offs) / len(offs))
        return sum(wants) / len(wants) if wants else None

    def _families_of(self, person: str) -> list[Family]:
        if getattr(self, "_fam_index_of", None) is not self.families:
            self._fam_index = defaultdict(list)
            for fam in self.families:
                for p in fam.parents:
                    self._fam_index[p].append(fam)
            self._fam_index_of = self.families
        return self._fam_index.get(person, [])

    def _settle_tops(self) -> None:
        """Shift everything so the leftmost symbol is at x = 0."""
        low = min(self.x.values(), default=0.0)
        self.x = {p: round(x - low, 6) for p, x in self.x.items()}

    # ---- drawing people twice

    def _draw_twice(self) -> bool:
        """Give a second symbol, among their siblings, to people whose line to their
        parents would cross the chart; True if anyone was given one."""
        far = [p for p in sorted(self.home) if self._stretched(p)]
        for person in far:
            self._copy_into_family(person)
        if far:
            self._fam_index_of = self._child_index_of = None
        return bool(far)

    def _stretched(self, person: str) -> bool:
        fam = self.home[person]
        if person in self.copy_of or fam.parents[0].startswith("sibs:") or person not in self.x:
            return False
        unit = self.units[self.unit_of[person]]
        if len(unit) == 1:
            return False
        parents = [self.gen[q] for q in fam.parents if q in self.gen]
        if parents and self.gen[person] - max(parents) > 1:
            return True
        if self._unit_home(unit) is fam:
            return False
        near = [self.x[c] for c in fam.children if c != person and c in self.x
                and self.gen[c] == self.gen[person]] + [self._anchor_x(fam)]
        return min(abs(self.x[person] - v) for v in near if v is not None) > TWICE_AFTER * self.min_gap

    def _copy_into_family(self, person: str) -> None:
        copy = f"copy:{person}"
        self.copy_of[copy] = person
        self.people = sorted(self.people + [copy])
        self._measure(copy)
        for fam in self.families:
            if person in fam.children:
                fam.children[fam.children.index(person)] = copy
                fam.line[copy] = fam.line.pop(person)
                if person in fam.primary:
                    fam.primary.discard(person)
                    fam.primary.add(copy)
                fam.twins = [[copy if c == person else c for c in t] for t in fam.twins]
        self.home[copy] = self.home.pop(person)
        self.sibling_edges = [tuple(copy if p == person else p for p in e) for e in self.sibling_edges]

    # ---- geometry

    def _geometry(self) -> Layout:
        rows = {r: [p for i in self.row_units[r] for p in self.units[i]] for r in self.row_units}
        plan = Plan(x=self.x, gen=self.gen, rows=rows, families=self.families,
                    partner_edges=self.partner_edges, partner_data=self.partner_data,
                    label_w=self.label_w, label_h=self.label_h, label_dx=self.label_dx,
                    drops=self.drops, unit_of=self.unit_of, emotional=self.emotional,
                    household=set(self.in_household),
                    index={p for p in self.people if self.data(p).get("is_index")},
                    copies=dict(self.copy_of), pseudonymised=self.pseudonymised)
        if self.both_sides:
            self.warnings.append(f"{len(self.both_sides)} people have lines leaving on both "
                                 "sides below them: their labels are crossed")
        if self.copy_of:
            self.warnings.append(f"{len(self.copy_of)} people are drawn twice (with their partner "
                                 "and among their siblings), tagged with one number")
        return build_geometry(plan, self.warnings)


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
