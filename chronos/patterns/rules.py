"""Rules as data: load, validate and override the YAML indicator rules.

A rule file holds ``rules:`` (a list of rule mappings). Every rule has an ``id``, a
``title``, a ``type`` (see :data:`RULE_TYPES`), a Horwath ``category``, a ``severity``,
an ``explanation`` template, a ``source`` (the guidance it comes from), optional
``age_band``, one or more selectors (``select``, or ``first``/``then``, ``event``/
``followup``, ``start``/``end``, ``groups``) and ``params`` that a case or an authority
may override. Validation happens on load; every problem raises :class:`RuleError`
naming the file, the rule id and the field. See ``docs/writing-rules.md``.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path

from chronos.ages import age_bands
from chronos.datafiles import package_path
from chronos.errors import RuleError
from chronos.model import vocabulary

RULE_TYPES = (
    "count_in_window", "recurrence", "co_occurrence", "duration", "sequence",
    "absence_of_followup", "threshold", "structural",
)
SEVERITIES = ("low", "medium", "high")
SUBJECTS = ("child", "household")
PRECISIONS = ("day", "month", "year")
STRUCTURAL_CHECKS = ("household_adult_unassessed", "sibling_disparity")
SELECTOR_KEYS = {
    "event_type", "kind", "category", "agency", "agency_contains", "details",
    "age_band", "age_months", "subject", "outcome_contains",
}
# which selector fields each type needs, and the params it understands (with defaults)
TYPE_SELECTORS = {
    "count_in_window": ("select",),
    "recurrence": ("select",),
    "co_occurrence": ("groups",),
    "duration": ("start", "end"),
    "sequence": ("first", "then"),
    "absence_of_followup": ("event", "followup"),
    "threshold": ("select",),
    "structural": (),
}
#: selectors a rule type may have but need not (absence_of_followup: an event while a
#: plan is open is being acted on; ``open`` starts such a period and ``closed`` ends it)
OPTIONAL_SELECTORS = {"absence_of_followup": ("open", "closed"),
                      "count_in_window": ("open", "closed")}
TYPE_PARAMS = {
    "count_in_window": {"min_count": 1, "window": "0d", "distinct_days": False,
                        "min_precision": "month"},
    "recurrence": {"within": None, "min_count": 2, "distinct_days": False,
                   "min_precision": "month"},
    "co_occurrence": {"window": None, "min_groups": None, "min_precision": "month"},
    "duration": {"longer_than": None, "min_precision": "month"},
    "sequence": {"within": None, "same_day": False, "min_precision": "month"},
    "absence_of_followup": {"within": None, "same_day": True, "different_agency": False,
                            "also_before": None, "siblings": False, "min_precision": "month"},
    "threshold": {"measure": "value", "below": None, "above": None, "at_least": None,
                  "at_most": None, "mode": "each", "higher_is_worse": True,
                  "high_below": None, "min_precision": "month"},
    "structural": {"check": None, "assessment_types": None, "member_kinds": None,
                   "sex": None, "min_assessments": None, "max_older": 2, "min_younger": 10,
                   "count_types": None, "seen_keys": None},
}
REQUIRED = ("id", "title", "type", "category", "severity", "explanation", "source")
OPTIONAL = ("age_band", "params", "description", "tags") + tuple(
    {s for sels in TYPE_SELECTORS.values() for s in sels}) + ("open", "closed")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Window:
    """A length of time: ``n`` days or ``n`` calendar months (``None`` n: unlimited)."""

    n: int | None
    unit: str  # "day" | "month"
    text: str

    @property
    def unlimited(self) -> bool:
        """True for ``any``: the whole record."""
        return self.n is None

    def human(self) -> str:
        """Plain English, e.g. '9 months', '1 year', '28 days'."""
        if self.n is None:
            return "the whole record"
        if self.unit == "month" and self.n % 12 == 0:
            years = self.n // 12
            return f"{years} year" + ("s" if years != 1 else "")
        word = self.unit
        return f"{self.n} {word}" + ("s" if self.n != 1 else "")


_WINDOW_WORDS = {
    "d": ("day", 1), "day": ("day", 1), "days": ("day", 1),
    "w": ("day", 7), "wk": ("day", 7), "week": ("day", 7), "weeks": ("day", 7),
    "m": ("month", 1), "mo": ("month", 1), "month": ("month", 1), "months": ("month", 1),
    "y": ("month", 12), "yr": ("month", 12), "year": ("month", 12), "years": ("month", 12),
}
_PLAIN = re.compile(r"^\s*(\d+)\s*([a-z]+)\s*$")
_ISO = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


def parse_window(text: object) -> Window:
    """Parse '9 months', '270d', '6 weeks', '1 year', 'P9M', 'P270D', 'P1Y6M' or 'any'.

    Months and years are calendar months (end-of-month dates clamp: 31 January plus one
    month is 28/29 February); days and weeks are days. Mixing months with days is an
    error, as is a negative, empty or unrecognised window. Raises ``ValueError``.
    """
    if isinstance(text, bool) or text is None:
        raise ValueError("a window is required, e.g. '9 months', '270d' or 'P9M'")
    raw = str(text).strip()
    if raw.lower() in {"any", "ever", "unlimited"}:
        return Window(None, "day", raw)
    iso = _ISO.match(raw.upper())
    if raw.upper().startswith("P") and iso and any(iso.groups()):
        years, months, weeks, days = (int(g) if g else 0 for g in iso.groups())
        if (years or months) and (weeks or days):
            raise ValueError(f"window {raw!r} mixes months and days; use one unit")
        if years or months:
            return Window(years * 12 + months, "month", raw)
        return Window(weeks * 7 + days, "day", raw)
    plain = _PLAIN.match(raw.lower())
    if not plain or plain.group(2) not in _WINDOW_WORDS:
        raise ValueError(f"cannot read window {raw!r}; write e.g. '9 months', '270d', "
                         "'6 weeks', '1 year', 'P9M' or 'any'")
    unit, factor = _WINDOW_WORDS[plain.group(2)]
    return Window(int(plain.group(1)) * factor, unit, raw)


@dataclass(frozen=True)
class Selector:
    """Which events a rule looks at (all conditions must hold; lists mean any of)."""

    event_types: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    agency_contains: tuple[str, ...] = ()
    outcome_contains: tuple[str, ...] = ()
    details: tuple[tuple[str, tuple[str, ...]], ...] = ()
    age_min_months: int | None = None
    age_max_months: int | None = None
    subject: str = "child"


@dataclass
class Rule:
    """One validated rule. ``params`` already has defaults and overrides applied."""

    id: str
    title: str
    type: str
    category: str
    severity: str
    explanation: str
    source: str
    age_band: str | None = None
    selectors: dict[str, Selector] = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    description: str = ""
    file: str = ""
    raw: dict = field(default_factory=dict)

    def window(self, name: str = "window") -> Window:
        """A window-valued parameter, parsed."""
        return parse_window(self.params[name])


def _fail(msg: str, file: str, rule_id: str | None, fld: str | None, hint: str | None = None):
    where = f"rule {rule_id!r}: " if rule_id else ""
    raise RuleError(where + msg, file=file or None, column=fld, hint=hint)


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def build_selector(spec, *, file: str, rule_id: str, fld: str, age_band: str | None) -> Selector:
    """Validate one selector mapping and return a :class:`Selector`."""
    if not isinstance(spec, dict):
        _fail("selector must be a mapping (event_type, category, agency, ...)", file, rule_id, fld)
    unknown = set(spec) - SELECTOR_KEYS
    if unknown:
        _fail(f"unknown selector field(s) {sorted(unknown)}; known: {sorted(SELECTOR_KEYS)}",
              file, rule_id, f"{fld}.{sorted(unknown)[0]}")
    vocab = vocabulary()
    types = [str(t) for t in _as_list(spec.get("event_type"))]
    for t in types:
        if t not in vocab:
            _fail(f"unknown event type {t!r}", file, rule_id, f"{fld}.event_type",
                  hint="event types come from chronos/data/event_types.yaml")
    for kind in _as_list(spec.get("kind")):
        matched = [n for n, e in vocab.event_types.items() if e.kind == kind]
        if not matched:
            _fail(f"unknown event kind {kind!r}", file, rule_id, f"{fld}.kind")
        types += [m for m in matched if m not in types]
    cats = [str(c) for c in _as_list(spec.get("category"))]
    for c in cats:
        if c not in vocab.categories:
            _fail(f"unknown Horwath category {c!r}; known: {sorted(vocab.categories)}",
                  file, rule_id, f"{fld}.category")
    details = spec.get("details") or {}
    if not isinstance(details, dict) or any(not _KEY.match(str(k)) for k in details):
        _fail("details must map lower-case keys to a value or list of values",
              file, rule_id, f"{fld}.details")
    lo, hi = _age_limits(spec, age_band, file=file, rule_id=rule_id, fld=fld)
    subject = spec.get("subject", "child")
    if subject not in SUBJECTS:
        _fail(f"subject must be one of {SUBJECTS}, not {subject!r}", file, rule_id, f"{fld}.subject")
    return Selector(
        event_types=tuple(types), categories=tuple(cats),
        agencies=tuple(str(a).lower() for a in _as_list(spec.get("agency"))),
        agency_contains=tuple(str(a).lower() for a in _as_list(spec.get("agency_contains"))),
        outcome_contains=tuple(str(a).lower() for a in _as_list(spec.get("outcome_contains"))),
        details=tuple(sorted((str(k), tuple(str(v) for v in _as_list(val)))
                             for k, val in details.items())),
        age_min_months=lo, age_max_months=hi, subject=subject,
    )


def _age_limits(spec: dict, rule_band, *, file, rule_id, fld):
    lo = hi = None
    known = age_bands().bands
    for band in [b for b in (rule_band, spec.get("age_band")) if b]:
        for name in _as_list(band):
            if str(name) not in known:
                _fail(f"unknown age band {name!r}; known: {list(known)}",
                      file, rule_id, f"{fld}.age_band" if band is not rule_band else "age_band")
        bounds = [known[str(n)] for n in _as_list(band)]
        b_lo = None if any(b[0] is None for b in bounds) else min(b[0] for b in bounds)
        b_hi = max(b[1] for b in bounds)
        lo = b_lo if lo is None else (lo if b_lo is None else max(lo, b_lo))
        hi = b_hi if hi is None else min(hi, b_hi)
    months = spec.get("age_months")
    if months is not None:
        if not isinstance(months, dict) or set(months) - {"min", "max"}:
            _fail("age_months must be a mapping with min and/or max (completed months)",
                  file, rule_id, f"{fld}.age_months")
        for key in months:
            if not isinstance(months[key], int) or isinstance(months[key], bool):
                _fail(f"age_months.{key} must be a whole number of months",
                      file, rule_id, f"{fld}.age_months.{key}")
        if "min" in months:
            lo = months["min"] if lo is None else max(lo, months["min"])
        if "max" in months:
            hi = months["max"] if hi is None else min(hi, months["max"])
        if lo is None and not _mentions_prenatal(rule_band, spec.get("age_band")):
            lo = 0  # an age in months means a born child unless prenatal is asked for
    return lo, hi


def _mentions_prenatal(*bands) -> bool:
    return any(str(b) == "prenatal" for band in bands for b in _as_list(band))


def build_rule(spec: dict, *, file: str = "", overrides: dict | None = None) -> Rule:
    """Validate one rule mapping (with optional param overrides) into a :class:`Rule`."""
    if not isinstance(spec, dict):
        _fail("each rule must be a mapping", file, None, None)
    rule_id = spec.get("id")
    for key in REQUIRED:
        if spec.get(key) in (None, ""):
            _fail(f"missing field {key!r}", file, rule_id, key)
    if not _ID.match(str(rule_id)):
        _fail("id must be lower_snake_case (a-z, 0-9, _)", file, rule_id, "id")
    unknown = set(spec) - set(REQUIRED) - set(OPTIONAL)
    if unknown:
        _fail(f"unknown field(s) {sorted(unknown)}", file, rule_id, sorted(unknown)[0])
    rtype = spec["type"]
    if rtype not in RULE_TYPES:
        _fail(f"unknown rule type {rtype!r}; known: {', '.join(RULE_TYPES)}", file, rule_id, "type")
    if spec["category"] not in vocabulary().categories:
        _fail(f"unknown Horwath category {spec['category']!r}", file, rule_id, "category")
    if spec["severity"] not in SEVERITIES:
        _fail(f"severity must be one of {SEVERITIES}", file, rule_id, "severity")
    params = _params(spec, rtype, file, rule_id, overrides)
    selectors = _selectors(spec, rtype, file, rule_id)
    rule = Rule(id=rule_id, title=str(spec["title"]), type=rtype, category=spec["category"],
                severity=spec["severity"], explanation=str(spec["explanation"]),
                source=str(spec["source"]), age_band=spec.get("age_band"), selectors=selectors,
                params=params, description=str(spec.get("description") or ""), file=file,
                raw=copy.deepcopy(spec))
    _check_params(rule)
    return rule


def _selectors(spec, rtype, file, rule_id) -> dict[str, Selector]:
    band = spec.get("age_band")
    out = {}
    for name in TYPE_SELECTORS[rtype]:
        if name == "end" and spec.get("end") is None:
            continue  # duration: the plan's own end_date may be enough
        if spec.get(name) is None:
            _fail(f"missing field {name!r} (a {rtype} rule needs {TYPE_SELECTORS[rtype]})",
                  file, rule_id, name)
        if name == "groups":
            groups = spec["groups"]
            if not isinstance(groups, dict) or len(groups) < 2:
                _fail("groups must map at least two group names to selectors", file, rule_id, "groups")
            for gname, gspec in groups.items():
                if not _KEY.match(str(gname)):
                    _fail(f"group name {gname!r} must be lower_snake_case", file, rule_id, "groups")
                out[f"group:{gname}"] = build_selector(gspec, file=file, rule_id=rule_id,
                                                       fld=f"groups.{gname}", age_band=band)
            continue
        out[name] = build_selector(spec[name], file=file, rule_id=rule_id, fld=name, age_band=band)
    for name in OPTIONAL_SELECTORS.get(rtype, ()):
        if spec.get(name) is not None:
            out[name] = build_selector(spec[name], file=file, rule_id=rule_id, fld=name,
                                       age_band=None)
    if ("open" in out) != ("closed" in out):
        _fail("open and closed go together (what starts and what ends the period in which "
              "an event is being acted on)", file, rule_id, "open" if "open" not in out else "closed")
    extra = [n for n in ("select", "first", "then", "event", "followup", "start", "end", "groups",
                         "open", "closed")
             if n in spec and n not in TYPE_SELECTORS[rtype] + OPTIONAL_SELECTORS.get(rtype, ())]
    if extra:
        _fail(f"field {extra[0]!r} does not apply to a {rtype} rule", file, rule_id, extra[0])
    for name in _as_list(band):
        if str(name) not in age_bands().bands:
            _fail(f"unknown age band {name!r}; known: {list(age_bands().bands)}", file, rule_id,
                  "age_band")
    return out


def _params(spec, rtype, file, rule_id, overrides) -> dict:
    defaults = TYPE_PARAMS[rtype]
    given = spec.get("params") or {}
    if not isinstance(given, dict):
        _fail("params must be a mapping", file, rule_id, "params")
    merged = dict(defaults)
    for source, values in (("params", given), ("override", overrides or {})):
        for key, value in values.items():
            if key not in defaults:
                _fail(f"unknown parameter {key!r} for a {rtype} rule; known: {sorted(defaults)}",
                      file, rule_id, f"params.{key}" if source == "params" else f"override.{key}")
            merged[key] = value
    return merged


def _check_params(rule: Rule) -> None:
    p, t = rule.params, rule.type
    for key in ("window", "within", "longer_than", "also_before"):
        if key in p and (p[key] is not None or key in _needs(t)):
            try:
                parse_window(p[key])
            except ValueError as exc:
                _fail(str(exc), rule.file, rule.id, f"params.{key}")
    for key in ("min_count", "min_groups", "max_older", "min_younger", "min_assessments"):
        val = p.get(key)
        if key in p and val is not None and (not isinstance(val, int) or isinstance(val, bool) or val < 0):
            _fail(f"{key} must be a whole number >= 0", rule.file, rule.id, f"params.{key}")
    if p.get("min_precision", "month") not in PRECISIONS:
        _fail(f"min_precision must be one of {PRECISIONS}", rule.file, rule.id, "params.min_precision")
    if t == "co_occurrence":
        n = p["min_groups"] or len([s for s in rule.selectors if s.startswith("group:")])
        p["min_groups"] = n
    if t == "threshold":
        _check_threshold(rule)
    if t == "structural":
        _check_structural(rule)


def _needs(rtype: str) -> tuple[str, ...]:
    return {"count_in_window": ("window",), "recurrence": ("within",),
            "co_occurrence": ("window",), "duration": ("longer_than",),
            "sequence": ("within",), "absence_of_followup": ("within",)}.get(rtype, ())


def measure_keys(measure) -> list[str]:
    """The measure(s) of a threshold rule: ['value'] or ['details:physical_care', ...]."""
    items = _as_list(measure)
    return [str(m) for m in items]


def _check_threshold(rule: Rule) -> None:
    p = rule.params
    keys = measure_keys(p["measure"])
    for key in keys:
        ok = key == "value" or (key.startswith("details:") and _KEY.match(key[8:]))
        if not ok:
            _fail(f"measure {key!r} must be 'value' or 'details:<key>'", rule.file, rule.id,
                  "params.measure")
    if p["mode"] not in ("each", "run", "no_improvement"):
        _fail("mode must be 'each', 'run' or 'no_improvement'", rule.file, rule.id, "params.mode")
    if p["high_below"] is not None and not isinstance(p["high_below"], (int, float)):
        _fail("high_below must be a number", rule.file, rule.id, "params.high_below")
    bounds = [p[b] for b in ("below", "above", "at_least", "at_most")]
    for name in ("below", "above", "at_least", "at_most"):
        if p[name] is not None and not isinstance(p[name], (int, float)):
            _fail(f"{name} must be a number", rule.file, rule.id, f"params.{name}")
    if p["mode"] in ("each", "run") and all(b is None for b in bounds):
        _fail("a threshold needs below, above, at_least or at_most", rule.file, rule.id, "params")
    if p["mode"] == "no_improvement" and len(keys) != 1:
        _fail("no_improvement compares one measure", rule.file, rule.id, "params.measure")


def _check_structural(rule: Rule) -> None:
    p = rule.params
    if p["check"] not in STRUCTURAL_CHECKS:
        _fail(f"check must be one of {STRUCTURAL_CHECKS}", rule.file, rule.id, "params.check")
    vocab = vocabulary()
    for key in ("assessment_types", "count_types"):
        for t in _as_list(p.get(key)):
            if t not in vocab:
                _fail(f"unknown event type {t!r}", rule.file, rule.id, f"params.{key}")


# --------------------------------------------------------------------------- loading

def _read_yaml(path: Path):
    from chronos.safe_input import load_yaml

    return load_yaml(path, error=RuleError, what="rule file")


def _rule_specs(data, file: str) -> list:
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and isinstance(data.get("rules"), list):
        return data["rules"]
    if isinstance(data, dict) and "id" in data:
        return [data]
    raise RuleError("a rule file must hold 'rules:' (a list of rules)", file=file)


def load_rules(paths, *, overrides: dict | None = None) -> list[Rule]:
    """Load and validate rules from YAML files (or folders of them), in file order.

    ``overrides`` maps rule id to a dict of params. Duplicate ids across files:
    the later file replaces the earlier rule (so a local file can replace a shipped one).
    """
    rules: dict[str, Rule] = {}
    for path in _expand(paths):
        specs = _rule_specs(_read_yaml(path), str(path))
        seen = set()
        for spec in specs:
            rid = spec.get("id") if isinstance(spec, dict) else None
            if rid in seen:
                _fail("duplicate rule id in one file", str(path), rid, "id")
            seen.add(rid)
            rule = build_rule(spec, file=str(path), overrides=(overrides or {}).get(rid))
            rules.pop(rule.id, None)
            rules[rule.id] = rule
    _check_override_ids(overrides, rules)
    return list(rules.values())


def _expand(paths) -> list[Path]:
    if isinstance(paths, (str, Path)):
        paths = [paths]
    out = []
    for p in map(Path, paths):
        out += sorted(p.glob("*.yaml")) if p.is_dir() else [p]
    return out


def _check_override_ids(overrides, rules) -> None:
    for rid in overrides or {}:
        if rid not in rules:
            raise RuleError(f"override names unknown rule {rid!r}", column="overrides",
                            hint="run 'chronos rules list' for the rule ids")


def catalogue_dir():
    """The folder of the shipped catalogue (``chronos/patterns/catalogue``)."""
    return package_path("patterns", "catalogue")


def load_catalogue(*, overrides: dict | None = None, extra=None) -> list[Rule]:
    """The shipped catalogue, optionally with override params and extra/replacing rule files."""
    files = sorted(Path(str(catalogue_dir())).glob("*.yaml"))
    files += _expand(extra) if extra else []
    return load_rules(files, overrides=overrides)


def load_overrides(path) -> dict:
    """Read an overrides file: ``overrides: {rule_id: {param: value}}`` (or a bare mapping)."""
    data = _read_yaml(Path(path)) or {}
    data = data.get("overrides", data) if isinstance(data, dict) else data
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise RuleError("overrides must map rule ids to {param: value}", file=str(path))
    return data


def normalise_params(params: dict | None) -> dict:
    """Accept ``{"rule": {"p": v}}`` or flat ``{"rule.p": v}`` and return the nested form."""
    nested: dict = {}
    for key, value in (params or {}).items():
        if isinstance(value, dict):
            nested.setdefault(key, {}).update(value)
        elif "." in str(key):
            rid, name = str(key).split(".", 1)
            nested.setdefault(rid, {})[name] = value
        else:
            raise RuleError(f"parameter {key!r} must be 'rule_id.param' or nested by rule id",
                            column="params")
    return nested


def apply_overrides(rules: list[Rule], params: dict | None) -> list[Rule]:
    """Rebuild ``rules`` with parameter overrides (validated like the YAML)."""
    nested = normalise_params(params)
    _check_override_ids(nested, {r.id: r for r in rules})
    return [build_rule(r.raw, file=r.file, overrides=nested.get(r.id)) if r.id in nested else r
            for r in rules]


def __getattr__(name: str):
    if name == "AGE_BANDS":  # completed months of age at the event: [min, max)
        return age_bands().bands
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
