"""Ecomaps: the family in the centre, the agencies involved around it.

:func:`build_ecomap` counts, from the events table, each agency's contacts with the
family up to ``as_of``: line weight by contact volume, dashed when the involvement has
lapsed (no contact in the 12 months before ``as_of``), a stress marker where the
relationship is adverse (police call-outs, enforcement, exclusion; see
``chronos/data/genogram.yaml``), and arrows for the direction of referrals.
:func:`draw_ecomap` draws it with matplotlib (dated, with a key). Each agency keeps the
ids of the events it was built from, so every line points at its evidence.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from chronos.genogram.graph import _event_rows, _key_map, _records, _shift, iso, parse_details, settings

FAMILY = "family"


@dataclass
class AgencyLink:
    """One agency's involvement with the family."""

    agency: str
    contacts: int
    first: str | None
    last: str | None
    lapsed: bool
    adverse: bool
    adverse_reasons: list[str] = field(default_factory=list)
    event_ids: list[str] = field(default_factory=list)


@dataclass
class Ecomap:
    """What an ecomap shows: the centre, the agencies, the referrals and the dates."""

    centre: str
    members: list[str]
    agencies: list[AgencyLink]
    referrals: list[tuple[str, str, int]]      # (from, to, count); FAMILY for the family
    as_of: str
    lapsed_before: str


def build_ecomap(events, persons=None, *, index_children=(), as_of=None, graph=None,
                 centre: str | None = None) -> Ecomap:
    """The ecomap of a case from its events (and persons, for names).

    With a genogram ``graph`` (from :func:`build_graph`), only events about the index
    children's household (or, without one, the index children and their relatives)
    count; otherwise every event of the case does. Events after ``as_of`` are left out.
    """
    rules = settings()["ecomap"]
    as_of = iso(as_of) or (graph.graph["as_of"] if graph is not None else None) or _latest(events)
    lapsed_before = _shift(as_of, months=-int(rules["lapsed_after_months"]))
    rows = [r for r in _event_rows(events, _key_map(persons)) if not r.get("date") or r["date"] <= as_of]
    people = _family_people(graph)
    if people:
        rows = [r for r in rows if set(r["people"]) & people or not r["people"]]
    agencies = _agency_links(rows, rules, lapsed_before)
    referrals = _referrals(rows, rules, [a.agency for a in agencies])
    members = _member_names(graph, persons, index_children)
    return Ecomap(centre or _centre_name(graph, members), members, agencies, referrals, as_of,
                  lapsed_before)


def _latest(events) -> str:
    import datetime as dt

    dates = [r.get("date") for r in _records(events) if r.get("date")]
    return max(dates) if dates else dt.date.today().isoformat()


def _family_people(graph) -> set[str]:
    if graph is None:
        return set()
    people = set(graph.graph.get("household") or [])
    for child in graph.graph.get("index_children", []):
        people.add(child)
        people |= set(graph.predecessors(child)) | set(graph.successors(child))
    return {p for p in people if graph.nodes[p].get("kind") == "person"}


def _agency_links(rows: list[dict], rules: dict, lapsed_before: str) -> list[AgencyLink]:
    by_agency: dict[str, list[dict]] = {}
    for row in rows:
        if row.get("agency"):
            by_agency.setdefault(row["agency"], []).append(row)
    links = []
    for agency, items in sorted(by_agency.items()):
        dates = sorted(r["date"] for r in items if r.get("date"))
        reasons = sorted({_adverse_reason(r, rules) for r in items} - {None})
        last = dates[-1] if dates else None
        links.append(AgencyLink(agency, len(items), dates[0] if dates else None, last,
                                lapsed=not last or last < lapsed_before, adverse=bool(reasons),
                                adverse_reasons=reasons,
                                event_ids=sorted(r.get("event_id") or "" for r in items)))
    return links


