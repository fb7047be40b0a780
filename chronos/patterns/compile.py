"""Compile rules to SQL.

Every rule compiles to one ``SELECT`` over a few prepared tables (built by
:func:`prepare_sql`): ``ev`` (one row per event and person named on it), ``people``,
``subj`` (which child an event counts for: the child's own events, ``via='self'``, and
events of adults in the child's household, ``via='household'``), ``hh`` (household
members of each child) and ``sibs`` (older/younger sibling pairs).

``rsev`` holds the ``sev`` rows of the event types the rules select (see
:func:`prepare_sql`); the windowed rules read it.

A compiled rule returns *evidence rows*: ``person_id`` (the child), ``grp`` (which finding
of that child the row belongs to), ``w_start``/``w_end`` (the finding's window when it is
not simply its first and last evidence date), ``event_id``, ``d`` (event date), ``agency``,
``event_type`` and ``info`` (``key=value;...`` facts for the explanation). The rule and
prepared-table SQL is written once, in the common subset of DuckDB and Spark SQL as DuckDB
spells it (window frames over integer day or month keys, CASE, joins, LAG,
regexp_extract, TRY_CAST); :func:`compile_rule` and :func:`to_dialect` give it in another
dialect (:meth:`chronos.sql.Dialect.translate`). :func:`findings_sql` aggregates the
evidence rows with the dialect's own constructs (:mod:`chronos.sql`).

Date keys. ``dn`` is days since 1970-01-01. ``mk`` is ``(year*12 + month-1)*32 + day``:
adding ``n*32`` to it is exactly "plus n calendar months" with end-of-month clamping,
so ``RANGE ... n*32 FOLLOWING`` frames give calendar-month windows.
"""

from __future__ import annotations

import datetime as dt

from chronos.ages import age_bands
from chronos.patterns.rules import Rule, Selector, Window, measure_keys, parse_window
from chronos.sql import Dialect, date_literal, literal
from chronos.sql import dialect as sql_dialect

UNLIMITED = 10**9
_EPOCH = dt.date(1970, 1, 1)
PRECISION_ALLOWED = {"day": ("day",), "month": ("day", "month"), "year": ("day", "month", "year")}
AGE = ("((year(e.d) * 12 + month(e.d)) - (year(s.dob) * 12 + month(s.dob))"
       " - CASE WHEN day(e.d) < day(s.dob) THEN 1 ELSE 0 END)")
AGE_AT_ASOF = ("((year({asof}) * 12 + month({asof})) - (year(s.dob) * 12 + month(s.dob))"
               " - CASE WHEN day({asof}) < day(s.dob) THEN 1 ELSE 0 END)")
#: events that assess the people they name. A home visit is not one: an adult "present;
#: not spoken to" at a visit is exactly the unassessed man the Panel's review describes.
DEFAULT_ASSESSMENTS = ("assessment", "gcp2_assessment", "s47_enquiry", "initial_conference",
                       "review_conference")
DEFAULT_MEMBER_KINDS = ("household", "partner_of_parent")
#: details keys in which a source records who was seen or assessed
DEFAULT_SEEN_KEYS = ("persons_assessed", "persons_seen", "seen", "assessed")


#: a SQL string literal; a SQL DATE literal (:mod:`chronos.sql`)
q, date_lit = literal, date_literal


def key_of(window: Window) -> str:
    """The date key column a window is measured in: ``dn`` (days) or ``mk`` (months)."""
    return "mk" if window.unit == "month" else "dn"


def offset_of(window: Window) -> int:
    """The window length in its key's units."""
    if window.n is None:
        return UNLIMITED
    return window.n * 32 if window.unit == "month" else window.n


def asof_key(as_of: str, window: Window) -> int:
    """The as-of date in the key units of ``window``."""
    day = dt.date.fromisoformat(as_of)
    if window.unit == "month":
        return (day.year * 12 + day.month - 1) * 32 + day.day
    return (day - _EPOCH).days


# --------------------------------------------------------------------------- prepare

def prepare_sql(as_of: str, *, text: bool = True, rules: list[Rule] | None = None) -> list[str]:
    """DuckDB statements that build the prepared tables from ``events_in``, ``persons_in``
    and ``relationships_in``. ``text=False`` leaves outcome out of ``ev`` and outcome and
    summary out of ``rsev`` (only ``outcome_contains`` selectors need them).

    ``ev`` holds every event once per person named on it (the events are read once),
    with the columns the structural rules, the approximate dates and the harm index read,
    and the few the windowed rules add as they are stored; ``sev`` is a view over it
    (every child's events). The windowed rules read ``rsev``: each child's events of the
    types ``rules`` select (all of them when ``rules`` is None or a selector names no
    event type) with every column they read, made from ``ev`` and sorted by event type
    so that each rule's filter skips the other types' row groups. Events of types no
    rule selects (routine appointments, most of a population's records) are never joined
    to households."""
    asof = date_lit(as_of)
    return [_DUP_IDS, _ev_sql(text), _APPROX_IDS, _PEOPLE, _REL, _PAR, _hh_sql(asof), _SUBJ,
            _sev_sql(text), _rsev_sql(text, selected_types(rules)), _SIBS]


def selected_types(rules: list[Rule] | None) -> tuple[str, ...] | None:
    """The event types the windowed rules of ``rules`` select, sorted; None for all (no
    rules given, or a selector that names no event type)."""
    if rules is None:
        return None
    types: set[str] = set()
    for rule in rules:
        if rule.type == "structural":
            continue
        for sel in rule.selectors.values():
            if not sel.event_types:
                return None
            types.update(sel.event_types)
    return tuple(sorted(types))


_DUP_IDS = """CREATE OR REPLACE TEMP TABLE dup_ids AS
SELECT DISTINCT TRIM(x) AS event_id FROM (
  SELECT UNNEST(string_split(corroborated_by, ';')) AS x FROM events_in
  WHERE corroborated_by IS NOT NULL AND TRIM(corroborated_by) <> '') t
WHERE TRIM(x) <> ''"""

# ``ym``/``dd`` (months since year 0, day of month) make ages in months integer arithmetic
_EV_APPROX = """(CASE WHEN d IS NULL THEN TRUE ELSE COALESCE(lower(date_precision), 'day') <> 'day'
    OR COALESCE(CAST(date_uncertain AS BOOLEAN), FALSE) END) AS approx"""
#: ``ev``: what the structural rules, the finding's approximate dates and the harm index
#: read, and as they are stored the few columns ``rsev`` adds for the windowed rules
_EV_COLUMNS = """event_id, TRIM(pid) AS person_id, d, year(d) * 12 + month(d) AS ym, day(d) AS dd,
  agency, event_type, details, {outcome} summary, """ + _EV_APPROX + """,
  date_precision, end_date, categories, value"""
#: the selected events (``rsev``): what the windowed rules read, from ``ev``
_TYPED_COLUMNS = """event_id, person_id, d, date_diff('day', DATE '1970-01-01', d) AS dn,
  (ym - 1) * 32 + dd AS mk, ym, dd,
  CASE WHEN d IS NULL THEN 'unknown' ELSE COALESCE(lower(date_precision), 'day') END AS prec,
  TRY_CAST(end_date AS DATE) AS end_d, agency, event_type, categories, value, details, {outcome}
  summary"""


def _ev_select(columns: str) -> str:
    """One row per event and person named on it (``columns`` of them). Most events name
    one person: those skip splitting ``person_ids`` (the rest are split and unnested)."""
    keep = ("e.event_id IS NOT NULL AND e.person_ids IS NOT NULL "
            "AND e.event_id NOT IN (SELECT event_id FROM dup_ids)")
    return f"""SELECT {columns}
FROM (SELECT e.*, TRY_CAST(e.date AS DATE) AS d, e.person_ids AS pid FROM events_in e
  WHERE {keep} AND strpos(e.person_ids, ';') = 0) t
WHERE TRIM(pid) <> ''
UNION ALL
SELECT {columns}
FROM (SELECT e.*, TRY_CAST(e.date AS DATE) AS d, UNNEST(string_split(e.person_ids, ';')) AS pid
  FROM events_in e WHERE {keep} AND strpos(e.person_ids, ';') > 0) t
WHERE TRIM(pid) <> ''"""


