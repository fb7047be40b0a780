"""Every word the genogram and ecomap write, made in one place.

Under each symbol: the name (or pseudonym), the years or age, what the case found about
the person, the agencies involved. On partner lines: when the relationship started and
ended. On the ecomap: who is who. Pseudonymisation hooks here: :func:`pseudonyms` gives
the role names (``Child 1``, ``Mother``, the shared documents' names: :func:`role_names`)
and every function takes the name to show.
Dates are written as practitioners write them (``03/2023``, ``2016``), never ISO.
"""

from __future__ import annotations

import re
import textwrap
from functools import lru_cache

WIDTH = 17  # characters per label line
NAME_WIDTH = 12  # longer names go on two lines (given, family)
LINE_H_DEFAULT = 0.42  # height of one label line, in symbol widths
FONT_PT = 7.0  # label font size when one symbol width is UNIT_PT points
UNIT_PT = 21.6  # one symbol width in points on a full-size chart (0.3 inch)
NOTE_SCALE = 0.92  # annotation lines are drawn this much smaller
PARTNER_SCALE = 0.86  # partner-line dates are drawn this much smaller
PARTNER_LINE_H = 0.33  # height of one partner-line date line


def person_label(data: dict, *, name: str | None = None, pseudonymised: bool = False) -> list[str]:
    """Label lines for a person node: name, age or life years, annotations, agencies."""
    if data.get("kind") == "pregnancy":
        shown = data.get("dob") and not pseudonymised
        return ["pregnancy"] + ([f"({month_year(data['dob'])})"] if shown else [])
    if data.get("kind") == "unknown":
        return ["not known"] if name is None else [name]
    lines = name_lines(data, name)
    life = life_line(data, pseudonymised)
    if life:
        lines.append(life)
    if data.get("copy"):        # the second symbol of someone drawn twice: who, no more
        return lines
    return lines + finding_lines(data) + agency_lines(data)


def annotation_start(data: dict, *, name: str | None = None, pseudonymised: bool = False) -> int:
    """Index of the first annotation line (drawn in colour) in :func:`person_label`."""
    if data.get("kind") in ("pregnancy", "unknown"):
        return 99
    return len(name_lines(data, name)) + (1 if life_line(data, pseudonymised) else 0)


def agency_start(data: dict, *, name: str | None = None, pseudonymised: bool = False) -> int:
    """Index of the first agency line (drawn in grey) in :func:`person_label`."""
    if data.get("copy"):
        return 99
    return annotation_start(data, name=name, pseudonymised=pseudonymised) + len(finding_lines(data))


def finding_lines(data: dict) -> list[str]:
    """What the case found about the person: roles, annotations, the number of findings."""
    found = list(data.get("annotations") or [])
    if data.get("findings"):
        count = data["findings"]
        found.append(f"{count} finding{'s' if count != 1 else ''}")
    return _wrap(", ".join(found)) if found else []


def agency_lines(data: dict) -> list[str]:
    """The agencies involved with the person, in short names, all of them."""
    agencies = [short_agency(a) for a in data.get("agencies") or []]
    return _wrap(", ".join(dict.fromkeys(agencies))) if agencies else []


def short_agency(agency: str) -> str:
    """An agency's short name where ``agency_short_names`` has one (``CSC``, ``ED``)."""
    from chronos.genogram.settings import settings

    shorts = settings().get("agency_short_names") or {}
    return shorts.get(agency.strip().lower(), agency.strip())


def display_name(data: dict, name: str | None = None) -> str:
    """The name to show: the pseudonym if given, else the recorded name tidied (stray
    commas, GEDCOM underscores and doubled spaces removed)."""
    return name or tidy_name(data.get("name")) or "?"


def tidy_name(text) -> str:
    """'Joseph, Patrick' -> 'Joseph Patrick'; 'Elizabeth_II' -> 'Elizabeth II'."""
    words = re.sub(r"[_,;]+", " ", str(text or "")).split()
    return " ".join(words)


def name_lines(data: dict, name: str | None = None) -> list[str]:
    """The name on one line, or given and family names on two when it is long (middle
    names dropped before anything is cut)."""
    text = display_name(data, name)
    if len(text) <= NAME_WIDTH or name:
        return _wrap(text, 2)
    given, family = tidy_name(data.get("given_name")), tidy_name(data.get("family_name"))
    if given and family:
        return [_first_words(given), _first_words(family)]
    return _wrap(text, 2)


def _first_words(text: str) -> str:
    words, out = text.split(), ""
    for word in words:
        if out and len(out) + 1 + len(word) > WIDTH:
            break
        out = f"{out} {word}".strip()
    return out if len(out) <= WIDTH else out[: WIDTH - 1] + "\u2026"


