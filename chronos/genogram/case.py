"""Genograms and ecomaps for a built case (:class:`chronos.case.CaseResult`) or a
GEDCOM file: what ``chronos build``, ``chronos genogram`` and ``chronos ecomap`` call."""

from __future__ import annotations

from pathlib import Path

from chronos.genogram.draw import render_genogram
from chronos.genogram.ecomap import Ecomap, build_ecomap, render_ecomap
from chronos.genogram.graph import build_graph


def case_graph(result, *, as_of=None):
    """The genogram graph of a built case (``as_of`` defaults to the case's). Built once
    per result, date and review (the genogram and the ecomap of one build share it); each
    caller gets its own copy, free to change. Findings dismissed on review (the case's
    annotations) are not counted on the people they are about."""
    import copy

    from chronos.genogram.ecomap import _latest

    as_of = as_of or result.as_of or _latest(result.events)
    dismissed = _dismissed(result)

    def build():
        findings = result.findings
        if dismissed and findings is not None and len(findings):
            findings = findings[~findings["finding_id"].astype(str).isin(dismissed)]
        return build_graph(result.persons, result.relationships, events=result.events,
                           findings=findings, index_children=result.index_children or (),
                           as_of=as_of)

    remember = getattr(result, "remember", None)
    if remember is None:
        return build()
    return copy.deepcopy(remember(("case_graph", as_of, dismissed), build))


def _dismissed(result) -> frozenset[str]:
    """The ids of the findings dismissed on review in the case's annotations."""
    from chronos.annotations import read_annotations

    root = getattr(getattr(result, "case", None), "root", None)
    return frozenset(read_annotations(root).latest("dismissed")) if root else frozenset()


def graph_from_gedcom(path, *, as_of=None, index_children=()):
    """The genogram graph of a GEDCOM file (read with the GEDCOM ingester)."""
    from chronos.ingest.base import Source
    from chronos.ingest.gedcom import GedcomIngester

    path = Path(path)
    source = Source(path=path, name=path.stem, format="gedcom", display_path=path.name)
    found = GedcomIngester().read(source)
    return build_graph(found.persons, found.relationships, events=None,
                       index_children=index_children, as_of=as_of)


def genogram_view(graph, *, focus=None, generations: int | None = None, case: bool = False,
                  pseudonymise: bool = False):
    """The part of the family to draw: around ``focus`` (ids or names) ``generations``
    up and down (default two up, one down); for a case with no focus, around the index
    children; otherwise the whole family. To be drawn pseudonymised, the part carries the
    role names of the whole family (``graph.graph['role_names']``), so that its people
    are named as the shared documents name them."""
    from chronos.errors import ChronosError
    from chronos.genogram.focus import CASE_DOWN, CASE_UP, focus_graph

    if generations is not None and generations < 0:
        raise ChronosError("--generations must be 0 or more")
    if not focus and case:
        focus = graph.graph.get("index_children") or None
    if not focus:
        if generations is not None:
            raise ChronosError("--generations needs someone to count from",
                               hint="add --focus PERSON (a person id, GEDCOM id or name)")
        return graph
    up, down = (generations, generations) if generations is not None else (CASE_UP, CASE_DOWN)
    view = focus_graph(graph, list(focus), up=up, down=down)
    if pseudonymise:
        from chronos.genogram.labels import role_names

        view.graph["role_names"] = role_names(graph)
    return view


def genogram_for_case(result, out, *, as_of=None, pseudonymise: bool = False) -> list[Path]:
    """Draw the case's genogram to ``out`` (one path or several: .png, .svg, .pdf):
    the index children, two generations up and one down, partners, siblings, household.
    A pseudonymised case (``result.pseudonymised``) is drawn pseudonymised, people named
    by role as in the shared documents."""
    pseudonymise = pseudonymise or bool(getattr(result, "pseudonymised", False))
    graph = genogram_view(case_graph(result, as_of=as_of), case=True, pseudonymise=pseudonymise)
    return render_genogram(graph, out, title=result.name, pseudonymise=pseudonymise)


def ecomap_for_case(result, out, *, as_of=None, pseudonymise: bool = False) -> list[Path]:
    """Draw the case's ecomap to ``out`` (one path or several); pseudonymised (asked, or a
    pseudonymised case), people are named by role ('Child 1', 'Mother') as in the shared
    documents."""
    from chronos.genogram.labels import pseudonyms

    pseudonymise = pseudonymise or bool(getattr(result, "pseudonymised", False))
    graph = case_graph(result, as_of=as_of)
    ecomap = build_ecomap(result.events, result.persons, index_children=result.index_children or (),
                          as_of=graph.graph["as_of"], graph=graph)
    names = pseudonyms(graph) if pseudonymise else None
    return render_ecomap(ecomap, out, title=result.name, pseudonymise=pseudonymise, names=names)


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


def draw_genogram_file(source, out, *, as_of=None, pseudonymise: bool = False, focus=None,
                       generations: int | None = None, stats: bool = False,
                       progress=None) -> tuple[list[Path], list[str], dict | None]:
    """``chronos genogram``: draw the genogram of ``source`` (a built case, or the path of
    a GEDCOM .ged file) to ``out``, around ``focus`` (see :func:`genogram_view`).

    Returns the files written, the warnings (families that could not be drawn cleanly)
    and, with ``stats``, the chart's figures (:func:`chronos.genogram.stats.genogram_stats`)."""
    from chronos.genogram.layout import layout_genogram

    say = progress or (lambda _msg: None)
    if isinstance(source, (str, Path)):
        path = Path(source)
        say(f"reading {path.name}")
        graph, title, case = graph_from_gedcom(path, as_of=as_of), path.stem, False
    else:
        graph, title, case = case_graph(source, as_of=as_of), source.name, True
    graph = genogram_view(graph, focus=focus, generations=generations, case=case,
                          pseudonymise=pseudonymise)
    say("laying out")
    layout = layout_genogram(graph, pseudonymised=pseudonymise)
    say(f"drawing {out}")
    written = render_genogram(graph, out, layout=layout, title=title, pseudonymise=pseudonymise)
    figures = None
    if stats:
        from chronos.genogram.stats import genogram_stats

        figures = genogram_stats(graph, layout)
    return written, list(graph.graph["warnings"]) + list(layout.warnings), figures
