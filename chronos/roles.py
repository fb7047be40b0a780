"""Role pseudonyms: what each person is to the index children, as case reviews write it.

"Child 1", "Child 2" (index children eldest first, then other children), "Mother",
"Father of Child 2 and Child 3", "Sibling", "Half-sibling", "Mother's partner",
"Father's ex-partner", "Maternal grandmother", "Paternal uncle", "Foster carer",
"Household member 1", "Adult 1". Computed from the relationships alone (never from names), so the shared
documents, the genogram and the ecomap of one case all call a person the same::

    labels = role_labels(people, relationships, index_ids=["P1", "P2"])
    labels["P7"]   # 'Maternal grandmother'

``people``: dicts with ``person_id``, ``sex`` (M/F/...), ``dob`` (ISO or None), ``role``,
``age`` (years, optional). ``relationships``: dicts with ``person_a``, ``person_b``,
``kind`` (parent: a is the parent of b; partner; sibling; household) and ``subtype``.
People with the same date of birth (twins) are ordered by person id.
"""

from __future__ import annotations

from collections import defaultdict

ADULT_AGE = 18
PARENT_WORDS = {"F": "Mother", "M": "Father"}
STEP_WORDS = {"F": "Stepmother", "M": "Stepfather"}
GRAND_WORDS = {"F": "grandmother", "M": "grandfather"}
SIBLING_OF_PARENT = {"F": "aunt", "M": "uncle"}


def role_labels(people: list[dict], relationships: list[dict],
                index_ids: list[str] | tuple = ()) -> dict[str, str]:
    """person id -> a unique role pseudonym (see the module docstring)."""
    people = {str(p["person_id"]): p for p in people if p.get("person_id")}
    order = sorted(people, key=lambda pid: (_text(people[pid].get("dob")) or "9999", pid))
    index = [p for p in order if p in set(index_ids)]
    others = [p for p in order if p not in set(index) and _is_child(people[p])]
    labels = {pid: f"Child {n}" for n, pid in enumerate(index + others, 1)}
    rels = _Relations(relationships, people)
    children = set(labels)
    _parents(labels, rels, people, order, index or list(children))
    _siblings(labels, rels, order, index or list(children))
    _grandparents_and_kin(labels, rels, people, order)
    _partners(labels, rels, order)
    for pid in order:
        if pid not in labels and pid in rels.household_of_children(children):
            labels[pid] = "Household member"
    for pid in order:
        labels.setdefault(pid, "Professional" if _text(people[pid].get("role")).lower()
                          == "professional" else "Adult")
    return _numbered(labels, order)


class _Relations:
    """The relationships as lookups: parents of a person, partners, siblings, household."""

    def __init__(self, relationships: list[dict], people: dict):
        self.parents: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.partners: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.siblings: dict[str, set[str]] = defaultdict(set)
        self.household: dict[str, set[str]] = defaultdict(set)
        for r in relationships:
            a, b = _text(r.get("person_a")), _text(r.get("person_b"))
            if not a or not b or a == b or a not in people or b not in people:
                continue
            kind, subtype = _text(r.get("kind")).lower(), _text(r.get("subtype")).lower()
            if kind == "parent":
                self.parents[b].append((a, subtype))
            elif kind == "partner":
                self.partners[a].append((b, subtype))
                self.partners[b].append((a, subtype))
            elif kind == "sibling":
                self.siblings[a].add(b)
                self.siblings[b].add(a)
            elif kind == "household":
                self.household[a].add(b)
                self.household[b].add(a)

    def children_of(self, parent: str) -> list[tuple[str, str]]:
        return [(child, sub) for child, pairs in self.parents.items()
                for p, sub in pairs if p == parent]

    def household_of_children(self, children: set[str]) -> set[str]:
        return {m for c in children for m in self.household.get(c, ())}


def _parents(labels: dict, rels: _Relations, people: dict, order: list[str],
             index: list[str]) -> None:
    """Mother, Father, Stepfather, Adoptive mother, Foster carer (of which children)."""
    child_no = {pid: labels[pid] for pid in labels}
    for pid in order:
        if pid in labels:
            continue
        kids = [(c, sub) for c, sub in rels.children_of(pid) if c in child_no]
        if not kids:
            continue
        sex = _sex(people[pid])
        subtype = _common_subtype(sub for _, sub in kids)
        word = _parent_word(sex, subtype)
        ids = [c for c in order if c in {k for k, _ in kids}]
        labels[pid] = word if set(index) <= set(ids) else f"{word} of {_join(child_no[c] for c in ids)}"


