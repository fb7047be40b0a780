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
  made up to that date can have named them as an adult. Without the date a record was
  made, a *child's* role says nothing: an adult today was a child in older records.

The date a record was made comes from its events (:func:`record_dates`: the events that
name the record, before linking). With it, a role is a statement about the person *on a
date*, and three more things rule a candidate out, whatever its name says:

* **an adult's role on a date**: a record naming the person as a parent or carer in an
  event of 2019 (or a parent's record whose last event is of 2019) is not a child born
  2010: under ``adult_role_min_age`` on that date;
* **a child's role on a date**: a record naming the person as the child (``child_roles``)
  in an event of 2020, or a child's record whose first event is of 2020, is not someone
  born 1970: ``child_role_max_age`` (25: children's services follow care leavers to 25)
  or over on that date;
* **alive on the date**: a record whose first event is of 2016 is not about someone born
  more than ``oldest_age`` (120) years before (an ancestor born 1870 in a family tree);
* **born by the date**: a record naming the person in a role (a victim, a witness, the
  child concerned...) in an event of 2014 is not someone born more than
  ``before_birth_months`` (12: a pre-birth assessment names an unborn child) later, in
  2017. An event naming the person with no role, or as its plain subject, says nothing
  here: a chronology written about one child gives it its family's history too.

Each reads the candidate's date of birth at its widest (a year of birth is any day of
that year) and the event's date at its widest (a month or a year), and events with an
uncertain or unknown date, or after the linking date, say nothing.
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
#: roles naming the person as the child of a record or an event (``child_roles``)
CHILD_ROLES = ("child", "child concerned", "subject child", "young person", "cyp",
               "unborn", "unborn child")
#: at this age or over nobody is named as the child of a record (``child_role_max_age``:
#: children's services follow care leavers to 25)
CHILD_ROLE_MAX_AGE = 25
#: nobody is named in an event this many years after their birth (``oldest_age``)
OLDEST_AGE = 120
#: nobody is named in a role in an event more than this many months before their birth
#: (``before_birth_months``: a pre-birth assessment names an unborn child)
BEFORE_BIRTH_MONTHS = 12
#: the roles that say nothing of when the person existed (a chronology's subject)
UNDATED_ROLES = ("subject", "")


@dataclass(frozen=True)
class AgeLimits:
    """The ages a record's roles and dates are read with (``link_model.yaml``)."""

    adult_min: int = ADULT_ROLE_MIN_AGE
    child_max: int = CHILD_ROLE_MAX_AGE
    oldest: int = OLDEST_AGE
    before_birth_months: int = BEFORE_BIRTH_MONTHS

    @classmethod
    def from_settings(cls, settings) -> "AgeLimits":
        """The limits of a :class:`chronos.link.settings.LinkSettings` (its raw keys)."""
        raw = getattr(settings, "raw", None) or {}
        return cls(int(raw.get("adult_role_min_age", ADULT_ROLE_MIN_AGE)),
                   int(raw.get("child_role_max_age", CHILD_ROLE_MAX_AGE)),
                   int(raw.get("oldest_age", OLDEST_AGE)),
                   int(raw.get("before_birth_months", BEFORE_BIRTH_MONTHS)))


@dataclass(frozen=True)
class Stated:
    """A record's statements: its sex (M or F), whether it names an adult, and the age
    its date of birth gives on the linking date (None: unknown); and, from the date of
    birth and the record's events (:func:`record_dates`), the earliest and latest day
    the person can have been born, the earliest day the record names them as an adult,
    the latest day it names them as a child, the day of its first event and of the first
    event naming them in a role."""

    sex: str | None = None
    adult: bool = False
    age: int | None = None
    born: tuple[date, date] | None = None
    adult_on: date | None = None
    child_on: date | None = None
    seen: date | None = None
    named_on: date | None = None


def role_words(settings=None) -> tuple[set[str], set[str]]:
    """(adult roles, child roles) of the model, lower case."""
    raw = getattr(settings, "raw", None) or {}
    return ({str(r).strip().lower() for r in raw.get("adult_roles") or ADULT_ROLES},
            {str(r).strip().lower() for r in raw.get("child_roles") or CHILD_ROLES})


def stated_facts(frame, records, settings=None, as_of: date | None = None,
                 keys=None, dates=None) -> dict:
    """Record key -> :class:`Stated`, for the records that state anything (``frame``:
    :func:`chronos.link.identifiers.prepare_records`' columns; ``records``: the person
    records, aligned, for their ``role``; ``keys``: only these records, default all;
    ``dates``: :func:`record_dates` of the case's events, or None)."""
    import numpy as np

    adult_roles, child_roles = role_words(settings)
    today = as_of or date.today()
    if keys is not None:
        wanted = frame["record_key"].isin(list(keys)).to_numpy()
        frame, records = frame[wanted], records[wanted]
    role = records["role"] if "role" in records.columns else None
    said = None if role is None else role.astype("string").str.strip().str.lower()
    adult = (np.zeros(len(frame), dtype=bool) if said is None else
             said.isin(adult_roles).fillna(False).to_numpy(dtype=bool))
    child = (np.zeros(len(frame), dtype=bool) if said is None else
             said.isin(child_roles).fillna(False).to_numpy(dtype=bool))
    sex = frame["sex"].where(frame["sex"].isin(["M", "F"]), None).tolist()
    age = _ages(frame, today)
    born = _birth_ranges(frame)
    dated = dates or {}
    out = {}
    for key, s, a, c, y, b in zip(frame["record_key"].tolist(), sex, adult.tolist(),
                                  child.tolist(), age, born):
        d = dated.get(key)
        adult_on = child_on = seen = named_on = None
        if d is not None:
            adult_on = _earliest(d.adult_on, d.last if a else None)
            child_on = _latest(d.child_on, d.first if c else None)
            seen, named_on = d.first, d.named_on
        if s or a or y is not None or adult_on or child_on or seen:
            out[key] = Stated(s, a, y, b, adult_on, child_on, seen, named_on)
    return out


@dataclass(frozen=True)
class RecordDates:
    """What a record's events say of when it was made: the first day of its first event
    and the last day of its last; the earliest day an event names the person in an adult
    role, the latest day one names them as the child, and the first day one names them
    in any role but a plain subject (None: no such event)."""

    first: date | None = None
    last: date | None = None
    adult_on: date | None = None
    child_on: date | None = None
    named_on: date | None = None


def record_dates(events, settings=None, as_of: date | None = None) -> dict:
    """Record key -> :class:`RecordDates` from the events naming source person records
    (``model.EVENTS``, before linking: ``person_ids`` are record keys). An event's date
    is read at its widest (a month, a year: ``date_precision``); events whose date is
    uncertain, unknown or after ``as_of`` (default today) are left out."""
    import pandas as pd

    if events is None or len(events) == 0 or "person_ids" not in events.columns:
        return {}
    adult_roles, child_roles = role_words(settings)
    span = _event_spans(events, as_of or date.today())
    if span.empty:
        return {}
    named = span.assign(key=span["person_ids"].astype(str).str.split(";")).explode("key")
    named["key"] = named["key"].str.strip()
    named = named[named["key"] != ""]
    if named.empty:
        return {}
    groups = named.groupby("key", sort=False)
    first, last = groups["lo"].min(), groups["hi"].max()
    roles = _roles_named(span)          # (event, key, role), one row per role
    roles = roles.join(span[["lo", "hi"]], on="event")
    adult_on = roles[roles["role"].isin(adult_roles)].groupby("key", sort=False)["hi"].min()
    child_on = roles[roles["role"].isin(child_roles)].groupby("key", sort=False)["lo"].max()
    named_on = roles[~roles["role"].isin(UNDATED_ROLES)].groupby("key", sort=False)["lo"].min()
    frame = pd.DataFrame({"first": first, "last": last}).join(
        adult_on.rename("adult_on")).join(child_on.rename("child_on")).join(
        named_on.rename("named_on"))
    return {key: RecordDates(*(None if pd.isna(v) else v.date() for v in values))
            for key, *values in frame.itertuples(name=None)}


#: the columns of the events that dating a record reads (the case cache keys on them)
DATING_COLUMNS = ("person_ids", "person_roles", "date", "date_precision", "date_uncertain")


def _event_spans(events, today: date):
    """The dated events as (person_ids, person_roles, lo, hi): the first and last day
    their date can be (timestamps: grouped as numbers, not objects)."""
    import pandas as pd

    columns = [c for c in DATING_COLUMNS if c in events.columns]
    work = events[columns].reset_index(drop=True)
    work = work[work["person_ids"].notna() & work["date"].notna()]
    if "date_uncertain" in work.columns:
        work = work[~work["date_uncertain"].fillna(False).astype(bool)]
    precision = (work["date_precision"].astype("string").fillna("day")
                 if "date_precision" in work.columns
                 else pd.Series("day", index=work.index, dtype="string"))
    work = work[precision.isin(["day", "month", "year"])]
    precision = precision[work.index]
    lo = pd.to_datetime(work["date"].astype(str).str.slice(0, 10), errors="coerce",
                        format="ISO8601")
    hi = lo.where(precision != "month", lo + pd.offsets.MonthEnd(0))
    hi = hi.where(precision != "year", lo + pd.offsets.YearEnd(0))
    if "person_roles" not in work.columns:
        work["person_roles"] = None
    kept = (lo.notna() & (hi <= pd.Timestamp(today))).to_numpy()
    work, lo, hi = work[kept], lo[kept], hi[kept]
    return work.assign(lo=lo, hi=hi)[["person_ids", "person_roles", "lo", "hi"]].reset_index(
        drop=True)


def _roles_named(span):
    """(event, key, role) for each role ``person_roles`` (``key=role+role;...``) gives a
    person of an event, lower case (``event``: the index of ``span``)."""
    import pandas as pd

    text = span["person_roles"].dropna().astype(str)
    pairs = text.str.split(";").explode()
    pairs = pairs[pairs.str.contains("=", regex=False)]
    if pairs.empty:
        return pd.DataFrame({"event": pd.Series(dtype=span.index.dtype),
                             "key": pd.Series(dtype=object), "role": pd.Series(dtype=object)})
    parts = pairs.str.split("=", n=1, expand=True)
    table = pd.DataFrame({"event": pairs.index, "key": parts[0].str.strip().to_numpy(),
                          "role": parts[1].str.split("+").to_numpy()}).explode("role")
    table["role"] = table["role"].astype(str).str.strip().str.lower()
    return table[table["role"] != ""].reset_index(drop=True)


def _earliest(*days):
    found = [d for d in days if d is not None]
    return min(found) if found else None


def _latest(*days):
    found = [d for d in days if d is not None]
    return max(found) if found else None


def _birth_ranges(frame) -> list:
    """(earliest, latest) possible day of birth per record: its date of birth, or the
    whole of its year of birth; None where neither is known."""
    import pandas as pd

    dob = pd.to_datetime(frame["dob"].astype("string"), errors="coerce", format="%Y-%m-%d")
    year = pd.to_numeric(frame["dob_year"], errors="coerce")
    out = []
    for d, y in zip(dob.tolist(), year.tolist()):
        if not pd.isna(d):
            out.append((d.date(), d.date()))
        elif not pd.isna(y) and 1 <= int(y) <= 9999:
            out.append((date(int(y), 1, 1), date(int(y), 12, 31)))
        else:
            out.append(None)
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
                  limits: AgeLimits | None = None) -> str | None:
    """Why ``candidate`` cannot be the person of ``record`` by what each states ("sex";
    "age": an adult's role and a young child; "child": a child's role on a date and
    someone ``child_max`` or over then; "alive": an event long after a birth; "unborn":
    named in a role long before a birth), or None when nothing they state disagrees.
    ``limits`` give the ages (default: ``link_model.yaml``'s shipped values)."""
    if record is None or candidate is None:
        return None
    if record.sex and candidate.sex and record.sex != candidate.sex:
        return "sex"
    limits = limits or AgeLimits()
    for one, other in ((record, candidate), (candidate, record)):
        if one.adult and other.age is not None and other.age < limits.adult_min:
            return "age"
        if other.born is None:
            continue
        earliest, latest = other.born
        if one.adult_on and _years(earliest, one.adult_on) < limits.adult_min:
            return "age"
        if one.child_on and _years(latest, one.child_on) >= limits.child_max:
            return "child"
        if one.seen and _years(latest, one.seen) >= limits.oldest:
            return "alive"
        if one.named_on and _months(one.named_on, earliest) > limits.before_birth_months:
            return "unborn"
    return None


