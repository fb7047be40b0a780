"""Authority settings: who the organisation is, the protective marking, the author, and the
chronology's columns and their headings (``chronos.toml``, docs/settings.md).

Settings are read from up to two TOML files, the later winning key by key:

1. the user's configuration folder: ``$CHRONOS_CONFIG_DIR``, else
   ``$XDG_CONFIG_HOME/chronos`` or ``~/.config/chronos`` (``%APPDATA%\\chronos`` on
   Windows), file ``chronos.toml``: the authority's own settings, set once;
2. ``chronos.toml`` in the case folder: what one case or review changes.

Every key is optional; without a file the settings are today's defaults (the columns and
headings of the chronology chronos writes, the OFFICIAL-SENSITIVE marking). A key chronos
does not know is a warning naming the nearest key it does know; a value of the wrong kind
is a :class:`chronos.errors.SettingsError` naming the file and the key.

This module is the foundation that issue 16 extends (logo, colours, the writers reading
the columns); the agency returns templates (:mod:`chronos.returns`) read it now.
"""

from __future__ import annotations

import difflib
import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from chronos.errors import SettingsError

SETTINGS_FILE = "chronos.toml"
MAX_BYTES = 1_000_000          # a settings file is a few hundred bytes; refuse anything huge

#: Every column chronos knows, with today's heading. ``number`` and ``age`` are worked out
#: by chronos (the chronology's No. and the child's age on the day), never typed by an
#: agency; the others can be columns of an agency's return.
DEFAULT_HEADINGS: dict[str, str] = {
    "number": "No.",
    "date": "Date",
    "time": "Time",
    "age": "Age of child",
    "agency": "Agency / source",
    "event": "Event",
    "significance": "Significance",
    "action": "Action / outcome",
    "reference": "Reference",
}
COMPUTED_COLUMNS = ("number", "age")
#: the chronology chronos writes today, in order
DEFAULT_CHRONOLOGY_COLUMNS = ("number", "date", "age", "agency", "event", "significance",
                              "action", "reference")
#: the columns an agency fills in on a return, in order
DEFAULT_RETURN_COLUMNS = ("date", "time", "agency", "event", "action", "significance",
                          "reference")
#: columns a return cannot do without (the chronology-table reader needs both)
REQUIRED_RETURN_COLUMNS = ("date", "event")
DEFAULT_MARKING = "OFFICIAL-SENSITIVE"
DEFAULT_HANDLING = "Contains personal data. Do not share beyond those who need it."

TOP_KEYS = ("organisation", "protective_marking", "handling", "author", "headings",
            "chronology", "returns")
AUTHOR_KEYS = ("name", "role", "email", "phone")
SECTION_KEYS = {"chronology": ("columns",), "returns": ("columns", "instructions")}


@dataclass(frozen=True)
class Author:
    """Who is writing the chronology or review (and whom agencies send returns to)."""

    name: str = ""
    role: str = ""
    email: str = ""
    phone: str = ""

    def __str__(self) -> str:
        return ", ".join(p for p in (self.name, self.role) if p)

    def contact(self) -> str:
        """Name, role, email and phone on one line (empty when none is set)."""
        return "; ".join(p for p in (str(self), self.email, self.phone) if p)


@dataclass(frozen=True)
class Column:
    """One column: its key (what chronos reads into it) and the heading people see."""

    key: str
    heading: str


