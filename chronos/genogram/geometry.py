"""From x positions and generations to the chart's lines: partner lines, descent lines,
sibship lines (staggered on tracks so they never lie on top of each other), child lines
and twin lines from one point."""

from __future__ import annotations

from collections import defaultdict

import networkx as nx

from chronos.genogram.chart import SYMBOL, Family, Layout, Line

HALF = SYMBOL / 2
TRACK = 0.35          # vertical distance between stacked sibship or partner tracks
STUB = 0.6            # shortest vertical line above a child


def is_virtual(fam: Family) -> bool:
    """A family with no recorded parents (siblings who only know each other)."""
    return not fam.parents or fam.parents[0].startswith("sibs:")


def build_geometry(graph: nx.MultiDiGraph, x: dict, gen: dict, rows: dict, families: list[Family],
                   partner_edges: dict, labels: dict, warnings: list[str], unit_of: dict) -> Layout:
    """The finished :class:`Layout`: row heights from label sizes and track counts."""
    order = {p: k for members in rows.values() for k, p in enumerate(members)}
    kinds = {pair: _partner_kind(pair, gen, order, unit_of) for pair in partner_edges
             if pair[0] in x and pair[1] in x}
    brackets = _assign_tracks({pair: (min(x[a], x[b]), max(x[a], x[b]), gen[a])
                               for pair, k in kinds.items() if k == "bracket" for a, b in [pair]})
    bands = _sibship_intervals(families, x, gen, partner_edges, kinds)
    sib_tracks = _assign_sibship_tracks(bands)
    label_max = {r: max((labels.get(p, 0) for p in rows[r]), default=0) for r in rows}
    y_row = _row_heights(rows, label_max, brackets, sib_tracks)
    pos = {p: (x[p], y_row[gen[p]]) for p in x}
    lines, partnerships, anchors = _partner_lines(partner_edges, kinds, pos, gen, brackets,
                                                  label_max, y_row)
    lines += _family_lines(families, pos, gen, anchors, sib_tracks, y_row)
    _warn_long_lines(families, gen, warnings)
    return Layout(pos, dict(gen), rows, families, lines, partnerships, warnings, labels)


def _partner_kind(pair, gen, order, unit_of) -> str:
    a, b = pair
    if gen[a] != gen[b]:
        return "diagonal"
    if unit_of.get(a) == unit_of.get(b) and abs(order[a] - order[b]) == 1:
        return "adjacent"
    return "bracket"


def _assign_tracks(intervals: dict) -> dict:
    """Greedy interval colouring per row: ``key -> (row, track)`` so that intervals on
    the same track of a row never touch."""
    by_row = defaultdict(list)
    for key, (lo, hi, row) in intervals.items():
        by_row[row].append((lo, hi, key))
    out = {}
    for row, items in by_row.items():
        ends: list[float] = []
        for lo, hi, key in sorted(items, key=lambda t: (t[0], t[1], str(t[2]))):
            track = next((t for t, end in enumerate(ends) if end < lo - 0.4), len(ends))
            if track == len(ends):
                ends.append(hi)
            else:
                ends[track] = hi
            out[key] = (row, track)
    return out


def _anchor_x(fam: Family, x: dict) -> float | None:
    if is_virtual(fam):
        xs = [x[c] for c in fam.children if c in x]
    else:
        xs = [x[p] for p in fam.parents if p in x]
    return sum(xs) / len(xs) if xs else None


def _child_points(fam: Family, x: dict, members: list[str]) -> list[float]:
    """x of each place a child line leaves the sibship line (twins share one)."""
    twin_of = {c: t for t in fam.twins for c in t}
    pts = []
    for child in members:
        group = [c for c in twin_of.get(child, [child]) if c in members]
        pts.append(sum(x[c] for c in group) / len(group))
    return pts


def _sibship_intervals(families, x, gen, partner_edges, kinds) -> dict:
    bands = {}
    for fam in families:
        ax = _anchor_x(fam, x)
        if ax is None:
            continue
        by_row = defaultdict(list)
        for child in fam.children:
            if child in x:
                by_row[gen[child]].append(child)
        for row, members in by_row.items():
            pts = _child_points(fam, x, members)
            ends = pts + ([] if is_virtual(fam) else [ax])
            bands[(fam.id, row)] = (min(ends), max(ends), row, None if is_virtual(fam) else ax, pts)
    return bands


def _assign_sibship_tracks(bands: dict) -> dict:
    """Tracks for sibship lines: overlapping lines get different heights, and of two
    overlapping families the one whose lines cross fewer of the other's goes above."""
    by_row = defaultdict(list)
    for key, band in bands.items():
        by_row[band[2]].append((band[0], band[1], key))
    out = {}
    for row, items in by_row.items():
        above = nx.DiGraph()
        above.add_nodes_from(k for _, _, k in items)
        items.sort(key=lambda t: (t[0], t[1], str(t[2])))
        for i, (lo, hi, a) in enumerate(items):
            for lo2, hi2, b in items[i + 1:]:
                if lo2 > hi + 0.4:
                    break
                first, second = (a, b) if _cost_above(bands[a], bands[b]) <= _cost_above(
                    bands[b], bands[a]) else (b, a)
                above.add_edge(first, second)
        while not nx.is_directed_acyclic_graph(above):
            above.remove_edge(*nx.find_cycle(above)[0][:2])
        track = {}
        for key in reversed(list(nx.topological_sort(above))):
            track[key] = 1 + max((track[k] for k in above.successors(key)), default=-1)
        out.update({key: (row, t) for key, t in track.items()})
    return out


