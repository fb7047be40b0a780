"""Ecomaps after Hartman (1978): the household in the centre, the systems around it.

:func:`build_ecomap` reads the events up to ``as_of``. The household's members are drawn
inside the centre circle; each agency is a circle round it, with a line to each member
its events name (school to the children at school, the emergency department to the
baby), and each line says how that relationship is, from the events of the last 12
months: **strong** (regular contact that happened), **tenuous** (missed more than
attended, lapsed, or closed), **stressful** (police and enforcement), or ordinary. The
informal network (relatives outside the household, carers, friends: from the family
file and the relationships) gets circles too, its lines strong where support events name
the person. Arrows show referrals, from the referrer to the agency referred to. The
rules are data (``ecomap`` in ``chronos/data/genogram.yaml``); every line keeps the ids
of the events it was drawn from. :func:`draw_ecomap` draws it with matplotlib.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from chronos.genogram.graph import _event_rows, _key_map, _records, _shift, iso, parse_details
from chronos.genogram.labels import chart_date, display_name, kinship, month_year, short_agency
from chronos.genogram.settings import settings

FAMILY = "family"
STRONG, NORMAL, TENUOUS = "strong", "normal", "tenuous"


@dataclass
class Tie:
    """One line: a system and a household member (or the whole household: FAMILY)."""

    member: str
    strength: str                  # strong | normal | tenuous
    stressful: bool
    contacts: int
    attended: int = 0
    missed: int = 0
    last: str | None = None
    reasons: list[str] = field(default_factory=list)
    event_ids: list[str] = field(default_factory=list)


@dataclass
class System:
    """An agency, or someone in the informal network, and its lines to the household."""

    name: str
    kind: str                      # agency | informal
    contacts: int
    first: str | None
    last: str | None
    lapsed: bool
    ties: list[Tie] = field(default_factory=list)
    event_ids: list[str] = field(default_factory=list)
    detail: str = ""
    person: str | None = None

    @property
    def agency(self) -> str:
        return self.name

    @property
    def adverse(self) -> bool:
        """True when any line to the household is stressful."""
        return any(t.stressful for t in self.ties)

    @property
    def adverse_reasons(self) -> list[str]:
        return sorted({r for t in self.ties for r in t.reasons})


AgencyLink = System


@dataclass
class Member:
    """Someone in the centre circle."""

    pid: str
    name: str
    sex: str
    age: int | None
    is_index: bool
    deceased: bool


@dataclass
class Ecomap:
    """What an ecomap shows: the household, the agencies, the informal network, the
    referrals (``(from, to, count)``; FAMILY for the household) and the dates."""

    centre: str
    members: list[Member]
    agencies: list[System]
    referrals: list[tuple[str, str, int]]
    as_of: str
    lapsed_before: str
    network: list[System] = field(default_factory=list)
    referral_events: dict = field(default_factory=dict)

    @property
    def systems(self) -> list[System]:
        """Agencies and the informal network."""
        return self.agencies + self.network


def build_ecomap(events, persons=None, *, index_children=(), as_of=None, graph=None,
                 centre: str | None = None) -> Ecomap:
    """The ecomap of a case from its events (and persons, for names).

    With a genogram ``graph`` (from :func:`build_graph`) the centre is the index
    children's household (or the index children and their parents) and the informal
    network comes from the graph; otherwise the centre is the index children found in
    ``persons``. Events after ``as_of`` are left out.
    """
    rules = settings()["ecomap"]
    as_of = iso(as_of) or (graph.graph["as_of"] if graph is not None else None) or _latest(events)
    since = _shift(as_of, months=-int(rules["lapsed_after_months"]))
    rows = [r for r in _event_rows(events, _key_map(persons)) if not r.get("date") or r["date"] <= as_of]
    members = _members(graph, persons, index_children, as_of)
    ids = {m.pid for m in members}
    agencies = _agencies(rows, rules, since, ids)
    network = _network(graph, rows, rules, since, ids) if graph is not None else []
    referrals, evidence = _referrals(rows, rules, [a.name for a in agencies], since)
    return Ecomap(centre or _centre_name(graph, members), members, agencies, referrals, as_of,
                  since, network, evidence)


def _latest(events) -> str:
    import datetime as dt

    dates = [r.get("date") for r in _records(events) if r.get("date")]
    return max(dates) if dates else dt.date.today().isoformat()


# -- who is in the centre --------------------------------------------------------------

def _members(graph, persons, index_children, as_of: str) -> list[Member]:
    if graph is not None:
        ids = list(graph.graph.get("household") or [])
        if not ids:
            kids = graph.graph.get("index_children", [])
            ids = kids + [a for k in kids for a, _, d in graph.in_edges(k, data=True)
                          if d["kind"] == "parent"]
        ids = sorted({p for p in ids if graph.nodes[p].get("kind") == "person"},
                     key=lambda p: (graph.nodes[p].get("dob") or "9999", p))
        return [_member(p, graph.nodes[p]) for p in ids]
    from chronos.genogram.graph import age_on

    wanted = {str(x).lower() for x in index_children or ()}
    out = []
    for row in _records(persons):
        pid = row.get("person_id") or row.get("record_key")
        name = " ".join(p for p in (row.get("given_name"), row.get("family_name")) if p)
        if pid and (pid.lower() in wanted or name.lower() in wanted):
            out.append(Member(pid, name or pid, row.get("sex") or "U",
                              age_on(iso(row.get("dob")), as_of), True, False))
    return out


def _member(pid: str, data: dict) -> Member:
    return Member(pid, display_name(data), data.get("sex") or "U", data.get("age"),
                  bool(data.get("is_index")), bool(data.get("deceased")))


def _centre_name(graph, members: list[Member]) -> str:
    if graph is not None:
        families = Counter(graph.nodes[m.pid].get("family_name") for m in members
                           if graph.nodes[m.pid].get("family_name"))
        if families:
            return f"{families.most_common(1)[0][0]} household"
    return members[0].name if len(members) == 1 else "Household"


# -- agencies --------------------------------------------------------------------------

def _agencies(rows: list[dict], rules: dict, since: str, members: set[str]) -> list[System]:
    by_agency: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        named = set(row["people"]) & members
        if row.get("agency") and (named or not row["people"] or not members):
            by_agency[row["agency"]].append(row)
    systems = []
    for agency, items in sorted(by_agency.items()):
        dates = sorted(r["date"] for r in items if r.get("date"))
        ties = _ties(items, rules, since, members)
        systems.append(System(agency, "agency", len(items), dates[0] if dates else None,
                              dates[-1] if dates else None, not dates or dates[-1] < since,
                              ties, sorted(r.get("event_id") or "" for r in items)))
    return systems


def _ties(items: list[dict], rules: dict, since: str, members: set[str]) -> list[Tie]:
    by_member: dict[str, list[dict]] = defaultdict(list)
    for row in items:
        named = sorted(set(row["people"]) & members) or [FAMILY]
        for member in named:
            by_member[member].append(row)
    return [tie_from_events(member, rows, rules, since) for member, rows in sorted(by_member.items())]


def tie_from_events(member: str, rows: list[dict], rules: dict, since: str) -> Tie:
    """How one system's relationship with one person stands, from its events (see the
    rules in the ``ecomap`` settings)."""
    recent = [r for r in rows if (r.get("date") or "") >= since]
    attended = sum(_attended(r, rules) for r in recent)
    missed = sum(_missed(r, rules) for r in recent)
    reasons = sorted({_adverse_reason(r, rules) for r in recent} - {None})
    dated = sorted((r for r in rows if r.get("date")), key=lambda r: (r["date"], r.get("event_id") or ""))
    ended = bool(dated) and dated[-1].get("event_type") in rules["ended_types"]
    if not recent or ended or (missed and missed >= attended):
        strength = TENUOUS
    elif attended >= int(rules["strong_min_attended"]) and missed * 4 <= attended:
        strength = STRONG
    else:
        strength = NORMAL
    return Tie(member, strength, bool(reasons), len(rows), attended, missed,
               dated[-1]["date"] if dated else None, reasons,
               sorted(r.get("event_id") or "" for r in rows))


def _attended(row: dict, rules: dict) -> bool:
    if row.get("event_type") in rules["attendance_types"]:
        value = _number(row.get("value"))
        return value is not None and value >= float(rules["regular_attendance_percent"])
    return row.get("event_type") in rules["attended_types"]


def _missed(row: dict, rules: dict) -> bool:
    if row.get("event_type") in rules["attendance_types"]:
        value = _number(row.get("value"))
        return value is not None and value < float(rules["regular_attendance_percent"])
    return row.get("event_type") in rules["missed_types"]


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else number


def _adverse_reason(row: dict, rules: dict) -> str | None:
    if row.get("event_type") in rules["adverse_event_types"]:
        return row["event_type"]
    text = " ".join(str(row.get(k) or "") for k in ("summary", "outcome", "details")).lower()
    return next((w for w in rules["adverse_words"] if _has_word(text, w)), None)


def _has_word(text: str, word: str) -> bool:
    return re.search(r"\b" + re.escape(word) + r"\b", text) is not None


# -- the informal network ----------------------------------------------------------------

def _network(graph, rows: list[dict], rules: dict, since: str, members: set[str]) -> list[System]:
    """Relatives of household members who live elsewhere, and people with a network
    role, each with lines to the members they are related to or support."""
    people = {}
    for pid, data in graph.nodes(data=True):
        if pid in members or data.get("kind") != "person" or data.get("deceased"):
            continue
        related = _related_members(graph, pid, members)
        role = (data.get("role") or "").lower()
        if related or role in rules["network_roles"]:
            people[pid] = related
    index = graph.graph.get("index_children", [])
    systems = []
    for pid, related in sorted(people.items()):
        data = graph.nodes[pid]
        support = [r for r in rows if r.get("event_type") in rules["support_types"]
                   and _names(data, r)]
        ties = _network_ties(graph, pid, related, support, members, since)
        if not ties:
            continue
        detail = ", ".join(t for t in (kinship(graph, pid, index), (data.get("role") or "").lower())
                           if t and t not in ("adult", "parent", "child"))
        dates = sorted(r["date"] for r in support if r.get("date"))
        systems.append(System(display_name(data), "informal", len(support),
                              dates[0] if dates else None, dates[-1] if dates else None, False,
                              ties, sorted(r.get("event_id") or "" for r in support), detail, pid))
    return systems


def _related_members(graph, pid: str, members: set[str]) -> list[str]:
    found = set()
    for a, b, d in list(graph.out_edges(pid, data=True)) + list(graph.in_edges(pid, data=True)):
        other = b if a == pid else a
        if other in members and d["kind"] in ("parent", "partner", "sibling", "emotional"):
            found.add(other)
    return sorted(found)


def _names(person: dict, row: dict) -> bool:
    """True when an event's text names the person (given and family name)."""
    given, family = person.get("given_name"), person.get("family_name")
    if not given or not family:
        return False
    text = f"{row.get('summary') or ''} {row.get('outcome') or ''} {row.get('details') or ''}".lower()
    return _has_word(text, str(given).lower()) and _has_word(text, str(family).lower())


