"""``overrides.yaml``: a person's decisions that beat the model on the next build.

```yaml
must_link:                       # these records are the same person
  - [gp:P003, school:U17]
  - [gp:P003, police:N88, hv:7]  # a group: all the same person
cannot_link:                     # these records are different people
  - [gp:P010, gp:P011]
```

Pairs may also be written as mappings ``{a: gp:P003, b: school:U17, note: "checked
with the school"}``. :func:`decisions_to_overrides` turns a filled-in
``link-review.csv`` (``decision`` = ``same`` or ``different``) into this structure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from chronos.errors import Issue, ManifestError


@dataclass
class Overrides:
    """Must-link groups and cannot-link pairs of record keys."""

    must_link: list[tuple[str, ...]] = field(default_factory=list)
    cannot_link: list[tuple[str, str]] = field(default_factory=list)
    label: str = "overrides.yaml"

    def must_pairs(self) -> list[tuple[str, str]]:
        """Each must-link group as a chain of pairs (first key with each other key)."""
        return [(g[0], other) for g in self.must_link for other in g[1:]]


def _pair(item, label: str) -> tuple[str, ...]:
    if isinstance(item, dict):
        keys = [item.get("a"), item.get("b"), *(item.get("also") or [])]
    elif isinstance(item, (list, tuple)):
        keys = list(item)
    else:
        raise ManifestError(f"an override must be a list of record keys, got {item!r}",
                            file=label)
    keys = [str(k).strip() for k in keys if k is not None and str(k).strip()]
    if len(keys) < 2:
        raise ManifestError(f"an override names fewer than two record keys: {item!r}",
                            file=label)
    return tuple(keys)


def parse_overrides(raw, label: str = "overrides.yaml") -> Overrides:
    """Overrides from a dict (the parsed YAML), a path, an :class:`Overrides` or None."""
    from chronos.safe_input import load_yaml

    if raw is None:
        return Overrides()
    if isinstance(raw, Overrides):
        return raw
    if isinstance(raw, (str, Path)):
        path = Path(raw)
        if not path.exists():
            return Overrides(label=str(path))
        raw = load_yaml(path, error=ManifestError, what="overrides file") or {}
        label = str(path)
    if not isinstance(raw, dict):
        raise ManifestError("overrides must be a mapping with must_link / cannot_link",
                            file=label)
    must = [_pair(item, label) for item in raw.get("must_link") or []]
    cannot = [_pair(item, label)[:2] for item in raw.get("cannot_link") or []]
    return Overrides(must, cannot, label)


def check_overrides(overrides: Overrides, known: set[str]) -> tuple[Overrides, list[Issue]]:
    """Drop keys that name no record and must/cannot contradictions (cannot wins), with a
    warning for each."""
    issues = []
    unknown = sorted({k for g in overrides.must_link + overrides.cannot_link for k in g
                      if k not in known})
    for key in unknown:
        issues.append(Issue("override.unknown_record",
                            f"override names record {key!r}, which no source has",
                            source_file=overrides.label, value=key))
    cannot = {frozenset(p) for p in overrides.cannot_link
              if all(k in known for k in p) and p[0] != p[1]}
    must = []
    for group in overrides.must_link:
        kept = tuple(k for k in group if k in known)
        clash = [p for p in cannot if p <= set(kept)]
        if clash:
            issues.append(Issue("override.contradiction",
                                "the same records are in must_link and cannot_link: "
                                "cannot_link wins", source_file=overrides.label,
                                value=";".join(sorted(next(iter(clash))))))
        elif len(kept) > 1:
            must.append(kept)
    return Overrides(must, sorted(tuple(sorted(p)) for p in cannot), overrides.label), issues


def decisions_to_overrides(review, existing: Overrides | None = None) -> dict:
    """A filled-in review table (``decision``: same / different) added to ``existing``
    overrides, as a dict ready to dump to ``overrides.yaml``."""
    existing = existing or Overrides()
    must = [list(g) for g in existing.must_link]
    cannot = [list(p) for p in existing.cannot_link]
    for row in review.itertuples(index=False):
        decision = str(getattr(row, "decision", "") or "").strip().lower()
        pair = [row.record_key_a, row.record_key_b]
        if decision in {"same", "link", "yes", "y"} and pair not in must:
            must.append(pair)
        elif decision in {"different", "no-link", "no", "n"} and pair not in cannot:
            cannot.append(pair)
    return {"must_link": must, "cannot_link": cannot}