@dataclass(frozen=True)
class Settings:
    """The settings in force: every field has today's default."""

    organisation: str = ""
    protective_marking: str = DEFAULT_MARKING
    handling: str = DEFAULT_HANDLING
    author: Author = field(default_factory=Author)
    headings: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_HEADINGS))
    chronology_columns: tuple[str, ...] = DEFAULT_CHRONOLOGY_COLUMNS
    return_columns: tuple[str, ...] = DEFAULT_RETURN_COLUMNS
    return_instructions: str = ""
    #: the files the settings were read from, first to last (the later won)
    files: tuple[Path, ...] = ()
    #: what reading them found odd (unknown keys, with the nearest known one)
    warnings: tuple[str, ...] = ()

    @property
    def marking(self) -> str:
        """The marking line for headers: ``OFFICIAL-SENSITIVE: contains personal data...``."""
        handling = self.handling.strip()
        if not handling:
            return self.protective_marking
        return f"{self.protective_marking}: {handling[0].lower()}{handling[1:]}"

    def heading(self, key: str) -> str:
        """The heading of column ``key``."""
        return self.headings.get(key, DEFAULT_HEADINGS.get(key, key))

    def chronology(self) -> list[Column]:
        """The chronology's columns, in order, with their headings."""
        return [Column(k, self.heading(k)) for k in self.chronology_columns]

    def returns(self) -> list[Column]:
        """The columns of an agency's return, in order, with their headings."""
        return [Column(k, self.heading(k)) for k in self.return_columns]

    def as_dict(self) -> dict:
        """The settings as plain data (for ``--json`` and the returns register)."""
        return {"organisation": self.organisation,
                "protective_marking": self.protective_marking, "handling": self.handling,
                "author": vars(self.author), "headings": dict(self.headings),
                "chronology": {"columns": list(self.chronology_columns)},
                "returns": {"columns": list(self.return_columns),
                            "instructions": self.return_instructions},
                "files": [str(p) for p in self.files], "warnings": list(self.warnings)}


# --------------------------------------------------------------------------- finding files


def user_settings_dir() -> Path:
    """The user's chronos configuration folder (it may not exist)."""
    if os.environ.get("CHRONOS_CONFIG_DIR"):
        return Path(os.environ["CHRONOS_CONFIG_DIR"])
    if sys.platform == "win32" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"]) / "chronos"
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "chronos"


def settings_files(case_root: str | Path | None = None) -> list[Path]:
    """The settings files that exist, in the order they apply (user, then case)."""
    found = [user_settings_dir() / SETTINGS_FILE]
    if case_root is not None:
        root = Path(case_root)
        manifest = root.is_file() or root.suffix.lower() in (".yaml", ".yml")
        found.append((root.parent if manifest else root) / SETTINGS_FILE)
    unique = list(dict.fromkeys(p.resolve() for p in found if p.is_file()))
    return unique


def load_settings(case_root: str | Path | None = None, *,
                  files: list[Path] | None = None) -> Settings:
    """The settings in force for a case folder (or for no case): the user's file, then the
    case's, each key of the later one replacing the earlier. ``files`` reads exactly
    those files instead."""
    chosen = settings_files(case_root) if files is None else [Path(f) for f in files]
    settings = Settings()
    for path in chosen:
        settings = apply_settings(settings, read_settings_file(path), path)
    return settings


# --------------------------------------------------------------------------- reading


def read_settings_file(path: Path) -> dict:
    """The TOML of one settings file as a dict (a clear error when it cannot be read)."""
    import tomllib

    from chronos.safe_input import read_bytes

    path = Path(path)
    data = read_bytes(path, str(path), limit=MAX_BYTES, error=SettingsError,
                      what="settings file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SettingsError("the settings file is not UTF-8 text", file=str(path)) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"not valid TOML: {exc}", file=str(path),
                            hint="docs/settings.md shows a complete example") from None


def apply_settings(base: Settings, raw: dict, path: Path | None = None) -> Settings:
    """``base`` with the keys of one parsed settings file applied (validated)."""
    where = str(path) if path else "settings"
    warnings = list(base.warnings) + unknown_keys(raw, TOP_KEYS, "", where)
    changes: dict[str, Any] = {}
    for key in ("organisation", "protective_marking", "handling"):
        if key in raw:
            changes[key] = _text(raw[key], key, where)
    if "author" in raw:
        changes["author"] = _author(raw["author"], base.author, where, warnings)
    if "headings" in raw:
        changes["headings"] = _headings(raw["headings"], base.headings, where, warnings)
    for section, keys in SECTION_KEYS.items():
        if section in raw:
            table = _table(raw[section], section, where)
            warnings += unknown_keys(table, keys, f"{section}.", where)
            changes.update(_section(section, table, where))
    files = (*base.files, Path(path)) if path else base.files
    settings = replace(base, **changes, files=files, warnings=tuple(warnings))
    _check_columns(settings, where)
    return settings