def _network_ties(graph, pid, related, support, members, since) -> list[Tie]:
    ties = {}
    for row in support:
        for member in sorted(set(row["people"]) & members):
            ties.setdefault(member, []).append(row)
    out = []
    for member in sorted(set(ties) | set(related)):
        rows = ties.get(member, [])
        recent = [r for r in rows if (r.get("date") or "") >= since]
        edges = _emotional(graph, pid, member)
        stressful = any(e in ("violence", "abuse", "conflict", "hostile") for e in edges)
        strength = STRONG if rows or "close" in edges or "very close" in edges else \
            TENUOUS if "cut-off" in edges or "distant" in edges else NORMAL
        reasons = sorted(e for e in edges if e in ("violence", "abuse", "conflict", "hostile"))
        ids = sorted(r.get("event_id") or "" for r in rows) + _emotional_evidence(graph, pid, member)
        out.append(Tie(member, strength, stressful, len(rows), len(recent), 0,
                       max((r.get("date") or "" for r in rows), default=None) or None, reasons, ids))
    return out


def _emotional(graph, a: str, b: str) -> list[str]:
    found = []
    for x, y in ((a, b), (b, a)):
        for d in (graph.get_edge_data(x, y) or {}).values():
            if d["kind"] == "emotional":
                found.append(d["subtype"])
    return sorted(found)


