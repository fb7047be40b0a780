"""Agency colours: one background colour per agency, readable under dark text and told
apart from each other, also by readers with red-green colour blindness.

The palette was chosen (a greedy maximin search over CIE LCh colours) so that every
colour has a WCAG contrast of at least 7:1 with black text (AA asks 4.5:1), and so that
the first eight differ from each other by at least 15 CIEDE2000 units, and still by at
least 8 under simulated deuteranopia and protanopia (Brettel); all twelve by at least 12
and 6. ``tests/report/test_colours.py`` checks it with a simpler measure (CIE76 ΔE, with
Machado's simulation of deuteranopia and protanopia): the first eight at least 20 apart
(12 for colour-blind readers), all twelve at least 15 (10). An authority's own colours
(``[colours.agencies]`` in chronos.toml) are used as given, lightened where black text on
them would fall below 4.5:1.
"""

from __future__ import annotations

PALETTE = ["#D2B791", "#A88CEF", "#3DF5F3", "#F06F9E", "#CBF68A", "#60AC52", "#71B0C4",
           "#E8BBBF", "#9BBDFE", "#C0907E", "#D6EFCF", "#DDC55D"]
TEXT = "#000000"
#: WCAG 2 AA for normal text
AA = 4.5


def agency_colours(agencies, overrides: dict[str, str] | None = None) -> dict[str, str]:
    """A stable colour per agency: the authority's own where it names one (made readable),
    else the palette in agency-name order (skipping colours the authority already uses)."""
    overrides = overrides or {}
    names = sorted({a for a in agencies if isinstance(a, str) and a})
    taken = {c.upper() for c in overrides.values()}
    free = [c for c in PALETTE if c.upper() not in taken] or PALETTE
    out, i = {}, 0
    for name in names:
        if name in overrides:
            out[name] = readable(overrides[name])
        else:
            out[name] = free[i % len(free)]
            i += 1
    return out


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of ``#RRGGBB``."""
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable(colour: str, text: str = TEXT, minimum: float = AA) -> str:
    """``colour`` mixed with white just enough for ``text`` on it to reach ``minimum``."""
    for step in range(0, 101, 5):
        mixed = mix_white(colour, step / 100)
        if contrast_ratio(mixed, text) >= minimum:
            return mixed
    return "#FFFFFF"


def mix_white(colour: str, amount: float) -> str:
    """``colour`` mixed with ``amount`` (0 to 1) of white, as ``#RRGGBB``."""
    rgb = [int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)]
    return "#" + "".join(f"{round(c + (255 - c) * amount):02X}" for c in rgb)
