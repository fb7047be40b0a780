"""Agency colours: readable under black text (WCAG AA), distinct from each other, also for
readers with red-green colour blindness; an authority's own colours made readable."""

import itertools
import math

import pytest

from chronos.report.colours import AA, PALETTE, agency_colours, contrast_ratio, readable

#: Machado, Oliveira and Fernandes (2009), severity 1.0, on linear RGB
DEUTERANOPIA = [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                [-0.011820, 0.042940, 0.968881]]
PROTANOPIA = [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
              [-0.003882, -0.048116, 1.051998]]


def _linear(colour):
    out = []
    for i in (0, 2, 4):
        c = int(colour.lstrip("#")[i:i + 2], 16) / 255
        out.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    return out


def _lab(rgb):
    """CIE L*a*b* (D65) of linear RGB."""
    r, g, b = (min(1.0, max(0.0, v)) for v in rgb)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116
    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def _seen(colour, matrix=None):
    rgb = _linear(colour)
    if matrix:
        rgb = [sum(m * v for m, v in zip(row, rgb)) for row in matrix]
    return _lab(rgb)


def _closest(colours, matrix=None):
    """The smallest colour difference (CIE76 ΔE) between any two of ``colours``."""
    return min(math.dist(_seen(a, matrix), _seen(b, matrix))
               for a, b in itertools.combinations(colours, 2))


def test_every_colour_is_readable_under_black_text_well_beyond_aa():
    assert all(contrast_ratio(c, "#000000") >= 7 for c in PALETTE)


def test_the_colours_are_distinct_also_for_colour_blind_readers():
    first = PALETTE[:8]  # a case rarely has more agencies
    assert _closest(first) >= 20
    assert _closest(first, DEUTERANOPIA) >= 12 and _closest(first, PROTANOPIA) >= 12
    assert _closest(PALETTE) >= 15
    assert _closest(PALETTE, DEUTERANOPIA) >= 10 and _closest(PALETTE, PROTANOPIA) >= 10
    assert _closest(["#A6CEE4", "#C4E5F7"]) < 10  # the old social care / Housing blues


def test_the_old_look_alikes_are_gone():
    """The issue: children's social care and Housing nearly the same blue; GP, School and
    Police all pale yellow-orange."""
    found = agency_colours(["Children's social care", "Housing", "GP", "School", "Police"])
    assert _closest(found.values()) >= 20


def test_colours_are_stable_and_in_agency_name_order():
    assert agency_colours(["School", "GP", "GP", None, ""]) == {"GP": PALETTE[0],
                                                               "School": PALETTE[1]}


@pytest.mark.parametrize("given", ["#000080", "#8B0000", "#FFFF00", "#1F3864"])
def test_an_authoritys_own_colour_is_used_made_readable(given):
    found = agency_colours(["GP", "Police"], {"Police": given})
    assert contrast_ratio(found["Police"], "#000000") >= AA
    assert found["GP"] == PALETTE[0] and found["Police"] == readable(given)
    if contrast_ratio(given, "#000000") >= AA:
        assert found["Police"] == given  # used as given when it is readable already


def test_the_palette_skips_a_colour_the_authority_already_uses():
    found = agency_colours(["GP", "Police"], {"Police": PALETTE[0]})
    assert found == {"GP": PALETTE[1], "Police": PALETTE[0]}
