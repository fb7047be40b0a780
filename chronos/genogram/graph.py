"""People and relationships of a case as a networkx graph: the genogram's data.

:func:`build_graph` turns the contract tables (``persons``, ``relationships`` and,
optionally, ``events`` and ``findings``) into a :class:`networkx.MultiDiGraph`:

- one node per person (``person_id``, or the source ``record_key`` before linking), with
  attributes ``name``, ``given_name``, ``family_name``, ``sex`` (M, F, U, X), ``dob``,
  ``dod``, ``deceased``, ``death`` (how we know: ``recorded`` with a date, ``date
  unknown``, or ``presumed`` when born more than ``presumed_dead_after_years`` (110)
  before ``as_of`` with no death recorded), ``age`` (at ``as_of``, or at death; None when
  the death date is not known), ``is_index``, ``role``,
  ``agencies`` (agencies with events about the person), ``annotations`` (what the case
  found, e.g. ``"not assessed"``, ``"DA perpetrator"``), ``findings`` (count),
  ``in_household`` and ``kind`` (``person`` or ``pregnancy``);
- ``parent`` edges point from parent to child; ``partner``, ``sibling`` and ``household``
  edges are stored once (in the order of the table) and mean the same both ways;
  ``emotional`` edges (how two people get on: ``close``, ``conflict``, ``cut-off``,
  ``violence``, ... from relationship rows of kind ``emotional``, and ``violence`` between
  partners from police domestic abuse events, see :mod:`chronos.genogram.relations`)
  point from the one who harms to the one harmed where that matters. Every
  edge carries ``kind``, ``subtype``, ``start``, ``end``, ``current`` (true at ``as_of``),
  ``status`` (for partners: the subtype as it stood at ``as_of``), ``source_file`` and
  ``source_ref``.

Graph attributes: ``as_of``, ``index_children``, ``household`` (sorted ids of the index
child's household at ``as_of``), ``household_basis`` (``relationships``, ``address`` or
``None``) and ``warnings``. Use :func:`household_at` for the household on any other date.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import networkx as nx
import pandas as pd

from chronos.genogram.settings import settings

PARENT_SUBTYPES = ("biological", "adoptive", "foster", "step")
PARTNER_SUBTYPES = ("married", "cohabiting", "separated", "divorced", "partner")
SYMMETRIC_KINDS = ("partner", "sibling", "household")
EMOTIONAL = "emotional"
ADULT_AGE = 18


def build_graph(persons, relationships, *, events=None, findings=None, index_children=(),
                as_of=None, unknown_parents: bool = True) -> nx.MultiDiGraph:
    """The family as a graph: people, relationships and what the case says about them.

    ``persons`` and ``relationships`` follow :mod:`chronos.model` (relationships name
    people by ``person_id`` or by source record key); ``events`` add agency involvement,
    roles and pregnancies, ``findings`` a count per person. ``index_children`` are ids,
    record keys or names. ``as_of`` (ISO date, default: today) decides ages, who was born
    yet, which relationships had started or ended and who was in the household. With
    ``unknown_parents`` a child with one recorded birth parent gets a placeholder for the
    other (a node of kind ``unknown``, one per known parent, partnered with them).
    """
    as_of = iso(as_of) or dt.date.today().isoformat()
    graph = nx.MultiDiGraph(as_of=as_of, warnings=[])
    people = _person_rows(persons)
    keys = _key_map(persons)
    not_yet_born = set()
    for pid, row in people.items():
        if row.get("dob") and row["dob"] > as_of and not _is_unborn(row):
            not_yet_born.add(pid)
            continue
        graph.add_node(pid, **_node_attributes(pid, row, as_of))
    _add_relationships(graph, relationships, keys, as_of, not_yet_born)
    if unknown_parents:
        _add_unknown_parents(graph)
    _mark_index(graph, index_children)
    event_rows = _event_rows(events, keys)
    _add_pregnancies(graph, event_rows, as_of)
    _annotate_agencies(graph, event_rows)
    _annotate_findings(graph, findings)
    _mark_household(graph, as_of)
    _annotate_roles(graph, event_rows, events is not None)
    _add_partner_violence(graph, event_rows)
    return graph


# -- persons ---------------------------------------------------------------------------

def iso(value) -> str | None:
    """An ISO date string from a date, datetime, Timestamp or string (None if empty)."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, (dt.date, pd.Timestamp)):
        return value.isoformat()[:10]
    text = str(value).strip()
    return text[:10] or None


