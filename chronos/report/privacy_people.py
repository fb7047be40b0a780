"""The people of a case for :mod:`chronos.report.privacy`: every name each person goes by
in any source (linked records, nicknames, initials), their role pseudonym
(:mod:`chronos.roles`), and the text forms that are replaced by it."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from chronos import model
from chronos.report import privacy_text as text_rules


@dataclass
class Person:
    """One person of the case with every name they go by."""

    person_id: str
    sex: str
    dob: str | None
    role: str
    age: int | None
    givens: list[str] = field(default_factory=list)
    families: list[str] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return " ".join(n for n in (self.givens[:1] + self.families[:1]) if n) or self.person_id


@dataclass
class CasePeople:
    """The case's people, every date of birth any source gave, and every name word."""

    people: list[Person]
    dobs: set[str]
    name_words: set[str]


def case_people(result: Any) -> CasePeople:
    """The people of a built case, with the names of every source record linked to them."""
    persons = model.conform(getattr(result, "persons", None), "persons")
    persons = persons.drop_duplicates("person_id").reset_index(drop=True)
    records = _linked_records(result, persons)
    as_of = getattr(result, "as_of", None) or _last_date(result)
    people, dobs, words = [], set(), set()
    for p in persons.to_dict("records"):
        rows = [p] + records.get(p["person_id"], [])
        person = Person(p["person_id"], _s(p["sex"]), _s(p["dob"]) or None, _s(p["role"]),
                        _age(_s(p["dob"]), as_of))
        for row in rows:
            _add_names(person, row)
            if len(_s(row.get("dob"))) >= 10:
                dobs.add(_s(row["dob"])[:10])
        words |= {w.lower() for n in person.givens + person.families for w in re.split(r"[\s-]+", n) if w}
        people.append(person)
    return CasePeople(people, dobs, words)


def _linked_records(result: Any, persons: pd.DataFrame) -> dict[str, list[dict]]:
    records = getattr(result, "person_records", None)
    if records is None or not len(records):
        return {}
    to_person = getattr(result, "record_to_person", None) or {}
    out: dict[str, list[dict]] = {}
    for rec in records.to_dict("records"):
        pid = to_person.get(_s(rec.get("record_key"))) or _s(rec.get("person_id"))
        if pid:
            out.setdefault(pid, []).append(rec)
    return out


def _add_names(person: Person, row: dict) -> None:
    for value in re.split(r"[;,]", _s(row.get("given_name"))) + re.split(r"[;,]", _s(row.get("other_names"))):
        for name in [value.strip()] + value.split():
            _append(person.givens, _proper(name))
    for value in re.split(r"[;,]", _s(row.get("family_name"))):
        _append(person.families, _proper(value.strip()))


def _append(names: list[str], name: str) -> None:
    if len(name) >= 2 and name.lower() not in {n.lower() for n in names}:
        names.append(name)


def _proper(name: str) -> str:
    """'SMITH' -> 'Smith', 'smith-jones' -> 'Smith-Jones'; mixed case is kept."""
    if name.isupper() or name.islower():
        return "-".join(part.capitalize() for part in name.split("-"))
    return name


def assign_labels(plan, case: CasePeople) -> dict[str, str]:
    """Give every person a role pseudonym, a shared id and their name forms as terms of
    ``plan`` (a :class:`chronos.report.privacy._Plan`). Returns person id -> pseudonym."""
    from chronos.roles import role_labels

    result_people = [{"person_id": p.person_id, "sex": p.sex, "dob": p.dob, "role": p.role,
                      "age": p.age} for p in case.people]
    labels = role_labels(result_people, plan.relationships, plan.index_ids)
    ids = OrderedIds("P", plan.key.person_ids, pd.Series([p.person_id for p in case.people]))
    plan.person_ids = ids.to_new
    given: dict[str, str] = {}
    for p in case.people:
        label = _person_label(plan, p, labels.get(p.person_id, "Adult"))
        given[p.person_id] = label
        plan.add_term(p.person_id, ids.get(p.person_id), case_sensitive=True)
    _name_terms(plan, case.people, given)
    return given


def _person_label(plan, person: Person, wanted: str) -> str:
    original = f"{person.full_name} [{person.person_id}]"
    if original in plan.reverse:
        return plan.reverse[original]
    label, n = wanted, 1
    while label in plan.key.values:
        n += 1
        label = f"{wanted} ({n})"
    plan.key.values[label] = original
    plan.reverse[original] = label
    return label


