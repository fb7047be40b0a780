"""The cluster-consistency check: no person made of dated records joined only through a
record without a date of birth."""

from chronos.link.cluster import Edge
from chronos.link.consistency import may_chain, split_chains


def edge(a, b, weight, method="probabilistic"):
    return Edge(a, b, method, 0.99, weight)


def test_two_dated_records_joined_only_through_an_undated_one_are_split():
    # J SMITH (police, no date of birth) matched John Smith born 2010 and born 2012
    group = ["gp:1", "gp:2", "police:1"]
    accepted = [edge("gp:1", "police:1", 12.0), edge("gp:2", "police:1", 9.0)]
    groups, detached = split_chains([group], accepted, {"gp:1", "gp:2"}, set())
    assert groups == [["gp:1", "police:1"], ["gp:2"]]       # the stronger side keeps it
    assert [(d.a, d.b) for d in detached] == [("gp:2", "police:1")]
    assert "police:1, which has no date of birth" in detached[0].reason


def test_direct_evidence_between_the_dated_records_keeps_the_group():
    group = ["gp:1", "school:1", "police:1"]
    accepted = [edge("gp:1", "police:1", 12.0), edge("school:1", "police:1", 9.0)]
    support = {frozenset(("gp:1", "school:1"))}        # a likely pair, scored directly
    groups, detached = split_chains([group], accepted, {"gp:1", "school:1"}, support)
    assert groups == [sorted(group)] and not detached


def test_a_persons_decision_is_never_undone():
    group = ["gp:1", "gp:2", "police:1"]
    accepted = [edge("gp:1", "police:1", 99.0, "override"),
                edge("gp:2", "police:1", 99.0, "override")]
    groups, detached = split_chains([group], accepted, {"gp:1", "gp:2"}, set())
    assert groups == [sorted(group)] and not detached


def test_groups_that_cannot_chain_are_left_alone():
    assert not may_chain(["a", "b", "c"], {"a"})              # one dated record
    assert not may_chain(["a", "b"], {"a", "b"})              # every record dated
    assert may_chain(["a", "b", "c"], {"a", "b"})
    groups, detached = split_chains([["a", "b"], ["c"]], [edge("a", "b", 5.0)],
                                    {"a", "b"}, set())
    assert groups == [["a", "b"], ["c"]] and not detached
