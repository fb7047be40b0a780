"""Drawing genograms with matplotlib, in the symbols social workers use.

Square male, circle female, diamond unknown sex, double border for the index child,
a cross for the deceased (with years), a small triangle for a pregnancy. Partner lines:
solid married, dashed cohabiting, one slash separated, two slashes divorced, thin grey
when the kind of partnership is not recorded. Child lines: solid birth, dashed adopted,
dotted foster; twins leave the sibship line from one point. A dotted boundary goes
round the index child's household. Every chart carries a key and its date.

matplotlib is imported inside the functions (``chronos --help`` stays light), and only
its object API with the Agg canvas is used (no pyplot state).
"""

from __future__ import annotations

from pathlib import Path

from chronos.genogram.labels import LINE_H_DEFAULT, annotation_start, person_label, role_names
from chronos.genogram.layout import Layout, layout_genogram

HALF = 0.5
INCH_PER_UNIT = 0.3
MAX_INCHES = 190.0          # PDF pages stop at 200 inches
FONT = 7.0                  # points, at INCH_PER_UNIT
INK = "#1a1a1a"
NOTE = "#b3261e"            # annotations (what the case found)
HOUSEHOLD = "#2e7d32"
KEY_WIDTH = 2.3             # inches
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
SLASHES = {"separated": 1, "divorced": 2}


def pseudonyms(graph) -> dict[str, str]:
    """Role pseudonyms: 'Child 1', 'Child 2' (oldest first), 'Mother', ... (labels.role_names)."""
    return role_names(graph)


def draw_genogram(graph, layout: Layout | None = None, *, title: str = "",
                  pseudonymise: bool = False):
    """A matplotlib ``Figure`` of the genogram (lays the graph out if no layout given)."""
    from matplotlib.figure import Figure

    layout = layout or layout_genogram(graph, pseudonymised=pseudonymise)
    xmin, xmax, ymin, ymax = layout.bounds()
    xmin, xmax, ymin, ymax = xmin - 0.6, xmax + 0.6, ymin - 0.4, ymax + 0.6
    scale = min(INCH_PER_UNIT, MAX_INCHES / max(xmax - xmin, ymax - ymin, 1.0))
    width, height = (xmax - xmin) * scale, (ymax - ymin) * scale
    top, bottom = 0.75, 0.45
    fig = Figure(figsize=(width + KEY_WIDTH + 0.4, max(height, 5.2) + top + bottom))
    fw, fh = fig.get_size_inches()
    ax = fig.add_axes((0.2 / fw, bottom / fh, width / fw, (fh - top - bottom) / fh))
    ax.set_xlim(xmin, xmax)
    span = (fh - top - bottom) / scale
    ax.set_ylim(ymax - span, ymax)
    ax.set_aspect("equal", adjustable="box", anchor="N")
    ax.set_axis_off()
    font = FONT * scale / INCH_PER_UNIT
    names = pseudonyms(graph) if pseudonymise else {}
    _draw_household(ax, graph, layout)
    _draw_lines(ax, layout, scale)
    _draw_symbols(ax, graph, layout, scale)
    _draw_labels(ax, graph, layout, names, font, pseudonymise)
    _draw_header(fig, graph, layout, title, fh)
    key = fig.add_axes(((fw - KEY_WIDTH - 0.1) / fw, 0.1 / fh, KEY_WIDTH / fw, (fh - top - 0.1) / fh))
    draw_key(key, graph.graph.get("as_of"), fh - top - 0.1)
    return fig


# -- lines -----------------------------------------------------------------------------

def _draw_lines(ax, layout: Layout, scale: float) -> None:
    from matplotlib.collections import LineCollection

    thin = min(1.0, scale / INCH_PER_UNIT * 1.6)
    groups: dict[tuple, list] = {}
    for line in layout.lines:
        style = _line_style(line)
        groups.setdefault(style, []).append(line.points)
    for (ls, lw, color), paths in sorted(groups.items(), key=lambda kv: str(kv[0])):
        ax.add_collection(LineCollection(paths, linestyles=[ls], linewidths=lw * thin,
                                         colors=color, zorder=2, capstyle="butt"))
    slashes = [s for p in layout.partnerships for s in _slash_marks(p)]
    if slashes:
        ax.add_collection(LineCollection(slashes, linewidths=1.3 * thin, colors=INK, zorder=3))


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
        if abs(x2 - x1) > 1.4:
            t = 0.5 - (0.55 + 0.2 * k) / abs(x2 - x1)
        cx, cy = x1 + (x2 - x1) * t, y1 + (y2 - y1) * t
        marks.append([(cx - 0.12, cy - 0.25), (cx + 0.12, cy + 0.25)])
    return marks


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