def _clean(value):
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text or None


def _records(frame) -> list[dict]:
    """Each row as a dict of cleaned values (text stripped; empty, NA and NaN as None).
    A table is read column by column: pandas' row-wise ``to_dict`` reads Arrow-backed
    text one element at a time, most of a big case's genogram time."""
    if frame is None:
        return []
    if isinstance(frame, pd.DataFrame):
        names = list(frame.columns)
        columns = [[_clean(v) for v in frame.iloc[:, j].to_numpy(dtype=object, na_value=None)]
                   for j in range(frame.shape[1])]
        return [dict(zip(names, values)) for values in zip(*columns)] if names else \
            [{} for _ in range(len(frame))]
    return [{k: _clean(v) for k, v in row.items()} for row in frame]


def _person_id(row: dict) -> str | None:
    return row.get("person_id") or row.get("record_key")


def _person_rows(persons) -> dict[str, dict]:
    """One merged row per person (first non-empty value of each field wins)."""
    merged: dict[str, dict] = {}
    for row in _records(persons):
        pid = _person_id(row)
        if not pid or (row.get("role") or "").lower() == "professional":
            continue
        target = merged.setdefault(pid, {})
        for key, value in row.items():
            if value is not None and target.get(key) is None:
                target[key] = value
    return dict(sorted(merged.items()))


def _key_map(persons) -> dict[str, str]:
    """Record key (and person id) -> person id, to read relationships and events."""
    mapping = {}
    for row in _records(persons):
        pid = _person_id(row)
        if pid:
            mapping[pid] = pid
            if row.get("record_key"):
                mapping[row["record_key"]] = pid
    return mapping


def _is_unborn(row: dict) -> bool:
    return (row.get("role") or "").lower() in {"unborn", "pregnancy"}


def _node_attributes(pid: str, row: dict, as_of: str) -> dict:
    given, family = row.get("given_name"), row.get("family_name")
    name = " ".join(part for part in (given, family) if part) or row.get("other_names") or pid
    dob, dod = iso(row.get("dob")), iso(row.get("dod"))
    death = death_known(dob, dod, row, as_of)
    age = age_on(dob, dod) if death == "recorded" else None if death else age_on(dob, as_of)
    return {
        "name": name, "given_name": given, "family_name": family,
        "sex": _sex(row.get("sex")), "dob": dob, "dod": dod if death == "recorded" else None,
        "deceased": death is not None, "death": death, "age": age,
        "age_months": _months(dob, as_of, row.get("dob_precision")) if not death else None,
        "is_index": str(row.get("is_index") or "").lower() in {"true", "1", "yes"},
        "role": row.get("role"), "address": row.get("address"), "postcode": row.get("postcode"),
        "agencies": [], "annotations": [], "findings": 0, "in_household": False,
        "kind": "pregnancy" if _is_unborn(row) else "person",
    }


def _months(dob: str | None, on: str, precision) -> int | None:
    """Whole months from a full date of birth to ``on`` (None if the day is not known)."""
    if not dob or len(dob) < 10 or (precision and str(precision) != "day"):
        return None
    months = (int(on[:4]) - int(dob[:4])) * 12 + int(on[5:7]) - int(dob[5:7])
    months -= 1 if on[8:10] < dob[8:10] else 0
    return months if months >= 0 else None


