"""Classify free-text event descriptions into event types, with keywords kept as data.

``chronos/data/event_keywords.yaml`` lists rules in order, each an event type with the
phrases (case-insensitive) and acronyms (case-sensitive, e.g. ``DNA``) that signal it; the
first rule that matches wins, and text matching none is ``other``. Any ingester with
free-text descriptions can use :func:`classify`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from chronos import model
from chronos.datafiles import data_text


#: where a clause ends: a negation before it does not reach past this
_CLAUSE = re.compile(r"[.;!?\n,]|\bbut\b|\bhowever\b", re.IGNORECASE)


@dataclass(frozen=True)
class KeywordRule:
    """One rule: an event type and the compiled patterns that signal it, and the words
    that, just before or after a match in the same clause, say it was absent or fine."""

    event_type: str
    phrases: re.Pattern | None
    acronyms: re.Pattern | None
    not_before: re.Pattern | None = None
    not_after: re.Pattern | None = None

    def matches(self, text: str) -> bool:
        """True when a phrase or acronym occurs in ``text`` and is not negated ("no
        concerns about home conditions", "home conditions were good")."""
        for pattern in (self.phrases, self.acronyms):
            for match in pattern.finditer(text) if pattern else ():
                if not self._negated(text, match.start(), match.end()):
                    return True
        return False

    def _negated(self, text: str, start: int, end: int) -> bool:
        before = _CLAUSE.split(text[max(0, start - 80):start])[-1]
        after = _CLAUSE.split(text[end:end + 60])[0]
        return bool((self.not_before and self.not_before.search(before)) or
                    (self.not_after and self.not_after.match(after)))


def _pattern(words, flags) -> re.Pattern | None:
    if not words:
        return None
    parts = [r"\s+".join(re.escape(w) for w in str(word).split()) for word in words]
    return re.compile(r"(?<![\w&])(?:" + "|".join(parts) + r")(?![\w&])", flags)


def load_rules(path: str | Path | None = None) -> tuple[KeywordRule, ...]:
    """The keyword rules from ``path`` or the shipped file; unknown event types raise."""
    from chronos.errors import MappingError
    from chronos.safe_input import load_yaml

    if path is None:
        return _shipped_rules()
    return _compile(load_yaml(Path(path), error=MappingError, what="keyword rules file"))


@lru_cache(maxsize=1)
def _shipped_rules() -> tuple[KeywordRule, ...]:
    import yaml

    text = data_text("event_keywords.yaml")
    return _compile(yaml.safe_load(text))


def _compile(raw: dict) -> tuple[KeywordRule, ...]:
    vocab = model.vocabulary()
    negations = raw.get("negations") or {}
    before = negations.get("before") or []
    after = negations.get("after") or []
    not_before = re.compile(r"\b(?:" + "|".join(before) + r")\W+(?:\w+\W+){0,4}$",
                            re.IGNORECASE) if before else None
    not_after = re.compile(r"\W*(?:" + "|".join(after) + r")", re.IGNORECASE) if after else None
    rules = []
    for entry in raw["rules"]:
        if entry["event_type"] not in vocab:
            raise ValueError(f"event_keywords: unknown event type {entry['event_type']!r}")
        rules.append(KeywordRule(entry["event_type"],
                                 _pattern(entry.get("phrases"), re.IGNORECASE),
                                 _pattern(entry.get("acronyms"), 0), not_before, not_after))
    return tuple(rules)


def classify_all(text: str | None, rules=None) -> list[str]:
    """Every event type whose keywords occur in ``text``, in rule order."""
    if not text:
        return []
    return [rule.event_type for rule in (rules or load_rules()) if rule.matches(text)]


def classify(text: str | None, rules=None, default: str = "other") -> str:
    """The event type of a free-text description (first matching rule), else ``default``."""
    found = classify_all(text, rules)
    return found[0] if found else default
