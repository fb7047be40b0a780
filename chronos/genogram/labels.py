"""The words under each symbol: name (or pseudonym), age or years, what the case found."""

from __future__ import annotations

import textwrap

WIDTH = 17  # characters per label line
NAME_WIDTH = 12  # longer names go on two lines (given, family)
LINE_H_DEFAULT = 0.42  # height of one label line, in symbol widths


def person_label(data: dict, *, name: str | None = None, pseudonymised: bool = False) -> list[str]:
    """Label lines for a person node: name, age or life years, annotations, agencies."""
    if data.get("kind") == "pregnancy":
        shown = data.get("dob") and not pseudonymised
        return ["pregnancy"] + ([f"({data['dob'][:7]})"] if shown else [])
    lines = name_lines(data, name)
    life = life_line(data, pseudonymised)
    if life:
        lines.append(life)
    found = list(data.get("annotations") or [])
    if data.get("findings"):
        count = data["findings"]
        found.append(f"{count} finding{'s' if count != 1 else ''}")
    if found:
        lines += _wrap(", ".join(found), 2)
    agencies = data.get("agencies") or []
    if agencies:
        shown = ", ".join(agencies[:3]) + (f" +{len(agencies) - 3}" if len(agencies) > 3 else "")
        lines += _wrap(shown, 2)
    return lines


def annotation_start(data: dict, *, name: str | None = None, pseudonymised: bool = False) -> int:
    """Index of the first annotation line (drawn in colour) in :func:`person_label`."""
    if data.get("kind") == "pregnancy":
        return 99
    return len(name_lines(data, name)) + (1 if life_line(data, pseudonymised) else 0)


def name_lines(data: dict, name: str | None = None) -> list[str]:
    """The name on one line, or given and family names on two when it is long."""
    text = name or data.get("name") or "?"
    if len(text) <= NAME_WIDTH or name:
        return _wrap(text, 2)
    given, family = data.get("given_name"), data.get("family_name")
    if given and family:
        return _wrap(given, 1) + _wrap(family, 1)
    return _wrap(text, 2)


def life_line(data: dict, pseudonymised: bool = False) -> str:
    """'age 8', '1950-2010 (60)' for the deceased, '' when nothing is known."""
    age = data.get("age")
    born = (data.get("dob") or "")[:4]
    if data.get("deceased"):
        died = (data.get("dod") or "")[:4]
        years = "" if pseudonymised else f"{born or '?'}\u2013{died or '?'}"
        aged = f"({age})" if age is not None else ""
        return " ".join(p for p in ("d." if pseudonymised else "", years, aged) if p).strip() or "deceased"
    if age is None:
        return "" if pseudonymised or not born else f"b. {born}"
    return f"age {age}" if pseudonymised or not born else f"b. {born} ({age})"


def role_names(graph) -> dict[str, str]:
    """Role pseudonyms for the people of a genogram graph ('Child 1', 'Mother', 'Father of
    Child 2', 'Maternal grandmother'): the same names :mod:`chronos.report.privacy` gives
    them in the shared documents (:func:`chronos.roles.role_labels`)."""
    from chronos.roles import role_labels

    people = [{"person_id": pid, "sex": data.get("sex"), "dob": data.get("dob"),
               "role": data.get("role"), "age": data.get("age")}
              for pid, data in graph.nodes(data=True) if data.get("kind") != "pregnancy"]
    relationships = [{"person_a": a, "person_b": b, "kind": d.get("kind"), "subtype": d.get("subtype")}
                     for a, b, d in graph.edges(data=True)]
    return role_labels(people, relationships, graph.graph.get("index_children") or ())


def _wrap(text: str, max_lines: int) -> list[str]:
    lines = textwrap.wrap(text, WIDTH) or [text]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: WIDTH - 1] + "\u2026"
    return lines