def death_known(dob: str | None, dod: str | None, row: dict, as_of: str) -> str | None:
    """How we know a person had died by ``as_of``: ``recorded`` (a date of death on or
    before it), ``date unknown`` (a death recorded without a date, or the role
    ``deceased``), ``presumed`` (born more than ``presumed_dead_after_years`` before it,
    no death recorded); None: living as far as the records say."""
    if dod:
        return "recorded" if dod <= as_of else None
    flagged = str(row.get("deceased") or "").lower() in {"true", "1", "yes"}
    if flagged or (row.get("role") or "").lower() == "deceased":
        return "date unknown"
    age = age_on(dob, as_of)
    if age is not None and age > int(settings()["people"]["presumed_dead_after_years"]):
        return "presumed"
    return None


def _sex(value) -> str:
    text = (value or "").strip().upper()[:1]
    return text if text in {"M", "F", "X"} else "U"


def age_on(dob: str | None, on: str | None) -> int | None:
    """Whole years from ``dob`` to ``on`` (ISO strings); None when either is unknown."""
    if not dob or not on or len(dob) < 10 or len(on) < 10:
        return None
    years = int(on[:4]) - int(dob[:4])
    if on[5:10] < dob[5:10]:
        years -= 1
    return years if years >= 0 else None


def _placeholder(graph: nx.MultiDiGraph, pid: str) -> None:
    graph.add_node(pid, **_node_attributes(pid, {}, graph.graph["as_of"]))
    graph.nodes[pid]["name"] = "?"
    graph.graph["warnings"].append(f"person {pid} is in a relationship but not in persons")


# -- relationships ---------------------------------------------------------------------

def _add_relationships(graph: nx.MultiDiGraph, relationships, keys: dict, as_of: str,
                       not_yet_born: set) -> None:
    for row in _records(relationships):
        kind = (row.get("kind") or "").lower()
        a, b = keys.get(row.get("person_a"), row.get("person_a")), keys.get(
            row.get("person_b"), row.get("person_b"))
        start, end = iso(row.get("start")), iso(row.get("end"))
        if kind == "other" and emotional_subtype(row.get("subtype")):
            kind = EMOTIONAL
        if kind not in ("parent", EMOTIONAL) + SYMMETRIC_KINDS or not a or not b or a == b:
            continue
        if kind == EMOTIONAL and not emotional_subtype(row.get("subtype")):
            graph.graph["warnings"].append(
                f"relationship {a} - {b}: '{row.get('subtype')}' is not a kind of emotional "
                "relationship the genogram draws (see chronos/data/genogram.yaml)")
            continue
        if (start and start > as_of) or a in not_yet_born or b in not_yet_born:
            continue
        for pid in (a, b):
            if pid not in graph:
                _placeholder(graph, pid)
        subtype = _subtype(kind, row.get("subtype"))
        current = not (end and end <= as_of)
        graph.add_edge(a, b, kind=kind, subtype=subtype, start=start, end=end, current=current,
                       status=_status(kind, subtype, current), source_file=row.get("source_file"),
                       source_ref=row.get("source_ref"))


def emotional_subtype(subtype) -> str | None:
    """The drawn kind (``close``, ``conflict``, ``cut-off``, ``violence``, ...) of an
    emotional relationship's subtype as a record words it; None if not one."""
    text = " ".join(str(subtype or "").strip().lower().replace("_", " ").split())
    for drawn, words in settings()["relationship_lines"]["words"].items():
        if text == drawn or text in words:
            return drawn
    return None


def _subtype(kind: str, subtype) -> str | None:
    text = (subtype or "").strip().lower()
    if kind == EMOTIONAL:
        return emotional_subtype(subtype)
    if kind == "parent":
        return text if text in PARENT_SUBTYPES else "biological"
    if kind == "partner":
        return text if text in PARTNER_SUBTYPES else "partner"
    return text or None


def _status(kind: str, subtype: str | None, current: bool) -> str | None:
    """A partnership's state at ``as_of``: an ended marriage or cohabitation is separated."""
    if kind == "partner" and not current and subtype in ("married", "cohabiting", "partner"):
        return "separated"
    return subtype


