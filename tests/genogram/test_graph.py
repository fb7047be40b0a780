from chronos import model
from chronos.genogram.graph import (build_graph, children, household_at, parents, partners)



def test_people_become_nodes_with_ages_and_deaths(blended):
    assert blended.nodes["c"]["age"] == 12
    assert blended.nodes["b"]["deceased"] and blended.nodes["b"]["age"] == 1
    assert blended.nodes["c"]["is_index"] and not blended.nodes["a"]["is_index"]
    assert blended.nodes["gran"]["name"] == "gran Test"


def test_parent_edges_point_from_parent_to_child(blended):
    assert [p for p, _ in parents(blended, "c")] == ["dad1", "mum"]
    assert {c for c, _ in children(blended, "dad2")} == {"t1", "t2"}
    assert [p for p, _ in partners(blended, "mum")] == ["dad1", "dad2"]


def test_ended_marriage_is_separated_and_divorce_kept(blended):
    status = {frozenset((p, "mum")): d["status"] for p, d in partners(blended, "mum")}
    assert status[frozenset(("dad1", "mum"))] == "separated"
    assert status[frozenset(("dad2", "mum"))] == "cohabiting"
    assert [d["status"] for _, d in partners(blended, "dad1_ex")] == ["divorced"]


def test_as_of_hides_people_not_yet_born_and_relationships_not_yet_started(blended, fam):
    people = [fam.person("x", "F", "1990-01-01"), fam.person("y", "M", "2020-01-01")]
    rels = [fam.rel("x", "y", "parent"), fam.rel("x", "z", "partner", "married", start="2022-01-01")]
    graph = fam.graph(people, rels, as_of="2019-01-01")
    assert set(graph.nodes) == {"x"}
    later = fam.graph(people, rels, as_of="2023-01-01")
    assert {"y", "z"} <= set(later.nodes) and later.nodes["z"]["name"] == "?"


def test_household_follows_dates(blended):
    assert blended.graph["household"] == ["a", "c", "gran"]
    assert household_at(blended, "2019-01-01") == ["a", "gran"] or "c" not in household_at(
        blended, "2019-01-01")
    assert blended.nodes["gran"]["in_household"] and not blended.nodes["mum"]["in_household"]


def test_household_from_shared_address_when_none_recorded(fam):
    people = [fam.person("m", "F", "1990-01-01", address="1 High St"),
              fam.person("k", "M", "2015-01-01", address="1 High St", is_index=True),
              fam.person("d", "M", "1988-01-01", address="9 Low Rd")]
    graph = fam.graph(people, fam.children_of(["m", "d"], ["k"]))
    assert graph.graph["household"] == ["k", "m"]
    assert graph.graph["household_basis"] == "address"


def test_annotations_from_events_and_findings(fam):
    people = [fam.person("m", "F", "1990-01-01"), fam.person("p", "M", "1989-01-01"),
              fam.person("k", "F", "2016-01-01", is_index=True)]
    rels = [*fam.children_of(["m"], ["k"]), fam.rel("m", "p", "partner", "cohabiting", "2020-01-01"),
            fam.rel("k", "m", "household"), fam.rel("k", "p", "household")]
    events = model.conform([
        dict(event_id="E1", date="2023-01-01", agency="Police", event_type="domestic_abuse_incident",
             person_ids="m;p", details="perpetrator=p"),
        dict(event_id="E2", date="2023-02-01", agency="Children's Social Care",
             event_type="assessment", person_ids="k;m"),
    ], "events")
    findings = model.conform([dict(finding_id="F1", person_id="k"),
                              dict(finding_id="F2", person_id="k")], "findings")
    graph = fam.graph(people, rels, events=events, findings=findings)
    assert graph.nodes["p"]["annotations"] == ["DA perpetrator", "not assessed"]
    assert "not assessed" not in graph.nodes["m"]["annotations"]
    assert graph.nodes["k"]["findings"] == 2
    assert graph.nodes["m"]["agencies"] == ["Children's Social Care", "Police"]


def test_recent_pregnancy_becomes_a_node_until_the_birth(fam):
    people = [fam.person("m", "F", "1990-01-01")]
    events = model.conform([dict(event_id="E9", date="2024-01-10", event_type="pregnancy",
                                 person_ids="m", agency="Midwifery")], "events")
    graph = fam.graph(people, [], events=events)
    assert [c for c, _ in children(graph, "m")] == ["pregnancy:E9"]
    assert graph.nodes["pregnancy:E9"]["kind"] == "pregnancy"
    later = fam.graph(people, [], events=events, as_of="2025-06-01")
    assert not children(later, "m")


def test_record_keys_are_mapped_to_person_ids(fam):
    persons = model.conform([dict(person_id="P1", record_key="gp:7", sex="F", given_name="A"),
                             dict(person_id="P2", record_key="gp:8", sex="M", given_name="B")],
                            "persons")
    rels = model.conform([fam.rel("gp:7", "gp:8", "parent")], "relationships")
    graph = build_graph(persons, rels, index_children=["b"], as_of="2024-01-01")
    assert [p for p, _ in parents(graph, "P2")] == ["P1"]
    assert graph.graph["index_children"] == ["P2"]


def test_professionals_are_not_family_members(fam):
    graph = fam.graph([fam.person("sw", "F", role="professional"), fam.person("m", "F")], [])
    assert list(graph.nodes) == ["m"]
