"""Hand-made synthetic families for the genogram tests (no real people)."""

from pathlib import Path

import pytest

from chronos import model
from chronos.genogram.graph import build_graph

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "gedcom"


def person(pid, sex="U", dob=None, **extra):
    """A persons row: given name the id and family name 'Test' unless given."""
    return {"person_id": pid, "given_name": pid, "family_name": "Test", "sex": sex, "dob": dob,
            **extra}


def rel(a, b, kind, subtype=None, start=None, end=None):
    """A relationships row (parent rows: a is the parent of b)."""
    return dict(person_a=a, person_b=b, kind=kind, subtype=subtype, start=start, end=end)


def family_graph(people, relationships, **kwargs):
    """Build the genogram graph of a hand-made family."""
    kwargs.setdefault("as_of", "2024-03-31")
    return build_graph(model.conform(people, "persons"),
                       model.conform(relationships, "relationships"), **kwargs)


def children_of(parents, kids, subtype=None):
    return [rel(p, k, "parent", subtype) for p in parents for k in kids]


@pytest.fixture
def blended():
    """Remarriage with children from both partnerships, half-siblings on both sides,
    twins, a deceased sibling, a grandparent carer."""
    people = [
        person("gran", "F", "1960-01-01", role="carer"), person("grandad", "M", "1958-01-01"),
        person("mum", "F", "1985-01-01"), person("dad1", "M", "1983-01-01"),
        person("dad2", "M", "1982-01-01"), person("dad1_ex", "F", "1984-01-01"),
        person("a", "F", "2006-01-01"), person("b", "M", "2009-01-01", dod="2010-02-01"),
        person("c", "F", "2012-01-01", is_index=True), person("t1", "M", "2018-05-05"),
        person("t2", "F", "2018-05-05"), person("h", "M", "2004-01-01"),
    ]
    rels = [
        rel("grandad", "gran", "partner", "married"), *children_of(["gran", "grandad"], ["mum"]),
        rel("dad1_ex", "dad1", "partner", "divorced", "2002-01-01", "2005-01-01"),
        rel("dad1", "mum", "partner", "married", "2005-06-01", "2014-01-01"),
        rel("mum", "dad2", "partner", "cohabiting", "2016-01-01"),
        *children_of(["dad1_ex", "dad1"], ["h"]), *children_of(["mum", "dad1"], ["a", "b", "c"]),
        *children_of(["mum", "dad2"], ["t1", "t2"]),
        rel("c", "gran", "household", start="2020-01-01"), rel("a", "gran", "household"),
    ]
    return family_graph(people, rels, index_children=["c"])


@pytest.fixture
def fam():
    """The family-building helpers: fam.person, fam.rel, fam.children_of, fam.graph."""
    from types import SimpleNamespace

    return SimpleNamespace(person=person, rel=rel, children_of=children_of, graph=family_graph)