def _add_unknown_parents(graph: nx.MultiDiGraph) -> None:
    """A 'not known' parent beside each person who is the one recorded birth parent of a
    child: practitioners draw the other parent, unknown, rather than leave a gap."""
    alone = defaultdict(list)
    for child, data in list(graph.nodes(data=True)):
        if data.get("kind") != "person":
            continue
        birth = [a for a, _, d in graph.in_edges(child, data=True)
                 if d["kind"] == "parent" and d["subtype"] == "biological"]
        if len(birth) == 1:
            alone[birth[0]].append(child)
    for parent, kids in sorted(alone.items()):
        node = f"unknown:{parent}"
        attrs = _node_attributes(node, {"sex": _OTHER_SEX.get(graph.nodes[parent]["sex"])},
                                 graph.graph["as_of"])
        attrs.update(kind="unknown", name="not known", given_name=None, family_name=None)
        graph.add_node(node, **attrs)
        graph.add_edge(parent, node, kind="partner", subtype="partner", start=None, end=None,
                       current=True, status="partner", source_file=None, source_ref=None)
        for child in sorted(kids):
            graph.add_edge(node, child, kind="parent", subtype="biological", start=None,
                           end=None, current=True, status="biological", source_file=None,
                           source_ref=None)


_OTHER_SEX = {"M": "F", "F": "M"}


def edges_of(graph: nx.MultiDiGraph, kind: str):
    """``(a, b, data)`` for every edge of ``kind`` (parent edges: parent, child, data)."""
    return [(a, b, d) for a, b, d in graph.edges(data=True) if d["kind"] == kind]


def parents(graph: nx.MultiDiGraph, person: str) -> list[tuple[str, str]]:
    """``(parent, subtype)`` pairs of a person, sorted."""
    return sorted((a, d["subtype"]) for a, _, d in graph.in_edges(person, data=True)
                  if d["kind"] == "parent")


def children(graph: nx.MultiDiGraph, person: str) -> list[tuple[str, str]]:
    """``(child, subtype)`` pairs of a person, sorted."""
    return sorted((b, d["subtype"]) for _, b, d in graph.out_edges(person, data=True)
                  if d["kind"] == "parent")


def partners(graph: nx.MultiDiGraph, person: str) -> list[tuple[str, dict]]:
    """``(partner, edge data)`` for each partnership of a person, earliest first."""
    found = [(b, d) for _, b, d in graph.out_edges(person, data=True) if d["kind"] == "partner"]
    found += [(a, d) for a, _, d in graph.in_edges(person, data=True) if d["kind"] == "partner"]
    return sorted(found, key=lambda item: (item[1].get("start") or "", item[0]))


# -- index children, events, findings --------------------------------------------------

def _mark_index(graph: nx.MultiDiGraph, index_children) -> None:
    wanted = {str(x).strip().lower() for x in index_children or () if str(x).strip()}
    for pid, data in graph.nodes(data=True):
        if pid.lower() in wanted or data["name"].lower() in wanted:
            data["is_index"] = True
    graph.graph["index_children"] = sorted(p for p, d in graph.nodes(data=True) if d["is_index"])


def _event_rows(events, keys: dict) -> list[dict]:
    rows = []
    for row in _records(events):
        ids = [keys.get(p.strip(), p.strip()) for p in (row.get("person_ids") or "").split(";")]
        row["people"] = [p for p in ids if p]
        row["details_map"] = parse_details(row.get("details"))
        row["roles"] = {keys.get(p, p): roles for p, roles in _recorded_roles(row).items()}
        rows.append(row)
    return sorted(rows, key=lambda r: (r.get("date") or "", r.get("event_id") or ""))


def _recorded_roles(row: dict) -> dict[str, set[str]]:
    """Each person's roles as the event records them in ``person_roles`` (none: empty)."""
    found: dict[str, set[str]] = {}
    for pair in str(row.get("person_roles") or "").split(";"):
        person, sep, roles = pair.partition("=")
        if sep and person.strip():
            found[person.strip()] = {r.strip() for r in roles.split("+") if r.strip()}
    return found


