"""Fixtures for the pattern tests."""

import pytest

from chronos.patterns.rules import build_rule, load_catalogue


@pytest.fixture(scope="session")
def catalogue():
    """The shipped catalogue, by rule id."""
    return {rule.id: rule for rule in load_catalogue()}


@pytest.fixture
def rule_of():
    """Build a rule from a short spec (defaults filled in)."""
    def make(rtype, **spec):
        base = {"id": "r", "title": "Test rule", "type": rtype, "category": "medical",
                "severity": "medium", "explanation": "{count} events, {start} to {end}",
                "source": "test"}
        base.update(spec)
        return build_rule(base)
    return make
