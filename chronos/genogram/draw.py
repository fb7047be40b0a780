"""Drawing genograms with matplotlib, in the symbols social workers use.

The conventions (McGoldrick, Gerson and Petry's *Genograms*; GenoPro's symbols for
emotional relationships) are written down in docs/genogram.md. Square male, circle
female, diamond sex not known, double border for the index child, a cross for the
deceased, a small triangle for a pregnancy, a dashed symbol with a question mark for a
parent who is not known. Partner lines: solid married, dashed cohabiting, one slash
separated, two slashes divorced, thin grey when the kind of partnership is not recorded,
with when it started and ended written on it. Child lines: solid birth, dashed adopted,
dotted foster; twins leave the sibship line from one point. Emotional relationships:
two lines close, three very close, dotted distant, zigzag conflict, a broken line
cut-off, a red zigzag with an arrow violence. A dotted boundary goes round the index
child's household. The key shows only what the chart uses; every chart is dated.

matplotlib is imported inside the functions (``chronos --help`` stays light), and only
its object API with the Agg canvas is used (no pyplot state).
"""

from __future__ import annotations

import math
from pathlib import Path

from chronos.genogram.chart import Layout
from chronos.genogram.household import household_outline
from chronos.genogram.labels import (FONT_PT, LINE_H_DEFAULT, NOTE_SCALE, PARTNER_LINE_H,
                                     PARTNER_SCALE, agency_start, annotation_start, chart_date,
                                     person_label, pseudonyms)
from chronos.genogram.layout import layout_genogram

HALF = 0.5
INCH_PER_UNIT = 0.3
MAX_INCHES = 190.0          # PDF pages stop at 200 inches
FONT = FONT_PT              # points, at INCH_PER_UNIT
INK = "#1a1a1a"
NOTE = "#b3261e"            # what the case found about a person
AGENCY = "#555555"          # the agencies involved with a person
HOUSEHOLD = "#2e7d32"
KEY_WIDTH = 2.5             # inches
LARGE = 400                 # people: above this, labels without background boxes

PARTNER_STYLE = {
    "married": ("-", 1.4, INK), "cohabiting": ((0, (5, 3)), 1.4, INK),
    "separated": ("-", 1.4, INK), "divorced": ("-", 1.4, INK), "partner": ("-", 0.9, "#777777"),
}
CHILD_STYLE = {
    "biological": ("-", 1.0, INK), "adoptive": ((0, (4, 2.5)), 1.0, INK),
    "foster": ((0, (1, 1.8)), 1.2, INK), "step": ((0, (5, 2, 1, 2)), 1.0, "#555555"),
    "sibling": ("-", 0.8, "#777777"),
}
#: emotional relationships: (colour, how the line is drawn)
EMOTION_STYLE = {
    "close": ("#2e7d32", "double"), "very close": ("#2e7d32", "triple"),
    "distant": ("#555555", "dotted"), "conflict": ("#b3261e", "zigzag"),
    "hostile": ("#b3261e", "zigzag-bold"), "cut-off": ("#555555", "broken"),
    "violence": ("#b3261e", "zigzag-arrow"), "abuse": ("#7b1fa2", "zigzag-arrow"),
}
SLASHES = {"separated": 1, "divorced": 2}


def draw_genogram(graph, layout: Layout | None = None, *, title: str = "",
                  pseudonymise: bool = False):
    """A matplotlib ``Figure`` of the genogram (lays the graph out if no layout given)."""
    from matplotlib.figure import Figure

    layout = layout or layout_genogram(graph, pseudonymised=pseudonymise)
    key = key_entries(graph, layout)
    scale, (xmin, xmax, ymin, ymax), (width, height) = _frame(layout)
    top, bottom = 0.85, 0.45
    key_h = _key_height(key)
    fig = Figure(figsize=(width + KEY_WIDTH + 0.4, max(height, key_h) + top + bottom))
    fw, fh = fig.get_size_inches()
    ax = fig.add_axes((0.2 / fw, bottom / fh, width / fw, (fh - top - bottom) / fh))
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymax - (fh - top - bottom) / scale, ymax)
    ax.set_aspect("equal", adjustable="box", anchor="N")
    ax.set_axis_off()
    font = FONT * scale / INCH_PER_UNIT
    names = pseudonyms(graph) if pseudonymise else {}
    _draw_household(ax, graph, layout)
    _draw_lines(ax, layout, scale)
    _draw_symbols(ax, graph, layout, scale)
    _draw_labels(ax, graph, layout, names, font, pseudonymise)
    _draw_header(fig, graph, layout, title, fh)
    key_ax = fig.add_axes(((fw - KEY_WIDTH - 0.1) / fw, 0.1 / fh, KEY_WIDTH / fw,
                           (fh - top - 0.1) / fh))
    draw_key(key_ax, graph.graph.get("as_of"), fh - top - 0.1, key)
    return fig


