"""Editing ``case.yaml`` without losing what a person wrote in it.

The manifest is the user's file, often with comments and a layout of their own, so it is
never re-dumped from parsed YAML. A change is made to its text (one source appended to
the ``sources:`` list, or keys of one source changed), then the new text is parsed and
compared with exactly the data intended; if they differ, nothing is written and the error
says what to add by hand. When it is right: the file is checked to be unchanged since it
was read, the previous manifest is kept in ``returns/backups/``, the new one is written
atomically (owner-only), and the change is given back as a unified diff.
"""

from __future__ import annotations

import codecs
import copy
import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from chronos.errors import ReturnError

BACKUPS = Path("returns") / "backups"
_TOP_SOURCES = re.compile(r"^sources\s*:\s*(?P<rest>.*?)\s*$")
_ITEM = re.compile(r"^(?P<indent>[ ]*)-(?:[ ]+|$)")


@dataclass
class Manifest:
    """A manifest as read: its text, its data, and how its lines end."""

    path: Path
    raw: bytes
    text: str
    data: dict

    @property
    def newline(self) -> str:
        return "\r\n" if "\r\n" in self.text else "\n"

    def source_names(self) -> list[str]:
        """The names of the manifest's sources (as ``chronos.case`` names them)."""
        return [str(s.get("name") or Path(str(s.get("path", ""))).stem)
                for s in self.data.get("sources") or [] if isinstance(s, dict)]

    def source(self, name: str) -> dict | None:
        """The source named ``name``, as data."""
        for entry in self.data.get("sources") or []:
            if isinstance(entry, dict) and str(entry.get("name")) == name:
                return entry
        return None


@dataclass
class ManifestChange:
    """A change written to the manifest: the diff, and where the previous one was kept."""

    diff: str
    backup: Path

    def as_dict(self) -> dict:
        return {"diff": self.diff, "backup": str(self.backup)}


def read_manifest(path: Path) -> Manifest:
    """Read a manifest's text and data (a :class:`ReturnError` naming it if unreadable)."""
    from chronos import limits
    from chronos.safe_input import parse_yaml, read_bytes

    path = Path(path)
    raw = read_bytes(path, str(path), limit=limits.MAX_YAML_BYTES, error=ReturnError,
                     what="manifest")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ReturnError("the manifest is not UTF-8 text", file=str(path)) from None
    data = parse_yaml(text, error=ReturnError, label=str(path), what="manifest")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ReturnError("the manifest is not a mapping of keys", file=str(path))
    return Manifest(path, raw, text, data)


# --------------------------------------------------------------------------- edits


def add_source(manifest: Manifest, entry: dict, comment: str = "") -> str:
    """The manifest's text with ``entry`` appended to its ``sources:`` list."""
    lines = manifest.text.splitlines(keepends=True)
    nl = manifest.newline
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += nl
    start = _sources_line(lines, manifest)
    if start is None:
        lines += [f"sources:{nl}"]
        start = len(lines) - 1
    indent, dash = _item_style(lines, start)
    end = _block_end(lines, start)
    block = _entry_lines(entry, indent, dash, comment, nl)
    new = "".join(lines[:end] + block + lines[end:])
    expected = copy.deepcopy(manifest.data)
    expected["sources"] = list(expected.get("sources") or []) + [entry]
    return _verified(manifest, new, expected, "".join(block))


def update_source(manifest: Manifest, name: str, changes: dict) -> str:
    """The manifest's text with keys of the source ``name`` set (a value of None removes
    the key). Comments and the other lines are kept as they are."""
    lines = manifest.text.splitlines(keepends=True)
    nl = manifest.newline
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += nl
    start = _sources_line(lines, manifest)
    span = None if start is None else _item_span(lines, start, _block_end(lines, start), name)
    if span is None:
        raise ReturnError(f"cannot find the source {name!r} written as a block in the manifest",
                          file=str(manifest.path),
                          hint=f"change it by hand: {', '.join(f'{k}: {v}' for k, v in changes.items())}")
    first, last = span
    key_indent = _key_indent(lines[first])
    for key, value in changes.items():
        at = next((i for i in range(first, last) if _is_key_line(lines[i], key, key_indent,
                                                                  i == first)), None)
        if at is None and value is not None:
            lines.insert(last, f"{key_indent}{key}: {_scalar(value)}{nl}")
            last += 1
        elif at is not None and value is None and at != first:
            del lines[at]
            last -= 1
        elif at is not None and value is not None:
            lines[at] = _set_value(lines[at], key, value, nl)
    new = "".join(lines)
    expected = copy.deepcopy(manifest.data)
    for source in expected.get("sources") or []:
        if isinstance(source, dict) and str(source.get("name")) == name:
            for key, value in changes.items():
                if value is None:
                    source.pop(key, None)
                else:
                    source[key] = value
    return _verified(manifest, new, expected, f"{name}: {changes}")


def _sources_line(lines: list[str], manifest: Manifest) -> int | None:
    """The line of the top-level ``sources:`` key (block style), or None when absent."""
    for index, line in enumerate(lines):
        match = _TOP_SOURCES.match(line.rstrip("\r\n"))
        if match:
            rest = match["rest"].split("#")[0].strip()
            if rest in ("", "[]"):
                if rest == "[]":
                    lines[index] = "sources:" + manifest.newline
                return index
            raise ReturnError("the manifest writes 'sources:' on one line (flow style); "
                              "chronos adds returns only to a block list", file=str(manifest.path),
                              hint="write each source on its own lines ('- name: ...'), then "
                                   "run again")
    return None


