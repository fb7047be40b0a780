"""The household boundary: a dotted line round the people who live with the index child,
wide enough for their labels and the dates on their partner lines."""

from __future__ import annotations

from chronos.genogram.chart import Layout

HALF = 0.5


def household_outline(layout: Layout, members: list[str]) -> list[tuple]:
    """A staircase polygon round the household, row by row, wide enough for the
    members' labels; separate boxes when other people sit between members on a row."""
    inside = set(members)
    bands = []
    for row in sorted(layout.rows):
        runs = _runs(layout, layout.rows[row], inside)
        if runs:
            y = layout.pos[runs[0][0]][1]
            boxes = [layout.label_boxes.get(p) for run in runs for p in run]
            low = min([b[1] for b in boxes if b] + [y - HALF - 0.3])
            high = max([y + HALF + 0.3] + [t.box[3] + 0.1 for t in layout.texts
                                            if y < t.box[1] < y + 1.2 and _over(t.box, runs, layout)])
            bands.append((high, low - 0.2, runs))
    boxes = []
    for top, bottom, runs in bands:
        for run in runs:
            left = min([layout.pos[run[0]][0] - 1.0] + [layout.label_boxes[p][0] - 0.25
                                                       for p in run if p in layout.label_boxes])
            right = max([layout.pos[run[-1]][0] + 1.0] + [layout.label_boxes[p][2] + 0.25
                                                         for p in run if p in layout.label_boxes])
            boxes.append((left, bottom, right, top))
    if any(len(runs) > 1 for _, _, runs in bands):
        return [("box", b) for b in boxes]
    return [("polygon", _staircase(boxes))]


def _over(box, runs, layout: Layout) -> bool:
    return any(layout.pos[run[0]][0] <= box[2] and box[0] <= layout.pos[run[-1]][0] for run in runs)


def household_segments(layout: Layout, members: list[str]) -> list:
    """The household boundary as straight pieces (to measure what it crosses)."""
    pieces = []
    for kind, shape in household_outline(layout, members):
        if kind == "polygon":
            pts = list(shape) + [shape[0]]
        else:
            x0, y0, x1, y1 = shape
            pts = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
        pieces.append(pts)
    return pieces


def _runs(layout: Layout, row: list[str], inside: set) -> list[list[str]]:
    ordered = sorted(row, key=lambda p: layout.pos[p][0])
    runs, current = [], []
    for p in ordered:
        if p in inside:
            current.append(p)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def _staircase(boxes: list[tuple]) -> list[tuple]:
    right, left = [], []
    for k, (x0, y0, x1, y1) in enumerate(boxes):
        top = y1 if k == 0 else (boxes[k - 1][1] + y1) / 2
        bottom = y0 if k == len(boxes) - 1 else (y0 + boxes[k + 1][3]) / 2
        right += [(x1, top), (x1, bottom)]
        left += [(x0, top), (x0, bottom)]
    return right + left[::-1]