def _frame(layout: Layout):
    """Scale (inches per unit), the data limits and the drawing's size in inches."""
    xmin, xmax, ymin, ymax = layout.bounds()
    xmin, xmax, ymin, ymax = xmin - 0.6, xmax + 0.6, ymin - 0.4, ymax + 0.6
    scale = min(INCH_PER_UNIT, MAX_INCHES / max(xmax - xmin, ymax - ymin, 1.0))
    return scale, (xmin, xmax, ymin, ymax), ((xmax - xmin) * scale, (ymax - ymin) * scale)


def chart_size(graph, layout: Layout) -> tuple[int, int]:
    """Width and height in pixels of the PNG :func:`render_genogram` writes."""
    scale, _, (width, height) = _frame(layout)
    fw = width + KEY_WIDTH + 0.4
    fh = max(height, _key_height(key_entries(graph, layout))) + 0.85 + 0.45
    dpi = _dpi_for(fw, fh)
    return int(fw * dpi), int(fh * dpi)


# -- lines -----------------------------------------------------------------------------

def _draw_lines(ax, layout: Layout, scale: float) -> None:
    from matplotlib.collections import LineCollection

    thin = min(1.0, scale / INCH_PER_UNIT * 1.6)
    groups: dict[tuple, list] = {}
    emotional = []
    for line in layout.lines:
        if line.kind == "emotional":
            emotional.append(line)
            continue
        groups.setdefault(_line_style(line), []).append(line.points)
    for (ls, lw, color), paths in sorted(groups.items(), key=lambda kv: str(kv[0])):
        ax.add_collection(LineCollection(paths, linestyles=[ls], linewidths=lw * thin,
                                         colors=color, zorder=2, capstyle="butt"))
    slashes = [s for p in layout.partnerships for s in _slash_marks(p)]
    if slashes:
        ax.add_collection(LineCollection(slashes, linewidths=1.3 * thin, colors=INK, zorder=3))
    for line in emotional:
        _draw_emotion(ax, line.points, line.style, thin)


def _line_style(line) -> tuple:
    if line.kind == "partner":
        return PARTNER_STYLE.get(line.style, PARTNER_STYLE["partner"])
    return CHILD_STYLE.get(line.style, CHILD_STYLE["biological"])


def _slash_marks(partnership: dict) -> list:
    count = SLASHES.get(partnership["status"], 0)
    if not count:
        return []
    pts = partnership["points"]
    (x1, y1), (x2, y2) = (pts[1], pts[2]) if len(pts) == 4 else (pts[0], pts[1])
    marks = []
    for k in range(count):
        t = 0.3 + 0.12 * k
        if len(pts) == 4:                     # below the row: near its right end,
            t = 1 - (0.7 + 0.2 * k) / max(abs(x2 - x1), 1.4)   # clear of the dates
        elif abs(x2 - x1) > 1.4:
            t = 0.5 - (0.55 + 0.2 * k) / abs(x2 - x1)
        cx, cy = x1 + (x2 - x1) * t, y1 + (y2 - y1) * t
        marks.append([(cx - 0.12, cy - 0.25), (cx + 0.12, cy + 0.25)])
    return marks