def _ev_sql(text: bool) -> str:
    """``ev``: every event once per person named on it, with the columns the structural
    rules, the approximate dates and the harm index read, and those ``rsev`` adds as they
    are stored (the events are read once, for both)."""
    return ("CREATE OR REPLACE TEMP TABLE ev AS\n"
            + _ev_select(_EV_COLUMNS.format(outcome="outcome," if text else "")))


_APPROX_IDS = """CREATE OR REPLACE TEMP TABLE approx_ids AS
SELECT DISTINCT event_id FROM ev WHERE approx"""

_PEOPLE = """CREATE OR REPLACE TEMP TABLE people AS
SELECT person_id, MAX(TRY_CAST(dob AS DATE)) AS dob, MAX(lower(TRIM(role))) AS role,
  MAX(upper(TRIM(sex))) AS sex,
  MAX(TRIM(concat_ws(' ', given_name, family_name))) AS name,
  MAX(lower(TRIM(given_name))) AS given, MAX(lower(TRIM(family_name))) AS family
FROM persons_in WHERE person_id IS NOT NULL GROUP BY person_id"""

_REL = """CREATE OR REPLACE TEMP TABLE rel AS
SELECT lower(TRIM(kind)) AS kind, person_a AS a, person_b AS b, TRY_CAST("end" AS DATE) AS end_d,
  COALESCE(lower(TRIM(subtype)), '') AS subtype
FROM relationships_in
WHERE person_a IS NOT NULL AND person_b IS NOT NULL AND person_a <> person_b"""

_PAR = """CREATE OR REPLACE TEMP TABLE par AS
SELECT CASE WHEN swap THEN b ELSE a END AS parent_id, CASE WHEN swap THEN a ELSE b END AS child_id,
  end_d
FROM (SELECT r.a, r.b, r.end_d,
  CASE WHEN pa.dob IS NOT NULL AND pb.dob IS NOT NULL THEN pa.dob > pb.dob
       WHEN pa.role = 'child' AND COALESCE(pb.role, '') <> 'child' THEN TRUE
       ELSE FALSE END AS swap
  FROM rel r LEFT JOIN people pa ON pa.person_id = r.a LEFT JOIN people pb ON pb.person_id = r.b
  WHERE r.kind = 'parent') t"""


def _hh_sql(asof: str) -> str:
    """Each child's household: parents, the adults sharing a household with the child,
    and partners of parents (anyone younger than the last age band's end is a child)."""
    adult = f"{asof} - INTERVAL {age_bands().child_months} MONTH"
    return f"""CREATE OR REPLACE TEMP TABLE hh AS
SELECT DISTINCT child_id, member_id, kind FROM (
  SELECT child_id, parent_id AS member_id, 'parent' AS kind FROM par
  UNION ALL
  SELECT x.a AS child_id, x.b AS member_id, 'household' AS kind FROM (
    SELECT a, b FROM rel WHERE kind = 'household' AND (end_d IS NULL OR end_d > {asof})
    UNION ALL SELECT b, a FROM rel WHERE kind = 'household' AND (end_d IS NULL OR end_d > {asof})) x
  JOIN people c ON c.person_id = x.a LEFT JOIN people m ON m.person_id = x.b
  WHERE (c.role = 'child' OR (c.dob IS NOT NULL AND c.dob > {adult}))
    AND COALESCE(m.role, '') <> 'child'
    AND NOT (m.dob IS NOT NULL AND m.dob > {adult})
  UNION ALL
  SELECT p.child_id, x.b AS member_id, 'partner_of_parent' AS kind FROM par p JOIN (
    SELECT a, b FROM rel WHERE kind = 'partner' AND (end_d IS NULL OR end_d > {asof})
      AND subtype NOT IN ('separated', 'divorced')
    UNION ALL SELECT b, a FROM rel WHERE kind = 'partner' AND (end_d IS NULL OR end_d > {asof})
      AND subtype NOT IN ('separated', 'divorced')) x
    ON x.a = p.parent_id
  WHERE x.b <> p.child_id) t"""


_SUBJ = """CREATE OR REPLACE TEMP TABLE subj AS
SELECT person_id AS member_id, person_id AS child_id, 'self' AS via, dob, role,
  year(dob) * 12 + month(dob) AS dob_ym, day(dob) AS dob_dd FROM people
UNION ALL
SELECT DISTINCT h.member_id, h.child_id, 'household' AS via, c.dob, c.role,
  year(c.dob) * 12 + month(c.dob) AS dob_ym, day(c.dob) AS dob_dd
FROM hh h JOIN people c ON c.person_id = h.child_id"""

#: the age in months at the event (``AGE``) from the precomputed month and day keys
_AGE_KEYS = "((e.ym - s.dob_ym) - CASE WHEN e.dd < s.dob_dd THEN 1 ELSE 0 END)"

def _child_events(source: str, columns: str) -> str:
    """The events of ``source`` (``ev`` rows) that count for each child: the child's own
    and those of adults in the child's household, while the child is a child
    (:func:`chronos.ages.age_bands`: younger than the last band's end, or within
    ``prenatal_months`` before birth); ``columns`` of ``e`` (the event) with the child as
    ``person_id``, ``via`` and ``age_m``."""
    bands = age_bands()
    return f"""SELECT * FROM (SELECT e.event_id, s.child_id AS person_id, s.via, {columns},
  CASE WHEN e.d IS NULL OR s.dob IS NULL THEN NULL ELSE {_AGE_KEYS} END AS age_m,
  CASE WHEN e.d IS NULL THEN s.dob IS NOT NULL OR COALESCE(s.role, '') = 'child'
       WHEN s.dob IS NOT NULL THEN {_AGE_KEYS} >= {-bands.prenatal_months} AND {_AGE_KEYS} < {bands.child_months}
       ELSE COALESCE(s.role, '') = 'child' END AS is_child
FROM {source} e JOIN subj s ON s.member_id = e.person_id) t WHERE is_child"""


def _sev_sql(text: bool) -> str:
    """``sev`` (a view): every child's events, its own and its household adults' (what the
    harm index reads)."""
    outcome = "e.outcome" if text else "CAST(NULL AS VARCHAR) AS outcome"
    return "CREATE OR REPLACE TEMP VIEW sev AS\n" + _child_events(
        "ev", f"e.d, e.agency, e.event_type, e.details, {outcome}, e.summary")


def _rsev_sql(text: bool, types: tuple[str, ...] | None) -> str:
    """``rsev``: the ``sev`` rows of the event types the rules select, with the columns
    the windowed rules read (made from ``ev``, filtered by type), sorted by type."""
    where = f" WHERE event_type IN ({', '.join(q(t) for t in types)})" if types is not None else ""
    typed = f"SELECT {_TYPED_COLUMNS.format(outcome='outcome,' if text else '')} FROM ev{where}"
    cols = ("e.d, e.dn, e.mk, e.prec, e.end_d, e.agency, e.event_type, e.categories, e.value, "
            "e.details" + (", e.outcome, e.summary" if text else ""))
    out = ("event_id, person_id, via, d, dn, mk, prec, end_d, agency, event_type, categories, "
           "value, details, " + ("outcome, summary, " if text else "") + "age_m")
    return (f"CREATE OR REPLACE TEMP TABLE rsev AS\nSELECT {out} FROM (\n"
            f"{_child_events(f'({typed})', cols)}) r ORDER BY event_type")


# one people lookup per step: joining people to people on dob alone would let the
# optimiser build an inequality join of everyone with everyone
_SIBS = """CREATE OR REPLACE TEMP TABLE sibs AS
WITH pr AS (
  SELECT a AS x, b AS y FROM rel WHERE kind = 'sibling'
  UNION ALL SELECT b, a FROM rel WHERE kind = 'sibling'
  UNION ALL SELECT p1.child_id, p2.child_id FROM par p1 JOIN par p2
    ON p1.parent_id = p2.parent_id AND p1.child_id <> p2.child_id),
px AS (SELECT pr.x, pr.y, o.dob AS x_dob FROM pr JOIN people o ON o.person_id = pr.x
  WHERE o.dob IS NOT NULL)
SELECT DISTINCT px.x AS older_id, px.y AS younger_id FROM px JOIN people y
  ON y.person_id = px.y AND px.x_dob < y.dob"""