def _emotional_evidence(graph, a: str, b: str) -> list[str]:
    ids = []
    for x, y in ((a, b), (b, a)):
        for d in (graph.get_edge_data(x, y) or {}).values():
            if d["kind"] == "emotional":
                ids += list(d.get("event_ids") or [])
    return sorted(ids)


# -- referrals ---------------------------------------------------------------------------

def _referrals(rows: list[dict], rules: dict, agencies: list[str], since: str):
    """``[(from, to, count)]`` and the events behind each: referral events read from
    their details, or from the referrer named in their text; other agencies' events that
    say a referral was made. One referral per referrer, receiver and date."""
    seen: dict[tuple, set] = defaultdict(set)
    evidence: dict[tuple, list] = defaultdict(list)
    receivers = [a for a in agencies if any(w in a.lower() for w in rules["receiving_agency_words"])]
    for row in rows:
        pair = _referral_ends(row, rules, receivers, agencies)
        if pair and pair[0] != pair[1]:
            seen[pair].add(row.get("date") or row.get("event_id"))
            evidence[pair].append(row.get("event_id") or "")
    referrals = sorted((a, b, len(dates)) for (a, b), dates in seen.items())
    return referrals, {pair: sorted(ids) for pair, ids in evidence.items()}


def _referral_ends(row, rules, receivers, agencies):
    if not row.get("agency"):
        return None
    details = row.get("details_map") or parse_details(row.get("details"))
    here = row["agency"]
    if row.get("event_type") not in rules["referral_types"]:
        text = f"{row.get('summary') or ''} {row.get('outcome') or ''}".lower()
        if here in receivers or not receivers or \
                not any(_has_word(text, w) for w in rules["referral_made_words"]):
            return None
        return (here, receivers[0])
    to = next((details[k] for k in rules["referral_to_keys"] if details.get(k)), None)
    frm = next((details[k] for k in rules["referral_from_keys"] if details.get(k)), None)
    if not to and not frm:
        if here not in receivers:
            return (here, receivers[0]) if receivers else None
        frm = _named_agency(row, agencies, here)
        if frm is None:
            return None
    to, frm = to or here, frm or here
    return (_match_agency(frm, agencies), _match_agency(to, agencies))