def _cost_above(upper, lower) -> int:
    """Crossings if ``upper``'s sibship line is drawn above ``lower``'s: lower's descent
    through upper's line, and upper's child lines through lower's line."""
    ulo, uhi, _, _, upts = upper
    llo, lhi, _, lax, _ = lower
    cost = int(lax is not None and ulo + 1e-9 < lax < uhi - 1e-9)
    return cost + sum(1 for p in upts if llo + 1e-9 < p < lhi - 1e-9)


def _row_heights(rows, label_max, brackets, sib_tracks) -> dict[int, float]:
    n_brackets, n_sibs = defaultdict(int), defaultdict(int)
    for row, track in brackets.values():
        n_brackets[row] = max(n_brackets[row], track + 1)
    for row, track in sib_tracks.values():
        n_sibs[row] = max(n_sibs[row], track + 1)
    y = {}
    at = 0.0
    for row in range(min(rows, default=0), max(rows, default=0) + 1):
        if row - 1 in y:
            above = label_max.get(row - 1, 0) + n_brackets[row - 1] * TRACK
            at -= HALF + 0.15 + above + 0.45 + n_sibs[row] * TRACK + STUB + HALF
        y[row] = at
    return y


def _partner_lines(partner_edges, kinds, pos, gen, brackets, label_max, y_row):
    lines, partnerships, anchors = [], [], {}
    for pair, kind in sorted(kinds.items()):
        a, b = sorted(pair, key=lambda p: pos[p][0])
        (xa, ya), (xb, yb) = pos[a], pos[b]
        status = partner_edges[pair]
        if kind == "adjacent":
            pts = [(xa + HALF, ya), (xb - HALF, yb)]
            anchor = ((xa + xb) / 2, ya)
        elif kind == "bracket":
            row, track = brackets[pair]
            yb_ = y_row[row] - HALF - label_max.get(row, 0) - 0.3 - track * TRACK
            pts = [(xa, ya - HALF), (xa, yb_), (xb, yb_), (xb, yb - HALF)]
            anchor = ((xa + xb) / 2, yb_)
        else:
            pts = [(xa, ya), (xb, yb)]
            anchor = ((xa + xb) / 2, (ya + yb) / 2)
        owner = f"P:{pair[0]}|{pair[1]}"
        lines.append(Line(pts, "partner", status, owner))
        partnerships.append({"a": a, "b": b, "status": status, "kind": kind,
                             "points": pts, "anchor": anchor})
        anchors[pair] = anchor
    return lines, partnerships, anchors


def _family_anchor(fam: Family, pos, anchors) -> tuple[float, float] | None:
    if is_virtual(fam):
        return None
    if len(fam.parents) == 2 and tuple(sorted(fam.parents)) in anchors:
        return anchors[tuple(sorted(fam.parents))]
    p = fam.parents[0]
    return (pos[p][0], pos[p][1] - HALF) if p in pos else None


def _family_lines(families, pos, gen, anchors, sib_tracks, y_row) -> list[Line]:
    lines = []
    for fam in families:
        owner = f"F:{fam.id}"
        x = {p: xy[0] for p, xy in pos.items()}
        anchor = _family_anchor(fam, pos, anchors)
        by_row = defaultdict(list)
        for child in fam.children:
            if child in pos:
                by_row[gen[child]].append(child)
        lowest = None
        for row, members in sorted(by_row.items()):
            if (fam.id, row) not in sib_tracks:
                continue
            _, track = sib_tracks[(fam.id, row)]
            ty = y_row[row] + HALF + STUB + track * TRACK
            lowest = ty if lowest is None else min(lowest, ty)
            lines += _sibship(fam, members, x, pos, ty, anchor, owner)
        if anchor is not None and lowest is not None and anchor[1] > lowest:
            lines.append(Line([anchor, (anchor[0], lowest)], "descent", "biological", owner))
    return lines


def _sibship(fam, members, x, pos, ty, anchor, owner) -> list[Line]:
    pts = _child_points(fam, x, members)
    ends = pts + ([anchor[0]] if anchor is not None else [])
    lines = []
    if max(ends) - min(ends) > 1e-9:
        lines.append(Line([(min(ends), ty), (max(ends), ty)], "sibship", "biological", owner))
    twin_of = {c: t for t in fam.twins for c in t}
    for child, px in zip(members, pts):
        cx, cy = pos[child]
        kind = "twin" if len(twin_of.get(child, [])) > 1 else "child"
        lines.append(Line([(px, ty), (cx, cy + HALF)], kind, fam.line.get(child, "biological"),
                          owner))
    return lines


def _warn_long_lines(families, gen, warnings) -> None:
    long = sum(1 for fam in families if not is_virtual(fam) for c in fam.children
               if c in gen and all(p in gen for p in fam.parents)
               and gen[c] - max(gen[p] for p in fam.parents) > 1)
    if long:
        warnings.append(f"{long} child line(s) span more than one generation")


def straight_lines(graph: nx.MultiDiGraph, pos: dict) -> list[Line]:
    """Plain straight lines between relatives (for the grid fallback)."""
    lines = []
    for a, b, d in sorted(graph.edges(data=True), key=lambda e: (e[0], e[1], e[2]["kind"])):
        if a in pos and b in pos and d["kind"] in ("parent", "partner"):
            kind = "child" if d["kind"] == "parent" else "partner"
            style = d.get("status") or d.get("subtype") or "biological"
            lines.append(Line([pos[a], pos[b]], kind, style, f"{kind}:{a}|{b}"))
    return lines