def _parent_word(sex: str, subtype: str) -> str:
    if subtype == "foster":
        return "Foster carer"
    if subtype == "step":
        return STEP_WORDS.get(sex, "Step-parent")
    word = PARENT_WORDS.get(sex, "Parent")
    return f"Adoptive {word.lower()}" if subtype == "adoptive" else word


def _siblings(labels: dict, rels: _Relations, order: list[str], index: list[str]) -> None:
    """Grown-up brothers and sisters: 'Sibling' (both parents shared) or 'Half-sibling'."""
    parents_of = {p: {a for a, _ in rels.parents.get(p, ())} for p in order}
    for pid in order:
        if pid in labels or not parents_of[pid]:
            continue
        shared = [len(parents_of[pid] & parents_of[c]) for c in index if parents_of[c]]
        if any(shared) or pid in {s for c in index for s in rels.siblings.get(c, ())}:
            full = any(n >= 2 or n == len(parents_of[pid]) for n in shared)
            labels[pid] = "Sibling" if full or not shared else "Half-sibling"


def _grandparents_and_kin(labels: dict, rels: _Relations, people: dict, order: list[str]) -> None:
    """Maternal grandmother, Paternal uncle ...: the parents and siblings of a parent."""
    for parent in [p for p in order if p in labels and _is_parent_label(labels[p])]:
        side = {"F": "Maternal", "M": "Paternal"}.get(_sex(people[parent]), "")
        suffix = "" if " of " not in labels[parent] else " of " + labels[parent].split(" of ", 1)[1]
        for gp, _ in rels.parents.get(parent, ()):
            if gp not in labels:
                word = GRAND_WORDS.get(_sex(people[gp]), "grandparent")
                labels[gp] = _cap(f"{side} {word}{suffix}".strip())
        kin = set(rels.siblings.get(parent, ())) | {
            c for gp, _ in rels.parents.get(parent, ()) for c, _ in rels.children_of(gp)}
        for sib in [p for p in order if p in kin and p != parent and p not in labels]:
            word = SIBLING_OF_PARENT.get(_sex(people[sib]), "relative")
            labels[sib] = _cap(f"{side} {word}{suffix}".strip())


def _partners(labels: dict, rels: _Relations, order: list[str]) -> None:
    """Mother's partner, Father's ex-partner (separated or divorced)."""
    for person in [p for p in order if p in labels and _is_parent_label(labels[p])]:
        for other, subtype in sorted(rels.partners.get(person, ()), key=lambda x: order.index(x[0])):
            if other in labels:
                continue
            ex = "ex-partner" if subtype in ("separated", "divorced", "ex") else "partner"
            owner = labels[person]
            labels[other] = (f"{owner}'s {ex}" if " " not in owner
                             else f"{ex.capitalize()} of {owner[0].lower()}{owner[1:]}")


def _numbered(labels: dict[str, str], order: list[str]) -> dict[str, str]:
    """Labels given to several people get numbers: 'Adult 1', 'Foster carer 2'."""
    count: dict[str, int] = defaultdict(int)
    for label in labels.values():
        count[label] += 1
    seen: dict[str, int] = defaultdict(int)
    out = {}
    for pid in order:
        label = labels[pid]
        if label.startswith("Child ") or (count[label] == 1 and label not in ("Adult", "Household member", "Professional")):
            out[pid] = label
            continue
        seen[label] += 1
        out[pid] = f"{label} {seen[label]}"
    return out


def _is_parent_label(label: str) -> bool:
    return label.split(" of ")[0] in {"Mother", "Father", "Parent", "Stepmother", "Stepfather",
                                       "Step-parent", "Adoptive mother", "Adoptive father",
                                       "Adoptive parent"}


def _common_subtype(subtypes) -> str:
    found = {s or "biological" for s in subtypes}
    for kind in ("biological", "adoptive", "step", "foster"):
        if kind in found:
            return kind
    return "biological"


def _is_child(person: dict) -> bool:
    age = person.get("age")
    if age is not None and age == age:
        return int(age) < ADULT_AGE
    return _text(person.get("role")).lower() == "child"


def _sex(person: dict) -> str:
    return _text(person.get("sex")).upper()[:1]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _join(labels) -> str:
    labels = list(labels)
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def _text(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    try:
        if value != value:  # pandas.NA compares as NA; a bool of it raises
            return ""
    except (TypeError, ValueError):
        return ""
    return str(value)
