"""Run rules over the events of a case (or a population) and render findings.

:func:`run_rules` is the entry point: events, persons and relationships in (DataFrames
in the :mod:`chronos.model` contract), findings out (``model.FINDINGS`` columns, sorted,
with stable ids). :func:`evaluate` returns the findings and the data-quality notes
(events a windowed rule would have looked at but could not place in time).
:func:`harm_index` is the cumulative harm index per child over time.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from chronos import model
from chronos.errors import ChronosError, RuleError
from chronos.patterns import compile as comp
from chronos.patterns import passes
from chronos.patterns.rules import (
    Rule, apply_overrides, load_catalogue, load_overrides, load_rules, parse_window,
)

SMALL_CASE = 50_000
TINY_CASE = 5_000
ONE_PASS_ROWS = 50_000  # from this many event rows, findings are aggregated in one pass
NOTE_COLUMNS = ["rule_id", "person_id", "undated_events", "event_ids", "note"]


@dataclass
class RuleRun:
    """The result of :func:`evaluate`: ``findings`` (FINDINGS columns) and ``notes``
    (one row per rule and child with events the rule could not place in time)."""

    findings: pd.DataFrame
    notes: pd.DataFrame
    as_of: str


def resolve_rules(rules=None, params=None) -> list[Rule]:
    """Rules from ``None`` (the catalogue), a list of :class:`Rule`, or rule file paths;
    ``params`` is an overrides dict or the path of an overrides YAML file."""
    if isinstance(params, (str, Path)):
        params = load_overrides(params)
    if rules is None:
        return apply_overrides(load_catalogue(), params)
    if isinstance(rules, (str, Path)) or (
            isinstance(rules, (list, tuple)) and rules and not isinstance(rules[0], Rule)):
        return apply_overrides(load_rules(rules), params)
    return apply_overrides(list(rules), params)


def run_rules(events, persons, relationships=None, *, rules=None, params=None, as_of=None,
              engine: str = "duckdb") -> pd.DataFrame:
    """Findings for every child: one row per (rule, child, episode), ``model.FINDINGS``
    columns, sorted by person, rule, window start and id. The data-quality notes are in
    ``findings.attrs["notes"]`` (see :func:`evaluate`)."""
    run = evaluate(events, persons, relationships, rules=rules, params=params, as_of=as_of,
                   engine=engine)
    run.findings.attrs["notes"] = run.notes
    run.findings.attrs["as_of"] = run.as_of
    return run.findings


def evaluate(events, persons, relationships=None, *, rules=None, params=None, as_of=None,
             engine: str = "duckdb") -> RuleRun:
    """Run ``rules`` (default: the shipped catalogue) and return a :class:`RuleRun`.

    ``as_of`` (ISO date) is the reference date for open plans and for deciding whether a
    follow-up was due; by default the latest event date, so results never depend on the
    day they are run.
    """
    if engine != "duckdb":
        raise ChronosError(f"engine {engine!r} is not available here",
                           hint="evaluate runs a case's tables on DuckDB; for Spark call "
                                "run_on_engine(chronos.sql.engines.SparkSQLEngine(...), rules)")
    from chronos.sql.engines import DuckDBEngine

    rule_list = resolve_rules(rules, params)
    engine = DuckDBEngine(connect(events, persons, relationships))
    try:
        return run_on_engine(engine, rule_list, as_of)
    finally:
        engine.close()


def connect(events, persons, relationships=None):
    """An in-memory DuckDB connection with ``events_in``, ``persons_in`` and
    ``relationships_in`` registered from DataFrames."""
    import duckdb

    con = duckdb.connect()
    events = model.conformed(events, "events")
    if len(events) < SMALL_CASE:
        con.execute("SET threads = 1")  # a family: thread start-up costs more than it saves
    if len(events) < TINY_CASE:
        con.execute("PRAGMA disable_optimizer")  # planning ~30 rules costs more than running them
    con.register("events_in", events)
    con.register("persons_in", model.conformed(persons, "persons"))
    con.register("relationships_in", model.conformed(relationships, "relationships"))
    return con


def run_on_connection(con, rules: list[Rule], as_of=None) -> RuleRun:
    """Run rules on a DuckDB connection that already has ``events_in``, ``persons_in`` and
    ``relationships_in`` (tables or views, e.g. over Parquet for a population)."""
    from chronos.sql.engines import DuckDBEngine

    return run_on_engine(DuckDBEngine(con, owned=False), rules, as_of)


def run_on_engine(engine, rules: list[Rule], as_of=None) -> RuleRun:
    """Run rules on an engine (:class:`chronos.sql.engines.Engine`: DuckDB or Spark) that
    has ``events_in``, ``persons_in`` and ``relationships_in``: the prepared tables, every
    rule's findings query (:func:`chronos.patterns.compile.findings_sql`, in the engine's
    dialect; the rules of a kind that can share a pass together, :mod:`chronos.patterns.passes`),
    rendering and the data-quality notes. The prepared tables stay (the harm
    index reads ``sev``)."""
    as_of = _as_of(engine, as_of)
    engine.prepare(comp.prepare_sql(as_of, text=comp.needs_text(rules), rules=rules))
    one_pass = engine.name == "duckdb" and engine.scalar("SELECT COUNT(*) FROM ev") >= ONE_PASS_ROWS
    runs = passes.plan(rules)  # rules of a kind that can share a pass run together
    raw = passes.split(runs, engine.collect(
        {run.key: run.findings_sql(as_of, engine.dialect, one_pass=one_pass) for run in runs},
        many_rows=one_pass))
    parts = [render_columns(rule, raw[rule.id], as_of) for rule in rules if rule.id in raw]
    notes = pd.concat([n for n in (_notes(engine, rules), _gaps(engine, rules, as_of)) if len(n)]
                      or [pd.DataFrame(columns=NOTE_COLUMNS)], ignore_index=True)
    findings = model.conform(_findings_frame(parts), "findings")
    findings = findings.sort_values(["person_id", "rule_id", "window_start", "finding_id"],
                                    kind="stable").reset_index(drop=True)
    return RuleRun(findings, notes.reset_index(drop=True), as_of)


def findings_query(rule: Rule, as_of: str, dialect="duckdb", *, one_pass: bool = False) -> str:
    """One rule's raw findings (:data:`chronos.model.RAW_FINDINGS`) in ``dialect``."""
    evidence = comp.compile_rule(rule, as_of, dialect=dialect)
    return comp.findings_sql(evidence, rule.id, structural=rule.type == "structural",
                             one_pass=one_pass, dialect=dialect)