def _named_agency(row: dict, agencies: list[str], here: str) -> str | None:
    """The agency a receiver's referral record names as the referrer ('School concern',
    'Police DA notification')."""
    text = f"{row.get('summary') or ''} {row.get('outcome') or ''}".lower()
    for agency in agencies:
        if agency == here:
            continue
        words = {agency.lower(), short_agency(agency).lower(), agency.lower().split(" (")[0]}
        if any(w and _has_word(text, w) for w in words):
            return agency
    if _has_word(text, "self") or _has_word(text, "mother") or _has_word(text, "parent"):
        return FAMILY
    return None


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


# -- drawing ---------------------------------------------------------------------------

INK = "#1a1a1a"
STRESS = "#b3261e"
REFERRAL = "#1f5fa8"
NETWORK = "#eef6ee"
RING = 7.0        # distance of system circles from the centre
SYSTEM_R = 1.45
WIDTHS = {STRONG: 3.6, NORMAL: 1.3, TENUOUS: 1.3}


def draw_ecomap(ecomap: Ecomap, *, title: str = "", pseudonymise: bool = False, names=None):
    """A matplotlib ``Figure`` of the ecomap (with a key of what is drawn, and its date).
    ``names`` (person id -> name) replaces names when pseudonymised."""
    from matplotlib.figure import Figure

    from chronos.genogram.labels import pseudonyms_by_age

    if pseudonymise and not names:
        names = pseudonyms_by_age([(m.pid, m.age) for m in ecomap.members]
                                  + [(s.person, None) for s in ecomap.network if s.person])
    names = names or {}
    fig = Figure(figsize=(12.0, 9.6))
    ax = fig.add_axes((0.01, 0.03, 0.72, 0.87))
    ax.set_xlim(-10.5, 10.5)
    ax.set_ylim(-10.1, 10.1)
    ax.set_aspect("equal")
    ax.set_axis_off()
    seats, radius, places = arrange(ecomap)
    for system in ecomap.systems:
        for tie in drawn_ties(system, ecomap.members):
            _draw_tie(ax, places[system.name], seats.get(tie.member), tie, radius)
    _draw_referrals(ax, ecomap, places, radius)
    _draw_centre(ax, ecomap, seats, radius, names if pseudonymise else {}, pseudonymise)
    for system in ecomap.systems:
        _draw_system(ax, system, places[system.name], names if pseudonymise else {}, pseudonymise)
    heading = f"Ecomap: {title}" if title else "Ecomap"
    fig.text(0.02, 0.975, heading, fontsize=13, weight="bold", va="top", color=INK)
    fig.text(0.02, 0.94, f"as at {chart_date(ecomap.as_of)}  \u00b7  how each relationship stands, "
             f"from the events since {chart_date(ecomap.lapsed_before)}", fontsize=8.5,
             va="top", color="#444444")
    _draw_key(fig.add_axes((0.75, 0.06, 0.24, 0.84)), ecomap)
    return fig