def parse_details(text) -> dict[str, str]:
    """``'key=value;key=value'`` -> dict (keys lower-cased)."""
    found = {}
    for part in (text or "").split(";"):
        key, sep, value = part.partition("=")
        if sep and key.strip():
            found[key.strip().lower()] = value.strip()
    return found


def _annotate_agencies(graph: nx.MultiDiGraph, events: list[dict]) -> None:
    seen = defaultdict(set)
    for row in events:
        for pid in row["people"]:
            if row.get("agency"):
                seen[pid].add(row["agency"])
    for pid, agencies in seen.items():
        if pid in graph:
            graph.nodes[pid]["agencies"] = sorted(agencies)


def _annotate_findings(graph: nx.MultiDiGraph, findings) -> None:
    """Count on each person the findings about them: a family finding names its children
    ';'-joined, and counts once for each (as the case report counts them)."""
    for row in _records(findings):
        for pid in set(str(row.get("person_id") or "").split(";")):
            if pid in graph:
                graph.nodes[pid]["findings"] += 1


def _add_pregnancies(graph: nx.MultiDiGraph, events: list[dict], as_of: str) -> None:
    """A triangle for each pregnancy recorded in the 9 months before ``as_of`` and not yet
    followed by a birth; its parents are the people the pregnancy event names."""
    since = _shift(as_of, months=-9)
    births = {p: r.get("date") for r in events if r.get("event_type") == "birth" for p in r["people"]}
    for row in events:
        date = row.get("date")
        if row.get("event_type") != "pregnancy" or not date or not since <= date <= as_of:
            continue
        mothers = [p for p in row["people"] if p in graph]
        if not mothers or any((births.get(p) or "") >= date for p in mothers):
            continue
        node = "pregnancy:" + (row.get("event_id") or f"{mothers[0]}:{date}")
        graph.add_node(node, **_node_attributes(node, {"role": "pregnancy"}, as_of))
        graph.nodes[node].update(name="pregnancy", dob=date)
        for parent in mothers:
            graph.add_edge(parent, node, kind="parent", subtype="biological", start=date, end=None,
                           current=True, status="biological", source_file=row.get("source_file"),
                           source_ref=row.get("source_ref"))


def _shift(iso_date: str, *, months: int) -> str:
    year, month = int(iso_date[:4]), int(iso_date[5:7]) + months
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return f"{year:04d}-{month:02d}-{min(int(iso_date[8:10]), 28):02d}"


def _add_partner_violence(graph: nx.MultiDiGraph, events: list[dict]) -> None:
    """Violence lines between partners from police domestic abuse events."""
    from chronos.genogram.relations import partner_violence

    for line in partner_violence(graph, events):
        graph.add_edge(line.perpetrator, line.victim, kind=EMOTIONAL, subtype="violence",
                       start=line.first, end=line.last, current=True, status="violence",
                       source_file=None, source_ref=None, event_ids=line.event_ids,
                       count=line.incidents)


# -- households and roles --------------------------------------------------------------

def household_at(graph: nx.MultiDiGraph, on=None) -> list[str]:
    """The index children's household on a date (default: the graph's ``as_of``).

    Household relationships current on that date connect people; the household is every
    person connected to an index child. Sorted ids; empty when the case records none.
    """
    on = iso(on) or graph.graph["as_of"]
    together = nx.Graph()
    for a, b, d in edges_of(graph, "household"):
        if (not d["start"] or d["start"] <= on) and not (d["end"] and d["end"] <= on):
            together.add_edge(a, b)
    members = set()
    for child in graph.graph.get("index_children", []):
        if child in together:
            members |= nx.node_connected_component(together, child)
    return sorted(members)


def _household_by_address(graph: nx.MultiDiGraph) -> list[str]:
    places = {graph.nodes[c].get("address") or graph.nodes[c].get("postcode")
              for c in graph.graph["index_children"]} - {None}
    return sorted(p for p, d in graph.nodes(data=True)
                  if (d.get("address") or d.get("postcode")) in places and not d["deceased"]
                  and d.get("kind") == "person")