def emotion_paths(points, style: str) -> tuple[list, list]:
    """The strokes of an emotional relationship line along ``points``: a list of
    polylines, and arrowheads (triangles) for the directed kinds."""
    drawn = EMOTION_STYLE.get(style, EMOTION_STYLE["close"])[1]
    if drawn in ("double", "triple"):
        offsets = (-0.06, 0.06) if drawn == "double" else (-0.09, 0.0, 0.09)
        return [_offset(points, d) for d in offsets], []
    if drawn == "broken":
        return _broken(points), []
    if drawn.startswith("zigzag"):
        path = _zigzag(points, amplitude=0.08, period=0.22)
        heads = [_arrowhead(points)] if drawn == "zigzag-arrow" else []
        if heads:
            path = _zigzag(_trim_end(points, 0.22), amplitude=0.08, period=0.22)
        return [path], heads
    return [list(points)], []


def _draw_emotion(ax, points, style: str, thin: float) -> None:
    from matplotlib.collections import LineCollection, PolyCollection

    colour, drawn = EMOTION_STYLE.get(style, EMOTION_STYLE["close"])
    paths, heads = emotion_paths(points, style)
    width = (2.0 if drawn == "zigzag-bold" else 1.2) * thin
    ls = (0, (1, 1.6)) if drawn == "dotted" else "-"
    ax.add_collection(LineCollection(paths, colors=colour, linewidths=width, linestyles=[ls],
                                     zorder=3, capstyle="butt", joinstyle="miter"))
    if heads:
        ax.add_collection(PolyCollection(heads, facecolors=colour, edgecolors=colour, zorder=3))


def _segments_of(points):
    return list(zip(points, points[1:]))


def _offset(points, d: float):
    """The polyline moved ``d`` to its left (corners joined)."""
    out = []
    for (x1, y1), (x2, y2) in _segments_of(points):
        length = math.hypot(x2 - x1, y2 - y1) or 1.0
        nx_, ny_ = -(y2 - y1) / length * d, (x2 - x1) / length * d
        out += [(x1 + nx_, y1 + ny_), (x2 + nx_, y2 + ny_)]
    return out


def _walk(points, step: float):
    """Points every ``step`` along the polyline, with the direction there."""
    for (x1, y1), (x2, y2) in _segments_of(points):
        length = math.hypot(x2 - x1, y2 - y1)
        if length < 1e-9:
            continue
        n = max(1, int(length / step))
        ux, uy = (x2 - x1) / length, (y2 - y1) / length
        for k in range(n + 1):
            t = length * k / n
            yield x1 + ux * t, y1 + uy * t, ux, uy, k


def _zigzag(points, *, amplitude: float, period: float):
    out = []
    for x, y, ux, uy, k in _walk(points, period / 2):
        side = 0 if k == 0 else (1 if k % 2 else -1)
        out.append((x - uy * amplitude * side, y + ux * amplitude * side))
    out.append(points[-1])
    return out


def _trim_end(points, by: float):
    (x1, y1), (x2, y2) = points[-2], points[-1]
    length = math.hypot(x2 - x1, y2 - y1) or 1.0
    t = max(0.0, 1 - by / length)
    return list(points[:-1]) + [(x1 + (x2 - x1) * t, y1 + (y2 - y1) * t)]


def _arrowhead(points):
    (x1, y1), (x2, y2) = points[-2], points[-1]
    length = math.hypot(x2 - x1, y2 - y1) or 1.0
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    bx, by = x2 - ux * 0.26, y2 - uy * 0.26
    return [(x2, y2), (bx - uy * 0.11, by + ux * 0.11), (bx + uy * 0.11, by - ux * 0.11)]


def _broken(points):
    """A line with a gap in the middle closed by two short bars (cut-off)."""
    (x1, y1), (x2, y2) = max(_segments_of(points), key=lambda s: math.dist(*s))
    length = math.hypot(x2 - x1, y2 - y1) or 1.0
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    a, b = (mx - ux * 0.12, my - uy * 0.12), (mx + ux * 0.12, my + uy * 0.12)
    before = list(points[:points.index((x1, y1)) + 1]) + [a]
    after = [b] + list(points[points.index((x2, y2)):])
    bars = [[(px - uy * 0.18, py + ux * 0.18), (px + uy * 0.18, py - ux * 0.18)] for px, py in (a, b)]
    return [before, after] + bars