def _adverse_reason(row: dict, rules: dict) -> str | None:
    if row.get("event_type") in rules["adverse_event_types"]:
        return row["event_type"]
    text = " ".join(str(row.get(k) or "") for k in ("summary", "outcome", "details")).lower()
    return next((w for w in rules["adverse_words"] if _has_word(text, w)), None)


def _has_word(text: str, word: str) -> bool:
    import re

    return re.search(r"\b" + re.escape(word) + r"\b", text) is not None


def _referrals(rows: list[dict], rules: dict, agencies: list[str]) -> list[tuple[str, str, int]]:
    counts: Counter = Counter()
    receivers = [a for a in agencies if any(w in a.lower() for w in rules["receiving_agency_words"])]
    for row in rows:
        if row.get("event_type") not in rules["referral_types"] or not row.get("agency"):
            continue
        pair = _referral_ends(row, rules, receivers, agencies)
        if pair and pair[0] != pair[1]:
            counts[pair] += 1
    return sorted((a, b, n) for (a, b), n in counts.items())


def _referral_ends(row, rules, receivers, agencies):
    details = row.get("details_map") or parse_details(row.get("details"))
    to = next((details[k] for k in rules["referral_to_keys"] if details.get(k)), None)
    frm = next((details[k] for k in rules["referral_from_keys"] if details.get(k)), None)
    here = row["agency"]
    is_receiver = here in receivers
    if not to and not frm:
        if is_receiver:
            return None
        to = receivers[0] if receivers else None
        frm = here
    to, frm = to or here, frm or here
    return (_match_agency(frm, agencies), _match_agency(to, agencies))


def _match_agency(name: str, agencies: list[str]) -> str:
    low = name.strip().lower()
    if low in {"family", "self", "parent", "self-referral", "self referral"}:
        return FAMILY
    for agency in agencies:
        if agency.lower() == low:
            return agency
    for agency in agencies:
        if low and (low in agency.lower() or agency.lower() in low):
            return agency
    return name.strip()


def _member_names(graph, persons, index_children) -> list[str]:
    if graph is not None:
        ids = graph.graph.get("household") or graph.graph.get("index_children") or []
        ids = [p for p in ids if graph.nodes[p].get("kind") != "pregnancy"]
        return [graph.nodes[p]["name"] for p in sorted(
            ids, key=lambda p: (graph.nodes[p].get("dob") or "9999", p))]
    names = []
    wanted = {str(x).lower() for x in index_children or ()}
    for row in _records(persons):
        pid = row.get("person_id") or row.get("record_key")
        name = " ".join(p for p in (row.get("given_name"), row.get("family_name")) if p)
        if pid and (pid.lower() in wanted or name.lower() in wanted):
            names.append(name or pid)
    return names


def _centre_name(graph, members: list[str]) -> str:
    if graph is not None:
        families = Counter(graph.nodes[p].get("family_name") for p in graph.graph.get("household", [])
                           if graph.nodes[p].get("family_name"))
        if families:
            return f"{families.most_common(1)[0][0]} family"
    return members[0] if len(members) == 1 else "Family"


# -- drawing ---------------------------------------------------------------------------

INK = "#1a1a1a"
STRESS = "#b3261e"
REFERRAL = "#1f5fa8"
RING = 6.2        # distance of agency circles from the centre
AGENCY_R = 1.35
CENTRE_R = 2.1


