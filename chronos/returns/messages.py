"""The numbered messages of a return check (the catalogue: ``chronos/data/return_checks.yaml``).

Each kind of problem has a fixed number and a stable code (``12`` and
``return.date_unreadable``), a severity (error, warning, note), whether it stops the
return being added to the case (``blocking``) and the advice given to the agency. A
:class:`Message` is one problem found in one file, with where it is (row and column as
the agency sees them: the Excel row number and column letter, or the Word table, row and
column) and the value found.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

SEVERITIES = ("error", "warning", "note")


@dataclass(frozen=True)
class Check:
    """One kind of problem a return check looks for."""

    number: int
    code: str
    severity: str
    blocking: bool
    title: str
    advice: str


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Check]:
    """Every check, by code, in number order."""
    import yaml

    from chronos.datafiles import data_text

    text = data_text("return_checks.yaml")
    checks = [Check(int(c["number"]), c["code"], c["severity"], bool(c["blocking"]),
                    " ".join(c["title"].split()), " ".join(c["advice"].split()))
              for c in yaml.safe_load(text)["checks"]]
    return {c.code: c for c in sorted(checks, key=lambda c: c.number)}


@dataclass(frozen=True)
class Message:
    """One problem in a returned file."""

    code: str
    text: str                        # what is wrong, in the agency's terms
    row: int | None = None           # the row as the agency sees it (Excel row, Word table row)
    column: str | None = None        # "B (Date)" in Excel, "2 (Date)" in Word
    table: str | None = None         # the Word table ("table 2") or Excel sheet ("sheet 'Health'")
    value: str = ""

    @property
    def check(self) -> Check:
        """The catalogue entry of this message."""
        return catalogue()[self.code]

    @property
    def number(self) -> int:
        return self.check.number

    @property
    def severity(self) -> str:
        return self.check.severity

    @property
    def blocking(self) -> bool:
        return self.check.blocking

    @property
    def where(self) -> str:
        """Where the problem is: ``table 1, row 5, column 2 (Date)``, or ``the file``."""
        parts = [self.table] if self.table else []
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts) or "the file"

    def sort_key(self) -> tuple:
        """Whole-file messages first, then by table, row and column."""
        return (self.row is not None, self.table or "", self.row or 0, self.column or "",
                self.number)

    def as_dict(self) -> dict:
        """The message as plain data (``--json`` and the register)."""
        return {"number": self.number, "code": self.code, "severity": self.severity,
                "blocking": self.blocking, "title": self.check.title, "where": self.where,
                "table": self.table, "row": self.row, "column": self.column,
                "value": self.value, "text": self.text, "advice": self.check.advice}

    def __str__(self) -> str:
        return f"{self.where}: {self.text} [message {self.number}]"