# --------------------------------------------------------------------------- selection

def _event_filters(sel: Selector) -> list[str]:
    conds = []
    if sel.event_types:
        conds.append(f"e.event_type IN ({', '.join(q(t) for t in sel.event_types)})")
    if sel.categories:
        conds.append("(" + " OR ".join(
            f"(';' || COALESCE(e.categories, '') || ';') LIKE {q('%;' + c + ';%')}"
            for c in sel.categories) + ")")
    if sel.agencies:
        conds.append(f"lower(TRIM(e.agency)) IN ({', '.join(q(a) for a in sel.agencies)})")
    if sel.agency_contains:
        conds.append("(" + " OR ".join(f"lower(e.agency) LIKE {q('%' + a + '%')}"
                                       for a in sel.agency_contains) + ")")
    if sel.outcome_contains:
        conds.append("(" + " OR ".join(
            f"lower(COALESCE(e.outcome, '') || ' ' || COALESCE(e.summary, '')) LIKE {q('%' + a + '%')}"
            for a in sel.outcome_contains) + ")")
    for key, values in sel.details:
        conds.append("(" + " OR ".join(
            f"(';' || lower(COALESCE(e.details, '')) || ';') LIKE {q('%;' + key + '=' + v.lower() + ';%')}"
            for v in values) + ")")
    return conds


def _child_filters(sel: Selector) -> list[str]:
    conds = []
    if sel.subject == "child":
        conds.append("e.via = 'self'")
    if sel.age_min_months is not None:
        conds.append(f"e.age_m >= {sel.age_min_months}")
    if sel.age_max_months is not None:
        conds.append(f"e.age_m < {sel.age_max_months}")
    return conds


def select_sql(sel: Selector, rule: Rule, *, key: str = "dn", dated: bool = True,
               extra: str = "") -> str:
    """The events ``sel`` picks for each child, one row per (child, event), from ``rsev``."""
    conds = _event_filters(sel)
    if dated:
        allowed = PRECISION_ALLOWED[rule.params.get("min_precision", "month")]
        conds.append(f"e.d IS NOT NULL AND e.prec IN ({', '.join(q(p) for p in allowed)})")
        conds += _child_filters(sel)
    else:
        conds += _undated_child_filters(sel)
    where = " AND ".join(conds) or "TRUE"
    key_col = f"e.{key}" if dated else "CAST(NULL AS BIGINT)"
    return (f"SELECT DISTINCT e.event_id, e.person_id, e.d, {key_col} AS k, "
            f"e.agency, e.event_type, e.value, e.details, e.end_d{extra} FROM rsev e WHERE {where}")


def _undated_child_filters(sel: Selector) -> list[str]:
    conds = []
    if sel.subject == "child":
        conds.append("e.via = 'self'")
    if sel.age_min_months is not None or sel.age_max_months is not None:
        conds.append("FALSE")  # no date, no age: cannot satisfy an age condition
    return conds


def undated_sql(rule: Rule, source: str = "rsev") -> str | None:
    """Events a windowed rule would select but cannot place in time (undated, or a
    precision below the rule's ``min_precision``): for the data-quality note. ``source``
    is ``rsev`` or a table of some of its rows (every row whose ``prec`` is not ``day``)."""
    if rule.type == "structural" or (rule.type == "threshold" and rule.params["mode"] == "each"):
        return None
    allowed = PRECISION_ALLOWED[rule.params.get("min_precision", "month")]
    parts = []
    for name, sel in rule.selectors.items():
        if name in ("open", "closed"):
            continue
        conds = _event_filters(sel) + _undated_child_filters(sel)
        conds.append(f"(e.d IS NULL OR e.prec NOT IN ({', '.join(q(p) for p in allowed)}))")
        parts.append(f"SELECT DISTINCT e.person_id, e.event_id FROM {source} e WHERE "
                     + " AND ".join(conds))
    return "\nUNION\n".join(parts)


# --------------------------------------------------------------------------- rule types

def _islands(qualifying: str, by: str = "person_id") -> str:
    """Merge overlapping [k0, k1] intervals per person (gaps and islands); ``by`` is the
    partition (``ri, person_id`` in a shared pass: per rule and person)."""
    return f"""iv AS ({qualifying}),
ivp AS (SELECT {by}, k0, k1, MAX(k1) OVER (PARTITION BY {by} ORDER BY k0, k1
  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_max FROM iv),
isl AS (SELECT {by}, k0, k1, SUM(CASE WHEN prev_max IS NOT NULL AND k0 <= prev_max THEN 0
  ELSE 1 END) OVER (PARTITION BY {by} ORDER BY k0, k1 ROWS UNBOUNDED PRECEDING) AS g FROM ivp),
grp AS (SELECT {by}, g, MIN(k0) AS k0, MAX(k1) AS k1 FROM isl GROUP BY {by}, g)"""


def _evidence(source: str = "sel", info: str = "''", *, rule_id: str | None = None) -> str:
    """Evidence rows: the events of ``source`` inside each island of ``grp``; with
    ``rule_id`` (an expression of ``x.ri``) the rows of a shared pass, joined per rule."""
    lead, on = ("", "") if rule_id is None else (f"{rule_id} AS rule_id, ", "x.ri = grp.ri AND ")
    return (f"SELECT {lead}x.person_id, CAST(grp.g AS VARCHAR) AS grp, CAST(NULL AS DATE) AS w_start, "
            f"CAST(NULL AS DATE) AS w_end, x.event_id, x.d, x.agency, x.event_type, {info} AS info "
            f"FROM {source} x JOIN grp ON {on}x.person_id = grp.person_id "
            "AND x.k >= grp.k0 AND x.k <= grp.k1")


def _family_sql(source: str) -> str:
    """CTE ``fam``: each child of ``source`` (``c``) with itself and their siblings (``m``)."""
    return f"""fam AS (SELECT DISTINCT person_id AS c, person_id AS m FROM {source}
  UNION SELECT s.older_id, s.younger_id FROM sibs s JOIN (SELECT DISTINCT person_id FROM {source}) x
    ON x.person_id = s.older_id
  UNION SELECT s.younger_id, s.older_id FROM sibs s JOIN (SELECT DISTINCT person_id FROM {source}) x
    ON x.person_id = s.younger_id)"""


def _while_open(rule: Rule, source: str, key: str, *, siblings: bool = False) -> str:
    """CTEs ``o``, ``c`` and ``covered`` (the rows of ``source`` dated while a period the
    rule's ``open`` selector starts is open: on or after the child's latest ``open`` event,
    within its own end date, with no ``closed`` event between; with ``siblings``, a
    sibling's open period counts too, the family being worked with); "" without ``open``."""
    open_sel, closed_sel = rule.selectors.get("open"), rule.selectors.get("closed")
    if open_sel is None:
        return ""
    if siblings:  # each child's siblings' periods as the child's own (fam is in scope)
        return f""",
o0 AS ({select_sql(open_sel, rule, key=key)}),
c0 AS ({select_sql(closed_sel, rule, key=key)}),
o AS (SELECT f.c AS person_id, o0.event_id, o0.k, o0.end_d FROM fam f JOIN o0 ON o0.person_id = f.m),
c AS (SELECT f.c AS person_id, c0.event_id, c0.k, f.m AS owner, o1.event_id AS oid
  FROM fam f JOIN c0 ON c0.person_id = f.m JOIN o0 o1 ON o1.person_id = f.m AND o1.k <= c0.k),
covered AS (SELECT DISTINCT a.person_id, a.event_id FROM {source} a JOIN o ON o.person_id = a.person_id
  AND o.k <= a.k AND (o.end_d IS NULL OR o.end_d >= a.d)
  LEFT JOIN c ON c.person_id = a.person_id AND c.oid = o.event_id AND c.k >= o.k AND c.k < a.k
  WHERE c.event_id IS NULL)"""
    return f""",
o AS ({select_sql(open_sel, rule, key=key)}),
c AS ({select_sql(closed_sel, rule, key=key)}),
covered AS (SELECT DISTINCT a.person_id, a.event_id FROM {source} a JOIN o ON o.person_id = a.person_id
  AND o.k <= a.k AND (o.end_d IS NULL OR o.end_d >= a.d)
  LEFT JOIN c ON c.person_id = a.person_id AND c.k >= o.k AND c.k < a.k
  WHERE c.event_id IS NULL)"""