def draw_ecomap(ecomap: Ecomap, *, title: str = "", pseudonymise: bool = False):
    """A matplotlib ``Figure`` of the ecomap (with a key and its date)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11.0, 8.6))
    ax = fig.add_axes((0.02, 0.04, 0.7, 0.86))
    ax.set_xlim(-9.2, 9.2)
    ax.set_ylim(-9.0, 9.0)
    ax.set_aspect("equal")
    ax.set_axis_off()
    places = _places(ecomap)
    top = max((a.contacts for a in ecomap.agencies), default=1)
    for link in ecomap.agencies:
        _draw_link(ax, link, places[link.agency], top)
    _draw_referrals(ax, ecomap, places)
    _draw_centre(ax, ecomap, pseudonymise)
    for link in ecomap.agencies:
        _draw_agency(ax, link, places[link.agency])
    heading = f"Ecomap: {title}" if title else "Ecomap"
    fig.text(0.02, 0.975, heading, fontsize=13, weight="bold", va="top", color=INK)
    fig.text(0.02, 0.935, f"as at {ecomap.as_of}  \u00b7  contacts counted up to that date  "
             f"\u00b7  lapsed: no contact since {ecomap.lapsed_before}", fontsize=8.5,
             va="top", color="#444444")
    _draw_key(fig.add_axes((0.74, 0.08, 0.25, 0.8)), ecomap)
    return fig


def _places(ecomap: Ecomap) -> dict[str, tuple[float, float]]:
    """Agencies round the ring: the busiest referral receiver at the top, the agencies
    that refer to it beside it (short arrows), the rest further round."""
    n = max(len(ecomap.agencies), 1)
    received, sent = Counter(), Counter()
    for source, target, count in ecomap.referrals:
        received[target] += count
        sent[source] += count
    ranked = sorted(ecomap.agencies, key=lambda a: (-received[a.agency], -sent[a.agency], a.agency))
    slots = [0] + [k for j in range(1, n) for k in (j, n - j)]
    slots = list(dict.fromkeys(slots))[:n]
    places = {FAMILY: (0.0, 0.0)}
    for link, slot in zip(ranked, slots):
        angle = math.pi / 2 - 2 * math.pi * slot / n
        places[link.agency] = (RING * math.cos(angle), RING * math.sin(angle))
    return places


def line_width(contacts: int, most: int) -> float:
    """Line weight in points for a number of contacts (1 contact: thin; most: 6 pt)."""
    return 0.8 + 5.2 * math.log1p(contacts) / math.log1p(max(most, 1))


def _draw_link(ax, link: AgencyLink, place, most: int) -> None:
    x, y = place
    d = math.hypot(x, y)
    ux, uy = x / d, y / d
    start, end = (ux * CENTRE_R, uy * CENTRE_R), (x - ux * AGENCY_R, y - uy * AGENCY_R)
    width = line_width(link.contacts, most)
    style = (0, (7 / width, 5 / width)) if link.lapsed else "-"     # dashes scale with width
    ax.plot([start[0], end[0]], [start[1], end[1]], color=INK, linewidth=width,
            linestyle=style, solid_capstyle="butt", dash_capstyle="butt", zorder=1)
    if link.adverse:
        mx, my = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
        px, py = -uy, ux
        for k in (-0.45, 0.0, 0.45):
            cx, cy = mx + ux * k, my + uy * k
            ax.plot([cx - px * 0.45 - ux * 0.15, cx + px * 0.45 + ux * 0.15],
                    [cy - py * 0.45 - uy * 0.15, cy + py * 0.45 + uy * 0.15],
                    color=STRESS, linewidth=2.0, solid_capstyle="round", zorder=3)


def _draw_referrals(ax, ecomap: Ecomap, places: dict) -> None:
    from matplotlib.patches import FancyArrowPatch

    for source, target, count in ecomap.referrals:
        if source not in places or target not in places:
            continue
        a, b = places[source], places[target]
        rad = 0.25 if FAMILY not in (source, target) else 0.12
        arrow = FancyArrowPatch(a, b, connectionstyle=f"arc3,rad={rad}", arrowstyle="-|>",
                                mutation_scale=14, color=REFERRAL, linewidth=1.4, zorder=4,
                                shrinkA=_shrink(source), shrinkB=_shrink(target))
        ax.add_patch(arrow)
        mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
        dx, dy = b[0] - a[0], b[1] - a[1]
        ax.text(mx + dy * rad * 0.5, my - dx * rad * 0.5, f"{count} referral{'s' if count > 1 else ''}",
                fontsize=7, color=REFERRAL, ha="center", va="center", zorder=6,
                bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none"))


def _shrink(name: str) -> float:
    """Circle radius in points (the axes draws 18.4 units across 7.7 inches)."""
    return (CENTRE_R if name == FAMILY else AGENCY_R) * 7.7 / 18.4 * 72 + 2


def _draw_centre(ax, ecomap: Ecomap, pseudonymise: bool) -> None:
    from matplotlib.patches import Circle

    ax.add_patch(Circle((0, 0), CENTRE_R, facecolor="#f3f6f3", edgecolor=INK, linewidth=2.0, zorder=5))
    centre = "Family" if pseudonymise else ecomap.centre
    ax.text(0, 0.9, centre, ha="center", va="center", fontsize=10, weight="bold", zorder=6)
    members = [] if pseudonymise else ecomap.members[:6]
    extra = len(ecomap.members) - len(members) if not pseudonymise else 0
    text = "\n".join(members + ([f"+{extra} more"] if extra > 0 else []))
    ax.text(0, 0.45, text, ha="center", va="top", fontsize=7.5, zorder=6, linespacing=1.2)


def _draw_agency(ax, link: AgencyLink, place) -> None:
    import textwrap

    from matplotlib.patches import Circle

    x, y = place
    ax.add_patch(Circle((x, y), AGENCY_R, facecolor="white", edgecolor=INK, linewidth=1.3, zorder=5))
    name = "\n".join(textwrap.wrap(link.agency, 14)[:2])
    ax.text(x, y + 0.25, name, ha="center", va="center", fontsize=8.5, weight="bold", zorder=6)
    last = f"last {link.last}" if link.last else "no dated contact"
    ax.text(x, y - 0.55, f"{link.contacts} contact{'s' if link.contacts != 1 else ''}\n{last}",
            ha="center", va="center", fontsize=6.8, color="#333333", zorder=6)


def _draw_key(ax, ecomap: Ecomap) -> None:
    ax.set_axis_off()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 16)
    ax.text(0.2, 15.3, "Key", fontsize=10, weight="bold", va="center")
    rows = [("few contacts", dict(linewidth=1.0)), ("many contacts", dict(linewidth=5.5)),
            (f"lapsed: no contact since\n{ecomap.lapsed_before}", dict(linewidth=2, linestyle=(0, (5, 3))))]
    y = 14.0
    for label, style in rows:
        ax.plot([0.3, 2.6], [y, y], color=INK, solid_capstyle="butt", **style)
        ax.text(3.1, y, label, fontsize=8, va="center")
        y -= 1.4
    ax.plot([0.3, 2.6], [y, y], color=INK, linewidth=2)
    for k in (0.9, 1.45, 2.0):
        ax.plot([k - 0.12, k + 0.12], [y - 0.4, y + 0.4], color=STRESS, linewidth=2)
    ax.text(3.1, y, "adverse: police call-outs,\nenforcement, exclusion", fontsize=8, va="center")
    y -= 1.6
    ax.annotate("", xy=(2.6, y), xytext=(0.3, y), arrowprops=dict(arrowstyle="-|>", color=REFERRAL,
                                                                    linewidth=1.4))
    ax.text(3.1, y, "referral (from \u2192 to)", fontsize=8, va="center")
    y -= 1.8
    ax.text(0.2, y, f"Chart date: {ecomap.as_of}", fontsize=8, va="top")
    ax.text(0.2, y - 1.0, "Line weight: number of events\nrecorded by the agency.",
            fontsize=7.5, va="top", color="#444444")


def render_ecomap(ecomap: Ecomap, out, *, title: str = "", pseudonymise: bool = False) -> list[Path]:
    """Draw the ecomap and save it to ``out`` (a path or a list of .png/.svg/.pdf paths)."""
    from chronos.genogram.draw import save_figure

    paths = [out] if isinstance(out, (str, Path)) else list(out)
    fig = draw_ecomap(ecomap, title=title, pseudonymise=pseudonymise)
    return [save_figure(fig, p) for p in paths]
