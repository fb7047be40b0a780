"""What a record states about its person that tells relatives apart without a date of birth.

"M SMITH" with no date of birth fits Megan and her twin brother Mark equally by name; a
police log that also says the person is female does not. "Aaron Ockingfel, parent" fits
the father and not his son aged eight, whatever else the two share. Linking uses these
statements only to rule a candidate out for a *vague* record (no date of birth, or an
initial only; :func:`chronos.link.people._ambiguous`):

* **sex**: a record stating male (or female) is not a candidate whose record states the
  other (unknown, indeterminate or missing says nothing), when another candidate of the
  record is not ruled out (a sex can be mistyped: alone, the other sex only weighs
  against the join, as the model says);
* **an adult's role**: a record naming the person as a parent, carer or another adult
  role (``adult_roles`` in ``link_model.yaml``) is never a person under
  ``adult_role_min_age`` (12) on the linking date by their own date of birth: no record
  made up to that date can have named them as an adult. A *child's* role says nothing:
  an adult today was a child in older records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

#: roles naming an adult (lower case; ``adult_roles`` in link_model.yaml replaces them)
ADULT_ROLES = ("adult", "parent", "mother", "father", "carer", "guardian", "step-parent",
               "stepparent", "stepfather", "stepmother", "partner", "grandparent",
               "grandmother", "grandfather", "professional")
#: under this age on the linking date nobody was named as an adult in any record
ADULT_ROLE_MIN_AGE = 12


@dataclass(frozen=True)
class Stated:
    """A record's statements: its sex (M or F), whether it names an adult, and the age
    its date of birth gives on the linking date (None: unknown)."""

    sex: str | None = None
    adult: bool = False
    age: int | None = None


def stated_facts(frame, records, settings=None, as_of: date | None = None,
                 keys=None) -> dict:
    """Record key -> :class:`Stated`, for the records that state anything (``frame``:
    :func:`chronos.link.identifiers.prepare_records`' columns; ``records``: the person
    records, aligned, for their ``role``; ``keys``: only these records, default all)."""
    import numpy as np

    raw = getattr(settings, "raw", None) or {}
    adult_roles = {str(r).strip().lower() for r in raw.get("adult_roles") or ADULT_ROLES}
    today = as_of or date.today()
    if keys is not None:
        wanted = frame["record_key"].isin(list(keys)).to_numpy()
        frame, records = frame[wanted], records[wanted]
    role = records["role"] if "role" in records.columns else None
    adult = (np.zeros(len(frame), dtype=bool) if role is None else
             role.astype("string").str.strip().str.lower().isin(adult_roles)
             .fillna(False).to_numpy(dtype=bool))
    sex = frame["sex"].where(frame["sex"].isin(["M", "F"]), None).tolist()
    age = _ages(frame, today)
    out = {}
    for key, s, a, y in zip(frame["record_key"].tolist(), sex, adult.tolist(), age):
        if s or a or y is not None:
            out[key] = Stated(s, a, y)
    return out


def _ages(frame, today: date) -> list:
    """Whole years on ``today`` from each date of birth (or, at most, from a year of
    birth: the youngest the person can be); None where neither is known."""
    import pandas as pd

    dob = frame["dob"].astype("string")
    year = pd.to_numeric(dob.str.slice(0, 4), errors="coerce")
    month = pd.to_numeric(dob.str.slice(5, 7), errors="coerce")
    day = pd.to_numeric(dob.str.slice(8, 10), errors="coerce")
    before = (month > today.month) | ((month == today.month) & (day > today.day))
    exact = today.year - year - before.fillna(False).astype(int)
    from_year = today.year - pd.to_numeric(frame["dob_year"], errors="coerce") - 1
    age = exact.where(year.notna(), from_year)
    return [None if pd.isna(v) else int(v) for v in age.tolist()]


def contradiction(record: Stated | None, candidate: Stated | None,
                  min_age: int = ADULT_ROLE_MIN_AGE) -> str | None:
    """Why ``candidate`` cannot be the person of ``record`` by what each states ("sex",
    "age"), or None when nothing they state disagrees."""
    if record is None or candidate is None:
        return None
    if record.sex and candidate.sex and record.sex != candidate.sex:
        return "sex"
    for one, other in ((record, candidate), (candidate, record)):
        if one.adult and other.age is not None and other.age < min_age:
            return "age"
    return None
