"""Clustering refuses joins that would make one person of two: a group's life (its dates
of birth against its dated roles and events) is checked like its identifiers."""

from datetime import date

from chronos.link.cluster import Edge, Life, cluster
from chronos.link.stated import AgeLimits


def _born(day):
    return frozenset([(day, day)])


def test_a_parent_of_2017_never_joins_a_girl_born_2015_through_a_vague_record():
    lives = {"gp:1": Life(_born(date(2015, 1, 2))),
             "police:1": Life(frozenset(), child_on=date(2018, 6, 16)),
             "police:2": Life(frozenset(), adult_on=date(2017, 7, 10))}
    edges = [Edge("police:1", "police:2", "probabilistic", 0.95, 4.3),
             Edge("gp:1", "police:1", "probabilistic", 0.99, 6.9)]
    clusters, accepted, refused = cluster(sorted(lives), edges, set(), {}, lives)
    assert accepted == edges[:1] and refused == edges[1:]
    assert clusters.find("gp:1") != clusters.find("police:2")
    # without the lives the vague record chains the mother and the girl together
    chained, _, refused = cluster(sorted(lives), edges, set(), {})
    assert not refused and chained.find("gp:1") == chained.find("police:2")


def test_a_group_keeps_the_tightest_of_what_its_records_say():
    limits = AgeLimits()
    one = Life(_born(date(2001, 5, 1)), adult_on=date(2020, 1, 1), seen=date(2010, 1, 1),
               limits=limits)
    two = Life(frozenset(), adult_on=date(2019, 1, 1), child_on=date(2012, 1, 1),
               named_on=date(2014, 1, 1), limits=limits)
    both = one.merged(two)
    assert both == Life(_born(date(2001, 5, 1)), date(2019, 1, 1), date(2012, 1, 1),
                        date(2010, 1, 1), date(2014, 1, 1), limits)
    # an adult in 2019 is not born 2010; named in a role in 2014 is not born 2016
    unborn = Life(frozenset()).merged(two)
    assert unborn.conflicts(Life(_born(date(2010, 3, 3))))
    assert unborn.conflicts(Life(_born(date(2016, 3, 3))))
    assert not unborn.conflicts(Life(_born(date(2001, 5, 10))))
    assert not one.conflicts(Life(frozenset()))
    # where both groups have a date of birth, the dates decide: a year typo (2016 for
    # 2015) is no reason to keep apart a child named before birth in 2015
    named = Life(_born(date(2015, 5, 13)), named_on=date(2015, 3, 18), limits=limits)
    assert not named.conflicts(Life(_born(date(2016, 5, 13))))
    assert Life(frozenset(), named_on=date(2015, 3, 18)).conflicts(Life(_born(date(2016, 5, 13))))
