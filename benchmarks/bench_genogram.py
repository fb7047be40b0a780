"""Genogram benchmark: how legible and how quick the genograms of real and generated trees are.

For the public GEDCOM samples in ../shared/data/gedcom and the generated synthetic trees
(tests/genogram/trees.py: adoption, remarriage, cousins marrying, five generations), whole
and focused on one person three generations deep, it prints: people drawn, line
crossings, lines through symbols, lines through labels, label overlaps, the chart's
width and height in pixels (PNG), and the median CPU seconds (this process's, so that
other jobs on a shared machine disturb them less) to build, lay out and draw, with the
ratio to reading the file with the GEDCOM ingester, measured in the same run.
The figures measured on main before the genogram work (commit c731ce8, same script) are
printed beside them ("before").

    python benchmarks/bench_genogram.py [--repeat 3] [--out DIR] [--only royal92]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / ".." / "shared" / "data" / "gedcom"
FILES = ["royal92.ged", "washington.ged", "shakespeare.ged", "bronte.ged", "basic.ged"]
#: who each tree is focused on (a name as the GEDCOM file writes it)
FOCUS = {"royal92": "I52", "washington": "I1",
         "shakespeare": "William Shakespeare", "bronte": "Charlotte Brontë", "basic": "John Smith",
         "adoption": "Colin Hale", "remarriage": "Carl Frost", "cousins": "George Webb",
         "five-generations-7": "Abel Stone", "five-generations-12": "Abel Stone"}
#: measured on main (c731ce8) with this script, whole trees:
#: (people, crossings, through symbols, through labels, label overlaps, width, height)
BEFORE = {"royal92": (3010, 4484, 25, 757, 27, 28905, 10199),
          "washington": (529, 94, 8, 34, 1, 16135, 2876),
          "shakespeare": (31, 0, 0, 1, 0, 2125, 1048), "bronte": (14, 0, 0, 0, 0, 1386, 960),
          "basic": (5, 0, 0, 0, 0, 758, 960), "adoption": (12, 2, 0, 3, 0, 2082, 960),
          "remarriage": (16, 2, 0, 2, 0, 1665, 960), "cousins": (14, 0, 0, 0, 0, 1176, 960),
          "five-generations-7": (28, 0, 0, 0, 0, 1734, 960),
          "five-generations-12": (354, 55, 0, 0, 0, 28905, 1565)}


def read(path: Path):
    from chronos.ingest.base import Source
    from chronos.ingest.gedcom import GedcomIngester

    return GedcomIngester().read(Source(path=path, name=path.stem, format="gedcom"))


def measure(graph, layout) -> dict:
    """Legibility figures of a laid-out genogram (same definitions before and after):
    ``chronos genogram --stats`` where this version has it."""
    try:
        from chronos.genogram.stats import genogram_stats
    except ImportError:
        return _measure_before(graph, layout)
    got = genogram_stats(graph, layout)
    return {"people": got["people"], "crossings": got["crossings"],
            "through": got["lines_through_symbols"], "labels": got["lines_through_labels"],
            "overlaps": got["label_overlaps"], "width": got["width"], "height": got["height"]}


def _measure_before(graph, layout) -> dict:
    """The same figures for a version without ``--stats`` (main before this work)."""
    from chronos.genogram.draw import _dpi, draw_genogram
    from chronos.genogram.metrics import count_label_overlaps, count_lines_through_labels, label_boxes

    boxes = label_boxes(graph, layout)
    fig = draw_genogram(graph, layout)
    w, h = fig.get_size_inches() * _dpi(fig)
    return {"people": len(layout.pos), "crossings": layout.crossings(),
            "through": layout.lines_through_symbols(),
            "labels": count_lines_through_labels(layout.lines, boxes),
            "overlaps": count_label_overlaps(boxes, layout.pos), "width": int(w), "height": int(h)}


def focused(graph, name: str):
    """The graph focused on ``name`` three generations deep, if this version can."""
    try:
        from chronos.genogram.focus import focus_graph
    except ImportError:
        return None
    return focus_graph(graph, [name], up=1, down=1)


def run_once(path: Path, out: Path, focus: str | None) -> dict:
    from chronos.genogram import build_graph, layout_genogram, render_genogram

    t0 = time.process_time()
    found = read(path)
    t1 = time.process_time()
    graph = build_graph(found.persons, found.relationships, as_of="2025-01-01")
    if focus:
        graph = focused(graph, focus)
        if graph is None:
            return {}
    t2 = time.process_time()
    layout = layout_genogram(graph)
    t3 = time.process_time()
    render_genogram(graph, out / (path.stem + ("-focus" if focus else "") + ".svg"), layout=layout)
    t4 = time.process_time()
    return {"read": t1 - t0, "layout": t3 - t2, "total": t4 - t1, "layout_obj": layout,
            "graph_obj": graph}


def bench(path: Path, repeat: int, out: Path, focus: str | None) -> None:
    runs = [run_once(path, out, focus) for _ in range(repeat)]
    if not runs[0]:
        print(f"{path.stem + ' (focus)':<24} focus not available in this version")
        return
    med = {k: statistics.median(r[k] for r in runs) for k in ("read", "layout", "total")}
    got = measure(runs[-1]["graph_obj"], runs[-1]["layout_obj"])
    label = path.stem + (" (focus)" if focus else "")
    print(f"{label:<24} {got['people']:>5} {got['crossings']:>6} {got['through']:>5} "
          f"{got['labels']:>5} {got['overlaps']:>5} {got['width']:>6} {got['height']:>6} "
          f"{med['layout']:>7.2f} {med['total']:>7.2f} {med['total'] / med['read']:>6.1f}x"
          + _before(path.stem, focus, got))


def _before(stem: str, focus, got: dict) -> str:
    old = BEFORE.get(stem) if not focus else None
    if not old:
        return ""
    people, cross, through, labels, overlaps, width, height = old
    ratio = f" ({got['crossings'] / cross:.2f}x)" if cross else ""
    return (f"   before: {cross} crossings{ratio}, {through} through symbols, {labels} through "
            f"labels, {overlaps} label overlaps, {width}x{height} px")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None, help="keep the SVGs here")
    parser.add_argument("--only", default=None, help="only trees whose name contains this")
    args = parser.parse_args()
    from tests.genogram.trees import all_trees

    out = args.out or Path(tempfile.mkdtemp(prefix="chronos-genogram-"))
    out.mkdir(parents=True, exist_ok=True)
    paths = [DATA / name for name in FILES if (DATA / name).exists()]
    if not paths:
        print(f"no sample data at {DATA}: generated trees only", file=sys.stderr)
    paths += [tree.write(out) for tree in all_trees()]
    paths = [p for p in paths if not args.only or args.only in p.stem]
    print("median CPU seconds over", args.repeat, "runs; /read = total over reading the file")
    print(f"{'tree':<24} {'ppl':>5} {'cross':>6} {'thru':>5} {'lbls':>5} {'ovl':>5} {'w px':>6} "
          f"{'h px':>6} {'layout':>7} {'total':>7} {'/read':>7}")
    for path in paths:
        bench(path, args.repeat, out, None)
        bench(path, args.repeat, out, FOCUS.get(path.stem))
    print(f"SVGs in {out}")


if __name__ == "__main__":
    main()
