"""Quality measures of a laid-out genogram: line crossings and lines through symbols."""

from __future__ import annotations

import numpy as np

EPS = 1e-6
INSET = 0.45   # half-size of the symbol box a foreign line must not enter


def _segments(lines):
    """``(x1, y1, x2, y2, owner)`` for every straight piece of every line."""
    owners: dict[str, int] = {}
    out = []
    for line in lines:
        code = owners.setdefault(line.owner, len(owners))
        for (x1, y1), (x2, y2) in zip(line.points, line.points[1:]):
            out.append((x1, y1, x2, y2, code))
    return np.array(out, dtype=float).reshape(-1, 5)


def count_crossings(lines) -> int:
    """Proper crossings between pieces of lines that belong to different owners (a
    family's lines, or a partnership's line). Touching at an end does not count."""
    seg = _segments(lines)
    if len(seg) < 2:
        return 0
    horizontal = np.isclose(seg[:, 1], seg[:, 3])
    vertical = np.isclose(seg[:, 0], seg[:, 2]) & ~horizontal
    other = ~horizontal & ~vertical
    hs, vs, ds = seg[horizontal], seg[vertical], seg[other]
    total = _cross_hv(hs, vs)
    for d in ds:
        total += _cross_general(d, np.vstack([hs, vs, ds]))
    total -= _cross_general_pairs_within(ds)
    return int(total)


def _cross_hv(hs: np.ndarray, vs: np.ndarray) -> int:
    if not len(hs) or not len(vs):
        return 0
    vx, vlo, vhi = vs[:, 0], np.minimum(vs[:, 1], vs[:, 3]), np.maximum(vs[:, 1], vs[:, 3])
    order = np.argsort(vx)
    vx, vlo, vhi, vown = vx[order], vlo[order], vhi[order], vs[order, 4]
    total = 0
    for x1, y, x2, _, own in hs:
        lo, hi = min(x1, x2), max(x1, x2)
        a, b = np.searchsorted(vx, lo + EPS, "left"), np.searchsorted(vx, hi - EPS, "right")
        if a >= b:
            continue
        sl = slice(a, b)
        total += int(np.count_nonzero((vlo[sl] < y - EPS) & (vhi[sl] > y + EPS) & (vown[sl] != own)))
    return total


def _cross_general(d: np.ndarray, others: np.ndarray) -> int:
    """Proper crossings of segment ``d`` with each row of ``others`` (other owners)."""
    x1, y1, x2, y2, own = d
    ox1, oy1, ox2, oy2, oown = others.T
    def orient(ax, ay, bx, by, cx, cy):
        return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)
    d1 = orient(x1, y1, x2, y2, ox1, oy1)
    d2 = orient(x1, y1, x2, y2, ox2, oy2)
    d3 = orient(ox1, oy1, ox2, oy2, x1, y1)
    d4 = orient(ox1, oy1, ox2, oy2, x2, y2)
    hit = (d1 * d2 < -EPS) & (d3 * d4 < -EPS) & (oown != own)
    return int(np.count_nonzero(hit))


def _cross_general_pairs_within(ds: np.ndarray) -> int:
    """Diagonal pairs are counted from both sides above; remove one of each."""
    if len(ds) < 2:
        return 0
    return sum(_cross_general(d, ds) for d in ds) // 2


def count_lines_through_symbols(lines, pos: dict) -> int:
    """Pieces of line that pass through the inside of a person's symbol."""
    if not pos:
        return 0
    seg = _segments(lines)
    xy = np.array(list(pos.values()), dtype=float)
    order = np.argsort(xy[:, 0])
    sx, sy = xy[order, 0], xy[order, 1]
    total = 0
    for x1, y1, x2, y2, _ in seg:
        lo, hi = min(x1, x2) - INSET, max(x1, x2) + INSET
        a, b = np.searchsorted(sx, lo, "left"), np.searchsorted(sx, hi, "right")
        if a >= b:
            continue
        total += _through(x1, y1, x2, y2, sx[a:b], sy[a:b])
    return total


