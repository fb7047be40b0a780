"""Markdown chronology: title block, key, numbered table and findings, for wikis and email."""

from __future__ import annotations

from pathlib import Path

from chronos.report.document import Chronology
from chronos.report.safe_files import write_text


def render_markdown(chron: Chronology) -> str:
    """The chronology as Markdown text."""
    lines = [f"# {_esc(chron.title)}: {_esc(chron.case)}", ""]
    lines += [f"- **{k}:** {_esc(v)}" for k, v in _title_block(chron)]
    lines += [""] + [f"> {_esc(n)}" for n in chron.notes] + ([""] if chron.notes else [])
    lines += _table(chron.columns, chron.display.itertuples(index=False))
    if len(chron.findings):
        lines += ["", "## Findings", ""]
        cols = ["Ref", "Finding", "Child", "Severity", "Window", "Agencies", "Evidence rows"]
        lines += _table(cols, chron.findings[cols].itertuples(index=False))
    lines += ["", "Dates: `?22/05/2016` or `c. May 2016` uncertain, `May 2016` month only, "
              "`2016` year only, `Undated` no date (listed last)."]
    return "\n".join(lines) + "\n"


def write_markdown(chron: Chronology, path: str | Path) -> Path:
    """Write :func:`render_markdown` to ``path``."""
    return write_text(path, render_markdown(chron))


def _title_block(chron: Chronology) -> list[tuple[str, str]]:
    kids = "; ".join(f"{c['name']} ({c.get('birth') or 'born ' + _dob(c)})"
                    for c in chron.children) or "Not recorded"
    return [("Children", kids), ("Period", chron.period),
            ("Sources", "; ".join(chron.sources)), ("Date produced", chron.produced)]


def _dob(child: dict) -> str:
    from chronos.report.chronology import format_date

    return format_date(child["dob"], "day", False) if child["dob"] else "date unknown"


def _table(columns, rows) -> list[str]:
    out = ["| " + " | ".join(_esc(c) for c in columns) + " |",
           "|" + "|".join("---" for _ in columns) + "|"]
    out += ["| " + " | ".join(_esc(v) for v in row) + " |" for row in rows]
    return out


def _esc(value) -> str:
    text = "" if value is None or value != value else str(value)
    for ch in "\\|*_`[]<>#":
        text = text.replace(ch, "\\" + ch)
    return " ".join(text.split())
