"""The family around one person: who is drawn, how people are named, and focused charts
of real and generated trees small enough to read."""

from pathlib import Path

import pytest

from chronos.errors import ChronosError
from chronos.genogram import graph_from_gedcom, layout_genogram
from chronos.genogram.case import genogram_view
from chronos.genogram.focus import find_people, focus_graph
from chronos.genogram.stats import genogram_stats

GEDCOM = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "gedcom"
PUBLIC = {"royal92.ged": "I52", "washington.ged": "I1", "shakespeare.ged": "William Shakespeare",
          "bronte.ged": "Charlotte Brontë"}


def test_people_are_found_by_id_gedcom_id_or_name(blended):
    assert find_people(blended, ["c", "mum Test"]) == ["c", "mum"]
    assert find_people(blended, ["MUM"]) == ["mum"]                # every word, any case
    with pytest.raises(ChronosError, match="nobody in the family is 'zed'"):
        find_people(blended, ["zed"])
    with pytest.raises(ChronosError, match=r"12 people match 'Test'"):
        find_people(blended, ["Test"])


def test_focus_keeps_ancestors_descendants_siblings_partners_and_household(blended):
    around = focus_graph(blended, ["c"], up=1, down=1)
    # gran: in c's household; dad2: mum's partner and the half-siblings' father; h:
    # c's half-brother (dad1's son with dad1_ex)
    assert set(around) == {"c", "mum", "dad1", "a", "b", "t1", "t2", "dad2", "h", "dad1_ex", "gran"}
    assert around.graph["focus"] == ["c"] and around.graph["focus_depth"] == (1, 1)


def test_generations_up_and_down(blended):
    two = focus_graph(blended, ["c"], up=2, down=1, households=False)
    assert {"grandad", "gran"} <= set(two)
    assert "gran" not in focus_graph(blended, ["c"], up=1, down=1, households=False)
    none = focus_graph(blended, ["mum"], up=0, down=0, households=False)
    assert set(none) == {"mum", "dad1", "dad2"}                     # and her partners


def test_half_siblings_and_their_other_parent_are_kept(blended):
    around = focus_graph(blended, ["a"], up=1, down=0, households=False)
    assert {"t1", "t2", "dad2"} <= set(around) and "h" in around and "dad1_ex" in around


def test_a_case_draws_around_its_index_children_and_a_file_its_whole_tree(blended):
    assert set(genogram_view(blended, case=True)) == set(focus_graph(blended, ["c"]))
    assert genogram_view(blended) is blended
    with pytest.raises(ChronosError, match="--generations needs someone"):
        genogram_view(blended, generations=1)


@pytest.mark.skipif(not GEDCOM.is_dir(), reason="shared sample data absent")
@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_three_generations_of_each_public_tree_fit_3000_pixels_without_overlaps(name):
    graph = graph_from_gedcom(GEDCOM / name, as_of="2025-01-01")
    around = focus_graph(graph, [PUBLIC[name]], up=1, down=1)
    stats = genogram_stats(around, layout_genogram(around, strict=True))
    assert stats["width"] <= 3000, stats
    assert stats["label_overlaps"] == 0 and stats["lines_through_labels"] == 0
    assert stats["lines_through_symbols"] == 0 and stats["crossings"] == 0


def test_generated_trees_focused_fit_3000_pixels(tmp_path):
    from tests.genogram.trees import all_trees

    for tree in all_trees():
        graph = graph_from_gedcom(tree.write(tmp_path), as_of="2025-01-01")
        for person in sorted(tree.people)[:12]:
            around = focus_graph(graph, [person], up=1, down=1)
            stats = genogram_stats(around, layout_genogram(around, strict=True))
            assert stats["width"] <= 3000, (tree.name, person, stats)
            assert stats["label_overlaps"] == 0 and stats["lines_through_symbols"] == 0, (tree.name, person)
