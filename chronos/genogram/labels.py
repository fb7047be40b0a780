"""The words under each symbol: name (or pseudonym), age or years, what the case found."""

from __future__ import annotations

import textwrap

WIDTH = 18  # characters per label line
LINE_H_DEFAULT = 0.42  # height of one label line, in symbol widths


def person_label(data: dict, *, name: str | None = None, pseudonymised: bool = False) -> list[str]:
    """Label lines for a person node: name, age or life years, annotations, agencies."""
    if data.get("kind") == "pregnancy":
        return ["pregnancy"] + ([f"({data['dob'][:7]})"] if data.get("dob") else [])
    lines = _wrap(name or data.get("name") or "?", 2)
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
    return len(_wrap(name or data.get("name") or "?", 2)) + (1 if life_line(data, pseudonymised) else 0)


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


def _wrap(text: str, max_lines: int) -> list[str]:
    lines = textwrap.wrap(text, WIDTH) or [text]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: WIDTH - 1] + "\u2026"
    return lines