def _name_terms(plan, people: list[Person], labels: dict[str, str]) -> None:
    """Every name form of every person; a form several people share gets a label of its
    own ('Family 1' for a shared family name, 'Name 1' for a shared given name)."""
    owners: dict[str, set[str]] = {}
    sensitive: dict[str, bool] = {}
    for p in people:
        for form, cs in text_rules.name_forms(p.givens, p.families, p.sex):
            owners.setdefault(form, set()).add(labels[p.person_id])
            sensitive[form] = sensitive.get(form, False) or cs
        for family in p.families:
            owners.setdefault(family, set()).add(labels[p.person_id])
            sensitive[family] = family.lower() in text_rules.rules().common_word_names
    whole = {f.lower() for p in people for f in p.families}
    for p in people:  # 'Jones' of 'Smith-Jones', unless someone is called Jones
        for part in {x for f in p.families for x in f.split("-") if x != f and len(x) >= 2}:
            if part.lower() not in whole:
                owners.setdefault(part, set()).add(labels[p.person_id])
                sensitive[part] = part.lower() in text_rules.rules().common_word_names
    _titled_family_names(people, labels, owners, sensitive)
    for form in sorted(owners, key=lambda f: (-len(f), f)):
        held = owners[form]
        if len(held) == 1:
            plan.add_term(form, next(iter(held)), sensitive[form])
        elif " " not in form and "," not in form:
            prefix = "Family" if _is_family_name(form, people) else "Name"
            plan.add_term(form, plan._label(form, prefix), sensitive[form])


def _titled_family_names(people, labels, owners, sensitive) -> None:
    """'Ms Smith' is the one woman of the case called Smith, when there is one."""
    rules = text_rules.rules()
    for titles, sex in ((rules.female_titles, "F"), (rules.male_titles, "M")):
        by_family: dict[str, set[str]] = {}
        for p in people:
            if p.sex.upper()[:1] == sex and (p.age is None or p.age >= 16):
                for family in p.families:
                    by_family.setdefault(family, set()).add(labels[p.person_id])
        for family, held in by_family.items():
            if len(held) == 1:
                for title in titles:
                    for form in (f"{title} {family}", f"{title}. {family}"):
                        owners.setdefault(form, set()).update(held)
                        sensitive[form] = False


def _is_family_name(form: str, people: list[Person]) -> bool:
    return any(form.lower() in {f.lower() for f in p.families} |
               {part.lower() for f in p.families for part in f.split("-")} for p in people)


def _age(dob: str, on: str | None) -> int | None:
    from chronos.dates import age_at

    if not dob or not on:
        return None
    age = age_at(dob[:10], on[:10])
    return age[0] if age else None


def _last_date(result: Any) -> str | None:
    events = getattr(result, "events", None)
    if events is None or not len(events):
        return None
    dates = events["date"].dropna()
    return str(dates.max()) if len(dates) else None


def _s(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return str(value)


class OrderedIds:
    """Random ids (prefix + 12 hex digits) that sort as the original ids do, so that every
    table and document keeps its order; the key keeps the ones given before."""

    SPACE = 16 ** 12

    def __init__(self, prefix: str, known: dict[str, str], originals):
        import bisect

        self.prefix, self.known, self._bisect = prefix, known, bisect
        self.to_new = {old: new for new, old in known.items()}
        wanted = sorted({str(v) for v in originals.dropna() if str(v)} | set(self.to_new))
        i = 0
        while i < len(wanted):
            if wanted[i] in self.to_new:
                i += 1
                continue
            j = i
            while j < len(wanted) and wanted[j] not in self.to_new:
                j += 1
            low = self._value(wanted[i - 1]) if i else 0
            high = self._value(wanted[j]) if j < len(wanted) else self.SPACE
            for old, value in zip(wanted[i:j], _between(low, high, j - i)):
                self._set(old, value)
            i = j
        self.order = sorted(self.to_new)

    def _value(self, old: str) -> int:
        return int(self.to_new[old][len(self.prefix):], 16)

    def _set(self, old: str, value: int) -> None:
        new = f"{self.prefix}{value:012x}"
        self.to_new[old] = new
        self.known[new] = old

    def get(self, old: str) -> str:
        """The shared id of ``old`` (given one now, between its neighbours, if new)."""
        if old not in self.to_new:
            at = self._bisect.bisect(self.order, old)
            low = self._value(self.order[at - 1]) if at else 0
            high = self._value(self.order[at]) if at < len(self.order) else self.SPACE
            self._set(old, _between(low, high, 1)[0])
            self.order.insert(at, old)
        return self.to_new[old]


def _between(low: int, high: int, count: int) -> list[int]:
    """``count`` distinct random numbers between ``low`` and ``high``, sorted (after
    ``high`` when there is no room: the order is then lost, never the uniqueness)."""
    rng = secrets.SystemRandom()
    if high - low - 1 >= count:
        return sorted(rng.sample(range(low + 1, high), count))
    return sorted(rng.sample(range(max(high, low) + 1, OrderedIds.SPACE), count))
