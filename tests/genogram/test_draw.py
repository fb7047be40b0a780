"""Charts are written in every format, dated, keyed, reproducible and pseudonymisable."""

from pathlib import Path

import pytest

from chronos.genogram import graph_from_gedcom, layout_genogram, render_genogram
from chronos.genogram.draw import household_outline, pseudonyms, symbol_path

GEDCOM = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "gedcom"


def test_png_svg_pdf_are_written(blended, tmp_path):
    paths = render_genogram(blended, [tmp_path / "g.png", tmp_path / "g.svg", tmp_path / "g.pdf"],
                            title="Test family")
    assert [p.suffix for p in paths] == [".png", ".svg", ".pdf"]
    assert paths[0].read_bytes()[:4] == b"\x89PNG" and paths[2].read_bytes()[:4] == b"%PDF"
    svg = paths[1].read_text("utf-8")
    assert "Key" in svg and "2024-03-31" in svg and "Test family" in svg
    assert "mum Test" in svg and "carer" in svg


def test_svg_is_byte_identical_for_the_same_family(blended, tmp_path):
    a, b = tmp_path / "a.svg", tmp_path / "b.svg"
    render_genogram(blended, a)
    render_genogram(blended, b)
    assert a.read_bytes() == b.read_bytes()


def test_pseudonymised_chart_has_no_names_or_birth_years(blended, tmp_path):
    (path,) = render_genogram(blended, tmp_path / "p.svg", pseudonymise=True)
    svg = path.read_text("utf-8")
    assert "mum Test" not in svg and "b. 1985" not in svg
    assert "Mother" in svg and "Child 1" in svg and "age 12" in svg


def test_pseudonyms_are_stable_and_by_age(blended):
    names = pseudonyms(blended)
    assert names["c"] == "Child 1" and names["b"] == "Child 2"    # the index child first
    assert names["t1"] == "Child 3" and names["t2"] == "Child 4"  # twins: by person id
    assert names["mum"] == "Mother" and names["dad1"] == "Father"
    assert names["dad2"] == "Father of Child 3 and Child 4"
    assert names["grandad"] == "Maternal grandfather" and names["gran"] == "Maternal grandmother"
    assert names["a"] == "Sibling" and names["h"] == "Half-sibling"   # both grown up
    assert names["dad1_ex"] == "Father's ex-partner"
    assert names == pseudonyms(blended)


def test_unknown_format_is_a_clear_error(blended, tmp_path):
    from chronos.errors import ChronosError

    with pytest.raises(ChronosError, match="png, .svg or .pdf"):
        render_genogram(blended, tmp_path / "g.gif")


def test_symbols_by_sex():
    assert len(symbol_path("M", "person", 0, 0)) == 4          # square
    assert symbol_path("F", "person", 0, 0) is None            # circle
    diamond = symbol_path("U", "person", 0, 0)
    assert len(diamond) == 4 and (0, pytest.approx(0.55)) in [(x, pytest.approx(y)) for x, y in diamond]
    assert len(symbol_path("U", "pregnancy", 0, 0)) == 3       # triangle


def test_household_boundary_encloses_exactly_its_members(blended):
    lay = layout_genogram(blended)
    shapes = household_outline(lay, blended.graph["household"])
    boxes = [s[1] for s in shapes if s[0] == "box"]
    if boxes:
        inside = lambda p: any(x0 < lay.pos[p][0] < x1 and y0 < lay.pos[p][1] < y1
                               for x0, y0, x1, y1 in boxes)
    else:
        from matplotlib.path import Path as MPath

        poly = MPath(shapes[0][1])
        inside = lambda p: poly.contains_point(lay.pos[p])
    assert {p for p in blended.nodes if inside(p)} == set(blended.graph["household"])


@pytest.mark.skipif(not GEDCOM.is_dir(), reason="shared sample data absent")
def test_gedcom_family_tree_draws_cleanly(tmp_path):
    graph = graph_from_gedcom(GEDCOM / "shakespeare.ged", as_of="1700-01-01")
    lay = layout_genogram(graph, strict=True)
    assert lay.clean and lay.overlapping_symbols() == 0 and lay.crossings() == 0
    twins = [ln for ln in lay.lines if ln.kind == "twin"]
    assert len(twins) == 2 and twins[0].points[0] == twins[1].points[0]     # Hamnet and Judith
    render_genogram(graph, tmp_path / "s.png", layout=lay)


@pytest.mark.skipif(not GEDCOM.is_dir(), reason="shared sample data absent")
def test_royal92_lays_out_without_overlaps():
    graph = graph_from_gedcom(GEDCOM / "royal92.ged", as_of="2000-01-01")
    assert graph.number_of_nodes() == 3010
    lay = layout_genogram(graph, strict=True)
    assert lay.overlapping_symbols() == 0
    for a, b, data in graph.edges(data=True):
        if data["kind"] == "parent":
            assert lay.pos[a][1] > lay.pos[b][1]
    partners = [(a, b) for a, b, d in graph.edges(data=True) if d["kind"] == "partner"]
    apart = sum(lay.pos[a][1] != lay.pos[b][1] for a, b in partners)
    assert apart <= 2 and any("different generations" in w for w in lay.warnings) == bool(apart)
