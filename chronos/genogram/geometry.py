"""From x positions and generations to the chart's lines, labels and words.

Partner lines (between neighbours at mid-height; to a partner further along the row,
below the labels, leaving each symbol a little to one side), descent lines, sibship lines
(staggered on tracks so they never lie on top of each other), child lines (a child with
two families, e.g. adopted, gets the second family's line beside the first, never on
it), twin lines from one point, emotional relationship lines (between neighbouring
partners just above their partner line; otherwise in a lane above the row), partner-line
dates, and where each label goes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import networkx as nx

from chronos.genogram.chart import SYMBOL, Family, Layout, Line, Text
from chronos.genogram.labels import (PARTNER_LINE_H, PARTNER_SCALE, label_top, partner_dates,
                                     text_width)

HALF = SYMBOL / 2
TRACK = 0.35          # vertical distance between stacked sibship or partner tracks
STUB = 1.05           # shortest vertical line above a child (room for a lane above the row)
EDGE = 0.46           # where a line leaving a symbol off-centre starts (just outside its core)
SECOND = 0.28         # how far beside the first a second family's child line lands
LANE = HALF + 0.75    # height above a row's centre of the lane for emotional lines
EMOTION_Y = 0.2       # height above the partner line of an emotional line between neighbours


@dataclass
class Plan:
    """What the layouter decided: positions, rows, families, and what lines leave where."""

    x: dict
    gen: dict
    rows: dict
    families: list[Family]
    partner_edges: dict
    partner_data: dict
    label_w: dict
    label_h: dict
    label_dx: dict
    drops: dict
    unit_of: dict
    emotional: list = field(default_factory=list)
    index: set = field(default_factory=set)
    copies: dict = field(default_factory=dict)
    pseudonymised: bool = False
    household: set = field(default_factory=set)


def is_virtual(fam: Family) -> bool:
    """A family with no recorded parents (siblings who only know each other)."""
    return not fam.parents or fam.parents[0].startswith("sibs:")


def build_geometry(plan: Plan, warnings: list[str]) -> Layout:
    """The finished :class:`Layout`: row heights from label sizes and track counts."""
    x, gen, rows = plan.x, plan.gen, plan.rows
    order = {p: k for members in rows.values() for k, p in enumerate(members)}
    kinds = {pair: _partner_kind(pair, gen, order, plan.unit_of) for pair in plan.partner_edges
             if pair[0] in x and pair[1] in x}
    dates = {pair: partner_dates(plan.partner_data.get(pair) or {},
                                 pseudonymised=plan.pseudonymised) for pair in kinds}
    brackets = _assign_tracks({pair: (*_bracket_span(pair, x, plan.drops), gen[pair[0]])
                               for pair, k in kinds.items() if k == "bracket"})
    pitch = _bracket_pitch(brackets, dates)
    landings = _landings(plan.families, x, gen, plan.partner_edges, plan.drops)
    bands = _sibship_intervals(plan.families, x, gen, landings, plan.drops)
    sib_tracks = _assign_sibship_tracks(bands)
    below = {p: _below(p, plan) for p in x}
    label_max = {r: max((below[p] for p in rows[r]), default=HALF) for r in rows}
    lanes = _assign_lanes(plan, kinds, order)
    y_row = _row_heights(rows, label_max, brackets, pitch, sib_tracks)
    pos = {p: (x[p], y_row[gen[p]]) for p in x}
    lines, partnerships, anchors, texts = _partner_lines(
        plan, kinds, pos, brackets, pitch, label_max, y_row, dates)
    lines += _family_lines(plan.families, pos, gen, anchors, sib_tracks, y_row, landings, plan.drops)
    lines += _emotional_lines(plan, kinds, pos, lanes)
    verticals = _verticals(lines)
    texts = [_clear_spot(t, verticals) for t in texts]
    _warn_long_lines(plan.families, gen, warnings)
    boxes = {p: _label_box(p, pos[p], plan) for p in pos if plan.label_w.get(p)}
    heights = {p: plan.label_h.get(p, 0.0) for p in pos}
    return Layout(pos, dict(gen), rows, plan.families, lines, partnerships, warnings, heights,
                  boxes, texts, dict(plan.copies))


def _below(person: str, plan: Plan) -> float:
    """How far below the symbol's centre the person's label reaches."""
    return HALF + (0.3 if person in plan.index else 0.12) + plan.label_h.get(person, 0.0) + 0.05


def _label_box(person: str, xy, plan: Plan) -> tuple[float, float, float, float]:
    x, y = xy
    top = label_top({"is_index": person in plan.index}, y)
    centre, width = x + plan.label_dx.get(person, 0.0), plan.label_w[person]
    return (centre - width / 2, top - plan.label_h.get(person, 0.0) - 0.05, centre + width / 2, top)


def _partner_kind(pair, gen, order, unit_of) -> str:
    a, b = pair
    if gen[a] != gen[b]:
        return "diagonal"
    if unit_of.get(a) == unit_of.get(b) and abs(order[a] - order[b]) == 1:
        return "adjacent"
    return "bracket"


def _drop(drops: dict, person: str, key: str) -> float:
    return drops.get(person, {}).get(key, 0.0)


def _bracket_span(pair, x, drops) -> tuple[float, float]:
    key = f"P:{pair[0]}|{pair[1]}"
    ends = [x[p] + _drop(drops, p, key) for p in pair]
    return min(ends), max(ends)


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


def _bracket_pitch(brackets: dict, dates: dict) -> dict:
    """Distance between a row's bracket tracks: room for the dates under each one."""
    pitch = defaultdict(lambda: TRACK)
    for pair, (row, _) in brackets.items():
        pitch[row] = max(pitch[row], TRACK + len(dates.get(pair) or []) * PARTNER_LINE_H)
    return pitch