def _mark_household(graph: nx.MultiDiGraph, as_of: str) -> None:
    members, basis = household_at(graph, as_of), "relationships"
    if not members and not edges_of(graph, "household"):
        members, basis = _household_by_address(graph), "address"
    members = sorted(set(members) | _pregnancies_of(graph, members))
    graph.graph["household"] = members
    graph.graph["household_basis"] = basis if members else None
    for pid in members:
        graph.nodes[pid]["in_household"] = True


def _pregnancies_of(graph: nx.MultiDiGraph, members: list[str]) -> set[str]:
    return {c for p in members for _, c in graph.out_edges(p)
            if graph.nodes[c].get("kind") == "pregnancy"}


def _is_adult(data: dict) -> bool:
    if data["age"] is not None:
        return data["age"] >= ADULT_AGE
    return (data.get("role") or "").lower() not in {"child", "pregnancy", "unborn"}


def _annotate_roles(graph: nx.MultiDiGraph, events: list[dict], have_events: bool) -> None:
    rules = settings()["annotations"]
    for pid, label in _perpetrators(events, rules):
        if pid in graph and label not in graph.nodes[pid]["annotations"]:
            graph.nodes[pid]["annotations"].append(label)
    for pid, data in graph.nodes(data=True):
        role = (data.get("role") or "").lower()
        if role in rules["shown_roles"] and role not in data["annotations"]:
            data["annotations"].append(role)
    if have_events:
        assessments = [r for r in events if r.get("event_type") in rules["assessment_types"]]
        assessed = {p for r in assessments for p in r["people"]}
        for pid in _adults_around_index(graph):
            if pid not in assessed and not _named_in(graph.nodes[pid], assessments):
                graph.nodes[pid]["annotations"].append("not assessed")
    for _, data in graph.nodes(data=True):
        data["annotations"] = sorted(set(data["annotations"]))


def _named_in(person: dict, assessments: list[dict]) -> bool:
    """True when an assessment's text (e.g. a 'persons assessed' field) names the person
    by given and family name, as the indicator rule for unassessed adults reads it."""
    name = str(person.get("name") or "").lower().split()
    if len(name) < 2:
        return False
    given, family = name[0], name[-1]
    for record in assessments:
        text = f"{record.get('details') or ''} {record.get('summary') or ''}".lower()
        if given in text and family in text:
            return True
    return False


def _perpetrators(events: list[dict], rules: dict):
    """``(person, label)`` for people events name as harming in domestic abuse:
    ``DA perpetrator`` where a record says perpetrator, ``DA suspect`` where police
    record a suspect (an allegation, not a finding)."""
    keys = rules["perpetrator_detail_keys"]
    words = settings()["partner_violence"]
    for row in events:
        if row.get("event_type") not in rules["perpetrator_event_types"]:
            continue
        named = [v for k, v in row["details_map"].items() if k in keys]
        for value in named:
            for pid in value.replace("|", ",").split(","):
                if pid.strip():
                    yield pid.strip(), "DA perpetrator"
        role = next((row["details_map"][k].lower() for k in words["role_keys"]
                     if row["details_map"].get(k)), "")
        if role in words["harm_words"]:
            label = "DA suspect" if role == "suspect" else "DA perpetrator"
            for pid in row["people"]:
                yield pid, label
        for pid, roles in (row.get("roles") or {}).items():  # the event's participants
            if roles & set(words["harm_roles"]):
                yield pid, "DA suspect" if "suspect" in roles else "DA perpetrator"


def _adults_around_index(graph: nx.MultiDiGraph) -> list[str]:
    """Adults in the index child's household, and current partners of its parents."""
    around = set(graph.graph["household"])
    for child in graph.graph["index_children"]:
        for parent, _ in parents(graph, child):
            around |= {p for p, d in partners(graph, parent) if d["current"]}
            if graph.nodes[parent]["in_household"]:
                around.add(parent)
    index = set(graph.graph["index_children"])
    return sorted(p for p in around - index
                  if not graph.nodes[p]["deceased"] and _is_adult(graph.nodes[p])
                  and graph.nodes[p]["kind"] == "person")