def _block_end(lines: list[str], start: int) -> int:
    """The index after the last line that belongs to the ``sources:`` block."""
    last = start
    for index in range(start + 1, len(lines)):
        line = lines[index]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace() and not line.startswith("-"):
            break
        last = index
    return last + 1


def _item_indent(lines: list[str], start: int) -> str:
    """How the list's items are indented (that of the first item; two spaces if none)."""
    return _item_style(lines, start)[0]


def _item_style(lines: list[str], start: int) -> tuple[str, str]:
    """(indent, dash) of the list's first item: ``("    ", "-   ")`` for ``    -   name:``;
    two spaces and ``"- "`` when the list is empty."""
    for line in lines[start + 1:_block_end(lines, start)]:
        match = re.match(r"^([ ]*)(-[ ]+)\S", line)
        if match:
            return match[1], match[2]
    return "  ", "- "


def _item_span(lines: list[str], start: int, end: int, name: str) -> tuple[int, int] | None:
    """(first, after-last) lines of the block item whose ``name:`` is ``name``."""
    indent = _item_indent(lines, start)
    starts = [i for i in range(start + 1, end)
              if _ITEM.match(lines[i]) and _ITEM.match(lines[i])["indent"] == indent]
    for i, first in enumerate(starts):
        after = starts[i + 1] if i + 1 < len(starts) else end
        while after > first + 1 and (not lines[after - 1].strip()
                                     or lines[after - 1].lstrip().startswith("#")):
            after -= 1
        for line in lines[first:after]:
            match = re.match(r"^\s*(?:-\s+)?name\s*:\s*(.+?)\s*(?:#.*)?$", line.rstrip("\r\n"))
            if match and _unquote(match[1]) == name:
                return first, after
    return None


def _is_key_line(line: str, key: str, key_indent: str, first: bool) -> bool:
    """True when ``line`` sets ``key`` of the item itself (not of a mapping inside it)."""
    if first:
        return re.match(rf"^\s*-\s+{re.escape(key)}\s*:", line) is not None
    return re.match(rf"^{key_indent}{re.escape(key)}\s*:", line) is not None


def _key_indent(item_line: str) -> str:
    """The indentation of an item's keys: ``  - name:`` -> four spaces."""
    match = re.match(r"^(\s*-\s+)", item_line)
    return " " * len(match[1]) if match else "    "


def _entry_lines(entry: dict, indent: str, dash: str, comment: str, nl: str) -> list[str]:
    keys = list(entry)
    note = f"  # {comment}" if comment else ""
    inner = indent + " " * len(dash)
    out = [f"{indent}{dash}{keys[0]}: {_scalar(entry[keys[0]])}{note}{nl}"]
    out += [f"{inner}{key}: {_scalar(entry[key])}{nl}" for key in keys[1:]]
    return out


def _set_value(line: str, key: str, value, nl: str) -> str:
    match = re.match(rf"^(\s*(?:-\s+)?{re.escape(key)}\s*:\s*)(.*?)(\s+#.*)?$",
                     line.rstrip("\r\n"))
    return f"{match[1]}{_scalar(value)}{match[3] or ''}{nl}"


def _scalar(value) -> str:
    """A value written the way YAML reads it back (flow style for a mapping)."""
    import yaml

    text = yaml.safe_dump(value, default_flow_style=True, sort_keys=False, allow_unicode=True,
                          width=10_000)
    return text.replace("\n...\n", "").strip()


def _unquote(text: str) -> str:
    import yaml

    try:
        return str(yaml.safe_load(text))
    except yaml.YAMLError:
        return text


def _verified(manifest: Manifest, new: str, expected: dict, snippet: str) -> str:
    """``new`` if it parses to exactly ``expected``; else an error with what to add."""
    from chronos.safe_input import parse_yaml

    try:
        parsed = parse_yaml(new, error=ReturnError, label=str(manifest.path))
    except ReturnError:
        parsed = None
    if parsed != expected:
        raise ReturnError("chronos could not change the manifest safely (its layout is "
                          "unusual); nothing was written", file=str(manifest.path),
                          hint=f"make this change by hand:\n{snippet}")
    return new


# --------------------------------------------------------------------------- writing


def write_manifest(manifest: Manifest, new_text: str, *, case_root: Path,
                   stamp: str) -> ManifestChange | None:
    """Write ``new_text`` over the manifest (see the module docstring); None when it is
    the same text. ``stamp`` (``20240510-093000``) names the backup."""
    from chronos.report.safe_files import write_bytes

    if new_text == manifest.text:
        return None
    if manifest.path.read_bytes() != manifest.raw:
        raise ReturnError("the manifest was changed while chronos was working on it; "
                          "nothing was written", file=str(manifest.path),
                          hint="run the command again")
    backup = _backup_path(Path(case_root) / BACKUPS, manifest.path, stamp)
    write_bytes(backup, manifest.raw)
    bom = codecs.BOM_UTF8 if manifest.raw.startswith(codecs.BOM_UTF8) else b""
    write_bytes(manifest.path, bom + new_text.encode("utf-8"))
    diff = "".join(difflib.unified_diff(
        manifest.text.splitlines(keepends=True), new_text.splitlines(keepends=True),
        f"{manifest.path.name} (before)", f"{manifest.path.name} (after)"))
    return ManifestChange(diff, backup)


def _backup_path(folder: Path, manifest: Path, stamp: str) -> Path:
    path = folder / f"{manifest.stem}-{stamp}{manifest.suffix}"
    number = 2
    while path.exists():
        path = folder / f"{manifest.stem}-{stamp}-{number}{manifest.suffix}"
        number += 1
    return path