def _draw_symbols(ax, graph, layout: Layout, scale: float) -> None:
    from matplotlib.collections import LineCollection, PatchCollection
    from matplotlib.patches import Circle, Polygon

    lw = min(1.3, 1.3 * scale / INCH_PER_UNIT * 1.6)
    shapes, rings, crosses = [], [], []
    for pid in sorted(layout.pos):
        x, y = layout.pos[pid]
        data = graph.nodes[pid]
        shapes.append(_patch(data, x, y, 1.0, Circle, Polygon))
        if data.get("is_index"):
            rings.append(_patch(data, x, y, 1.28, Circle, Polygon))
        if data.get("deceased"):
            crosses += [[(x - 0.42, y - 0.42), (x + 0.42, y + 0.42)],
                        [(x - 0.42, y + 0.42), (x + 0.42, y - 0.42)]]
    ax.add_collection(PatchCollection(shapes, facecolor="white", edgecolor=INK,
                                      linewidths=lw, zorder=4))
    if rings:
        ax.add_collection(PatchCollection(rings, facecolor="none", edgecolor=INK,
                                          linewidths=lw, zorder=4))
    if crosses:
        ax.add_collection(LineCollection(crosses, colors=INK, linewidths=lw, zorder=5))
    _question_marks(ax, graph, layout)


def _patch(data, x, y, size, Circle, Polygon):
    points = symbol_path(data.get("sex", "U"), data.get("kind", "person"), x, y, size)
    return Circle((x, y), HALF * size) if points is None else Polygon(points, closed=True)


def _question_marks(ax, graph, layout: Layout) -> None:
    for pid, (x, y) in sorted(layout.pos.items()):
        data = graph.nodes[pid]
        if data.get("sex") not in ("M", "F") and data.get("kind") == "person" and len(layout.pos) < 400:
            ax.text(x, y, "?", ha="center", va="center", fontsize=6, color=INK, zorder=6)


# -- labels, household, header ---------------------------------------------------------

def _draw_labels(ax, graph, layout: Layout, names: dict, font: float, pseudonymise: bool) -> None:
    if font < 0.8:
        return
    entries = []
    for pid in sorted(layout.pos):
        x, y = layout.pos[pid]
        data = graph.nodes[pid]
        name = names.get(pid)
        lines = person_label(data, name=name, pseudonymised=pseudonymise)
        split = annotation_start(data, name=name, pseudonymised=pseudonymise)
        top = y - HALF - (0.3 if data.get("is_index") else 0.12)
        entries.append((x, top, lines[:split], INK))
        if lines[split:]:
            entries.append((x, top - split * LINE_H_DEFAULT, lines[split:], NOTE))
    if len(layout.pos) > LARGE:
        ax.add_artist(_fast_labels(entries, font))
        return
    box = dict(boxstyle="square,pad=0.05", facecolor="white", edgecolor="none", alpha=0.85)
    for x, top, lines, color in entries:
        if lines:
            ax.text(x, top, "\n".join(lines), ha="center", va="top", color=color, zorder=7,
                    fontsize=font if color == INK else font * 0.92, linespacing=1.05, bbox=box)


def _fast_labels(entries, font):
    """One artist drawing every label line directly (large charts): character widths
    are measured once per character instead of laying out thousands of Text objects."""
    from matplotlib.artist import Artist
    from matplotlib.font_manager import FontProperties

    class Labels(Artist):
        def draw(self, renderer):
            if not self.get_visible() or not entries:
                return
            prop = FontProperties(size=font)
            size = renderer.points_to_pixels(font)
            widths: dict[str, float] = {}

            def width(text):
                for ch in set(text) - widths.keys():
                    widths[ch] = renderer.get_text_width_height_descent(ch, prop, False)[0]
                return sum(widths[ch] for ch in text)

            tops = self.axes.transData.transform([(x, top) for x, top, _, _ in entries])
            flip, height = renderer.flipy(), renderer.get_canvas_width_height()[1]
            gc = renderer.new_gc()
            for (px, py), (_, _, lines, color) in zip(tops, entries):
                gc.set_foreground(color)
                for k, line in enumerate(lines):
                    drop = size * (0.9 + 1.15 * k)
                    y = height - py + drop if flip else py - drop
                    renderer.draw_text(gc, px - width(line) / 2, y, line, prop, 0)
            gc.restore()

    artist = Labels()
    artist.set_zorder(7)
    return artist