def _through(x1, y1, x2, y2, sx, sy) -> int:
    """Symbols whose inset box the segment enters (sampled along the segment)."""
    t = np.linspace(0.0, 1.0, 25)[:, None]
    px, py = x1 + (x2 - x1) * t, y1 + (y2 - y1) * t
    inside = (np.abs(px - sx) < INSET) & (np.abs(py - sy) < INSET)
    return int(np.count_nonzero(inside.any(axis=0)))


# -- labels ----------------------------------------------------------------------------

def label_boxes(graph, layout, *, names: dict | None = None, pseudonymised: bool = False) -> dict:
    """person -> ``(x0, y0, x1, y1)`` of the label drawn under the person's symbol (and
    ``text:<n>`` -> the box of each piece of text on a line), as laid out."""
    from chronos.genogram.labels import label_box

    if getattr(layout, "label_boxes", None):
        return layout.text_boxes()
    names = names or {}
    boxes = {}
    for pid, (x, y) in layout.pos.items():
        box = label_box(graph.nodes[pid], x, y, name=names.get(pid), pseudonymised=pseudonymised)
        if box is not None:
            boxes[pid] = box
    return boxes


def count_label_overlaps(boxes: dict, pos: dict) -> int:
    """Labels that overlap another label, or another person's symbol."""
    items = sorted(boxes.items(), key=lambda kv: kv[1][0])
    total = 0
    for k, (pid, (x0, y0, x1, y1)) in enumerate(items):
        for other, (u0, v0, u1, v1) in items[k + 1:]:
            if u0 >= x1 - EPS:
                break
            if v0 < y1 - EPS and v1 > y0 + EPS:
                total += 1
    if not pos:
        return total
    xy = np.array(list(pos.values()), dtype=float)
    ids = list(pos)
    for pid, (x0, y0, x1, y1) in boxes.items():
        near = (xy[:, 0] + 0.5 > x0 + EPS) & (xy[:, 0] - 0.5 < x1 - EPS) & \
               (xy[:, 1] + 0.5 > y0 + EPS) & (xy[:, 1] - 0.5 < y1 - EPS)
        total += sum(1 for k in np.flatnonzero(near) if ids[k] != pid)
    return total


def count_lines_through_labels(lines, boxes: dict) -> int:
    """Pieces of line that pass through the inside of a label."""
    if not boxes:
        return 0
    seg = _segments(lines)
    b = np.array(list(boxes.values()), dtype=float)
    order = np.argsort(b[:, 0])
    b = b[order]
    widest = float(np.max(b[:, 2] - b[:, 0])) if len(b) else 0.0
    total = 0
    for x1, y1, x2, y2, _ in seg:
        lo, hi = min(x1, x2), max(x1, x2)
        a, z = np.searchsorted(b[:, 0], lo - widest, "left"), np.searchsorted(b[:, 0], hi, "right")
        if a >= z:
            continue
        total += _clip_hits(x1, y1, x2, y2, b[a:z])
    return total


def _clip_hits(x1, y1, x2, y2, boxes: np.ndarray) -> int:
    """Boxes whose inside the segment enters (Liang-Barsky clipping, all boxes at once)."""
    x0, y0, xb, yb = (boxes[:, k] + d for k, d in zip(range(4), (EPS, EPS, -EPS, -EPS)))
    dx, dy = x2 - x1, y2 - y1
    t0, t1 = np.zeros(len(boxes)), np.ones(len(boxes))
    ok = np.ones(len(boxes), dtype=bool)
    for p, q in ((-dx, x1 - x0), (dx, xb - x1), (-dy, y1 - y0), (dy, yb - y1)):
        if abs(p) < 1e-12:
            ok &= q > 0
            continue
        r = q / p
        if p < 0:
            t0 = np.maximum(t0, r)
        else:
            t1 = np.minimum(t1, r)
    return int(np.count_nonzero(ok & (t1 - t0 > 1e-9)))
