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
    graph = build_graph(persons, rels, index_children=["b"], as_of="2024-01-01",
                        unknown_parents=False)
    assert [p for p, _ in parents(graph, "P2")] == ["P1"]
    assert graph.graph["index_children"] == ["P2"]


def test_professionals_are_not_family_members(fam):
    graph = fam.graph([fam.person("sw", "F", role="professional"), fam.person("m", "F")], [])
    assert list(graph.nodes) == ["m"]


# -- the dead ------------------------------------------------------------------------------

def test_a_death_without_a_date_is_deceased_with_the_date_unknown(fam):
    graph = fam.graph([fam.person("g", "M", "1930-05-01", deceased=True),
                       fam.person("h", "F", "1932-01-01")], [])
    assert graph.nodes["g"]["deceased"] and graph.nodes["g"]["death"] == "date unknown"
    assert graph.nodes["g"]["age"] is None                  # no age without a date of death
    assert not graph.nodes["h"]["deceased"] and graph.nodes["h"]["age"] == 92


def test_over_110_with_no_death_recorded_is_presumed_dead(fam):
    graph = fam.graph([fam.person("old", "F", "1491-01-01"), fam.person("young", "F", "1914-04-01")], [])
    assert graph.nodes["old"]["deceased"] and graph.nodes["old"]["death"] == "presumed"
    assert graph.nodes["old"]["age"] is None
    assert not graph.nodes["young"]["deceased"] and graph.nodes["young"]["age"] == 109


def test_a_death_after_the_chart_date_is_not_yet(fam):
    people = [fam.person("g", "M", "1950-01-01", dod="2020-06-01")]
    assert fam.graph(people, [], as_of="2019-01-01").nodes["g"]["deceased"] is False
    later = fam.graph(people, [], as_of="2024-01-01").nodes["g"]
    assert later["deceased"] and later["death"] == "recorded" and later["age"] == 70


def test_babies_age_in_months(fam):
    graph = fam.graph([fam.person("b", "F", "2022-05-18", dob_precision="day")], [])
    assert graph.nodes["b"]["age"] == 1 and graph.nodes["b"]["age_months"] == 22


# -- parents not known -------------------------------------------------------------------

def test_the_one_known_birth_parent_gets_a_not_known_partner(fam):
    people = [fam.person("m", "F", "1990-01-01"), fam.person("a", "M", "2010-01-01"),
              fam.person("b", "F", "2012-01-01"), fam.person("c", "F", "2014-01-01"),
              fam.person("d", "M", "1988-01-01")]
    rels = [*fam.children_of(["m"], ["a", "b"]), *fam.children_of(["m", "d"], ["c"])]
    graph = fam.graph(people, rels)
    assert [p for p, _ in parents(graph, "a")] == ["m", "unknown:m"]
    assert [p for p, _ in parents(graph, "b")] == ["m", "unknown:m"]      # one for both
    assert [p for p, _ in parents(graph, "c")] == ["d", "m"]              # both known
    unknown = graph.nodes["unknown:m"]
    assert unknown["kind"] == "unknown" and unknown["sex"] == "M" and unknown["name"] == "not known"
    assert [p for p, _ in partners(graph, "m")] == ["unknown:m"]   # d: no partner row


def test_adoptive_and_foster_parents_get_no_not_known_partner(fam):
    people = [fam.person("am", "F", "1980-01-01"), fam.person("k", "M", "2015-01-01")]
    graph = fam.graph(people, fam.children_of(["am"], ["k"], "adoptive"))
    assert "unknown:am" not in graph


# -- emotional relationships and violence ---------------------------------------------------

def test_emotional_relationships_read_from_relationship_rows(fam):
    people = [fam.person(p, "F", "1980-01-01") for p in ("a", "b", "c", "d")]
    rels = [fam.rel("a", "b", "emotional", "Estranged"), fam.rel("a", "c", "other", "close"),
            fam.rel("a", "d", "emotional", "lovely")]
    graph = fam.graph(people, rels)
    kinds = {(a, b): d["subtype"] for a, b, d in graph.edges(data=True) if d["kind"] == "emotional"}
    assert kinds == {("a", "b"): "cut-off", ("a", "c"): "close"}
    assert any("'lovely'" in w for w in graph.graph["warnings"])


def test_violence_between_partners_from_police_nominal_rows(fam):
    people = [fam.person("m", "F", "1990-01-01"), fam.person("p", "M", "1988-01-01"),
              fam.person("k", "F", "2016-01-01", is_index=True), fam.person("x", "M", "1970-01-01")]
    rels = [*fam.children_of(["m", "p"], ["k"]), fam.rel("m", "p", "partner", "separated")]

    def nominal(i, who, role, occ, date="2023-01-01"):
        return dict(event_id=f"E{i}", date=date, agency="Police", event_type="domestic_abuse_incident",
                    person_ids=who, details=f"occurrence={occ};involvement={role}")
    events = model.conform([
        nominal(1, "m", "Victim", "OCC/1"), nominal(2, "p", "Suspect", "OCC/1"),
        nominal(3, "k", "Child present", "OCC/1"),
        nominal(4, "m", "Victim", "OCC/2", "2023-05-01"), nominal(5, "p", "Suspect", "OCC/2", "2023-05-01"),
        nominal(6, "x", "Suspect", "OCC/3"), nominal(7, "k", "Victim", "OCC/3"),   # not partners
    ], "events")
    graph = fam.graph(people, rels, events=events)
    lines = [(a, b, d) for a, b, d in graph.edges(data=True) if d["kind"] == "emotional"]
    assert [(a, b, d["subtype"], d["count"]) for a, b, d in lines] == [("p", "m", "violence", 2)]
    assert lines[0][2]["event_ids"] == ["E1", "E2", "E3", "E4", "E5"]
    assert lines[0][2]["start"] == "2023-01-01" and lines[0][2]["end"] == "2023-05-01"
    assert "DA suspect" in graph.nodes["p"]["annotations"]


def test_a_family_finding_counts_for_each_child_it_names(fam):
    # the family findings name their children ';'-joined: each child counts it once, as
    # the case report's "N finding(s) about" does
    people = [fam.person("m", "F", "1990-01-01"), fam.person("k", "F", "2016-01-01", is_index=True),
              fam.person("j", "M", "2018-01-01", is_index=True)]
    rels = [*fam.children_of(["m"], ["k", "j"])]
    findings = model.conform([dict(finding_id="F1", person_id="k;j"),
                              dict(finding_id="F2", person_id="k"),
                              dict(finding_id="F3", person_id="j;j")], "findings")
    graph = fam.graph(people, rels, findings=findings)
    assert (graph.nodes["k"]["findings"], graph.nodes["j"]["findings"],
            graph.nodes["m"]["findings"]) == (2, 2, 0)