def _draw_household(ax, graph, layout: Layout) -> None:
    from matplotlib.patches import FancyBboxPatch, Polygon

    members = [p for p in graph.graph.get("household", []) if p in layout.pos]
    if not members:
        return
    shapes = household_outline(layout, members)
    for shape in shapes:
        if shape[0] == "polygon":
            patch = Polygon(shape[1], closed=True, fill=False)
        else:
            x0, y0, x1, y1 = shape[1]
            patch = FancyBboxPatch((x0, y0), x1 - x0, y1 - y0, boxstyle="round,pad=0,rounding_size=0.5",
                                   fill=False)
        patch.set(edgecolor=HOUSEHOLD, linestyle=(0, (1, 2)), linewidth=1.5, zorder=1,
                  joinstyle="round")
        ax.add_patch(patch)


def household_outline(layout: Layout, members: list[str]) -> list[tuple]:
    """A staircase polygon round the household, row by row; separate boxes when other
    people sit between household members on a row."""
    inside = set(members)
    bands = []
    for row in sorted(layout.rows):
        runs = _runs(layout, layout.rows[row], inside)
        if runs:
            y = layout.pos[runs[0][0]][1]
            label = max(layout.label_height.get(p, 0) for run in runs for p in run)
            bands.append((y + HALF + 0.45, y - HALF - label - 0.25, runs))
    boxes = [(layout.pos[r[0]][0] - 1.0, bottom, layout.pos[r[-1]][0] + 1.0, top)
             for top, bottom, runs in bands for r in runs]
    if any(len(runs) > 1 for _, _, runs in bands):
        return [("box", b) for b in boxes]
    return [("polygon", _staircase(boxes))]


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


def _draw_header(fig, graph, layout: Layout, title: str, fh: float) -> None:
    as_of = graph.graph.get("as_of") or ""
    heading = f"Genogram: {title}" if title else "Genogram"
    fig.text(0.2 / fig.get_size_inches()[0], 1 - 0.12 / fh, heading, ha="left", va="top",
             fontsize=11, weight="bold", color=INK)
    sub = f"as at {as_of}"
    basis = graph.graph.get("household_basis")
    if basis:
        sub += f"  \u00b7  household from {'recorded households' if basis == 'relationships' else 'shared address'}"
    fig.text(0.2 / fig.get_size_inches()[0], 1 - 0.42 / fh, sub, ha="left", va="top",
             fontsize=8, color="#444444")
    if layout.warnings:
        note = "Layout note: " + "; ".join(layout.warnings[:2])
        if len(layout.warnings) > 2:
            note += f" (+{len(layout.warnings) - 2} more)"
        fig.text(0.2 / fig.get_size_inches()[0], 0.12 / fh, note[:220], ha="left", va="bottom",
                 fontsize=6.5, color="#8a5a00")


# -- the key ---------------------------------------------------------------------------

def draw_key(ax, as_of: str | None, height_in: float) -> None:
    """Draw the genogram key into ``ax`` (symbols and lines with their meaning)."""
    from matplotlib.collections import LineCollection
    from matplotlib.patches import Circle, Polygon, Rectangle

    ax.set_axis_off()
    ax.set_xlim(0, 7.6)
    ax.set_ylim(-height_in / KEY_WIDTH * 7.6, 0)
    ax.set_aspect("equal", anchor="N")
    y = -0.7
    ax.text(0.1, y, "Key", fontsize=9, weight="bold", va="center", color=INK)
    entries = _key_entries()
    for label, kind, arg in entries:
        y -= 0.95
        _key_sample(ax, kind, arg, 1.0, y, Circle, Polygon, Rectangle, LineCollection)
        ax.text(2.2, y, label, fontsize=7, va="center", color=INK)
    y -= 1.0
    ax.text(0.1, y, "red text: roles and findings;\nagencies involved", fontsize=6.5,
            va="top", color=NOTE)
    if as_of:
        ax.text(0.1, y - 1.3, f"Chart date: {as_of}", fontsize=7, va="top", color=INK)


