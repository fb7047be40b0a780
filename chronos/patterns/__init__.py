"""Cumulative-harm indicators: rules as data (YAML), compiled to SQL, run on DuckDB.

Public API::

    from chronos.patterns import run_rules, evaluate, harm_index, load_catalogue, load_rules
    findings = run_rules(events, persons, relationships, as_of="2024-03-31")

See ``docs/rules.md`` (the catalogue) and ``docs/writing-rules.md`` (the rule format).
"""

from chronos.patterns.rules import (  # noqa: F401
    Rule, load_catalogue, load_overrides, load_rules, parse_window,
)


def __getattr__(name):  # engine imports pandas: load it only when asked for
    if name in {"run_rules", "evaluate", "harm_index", "significance", "significance_by_event",
                "RuleRun", "escalations"}:
        from chronos.patterns import engine, harm

        return getattr(engine, name, None) or getattr(harm, name)
    raise AttributeError(name)