# -- symbols ---------------------------------------------------------------------------

def symbol_path(sex: str, kind: str, x: float, y: float, size: float = 1.0):
    """The outline of a person's symbol as a list of (x, y) points (circles: None)."""
    h = HALF * size
    if kind == "pregnancy":
        return [(x - 0.35 * size, y - 0.3 * size), (x + 0.35 * size, y - 0.3 * size),
                (x, y + 0.35 * size)]
    if sex == "M":
        return [(x - h, y - h), (x + h, y - h), (x + h, y + h), (x - h, y + h)]
    if sex == "F":
        return None
    return [(x, y - h * 1.1), (x + h * 1.1, y), (x, y + h * 1.1), (x - h * 1.1, y)]


def deceased_cross(x: float, y: float, size: float = 1.0) -> list:
    """The two strokes of the cross drawn through a deceased person's symbol."""
    r = 0.42 * size
    return [[(x - r, y - r), (x + r, y + r)], [(x - r, y + r), (x + r, y - r)]]


def symbol_parts(data: dict, x: float, y: float, *, copy: bool = False) -> list[dict]:
    """The pieces of a person's symbol at ``(x, y)``, as the conventions say: an
    ``outline`` (``shape`` square, circle, diamond or triangle; ``dashed`` for a parent
    not known), a second ``outline`` (size 1.28) round an index child, a ``cross`` of two
    strokes for the deceased, a ``mark`` '?' when the sex or the person is not known."""
    kind, sex = data.get("kind", "person"), data.get("sex", "U")
    shape = "triangle" if kind == "pregnancy" else {"M": "square", "F": "circle"}.get(sex, "diamond")
    parts = [{"part": "outline", "shape": shape, "size": 1.0, "dashed": kind == "unknown",
              "points": symbol_path(sex, kind, x, y)}]
    if data.get("is_index") and not copy:
        parts.append({"part": "outline", "shape": shape, "size": 1.28, "dashed": False,
                      "points": symbol_path(sex, kind, x, y, 1.28)})
    if data.get("deceased"):
        parts.append({"part": "cross", "strokes": deceased_cross(x, y)})
    if kind == "unknown" or (kind == "person" and sex not in ("M", "F")):
        parts.append({"part": "mark", "text": "?", "at": (x, y)})
    return parts


def _draw_symbols(ax, graph, layout: Layout, scale: float) -> None:
    from matplotlib.collections import LineCollection, PatchCollection
    from matplotlib.patches import Circle, Polygon

    lw = min(1.3, 1.3 * scale / INCH_PER_UNIT * 1.6)
    filled, dashed, rings, crosses, marks = [], [], [], [], []
    for pid in sorted(layout.pos):
        x, y = layout.pos[pid]
        for part in symbol_parts(graph.nodes[layout.person(pid)], x, y, copy=pid in layout.clones):
            if part["part"] == "outline":
                patch = Circle((x, y), HALF * part["size"]) if part["points"] is None \
                    else Polygon(part["points"], closed=True)
                (rings if part["size"] > 1 else dashed if part["dashed"] else filled).append(patch)
            elif part["part"] == "cross":
                crosses += part["strokes"]
            else:
                marks.append(part["at"])
    ax.add_collection(PatchCollection(filled, facecolor="white", edgecolor=INK,
                                      linewidths=lw, zorder=4))
    if dashed:
        ax.add_collection(PatchCollection(dashed, facecolor="white", edgecolor="#666666",
                                          linewidths=lw, linestyle=(0, (2, 1.5)), zorder=4))
    if rings:
        ax.add_collection(PatchCollection(rings, facecolor="none", edgecolor=INK,
                                          linewidths=lw, zorder=4))
    if crosses:
        ax.add_collection(LineCollection(crosses, colors=INK, linewidths=lw, zorder=5))
    if len(layout.pos) < LARGE:
        for x, y in marks:
            ax.text(x, y, "?", ha="center", va="center", fontsize=7 * scale / INCH_PER_UNIT,
                    color=INK, zorder=6)
    _copy_tags(ax, layout, scale)