def member_seats(members: list[Member], wanted: dict | None = None
                 ) -> tuple[dict[str, tuple[float, float]], float]:
    """Where each household member sits in the centre circle, on a ring inside it:
    adults over the top, children under the bottom (oldest first from the left, or in
    the order of the ``wanted`` angles); and the circle's radius. Lines from outside
    then reach each member from its own side."""
    adults = [m for m in members if m.age is None or m.age >= 18]
    children = [m for m in members if m not in adults]
    if wanted:
        adults.sort(key=lambda m: -_top(wanted.get(m.pid, math.pi / 2)))
        children.sort(key=lambda m: _bottom(wanted.get(m.pid, -math.pi / 2)))
    radius = max(2.7, 1.0 + 0.55 * len(members))
    inner = radius * 0.58
    seats = {}
    for group, (lo, hi) in ((adults, (160, 20)), (children, (200, 340))):
        if not adults or not children:
            lo, hi = (150, -150) if len(group) > 1 else (90, 90)
        for k, member in enumerate(group):
            t = 0.5 if len(group) == 1 else k / (len(group) - 1)
            angle = math.radians(lo + (hi - lo) * t)
            seats[member.pid] = (inner * math.cos(angle), inner * math.sin(angle))
    seats[FAMILY] = (0.0, 0.0)
    return seats, radius


def _top(angle: float) -> float:
    """An angle read over the top arc (0 right .. pi left; below the middle: nearest end)."""
    a = angle % (2 * math.pi)
    return a if a <= math.pi else (0.0 if a > 1.5 * math.pi else math.pi)


def _bottom(angle: float) -> float:
    """An angle read along the bottom arc (pi left .. 2 pi right)."""
    a = angle % (2 * math.pi)
    return a if a >= math.pi else (2 * math.pi if a < 0.5 * math.pi else math.pi)


def arrange(ecomap: Ecomap):
    """Seats, circle radius and system places: systems near the members they deal with,
    then members turned to face their systems, then systems placed again."""
    seats, radius = member_seats(ecomap.members)
    places = system_places(ecomap, seats)
    wanted = {}
    for member in ecomap.members:
        angles = [math.atan2(places[s.name][1], places[s.name][0]) for s in ecomap.systems
                  for t in drawn_ties(s, ecomap.members) if t.member == member.pid]
        if angles:
            wanted[member.pid] = math.atan2(sum(math.sin(a) for a in angles),
                                            sum(math.cos(a) for a in angles))
    seats, radius = member_seats(ecomap.members, wanted)
    return seats, radius, system_places(ecomap, seats)


def whole_household(system: System, members: list[Member]) -> Tie | None:
    """One line to the household circle instead of one to each member, when the system
    deals with every member and every line would be the same."""
    ties = [t for t in system.ties if t.member != FAMILY]
    if len(members) < 2 or {t.member for t in ties} != {m.pid for m in members}:
        return None
    if len({(t.strength, t.stressful) for t in ties}) != 1:
        return None
    first = ties[0]
    return Tie(FAMILY, first.strength, first.stressful, sum(t.contacts for t in ties),
               sum(t.attended for t in ties), sum(t.missed for t in ties),
               max((t.last or "" for t in ties), default="") or None,
               sorted({r for t in ties for r in t.reasons}),
               sorted({e for t in ties for e in t.event_ids}))