def _anchor_x(fam: Family, x: dict, drops: dict) -> float | None:
    if is_virtual(fam):
        xs = [x[c] for c in fam.children if c in x]
    elif len(fam.parents) == 1:
        p = fam.parents[0]
        return x[p] + _drop(drops, p, f"F:{fam.id}") if p in x else None
    else:
        xs = [x[p] for p in fam.parents if p in x]
    return sum(xs) / len(xs) if xs else None


def _landings(families, x, gen, partner_edges, drops) -> dict:
    """``(family id, child) -> dx``: where each family's line lands on top of a child.
    The child's own family lands in the middle; any other family (birth parents of an
    adopted child, foster carers) beside it, on the side that family is."""
    by_child = defaultdict(list)
    for fam in families:
        for child in fam.children:
            if child in x:
                by_child[child].append(fam)
    out = {}
    for child, fams in by_child.items():
        others = []
        for fam in fams:
            if child in fam.primary:
                out[(fam.id, child)] = 0.0
            else:
                others.append(fam)
        left = right = 0
        for fam in sorted(others, key=lambda f: (_anchor_x(f, x, drops) or 0.0, f.id)):
            ax = _anchor_x(fam, x, drops)
            if ax is not None and ax < x[child]:
                out[(fam.id, child)] = -SECOND - 0.12 * left
                left += 1
            else:
                out[(fam.id, child)] = SECOND + 0.12 * right
                right += 1
    return out


def _child_points(fam: Family, x: dict, members: list[str], landings: dict) -> list[float]:
    """x of each place a child line leaves the sibship line (twins share one)."""
    twin_of = {c: t for t in fam.twins for c in t}
    pts = []
    for child in members:
        group = [c for c in twin_of.get(child, [child]) if c in members]
        pts.append(sum(x[c] + landings.get((fam.id, c), 0.0) for c in group) / len(group))
    return pts


def _sibship_intervals(families, x, gen, landings, drops) -> dict:
    bands = {}
    for fam in families:
        ax = _anchor_x(fam, x, drops)
        if ax is None:
            continue
        by_row = defaultdict(list)
        for child in fam.children:
            if child in x:
                by_row[gen[child]].append(child)
        for row, members in by_row.items():
            pts = _child_points(fam, x, members, landings)
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


def _assign_lanes(plan: Plan, kinds: dict, order: dict) -> dict:
    """A lane above the row for each emotional line between people who are not
    neighbouring partners (stacked where they overlap)."""
    spans = {}
    for k, (a, b, _) in enumerate(plan.emotional):
        if a in plan.x and b in plan.x and plan.gen[a] == plan.gen[b] and \
                kinds.get(tuple(sorted((a, b)))) != "adjacent":
            spans[k] = (min(plan.x[a], plan.x[b]), max(plan.x[a], plan.x[b]), plan.gen[a])
    return _assign_tracks(spans)


def _row_heights(rows, label_max, brackets, pitch, sib_tracks) -> dict[int, float]:
    n_brackets, n_sibs = defaultdict(int), defaultdict(int)
    for row, track in brackets.values():
        n_brackets[row] = max(n_brackets[row], track + 1)
    for row, track in sib_tracks.values():
        n_sibs[row] = max(n_sibs[row], track + 1)
    y = {}
    at = 0.0
    for row in range(min(rows, default=0), max(rows, default=0) + 1):
        if row - 1 in y:
            above = label_max.get(row - 1, HALF) + n_brackets[row - 1] * pitch[row - 1]
            at -= above + 0.6 + n_sibs[row] * TRACK + STUB + HALF
        y[row] = at
    return y


