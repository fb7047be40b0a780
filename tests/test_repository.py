"""The repository itself: no merge left half-done in a tracked file."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEXT = {".py", ".md", ".yaml", ".yml", ".toml", ".txt", ".html", ".css", ".js", ".cfg", ""}
MARKER = re.compile(r"^(<{7}|>{7})( |$)|^={7}$", re.M)
SKIP = {".git", ".venv", "node_modules", "__pycache__", ".chronos-cache"}


def _text_files():
    for path in sorted(ROOT.rglob("*")):
        parts = set(path.relative_to(ROOT).parts)
        if path.is_file() and path.suffix in TEXT and not parts & SKIP \
                and not any(p.endswith(".egg-info") for p in parts):
            yield path


def test_no_file_holds_merge_conflict_markers():
    found = [f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}"
             for path in _text_files()
             for text in [path.read_text("utf-8", errors="replace")]
             for m in MARKER.finditer(text)]
    assert not found, "conflict markers left by a merge: " + ", ".join(found)
