"""Significance by judgement: which chronology rows matter, and what they show.

A row is *significant* when one of its events is evidence for a finding, is a key
practice event, or records a concern that the event itself indicates (a term's attendance
below the threshold, an injury with a concern recorded; not every attendance summary or
every sprain). Routine events that happened as planned are marked *Routine*. The lists
and thresholds are data: ``chronos/data/significance.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

#: a negated concern ("no concerns", "nil safeguarding concerns") is not a concern
_NEGATED = re.compile(r"\b(?:no|nil|not|without|denies)\s+(?:\w+\s+){0,2}"
                      r"(?:concerns?|safeguarding|neglect|bruis\w*)\b")


@dataclass(frozen=True)
class SignificanceRules:
    """``significance.yaml``: key events, routine events, conditionally indicated types
    and the wordings of a recorded concern."""

    key_events: frozenset
    routine: frozenset
    indicated: dict
    concern: re.Pattern

    def concern_recorded(self, *texts: object) -> bool:
        """True when any text records a concern (negated wordings aside)."""
        text = " ".join(str(t) for t in texts if t).lower()
        return bool(self.concern.search(_NEGATED.sub(" ", text)))

    def indicates(self, event_type: str, value, *texts: object) -> bool:
        """Does this event itself indicate its Horwath categories?"""
        condition = self.indicated.get(event_type)
        if not condition:
            return True
        below = condition.get("value_below")
        if below is not None:
            return value is not None and value == value and float(value) < float(below)
        if condition.get("concern_recorded"):
            return self.concern_recorded(*texts)
        return True


@lru_cache(maxsize=1)
def significance_rules() -> SignificanceRules:
    """The shipped rules of significance."""
    import yaml

    from chronos.datafiles import data_text

    text = data_text("significance.yaml")
    raw = yaml.safe_load(text) or {}
    words = sorted({str(w).lower() for w in raw.get("concern_words") or ()}, key=len, reverse=True)
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + ")") if words \
        else re.compile(r"(?!x)x")
    return SignificanceRules(frozenset(raw.get("key_events") or ()),
                             frozenset(raw.get("routine") or ()),
                             dict(raw.get("indicated") or {}), pattern)