def copy_tags(layout: Layout) -> dict[str, int]:
    """The number shown on both symbols of each person drawn twice."""
    tags = {}
    for k, (copy, person) in enumerate(sorted(layout.clones.items(), key=lambda kv: kv[1]), 1):
        tags[copy] = tags[person] = k
    return tags


def _copy_tags(ax, layout: Layout, scale: float) -> None:
    size = 5.5 * scale / INCH_PER_UNIT
    if size < 0.8:
        return
    tags = sorted((pid, tag) for pid, tag in copy_tags(layout).items() if pid in layout.pos)
    if len(layout.pos) > LARGE:
        entries = [(layout.pos[p][0] + 0.62, layout.pos[p][1] + 0.72, [str(t)], "#8a5a00",
                    5.5 / FONT, 0.3) for p, t in tags]
        ax.add_artist(_fast_text(entries, FONT * scale / INCH_PER_UNIT))
        return
    box = dict(boxstyle="square,pad=0.12", facecolor="#fff3c4", edgecolor="#8a5a00", linewidth=0.5)
    for pid, tag in tags:
        x, y = layout.pos[pid]
        ax.text(x + 0.62, y + 0.5, str(tag), ha="center", va="center", fontsize=size,
                color="#8a5a00", zorder=6, bbox=box)


# -- labels, texts, household, header ----------------------------------------------------

def _label_entries(graph, layout: Layout, names: dict, pseudonymise: bool) -> list[tuple]:
    entries = []
    for pid in sorted(layout.pos):
        box = layout.label_boxes.get(pid)
        if box is None:
            continue
        person = layout.person(pid)
        data = dict(graph.nodes[person])
        if pid in layout.clones:
            data.update(copy=True, is_index=False)
        name = names.get(person)
        lines = person_label(data, name=name, pseudonymised=pseudonymise)
        found = annotation_start(data, name=name, pseudonymised=pseudonymise)
        agencies = agency_start(data, name=name, pseudonymised=pseudonymise)
        x, top = (box[0] + box[2]) / 2, box[3]
        for start, end, colour in ((0, found, INK), (found, agencies, NOTE), (agencies, 999, AGENCY)):
            part = lines[start:end]
            if part:
                entries.append((x, top - start * LINE_H_DEFAULT, part, colour))
    return entries


def _draw_labels(ax, graph, layout: Layout, names: dict, font: float, pseudonymise: bool) -> None:
    if font < 0.8:
        return
    entries = [(x, top, lines, colour, 1.0 if colour == INK else NOTE_SCALE, LINE_H_DEFAULT)
               for x, top, lines, colour in _label_entries(graph, layout, names, pseudonymise)]
    entries += [(t.x, t.top, t.lines, "#333333", PARTNER_SCALE, PARTNER_LINE_H) for t in layout.texts]
    if len(layout.pos) > LARGE:
        ax.add_artist(_fast_text(entries, font))
        return
    for x, top, lines, colour, scale, pitch in entries:
        for k, line in enumerate(lines):
            ax.text(x, top - k * pitch, line, ha="center", va="top", color=colour, zorder=7,
                    fontsize=font * scale)


def _fast_text(entries, font):
    """One artist drawing every line of text directly (large charts): character widths
    are measured once per character and size instead of laying out thousands of Text
    objects. ``entries``: ``(x, top, lines, colour, size scale, line pitch in units)``."""
    from matplotlib.artist import Artist
    from matplotlib.font_manager import FontProperties

    class Texts(Artist):
        def draw(self, renderer):
            if not self.get_visible() or not entries:
                return
            widths: dict[tuple, float] = {}
            props = {}

            def width(text, scale):
                prop = props.setdefault(scale, FontProperties(size=font * scale))
                for ch in set(text):
                    if (ch, scale) not in widths:
                        widths[(ch, scale)] = renderer.get_text_width_height_descent(ch, prop, False)[0]
                return sum(widths[(ch, scale)] for ch in text)

            transform = self.axes.transData
            unit = abs(transform.transform((0, 1))[1] - transform.transform((0, 0))[1])
            tops = transform.transform([(e[0], e[1]) for e in entries])
            flip, height = renderer.flipy(), renderer.get_canvas_width_height()[1]
            gc = renderer.new_gc()
            for (px, py), (_, _, lines, colour, scale, pitch) in zip(tops, entries):
                gc.set_foreground(colour)
                prop = props.setdefault(scale, FontProperties(size=font * scale))
                size = renderer.points_to_pixels(font * scale)
                for k, line in enumerate(lines):
                    drop = size * 0.9 + unit * pitch * k
                    y = height - py + drop if flip else py - drop
                    renderer.draw_text(gc, px - width(line, scale) / 2, y, line, prop, 0)
            gc.restore()

    artist = Texts()
    artist.set_zorder(7)
    return artist


