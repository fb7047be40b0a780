"""Rule loading and validation: clear RuleErrors naming file, rule and field; windows."""

import datetime as dt

import pytest
import yaml
from dateutil.relativedelta import relativedelta
from hypothesis import given, strategies as st

from chronos.errors import RuleError
from chronos.patterns.compile import asof_key
from chronos.patterns.rules import (
    Window, apply_overrides, load_catalogue, load_overrides, load_rules, parse_window,
)

GOOD = {"id": "wnb", "title": "WNB", "type": "count_in_window", "category": "medical",
        "severity": "medium", "select": {"event_type": "was_not_brought"},
        "params": {"min_count": 3, "window": "9 months"},
        "explanation": "{count} in {span}", "source": "NICE CG89"}


def write(tmp_path, rules, name="rules.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"rules": rules}))
    return path


@pytest.mark.parametrize("text,n,unit", [
    ("9 months", 9, "month"), ("9 month", 9, "month"), ("270d", 270, "day"), ("270 days", 270, "day"),
    ("P9M", 9, "month"), ("P270D", 270, "day"), ("P1Y6M", 18, "month"), ("2 years", 24, "month"),
    ("1y", 12, "month"), ("6 weeks", 42, "day"), ("P2W", 14, "day"), ("0d", 0, "day"),
    (" 12  Months ", 12, "month"), ("any", None, "day"),
])
def test_parse_window(text, n, unit):
    window = parse_window(text)
    assert (window.n, window.unit) == (n, unit)


@pytest.mark.parametrize("text", ["9 monthz", "", "months", "-3 months", "P", "P9M3D", "nine months",
                                  "9.5 months", None, True, "P1Y2W"])
def test_bad_windows_raise(text):
    with pytest.raises(ValueError):
        parse_window(text)


@pytest.mark.parametrize("window,text", [(Window(9, "month", ""), "9 months"), (Window(12, "month", ""), "1 year"),
                                         (Window(1, "day", ""), "1 day"), (Window(None, "day", ""), "the whole record")])
def test_window_human(window, text):
    assert window.human() == text


@given(st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31)),
       st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31)), st.integers(0, 60))
def test_month_key_is_calendar_month_arithmetic(a, b, months):
    """mk(b) <= mk(a) + 32n exactly when b <= a + n calendar months (clamped at month end)."""
    window = Window(months, "month", "")
    assert (asof_key(b.isoformat(), window) <= asof_key(a.isoformat(), window) + 32 * months) == \
        (b <= a + relativedelta(months=months))


BAD_RULES = [
    ("unknown type", {"type": "sometimes"}, "type", "unknown rule type 'sometimes'"),
    ("unknown event type", {"select": {"event_type": "did_not_attend"}}, "select.event_type",
     "unknown event type 'did_not_attend'"),
    ("bad window", {"params": {"min_count": 3, "window": "9 monthz"}}, "params.window", "cannot read window"),
    ("mixed window", {"params": {"min_count": 3, "window": "P9M3D"}}, "params.window", "mixes months and days"),
    ("missing title", {"title": None}, "title", "missing field 'title'"),
    ("missing selector", {"select": None}, "select", "missing field 'select'"),
    ("unknown param", {"params": {"min_count": 3, "window": "9 months", "minimum": 2}}, "params.minimum",
     "unknown parameter 'minimum'"),
    ("bad severity", {"severity": "urgent"}, "severity", "severity must be"),
    ("bad category", {"category": "financial"}, "category", "unknown Horwath category"),
    ("bad age band", {"age_band": "0-5"}, "age_band", "unknown age band"),
    ("bad selector field", {"select": {"event": "x"}}, "select.event", "unknown selector field"),
    ("bad count", {"params": {"min_count": "three", "window": "9 months"}}, "params.min_count", "whole number"),
    ("selector for another type", {"first": {"event_type": "referral"}}, "first", "does not apply"),
]


@pytest.mark.parametrize("name,change,field,message", BAD_RULES, ids=[b[0] for b in BAD_RULES])
def test_rule_errors_name_file_rule_and_field(tmp_path, name, change, field, message):
    spec = {**GOOD, **change}
    path = write(tmp_path, [{k: v for k, v in spec.items() if v is not None}])
    with pytest.raises(RuleError) as info:
        load_rules([path])
    err = info.value
    assert err.file == str(path) and err.column == field
    assert message in str(err) and "rule 'wnb'" in str(err)


def test_threshold_without_bounds_is_an_error(tmp_path):
    spec = {**GOOD, "type": "threshold", "params": {"measure": "value"}}
    with pytest.raises(RuleError, match="needs below, above"):
        load_rules([write(tmp_path, [spec])])


def test_duplicate_id_in_one_file(tmp_path):
    with pytest.raises(RuleError, match="duplicate rule id"):
        load_rules([write(tmp_path, [GOOD, GOOD])])


def test_not_yaml_is_a_rule_error(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("rules: [\n")
    with pytest.raises(RuleError, match="not valid YAML"):
        load_rules([path])


def test_later_file_replaces_a_rule(tmp_path):
    first = write(tmp_path, [GOOD], "a.yaml")
    second = write(tmp_path, [{**GOOD, "title": "Local WNB"}], "b.yaml")
    rules = load_rules([first, second])
    assert [(r.id, r.title) for r in rules] == [("wnb", "Local WNB")]


def test_catalogue_extra_rules_add_and_replace(tmp_path):
    extra = write(tmp_path, [{**GOOD, "id": "wnb_health", "title": "Local"}, GOOD])
    base = {r.id: r for r in load_catalogue()}
    merged = {r.id: r for r in load_catalogue(extra=[extra])}
    assert merged["wnb_health"].title == "Local" and "wnb" in merged
    assert set(merged) == set(base) | {"wnb"}


def test_overrides_file_and_unknown_rule(tmp_path):
    path = tmp_path / "overrides.yaml"
    path.write_text(yaml.safe_dump({"overrides": {"wnb_health": {"min_count": 4, "window": "P6M"}}}))
    rules = apply_overrides(load_catalogue(), load_overrides(path))
    rule = {r.id: r for r in rules}["wnb_health"]
    assert rule.params["min_count"] == 4 and rule.window().n == 6
    with pytest.raises(RuleError, match="unknown rule 'nope'"):
        apply_overrides(load_catalogue(), {"nope": {"min_count": 1}})
    with pytest.raises(RuleError, match="unknown parameter 'mincount'"):
        apply_overrides(load_catalogue(), {"wnb_health": {"mincount": 1}})
    with pytest.raises(RuleError, match="cannot read window"):
        apply_overrides(load_catalogue(), {"wnb_health.window": "soon"})


def test_age_months_without_prenatal_means_born(tmp_path):
    spec = {**GOOD, "select": {"event_type": "injury", "age_months": {"max": 6}}}
    rule = load_rules([write(tmp_path, [spec])])[0]
    sel = rule.selectors["select"]
    assert (sel.age_min_months, sel.age_max_months) == (0, 6)


def test_kind_selector_expands_to_event_types(tmp_path):
    spec = {**GOOD, "select": {"kind": "positive"}}
    sel = load_rules([write(tmp_path, [spec])])[0].selectors["select"]
    assert "immunisation_given" in sel.event_types and "injury" not in sel.event_types
