"""Genograms and ecomaps for a built case (:class:`chronos.case.CaseResult`) or a
GEDCOM file: what ``chronos build``, ``chronos genogram`` and ``chronos ecomap`` call."""

from __future__ import annotations

from pathlib import Path

from chronos.genogram.draw import render_genogram
from chronos.genogram.ecomap import Ecomap, build_ecomap, render_ecomap
from chronos.genogram.graph import build_graph


def case_graph(result, *, as_of=None):
    """The genogram graph of a built case (``as_of`` defaults to the case's)."""
    from chronos.genogram.ecomap import _latest

    return build_graph(result.persons, result.relationships, events=result.events,
                       findings=result.findings, index_children=result.index_children or (),
                       as_of=as_of or result.as_of or _latest(result.events))


def graph_from_gedcom(path, *, as_of=None, index_children=()):
    """The genogram graph of a GEDCOM file (read with the GEDCOM ingester)."""
    from chronos.ingest.base import Source
    from chronos.ingest.gedcom import GedcomIngester

    path = Path(path)
    source = Source(path=path, name=path.stem, format="gedcom", display_path=path.name)
    found = GedcomIngester().read(source)
    return build_graph(found.persons, found.relationships, events=None,
                       index_children=index_children, as_of=as_of)


def genogram_for_case(result, out, *, as_of=None, pseudonymise: bool = False) -> list[Path]:
    """Draw the case's genogram to ``out`` (one path or several: .png, .svg, .pdf).
    A pseudonymised case (``result.pseudonymised``) is drawn pseudonymised."""
    graph = case_graph(result, as_of=as_of)
    pseudonymise = pseudonymise or bool(getattr(result, "pseudonymised", False))
    return render_genogram(graph, out, title=result.name, pseudonymise=pseudonymise)


def ecomap_for_case(result, out, *, as_of=None, pseudonymise: bool = False) -> list[Path]:
    """Draw the case's ecomap to ``out`` (one path or several); pseudonymised, the family
    in the centre is named by role ('Child 1', 'Mother')."""
    ecomap = case_ecomap(result, as_of=as_of)
    if pseudonymise or getattr(result, "pseudonymised", False):
        ecomap = _by_role(ecomap, case_graph(result, as_of=as_of))
    return render_ecomap(ecomap, out, title=result.name)


def _by_role(ecomap: Ecomap, graph) -> Ecomap:
    """The ecomap with the family's members named by role and no family name."""
    import dataclasses

    from chronos.genogram.labels import role_names

    names = role_names(graph)
    ids = graph.graph.get("household") or graph.graph.get("index_children") or []
    members = [names[p] for p in sorted(ids, key=lambda p: (graph.nodes[p].get("dob") or "9999", p))
               if p in names]
    return dataclasses.replace(ecomap, centre="Family", members=members)


def case_ecomap(result, *, as_of=None) -> Ecomap:
    """The ecomap data of a built case."""
    graph = case_graph(result, as_of=as_of)
    return build_ecomap(result.events, result.persons, index_children=result.index_children or (),
                        as_of=graph.graph["as_of"], graph=graph)


def write_genogram_png(result, path: Path) -> None:
    """Writer for ``chronos build``: genogram.png."""
    genogram_for_case(result, path)


def write_genogram_svg(result, path: Path) -> None:
    """Writer for ``chronos build``: genogram.svg."""
    genogram_for_case(result, path)


def write_genogram_pdf(result, path: Path) -> None:
    """Writer for ``chronos build``: genogram.pdf."""
    genogram_for_case(result, path)


def write_ecomap_png(result, path: Path) -> None:
    """Writer for ``chronos build``: ecomap.png."""
    ecomap_for_case(result, path)


def draw_genogram_file(source, out, *, as_of=None, pseudonymise: bool = False,
                       progress=None) -> tuple[list[Path], list[str]]:
    """``chronos genogram``: draw the genogram of ``source`` (a built case, or the path of
    a GEDCOM .ged file) to ``out``.

    Returns the files written and the layout's warnings (families that could not be
    drawn cleanly)."""
    from chronos.genogram.layout import layout_genogram

    say = progress or (lambda _msg: None)
    if isinstance(source, (str, Path)):
        path = Path(source)
        say(f"reading {path.name}")
        graph, title = graph_from_gedcom(path, as_of=as_of), path.stem
    else:
        graph, title = case_graph(source, as_of=as_of), source.name
    say("laying out")
    layout = layout_genogram(graph, pseudonymised=pseudonymise)
    say(f"drawing {out}")
    written = render_genogram(graph, out, layout=layout, title=title, pseudonymise=pseudonymise)
    return written, list(graph.graph["warnings"]) + list(layout.warnings)