def _draw_household(ax, graph, layout: Layout) -> None:
    from matplotlib.patches import FancyBboxPatch, Polygon

    members = [p for p in graph.graph.get("household", []) if p in layout.pos]
    if not members:
        return
    for shape in household_outline(layout, members):
        if shape[0] == "polygon":
            patch = Polygon(shape[1], closed=True, fill=False)
        else:
            x0, y0, x1, y1 = shape[1]
            patch = FancyBboxPatch((x0, y0), x1 - x0, y1 - y0,
                                   boxstyle="round,pad=0,rounding_size=0.5", fill=False)
        patch.set(edgecolor=HOUSEHOLD, linestyle=(0, (1, 2)), linewidth=1.5, zorder=1,
                  joinstyle="round")
        ax.add_patch(patch)


def _draw_header(fig, graph, layout: Layout, title: str, fh: float) -> None:
    left = 0.2 / fig.get_size_inches()[0]
    heading = f"Genogram: {title}" if title else "Genogram"
    fig.text(left, 1 - 0.12 / fh, heading, ha="left", va="top", fontsize=11, weight="bold",
             color=INK)
    parts = [f"as at {chart_date(graph.graph.get('as_of'))}"]
    basis = graph.graph.get("household_basis")
    if basis and any(p in layout.pos for p in graph.graph.get("household", [])):
        parts.append("household from " + ("recorded households" if basis == "relationships"
                                         else "shared address"))
    focus = focus_line(graph)
    fig.text(left, 1 - 0.42 / fh, "  \u00b7  ".join(parts), ha="left", va="top", fontsize=8,
             color="#444444")
    if focus:
        fig.text(left, 1 - 0.62 / fh, focus, ha="left", va="top", fontsize=8, color="#444444")
    if layout.warnings:
        note = "Layout note: " + "; ".join(layout.warnings[:2])
        if len(layout.warnings) > 2:
            note += f" (+{len(layout.warnings) - 2} more)"
        fig.text(left, 0.12 / fh, note[:220], ha="left", va="bottom", fontsize=6.5,
                 color="#8a5a00")


def focus_line(graph) -> str:
    """'around Tyler Smith: 2 generations up, 1 down; 9 of 3,010 people' (or '')."""
    from chronos.genogram.labels import display_name

    focus = graph.graph.get("focus")
    if not focus:
        return ""
    names = ", ".join(display_name(graph.nodes[p]) for p in focus[:4])
    names += f" and {len(focus) - 4} more" if len(focus) > 4 else ""
    up, down = graph.graph.get("focus_depth", (0, 0))
    people = sum(1 for _, d in graph.nodes(data=True) if d.get("kind") == "person")
    total = graph.graph.get("people_in_family") or people
    return (f"around {names}: {up} generation{'s' if up != 1 else ''} up, {down} down; "
            f"{people:,} of {total:,} people")


# -- the key ---------------------------------------------------------------------------

