"""Regenerate the pictures in docs/genogram.md (synthetic families only).

Run from the project root: python docs/make_genogram_images.py
"""

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chronos.case import build_case  # noqa: E402
from chronos.genogram import graph_from_gedcom, layout_genogram, render_genogram  # noqa: E402
from chronos.genogram.case import ecomap_for_case, genogram_for_case  # noqa: E402
from chronos.genogram.focus import focus_graph  # noqa: E402
from tests.genogram.trees import adoption, remarriage  # noqa: E402

IMAGES = ROOT / "docs" / "img"


def main() -> None:
    result = build_case(ROOT / "examples" / "smith-family")
    genogram_for_case(result, IMAGES / "genogram-example.png")
    ecomap_for_case(result, IMAGES / "ecomap-example.png")
    with tempfile.TemporaryDirectory() as tmp:
        for tree, name, focus in ((adoption(), "genogram-adoption.png", None),
                                  (remarriage(), "genogram-remarriage.png", "Carl Frost")):
            graph = graph_from_gedcom(tree.write(tmp), as_of="2025-01-01")
            if focus:
                graph = focus_graph(graph, [focus], up=1, down=1)
            render_genogram(graph, IMAGES / name, layout=layout_genogram(graph),
                            title=f"{tree.name} (generated, synthetic)")
    print("written to", IMAGES)


if __name__ == "__main__":
    main()