def birth_window(record: Stated | None, limits: AgeLimits | None = None):
    """(earliest, latest) day of birth that what ``record`` states on the days of its
    events allows (named as the child on a day: born less than ``child_max`` years
    before it and at most ``before_birth_months`` after; named as an adult: at least
    ``adult_min`` years before), or None when its events state no role on a day."""
    if record is None or (record.child_on is None and record.adult_on is None):
        return None
    limits = limits or AgeLimits()
    lo, hi = date.min, date.max
    if record.child_on:
        lo = max(lo, _shift(record.child_on, -limits.child_max, days=1))
        hi = min(hi, _add_months(record.child_on, limits.before_birth_months))
    if record.adult_on:
        hi = min(hi, _shift(record.adult_on, -limits.adult_min))
    return (lo, hi) if lo <= hi else None


def _shift(day: date, years: int, days: int = 0) -> date:
    from datetime import timedelta

    try:
        moved = day.replace(year=day.year + years)
    except ValueError:                      # 29 February
        moved = day.replace(year=day.year + years, day=28)
    return moved + timedelta(days=days)


def _add_months(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    try:
        return day.replace(year=year, month=month + 1)
    except ValueError:
        return day.replace(year=year, month=month + 1, day=28)


def _months(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end``."""
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


def _years(born: date, on: date) -> int:
    """Whole years from ``born`` to ``on`` (negative before the birth)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