def key_entries(graph, layout: Layout) -> list[tuple]:
    """``(label, kind, argument)`` for each symbol and line the chart uses, in key order."""
    people = [graph.nodes[layout.person(p)] for p in layout.pos]
    entries = []
    symbols = [("Male", ("M", "person", False, False), lambda d: d.get("sex") == "M"),
               ("Female", ("F", "person", False, False), lambda d: d.get("sex") == "F"),
               ("Sex not known", ("U", "person", False, False),
                lambda d: d.get("sex") not in ("M", "F") and d.get("kind") == "person"),
               ("Index child", ("F", "person", True, False), lambda d: d.get("is_index")),
               ("Deceased", ("M", "person", False, True),
                lambda d: d.get("deceased") and d.get("death") == "recorded"),
               ("Died, date not known (d. ?)", ("M", "person", False, True),
                lambda d: d.get("death") == "date unknown"),
               ("Presumed dead: over 110 (d. ?)", ("M", "person", False, True),
                lambda d: d.get("death") == "presumed"),
               ("Pregnancy", ("U", "pregnancy", False, False), lambda d: d.get("kind") == "pregnancy"),
               ("Parent not known", ("M", "unknown", False, False),
                lambda d: d.get("kind") == "unknown")]
    for label, arg, used in symbols:
        if any(used(d) for d in people):
            entries.append((label, "symbol", arg))
    if layout.clones:
        entries.append(("Drawn twice: same number", "copy", None))
    styles = {(ln.kind, ln.style) for ln in layout.lines}
    for status, label in (("married", "Married"), ("cohabiting", "Cohabiting"),
                          ("separated", "Separated"), ("divorced", "Divorced"),
                          ("partner", "Partners (kind not recorded)")):
        if ("partner", status) in styles:
            entries.append((label, "partner", status))
    child_kinds = {ln.style for ln in layout.lines if ln.kind in ("child", "twin")}
    for style, label in (("biological", "Birth child"), ("adoptive", "Adopted child"),
                         ("foster", "Foster child"), ("step", "Step-child"),
                         ("sibling", "Sibling, parents not recorded")):
        if style in child_kinds:
            entries.append((label, "child", style))
    if any(ln.kind == "twin" for ln in layout.lines):
        entries.append(("Twins", "twins", None))
    for style in EMOTION_STYLE:
        if ("emotional", style) in styles:
            label = {"violence": "Violence (arrow: to whom)", "abuse": "Abuse (arrow: to whom)",
                     "cut-off": "Cut-off"}.get(style, style.capitalize())
            entries.append((label, "emotion", style))
    if any(p in layout.pos for p in graph.graph.get("household", [])):
        entries.append(("Household", "household", None))
    if any(d.get("annotations") or d.get("findings") for d in people):
        entries.append(("red: roles, what the case found", "note", NOTE))
    if any(d.get("agencies") for d in people):
        entries.append(("grey: agencies involved", "note", AGENCY))
    return entries


def _key_height(entries) -> float:
    return 0.9 + 0.36 * len(entries) + 0.5


def draw_key(ax, as_of: str | None, height_in: float, entries: list[tuple] | None = None) -> None:
    """Draw the genogram key into ``ax`` (the symbols and lines in ``entries``)."""
    from matplotlib.collections import LineCollection
    from matplotlib.patches import Circle, Polygon, Rectangle

    ax.set_axis_off()
    ax.set_xlim(0, 7.6)
    ax.set_ylim(-height_in / KEY_WIDTH * 7.6, 0)
    ax.set_aspect("equal", anchor="N")
    y = -0.7
    ax.text(0.1, y, "Key", fontsize=9, weight="bold", va="center", color=INK)
    for label, kind, arg in entries if entries is not None else []:
        y -= 1.1
        _key_sample(ax, kind, arg, 1.0, y, Circle, Polygon, Rectangle, LineCollection)
        if kind != "note":
            ax.text(2.2, y, label, fontsize=7, va="center", color=INK)
        else:
            ax.text(0.1, y, label, fontsize=7, va="center", color=arg)
    if as_of:
        ax.text(0.1, y - 1.2, f"Chart date: {chart_date(as_of)}", fontsize=7, va="top", color=INK)