def compile_count_in_window(rule: Rule, as_of: str) -> str:
    """N or more selected events whose dates fit in one window [first, first + W]; with
    ``open``/``closed`` selectors, only the events dated while such a period is open."""
    win = rule.window("window")
    key, off = key_of(win), offset_of(win)
    rows = "(SELECT DISTINCT person_id, k FROM sel)" if rule.params["distinct_days"] else "sel"
    during = _while_open(rule, "sel0", key)
    if during:
        return f"""WITH sel0 AS ({select_sql(rule.selectors['select'], rule, key=key)}){during},
sel AS (SELECT s.* FROM sel0 s JOIN covered v ON v.person_id = s.person_id AND v.event_id = s.event_id),
win AS (SELECT person_id, k AS k0, COUNT(*) OVER w AS n, MAX(k) OVER w AS k1 FROM {rows} r
  WINDOW w AS (PARTITION BY person_id ORDER BY k RANGE BETWEEN CURRENT ROW AND {off} FOLLOWING)),
{_islands(f"SELECT DISTINCT person_id, k0, k1 FROM win WHERE n >= {int(rule.params['min_count'])}")}
{_evidence()}"""
    return f"""WITH sel AS ({select_sql(rule.selectors['select'], rule, key=key)}),
win AS (SELECT person_id, k AS k0, COUNT(*) OVER w AS n, MAX(k) OVER w AS k1 FROM {rows} r
  WINDOW w AS (PARTITION BY person_id ORDER BY k RANGE BETWEEN CURRENT ROW AND {off} FOLLOWING)),
{_islands(f"SELECT DISTINCT person_id, k0, k1 FROM win WHERE n >= {int(rule.params['min_count'])}")}
{_evidence()}"""


def compile_recurrence(rule: Rule, as_of: str) -> str:
    """Chains of selected events, each within ``within`` of the one before."""
    win = rule.window("within")
    key, off = key_of(win), offset_of(win)
    rows = "(SELECT DISTINCT person_id, k FROM sel)" if rule.params["distinct_days"] else \
        "(SELECT person_id, k, event_id FROM sel)"
    order = "k" if rule.params["distinct_days"] else "k, event_id"
    return f"""WITH sel AS ({select_sql(rule.selectors['select'], rule, key=key)}),
o AS (SELECT r.*, LAG(k) OVER (PARTITION BY person_id ORDER BY {order}) AS pk FROM {rows} r),
c AS (SELECT o.*, SUM(CASE WHEN pk IS NOT NULL AND k - pk <= {off} THEN 0 ELSE 1 END)
  OVER (PARTITION BY person_id ORDER BY {order} ROWS UNBOUNDED PRECEDING) AS g FROM o),
grp AS (SELECT person_id, g, MIN(k) AS k0, MAX(k) AS k1, COUNT(*) AS n FROM c GROUP BY person_id, g
  HAVING COUNT(*) >= {int(rule.params['min_count'])})
{_evidence()}"""


# --------------------------------------------------------------------------- shared passes

def _by_rule(rules: list[Rule], values: list, *, column: str = "ri") -> str:
    """An expression of ``column`` (the rule's number in a shared pass) giving
    ``values[i]`` for rule i: the value itself when every rule has the same one."""
    if len(set(map(str, values))) == 1:
        return str(values[0])
    return (f"CASE {column} " + " ".join(f"WHEN {i} THEN {v}" for i, v in enumerate(values))
            + " END")


def _pass_selection(rules: list[Rule], selector: str, window: str) -> str:
    """CTE ``sel``: every rule's selected events (:func:`select_sql`, each in its own
    window's key), numbered by rule (``ri``)."""
    return "sel AS (" + "\nUNION ALL\n".join(
        f"SELECT {i} AS ri, s.* FROM ({select_sql(rule.selectors[selector], rule, key=key_of(rule.window(window)))}) s"
        for i, rule in enumerate(rules)) + ")"


def _pass_rows(rules: list[Rule], columns: str, plain: str) -> str:
    """The rows a shared pass counts: one per (rule, child, day) for the rules counting
    distinct days, ``plain`` (one per selected event) for the others."""
    days = [str(i) for i, r in enumerate(rules) if r.params["distinct_days"]]
    each = [str(i) for i, r in enumerate(rules) if not r.params["distinct_days"]]
    parts = []
    if days:
        parts.append(f"SELECT DISTINCT {columns} FROM sel WHERE ri IN ({', '.join(days)})")
    if each:
        parts.append(f"SELECT {plain} FROM sel WHERE ri IN ({', '.join(each)})")
    return "\nUNION ALL\n".join(parts)


def _rule_ids(rules: list[Rule]) -> str:
    return _by_rule(rules, [q(r.id) for r in rules], column="x.ri")


def compile_count_pass(rules: list[Rule], as_of: str) -> str:
    """:func:`compile_count_in_window` for several rules (none with ``open``) in one pass:
    their selections in one table, one window sort per (rule, child) with a frame per
    distinct window length (each rule reads its own), one gaps-and-islands pass. Evidence
    rows carry ``rule_id``; each rule's findings are those it gives alone."""
    offsets = sorted({offset_of(r.window("window")) for r in rules})
    frame = {off: i for i, off in enumerate(offsets)}
    windows = ", ".join(
        f"w{i} AS (PARTITION BY ri, person_id ORDER BY k RANGE BETWEEN CURRENT ROW AND {off} FOLLOWING)"
        for i, off in enumerate(offsets))
    counts = ", ".join(f"COUNT(*) OVER w{i} AS n{i}, MAX(k) OVER w{i} AS k1_{i}"
                       for i in range(len(offsets)))
    own = [frame[offset_of(r.window("window"))] for r in rules]
    n = _by_rule(rules, [f"n{i}" for i in own])
    k1 = _by_rule(rules, [f"k1_{i}" for i in own])
    minimum = _by_rule(rules, [int(r.params["min_count"]) for r in rules])
    return f"""WITH {_pass_selection(rules, 'select', 'window')},
rows AS ({_pass_rows(rules, 'ri, person_id, k', 'ri, person_id, k')}),
win AS (SELECT ri, person_id, k AS k0, {counts} FROM rows r
  WINDOW {windows}),
{_islands(f"SELECT DISTINCT ri, person_id, k0, k1 FROM (SELECT ri, person_id, k0, {n} AS n, {k1} AS k1 FROM win) w WHERE n >= {minimum}", by="ri, person_id")}
{_evidence(rule_id=_rule_ids(rules))}"""


def compile_recurrence_pass(rules: list[Rule], as_of: str) -> str:
    """:func:`compile_recurrence` for several rules in one pass: one window sort per
    (rule, child), each rule's own ``within`` and ``min_count``."""
    off = _by_rule(rules, [offset_of(r.window("within")) for r in rules])
    minimum = _by_rule(rules, [int(r.params["min_count"]) for r in rules])
    rows = _pass_rows(rules, "ri, person_id, k, CAST(NULL AS VARCHAR) AS event_id",
                      "ri, person_id, k, event_id")
    return f"""WITH {_pass_selection(rules, 'select', 'within')},
o AS (SELECT r.*, LAG(k) OVER (PARTITION BY ri, person_id ORDER BY k, event_id) AS pk FROM ({rows}) r),
c AS (SELECT o.*, SUM(CASE WHEN pk IS NOT NULL AND k - pk <= {off} THEN 0 ELSE 1 END)
  OVER (PARTITION BY ri, person_id ORDER BY k, event_id ROWS UNBOUNDED PRECEDING) AS g FROM o),
grp AS (SELECT ri, person_id, g, MIN(k) AS k0, MAX(k) AS k1 FROM c GROUP BY ri, person_id, g
  HAVING COUNT(*) >= {minimum})
{_evidence(rule_id=_rule_ids(rules))}"""


