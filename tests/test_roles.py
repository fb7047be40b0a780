"""Role pseudonyms come from the relationships alone, are unique, and say what a person is
to the index children."""

from chronos.roles import role_labels


def person(pid, sex, dob, role="adult", age=None):
    return {"person_id": pid, "sex": sex, "dob": dob, "role": role, "age": age}


def parent(a, b, subtype="biological"):
    return {"person_a": a, "person_b": b, "kind": "parent", "subtype": subtype}


def partner(a, b, subtype="cohabiting"):
    return {"person_a": a, "person_b": b, "kind": "partner", "subtype": subtype}


def test_a_family_is_named_as_case_reviews_name_it():
    people = [person("k1", "M", "2010-01-01", "child", 14), person("k2", "F", "2016-01-01", "child", 8),
              person("k3", "F", "2020-01-01", "child", 4), person("mum", "F", "1990-01-01"),
              person("dad", "M", "1988-01-01"), person("new", "M", "1985-01-01"),
              person("nan", "F", "1965-01-01"), person("aunt", "F", "1992-01-01"),
              person("lodger", "M", "1970-01-01")]
    rels = [parent("mum", "k1"), parent("mum", "k2"), parent("mum", "k3"), parent("dad", "k2"),
            parent("dad", "k3"), partner("mum", "new"), partner("mum", "dad", "separated"),
            parent("nan", "mum"), parent("nan", "aunt"),
            {"person_a": "lodger", "person_b": "k1", "kind": "household"}]
    labels = role_labels(people, rels, ["k3", "k1", "k2"])
    assert labels == {"k1": "Child 1", "k2": "Child 2", "k3": "Child 3", "mum": "Mother",
                      "dad": "Father of Child 2 and Child 3", "new": "Mother's partner",
                      "nan": "Maternal grandmother", "aunt": "Maternal aunt",
                      "lodger": "Household member 1"}


def test_the_same_role_twice_is_numbered_and_carers_are_named_by_kind():
    people = [person("c", "F", "2015-01-01", "child", 9), person("f1", "F", "1970-01-01"),
              person("f2", "M", "1971-01-01"), person("x", "U", None), person("y", "U", None)]
    rels = [parent("f1", "c", "foster"), parent("f2", "c", "foster")]
    labels = role_labels(people, rels, ["c"])
    assert labels["f1"] == "Foster carer 1" and labels["f2"] == "Foster carer 2"
    assert {labels["x"], labels["y"]} == {"Adult 1", "Adult 2"}
    assert len(set(labels.values())) == len(labels)


def test_labels_do_not_depend_on_names_or_input_order():
    people = [person("b", "M", "2012-01-01", "child", 12), person("a", "F", "2012-01-01", "child", 12),
              person("m", "F", "1990-01-01")]
    rels = [parent("m", "a"), parent("m", "b")]
    one = role_labels(people, rels, ["a", "b"])
    two = role_labels(list(reversed(people)), list(reversed(rels)), ["b", "a"])
    assert one == two and one["a"] == "Child 1"      # twins: by person id
    assert role_labels(people, rels, ["b"])["m"] == "Mother"
    assert role_labels(people, [parent("m", "a")], ["a", "b"])["m"] == "Mother of Child 1"