def life_line(data: dict, pseudonymised: bool = False) -> str:
    """'b. 2008, age 15', '22 months', '1950–2010 (60)'; 'b. 1491, d. ?' when the person
    died (or is presumed dead) with no date; '' when nothing is known."""
    age = data.get("age")
    born = (data.get("dob") or "")[:4]
    if data.get("deceased"):
        if pseudonymised:
            return f"died aged {age}" if age is not None else "deceased"
        died = (data.get("dod") or "")[:4]
        if died:
            return f"{born or '?'}\u2013{died}" + (f" ({age})" if age is not None else "")
        return f"b. {born}, d. ?" if born else "deceased"
    shown = _age_text(data)
    if shown is None:
        return "" if pseudonymised or not born else f"b. {born}"
    return shown if pseudonymised or not born else f"b. {born}, {shown}"


def _age_text(data: dict) -> str | None:
    age = data.get("age")
    if age is None:
        return None
    months = data.get("age_months")
    if age < 2 and months is not None:
        return f"{months} month{'s' if months != 1 else ''}"
    return f"age {age}"


def month_year(iso: str | None) -> str:
    """'2023-03-14' -> 'Mar 2023' as practitioners write it; a first of January ->
    '2023' (often a year recorded alone)."""
    if not iso:
        return ""
    if iso[5:10] == "01-01":
        return iso[:4]
    months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
    return f"{months[int(iso[5:7]) - 1]} {iso[:4]}"


def chart_date(iso: str | None) -> str:
    """The chart's date as practitioners write it (``31/03/2024``)."""
    from chronos.dates import format_display

    return format_display(iso, "day") if iso else ""


def partner_dates(edge: dict, *, pseudonymised: bool = False) -> list[str]:
    """Short lines for a partner line: 'married 2005', 'together 03/2023',
    'separated 2014', 'divorced 2018' (none when pseudonymised: dates identify)."""
    if pseudonymised:
        return []
    start, end = edge.get("start"), edge.get("end")
    subtype = edge.get("subtype") or "partner"
    lines = []
    if start:
        lines.append(("married " if subtype in ("married", "divorced") else "together ")
                     + month_year(start))
    if end:
        word = "divorced " if subtype == "divorced" else "separated "
        lines.append(word + month_year(end))
    return lines


_RANK = ("parent", "grandparent", "sibling", "half-sibling", "partner", "aunt or uncle")


def kinship(graph, person: str, index_children) -> str:
    """How ``person`` is related to the index children, in words: 'mother', 'maternal
    grandmother', 'half-brother', "mother's partner", 'aunt' ('' when not related). The
    closest relation to any of them wins."""
    found = [r for child in index_children for r in [_relation(graph, person, child)] if r]
    return min(found)[1] if found else ""


def _parents(graph, person: str) -> list[tuple[str, str]]:
    return [(a, d.get("subtype") or "biological") for a, _, d in graph.in_edges(person, data=True)
            if d["kind"] == "parent"]


def _gendered(graph, person: str, female: str, male: str, other: str) -> str:
    sex = graph.nodes[person].get("sex")
    return female if sex == "F" else male if sex == "M" else other


def _relation(graph, person: str, child: str) -> tuple[int, str] | None:
    """(closeness, words) of ``person`` to ``child``; None when not related."""
    parents = dict(_parents(graph, child))
    if person in parents:
        word = _gendered(graph, person, "mother", "father", "parent")
        kind = parents[person]
        return (0, word if kind == "biological" else f"{kind} {word}")
    for parent in parents:
        side = _gendered(graph, parent, "maternal ", "paternal ", "")
        if person in dict(_parents(graph, parent)):
            return (1, side + _gendered(graph, person, "grandmother", "grandfather", "grandparent"))
    mine, theirs = set(parents), set(dict(_parents(graph, person)))
    if mine and mine & theirs:
        half = mine != theirs
        return (2 + half, ("half-" if half else "") + _gendered(graph, person, "sister", "brother", "sibling"))
    for parent in parents:
        for a, b, d in list(graph.out_edges(parent, data=True)) + list(graph.in_edges(parent, data=True)):
            if d["kind"] == "partner" and person in (a, b) and person != parent:
                former = "" if d.get("current", True) else "former "
                return (4, f"{_gendered(graph, parent, 'mother', 'father', 'parent')}'s {former}partner")
    for parent in parents:
        side = _gendered(graph, parent, "maternal ", "paternal ", "")
        if set(dict(_parents(graph, person))) & set(dict(_parents(graph, parent))):
            return (5, side + _gendered(graph, person, "aunt", "uncle", "aunt or uncle"))
    return None


