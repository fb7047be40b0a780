"""The genogram graph of a built case: built once per result, each caller its own copy."""

import networkx as nx

from types import SimpleNamespace

from chronos.genogram import case as genogram_case
from chronos.genogram.graph import _clean, _records
from chronos.pipeline import CaseResult
from chronos.report._example import example_result


def _case_result() -> CaseResult:
    """The synthetic example as the stages hand it on (a CaseResult, which remembers)."""
    ex = example_result()
    case = SimpleNamespace(name=ex.name, index_children=list(ex.index_children), as_of=ex.as_of)
    return CaseResult(case=case, events=ex.events, persons=ex.persons, links=ex.links,
                      relationships=ex.relationships, quarantine=ex.quarantine,
                      findings=ex.findings, report={}, sources=[],
                      index_person_ids=list(ex.index_children))


def _counting(monkeypatch):
    calls = []
    real = genogram_case.build_graph

    def counted(*args, **kwargs):
        calls.append(kwargs.get("as_of"))
        return real(*args, **kwargs)

    monkeypatch.setattr(genogram_case, "build_graph", counted)
    return calls


def test_the_case_graph_is_built_once_and_each_caller_gets_a_copy(monkeypatch):
    calls = _counting(monkeypatch)
    result = _case_result()
    first = genogram_case.case_graph(result)
    pid = next(iter(first.nodes))
    first.nodes[pid]["name"] = "changed by a caller"
    first.graph["warnings"].append("a caller's warning")
    first.add_node("someone new", name="x")
    second = genogram_case.case_graph(result)
    assert len(calls) == 1
    assert second is not first and "someone new" not in second
    assert second.nodes[pid]["name"] != "changed by a caller"
    assert "a caller's warning" not in second.graph["warnings"]
    assert nx.utils.graphs_equal(second, genogram_case.case_graph(result))


def test_another_date_or_a_changed_case_builds_it_again(monkeypatch):
    calls = _counting(monkeypatch)
    result = _case_result()
    genogram_case.case_graph(result)
    genogram_case.case_graph(result, as_of="2020-01-01")
    genogram_case.case_graph(result, as_of="2020-01-01")
    assert len(calls) == 2
    result.events = result.events.iloc[:3]
    genogram_case.case_graph(result)
    assert len(calls) == 3


def test_the_genogram_and_ecomap_of_a_build_share_one_graph(monkeypatch, tmp_path):
    calls = _counting(monkeypatch)
    result = _case_result()
    genogram_case.genogram_for_case(result, tmp_path / "g.png")
    genogram_case.ecomap_for_case(result, tmp_path / "e.png")
    assert len(calls) == 1 and (tmp_path / "g.png").stat().st_size > 0


def test_a_result_that_cannot_remember_gets_a_graph_each_time(monkeypatch):
    calls = _counting(monkeypatch)
    result = example_result()
    assert genogram_case.case_graph(result) is not genogram_case.case_graph(result)
    assert len(calls) == 2


def test_records_read_a_table_as_its_rows_do():
    result = example_result()
    for frame in (result.events, result.persons, result.findings):
        expected = [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict("records")]
        assert _records(frame) == expected


def test_a_finding_dismissed_on_review_is_not_counted_on_the_genogram(tmp_path):
    from chronos.annotations import Annotation, add_annotations

    result = _case_result()
    counts = {p: d["findings"] for p, d in genogram_case.case_graph(result).nodes(data=True)}
    first = result.findings.iloc[0]
    result.case.root = str(tmp_path)
    add_annotations(tmp_path, [Annotation(str(first["finding_id"]), "dismissed", "yes",
                                          "B Reviewer", "2026-12-07T11:00:00", "x")])
    after = {p: d["findings"] for p, d in genogram_case.case_graph(result).nodes(data=True)}
    about = set(str(first["person_id"]).split(";"))
    assert about and all(after[p] == counts[p] - 1 for p in about)
    assert all(after[p] == counts[p] for p in counts if p not in about)