def _as_of(engine, as_of) -> str:
    """``as_of`` as an ISO date, or the latest event date of ``engine``'s ``events_in``."""
    if as_of is not None and str(as_of) != "":
        try:
            return dt.date.fromisoformat(str(as_of)[:10]).isoformat()
        except ValueError:
            raise RuleError(f"as_of {as_of!r} is not an ISO date (YYYY-MM-DD)") from None
    latest = engine.scalar("SELECT MAX(TRY_CAST(date AS DATE)) FROM events_in")
    if latest is None or latest is pd.NaT or (isinstance(latest, float) and math.isnan(latest)):
        return dt.date(1970, 1, 1).isoformat()
    return pd.Timestamp(latest).date().isoformat()


def _notes(engine, rules: list[Rule]) -> pd.DataFrame:
    """The data-quality notes, looked for only among the undated or imprecisely dated
    events (every precision a rule allows includes ``day``): usually few or none."""
    parts = [f"SELECT {comp.q(rule.id)} AS rule_id, u.* FROM ({comp.undated_sql(rule, 'usev')}) u"
             for rule in rules if comp.undated_sql(rule)]
    if not parts:
        return pd.DataFrame(columns=NOTE_COLUMNS)
    engine.table("usev", "SELECT * FROM rsev WHERE prec <> 'day'")
    if engine.scalar("SELECT COUNT(*) FROM (SELECT 1 FROM usev LIMIT 1) x") == 0:
        return pd.DataFrame(columns=NOTE_COLUMNS)
    d = engine.dialect
    frame = engine.df(
        f"SELECT rule_id, person_id, COUNT(*) AS undated_events, "
        f"{d.agg_in_order('event_id', ['event_id'])} AS event_ids FROM ("
        + "\nUNION ALL\n".join(d.translate(p) for p in parts)
        + ") n GROUP BY rule_id, person_id ORDER BY person_id, rule_id", native=True)
    frame["note"] = [
        f"{n} matching event{'s' if n != 1 else ''} without a usable date "
        "(undated, or less precise than the rule allows) not counted in the rule's windows"
        for n in frame["undated_events"]]
    return frame[NOTE_COLUMNS]


