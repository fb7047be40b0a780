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


# ------------------------------------------------------------- editing the file in place

HEADER = ("# Link decisions: records that are the same person (must_link) or different\n"
          "# people (cannot_link). Written by chronos; a person may edit it.\n")


def record_decision(text: str, record_a: str, record_b: str, decision: str,
                    label: str = "overrides.yaml") -> str:
    """The text of an overrides file (``text``, "" for a new one) with one decision added:
    ``same`` (a must-link pair) or ``different`` (a cannot-link pair); the same pair
    decided the other way before is taken out. The person's own lines (comments, notes,
    layout, entries written as mappings) are kept: the change is made to the text, never
    by dumping parsed YAML again, and the result is parsed and checked to hold exactly the
    intended decisions; when the file's layout does not allow that, a
    :class:`~chronos.errors.ManifestError` says what to add by hand and nothing changes."""
    from chronos.safe_input import parse_yaml

    text = text or HEADER
    existing = parse_overrides(parse_yaml(text, error=ManifestError, label=label,
                                          what="overrides file") or {}, label)
    pair = [record_a, record_b]
    wanted = _decided(existing, pair, decision)
    target, other = ("must_link", "cannot_link") if decision == "same" else \
        ("cannot_link", "must_link")
    edited = _drop_items(text, other, lambda keys: set(keys[:2]) == set(pair)
                         and (other == "cannot_link" or len(keys) == 2))
    if pair not in [list(g) for g in (existing.must_link if target == "must_link"
                                      else existing.cannot_link)]:
        edited = _append_item(edited, target, pair)
    got = parse_overrides(parse_yaml(edited, error=ManifestError, label=label,
                                     what="overrides file") or {}, label)
    if (got.must_link, got.cannot_link) != wanted:
        raise ManifestError(
            f"chronos cannot add this decision to {label} without changing what else it "
            "holds (its layout is one chronos does not edit); nothing was written",
            file=label, hint=f"add it by hand under {target}: - [{record_a}, {record_b}]")
    return edited


def _decided(existing: Overrides, pair: list[str], decision: str):
    """The must-link groups and cannot-link pairs once ``pair`` is decided."""
    must = [g for g in existing.must_link
            if not (decision == "different" and len(g) == 2 and set(g) == set(pair))]
    cannot = [p for p in existing.cannot_link if not (decision == "same" and set(p) == set(pair))]
    kept = must if decision == "same" else cannot
    if tuple(pair) not in kept:
        kept.append(tuple(pair))
    return must, cannot


def _top_value(text: str, key: str):
    """(key node, value node) of a top-level key of the YAML in ``text``, or None."""
    import yaml

    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        return None
    for key_node, value in root.value:
        if key_node.value == key:
            return key_node, value
    return None


def _item_keys(node) -> list[str]:
    import yaml

    if isinstance(node, yaml.SequenceNode):
        return [str(n.value) for n in node.value if isinstance(n, yaml.ScalarNode)]
    if isinstance(node, yaml.MappingNode):
        found = {k.value: v for k, v in node.value}
        return [str(found[k].value) for k in ("a", "b") if k in found and
                isinstance(found[k], yaml.ScalarNode)]
    return []


def _drop_items(text: str, key: str, matches) -> str:
    """``text`` without the items of the top-level list ``key`` whose keys ``matches``
    (whole lines: the item's first line to its last); an emptied list becomes ``[]``."""
    import yaml

    found = _top_value(text, key)
    if found is None or not isinstance(found[1], yaml.SequenceNode):
        return text
    key_node, seq = found
    if seq.flow_style:
        kept = [i for i in seq.value if not matches(_item_keys(i))]
        return _flow_replaced(text, seq, [_source(text, i) for i in kept])
    lines = text.splitlines(keepends=True)
    gone = set()
    for item in seq.value:
        if matches(_item_keys(item)):
            gone.update(range(item.start_mark.line, _item_end(lines, item)))
    if not gone:
        return text
    if len(seq.value) == sum(matches(_item_keys(i)) for i in seq.value):
        line = lines[key_node.start_mark.line]
        head, sep, comment = line.rstrip("\r\n").partition("#")
        newline = line[len(line.rstrip("\r\n")):] or "\n"
        lines[key_node.start_mark.line] = (f"{head.rstrip()} []" + (f"  #{comment}" if sep
                                                                     else "") + newline)
    return "".join(line for n, line in enumerate(lines) if n not in gone)


def _append_item(text: str, key: str, pair: list[str]) -> str:
    """``text`` with ``pair`` added as the last item of the top-level list ``key`` (made
    when missing), in flow style on a line of its own."""
    import yaml

    item = yaml.safe_dump(pair, default_flow_style=True, allow_unicode=True,
                          width=10_000).strip()
    newline = "\r\n" if "\r\n" in text else "\n"
    if text and not text.endswith(("\n", "\r")):
        text += newline
    found = _top_value(text, key)
    if found is None:
        return f"{text}{key}:{newline}  - {item}{newline}"
    key_node, value = found
    lines = text.splitlines(keepends=True)
    if isinstance(value, yaml.SequenceNode) and value.flow_style:
        return _flow_replaced(text, value, [_source(text, i) for i in value.value] + [item])
    if isinstance(value, yaml.SequenceNode) and value.value:
        first, last = value.value[0], value.value[-1]
        dash = lines[first.start_mark.line][:first.start_mark.column].rstrip()
        indent = " " * (len(dash) - 1)
        lines.insert(_item_end(lines, last), f"{indent}- {item}{newline}")
        return "".join(lines)
    if isinstance(value, yaml.ScalarNode) and value.value in ("", "~", "null"):
        row = key_node.start_mark.line
        line = lines[row]
        head, sep, comment = line.rstrip("\r\n").partition("#")
        lines[row] = head.rstrip() + (f"  #{comment}" if sep else "") + newline
        lines.insert(row + 1, " " * (key_node.start_mark.column + 2) + f"- {item}{newline}")
        return "".join(lines)
    return text          # a layout not edited here: the check in record_decision says so


def _item_end(lines: list[str], node) -> int:
    """The line after a list item's last line of its own (blank and comment lines after it,
    which YAML counts into the item, stay where they are)."""
    end = node.end_mark.line + (1 if node.end_mark.column else 0)
    while end - 1 > node.start_mark.line and (not lines[end - 1].strip()
                                              or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    return max(end, node.start_mark.line + 1)


def _source(text: str, node) -> str:
    """The text of ``node`` as the file writes it."""
    return text[node.start_mark.index:node.end_mark.index]


def _flow_replaced(text: str, seq, items: list[str]) -> str:
    """``text`` with the one-line flow list ``seq`` written as ``[items]``; unchanged (for
    the check to refuse) when the list spans lines, where comments may sit."""
    if seq.start_mark.line != seq.end_mark.line:
        return text
    return text[:seq.start_mark.index] + "[" + ", ".join(items) + "]" + text[seq.end_mark.index:]