def _partner_lines(plan, kinds, pos, brackets, pitch, label_max, y_row, dates):
    lines, partnerships, anchors, texts = [], [], {}, []
    emotional_pairs = {tuple(sorted((a, b))) for a, b, _ in plan.emotional}
    for pair, kind in sorted(kinds.items()):
        a, b = sorted(pair, key=lambda p: pos[p][0])
        (xa, ya), (xb, yb) = pos[a], pos[b]
        status = plan.partner_edges[pair]
        key = f"P:{pair[0]}|{pair[1]}"
        words = dates.get(pair) or []
        if kind == "adjacent":
            pts = [(xa + HALF, ya), (xb - HALF, yb)]
            anchor = ((xa + xb) / 2, ya)
            lifted = pair in emotional_pairs or status in ("separated", "divorced")
            bottom = ya + (0.34 if lifted else 0.16)
            texts += _text(_outside_household(a, b, plan, pos, words), bottom, words, "partner", up=True)
        elif kind == "bracket":
            row, track = brackets[pair]
            da, db = _drop(plan.drops, a, key), _drop(plan.drops, b, key)
            y_b = y_row[row] - label_max.get(row, HALF) - 0.3 - track * pitch[row]
            pts = [(xa + da, ya - EDGE), (xa + da, y_b), (xb + db, y_b), (xb + db, yb - EDGE)]
            anchor = ((xa + da + xb + db) / 2, y_b)
            for text in _text((xa + da + anchor[0]) / 2, y_b - 0.06, words, "partner-below", up=False):
                text.span = (xa + da, xb + db)
                texts.append(text)
        else:
            pts = [(xa, ya), (xb, yb)]
            anchor = ((xa + xb) / 2, (ya + yb) / 2)
        lines.append(Line(pts, "partner", status, key))
        partnerships.append({"a": a, "b": b, "status": status, "kind": kind,
                             "points": pts, "anchor": anchor})
        anchors[pair] = anchor
    return lines, partnerships, anchors, texts


def _verticals(lines: list[Line]) -> tuple[list[float], list[tuple]]:
    """The vertical pieces of every line, sorted by x: ``(xs, [(x, low, high)])``."""
    found = sorted((a[0], min(a[1], b[1]), max(a[1], b[1])) for ln in lines
                   for a, b in zip(ln.points, ln.points[1:]) if abs(a[0] - b[0]) < 1e-9)
    return [v[0] for v in found], found


def _clear_spot(text: Text, verticals) -> Text:
    """The text moved along its line (dates under a partner line that reaches past
    others) to the nearest place no other line runs through; unmoved if there is none."""
    from bisect import bisect_left, bisect_right

    if text.kind != "partner-below":
        return text
    x0, y0, x1, y1 = text.box
    span = text.span
    width = x1 - x0
    xs, pieces = verticals

    def free(cx):
        lo_i, hi_i = bisect_right(xs, cx - width / 2 - 0.05), bisect_left(xs, cx + width / 2 + 0.05)
        return not any(lo < y1 and hi > y0 for _, lo, hi in pieces[lo_i:hi_i])
    lo, hi = span[0] - width * 0.6, span[1] + width * 0.6
    candidates = sorted((lo + width / 2 + k * 0.1 for k in range(int((hi - lo - width) / 0.1) + 1)),
                        key=lambda cx: (not (span[0] <= cx - width / 2 and cx + width / 2 <= span[1]),
                                        abs(cx - text.x)))
    for cx in candidates:
        if free(cx):
            return Text(cx, text.top, text.lines, text.kind, (cx - width / 2, y0, cx + width / 2, y1))
    return text


def _outside_household(a: str, b: str, plan: Plan, pos: dict, words: list[str]) -> float:
    """Where the dates between neighbouring partners go: in the middle, or, when one of
    them lives in the household and the other not, clear of the household boundary."""
    (xa, _), (xb, _) = pos[a], pos[b]
    middle = (xa + xb) / 2
    if not words or (a in plan.household) == (b in plan.household):
        return middle
    half = max(text_width(t, PARTNER_SCALE) for t in words) / 2 + 0.04
    if b in plan.household:            # a (left) outside: keep the words left of b's label
        reach = max(plan.label_w.get(b, 0.0) / 2 - plan.label_dx.get(b, 0.0), HALF)
        return max(min(middle, xb - reach - 0.45 - half), xa + HALF + 0.05 + half)
    reach = max(plan.label_w.get(a, 0.0) / 2 + plan.label_dx.get(a, 0.0), HALF)
    return min(max(middle, xa + reach + 0.45 + half), xb - HALF - 0.05 - half)