def _gaps(engine, rules: list[Rule], as_of: str) -> pd.DataFrame:
    """The information gaps of the rules that report them (an adult in the household
    whose assessment cannot be told, because no source records who was seen): one note
    per rule, child and adult, with the records that show the adult as its events."""
    rows = []
    d = engine.dialect
    for rule in rules:
        sql = comp.unassessed_gaps_sql(rule, as_of)
        if sql is None:
            continue
        frame = engine.df(
            f"SELECT person_id, grp, MAX(info) AS info, {d.agg_sorted_distinct('event_id')} "
            f"AS event_ids FROM ({d.translate(sql)}) g GROUP BY person_id, grp "
            "ORDER BY person_id, grp", native=True)
        for rec in frame.to_dict("records"):
            info = _info(rec["info"])
            name = info.get("member_name") or info.get("member") or "an adult"
            rows.append({"rule_id": rule.id, "person_id": rec["person_id"],
                         "undated_events": 0, "event_ids": rec["event_ids"],
                         "note": f"information gap: {name} is in the child's household, but "
                                 "no record says who was seen at the child's "
                                 f"{info.get('assessments', '')} assessment(s), so whether "
                                 f"{name} was assessed cannot be told"})
    return pd.DataFrame(rows, columns=NOTE_COLUMNS)


# --------------------------------------------------------------------------- rendering

@lru_cache(maxsize=65536)
def _uk(iso: str) -> str:
    return f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]}"


def uk_date(value) -> str:
    """dd/mm/yyyy for an ISO date or date ('' when missing)."""
    iso = _iso(value)
    return _uk(iso) if iso else ""


def _iso(value) -> str | None:
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        return value[:10] or None
    return pd.Timestamp(value).date().isoformat()


@lru_cache(maxsize=65536)
def human_span(start: str | None, end: str | None) -> str:
    """The time between two ISO dates in words: '1 day', '3 weeks', '9 months', '2 years'.

    Months are rounded to the nearest whole month; under 8 weeks is given in weeks or days.
    """
    if not start or not end:
        return "an unknown period"
    a, b = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    days = (b - a).days
    if days < 14:
        return "the same day" if days == 0 else _plural(days, "day")
    if days < 56:
        return _plural(round(days / 7), "week")
    months = round(days / 30.4375)
    if months >= 24 and months % 12 in (0, 1, 11):
        return _plural(round(months / 12), "year")
    return _plural(months, "month")


def _dates_text(start: str | None, end: str | None) -> str:
    """'on 04/01/2023', '04/01/2023 to 20/09/2023' or 'undated'."""
    if not start:
        return "undated"
    if not end or end == start:
        return "on " + _uk(start)
    return f"{_uk(start)} to {_uk(end)}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _fmt_number(text: str) -> str:
    try:
        num = float(text)
    except (TypeError, ValueError):
        return text or ""
    return str(int(num)) if num.is_integer() else f"{num:g}"


#: one ``key=value`` part of an info string (the key ends at the part's first '=')
_PAIR = re.compile(r"(?:^|;)([^;=]*)=([^;]*)")


def _info(text) -> dict:
    if not isinstance(text, str) or not text:
        return {}
    return dict(_PAIR.findall(text))


def _window_text(rule: Rule) -> str:
    for key in ("window", "within", "longer_than"):
        if rule.params.get(key) is not None:
            return parse_window(rule.params[key]).human()
    return ""


@lru_cache(maxsize=4096)
def _type_labels(types: str) -> str:
    vocab = model.vocabulary()
    return ", ".join(vocab.label(t).lower() for t in types.split(";") if t)


def _agencies_text(row: dict) -> str:
    ordered = row.get("agencies_in_order") or row.get("agencies") or ""
    return _agencies_listed(ordered) if isinstance(ordered, str) else "agency not recorded"


@lru_cache(maxsize=65536)
def _agencies_listed(ordered: str) -> str:
    names = list(dict.fromkeys(a for a in ordered.split(";") if a))
    return ", ".join(names) if names else "agency not recorded"


def _measures(info: dict) -> str:
    text = ", ".join(f"{k.replace('_', ' ')} {_fmt_number(v)}" for k, v in info.items() if k != "value")
    return text or _fmt_number(info.get("value", ""))


def template_vars(rule: Rule, row: dict, as_of: str) -> dict:
    """All the variables an explanation template can use, for one finding (a raw finding
    row, :data:`chronos.model.RAW_FINDINGS`)."""
    keys = ("n", "window_start", "window_end", "agencies", "agencies_in_order", "event_types")
    cols = {k: [row.get(k)] for k in keys}
    infos = [_info(row.get("info"))]
    names = list(_FAST) + list(infos[0]) + [k for k, v in rule.params.items()
                                            if v is not None and not isinstance(v, (list, dict))]
    return {name: _column(name, rule, cols, as_of, infos)[0] for name in dict.fromkeys(names)}


def _fields(template: str) -> list[str]:
    return list(dict.fromkeys(name for _, name, _, _ in string.Formatter().parse(template) if name))


