"""Authority settings: who the organisation is, the protective marking, the author, the
chronology's columns and their headings, the documents' look (logo, font, agency colours),
the court's details and the templates an authority lays its documents out with
(``chronos.toml``, docs/settings.md).

Settings are read from up to two TOML files, the later winning key by key:

1. the user's configuration folder: ``$CHRONOS_CONFIG_DIR``, else
   ``$XDG_CONFIG_HOME/chronos`` or ``~/.config/chronos`` (``%APPDATA%\\chronos`` on
   Windows), file ``chronos.toml``: the authority's own settings, set once;
2. ``chronos.toml`` in the case folder: what one case or review changes.

Every key is optional; without a file the settings are today's defaults (the columns and
headings of the chronology chronos writes, the OFFICIAL-SENSITIVE marking). A key chronos
does not know is a warning naming the nearest key it does know; a value of the wrong kind
is a :class:`chronos.errors.SettingsError` naming the file and the key.

The chronology writers (:mod:`chronos.report`) and the agency returns templates
(:mod:`chronos.returns`) read it. Paths in a file (``logo``, ``templates.*``) are relative
to the folder of the file that names them.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from chronos.errors import SettingsError, did_you_mean

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
            "chronology", "returns", "logo", "document", "colours", "court", "templates")
AUTHOR_KEYS = ("name", "role", "email", "phone")
SECTION_KEYS = {"chronology": ("columns",), "returns": ("columns", "instructions")}
DOCUMENT_KEYS = ("purpose", "version", "distribution", "font", "font_size")
COLOUR_KEYS = ("agencies", "heading")
COURT_KEYS = ("case_number", "court", "hearing_date", "party", "judge", "summarise_years",
              "font_size", "line_spacing")
TEMPLATE_KEYS = ("docx", "html")
DEFAULT_FONT = "Arial"
#: body text of the documents (points): readable on paper, the table included
DEFAULT_FONT_SIZE = 10.0
#: the family court's bundles: at least 12 point at 1.5 line spacing (PD27A)
COURT_FONT_SIZE = 12.0
COURT_LINE_SPACING = 1.5
COURT_SUMMARISE_YEARS = 2
LOGO_BYTES = 2_000_000
TEMPLATE_BYTES = 5_000_000


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
class Document:
    """What every document says about itself (its title block and properties) and its
    body font."""

    purpose: str = ""
    version: str = ""
    distribution: str = ""
    font: str = DEFAULT_FONT
    font_size: float = DEFAULT_FONT_SIZE


@dataclass(frozen=True)
class Court:
    """The front matter of a court chronology (PD27A, PLO) and how much of the past it
    shows in full: events older than ``summarise_years`` before the latest are summarised."""

    case_number: str = ""
    court: str = ""
    hearing_date: str = ""
    party: str = ""
    judge: str = ""
    summarise_years: int = COURT_SUMMARISE_YEARS
    font_size: float = COURT_FONT_SIZE
    line_spacing: float = COURT_LINE_SPACING


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
    #: a PNG or JPEG shown at the top of the documents
    logo: Path | None = None
    document: Document = field(default_factory=Document)
    #: agency name -> ``#RRGGBB`` (the others keep chronos's palette)
    agency_colours: dict[str, str] = field(default_factory=dict)
    heading_colour: str = "#1F3864"
    court: Court = field(default_factory=Court)
    #: ``docx``: a Word template (docxtpl), ``html``: a Jinja2 page template
    templates: dict[str, Path] = field(default_factory=dict)
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
                "logo": str(self.logo) if self.logo else None,
                "document": vars(self.document),
                "colours": {"agencies": dict(self.agency_colours),
                            "heading": self.heading_colour},
                "court": vars(self.court),
                "templates": {k: str(v) for k, v in self.templates.items()},
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
    changes.update(_look(raw, base, path, where, warnings))
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
        hint = did_you_mean(key, known)
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
            raise SettingsError(
                f"{key}: unknown column {name!r}" + did_you_mean(name, DEFAULT_HEADINGS),
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


# --------------------------------------------------------------------------- the documents' look


def _look(raw: dict, base: Settings, path: Path | None, where: str,
          warnings: list[str]) -> dict:
    """The logo, [document], [colours], [court] and [templates] of one file."""
    folder = Path(path).parent if path else Path.cwd()
    changes: dict[str, Any] = {}
    if "logo" in raw:
        changes["logo"] = _file(raw["logo"], "logo", folder, where, LOGO_BYTES,
                                (".png", ".jpg", ".jpeg"))
    if "document" in raw:
        table = _table(raw["document"], "document", where)
        warnings += unknown_keys(table, DOCUMENT_KEYS, "document.", where)
        changes["document"] = replace(base.document, **_fields(table, where, "document", {
            "font_size": (8.0, 16.0)}))
    if "colours" in raw:
        table = _table(raw["colours"], "colours", where)
        warnings += unknown_keys(table, COLOUR_KEYS, "colours.", where)
        if "agencies" in table:
            agencies = _table(table["agencies"], "colours.agencies", where)
            changes["agency_colours"] = {**base.agency_colours, **{
                str(k): _colour(v, f"colours.agencies.{k}", where) for k, v in agencies.items()}}
        if "heading" in table:
            changes["heading_colour"] = _colour(table["heading"], "colours.heading", where)
    if "court" in raw:
        table = _table(raw["court"], "court", where)
        warnings += unknown_keys(table, COURT_KEYS, "court.", where)
        changes["court"] = replace(base.court, **_fields(table, where, "court", {
            "font_size": (COURT_FONT_SIZE, 16.0), "line_spacing": (COURT_LINE_SPACING, 3.0),
            "summarise_years": (0, 50)}))
    if "templates" in raw:
        table = _table(raw["templates"], "templates", where)
        warnings += unknown_keys(table, TEMPLATE_KEYS, "templates.", where)
        suffixes = {"docx": (".docx",), "html": (".html", ".htm", ".j2", ".jinja")}
        changes["templates"] = {**base.templates, **{
            k: _file(table[k], f"templates.{k}", folder, where, TEMPLATE_BYTES, suffixes[k])
            for k in TEMPLATE_KEYS if k in table}}
    return changes


def _fields(table: dict, where: str, section: str, numbers: dict) -> dict:
    """The known keys of a [document] or [court] table: text, or numbers within bounds
    (``numbers``: key -> (lowest, highest)); a TOML date becomes ISO text."""
    import datetime

    keys = DOCUMENT_KEYS if section == "document" else COURT_KEYS
    out: dict[str, Any] = {}
    for key in (k for k in keys if k in table):
        value, name = table[key], f"{section}.{key}"
        if key in numbers:
            lo, hi = numbers[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
                raise SettingsError(f"{name} must be a number from {lo:g} to {hi:g}",
                                    file=where, column=name)
            out[key] = int(value) if key == "summarise_years" else float(value)
        elif isinstance(value, datetime.date):
            out[key] = value.isoformat()
        else:
            out[key] = _text(value, name, where)
    if section == "court" and out.get("hearing_date"):
        out["hearing_date"] = _iso_date(out["hearing_date"], where)
    return out


def _iso_date(text: str, where: str) -> str:
    """A hearing date as ISO (``2024-05-14``); day-first text is read as chronos reads
    dates everywhere."""
    from chronos.dates import parse_date

    parsed = parse_date(text)
    if not parsed.ok or parsed.precision != "day":
        raise SettingsError(f"court.hearing_date: cannot read {text!r} as a date",
                            file=where, column="court.hearing_date", hint="write 2024-05-14")
    return str(parsed.date)[:10]


def _colour(value: Any, key: str, where: str) -> str:
    """``#RRGGBB`` (upper case) from ``"#a6cee4"`` or ``"A6CEE4"``."""
    text = _text(value, key, where).lstrip("#")
    if len(text) != 6 or any(c not in "0123456789abcdefABCDEF" for c in text):
        raise SettingsError(f"{key} must be a colour written #RRGGBB, not {value!r}",
                            file=where, column=key, hint='e.g. "#E69F00"')
    return "#" + text.upper()


def _file(value: Any, key: str, folder: Path, where: str, limit: int,
          suffixes: tuple[str, ...]) -> Path:
    """A file the settings name (relative to the settings file's folder): it must exist,
    be a regular file of the right kind and not too large."""
    from chronos.safe_input import check_regular

    path = Path(_text(value, key, where)).expanduser()
    path = path if path.is_absolute() else folder / path
    if path.suffix.lower() not in suffixes:
        raise SettingsError(f"{key} must be a {' or '.join(suffixes)} file, not {path.name}",
                            file=where, column=key)
    info = check_regular(path, str(path), error=SettingsError)
    if info.st_size > limit:
        raise SettingsError(f"{key}: {path.name} is larger than {limit:,} bytes", file=where,
                            column=key)
    return path
