"""Geometry of the pedigree layout on hand-made hard cases (no pixels)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chronos.genogram import layout as layout_module
from chronos.genogram.geometry import EDGE, is_virtual
from chronos.genogram.layout import DROP, LONE_DROP, SYMBOL, layout_genogram

HALF = SYMBOL / 2


def check_geometry(graph, lay, *, through=True):
    """No overlaps, one row per generation, every child hanging from its own parents."""
    assert lay.overlapping_symbols() == 0
    for members in lay.rows.values():
        xs = sorted(lay.pos[p][0] for p in members)
        assert all(b - a >= SYMBOL for a, b in zip(xs, xs[1:]))
        assert len({lay.pos[p][1] for p in members}) == 1
    row_y = [lay.pos[lay.rows[r][0]][1] for r in sorted(lay.rows)]
    assert row_y == sorted(row_y, reverse=True) and len(set(row_y)) == len(row_y)
    for fam in lay.families:
        _check_family(lay, fam)
    if through:
        assert lay.lines_through_symbols() == 0


def _check_family(lay, fam):
    owner = f"F:{fam.id}"
    lines = [ln for ln in lay.lines if ln.owner == owner]
    sibships = [ln for ln in lines if ln.kind == "sibship"]
    descent = [ln for ln in lines if ln.kind == "descent"]
    if not is_virtual(fam):
        xs = [lay.pos[p][0] for p in fam.parents]
        assert all(lay.pos[p][1] > lay.pos[c][1] for p in fam.parents for c in fam.children)
        if descent:
            ax = descent[0].points[0][0]
            reach = LONE_DROP if len(fam.parents) == 1 else 0.0
            assert min(xs) - reach - 1e-9 <= ax <= max(xs) + reach + 1e-9   # its own couple
            assert not sibships or any(s.points[0][0] - 1e-9 <= ax <= s.points[1][0] + 1e-9
                                       for s in sibships)
    for child in fam.children:
        cx, cy = lay.pos[child]
        def lands(end):
            if child in fam.primary:
                return end == pytest.approx((cx, cy + HALF))
            return abs(end[0] - cx) < HALF and end[1] == pytest.approx(cy + EDGE)
        hanging = [ln for ln in lines if ln.kind in ("child", "twin") and lands(ln.points[-1])]
        assert len(hanging) == 1, child
        sx, sy = hanging[0].points[0]
        assert sy > cy + HALF
        on_line = [s for s in sibships if s.points[0][1] == pytest.approx(sy)
                   and s.points[0][0] - 1e-9 <= sx <= s.points[1][0] + 1e-9]
        assert on_line or (len(fam.children) == 1 and descent
                           and descent[0].points[-1][0] == pytest.approx(sx))


def row_of(lay, person):
    return lay.generation[person]


def test_blended_family_lays_out_cleanly(blended):
    lay = layout_genogram(blended, strict=True)
    check_geometry(blended, lay)
    assert lay.clean and lay.crossings() == 0


def test_three_generations_on_their_own_rows_and_in_laws_beside_partners(blended):
    lay = layout_genogram(blended, strict=True)
    assert {row_of(lay, p) for p in ("gran", "grandad")} == {0}
    assert {row_of(lay, p) for p in ("mum", "dad1", "dad2", "dad1_ex")} == {1}
    assert {row_of(lay, p) for p in ("a", "b", "c", "t1", "t2", "h")} == {2}


def test_half_siblings_hang_from_the_right_couple(blended):
    lay = layout_genogram(blended, strict=True)
    order = [p for p in lay.rows[1]]
    assert order.index("mum") == order.index("dad1") + 1 or order.index("dad1") == order.index("mum") + 1
    for fam in lay.families:
        if set(fam.parents) == {"mum", "dad1"}:
            assert set(fam.children) == {"a", "b", "c"}
        if set(fam.parents) == {"mum", "dad2"}:
            assert set(fam.children) == {"t1", "t2"}
        if set(fam.parents) == {"dad1", "dad1_ex"}:
            assert fam.children == ["h"]
    xs = {p: lay.pos[p][0] for p in blended.nodes}
    assert max(xs[c] for c in "abc") < min(xs["t1"], xs["t2"])   # no crossing sibships
    assert xs["h"] < min(xs[c] for c in "abc")


def test_children_in_birth_order_and_twins_from_one_point(blended):
    lay = layout_genogram(blended, strict=True)
    xs = {p: lay.pos[p][0] for p in blended.nodes}
    assert xs["a"] < xs["b"] < xs["c"]
    twin_lines = [ln for ln in lay.lines if ln.kind == "twin"]
    assert len(twin_lines) == 2 and twin_lines[0].points[0] == twin_lines[1].points[0]


def test_same_sex_couple_adopts_and_lines_are_dashed(fam):
    people = [fam.person("m1", "F", "1980-01-01"), fam.person("m2", "F", "1982-01-01"),
              fam.person("k", "M", "2015-01-01"), fam.person("bm", "F", "1995-01-01")]
    rels = [fam.rel("m1", "m2", "partner", "married"),
            *fam.children_of(["m1", "m2"], ["k"], "adoptive"), *fam.children_of(["bm"], ["k"])]
    graph = fam.graph(people, rels)
    lay = layout_genogram(graph, strict=True)
    check_geometry(graph, lay, through=False)
    styles = {ln.owner: ln.style for ln in lay.lines if ln.kind == "child"}
    adoptive = next(f for f in lay.families if set(f.parents) == {"m1", "m2"})
    birth = next(f for f in lay.families if f.parents == ("bm", "unknown:bm"))
    assert styles[f"F:{adoptive.id}"] == "adoptive" and styles[f"F:{birth.id}"] == "biological"
    assert "k" in adoptive.primary and "k" not in birth.primary
    assert lay.lines_through_labels() == 0 and lay.label_overlaps() == 0


def test_foster_child_hangs_from_birth_parents_with_a_dotted_line_to_carers(fam):
    people = [fam.person("bm", "F", "1990-01-01"), fam.person("bf", "M", "1989-01-01"),
              fam.person("k", "F", "2014-01-01", is_index=True), fam.person("s", "M", "2012-01-01"),
              fam.person("fc1", "F", "1970-01-01"), fam.person("fc2", "M", "1968-01-01")]
    rels = [fam.rel("bm", "bf", "partner", "separated"), *fam.children_of(["bm", "bf"], ["s", "k"]),
            fam.rel("fc1", "fc2", "partner", "married"),
            *fam.children_of(["fc1", "fc2"], ["k"], "foster")]
    graph = fam.graph(people, rels)
    lay = layout_genogram(graph, strict=True)
    check_geometry(graph, lay, through=False)
    foster = next(f for f in lay.families if set(f.parents) == {"fc1", "fc2"})
    assert foster.line["k"] == "foster" and "k" not in foster.primary
    assert {ln.style for ln in lay.lines if ln.owner == f"F:{foster.id}" and ln.kind == "child"} == {"foster"}
    assert lay.generation["fc1"] == lay.generation["bm"]


def test_unknown_sex_and_a_parent_not_known(fam):
    people = [fam.person("p", "U", "1990-01-01"), fam.person("k", "X", "2010-01-01")]
    graph = fam.graph(people, fam.children_of(["p"], ["k"]))
    lay = layout_genogram(graph, strict=True)
    check_geometry(graph, lay)
    middle = (lay.pos["p"][0] + lay.pos["unknown:p"][0]) / 2
    assert lay.pos["k"][0] == pytest.approx(middle)         # under the couple it hangs from
    assert lay.generation["unknown:p"] == lay.generation["p"]
    assert graph.nodes["p"]["sex"] == "U" and graph.nodes["k"]["sex"] == "X"


def test_a_lone_parents_line_leaves_beside_the_symbol_and_the_label_moves_aside(fam):
    people = [fam.person("am", "F", "1980-01-01"), fam.person("k", "M", "2015-01-01")]
    graph = fam.graph(people, fam.children_of(["am"], ["k"], "adoptive"))
    lay = layout_genogram(graph, strict=True)
    check_geometry(graph, lay)
    x, y = lay.pos["am"]
    (descent,) = [ln for ln in lay.lines if ln.kind == "descent"]
    assert descent.points[0] == pytest.approx((x + LONE_DROP, y - EDGE))
    assert descent.style == "adoptive"                       # dashed all the way down
    assert lay.label_boxes["am"][2] < x + LONE_DROP          # the label is left of the line
    assert lay.lines_through_labels() == 0


def test_single_adopter_and_single_birth_parent_keep_their_own_lines(fam):
    """The adoptive mother and the birth father are each single parents: the adopted
    line (dashed) and the birth line land side by side, never on one another."""
    people = [fam.person("am", "F", "1975-01-01"), fam.person("bf", "M", "1985-01-01"),
              fam.person("k", "F", "2012-01-01")]
    rels = [*fam.children_of(["am"], ["k"], "adoptive"), *fam.children_of(["bf"], ["k"])]
    graph = fam.graph(people, rels)
    lay = layout_genogram(graph, strict=True)
    check_geometry(graph, lay)
    ends = {ln.style: ln.points[-1] for ln in lay.lines if ln.kind == "child"}
    assert set(ends) == {"adoptive", "biological"}
    kx, ky = lay.pos["k"]
    assert ends["adoptive"] == pytest.approx((kx, ky + HALF))           # its own family
    assert abs(ends["biological"][0] - kx) > 0.2                        # beside, not on it
    assert lay.lines_through_labels() == 0 and lay.label_overlaps() == 0


def test_partners_further_along_the_row_are_joined_below_the_labels(fam):
    """A mother with three partners: the one she has no children with sits next to her;
    the line to a partner further along leaves beside both symbols and crosses no label."""
    people = [fam.person("m", "F", "1990-01-01"), fam.person("p1", "M", "1988-01-01"),
              fam.person("p2", "M", "1989-01-01"), fam.person("p3", "M", "1985-01-01"),
              fam.person("a", "M", "2008-01-01"), fam.person("b", "F", "2016-01-01")]
    rels = [*fam.children_of(["m", "p1"], ["a"]), *fam.children_of(["m", "p2"], ["b"]),
            fam.rel("m", "p1", "partner", "separated", "2007-01-01", "2009-01-01"),
            fam.rel("m", "p2", "partner", "separated", "2015-06-14", "2023-01-10"),
            fam.rel("m", "p3", "partner", "cohabiting", "2023-03-01")]
    graph = fam.graph(people, rels)
    lay = layout_genogram(graph, strict=True)
    check_geometry(graph, lay)
    row = sorted(lay.rows[lay.generation["m"]], key=lambda p: lay.pos[p][0])
    assert abs(row.index("m") - row.index("p3")) == 1            # the childless partner beside
    (bracket,) = [p for p in lay.partnerships if p["kind"] == "bracket"]
    start = bracket["points"][0]
    assert abs(start[0] - lay.pos[bracket["a"]][0]) == pytest.approx(DROP)
    assert lay.crossings() == 0 and lay.lines_through_labels() == 0 and lay.label_overlaps() == 0
    words = sorted(line for t in lay.texts for line in t.lines)
    assert words == ["separated 2009", "separated Jan 2023", "together 2007", "together Jun 2015",
                     "together Mar 2023"]


def test_someone_whose_partner_is_a_generation_further_down_is_drawn_twice(fam):
    """p marries q, the child of p's sister: p sits beside q, two rows under p's parents;
    rather than a child line through the row between, p also appears among the siblings."""
    people = [fam.person(x, "M" if x in ("x1", "y1", "p") else "F", f"19{d}-01-01")
              for x, d in (("x1", 20), ("x2", 22), ("y1", 21), ("y2", 23), ("s", 45), ("yc", 44),
                           ("p", 50), ("q", 70), ("r", 95))]
    rels = [fam.rel("x1", "x2", "partner", "married"), fam.rel("y1", "y2", "partner", "married"),
            *fam.children_of(["x1", "x2"], ["s", "p"]), *fam.children_of(["y1", "y2"], ["yc"]),
            fam.rel("yc", "s", "partner", "married"), *fam.children_of(["yc", "s"], ["q"]),
            fam.rel("p", "q", "partner", "married"), *fam.children_of(["p", "q"], ["r"])]
    graph = fam.graph(people, rels)
    lay = layout_genogram(graph, strict=True)
    assert lay.clones == {"copy:p": "p"}
    assert lay.generation["copy:p"] == lay.generation["s"]            # among the siblings
    assert lay.generation["p"] == lay.generation["q"]                 # beside the partner
    home = next(f for f in lay.families if "copy:p" in f.children)
    assert set(home.parents) == {"x1", "x2"} and "p" not in home.children
    assert lay.lines_through_symbols() == 0 and lay.overlapping_symbols() == 0
    assert lay.label_overlaps() == 0 and not any("span more than one" in w for w in lay.warnings)


def test_siblings_without_parents_share_a_line(fam):
    people = [fam.person(p, "F", f"20{10 + k}-01-01") for k, p in enumerate("xyz")]
    rels = [fam.rel("x", "y", "sibling"), fam.rel("y", "z", "sibling")]
    graph = fam.graph(people, rels)
    lay = layout_genogram(graph, strict=True)
    check_geometry(graph, lay)
    assert len({lay.generation[p] for p in "xyz"}) == 1
    assert [ln.kind for ln in lay.lines].count("sibship") == 1


def test_household_member_without_family_ties_sits_with_adults(fam):
    people = [fam.person("m", "F", "1990-01-01"), fam.person("k", "M", "2015-01-01", is_index=True),
              fam.person("lodger", "M", "1988-01-01")]
    rels = [*fam.children_of(["m"], ["k"]), fam.rel("k", "lodger", "household"),
            fam.rel("k", "m", "household")]
    lay = layout_genogram(fam.graph(people, rels), strict=True)
    assert lay.generation["lodger"] == lay.generation["m"]


def test_parent_cycle_is_broken_with_a_warning(fam):
    people = [fam.person("a", "F"), fam.person("b", "M")]
    rels = [fam.rel("a", "b", "parent"), fam.rel("b", "a", "parent")]
    lay = layout_genogram(fam.graph(people, rels), strict=True)
    assert not lay.clean and any("cycle" in w for w in lay.warnings)
    assert lay.overlapping_symbols() == 0


def test_partner_who_is_also_a_descendant_gets_a_warning_not_a_crash(fam):
    people = [fam.person(p) for p in ("g", "p", "c")]
    rels = [fam.rel("g", "p", "parent"), fam.rel("p", "c", "parent"), fam.rel("g", "c", "partner")]
    lay = layout_genogram(fam.graph(people, rels), strict=True)
    assert any("generation" in w for w in lay.warnings)
    assert lay.generation["g"] < lay.generation["p"] < lay.generation["c"]


def test_unexpected_failure_falls_back_to_a_grid(blended, monkeypatch):
    def broken(self):
        raise RuntimeError("boom")
    monkeypatch.setattr(layout_module._Layouter, "run", broken)
    lay = layout_genogram(blended)
    assert not lay.clean and "plain grid" in lay.warnings[0]
    assert set(lay.pos) == set(blended.nodes) and lay.overlapping_symbols() == 0
    with pytest.raises(RuntimeError):
        layout_genogram(blended, strict=True)


@st.composite
def pedigrees(draw):
    """Random acyclic families: couples of earlier people (or new in-laws) have children."""
    people = [("f0", "M", None), ("f1", "F", None)]
    rels = [("f0", "f1", "partner")]
    couples = [("f0", "f1")]
    for k in range(draw(st.integers(1, 14))):
        a, b = draw(st.sampled_from(couples))
        child = f"c{k}"
        people.append((child, draw(st.sampled_from("MFU")), f"{2000 + draw(st.integers(0, 5))}-01-01"))
        rels += [(a, child, "parent"), (b, child, "parent")]
        if draw(st.booleans()):
            spouse = f"s{k}" if draw(st.booleans()) else draw(st.sampled_from([p[0] for p in people]))
            if spouse != child and all(spouse != p[0] for p in people):
                people.append((spouse, draw(st.sampled_from("MF")), None))
            if spouse != child:
                rels.append((child, spouse, "partner"))
                couples.append((child, spouse))
    return people, rels


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(pedigrees())
def test_random_pedigrees_never_overlap_and_children_sit_below_parents(fam, family):
    people, rels = family
    graph = fam.graph([fam.person(p, s, d) for p, s, d in people],
                      [fam.rel(a, b, k) for a, b, k in rels])
    lay = layout_genogram(graph, strict=True)
    assert lay.overlapping_symbols() == 0
    hangs = {person: copy for copy, person in lay.clones.items()}   # drawn twice: the copy
    for a, b, data in graph.edges(data=True):
        if data["kind"] == "parent":
            assert lay.pos[a][1] > lay.pos[hangs.get(b, b)][1]


def test_generated_trees_have_no_label_overlaps_and_no_line_through_a_label(tmp_path):
    from chronos.genogram import graph_from_gedcom
    from tests.genogram.trees import all_trees

    for tree in all_trees():
        graph = graph_from_gedcom(tree.write(tmp_path), as_of="2025-01-01")
        lay = layout_genogram(graph, strict=True)
        assert lay.overlapping_symbols() == 0, tree.name
        assert lay.label_overlaps() == 0, tree.name
        assert lay.lines_through_labels() <= 1, tree.name
        assert lay.lines_through_symbols() == 0, tree.name