def compile_co_occurrence(rule: Rule, as_of: str) -> str:
    """Events of at least ``min_groups`` different groups within one window."""
    win = rule.window("window")
    key, off = key_of(win), offset_of(win)
    groups = [(name.split(":", 1)[1], sel) for name, sel in rule.selectors.items()]
    union = "\nUNION ALL\n".join(
        select_sql(sel, rule, key=key, extra=f", {q(name)} AS gname") for name, sel in groups)
    present = " + ".join(f"MAX(CASE WHEN gname = {q(name)} THEN 1 ELSE 0 END) OVER w"
                         for name, _ in groups)
    return f"""WITH sel AS ({union}),
win AS (SELECT person_id, k AS k0, MAX(k) OVER w AS k1, {present} AS ng FROM sel
  WINDOW w AS (PARTITION BY person_id ORDER BY k RANGE BETWEEN CURRENT ROW AND {off} FOLLOWING)),
{_islands(f"SELECT DISTINCT person_id, k0, k1 FROM win WHERE ng >= {int(rule.params['min_groups'])}")}
{_evidence()}"""


def compile_duration(rule: Rule, as_of: str) -> str:
    """A plan or episode (start event to its end) longer than ``longer_than``.

    The end is the start event's own ``end_date``, else the first selected end event on or
    after the start and no later than the next start, else the next start, else as-of
    (still open)."""
    win = rule.window("longer_than")
    key, off = key_of(win), offset_of(win)
    asof = date_lit(as_of)
    end_sel = rule.selectors.get("end")
    ends = (select_sql(end_sel, rule, key=key) if end_sel else
            "SELECT event_id, person_id, d, k, agency, event_type, value, details, end_d "
            "FROM st WHERE FALSE")
    return f"""WITH st AS ({select_sql(rule.selectors['start'], rule, key=key)}),
en AS ({ends}),
st2 AS (SELECT st.*, LEAD(d) OVER (PARTITION BY person_id ORDER BY k, event_id) AS next_d FROM st),
m AS (SELECT st2.person_id, st2.event_id AS sid, st2.d AS d0, st2.k AS k0, st2.end_d, st2.next_d,
  en.event_id AS eid, en.d AS ed, ROW_NUMBER() OVER (PARTITION BY st2.person_id, st2.event_id
  ORDER BY en.k, en.event_id) AS rn
  FROM st2 LEFT JOIN en ON en.person_id = st2.person_id AND en.d >= st2.d
  AND (st2.next_d IS NULL OR en.d <= st2.next_d) AND st2.end_d IS NULL),
p AS (SELECT person_id, sid, d0, k0, eid,
  COALESCE(end_d, ed, next_d, {asof}) AS d1,
  CASE WHEN end_d IS NULL AND ed IS NULL AND next_d IS NULL THEN 1 ELSE 0 END AS open_
  FROM m WHERE rn = 1),
f AS (SELECT p.*, {_key_expr(key, 'd1')} AS k1 FROM p),
hit AS (SELECT * FROM f WHERE k1 > k0 + {off})
SELECT h.person_id, h.sid AS grp, h.d0 AS w_start, h.d1 AS w_end, x.event_id, x.d, x.agency,
  x.event_type, 'open=' || CAST(h.open_ AS VARCHAR) || ';days=' ||
  CAST(date_diff('day', h.d0, h.d1) AS VARCHAR) AS info
FROM hit h JOIN (SELECT event_id, person_id, d, agency, event_type FROM st UNION ALL
  SELECT event_id, person_id, d, agency, event_type FROM en) x
  ON x.person_id = h.person_id AND (x.event_id = h.sid OR x.event_id = h.eid)"""


def _key_expr(key: str, col: str) -> str:
    if key == "mk":
        return f"((year({col}) * 12 + month({col}) - 1) * 32 + day({col}))"
    return f"date_diff('day', DATE '1970-01-01', {col})"


def compile_sequence(rule: Rule, as_of: str) -> str:
    """An event of ``first`` followed by one of ``then`` within ``within``."""
    win = rule.window("within")
    key, off = key_of(win), offset_of(win)
    cmp = ">=" if rule.params["same_day"] else ">"
    return f"""WITH a AS ({select_sql(rule.selectors['first'], rule, key=key)}),
b AS ({select_sql(rule.selectors['then'], rule, key=key)}),
p AS (SELECT a.person_id, a.event_id AS aid, b.event_id AS bid, a.d AS ad, b.d AS bd,
  ROW_NUMBER() OVER (PARTITION BY a.person_id, a.event_id ORDER BY b.k, b.event_id) AS rn
  FROM a JOIN b ON a.person_id = b.person_id AND b.k {cmp} a.k AND b.k <= a.k + {off}
  AND b.event_id <> a.event_id),
hit AS (SELECT * FROM p WHERE rn = 1)
SELECT h.person_id, h.aid AS grp, h.ad AS w_start, h.bd AS w_end, x.event_id, x.d, x.agency,
  x.event_type, '' AS info
FROM hit h JOIN (SELECT event_id, person_id, d, agency, event_type FROM a UNION ALL
  SELECT event_id, person_id, d, agency, event_type FROM b) x
  ON x.person_id = h.person_id AND (x.event_id = h.aid OR x.event_id = h.bid)"""


def compile_absence_of_followup(rule: Rule, as_of: str) -> str:
    """An ``event`` with no ``followup`` within ``within`` (only once that time has passed)."""
    win = rule.window("within")
    key, off = key_of(win), offset_of(win)
    cmp = ">=" if rule.params["same_day"] else ">"
    agency = ("AND COALESCE(lower(b.agency), '') <> COALESCE(lower(a.agency), '')"
              if rule.params["different_agency"] else "")
    before = rule.params.get("also_before")
    after = f"b.k {cmp} a.k" if before is None else \
        f"b.k >= a.k - {offset_of(parse_window(before))}"
    siblings = bool(rule.params.get("siblings"))
    acted = _while_open(rule, "miss0", key, siblings=siblings)
    miss = "miss0" if not acted else """(SELECT m.* FROM miss0 m LEFT JOIN covered v
  ON v.person_id = m.person_id AND v.event_id = m.event_id WHERE v.event_id IS NULL)"""
    fam = _family_sql("a") if siblings else "fam AS (SELECT DISTINCT person_id AS c, person_id AS m FROM a)"
    return f"""WITH a AS ({select_sql(rule.selectors['event'], rule, key=key)}),
b AS ({select_sql(rule.selectors['followup'], rule, key=key)}),
{fam},
due AS (SELECT * FROM a WHERE a.k + {off} <= {asof_key(as_of, win)}),
fb AS (SELECT f.c AS person_id, b.event_id, b.k, b.agency FROM fam f JOIN b ON b.person_id = f.m),
miss0 AS (SELECT a.* FROM due a LEFT JOIN fb b ON b.person_id = a.person_id AND {after}
  AND b.k <= a.k + {off} AND b.event_id <> a.event_id {agency}
  WHERE b.event_id IS NULL){acted},
miss AS (SELECT * FROM {miss} x)
SELECT person_id, event_id AS grp, CAST(NULL AS DATE) AS w_start, CAST(NULL AS DATE) AS w_end,
  event_id, d, agency, event_type, '' AS info FROM miss"""


def _measure_sql(key: str) -> str:
    if key == "value":
        return "CAST(x.value AS DOUBLE)"
    name = key.split(":", 1)[1]
    return (f"TRY_CAST(regexp_extract(';' || lower(COALESCE(x.details, '')) || ';', "
            f"{q(';' + name + '=([^;]*);')}, 1) AS DOUBLE)")