def pseudonyms(graph) -> dict[str, str]:
    """The names a pseudonymised chart shows: role pseudonyms ('Child 1', 'Mother',
    'Maternal grandmother'; :func:`role_names`), as the shared documents name the same
    people. A part of a family (a focused view) carries the names worked out on the whole
    family in ``graph.graph['role_names']``, so that 'Adult 2' is the same person in both.
    A person drawn twice has one name; a 'not known' parent none."""
    whole = graph.graph.get("role_names") or role_names(graph)
    names = {pid: whole[pid] for pid in graph.nodes if pid in whole}
    for pid, data in graph.nodes(data=True):
        if data.get("clone_of") in names:
            names[pid] = names[data["clone_of"]]
    return names


def role_names(graph) -> dict[str, str]:
    """Role pseudonyms for the people of a genogram graph ('Child 1', 'Mother', 'Father of
    Child 2', 'Maternal grandmother'): the same names :mod:`chronos.report.privacy` gives
    them in the shared documents (:func:`chronos.roles.role_labels`). Pregnancies, 'not
    known' parents and second symbols of one person are not people here."""
    from chronos.roles import role_labels

    people = [{"person_id": pid, "sex": data.get("sex"), "dob": data.get("dob"),
               "role": data.get("role"), "age": data.get("age")}
              for pid, data in graph.nodes(data=True)
              if data.get("kind") not in ("pregnancy", "unknown") and not data.get("clone_of")]
    relationships = [{"person_a": a, "person_b": b, "kind": d.get("kind"), "subtype": d.get("subtype")}
                     for a, b, d in graph.edges(data=True)]
    return role_labels(people, relationships, graph.graph.get("index_children") or ())


def pseudonyms_by_age(people) -> dict[str, str]:
    """'Adult A', 'Child A', ... for ``(id, age)`` pairs, oldest first (an unknown age
    counts as an adult): for an ecomap drawn without the family's relationships, where
    roles cannot be known."""
    names, counters = {}, {"Child": 0, "Adult": 0}
    for pid, age in sorted(people, key=lambda p: (-(p[1] if p[1] is not None else 999), p[0])):
        group = "Adult" if age is None or age >= 18 else "Child"
        names[pid] = f"{group} {_letters(counters[group])}"
        counters[group] += 1
    return names


def _letters(n: int) -> str:
    text = ""
    n += 1
    while n:
        n, rem = divmod(n - 1, 26)
        text = chr(65 + rem) + text
    return text


def _wrap(text: str, max_lines: int | None = None) -> list[str]:
    lines = textwrap.wrap(text, WIDTH) or [text]
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: WIDTH - 1] + "\u2026"
    return lines


# -- label geometry (symbol widths; y grows upwards) -------------------------------------

@lru_cache(maxsize=4096)
def _char_points(ch: str) -> float:
    """Advance width of one character of the chart font at FONT_PT points."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    width = text_to_path.get_text_width_height_descent(ch, FontProperties(size=FONT_PT), False)[0]
    return float(width)


def text_width(text: str, scale: float = 1.0) -> float:
    """Width of ``text`` in symbol widths at the label font (times ``scale``)."""
    return sum(_char_points(ch) for ch in text) * scale / UNIT_PT * 1.04


def label_top(data: dict, y: float) -> float:
    """y of the top of a person's label: just under the symbol (or its double border)."""
    return y - 0.5 - (0.3 if data.get("is_index") else 0.12)


def label_box(data: dict, x: float, y: float, *, name: str | None = None,
              pseudonymised: bool = False) -> tuple[float, float, float, float] | None:
    """``(x0, y0, x1, y1)`` of the label under a symbol at ``(x, y)``; None if no label."""
    lines = person_label(data, name=name, pseudonymised=pseudonymised)
    if not lines:
        return None
    split = annotation_start(data, name=name, pseudonymised=pseudonymised)
    width = max(text_width(t, 1.0 if k < split else NOTE_SCALE) for k, t in enumerate(lines))
    top = label_top(data, y)
    return (x - width / 2 - 0.05, top - len(lines) * LINE_H_DEFAULT - 0.05, x + width / 2 + 0.05, top)


def label_width(data: dict, *, name: str | None = None, pseudonymised: bool = False) -> float:
    """Width of a person's label in symbol widths (0 when there is none)."""
    box = label_box(data, 0.0, 0.0, name=name, pseudonymised=pseudonymised)
    return box[2] - box[0] if box else 0.0
