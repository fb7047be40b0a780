"""How legible a drawn genogram is, in numbers (``chronos genogram --stats``)."""

from __future__ import annotations

from chronos.genogram.chart import Layout, Line
from chronos.genogram.household import household_segments


def genogram_stats(graph, layout: Layout) -> dict:
    """People drawn, deceased, line crossings, lines through symbols and labels, label
    overlaps (with each other, with symbols and with the household boundary), the chart's
    size in pixels, layout warnings, and the relationship lines with their evidence."""
    from chronos.genogram.draw import chart_size
    from chronos.genogram.metrics import count_label_overlaps, count_lines_through_labels

    people = [p for p in layout.pos if p not in layout.clones
              and graph.nodes[p].get("kind") in ("person", "pregnancy")]
    boxes = layout.text_boxes()
    members = [p for p in graph.graph.get("household", []) if p in layout.pos]
    boundary = [Line(pts, "household", "", "household") for pts in household_segments(layout, members)] \
        if members else []
    width, height = chart_size(graph, layout)
    return {
        "people": len(people),
        "deceased": sum(1 for p in people if graph.nodes[p].get("deceased")),
        "not_known_parents": sum(1 for p in layout.pos if graph.nodes[layout.person(p)].get("kind") == "unknown"),
        "drawn_twice": len(layout.clones),
        "crossings": layout.crossings(),
        "lines_through_symbols": layout.lines_through_symbols(),
        "lines_through_labels": count_lines_through_labels(layout.lines, boxes),
        "label_overlaps": count_label_overlaps(boxes, layout.pos)
        + count_lines_through_labels(boundary, boxes),
        "width": width, "height": height,
        "warnings": list(graph.graph.get("warnings", [])) + list(layout.warnings),
        "relationship_lines": relationship_lines(graph, layout),
    }


def relationship_lines(graph, layout: Layout) -> list[dict]:
    """The emotional relationship lines drawn, each with the events it rests on."""
    out = []
    for a, b, data in sorted(graph.edges(data=True), key=lambda e: (e[0], e[1], e[2]["kind"])):
        if data.get("kind") == "emotional" and a in layout.pos and b in layout.pos:
            out.append({"from": a, "to": b, "kind": data.get("subtype"),
                        "incidents": data.get("count"), "first": data.get("start"),
                        "last": data.get("end"), "event_ids": list(data.get("event_ids") or []),
                        "source_file": data.get("source_file"), "source_ref": data.get("source_ref")})
    return out