class _Row(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def _status(info: dict, end, as_of: str) -> str:
    if info.get("open") == "1":
        return "still open at " + _uk(as_of)
    return "ended " + (_uk(end) if end else "")


_FAST = {  # template variables computed column-wise: (columns, rule, as_of, infos) -> list
    "count": lambda c, r, a, i: [int(x) for x in c["n"]],
    "start": lambda c, r, a, i: [_uk(x) if x else "undated" for x in c["window_start"]],
    "end": lambda c, r, a, i: [_uk(x) if x else "undated" for x in c["window_end"]],
    "dates": lambda c, r, a, i: [_dates_text(s, e) for s, e in zip(c["window_start"], c["window_end"])],
    "span": lambda c, r, a, i: [human_span(s, e) for s, e in zip(c["window_start"], c["window_end"])],
    "duration": lambda c, r, a, i: [human_span(s, e) for s, e in zip(c["window_start"], c["window_end"])],
    "window": lambda c, r, a, i: [_window_text(r)] * len(c["n"]),
    "title": lambda c, r, a, i: [r.title] * len(c["n"]),
    "as_of": lambda c, r, a, i: [_uk(a)] * len(c["n"]),
    "agencies": lambda c, r, a, i: [_agencies_listed(x) if isinstance(x, str) else "agency not recorded"
                                    for x in c["agencies_in_order"]],
    "agency_count": lambda c, r, a, i: [len({y for y in (x or "").split(";") if y}) for x in c["agencies"]],
    "types": lambda c, r, a, i: [_type_labels(x or "") for x in c["event_types"]],
    "measures": lambda c, r, a, i: [_measures(x) for x in i],
    "value": lambda c, r, a, i: [_fmt_number(x.get("value", "")) for x in i],
    "before": lambda c, r, a, i: [_fmt_number(x.get("before", "")) for x in i],
    "after": lambda c, r, a, i: [_fmt_number(x.get("after", "")) for x in i],
    "lowest": lambda c, r, a, i: [_fmt_number(x.get("lowest", "")) for x in i],
    "highest": lambda c, r, a, i: [_fmt_number(x.get("highest", "")) for x in i],
    "terms": lambda c, r, a, i: [_fmt_number(x.get("terms", "")) for x in i],
    "member_name": lambda c, r, a, i: [x.get("member_name") or x.get("member", "an adult") for x in i],
    "member_role": lambda c, r, a, i: [x.get("member_role") or "adult" for x in i],
    "status": lambda c, r, a, i: [_status(x, e, a) for x, e in zip(i, c["window_end"])],
}


def _column(name: str, rule: Rule, cols: dict, as_of: str, infos: list) -> list:
    """The values of one template variable for every finding of ``rule``."""
    if name in _FAST:
        return _FAST[name](cols, rule, as_of, infos)
    value = rule.params.get(name)
    if value is not None and not isinstance(value, (list, dict)):
        return [value] * len(infos)
    return [info.get(name, "{" + name + "}") for info in infos]


#: template variables that do not read the ``info`` column
_NO_INFO = frozenset(_FAST) - {"measures", "value", "before", "after", "member_name",
                                "member_role", "status", "lowest", "highest", "terms"}


class _Columns(dict):
    """The raw rows' columns (a DataFrame or an Arrow table) as lists, each converted when
    first used."""

    def __init__(self, raw):
        super().__init__()
        self.raw = raw

    def __missing__(self, name: str) -> list:
        column = self.raw[name]
        self[name] = _clean_column(column) if isinstance(column, pd.Series) else column.to_pylist()
        return self[name]


def _clean_column(series: pd.Series) -> list:
    """The column as a list, with every kind of missing value as ``None``."""
    values = series.tolist()
    if not series.hasnans:
        return values
    return [None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v
            for v in values]


@lru_cache(maxsize=1024)
def _positional(template: str) -> str | None:
    """``template`` with its fields numbered in order of first use ('{0} and {1}'), for
    ``str.format(*values)``; None when a field is not a plain name (e.g. ``{a.b}``)."""
    names, out = _fields(template), []
    for literal, name, spec, conv in string.Formatter().parse(template):
        out.append(literal.replace("{", "{{").replace("}", "}}"))
        if name is None:
            continue
        if not name.isidentifier():
            return None
        out.append("{" + str(names.index(name)) + (f"!{conv}" if conv else "")
                   + (f":{spec}" if spec else "") + "}")
    return "".join(out)


def _texts(template: str, fields: list[str], values: list[list], n: int) -> list[str]:
    if not fields:
        return [template] * n
    positional = _positional(template)
    if positional is not None:
        return [positional.format(*vals) for vals in zip(*values)]
    return [template.format_map(_Row(zip(fields, vals))) for vals in zip(*values)]


def render(rule: Rule, raw: pd.DataFrame, as_of: str) -> pd.DataFrame:
    """Turn raw findings (:data:`chronos.model.RAW_FINDINGS`) into FINDINGS rows for one
    rule."""
    if raw.empty:
        return model.empty("findings")
    return _findings_frame([render_columns(rule, raw, as_of)])


def render_columns(rule: Rule, raw, as_of: str) -> dict[str, list]:
    """:func:`render` as lists, one per FINDINGS column (cheaper to concatenate); ``raw``
    is a DataFrame or an Arrow table."""
    cols = _Columns(raw)
    fields = _fields(rule.explanation)
    n = len(cols["n"])
    if all(f in _NO_INFO or _param_value(rule, f) for f in fields):
        infos = [None] * n  # no variable reads the info column: skip parsing it
    else:
        infos = [_info(x) for x in cols["info"]]
    values = [_column(f, rule, cols, as_of, infos) for f in fields]
    texts = [_tidy(t) + (" (some dates approximate)" if ax else "")
             for t, ax in zip(_texts(rule.explanation, fields, values, n), cols["approx"])]
    return {
        "finding_id": cols["finding_id"], "rule_id": [rule.id] * n, "title": [rule.title] * n,
        "person_id": cols["person_id"], "category": [rule.category] * n,
        "severity": _severities(rule, cols, n),
        "window_start": [x or "" for x in cols["window_start"]],
        "window_end": [x or "" for x in cols["window_end"]],
        "event_ids": [x or "" for x in cols["event_ids"]],
        "agencies": [x or "" for x in cols["agencies"]], "explanation": texts,
    }


def _severities(rule: Rule, cols, n: int) -> list[str]:
    """The rule's severity, or the one a finding's facts raise it to (``severity=`` in
    its info: a trend that fell below the rule's ``high_below``)."""
    if rule.params.get("high_below") is None:
        return [rule.severity] * n
    return [_info(x).get("severity") or rule.severity for x in cols["info"]]


def _findings_frame(parts: list[dict[str, list]]) -> pd.DataFrame:
    """One FINDINGS frame from :func:`render_columns` parts, typed without per-cell work."""
    if not parts:
        return model.empty("findings")
    data = {name: _text_series([part.get(name) or [None] * len(part["finding_id"])
                                for part in parts], dtype)
            for name, dtype in model.FINDINGS.items()}
    return pd.DataFrame(data, columns=list(model.FINDINGS))


def _text_series(chunks: list[list], dtype: str) -> pd.Series:
    """A string column from lists of str (or None), built by Arrow in one pass."""
    import pyarrow as pa

    from chronos.ingest.tabular import pa_text, string_series

    try:
        series = string_series(pa.chunked_array([pa_text(c) for c in chunks],
                                                type=pa.large_string()))
    except (pa.ArrowException, TypeError, ValueError):
        series = pd.Series([v for chunk in chunks for v in chunk], dtype=dtype)
    return series if str(series.dtype) == dtype else series.astype(dtype)


def _param_value(rule: Rule, name: str) -> bool:
    value = rule.params.get(name)
    return value is not None and not isinstance(value, (list, dict))


def _tidy(text: str) -> str:
    # the only whitespace a printable string can hold is ' ': most texts need no collapsing
    if not text.isprintable() or "  " in text or text[:1] == " " or text[-1:] == " ":
        text = " ".join(text.split())
    return text[:1].upper() + text[1:]


# --------------------------------------------------------------------------- evidence map

def significance(findings: pd.DataFrame) -> pd.DataFrame:
    """One row per (event_id, finding): ``event_id``, ``finding_id``, ``rule_id``,
    ``significance`` (the finding's title) for the chronology's Significance column."""
    rows = []
    for rec in findings.to_dict("records"):
        for eid in (rec["event_ids"] or "").split(";"):
            if eid:
                rows.append({"event_id": eid, "finding_id": rec["finding_id"],
                             "rule_id": rec["rule_id"], "significance": rec["title"]})
    frame = pd.DataFrame(rows, columns=["event_id", "finding_id", "rule_id", "significance"])
    return frame.sort_values(["event_id", "rule_id", "finding_id"]).reset_index(drop=True)


def significance_by_event(findings: pd.DataFrame) -> dict[str, str]:
    """event_id -> '; '-joined distinct finding titles (sorted) that cite the event."""
    sig = significance(findings)
    grouped = sig.groupby("event_id")["significance"].agg(lambda s: "; ".join(sorted(set(s))))
    return grouped.to_dict()