def drawn_ties(system: System, members: list[Member]) -> list[Tie]:
    """The lines drawn for a system: one to the household, or one to each member."""
    whole = whole_household(system, members)
    return [whole] if whole else system.ties


def system_places(ecomap: Ecomap, seats: dict) -> dict[str, tuple[float, float]]:
    """Systems round the ring, each as near as it can be to the members it deals with,
    in that order round the circle (so that lines do not cross)."""
    systems = ecomap.systems
    n = max(len(systems), 1)
    wanted = []
    for system in systems:
        pts = [seats.get(t.member, (0.0, 0.0)) for t in drawn_ties(system, ecomap.members)
               if t.member != FAMILY] or [(0.0, 0.0)]
        x, y = sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)
        angle = math.atan2(y, x) if abs(x) + abs(y) > 1e-6 else math.pi / 2
        wanted.append((angle, system.kind, system.name))
    order = sorted(range(len(systems)), key=lambda k: (wanted[k][0], wanted[k][1], wanted[k][2]))
    best, places = None, {}
    for step in range(72):
        shift = 2 * math.pi * step / 72
        cost = sum(_angle_gap(shift + 2 * math.pi * j / n, wanted[k][0]) for j, k in enumerate(order))
        if best is None or cost < best - 1e-9:
            best, chosen = cost, shift
    for j, k in enumerate(order):
        angle = chosen + 2 * math.pi * j / n
        places[systems[k].name] = (RING * math.cos(angle), RING * math.sin(angle))
    places[FAMILY] = (0.0, 0.0)
    return places


def _angle_gap(a: float, b: float) -> float:
    d = (a - b) % (2 * math.pi)
    return min(d, 2 * math.pi - d)