def _bounds(rule: Rule, m: str) -> str:
    p = rule.params
    conds = [f"{m} IS NOT NULL"]
    for name, op in (("below", "<"), ("above", ">"), ("at_least", ">="), ("at_most", "<=")):
        if p[name] is not None:
            conds.append(f"{m} {op} {float(p[name])!r}")
    return "(" + " AND ".join(conds) + ")"


def compile_threshold(rule: Rule, as_of: str) -> str:
    """Each event whose measure crosses the bounds, or (``no_improvement``) each repeat
    measurement no better than the one before."""
    if rule.params["mode"] == "no_improvement":
        return _compile_no_improvement(rule)
    if rule.params["mode"] == "run":
        return _compile_run(rule)
    keys = measure_keys(rule.params["measure"])
    sel = select_sql(rule.selectors["select"], rule, dated=False)
    dated = select_sql(rule.selectors["select"], rule)
    hits = " OR ".join(_bounds(rule, _measure_sql(k)) for k in keys)
    info = "concat_ws(';', " + ", ".join(
        f"CASE WHEN {_bounds(rule, _measure_sql(k))} THEN {q(k.split(':')[-1] + '=')} || "
        f"CAST({_measure_sql(k)} AS VARCHAR) END" for k in keys) + ")"
    return f"""WITH sel AS ({dated}
UNION
{sel} AND e.d IS NULL)
SELECT x.person_id, x.event_id AS grp, CAST(NULL AS DATE) AS w_start, CAST(NULL AS DATE) AS w_end,
  x.event_id, x.d, x.agency, x.event_type, {info} AS info
FROM sel x WHERE {hits}"""


def _compile_run(rule: Rule) -> str:
    """Consecutive measurements (per child, in date order) that all cross the bounds are
    one finding, a trend: its evidence is the run and the measurement just before it;
    ``info`` has the value before the run (``before``), the last (``after``), the lowest
    and highest, the number of measurements in the run (``terms``) and ``severity=high``
    when a value fell below ``high_below``."""
    key = measure_keys(rule.params["measure"])[0]
    high = rule.params.get("high_below")
    severity = (f"CASE WHEN MIN(r.mv) < {float(high)!r} THEN ';severity=high' ELSE '' END"
                if high is not None else "''")
    hit = _bounds(rule, "m.mv")  # the runs are numbered in the same pass as the LAGs
    return f"""WITH sel AS ({select_sql(rule.selectors['select'], rule)}),
m AS (SELECT x.*, {_measure_sql(key)} AS mv FROM sel x),
g AS (SELECT m.*, CASE WHEN {hit} THEN 1 ELSE 0 END AS hit,
  LAG(mv) OVER (PARTITION BY person_id ORDER BY k, event_id) AS pm,
  LAG(event_id) OVER (PARTITION BY person_id ORDER BY k, event_id) AS pid,
  LAG(d) OVER (PARTITION BY person_id ORDER BY k, event_id) AS pd,
  SUM(CASE WHEN {hit} THEN 0 ELSE 1 END) OVER (PARTITION BY person_id ORDER BY k, event_id
  ROWS UNBOUNDED PRECEDING) AS run_no
  FROM m WHERE mv IS NOT NULL),
r AS (SELECT * FROM g WHERE hit = 1),
firsts AS (SELECT person_id, run_no, pm, pid, pd, ROW_NUMBER() OVER (PARTITION BY person_id, run_no
  ORDER BY k, event_id) AS rn FROM r),
lasts AS (SELECT person_id, run_no, mv, ROW_NUMBER() OVER (PARTITION BY person_id, run_no
  ORDER BY k DESC, event_id DESC) AS rn FROM r),
agg AS (SELECT r.person_id, r.run_no, COUNT(*) AS n, MIN(r.mv) AS lo, MAX(r.mv) AS hi,
  {severity} AS sev FROM r GROUP BY r.person_id, r.run_no),
info AS (SELECT a.person_id, a.run_no, f.pid, f.pd,
  COALESCE('before=' || CAST(f.pm AS VARCHAR) || ';', '') || 'after=' || CAST(l.mv AS VARCHAR)
  || ';lowest=' || CAST(a.lo AS VARCHAR) || ';highest=' || CAST(a.hi AS VARCHAR)
  || ';terms=' || CAST(a.n AS VARCHAR) || a.sev AS info
  FROM agg a JOIN firsts f ON f.person_id = a.person_id AND f.run_no = a.run_no AND f.rn = 1
  JOIN lasts l ON l.person_id = a.person_id AND l.run_no = a.run_no AND l.rn = 1)
SELECT r.person_id, CAST(r.run_no AS VARCHAR) AS grp, CAST(NULL AS DATE) AS w_start,
  CAST(NULL AS DATE) AS w_end, r.event_id, r.d, r.agency, r.event_type, i.info
FROM r JOIN info i ON i.person_id = r.person_id AND i.run_no = r.run_no
UNION ALL
SELECT i.person_id, CAST(i.run_no AS VARCHAR) AS grp, CAST(NULL AS DATE) AS w_start,
  CAST(NULL AS DATE) AS w_end, x.event_id, x.d, x.agency, x.event_type, i.info
FROM info i JOIN sel x ON x.person_id = i.person_id AND x.event_id = i.pid"""


def _compile_no_improvement(rule: Rule) -> str:
    key = measure_keys(rule.params["measure"])[0]
    worse = ">=" if rule.params["higher_is_worse"] else "<="
    floor = _bounds(rule, "pm") if any(
        rule.params[b] is not None for b in ("below", "above", "at_least", "at_most")) else "TRUE"
    return f"""WITH sel AS ({select_sql(rule.selectors['select'], rule)}),
m AS (SELECT x.*, {_measure_sql(key)} AS mv FROM sel x),
o AS (SELECT m.*, LAG(mv) OVER (PARTITION BY person_id ORDER BY k, event_id) AS pm,
  LAG(event_id) OVER (PARTITION BY person_id ORDER BY k, event_id) AS pid,
  LAG(d) OVER (PARTITION BY person_id ORDER BY k, event_id) AS pd
  FROM m WHERE mv IS NOT NULL),
hit AS (SELECT * FROM o WHERE pm IS NOT NULL AND mv {worse} pm AND {floor})
SELECT h.person_id, h.event_id AS grp, h.pd AS w_start, h.d AS w_end, x.event_id, x.d, x.agency,
  x.event_type, 'before=' || CAST(h.pm AS VARCHAR) || ';after=' || CAST(h.mv AS VARCHAR) AS info
FROM hit h JOIN sel x ON x.person_id = h.person_id
  AND (x.event_id = h.event_id OR x.event_id = h.pid)"""


def compile_structural(rule: Rule, as_of: str) -> str:
    """Household checks: an adult nobody assessed, or an older sibling overlooked."""
    if rule.params["check"] == "household_adult_unassessed":
        return _compile_unassessed(rule, as_of)
    return _compile_sibling_disparity(rule, as_of)


def _is_child_at_asof(as_of: str) -> str:
    age = AGE_AT_ASOF.format(asof=date_lit(as_of))
    return (f"(CASE WHEN s.dob IS NOT NULL THEN {age} >= 0 AND {age} < {age_bands().child_months} "
            "ELSE COALESCE(s.role, '') = 'child' END)")