def _text(x: float, y: float, lines: list[str], kind: str, *, up: bool) -> list[Text]:
    """Words centred on x, above y (``up``) or hanging below it."""
    if not lines:
        return []
    height = len(lines) * PARTNER_LINE_H
    top = y + height if up else y
    width = max(text_width(t, PARTNER_SCALE) for t in lines) + 0.08
    return [Text(x, top, list(lines), kind, (x - width / 2, top - height, x + width / 2, top))]


def _family_anchor(fam: Family, pos, anchors, drops) -> tuple[float, float] | None:
    if is_virtual(fam):
        return None
    if len(fam.parents) == 2 and tuple(sorted(fam.parents)) in anchors:
        return anchors[tuple(sorted(fam.parents))]
    p = fam.parents[0]
    if p not in pos:
        return None
    return (pos[p][0] + _drop(drops, p, f"F:{fam.id}"), pos[p][1] - EDGE)


def family_style(fam: Family) -> str:
    """The style of a family's descent and sibship lines: the children's own when they
    all share one (a couple's adopted children: dashed all the way), else solid."""
    styles = {fam.line.get(c, "biological") for c in fam.children}
    return styles.pop() if len(styles) == 1 else "biological"


def _family_lines(families, pos, gen, anchors, sib_tracks, y_row, landings, drops) -> list[Line]:
    lines = []
    x = {p: xy[0] for p, xy in pos.items()}
    for fam in families:
        owner = f"F:{fam.id}"
        anchor = _family_anchor(fam, pos, anchors, drops)
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
            lines += _sibship(fam, members, x, pos, ty, anchor, owner, landings)
        if anchor is not None and lowest is not None and anchor[1] > lowest:
            lines.append(Line([anchor, (anchor[0], lowest)], "descent", family_style(fam), owner))
    return lines


def _sibship(fam, members, x, pos, ty, anchor, owner, landings) -> list[Line]:
    pts = _child_points(fam, x, members, landings)
    ends = pts + ([anchor[0]] if anchor is not None else [])
    lines = []
    if max(ends) - min(ends) > 1e-9:
        lines.append(Line([(min(ends), ty), (max(ends), ty)], "sibship", family_style(fam), owner))
    twin_of = {c: t for t in fam.twins for c in t}
    for child, px in zip(members, pts):
        cx, cy = pos[child]
        dx = landings.get((fam.id, child), 0.0)
        kind = "twin" if len(twin_of.get(child, [])) > 1 else "child"
        end = (cx + dx, cy + (HALF if not dx else EDGE))
        lines.append(Line([(px, ty), end], kind, fam.line.get(child, "biological"), owner))
    return lines


def _emotional_lines(plan: Plan, kinds: dict, pos: dict, lanes: dict) -> list[Line]:
    """How two people get on: between neighbouring partners just above their partner
    line; on one row otherwise in a lane above it; across rows a straight line. The
    points run from person_a to person_b (the arrow of violence points at b)."""
    lines = []
    for k, (a, b, data) in enumerate(plan.emotional):
        if a not in pos or b not in pos:
            continue
        (xa, ya), (xb, yb) = pos[a], pos[b]
        side = 1.0 if xb > xa else -1.0
        style, owner = data.get("subtype") or "close", f"E:{a}|{b}|{k}"
        if kinds.get(tuple(sorted((a, b)))) == "adjacent":
            pts = [(xa + side * HALF, ya + EMOTION_Y), (xb - side * HALF, yb + EMOTION_Y)]
        elif k in lanes:
            lane = ya + LANE + lanes[k][1] * 0.14
            pts = [(xa + side * 0.25, ya + EDGE), (xa + side * 0.25, lane),
                   (xb - side * 0.25, lane), (xb - side * 0.25, yb + EDGE)]
        else:
            pts = _between(pos[a], pos[b])
        lines.append(Line(pts, "emotional", style, owner))
    return lines


def _between(a, b) -> list[tuple[float, float]]:
    """A straight line from the edge of one symbol to the edge of the other."""
    (xa, ya), (xb, yb) = a, b
    dx, dy = xb - xa, yb - ya
    scale = HALF / max(abs(dx), abs(dy), 1e-9)
    return [(xa + dx * scale, ya + dy * scale), (xb - dx * scale, yb - dy * scale)]


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