def _key_sample(ax, kind, arg, x, y, Circle, Polygon, Rectangle, LineCollection) -> None:
    if kind == "symbol":
        sex, pkind, index, dead = arg
        for size in (1.0, 1.28) if index else (1.0,):
            pts = symbol_path(sex, "person" if pkind == "unknown" else pkind, x, y, size * 0.8)
            patch = Circle((x, y), 0.4 * size) if pts is None else Polygon(pts, closed=True)
            patch.set(facecolor="white" if size == 1.0 else "none", edgecolor=INK, linewidth=1.1)
            if pkind == "unknown":
                patch.set(linestyle=(0, (2, 1.5)), edgecolor="#666666")
                ax.text(x, y, "?", ha="center", va="center", fontsize=6, color=INK)
            ax.add_patch(patch)
        if dead:
            ax.add_collection(LineCollection(deceased_cross(x, y, 0.8), colors=INK, linewidths=1.1))
    elif kind == "partner":
        ls, lw, color = PARTNER_STYLE[arg]
        ax.add_collection(LineCollection([[(x - 0.8, y), (x + 0.8, y)]], linestyles=[ls],
                                         linewidths=lw, colors=color))
        for k in range(SLASHES.get(arg, 0)):
            cx = x - 0.1 + 0.25 * k
            ax.add_collection(LineCollection([[(cx - 0.1, y - 0.22), (cx + 0.1, y + 0.22)]],
                                             colors=INK, linewidths=1.1))
    elif kind == "child":
        ls, lw, color = CHILD_STYLE[arg]
        ax.add_collection(LineCollection([[(x, y + 0.4), (x, y - 0.4)]], linestyles=[ls],
                                         linewidths=lw * 1.2, colors=color))
    elif kind == "twins":
        ax.add_collection(LineCollection([[(x - 0.5, y - 0.4), (x, y + 0.4), (x + 0.5, y - 0.4)]],
                                         colors=INK, linewidths=1.0))
    elif kind == "emotion":
        _draw_emotion(ax, [(x - 0.9, y), (x + 0.9, y)], arg, 1.0)
    elif kind == "copy":
        ax.add_patch(Rectangle((x - 0.35, y - 0.35), 0.7, 0.7, facecolor="white", edgecolor=INK))
        ax.text(x + 0.62, y + 0.45, "1", fontsize=5.5, ha="center", va="center", color="#8a5a00",
                bbox=dict(boxstyle="square,pad=0.12", facecolor="#fff3c4", edgecolor="#8a5a00",
                          linewidth=0.5))
    elif kind == "household":
        ax.add_patch(Rectangle((x - 0.8, y - 0.35), 1.6, 0.7, fill=False, edgecolor=HOUSEHOLD,
                               linestyle=(0, (1, 2)), linewidth=1.4))


# -- saving ----------------------------------------------------------------------------

def save_figure(fig, path) -> Path:
    """Save a figure as PNG, SVG or PDF (by suffix), byte-stable for the same chart,
    readable only by its owner, and whole or not at all (written beside, then moved)."""
    import matplotlib

    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in ("png", "svg", "pdf"):
        from chronos.errors import ChronosError

        raise ChronosError(f"cannot write a chart as {path.suffix or 'a file without suffix'}",
                           file=str(path), hint="use .png, .svg or .pdf")
    from chronos.report.safe_files import atomic_path

    metadata = {"png": {"Software": None}, "svg": {"Date": None},
                "pdf": {"CreationDate": None, "ModDate": None}}[suffix]
    dpi = _dpi(fig) if suffix == "png" else 72
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "chronos",
                                "pdf.compression": 6}), atomic_path(path) as part:
        fig.savefig(part, format=suffix, dpi=dpi, metadata=metadata, facecolor="white")
    return path


def _dpi(fig) -> int:
    width, height = fig.get_size_inches()
    return _dpi_for(width, height)


def _dpi_for(width: float, height: float) -> int:
    return int(max(40, min(150, 30000 / max(width, height))))


def render_genogram(graph, out, *, layout: Layout | None = None, title: str = "",
                    pseudonymise: bool = False) -> list[Path]:
    """Draw the genogram and save it to ``out`` (a path or a list of paths)."""
    paths = [out] if isinstance(out, (str, Path)) else list(out)
    fig = draw_genogram(graph, layout, title=title, pseudonymise=pseudonymise)
    return [save_figure(fig, p) for p in paths]