def _compile_unassessed(rule: Rule, as_of: str, *, gaps: bool = False) -> str:
    """Adults in a child's household during the period they are known to be there who
    are in none of the child's assessments of that period.

    Members are the child's household and the partners of the child's parents (not a
    partner whose separation or divorce is recorded; ``member_kinds`` may add
    ``parent``). The period starts at the first record that shows the adult (their own,
    or a household member's that names them) and runs to as-of; only the child's
    assessments in it count, and at least ``min_assessments`` (1) are needed. An adult
    named on an assessment, or by given and family name in its details or summary (a
    'persons assessed' field), was assessed. When none of the child's assessments
    records who was seen (no ``seen_keys`` detail), nothing can be told: that is an
    information gap, not a finding; ``gaps=True`` gives those cases instead. Only children
    with an assessment are looked at: no other child can have either."""
    p = rule.params
    types = p.get("assessment_types") or DEFAULT_ASSESSMENTS
    kinds = p.get("member_kinds") or DEFAULT_MEMBER_KINDS
    seen_keys = p.get("seen_keys") or DEFAULT_SEEN_KEYS
    tlist = ", ".join(q(t) for t in types)
    sex = f"AND COALESCE(m.sex, '') = {q(str(p['sex']).upper())}" if p.get("sex") else ""
    minimum = 1 if p.get("min_assessments") is None else int(p["min_assessments"])
    recorded = " OR ".join(f"strpos(';' || lower(COALESCE(details, '')), {q(';' + k + '=')}) > 0"
                           for k in seen_keys)
    asof = date_lit(as_of)
    keep = "r.n_recorded = 0" if gaps else "r.n_recorded > 0"
    return f"""WITH asm AS (SELECT DISTINCT event_id, person_id, d, agency, event_type,
  lower(COALESCE(details, '') || ' ' || COALESCE(summary, '')) AS txt,
  CASE WHEN {recorded} THEN 1 ELSE 0 END AS rec FROM ev
  WHERE event_type IN ({tlist}) AND d IS NOT NULL AND d <= {asof}),
assessed AS (SELECT DISTINCT person_id FROM asm),
kids AS (SELECT s.member_id AS child_id FROM subj s JOIN assessed ak ON ak.person_id = s.member_id
  WHERE s.via = 'self' AND {_is_child_at_asof(as_of)}),
members AS (SELECT DISTINCT h.child_id, h.member_id, COALESCE(m.name, '') AS name,
  COALESCE(m.role, '') AS role, COALESCE(m.given, '') AS given, COALESCE(m.family, '') AS family
  FROM hh h JOIN kids k ON k.child_id = h.child_id
  LEFT JOIN people m ON m.person_id = h.member_id
  LEFT JOIN assessed a ON a.person_id = h.member_id
  WHERE a.person_id IS NULL AND h.kind IN ({', '.join(q(k) for k in kinds)}) {sex}),
named AS (SELECT DISTINCT mb.child_id, mb.member_id FROM members mb
  JOIN asm x ON x.person_id = mb.child_id
  WHERE mb.given <> '' AND mb.family <> '' AND strpos(x.txt, mb.given) > 0
    AND strpos(x.txt, mb.family) > 0),
cand AS (SELECT mb.* FROM members mb LEFT JOIN named n
  ON n.child_id = mb.child_id AND n.member_id = mb.member_id WHERE n.member_id IS NULL),
seen AS (SELECT c.child_id, c.member_id, e.event_id, e.d, e.agency, e.event_type
  FROM cand c JOIN ev e ON e.person_id = c.member_id
  WHERE e.d IS NOT NULL AND e.d <= {asof} AND e.event_type NOT IN ({tlist})
  UNION ALL
  SELECT c.child_id, c.member_id, e.event_id, e.d, e.agency, e.event_type
  FROM cand c JOIN subj s ON s.child_id = c.child_id JOIN ev e ON e.person_id = s.member_id
  WHERE c.given <> '' AND c.family <> '' AND e.person_id <> c.member_id
    AND e.d IS NOT NULL AND e.d <= {asof} AND e.event_type NOT IN ({tlist})
    AND strpos(lower(COALESCE(e.details, '') || ' ' || COALESCE(e.summary, '')), c.given) > 0
    AND strpos(lower(COALESCE(e.details, '') || ' ' || COALESCE(e.summary, '')), c.family) > 0),
since AS (SELECT child_id, member_id, MIN(d) AS d0 FROM seen GROUP BY child_id, member_id),
inper AS (SELECT c.child_id, c.member_id, x.event_id, x.d, x.agency, x.event_type
  FROM cand c JOIN since p ON p.child_id = c.child_id AND p.member_id = c.member_id
  JOIN asm x ON x.person_id = c.child_id AND x.d >= p.d0),
recs AS (SELECT person_id AS child_id, SUM(rec) AS n_recorded FROM asm GROUP BY person_id),
n_asm AS (SELECT child_id, member_id, COUNT(DISTINCT event_id) AS n FROM inper GROUP BY 1, 2),
n_seen AS (SELECT child_id, member_id, COUNT(DISTINCT event_id) AS n FROM seen GROUP BY 1, 2),
counts AS (SELECT a.child_id, a.member_id, a.n AS n_asm, COALESCE(s.n, 0) AS n_seen
  FROM n_asm a LEFT JOIN n_seen s ON s.child_id = a.child_id AND s.member_id = a.member_id
  JOIN recs r ON r.child_id = a.child_id
  WHERE a.n >= {minimum} AND {keep}),
evidence AS (SELECT child_id, member_id, event_id, d, agency, event_type FROM inper
  UNION ALL SELECT child_id, member_id, event_id, d, agency, event_type FROM seen)
SELECT c.child_id AS person_id, c.member_id AS grp, CAST(NULL AS DATE) AS w_start,
  CAST(NULL AS DATE) AS w_end, v.event_id, v.d, v.agency, v.event_type,
  'member=' || c.member_id || ';member_name=' || c.name || ';member_role=' || c.role
    || ';assessments=' || CAST(k.n_asm AS VARCHAR) || ';records=' || CAST(k.n_seen AS VARCHAR) AS info
FROM cand c JOIN evidence v ON v.child_id = c.child_id AND v.member_id = c.member_id
JOIN counts k ON k.child_id = c.child_id AND k.member_id = c.member_id"""


def unassessed_gaps_sql(rule: Rule, as_of: str) -> str | None:
    """For a ``household_adult_unassessed`` rule: the information gaps (adults in the
    household whose assessment cannot be told, no source recording who was seen), as
    evidence rows; None for other rules."""
    if rule.type != "structural" or rule.params.get("check") != "household_adult_unassessed":
        return None
    return _compile_unassessed(rule, as_of, gaps=True)


def _compile_sibling_disparity(rule: Rule, as_of: str) -> str:
    p = rule.params
    types = p.get("count_types")
    tcond = f"AND e.event_type IN ({', '.join(q(t) for t in types)})" if types else ""
    before = f"(e.d IS NULL OR e.d <= {date_lit(as_of)})"
    count = (f"COUNT(DISTINCT e.event_id) AS n FROM ev e JOIN {{ids}} i ON i.person_id = e.person_id "
             f"WHERE {before} {tcond} GROUP BY e.person_id")
    # the older children's records are counted first: only the siblings of those with few
    # records need theirs counted (the same counts, of far fewer people)
    return f"""WITH kids AS (SELECT s.member_id AS child_id FROM subj s
  WHERE s.via = 'self' AND {_is_child_at_asof(as_of)}),
kp AS (SELECT sb.older_id, sb.younger_id FROM sibs sb JOIN kids k1 ON k1.child_id = sb.older_id
  JOIN kids k2 ON k2.child_id = sb.younger_id),
old_ids AS (SELECT DISTINCT older_id AS person_id FROM kp),
n_old AS (SELECT e.person_id, {count.format(ids='old_ids')}),
cand AS (SELECT kp.older_id, kp.younger_id, COALESCE(no.n, 0) AS n_old FROM kp
  LEFT JOIN n_old no ON no.person_id = kp.older_id WHERE COALESCE(no.n, 0) <= {int(p['max_older'])}),
young_ids AS (SELECT DISTINCT younger_id AS person_id FROM cand),
n_young AS (SELECT e.person_id, {count.format(ids='young_ids')}),
pairs AS (SELECT c.older_id, c.younger_id, c.n_old, ny.n AS n_young FROM cand c
  JOIN n_young ny ON ny.person_id = c.younger_id WHERE ny.n >= {int(p['min_younger'])}),
agg AS (SELECT older_id, MAX(n_old) AS n_old, MAX(n_young) AS n_young, COUNT(*) AS n_sibs
  FROM pairs GROUP BY older_id),
young AS (SELECT DISTINCT younger_id AS person_id FROM pairs),
own AS (SELECT DISTINCT e.event_id, e.person_id, e.d, e.agency, e.event_type FROM ev e
  JOIN young y ON y.person_id = e.person_id WHERE {before} {tcond})
SELECT pr.older_id AS person_id, pr.older_id AS grp, CAST(NULL AS DATE) AS w_start,
  CAST(NULL AS DATE) AS w_end, x.event_id, x.d, x.agency, x.event_type,
  'older_records=' || CAST(g.n_old AS VARCHAR) || ';younger_records=' ||
  CAST(g.n_young AS VARCHAR) || ';younger_siblings=' || CAST(g.n_sibs AS VARCHAR) AS info
FROM pairs pr JOIN agg g ON g.older_id = pr.older_id JOIN own x ON x.person_id = pr.younger_id"""


