"""Putting a returned document's original text back (:func:`chronos.report.privacy.reidentify`).

Two layers. A chronology cell the recipient left as it was is looked up whole in the key's
``texts`` (shared text -> original, written when the document was shared), so it comes
back exactly, dates of birth and name variants included. Anything else (edited cells,
new notes) gets each pseudonym replaced by the original it stands for and its dates
shifted back.
"""

from __future__ import annotations

import csv
import io
import re
from html import escape as html_escape
from html import unescape

from chronos.report import privacy_text as text_rules
from chronos.report.safe_files import FORMULA_TRIGGERS, csv_line, neutralise

TEXT_NODE = re.compile(r">([^<]+)<")


def restore_tokens(text: str, originals: dict[str, str], shift_days: int, escape: bool) -> str:
    """``text`` with its dates shifted back and each pseudonym replaced by its original."""
    if shift_days:
        text = text_rules.shift_dates(text, -shift_days)
    if not originals or not text:
        return text
    fix = (lambda s: html_escape(s, quote=True)) if escape else (lambda s: s)
    return _matcher(originals).replace(text, fix)


class PseudonymMatcher:
    """Finds a key's pseudonyms standing whole in a text (not inside a longer word; an
    underscore is a boundary, as for :class:`~chronos.report.privacy_text.TermMatcher`),
    the longest first where several start at one place. One pass over the text, looking
    each possible start up by the pseudonyms' lengths: time grows with the text, not with
    the key (a key of 200,000 pseudonyms sharing the word 'Adult' costs no more than one)."""

    def __init__(self, originals: dict[str, str]):
        self.originals = originals
        self.lengths = sorted({len(p) for p in originals}, reverse=True)
        firsts = "".join(sorted({p[0] for p in originals if p}))
        self.starts = re.compile(r"(?<![^\W_])[" + re.escape(firsts) + "]") if firsts else None

    def replace(self, text: str, fix) -> str:
        """``text`` with each pseudonym found replaced by ``fix(original)``."""
        if self.starts is None:
            return text
        parts, done = [], 0
        for match in self.starts.finditer(text):
            i = match.start()
            if i < done:
                continue
            for length in self.lengths:
                end = i + length
                if end > len(text):
                    continue
                found = self.originals.get(text[i:end])
                if found is not None and (end == len(text) or not text[end].isalnum()):
                    parts += [text[done:i], fix(found)]
                    done = end
                    break
        parts.append(text[done:])
        return "".join(parts)


_MATCHERS: dict = {}


def _matcher(originals: dict[str, str]) -> PseudonymMatcher:
    """The pseudonyms of a key as one matcher (made once per key)."""
    held = _MATCHERS.get("for")
    if held is not originals or _MATCHERS.get("size") != len(originals):
        _MATCHERS.update({"for": originals, "size": len(originals),
                          "matcher": PseudonymMatcher(originals)})
    return _MATCHERS["matcher"]


def restore_text(text: str, originals: dict[str, str], shift_days: int, escape: bool,
                 texts: dict) -> str:
    """A whole document's text (XML and HTML when ``escape``): text nodes found whole in
    ``texts`` come back exactly, the rest through :func:`restore_tokens`."""
    if not escape or not texts:
        return restore_tokens(text, originals, shift_days, escape)
    out, last = [], 0
    for m in TEXT_NODE.finditer(text):
        original = _whole(unescape(m.group(1)), texts)
        if original is None:
            continue
        out.append(restore_tokens(text[last:m.start(1)], originals, shift_days, True))
        out.append(html_escape(original, quote=False))
        last = m.end(1)
    out.append(restore_tokens(text[last:], originals, shift_days, True))
    return "".join(out)


def _whole(value: str, texts: dict) -> str | None:
    entry = texts.get(value)
    if entry is None:
        return None
    return entry if isinstance(entry, str) else entry[0]


def restore_csv(text: str, texts: dict, fallback) -> str:
    """A returned CSV with every cell put back: a cell found in ``texts`` exactly (a text
    several originals became gives them back in the order they were written), any other
    through ``fallback``. Written back as chronos writes CSV, so an unedited file comes
    back byte for byte."""
    bom = text.startswith("\ufeff")
    body = text[1:] if bom else text
    ending = "\r\n" if "\r\n" in body else "\n"
    seen: dict[str, int] = {}
    lines = [csv_line([_cell(value, texts, seen, fallback) for value in row], ending)
             for row in csv.reader(io.StringIO(body, newline=""))]
    return ("\ufeff" if bom else "") + "".join(lines)


def _cell(value: str, texts: dict, seen: dict, fallback) -> str:
    plain = value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_TRIGGERS) else value
    entry = texts.get(plain)
    if entry is None:
        return fallback(value)
    if not isinstance(entry, str):
        n = seen.get(plain, 0)
        seen[plain] = n + 1
        entry = entry[n % len(entry)]
    return neutralise(entry)


def record_cells(texts: dict, pairs, fallback) -> None:
    """Remember, for the cells of a shared document, the original of every cell that
    :func:`restore_tokens` (``fallback``) would not give back exactly. ``pairs``:
    ``(shared, original)`` in the order the document writes them."""
    occurrences: dict[str, list[str]] = {}
    for shared, original in pairs:
        occurrences.setdefault(shared, []).append(original)
    for shared, originals in occurrences.items():
        if all(o == originals[0] for o in originals):
            if fallback(shared) != originals[0]:
                texts[shared] = originals[0]
            else:
                texts.pop(shared, None)
        else:
            texts[shared] = originals
