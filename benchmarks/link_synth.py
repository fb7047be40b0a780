"""A labelled synthetic population for person-linking benchmarks (no real people).

Families (mother, sometimes a father, one to four children) get names, dates of birth,
NHS numbers, UPNs and postcodes; then four agency exports (GP, school, police, children's
social care) each see some of them, with the errors real exports have: typos, nicknames,
initials, day/month swapped, one-digit date typos, missing identifiers and dates,
hyphenated or changed surnames, moved postcodes. Hard cases are planted on purpose:
twins (same surname, date of birth and postcode, different given names), same-name
siblings years apart, and a parent and child with the same given name.

``generate(n_people, seed, extended=False)`` returns ``(records, truth, population)``:
``records`` in the contract of ``model.PERSONS`` + ``record_key``; ``truth`` maps
record_key -> true person, and the population's ``hard_pairs`` lists the (person, person)
pairs that must never be merged. ``extended`` adds thin and old records: a census export
with no names, and family trees with ancestors born before 1900 and their namesakes.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from datetime import date, timedelta

HEAD_SURNAMES = """Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts
Robinson Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel
Jackson Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan
Allen James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell Kelly
Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan Marshall
Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb Rogers Gray Mason
Ali Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell
Barker Fisher Stevens Jenkins Murray Dixon Harvey""".split()
BOYS = """Oliver George Harry Noah Jack Leo Arthur Muhammad Oscar Charlie Jacob Thomas Henry
William Freddie Alfie Theo Archie Joshua Alexander James Isaac Edward Samuel Lucas Ethan
Max Logan Mason Kayden Daniel Dylan Riley Tyler Callum Liam Connor Jake Kyle Nathan Ryan
Lewis Aaron Adam Ben Billy Jamie Jordan Kai Luke Mohammed Reece Sam Toby Zach Michael
Christopher Matthew Andrew David John Robert Richard Stephen Paul Mark Anthony Peter""".split()
GIRLS = """Olivia Amelia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Freya Willow Florence
Emily Ella Poppy Evie Elsie Charlotte Evelyn Sienna Daisy Phoebe Sophie Ruby Chloe Jessica
Lucy Megan Holly Katie Ellie Millie Kylie Amber Jade Leah Paige Shannon Courtney Bethany
Abigail Hannah Lauren Rebecca Sarah Emma Laura Nicola Michelle Kelly Lisa Claire Natalie
Samantha Gemma Stacey Danielle Louise Victoria Catherine Elizabeth Margaret Jennifer""".split()
NICK = {"William": "Bill", "Thomas": "Tom", "Alexander": "Alex", "James": "Jim",
        "Samuel": "Sam", "Joshua": "Josh", "Daniel": "Danny", "Michael": "Mike",
        "Christopher": "Chris", "Matthew": "Matt", "Edward": "Ted", "Elizabeth": "Liz",
        "Rebecca": "Becky", "Catherine": "Katie", "Jessica": "Jess", "Samantha": "Sam",
        "Victoria": "Vicky", "Margaret": "Maggie", "Jennifer": "Jenny", "Isabella": "Bella",
        "Abigail": "Abby", "Oliver": "Ollie", "Benjamin": "Ben", "Charlotte": "Lottie",
        "Kayden": "Kaden", "Richard": "Rich", "Andrew": "Andy", "Anthony": "Tony"}
SYLLABLES = "ash bar ber bran by cal dal den don fel ford gar ham har ing kin lan ley lin low mar mer mont nor ock par per ril ros sel son ston ter thorn ton ver wal well wick win worth".split()
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def _nhs(rng: random.Random) -> str:
    while True:
        first = "".join(rng.choice(string.digits) for _ in range(9))
        total = sum(int(d) * w for d, w in zip(first, range(10, 1, -1)))
        check = 11 - total % 11
        check = 0 if check == 11 else check
        if check != 10 and len(set(first)) > 1:
            return first + str(check)


def _upn(rng: random.Random) -> str:
    body = "".join(rng.choice(string.digits) for _ in range(12))
    total = sum(int(c) * w for w, c in enumerate(body, start=2))
    return UPN_LETTERS[total % 23] + body


def _surname_pool(rng: random.Random, size: int) -> list[str]:
    names = set(HEAD_SURNAMES)
    while len(names) < size:
        names.add("".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3)))).title())
    return sorted(names)


_WEIGHTS: dict[int, list[float]] = {}


def _zipf_choice(rng: random.Random, pool: list[str], head: int = 0) -> str:
    """Common names are common: weight 1/(rank + 30): the top surname is about 1%."""
    weights = _WEIGHTS.get(id(pool))
    if weights is None:
        order = list(range(len(pool)))
        random.Random(len(pool)).shuffle(order)          # rank is not alphabetical
        raw = [0.0] * len(pool)
        for rank, index in enumerate(order):
            raw[index] = 1.0 / (rank + 30)
        weights = _WEIGHTS[id(pool)] = list(__import__("itertools").accumulate(raw))
    return rng.choices(pool, cum_weights=weights)[0]


@dataclass
class Person:
    pid: str
    given: str
    family: str
    dob: date
    sex: str
    nhs: str
    postcode: str
    upn: str | None = None
    la_id: str | None = None
    role: str = "child"


@dataclass
class Population:
    people: list[Person] = field(default_factory=list)
    hard_pairs: set[tuple[str, str]] = field(default_factory=set)   # never merge
    kinds: dict[tuple[str, str], str] = field(default_factory=dict)


def _postcode(rng: random.Random, districts: list[str]) -> str:
    return f"{rng.choice(districts)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"


def make_population(n_people: int, seed: int = 7) -> Population:
    """Families until there are ``n_people`` people, with planted hard cases."""
    rng = random.Random(seed)
    surnames = _surname_pool(rng, max(400, n_people // 40))
    districts = [f"{a}{b}{n}" for a in "BLMSNW" for b in "SDEN" for n in range(1, 30)]
    pop = Population()
    counter = 0

    def new(given, family, dob, sex, postcode, role):
        nonlocal counter
        counter += 1
        person = Person(f"T{counter:07d}", given, family, dob, sex, _nhs(rng), postcode, role=role)
        pop.people.append(person)
        return person

    while len(pop.people) < n_people:
        family = _zipf_choice(rng, surnames, 100)
        postcode = _postcode(rng, districts)
        mum_dob = date(1975, 1, 1) + timedelta(days=rng.randint(0, 9000))
        mum = new(_zipf_choice(rng, GIRLS, 40), family, mum_dob, "F", postcode, "parent")
        parents = [mum]
        if rng.random() < 0.6:
            dad_dob = mum_dob + timedelta(days=rng.randint(-1500, 2500))
            parents.append(new(_zipf_choice(rng, BOYS, 40), family, dad_dob, "M", postcode, "parent"))
        children = []
        last = min(mum_dob + timedelta(days=16000), date(2023, 12, 31))
        for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
            dob = mum_dob + timedelta(days=rng.randint(6000, (last - mum_dob).days))
            sex = rng.choice("MF")
            children.append(new(_zipf_choice(rng, BOYS if sex == "M" else GIRLS, 40), family,
                                dob, sex, postcode, "child"))
        _plant_hard_cases(rng, pop, parents, children, new)
    for person in pop.people:
        if 4 <= (date(2024, 3, 31) - person.dob).days // 365 <= 18:
            person.upn = _upn(rng)
        if rng.random() < 0.3:
            person.la_id = f"CS{rng.randint(100000, 999999)}"
    return pop


def _plant_hard_cases(rng, pop, parents, children, new):
    first = children[0]
    roll = rng.random()
    if roll < 0.06:      # twins: same surname, dob, postcode; different given names
        pool = BOYS if first.sex == "M" else GIRLS
        twin = new(rng.choice([g for g in pool if g[0] != first.given[0]] if rng.random() < 0.5
                              else [g for g in pool if g != first.given]),
                   first.family, first.dob, first.sex if rng.random() < 0.5 else rng.choice("MF"),
                   first.postcode, "child")
        _hard(pop, first, twin, "twins")
    elif roll < 0.09:    # a parent and a child with the same given name ("junior")
        parent = parents[-1]
        junior_dob = parent.dob + timedelta(days=rng.randint(6500, 9000))
        junior = new(parent.given, parent.family, min(junior_dob, date(2023, 12, 31)),
                     parent.sex, parent.postcode, "child")
        _hard(pop, parent, junior, "parent_child_same_name")
    elif roll < 0.11:    # same-name siblings years apart (half-siblings)
        sibling = new(first.given, first.family, first.dob + timedelta(days=rng.choice((-1, 1)) * rng.randint(400, 3000)),
                      first.sex, first.postcode, "child")
        _hard(pop, first, sibling, "same_name_siblings")


def _hard(pop, a, b, kind):
    pair = (min(a.pid, b.pid), max(a.pid, b.pid))
    pop.hard_pairs.add(pair)
    pop.kinds[pair] = kind


# --- agency exports with errors ---------------------------------------------------------

AGENCIES = {   # name: (share of people seen, NHS number kept, UPN kept, dob missing, initials)
    "gp": (0.97, 0.95, 0.0, 0.02, 0.0),
    "school": (1.0, 0.0, 0.97, 0.01, 0.0),    # only school-age children
    "police": (0.25, 0.1, 0.0, 0.4, 0.3),
    "csc": (0.35, 0.6, 0.3, 0.03, 0.02),
}


def _typo(rng, text: str) -> str:
    if len(text) < 3:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.random()
    if kind < 0.4:
        return text[:i] + rng.choice(string.ascii_lowercase) + text[i + 1:]
    if kind < 0.7:
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    return text[:i] + text[i + 1:]


def _dob_text(rng, dob: date) -> str:
    roll = rng.random()
    if roll < 0.02 and dob.day <= 12 and dob.day != dob.month:
        return date(dob.year, dob.day, dob.month).isoformat()           # day/month swapped
    if roll < 0.04:
        text = dob.isoformat()
        i = rng.choice((3, 6, 9))
        candidate = text[:i] + str((int(text[i]) + 1) % 10) + text[i + 1:]
        try:
            return date.fromisoformat(candidate).isoformat()            # one-digit typo
        except ValueError:
            return text
    return dob.isoformat()


def _record(rng, person: Person, agency: str, number: int, districts) -> dict:
    _, nhs_kept, upn_kept, dob_missing, initials = AGENCIES[agency]
    given = person.given
    roll = rng.random()
    if roll < initials:
        given = given[0]
    elif roll < initials + 0.05 and given in NICK:
        given = NICK[given]
    elif roll < initials + 0.09:
        given = _typo(rng, given)
    family = person.family
    roll = rng.random()
    if roll < 0.04:
        family = _typo(rng, family)
    elif roll < 0.07:
        family = f"{family}-{rng.choice(HEAD_SURNAMES)}"
    elif roll < 0.09:
        family = family.upper()
    nhs = person.nhs if rng.random() < nhs_kept else None
    if nhs and rng.random() < 0.01:
        nhs = nhs[:9] + str((int(nhs[9]) + 1) % 10)                       # mistyped
    postcode = person.postcode
    roll = rng.random()
    if roll < 0.15:
        postcode = None
    elif roll < 0.2:
        postcode = _postcode(rng, districts)                              # moved
    return {
        "record_key": f"{agency}:{number}", "given_name": given, "family_name": family,
        "dob": None if rng.random() < dob_missing else _dob_text(rng, person.dob),
        "dob_precision": "day", "sex": None if rng.random() < 0.05 else person.sex,
        "nhs_number": nhs, "upn": person.upn if person.upn and rng.random() < upn_kept else None,
        "la_child_id": person.la_id if agency == "csc" else None,
        "postcode": postcode, "agency": agency.upper(), "source_file": f"{agency}.csv",
        "source_ref": str(number), "role": person.role,
    }


def generate(n_people: int, seed: int = 7, *, extended: bool = False):
    """``(records, truth, population)``; see the module docstring. ``extended`` adds the
    thin and old records of :func:`extend` (a census export with no names, family trees
    with ancestors born before 1900 and their namesakes)."""
    import pandas as pd

    pop = make_population(n_people, seed)
    rng = random.Random(seed + 1)
    districts = [f"{a}{b}{n}" for a in "BLMSNW" for b in "SDEN" for n in range(1, 30)]
    rows, truth = [], {}
    for agency, (share, *_rest) in AGENCIES.items():
        number = 0
        for person in pop.people:
            if agency == "school" and not person.upn:
                continue
            if rng.random() >= share:
                continue
            number += 1
            row = _record(rng, person, agency, number, districts)
            rows.append(row)
            truth[row["record_key"]] = person.pid
    if extended:
        extend(pop, rows, truth, random.Random(seed + 2))
    return pd.DataFrame(rows), truth, pop


# --- the extended set: records with no names, and old family trees ------------------------

#: share of the children known to children's social care in the census export (no names:
#: the LA child id, UPN, date of birth, sex)
CENSUS_SHARE = 0.8
#: share of families with a family tree (GEDCOM: every individual declared distinct)
TREE_SHARE = 0.12


def extend(pop: Population, rows: list, truth: dict, rng: random.Random) -> None:
    """Add a children-in-need census export whose records carry no name (an LA child id,
    shared with children's social care when it has one, a date of birth and sex), and
    family trees: the living family with names and dates of birth, and ancestors born
    before 1900, some named after each other or after a living relative ("George Smith"
    born 1871, 1898 and 1990), some with a year only, some with no date at all. The
    tree's individuals are distinct by declaration (``source_format`` gedcom)."""
    csc = {truth[r["record_key"]]: r for r in rows if r["agency"] == "CSC"}
    census = [p for p in pop.people if p.role == "child" and p.pid in csc
              and _age(p.dob, EXTRACT) < 18]
    for number, person in enumerate((p for p in census if rng.random() < CENSUS_SHARE), 1):
        row = {"record_key": f"cin:{number}", "given_name": None, "family_name": None,
               "dob": None if rng.random() < 0.02 else person.dob.isoformat(),
               "dob_precision": "day", "sex": person.sex, "nhs_number": None,
               "upn": person.upn if person.upn and rng.random() < 0.9 else None,
               "la_child_id": _census_id(rng, person, csc[person.pid]), "postcode": None,
               "agency": "CIN", "source_file": "cin.xml", "source_ref": f"Child[{number}]",
               "role": "child", "source_format": "cin_census"}
        rows.append(row)
        truth[row["record_key"]] = person.pid
    families: dict[tuple, list[Person]] = {}
    for person in pop.people:
        families.setdefault((person.family, person.postcode), []).append(person)
    number = 0
    for members in families.values():
        if rng.random() >= TREE_SHARE:
            continue
        for person in members:
            number += 1
            _tree_row(rows, truth, number, person.pid, person.given, person.family,
                      person.dob.isoformat(), "day", person.sex)
        for ancestor in _ancestors(rng, pop, members):
            number += 1
            _tree_row(rows, truth, number, *ancestor)


def _census_id(rng, person: Person, csc_row: dict) -> str | None:
    """The census's LA child id: the one the LA's own system (the CSC export) holds for
    the child, except for a tenth of children recorded under a legacy or a mistyped id."""
    if rng.random() < 0.1:
        return f"L{rng.randint(100000, 999999)}"
    if not csc_row.get("la_child_id"):
        csc_row["la_child_id"] = person.la_id or f"CS{rng.randint(100000, 999999)}"
    return csc_row["la_child_id"]


def _ancestors(rng, pop: Population, members: list[Person]) -> list[tuple]:
    """Two to five ancestors born 1840-1899: namesakes of a living member or of each
    other, some with a year only, some undated; each a person of their own."""
    family = members[0].family
    out, named = [], []
    for _ in range(rng.randint(2, 5)):
        sex = rng.choice("MF")
        pool = BOYS if sex == "M" else GIRLS
        roll = rng.random()
        if roll < 0.35 and named:
            given, sex = rng.choice(named)                    # named after an ancestor
        elif roll < 0.7:
            living = [m for m in members if m.sex == sex]
            given = rng.choice(living).given if living else rng.choice(pool)
        else:
            given = rng.choice(pool)
        born = date(rng.randint(1840, 1899), rng.randint(1, 12), rng.randint(1, 28))
        pop_pid = f"A{rng.getrandbits(48):012x}"
        kind = rng.random()
        if kind < 0.2:
            dob, precision = None, None
        elif kind < 0.55:
            dob, precision = f"{born.year:04d}-01-01", "year"
        else:
            dob, precision = born.isoformat(), "day"
        out.append((pop_pid, given, family, dob, precision, sex))
        named.append((given, sex))
        for other in out[:-1]:
            if other[1] == given:
                _hard(pop, _Named(other[0]), _Named(pop_pid), "namesakes_before_1900")
        for member in members:
            if member.given == given:
                _hard(pop, _Named(member.pid), _Named(pop_pid), "namesakes_before_1900")
    return out


@dataclass
class _Named:
    pid: str


def _tree_row(rows, truth, number, pid, given, family, dob, precision, sex) -> None:
    row = {"record_key": f"tree:I{number}", "given_name": given, "family_name": family,
           "dob": dob, "dob_precision": precision, "sex": sex, "nhs_number": None,
           "upn": None, "la_child_id": None, "postcode": None, "agency": "FAMILY TREE",
           "source_file": "family.ged", "source_ref": f"@I{number}@", "role": None,
           "source_format": "gedcom"}
    rows.append(row)
    truth[row["record_key"]] = pid


def pairwise_scores(record_to_person: dict, truth: dict) -> dict:
    """Pairwise precision, recall and F1 of a clustering against the truth."""
    from collections import Counter

    def pairs(counter):
        return sum(n * (n - 1) // 2 for n in counter.values())

    predicted = pairs(Counter(record_to_person.values()))
    actual = pairs(Counter(truth.values()))
    both = pairs(Counter((record_to_person[k], truth[k]) for k in truth))
    precision = both / predicted if predicted else 1.0
    recall = both / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "true_pairs": actual,
            "predicted_pairs": predicted, "correct_pairs": both}


def hard_case_merges(record_to_person: dict, truth: dict, pop: Population) -> dict:
    """How many planted hard pairs (twins, same-name relatives) ended up as one person."""
    people_of: dict[str, set] = {}
    for key, person in record_to_person.items():
        people_of.setdefault(person, set()).add(truth[key])
    merged = {kind: 0 for kind in ("twins", "parent_child_same_name", "same_name_siblings",
                                   "namesakes_before_1900")}
    planted = dict(merged)
    for pair, kind in pop.kinds.items():
        planted[kind] += 1
    for true_people in people_of.values():
        if len(true_people) < 2:
            continue
        for pair, kind in pop.kinds.items():
            if pair[0] in true_people and pair[1] in true_people:
                merged[kind] += 1
    return {"planted": planted, "false_merges": merged}


def declared_merges(record_to_person: dict, records) -> int:
    """Pairs of records that their source declares distinct (two individuals of one
    family tree) that ended up as one person."""
    from collections import Counter

    tree = records.loc[records.get("source_format", "").eq("gedcom") if "source_format"
                       in records else [False] * len(records), "record_key"]
    counts = Counter(record_to_person[k] for k in tree)
    return sum(n * (n - 1) // 2 for n in counts.values())


# --- when each record was made: its events -----------------------------------------------

#: the day the exports were taken
EXTRACT = date(2024, 3, 31)


def record_events(records, truth: dict, pop: Population, seed: int = 7):
    """Events naming each record (``model.EVENTS`` columns, before linking: ``person_ids``
    are record keys), dated as each agency sees a person: a GP from birth (or 2005, when
    its records start), a school from age 4 to 16, the police from birth (or 2014), the
    children's social care from six months before birth (a pre-birth assessment) to 18
    for a child and during their children's childhood for a parent, the census in its
    year, a family tree at each dated birth. Each event names the person in the role the
    agency gives on that day: the child concerned while under 18, a carer (children's
    social care's parents), else the police's victim, suspect, witness or other, and the
    GP's and school's subject. ``records``' ``role`` is set the same way, as the agency
    would state it on the record's first event: "child" under 18, else "parent" for a
    parent and "adult" for a grown-up child (census records exist only for children
    under 18 on the census day: ``generate`` keeps no others). Returns the events."""
    import pandas as pd

    rng = random.Random(seed + 3)
    people = {p.pid: p for p in pop.people}
    rows, roles = [], []
    for r in records.itertuples():
        person = people.get(truth[r.record_key])
        agency = r.record_key.split(":")[0]
        if person is None:                                # an ancestor: the tree's birth
            born = r.dob if isinstance(r.dob, str) and r.dob_precision == "day" else None
            roles.append(r.role if isinstance(r.role, str) else None)
            if born:
                rows.append(_event(r, 0, born, "day", "subject"))
            continue
        lo, hi = _window(agency, person)
        days = sorted({lo + timedelta(days=rng.randint(0, (hi - lo).days))
                       for _ in range(rng.randint(1, 4))})
        if agency == "tree":
            days = [person.dob]
        first_age = _age(person.dob, days[0])
        role = "child" if first_age < 18 else ("parent" if person.role == "parent" else "adult")
        roles.append(None if agency == "tree" else role)
        for i, day in enumerate(days):
            rows.append(_event(r, i, day.isoformat(), "day", _event_role(rng, agency, person, day)))
    records["role"] = roles
    return pd.DataFrame(rows)


def _window(agency: str, person: Person) -> tuple[date, date]:
    d = person.dob
    years = lambda n: timedelta(days=round(365.25 * n))     # noqa: E731
    if agency == "school":
        lo, hi = max(d + years(4), date(2010, 9, 1)), min(d + years(16), EXTRACT)
    elif agency == "police":
        lo, hi = max(d, date(2014, 1, 1)), EXTRACT
    elif agency == "csc" and person.role == "child":
        lo, hi = max(d - timedelta(days=180), date(2005, 1, 1)), min(d + years(18), EXTRACT)
    elif agency == "csc":
        lo, hi = date(2012, 1, 1), EXTRACT
    elif agency == "cin":
        lo, hi = max(d, date(2023, 4, 1)), EXTRACT
    else:                                                      # gp (and the tree)
        lo, hi = max(d, date(2005, 1, 1)), EXTRACT
    return min(lo, hi), hi


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _event_role(rng, agency: str, person: Person, day: date) -> str:
    if agency in ("gp", "school", "tree"):
        return "subject"
    if _age(person.dob, day) < 18:
        return "child"
    if agency == "csc" and person.role == "parent":
        return "carer"
    return rng.choice(("victim", "suspect", "witness", "other"))


def _event(r, i: int, day: str, precision: str, role: str) -> dict:
    return {"event_id": f"{r.record_key}#{i}", "date": day, "date_precision": precision,
            "person_ids": r.record_key, "person_roles": f"{r.record_key}={role}",
            "agency": r.agency, "event_type": "other", "source_file": r.source_file,
            "source_ref": r.source_ref}
