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