COMPILERS = {
    "count_in_window": compile_count_in_window,
    "recurrence": compile_recurrence,
    "co_occurrence": compile_co_occurrence,
    "duration": compile_duration,
    "sequence": compile_sequence,
    "absence_of_followup": compile_absence_of_followup,
    "threshold": compile_threshold,
    "structural": compile_structural,
}


def needs_text(rules: list[Rule]) -> bool:
    """True when a rule selects on outcome or summary text."""
    return any(sel.outcome_contains for rule in rules for sel in rule.selectors.values())


def compile_rule(rule: Rule, as_of: str, *, dialect: str | Dialect = "duckdb") -> str:
    """The evidence-row SQL of ``rule`` in ``dialect`` (``duckdb`` or ``spark``)."""
    return sql_dialect(dialect).translate(COMPILERS[rule.type](rule, as_of))


def findings_sql(rule_sql: str, rule_id: str = "", *, structural: bool = False,
                 one_pass: bool = False, dialect: str | Dialect = "duckdb",
                 rule_column: bool = False) -> str:
    """Aggregate evidence rows into one row per (child, finding),
    :data:`chronos.model.RAW_FINDINGS`: the finding id
    (``model.stable_id('F', rule id, child, window start, window end, event ids[, grp])``),
    the window, the event ids, the agencies sorted case-insensitively and in order of
    first appearance, the event types. Duplicate evidence rows change nothing.

    Written once for every engine: ``rule_sql`` is the rule's evidence query in
    ``dialect`` (:func:`compile_rule`), the aggregation is built from the dialect's
    constructs (:mod:`chronos.sql`). Two plans give the same rows:

    * ordered aggregates (default): one DISTINCT or ordered aggregate per column, which
      DuckDB plans fast (a family's few hundred events);
    * ``one_pass`` (many evidence rows, e.g. a population on DuckDB): each evidence row
      becomes one string that sorts as (date, nulls last; event id), with the event type
      and agency after it; one sorted list per finding is collected and list functions
      split and deduplicate it.

    A finding without agencies (or event types) has NULL or '' there: rendering reads
    both as none.

    ``rule_column``: the evidence rows of a shared pass (:mod:`chronos.patterns.passes`),
    several rules' at once, each row naming its rule in a ``rule_id`` column; findings are
    made per rule (the same ids as each rule's alone) and keep the ``rule_id`` column."""
    d = sql_dialect(dialect)
    parts = ["rule_id" if rule_column else q(rule_id), "person_id", "window_start", "window_end",
             "event_ids"]
    if structural:
        parts.append("grp")
    lead = "rule_id, " if rule_column else ""
    aggregated = (_aggregated_one_pass if one_pass else _aggregated_ordered)(rule_sql, d, lead)
    if rule_column:  # the rule first, then the columns of one rule's findings
        return (f"SELECT a.rule_id, {d.stable_id('F', parts)} AS finding_id, "
                f"{', '.join('a.' + c for c in RAW_COLUMNS)} FROM (\n{aggregated}) a")
    return (f"SELECT {d.stable_id('F', parts)} AS finding_id, a.* FROM (\n"
            f"{aggregated}) a")


#: the columns of :func:`findings_sql` after ``finding_id`` (its aggregations' order)
RAW_COLUMNS = ("person_id", "grp", "window_start", "window_end", "event_ids", "agencies",
               "agencies_in_order", "event_types", "n", "info", "approx")


def with_rule_column(findings: str, rule_id: str) -> str:
    """One rule's findings query (:func:`findings_sql`) with its rule's id first, in the
    column order of a shared pass's."""
    return f"SELECT {q(rule_id)} AS rule_id, f.* FROM (\n{findings}) f"


def _window(d: Dialect) -> str:
    return (f"{d.text('COALESCE(MIN(r.w_start), MIN(r.d))')} AS window_start,\n"
            f"  {d.text('COALESCE(MAX(r.w_end), MAX(r.d))')} AS window_end")


_EVIDENCE = """FROM ({rule_sql}) r LEFT JOIN approx_ids ax ON ax.event_id = r.event_id
GROUP BY {keys}r.person_id, r.grp"""
_APPROX = "MAX(CASE WHEN ax.event_id IS NULL THEN 0 ELSE 1 END) AS approx"


def _aggregated_ordered(rule_sql: str, d: Dialect, lead: str = "") -> str:
    keys = lead.replace("rule_id", "r.rule_id")
    return f"""SELECT {keys}r.person_id, r.grp,
  {_window(d)},
  {d.agg_sorted_distinct('r.event_id')} AS event_ids,
  {d.agg_sorted_distinct_by('r.agency', 'lower(r.agency)')} AS agencies,
  {d.agg_in_order('r.agency', ['r.d', 'r.event_id'])} AS agencies_in_order,
  {d.agg_sorted_distinct('r.event_type')} AS event_types,
  COUNT(DISTINCT r.event_id) AS n, MAX(r.info) AS info,
  {_APPROX}
{_EVIDENCE.format(rule_sql=rule_sql, keys=keys)}"""


def _aggregated_one_pass(rule_sql: str, d: Dialect, lead: str = "") -> str:
    keys = lead.replace("rule_id", "r.rule_id")
    two = d.chr(2)

    def part(n: int) -> str:
        return d.split_part("x", two, n)

    packed = (f"CASE WHEN r.d IS NULL THEN '1' ELSE '0' || {d.text('r.d')} END || {two} "
              f"|| r.event_id || {two} || COALESCE(r.event_type, '') || {two} "
              f"|| COALESCE('=' || r.agency, '')")
    ids = d.list_sort(d.list_distinct(d.list_map("xs", "x", part(2))))
    agencies = d.list_map(d.list_filter("xs", "x", f"{part(4)} <> ''"), "x", f"substr({part(4)}, 2)")
    types = d.list_sort(d.list_distinct(d.list_filter(d.list_map("xs", "x", part(3)), "t", "t <> ''")))
    by_key = d.list_map(d.list_sort(d.list_distinct(d.list_map("ags", "x", f"lower(x) || {d.chr(1)} || x"))),
                        "x", d.split_part("x", d.chr(1), 2))
    return f"""SELECT {lead}person_id, grp, window_start, window_end, {d.list_join('ids', "';'")} AS event_ids,
  {d.list_join(by_key, "';'")} AS agencies,
  {d.list_join('ags', "';'")} AS agencies_in_order,
  {d.list_join(types, "';'")} AS event_types,
  {d.list_len('ids')} AS n, info, approx
FROM (SELECT {lead}person_id, grp, window_start, window_end, info, approx, xs,
  {ids} AS ids,
  {agencies} AS ags
FROM (SELECT {keys}r.person_id, r.grp,
  {_window(d)},
  {d.agg_sorted_list(packed)} AS xs,
  MAX(r.info) AS info, {_APPROX}
{_EVIDENCE.format(rule_sql=rule_sql, keys=keys)}) g) h"""


def to_dialect(sql: str, dialect: str = "spark") -> str:
    """House SQL (DuckDB's spelling) in another dialect: :meth:`chronos.sql.Dialect.translate`."""
    return sql_dialect(dialect).translate(sql)


__all__ = ["compile_rule", "prepare_sql", "findings_sql", "to_dialect", "undated_sql",
           "parse_window"]