def _key_entries() -> list[tuple]:
    return [
        ("Male", "symbol", ("M", "person", False, False)),
        ("Female", "symbol", ("F", "person", False, False)),
        ("Sex not known", "symbol", ("U", "person", False, False)),
        ("Index child", "symbol", ("F", "person", True, False)),
        ("Deceased", "symbol", ("M", "person", False, True)),
        ("Pregnancy", "symbol", ("U", "pregnancy", False, False)),
        ("Married", "partner", "married"),
        ("Cohabiting", "partner", "cohabiting"),
        ("Separated", "partner", "separated"),
        ("Divorced", "partner", "divorced"),
        ("Partners, kind not recorded", "partner", "partner"),
        ("Birth child", "child", "biological"),
        ("Adopted child", "child", "adoptive"),
        ("Foster child", "child", "foster"),
        ("Twins", "twins", None),
        ("Household", "household", None),
    ]


def _key_sample(ax, kind, arg, x, y, Circle, Polygon, Rectangle, LineCollection) -> None:
    if kind == "symbol":
        sex, pkind, index, dead = arg
        for size in (1.0, 1.28) if index else (1.0,):
            pts = symbol_path(sex, pkind, x, y, size * 0.8)
            patch = Circle((x, y), 0.4 * size) if pts is None else Polygon(pts, closed=True)
            patch.set(facecolor="white" if size == 1.0 else "none", edgecolor=INK, linewidth=1.1)
            ax.add_patch(patch)
        if dead:
            ax.add_collection(LineCollection([[(x - .34, y - .34), (x + .34, y + .34)],
                                              [(x - .34, y + .34), (x + .34, y - .34)]],
                                             colors=INK, linewidths=1.1))
    elif kind == "partner":
        ls, lw, color = PARTNER_STYLE[arg]
        ax.add_collection(LineCollection([[(x - 0.8, y), (x + 0.8, y)]], linestyles=[ls],
                                         linewidths=lw, colors=color))
        for k in range(SLASHES.get(arg, 0)):
            cx = x - 0.1 + 0.25 * k
            ax.plot([cx - 0.1, cx + 0.1], [y - 0.22, y + 0.22], color=INK, linewidth=1.1)
    elif kind == "child":
        ls, lw, color = CHILD_STYLE[arg]
        ax.add_collection(LineCollection([[(x, y + 0.4), (x, y - 0.4)]], linestyles=[ls],
                                         linewidths=lw * 1.2, colors=color))
    elif kind == "twins":
        ax.add_collection(LineCollection([[(x - 0.5, y - 0.4), (x, y + 0.4), (x + 0.5, y - 0.4)]],
                                         colors=INK, linewidths=1.0))
    elif kind == "household":
        ax.add_patch(Rectangle((x - 0.8, y - 0.35), 1.6, 0.7, fill=False, edgecolor=HOUSEHOLD,
                               linestyle=(0, (1, 2)), linewidth=1.4))


# -- saving ----------------------------------------------------------------------------

def save_figure(fig, path) -> Path:
    """Save a figure as PNG, SVG or PDF (by suffix), byte-stable for the same chart."""
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
                                "pdf.compression": 6}), atomic_path(path) as tmp:
        # owner-only, complete or not at all (folders made 0700)
        fig.savefig(tmp, format=suffix, dpi=dpi, metadata=metadata, facecolor="white")
    return path


def _dpi(fig) -> int:
    width, height = fig.get_size_inches()
    return int(max(40, min(150, 30000 / max(width, height))))


def render_genogram(graph, out, *, layout: Layout | None = None, title: str = "",
                    pseudonymise: bool = False) -> list[Path]:
    """Draw the genogram and save it to ``out`` (a path or a list of paths)."""
    paths = [out] if isinstance(out, (str, Path)) else list(out)
    fig = draw_genogram(graph, layout, title=title, pseudonymise=pseudonymise)
    return [save_figure(fig, p) for p in paths]