def tie_path(place, seat, radius: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """Where a line from a system circle to a member (or the household circle) runs."""
    x, y = place
    tx, ty = seat if seat is not None else (0.0, 0.0)
    d = math.hypot(x - tx, y - ty) or 1.0
    ux, uy = (tx - x) / d, (ty - y) / d
    start = (x + ux * SYSTEM_R, y + uy * SYSTEM_R)
    if seat is None or seat == (0.0, 0.0):
        return start, (tx - ux * radius, ty - uy * radius)
    return start, (tx - ux * 0.42, ty - uy * 0.42)


def _draw_tie(ax, place, seat, tie: Tie, radius: float) -> None:
    (x0, y0), (x1, y1) = tie_path(place, seat, radius)
    width = WIDTHS[tie.strength]
    style = (0, (5, 3)) if tie.strength == TENUOUS else "-"
    ax.plot([x0, x1], [y0, y1], color=INK, linewidth=width, linestyle=style,
            solid_capstyle="butt", dash_capstyle="butt", zorder=2)
    if tie.stressful:
        for (ax0, ay0), (ax1, ay1) in stress_marks((x0, y0), (x1, y1)):
            ax.plot([ax0, ax1], [ay0, ay1], color=STRESS, linewidth=1.8, solid_capstyle="round",
                    zorder=3)


def stress_marks(start, end) -> list:
    """Three short strokes across the middle of a line (Hartman's stressful line)."""
    (x0, y0), (x1, y1) = start, end
    d = math.hypot(x1 - x0, y1 - y0) or 1.0
    ux, uy = (x1 - x0) / d, (y1 - y0) / d
    mx, my = x0 + (x1 - x0) * 0.45, y0 + (y1 - y0) * 0.45
    marks = []
    for k in (-0.35, 0.0, 0.35):
        cx, cy = mx + ux * k, my + uy * k
        marks.append(((cx - uy * 0.3 - ux * 0.1, cy + ux * 0.3 - uy * 0.1),
                      (cx + uy * 0.3 + ux * 0.1, cy - ux * 0.3 + uy * 0.1)))
    return marks


def _draw_referrals(ax, ecomap: Ecomap, places: dict, radius: float) -> None:
    from matplotlib.patches import FancyArrowPatch

    for k, (source, target, count) in enumerate(ecomap.referrals):
        if source not in places or target not in places:
            continue
        points, label_at = referral_path(places[source], places[target], radius, k)
        ax.plot([p[0] for p in points[:-1]], [p[1] for p in points[:-1]], color=REFERRAL,
                linewidth=1.5, zorder=4, solid_capstyle="butt")
        ax.add_patch(FancyArrowPatch(points[-2], points[-1], arrowstyle="-|>", mutation_scale=15,
                                     color=REFERRAL, linewidth=1.5, zorder=4, shrinkA=0, shrinkB=0))
        ax.text(*label_at, f"{count} referral{'s' if count > 1 else ''}", fontsize=7,
                color=REFERRAL, ha="center", va="center", zorder=6,
                bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none"))


def referral_path(a, b, radius: float, lane: int = 0):
    """Points of a referral arrow from system ``a`` to system ``b`` (round the outside of
    the ring, so that it crosses no circle), and where its words go. From or to the
    household (the centre): straight."""
    if a == (0.0, 0.0) or b == (0.0, 0.0):
        (x0, y0), (x1, y1) = a, b
        d = math.hypot(x1 - x0, y1 - y0) or 1.0
        ux, uy = (x1 - x0) / d, (y1 - y0) / d
        ra = radius if a == (0.0, 0.0) else SYSTEM_R
        rb = radius if b == (0.0, 0.0) else SYSTEM_R
        start, end = (x0 + ux * ra, y0 + uy * ra), (x1 - ux * rb, y1 - uy * rb)
        return [start, end], ((start[0] + end[0]) / 2 - uy * 0.4, (start[1] + end[1]) / 2 + ux * 0.4)
    ta, tb = math.atan2(a[1], a[0]), math.atan2(b[1], b[0])
    turn = (tb - ta + math.pi) % (2 * math.pi) - math.pi
    tb -= math.copysign(0.07 * (lane % 3), turn)
    turn = (tb - ta + math.pi) % (2 * math.pi) - math.pi
    out = RING + SYSTEM_R + 0.45 + 0.3 * (lane % 3)
    edge = RING + SYSTEM_R
    steps = max(4, int(abs(turn) / 0.06))
    arc = [(out * math.cos(ta + turn * k / steps), out * math.sin(ta + turn * k / steps))
           for k in range(steps + 1)]
    points = [(edge * math.cos(ta), edge * math.sin(ta))] + arc + [(edge * math.cos(tb), edge * math.sin(tb))]
    mid = ta + turn / 2
    return points, ((out + 0.4) * math.cos(mid), (out + 0.4) * math.sin(mid))


def _draw_centre(ax, ecomap: Ecomap, seats: dict, radius: float, names: dict,
                 pseudonymise: bool) -> None:
    from matplotlib.patches import Circle, Polygon

    ax.add_patch(Circle((0, 0), radius, facecolor="#f6f7f6", edgecolor=INK, linewidth=2.0, zorder=1))
    centre = "Household" if pseudonymise else ecomap.centre
    ax.text(0, -radius - 0.25, centre, ha="center", va="top", fontsize=9, weight="bold", zorder=6,
            color="#555555", bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none"))
    for member in ecomap.members:
        x, y = seats[member.pid]
        for size in (0.5, 0.66) if member.is_index else (0.5,):
            if member.sex == "F":
                patch = Circle((x, y), size / 2)
            elif member.sex == "M":
                patch = Polygon([(x - size / 2, y - size / 2), (x + size / 2, y - size / 2),
                                 (x + size / 2, y + size / 2), (x - size / 2, y + size / 2)])
            else:
                patch = Polygon([(x, y - size * 0.55), (x + size * 0.55, y), (x, y + size * 0.55),
                                 (x - size * 0.55, y)])
            patch.set(facecolor="white" if size == 0.5 else "none", edgecolor=INK,
                      linewidth=1.2, zorder=5)
            ax.add_patch(patch)
        name = names.get(member.pid, member.name)
        words = _short_name(name) + (f"\n{_age(member.age)}" if member.age is not None else "")
        d = math.hypot(x, y) or 1.0
        tx, ty = x - x / d * 0.95, y - y / d * 0.95
        ax.text(tx, ty, words, ha="center", va="center", fontsize=6.5, zorder=6, linespacing=1.1,
                bbox=dict(boxstyle="round,pad=0.1", facecolor="#f6f7f6", edgecolor="none"))


def _short_name(name: str) -> str:
    parts = name.split()
    return parts[0] if len(parts) > 1 and len(name) > 11 else name


def _age(age: int) -> str:
    return f"age {age}"


def _draw_system(ax, system: System, place, names: dict, pseudonymise: bool) -> None:
    import textwrap

    from matplotlib.patches import Circle

    x, y = place
    informal = system.kind == "informal"
    ax.add_patch(Circle((x, y), SYSTEM_R, facecolor=NETWORK if informal else "white",
                        edgecolor=INK, linewidth=1.3, zorder=5))
    name = names.get(system.person, system.name) if informal else system.name
    title = "\n".join(textwrap.wrap(name, 14)[:2])
    ax.text(x, y + 0.35, title, ha="center", va="center", fontsize=8.5, weight="bold", zorder=6)
    if informal:
        below = "\n".join(textwrap.wrap(system.detail, 18)[:2])
    else:
        last = f"last {month_year(system.last)}" if system.last else "no dated contact"
        below = f"{system.contacts} contact{'s' if system.contacts != 1 else ''}\n{last}"
    ax.text(x, y - 0.55, below, ha="center", va="center", fontsize=6.8, color="#333333", zorder=6)


def ecomap_key_entries(ecomap: Ecomap) -> list[tuple[str, str]]:
    """``(label, kind)`` for each kind of line and circle the ecomap draws."""
    ties = [t for s in ecomap.systems for t in s.ties]
    entries = []
    for strength, label in ((STRONG, "strong: regular contact"), (NORMAL, "ordinary"),
                            (TENUOUS, "tenuous: missed, lapsed or closed")):
        if any(t.strength == strength for t in ties):
            entries.append((label, strength))
    if any(t.stressful for t in ties):
        entries.append(("stressful: police, enforcement,\nviolence", "stressful"))
    if ecomap.referrals:
        entries.append(("referral (from \u2192 to)", "referral"))
    if ecomap.agencies:
        entries.append(("agency", "agency"))
    if ecomap.network:
        entries.append(("family and friends\noutside the household", "informal"))
    return entries


def _draw_key(ax, ecomap: Ecomap) -> None:
    from matplotlib.patches import Circle

    ax.set_axis_off()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 17)
    ax.text(0.2, 16.3, "Key", fontsize=10, weight="bold", va="center")
    y = 15.0
    for label, kind in ecomap_key_entries(ecomap):
        if kind in WIDTHS:
            style = (0, (5, 3)) if kind == TENUOUS else "-"
            ax.plot([0.3, 2.6], [y, y], color=INK, linewidth=WIDTHS[kind], linestyle=style,
                    solid_capstyle="butt")
        elif kind == "stressful":
            ax.plot([0.3, 2.6], [y, y], color=INK, linewidth=1.3)
            for k in (0.9, 1.45, 2.0):
                ax.plot([k - 0.12, k + 0.12], [y - 0.4, y + 0.4], color=STRESS, linewidth=1.8)
        elif kind == "referral":
            ax.annotate("", xy=(2.6, y), xytext=(0.3, y),
                        arrowprops=dict(arrowstyle="-|>", color=REFERRAL, linewidth=1.5))
        else:
            ax.add_patch(Circle((1.45, y), 0.55, facecolor=NETWORK if kind == "informal" else "white",
                                edgecolor=INK, linewidth=1.1))
        ax.text(3.1, y, label, fontsize=8, va="center")
        y -= 1.45
    ax.text(0.2, y - 0.2, f"Chart date: {chart_date(ecomap.as_of)}", fontsize=8, va="top")
    ax.text(0.2, y - 1.2, "Lines go to the people each\nagency's records name; strength\n"
            f"from the 12 months to the chart\ndate (docs/genogram.md).", fontsize=7.5,
            va="top", color="#444444")


def render_ecomap(ecomap: Ecomap, out, *, title: str = "", pseudonymise: bool = False,
                  names=None) -> list[Path]:
    """Draw the ecomap and save it to ``out`` (a path or a list of .png/.svg/.pdf paths)."""
    from chronos.genogram.draw import save_figure

    paths = [out] if isinstance(out, (str, Path)) else list(out)
    fig = draw_ecomap(ecomap, title=title, pseudonymise=pseudonymise, names=names)
    return [save_figure(fig, p) for p in paths]

