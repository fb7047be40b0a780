"""Genogram benchmark: lay out and draw the public GEDCOM samples to SVG.

Prints, per file: people, families, median seconds to build the graph, lay out and draw
SVG (and the total), the ratio of the total to the baseline (reading the same file with
the GEDCOM ingester, measured in the same run), overlapping symbols (target 0), line
crossings, lines through symbols and layout warnings.

    python benchmarks/bench_genogram.py [--repeat 3] [--out DIR]
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


def read(path: Path):
    from chronos.ingest.base import Source
    from chronos.ingest.gedcom import GedcomIngester

    return GedcomIngester().read(Source(path=path, name=path.stem, format="gedcom"))


def run_once(path: Path, out: Path) -> dict:
    from chronos.genogram import build_graph, layout_genogram, render_genogram

    t0 = time.perf_counter()
    found = read(path)
    t1 = time.perf_counter()
    graph = build_graph(found.persons, found.relationships, as_of="2025-01-01")
    t2 = time.perf_counter()
    layout = layout_genogram(graph)
    t3 = time.perf_counter()
    render_genogram(graph, out / (path.stem + ".svg"), layout=layout)
    t4 = time.perf_counter()
    return {"read": t1 - t0, "graph": t2 - t1, "layout": t3 - t2, "svg": t4 - t3,
            "total": t4 - t1, "layout_obj": layout, "graph_obj": graph}


def bench(path: Path, repeat: int, out: Path) -> None:
    runs = [run_once(path, out) for _ in range(repeat)]
    med = {k: statistics.median(r[k] for r in runs) for k in ("read", "graph", "layout", "svg", "total")}
    lay, graph = runs[-1]["layout_obj"], runs[-1]["graph_obj"]
    families = len({tuple(sorted(f.parents)) for f in lay.families})
    print(f"{path.name:<16} {graph.number_of_nodes():>5} {families:>5} "
          f"{med['graph']:>6.2f} {med['layout']:>6.2f} {med['svg']:>6.2f} {med['total']:>6.2f} "
          f"{med['total'] / med['read']:>6.1f}x {lay.overlapping_symbols():>4} {lay.crossings():>6} "
          f"{lay.lines_through_symbols():>5}  {'; '.join(lay.warnings) or 'clean'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None, help="keep the SVGs here")
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"no sample data at {DATA}")
    out = args.out or Path(tempfile.mkdtemp(prefix="chronos-genogram-"))
    out.mkdir(parents=True, exist_ok=True)
    print("median seconds over", args.repeat, "runs; baseline = reading the file (GEDCOM ingester)")
    print(f"{'file':<16} {'ppl':>5} {'fams':>5} {'graph':>6} {'layout':>6} {'svg':>6} {'total':>6} "
          f"{'/read':>7} {'ovl':>4} {'cross':>6} {'thru':>5}  warnings")
    for name in FILES:
        if (DATA / name).exists():
            bench(DATA / name, args.repeat, out)
    print(f"SVGs in {out}")


if __name__ == "__main__":
    main()
