"""Genograms and ecomaps drawn from a case.

Library use (a notebook can run this)::

    from chronos.genogram import build_graph, layout_genogram, render_genogram
    graph = build_graph(persons, relationships, events=events, findings=findings,
                        index_children=["P003"], as_of="2024-03-31")
    layout = layout_genogram(graph)          # positions, lines, warnings
    render_genogram(graph, ["genogram.png", "genogram.svg"], layout=layout)

    from chronos.genogram import build_ecomap, render_ecomap
    render_ecomap(build_ecomap(events, persons, graph=graph), "ecomap.png")

For a built case: :func:`genogram_for_case` and :func:`write_genogram_png` etc.
"""

from chronos.genogram.case import (case_graph, ecomap_for_case, genogram_for_case,
                                   graph_from_gedcom, write_ecomap_png, write_genogram_pdf,
                                   write_genogram_png, write_genogram_svg)
from chronos.genogram.draw import draw_genogram, render_genogram, save_figure
from chronos.genogram.ecomap import Ecomap, build_ecomap, draw_ecomap, render_ecomap
from chronos.genogram.graph import build_graph, children, household_at, parents, partners
from chronos.genogram.layout import Layout, layout_genogram

__all__ = [
    "Ecomap", "Layout", "build_ecomap", "build_graph", "case_graph", "children", "draw_ecomap",
    "draw_genogram", "ecomap_for_case", "genogram_for_case", "graph_from_gedcom", "household_at",
    "layout_genogram", "parents", "partners", "render_ecomap", "render_genogram", "save_figure",
    "write_ecomap_png", "write_genogram_pdf", "write_genogram_png", "write_genogram_svg",
]