def unknown_keys(raw: dict, known, prefix: str, where: str) -> list[str]:
    """A warning for each key of ``raw`` not in ``known``, naming the nearest known key."""
    out = []
    for key in raw:
        if key in known:
            continue
        close = difflib.get_close_matches(str(key), list(known), n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        out.append(f"{where}: {prefix}{key}: chronos does not read this key, it is "
                   f"ignored{hint} (docs/settings.md lists every key)")
    return out


def _text(value: Any, key: str, where: str) -> str:
    if not isinstance(value, str):
        raise SettingsError(f"{key} must be text, not {type(value).__name__}",
                            file=where, column=key, hint=f'write {key} = "..."')
    return " ".join(value.split())


def _table(value: Any, key: str, where: str) -> dict:
    if not isinstance(value, dict):
        raise SettingsError(f"{key} must be a table ([{key}])", file=where, column=key)
    return value


def _author(value: Any, base: Author, where: str, warnings: list[str]) -> Author:
    if isinstance(value, str):
        return Author(name=_text(value, "author", where))
    table = _table(value, "author", where)
    warnings += unknown_keys(table, AUTHOR_KEYS, "author.", where)
    return replace(base, **{k: _text(table[k], f"author.{k}", where)
                            for k in AUTHOR_KEYS if k in table})


def _headings(value: Any, base: dict, where: str, warnings: list[str]) -> dict:
    table = _table(value, "headings", where)
    warnings += unknown_keys(table, DEFAULT_HEADINGS, "headings.", where)
    out = dict(base)
    for key, heading in table.items():
        if key in DEFAULT_HEADINGS:
            text = _text(heading, f"headings.{key}", where)
            if not text:
                raise SettingsError(f"headings.{key} is empty", file=where,
                                    column=f"headings.{key}")
            out[key] = text
    return out


def _section(section: str, table: dict, where: str) -> dict:
    changes: dict[str, Any] = {}
    if "columns" in table:
        columns = _column_list(table["columns"], f"{section}.columns", where)
        changes["chronology_columns" if section == "chronology" else "return_columns"] = columns
    if section == "returns" and "instructions" in table:
        text = table["instructions"]
        if not isinstance(text, str):
            raise SettingsError("returns.instructions must be text", file=where,
                                column="returns.instructions")
        changes["return_instructions"] = text.strip()
    return changes


def _column_list(value: Any, key: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingsError(f"{key} must be a list of column names", file=where, column=key,
                            hint='e.g. columns = ["date", "event", "action"]')
    for name in value:
        if name not in DEFAULT_HEADINGS:
            close = difflib.get_close_matches(name, list(DEFAULT_HEADINGS), n=1, cutoff=0.5)
            raise SettingsError(
                f"{key}: unknown column {name!r}" + (f"; did you mean {close[0]!r}?" if close
                                                     else ""),
                file=where, column=key, hint="columns: " + ", ".join(DEFAULT_HEADINGS))
    if len(set(value)) != len(value):
        twice = sorted({v for v in value if value.count(v) > 1})
        raise SettingsError(f"{key} names {', '.join(twice)} twice", file=where, column=key)
    return tuple(value)


def _check_columns(settings: Settings, where: str) -> None:
    """The columns together make sense: a return has a date and an event column and no
    column chronos works out itself; no two columns share a heading."""
    computed = [c for c in settings.return_columns if c in COMPUTED_COLUMNS]
    if computed:
        raise SettingsError(f"returns.columns: {', '.join(computed)} is worked out by chronos, "
                            "an agency does not type it", file=where, column="returns.columns")
    missing = [c for c in REQUIRED_RETURN_COLUMNS if c not in settings.return_columns]
    if missing:
        raise SettingsError(f"returns.columns must include {' and '.join(missing)}",
                            file=where, column="returns.columns")
    for columns in (settings.chronology_columns, settings.return_columns):
        headings = [settings.heading(c).casefold() for c in columns]
        twice = sorted({h for h in headings if headings.count(h) > 1})
        if twice:
            raise SettingsError(f"two columns have the heading {twice[0]!r}", file=where,
                                column="headings")
