"""The words under each symbol: name (or pseudonym), age or years, what the case found."""

from __future__ import annotations

import textwrap
from functools import lru_cache

WIDTH = 17  # characters per label line
NAME_WIDTH = 12  # longer names go on two lines (given, family)
LINE_H_DEFAULT = 0.42  # height of one label line, in symbol widths
FONT_PT = 7.0  # label font size when one symbol width is UNIT_PT points
UNIT_PT = 21.6  # one symbol width in points on a full-size chart (0.3 inch)
NOTE_SCALE = 0.92  # annotation lines are drawn this much smaller


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


def _wrap(text: str, max_lines: int) -> list[str]:
    lines = textwrap.wrap(text, WIDTH) or [text]
    if len(lines) > max_lines:
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
