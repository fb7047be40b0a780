"""Generated synthetic family trees (nobody real) for the genogram tests and benchmark.

Each tree is a :class:`Tree` of people and families, written as GEDCOM 5.5.1 text
(:meth:`Tree.gedcom`) so that it goes through the real GEDCOM reader. The trees hold what makes genograms hard: adoption (also by a
single adoptive parent of a child whose one known birth parent is single too), fostering,
remarriage, half-siblings on both sides, first cousins marrying, deaths with and without
dates, and five generations.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Person:
    xref: str
    given: str
    family: str
    sex: str
    born: str | None = None          # GEDCOM date text, e.g. "12 MAR 1950"
    died: str | None = None          # GEDCOM date text; "" = died, date unknown


@dataclass
class Fam:
    xref: str
    husband: str | None
    wife: str | None
    children: list[tuple[str, str]] = field(default_factory=list)   # (xref, pedigree)
    married: str | None = None
    divorced: str | None = None


@dataclass
class Tree:
    name: str
    people: dict[str, Person] = field(default_factory=dict)
    families: list[Fam] = field(default_factory=list)

    def add(self, given, family, sex, born=None, died=None) -> str:
        xref = f"I{len(self.people) + 1}"
        self.people[xref] = Person(xref, given, family, sex, born, died)
        return xref

    def fam(self, husband, wife, children=(), married=None, divorced=None,
            pedigree="birth") -> Fam:
        fam = Fam(f"F{len(self.families) + 1}", husband, wife,
                  [(c, pedigree) if isinstance(c, str) else c for c in children],
                  married, divorced)
        self.families.append(fam)
        return fam

    def find(self, given: str) -> str:
        """The xref of the (first) person with this given name."""
        return next(x for x, p in self.people.items() if p.given == given)

    def gedcom(self) -> str:
        """The tree as GEDCOM 5.5.1 text (pedigree in FAMC.PEDI)."""
        out = ["0 HEAD", "1 SOUR chronos-tests", "1 GEDC", "2 VERS 5.5.1",
               "2 FORM LINEAGE-LINKED", "1 CHAR UTF-8"]
        for p in self.people.values():
            out += [f"0 @{p.xref}@ INDI", f"1 NAME {p.given} /{p.family}/", f"1 SEX {p.sex}"]
            if p.born:
                out += ["1 BIRT", f"2 DATE {p.born}"]
            if p.died is not None:
                out += ["1 DEAT Y"] if not p.died else ["1 DEAT", f"2 DATE {p.died}"]
            for fam in self.families:
                if p.xref in (fam.husband, fam.wife):
                    out.append(f"1 FAMS @{fam.xref}@")
                for child, pedigree in fam.children:
                    if child == p.xref:
                        out += [f"1 FAMC @{fam.xref}@", f"2 PEDI {pedigree}"]
        for fam in self.families:
            out.append(f"0 @{fam.xref}@ FAM")
            out += [f"1 HUSB @{fam.husband}@"] if fam.husband else []
            out += [f"1 WIFE @{fam.wife}@"] if fam.wife else []
            if fam.married:
                out += ["1 MARR", f"2 DATE {fam.married}"]
            if fam.divorced:
                out += ["1 DIV", f"2 DATE {fam.divorced}"]
            out += [f"1 CHIL @{c}@" for c, _ in fam.children]
        out.append("0 TRLR")
        return "\n".join(out) + "\n"

    def write(self, folder) -> "object":
        """Write ``<name>.ged`` into ``folder`` and return its path."""
        from pathlib import Path

        path = Path(folder) / f"{self.name}.ged"
        path.write_text(self.gedcom(), encoding="utf-8")
        return path


# -- the trees -------------------------------------------------------------------------

def adoption() -> Tree:
    """A couple adopts; a single adoptive mother adopts the child of a single birth
    father; a child is fostered by a couple while her birth parents are separated."""
    t = Tree("adoption")
    g1, g2 = t.add("Arthur", "Hale", "M", "3 MAR 1940", "1 JAN 2001"), t.add("Beryl", "Hale", "F", "1942")
    t.fam(g1, g2, married="1962")
    a1, a2 = t.add("Colin", "Hale", "M", "1964"), t.add("Dawn", "Hale", "F", "1966")
    t.families[-1].children += [(a1, "birth"), (a2, "birth")]
    w = t.add("Erin", "Park", "F", "1965")
    bm = t.add("Fay", "Moss", "F", "1985")
    k1 = t.add("Gary", "Hale", "M", "2003")
    t.fam(None, bm, [k1])
    bf = t.add("Hugo", "Lane", "M", "1980")
    k2 = t.add("Isla", "Hale", "F", "2010")
    t.fam(bf, None, [k2])
    t.fam(None, a2, [(k2, "adopted")])
    p1, p2 = t.add("Jack", "Reed", "M", "1988"), t.add("Kim", "Reed", "F", "1990")
    k3 = t.add("Lily", "Reed", "F", "2015")
    t.fam(p1, p2, [k3], married="2012", divorced="2016")
    t.fam(a1, w, [(k1, "adopted"), (k3, "foster")], married="1990")
    return t


def remarriage() -> Tree:
    """A man married three times (divorced, widowed, now) with children of each; his
    second wife had a child before; half-siblings on both sides, three generations."""
    t = Tree("remarriage")
    gf, gm = t.add("Alan", "Frost", "M", "1930", "1999"), t.add("Betty", "Frost", "F", "1932", "")
    m = t.add("Carl", "Frost", "M", "1955")
    sis = t.add("Diane", "Frost", "F", "1958")
    t.fam(gf, gm, [m, sis], married="1953")
    w1, w2, w3 = (t.add("Elaine", "Gray", "F", "1956"), t.add("Fiona", "Hart", "F", "1960", "4 MAY 1995"),
                  t.add("Gemma", "Ives", "F", "1970"))
    t.fam(m, w1, [t.add("Harry", "Frost", "M", "1978"), t.add("Iris", "Frost", "F", "1980")],
          married="1976", divorced="1984")
    prev = t.add("Jon", "Kerr", "M", "1958")
    t.fam(prev, w2, [t.add("Kate", "Kerr", "F", "1982")])
    t.fam(m, w2, [t.add("Liam", "Frost", "M", "1988"), t.add("Mona", "Frost", "F", "1988")],
          married="1986")
    t.fam(m, w3, [t.add("Nina", "Frost", "F", "2001")], married="1998")
    w1b = t.add("Oscar", "Vale", "M", "1950")
    t.fam(w1b, w1, [t.add("Pam", "Vale", "F", "1990")], married="1987")
    return t


def cousins() -> Tree:
    """First cousins marry and have children: four generations with a loop."""
    t = Tree("cousins")
    gf, gm = t.add("Amos", "Webb", "M", "1900", "1970"), t.add("Bella", "Webb", "F", "1902", "1980")
    s1, s2 = t.add("Cyril", "Webb", "M", "1925", "1990"), t.add("Doris", "Webb", "F", "1928", "1995")
    t.fam(gf, gm, [s1, s2], married="1923")
    w1, h2 = t.add("Edna", "Cole", "F", "1926"), t.add("Frank", "Dale", "M", "1924", "")
    c1 = t.add("George", "Webb", "M", "1950")
    c1b = t.add("Hazel", "Webb", "F", "1952")
    c2 = t.add("Ivy", "Dale", "F", "1951")
    c2b = t.add("Joe", "Dale", "M", "1954")
    t.fam(s1, w1, [c1, c1b], married="1948")
    t.fam(h2, s2, [c2, c2b], married="1949")
    t.fam(c1, c2, [t.add("Karl", "Webb", "M", "1975"), t.add("Lena", "Webb", "F", "1977")],
          married="1973")
    x = t.add("Mark", "Ross", "M", "1950")
    t.fam(x, c1b, [t.add("Nell", "Ross", "F", "1980")], married="1978")
    return t


def five_generations(seed: int = 7, width: int = 3) -> Tree:
    """Five generations from one couple: each couple has 1 to ``width`` children; most
    children partner someone from outside, some twice, a few a cousin; some couples
    adopt; some people died (with and without a date)."""
    rng = random.Random(seed)
    t = Tree(f"five-generations-{seed}")
    names_m = "Adam Ben Carl Dan Eli Finn Gus Hal Ivan Jude Kit Leo Max Ned Owen Paul Rob Sam Ted Vic".split()
    names_f = "Ada Bea Cleo Dora Eve Faye Gail Hope Ida Jo Kay Lois May Nora Opal Pia Rose Sue Tess Una".split()
    founders = (t.add("Abel", "Stone", "M", "1880", "1950"), t.add("Agnes", "Stone", "F", "1882", "1960"))
    couples = [(founders, "Stone", 1880)]
    for generation in range(1, 5):
        born_here = []
        for (h, w), surname, year in couples:
            kids = []
            for k in range(rng.randint(1, width)):
                sex = rng.choice("MF")
                born = year + 24 + 2 * k + rng.randint(0, 1)
                name = rng.choice(names_m if sex == "M" else names_f)
                died = None if born > 1950 else rng.choice([None, "", str(born + 70)])
                kids.append(t.add(name, surname, sex, str(born), died))
            pedigree = "adopted" if rng.random() < 0.08 else "birth"
            t.fam(h, w, [(c, pedigree) for c in kids], married=str(year + 22))
            born_here += [(c, (h, w)) for c in kids]
        couples = [] if generation == 4 else _partner_up(t, rng, born_here, names_m, names_f)
    return t


def _partner_up(t: Tree, rng, born_here, names_m, names_f) -> list:
    """Partners for one generation: outsiders (some people twice), now and then a cousin."""
    couples, taken = [], set()
    for child, parents in born_here:
        if child in taken or rng.random() < 0.15:
            continue
        sex, born = t.people[child].sex, int(t.people[child].born)
        cousin = next((c for c, p in born_here if c not in taken and c != child and p != parents
                       and t.people[c].sex != sex), None) if rng.random() < 0.12 else None
        others = [cousin] if cousin else []
        for n in range(1 if cousin else 2 if rng.random() < 0.2 else 1):
            others = others or [t.add(rng.choice(names_f if sex == "M" else names_m),
                                      rng.choice("Ash Birch Cedar Elm Fir Hazel Oak Pine Yew".split()),
                                      "F" if sex == "M" else "M", str(born + rng.randint(-3, 3)))]
            other = others.pop()
            taken |= {child, other}
            pair = (child, other) if sex == "M" else (other, child)
            couples.append((pair, t.people[pair[0]].family, born + 12 * n))
    return couples


def all_trees() -> list[Tree]:
    """The generated trees the benchmark and tests use."""
    return [adoption(), remarriage(), cousins(), five_generations(7), five_generations(12, 5)]
