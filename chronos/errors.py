"""One domain error hierarchy, and row-level problems that carry provenance.

Library code raises :class:`ChronosError` subclasses (never ``sys.exit``); the CLI maps
them to exit codes. Problems with a single cell or row do not raise: they become an
:class:`Issue` (a warning, or the reason a row went to quarantine) naming the file, row,
column and value, with a stable ``code`` that users can filter on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


def did_you_mean(word: object, known) -> str:
    """``"; did you mean 'x'?"`` naming the known word nearest ``word``, or "" when none
    is near: for messages about a key or a name chronos does not know."""
    import difflib

    close = difflib.get_close_matches(str(word), list(known), n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else ""


class ChronosError(Exception):
    """Base class for every error chronos raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, file: str | None = None, row: str | int | None = None,
                 column: str | None = None, hint: str | None = None):
        self.message = message
        self.file = file
        self.row = row
        self.column = column
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ", ".join(
            part for part in (
                self.file and f"file {self.file}",
                self.row is not None and f"row {self.row}",
                self.column and f"column {self.column!r}",
            ) if part
        )
        text = f"{where}: {self.message}" if where else self.message
        return f"{text}\n  hint: {self.hint}" if self.hint else text


class ManifestError(ChronosError):
    """The case manifest (case.yaml) is missing, unreadable or inconsistent."""

    exit_code = 2


class MappingError(ChronosError):
    """A mapping file is invalid or names columns the export does not have."""

    exit_code = 2


class SourceError(ChronosError):
    """A source file cannot be read at all (missing, corrupt, wrong format)."""

    exit_code = 3


class FormatNotRecognised(SourceError):
    """``format: auto`` matched no registered ingester."""


class RuleError(ChronosError):
    """A rule file is invalid (unknown type, event type, window or field)."""

    exit_code = 2


class SettingsError(ChronosError):
    """A settings file (chronos.toml) is unreadable or holds a value of the wrong kind."""

    exit_code = 2


class AnnotationError(ChronosError):
    """The case's annotations file (annotations.csv) cannot be read or added to."""

    exit_code = 2


class ReturnError(ChronosError):
    """An agency return cannot be issued, checked or recorded (chronos.returns)."""

    exit_code = 1


class OutputError(ChronosError):
    """An output path chronos will not write to (writing there could lose someone's
    files), or one that another chronos run is writing."""

    exit_code = 1


class StrictModeError(ChronosError):
    """``--strict`` was given and rows were quarantined."""

    exit_code = 4


@dataclass
class Issue:
    """A problem with one row or cell, with enough provenance to find it in the file.

    ``code`` is stable (e.g. ``date.impossible``) so that reports can group by it.
    ``severity`` is ``warning`` (the row still became data) or ``error`` (it was
    quarantined).
    """

    code: str
    message: str
    source_file: str = ""
    source_ref: str = ""
    column: str = ""
    value: str = ""
    severity: str = "warning"
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        """The issue as a flat dict (for JSON and quarantine rows)."""
        data = asdict(self)
        data.pop("extra")
        return data

    def __str__(self) -> str:
        where = self.source_file
        if self.source_ref:
            where += f" row {self.source_ref}"
        if self.column:
            where += f" column {self.column!r}"
        value = f" (value {self.value!r})" if self.value else ""
        return f"{where}: {self.message}{value} [{self.code}]"
