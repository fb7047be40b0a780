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


def stated_facts(frame, records, settings=None, as_of: date | None = None) -> dict:
    """Record key -> :class:`Stated`, for the records that state anything (``frame``:
    :func:`chronos.link.identifiers.prepare_records`' columns; ``records``: the person
    records, aligned, for their ``role``)."""
    raw = getattr(settings, "raw", None) or {}
    adult_roles = {str(r).strip().lower() for r in raw.get("adult_roles") or ADULT_ROLES}
    today = as_of or date.today()
    roles = records["role"] if "role" in records.columns else None
    role_text = ([] if roles is None else
                 roles.astype("object").where(roles.notna(), "").astype(str).str.strip()
                 .str.lower().tolist())
    out = {}
    dob = frame["dob"].tolist()
    year = frame["dob_year"].astype("object").where(frame["dob_year"].notna(), None).tolist()
    for i, (key, sex) in enumerate(zip(frame["record_key"].tolist(), frame["sex"].tolist())):
        adult = bool(role_text) and role_text[i] in adult_roles
        age = _age(dob[i], year[i], today)
        sex = sex if sex in ("M", "F") else None
        if sex or adult or age is not None:
            out[key] = Stated(sex, adult, age)
    return out


def _age(dob, year, today: date) -> int | None:
    """Whole years on ``today`` from a date of birth (or, at most, from a year)."""
    if dob:
        born = date.fromisoformat(str(dob))
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if year is not None:
        return today.year - int(year) - 1          # the youngest they can be
    return None


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
