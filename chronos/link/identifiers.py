"""Identifier hygiene: normalise and validate what person linking matches on.

Each ``normalise_*`` function takes one raw value and returns a :class:`Checked` value:
the cleaned form (or ``None``) and, when the raw value was present but unusable, an
``error`` code. An invalid identifier is a data-quality warning, never a match key.

:func:`prepare_records` applies all of them to a table of source person records and
returns the columns the linking model compares (``nhs``, ``upn``, ``given`` ...) with one
:class:`chronos.errors.Issue` per problem found.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from chronos.datafiles import data_text
from chronos.errors import Issue

UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"  # check letters: no I, O or S
_POSTCODE = re.compile(r"^(GIR0AA|[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][ABD-HJLNP-UW-Z]{2})$")
_TITLES = {"MR", "MRS", "MS", "MISS", "MX", "DR", "MASTER", "BABY", "PROF", "REV"}
_PLACEHOLDERS = {"", "0", "NA", "N/A", "NONE", "NULL", "UNKNOWN", "NOTKNOWN", "TBC", "-"}


@dataclass(frozen=True)
class Checked:
    """A normalised value, or ``None`` with the reason in ``error`` (a stable code)."""

    value: str | None
    error: str | None = None
    message: str | None = None


def _blank(raw) -> bool:
    if raw is None:
        return True
    try:
        if raw != raw:  # NaN / NA
            return True
    except TypeError:  # pandas.NA comparisons
        return True
    return str(raw).strip().upper().replace(" ", "") in _PLACEHOLDERS


# --- NHS number -------------------------------------------------------------------------

def nhs_check_digit(first_nine: str) -> int | None:
    """The modulus-11 check digit for nine digits (``None`` when the remainder gives 10)."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def normalise_nhs_number(raw) -> Checked:
    """A 10-digit NHS number with a valid modulus-11 check digit, spaces and dashes removed.

    All-same-digit numbers (``1111111111``) are placeholders, not numbers.
    """
    if _blank(raw):
        return Checked(None)
    text = re.sub(r"[\s\-]", "", str(raw))
    if text.endswith(".0") and text[:-2].isdigit():  # read as a float by a spreadsheet
        text = text[:-2]
    text = text.replace(".", "")
    if not re.fullmatch(r"\d{10}", text):
        return Checked(None, "identifier.nhs_format", "an NHS number has 10 digits")
    if len(set(text)) == 1:
        return Checked(None, "identifier.nhs_placeholder", "placeholder NHS number")
    if nhs_check_digit(text[:9]) != int(text[9]):
        return Checked(None, "identifier.nhs_check_digit",
                       "NHS number fails the modulus-11 check digit")
    return Checked(text)


# --- UPN ------------------------------------------------------------------------------

def upn_check_letter(last_twelve: str) -> str:
    """The DfE check letter for the 12 characters after it (a final letter counts as its
    position in the check-letter alphabet: temporary UPNs)."""
    total = 0
    for weight, char in enumerate(last_twelve, start=2):
        total += int(char) * weight if char.isdigit() else UPN_LETTERS.index(char) * weight
    return UPN_LETTERS[total % 23]


def normalise_upn(raw) -> Checked:
    """A 13-character Unique Pupil Number with a correct check letter (upper case)."""
    if _blank(raw):
        return Checked(None)
    text = re.sub(r"[\s\-]", "", str(raw)).upper()
    if not re.fullmatch(rf"[{UPN_LETTERS}]\d{{11}}[0-9{UPN_LETTERS}]", text):
        return Checked(None, "identifier.upn_format",
                       "a UPN is a check letter and 12 characters (11 digits and a digit or letter)")
    if upn_check_letter(text[1:]) != text[0]:
        return Checked(None, "identifier.upn_check_letter", "UPN has the wrong check letter")
    return Checked(text)


# --- LA child id, postcode ----------------------------------------------------------------

def normalise_la_child_id(raw) -> Checked:
    """A local-authority child id: trimmed, upper case, inner spaces removed."""
    if _blank(raw):
        return Checked(None)
    text = re.sub(r"\s+", "", str(raw)).upper()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    if not re.fullmatch(r"[A-Z0-9/_\-]{2,36}", text) or len(set(text) - set("0-/_")) == 0:
        return Checked(None, "identifier.la_id_format", "not a usable local authority child id")
    return Checked(text)


def normalise_postcode(raw) -> Checked:
    """A UK postcode in the standard form (``SW1A 1AA``)."""
    if _blank(raw):
        return Checked(None)
    text = re.sub(r"\s+", "", str(raw)).upper()
    if not _POSTCODE.match(text):
        return Checked(None, "identifier.postcode_format", "not a UK postcode")
    return Checked(f"{text[:-3]} {text[-3:]}")


def postcode_district(postcode: str | None) -> str | None:
    """The outward code (``SW1A`` of ``SW1A 1AA``)."""
    return postcode.split(" ")[0] if postcode else None


# --- names ------------------------------------------------------------------------------

def name_tokens(raw) -> list[str]:
    """Upper-case name tokens: accents folded, titles dropped, apostrophes removed,
    hyphens and other punctuation split ("Smith-Jones" -> ["SMITH", "JONES"])."""
    if _blank(raw):
        return []
    text = unicodedata.normalize("NFKD", str(raw)).encode("ascii", "ignore").decode()
    text = re.sub(r"['`\u2019]", "", text.upper())
    tokens = [t for t in re.split(r"[^A-Z]+", text) if t]
    return [t for t in tokens if t not in _TITLES]


@lru_cache(maxsize=1)
def nickname_table() -> dict[str, tuple[str, ...]]:
    """Variant (upper case) -> the canonical names it may stand for (sorted)."""
    import yaml

    text = data_text("nicknames.yaml")
    table: dict[str, set[str]] = {}
    for canonical, variants in yaml.safe_load(text)["nicknames"].items():
        canon = canonical.upper()
        table.setdefault(canon, set()).add(canon)
        for variant in variants or ():
            table.setdefault(str(variant).upper(), set()).add(canon)
    return {k: tuple(sorted(v)) for k, v in table.items()}


def canonical_given_name(token: str | None) -> str | None:
    """The canonical form of a given name ("KATIE" -> "CATHERINE"); the name itself when
    it is not in the table. A variant of several names ("JACK": Jacob or John) is a name
    in its own right: its forms ';'-joined ("JACOB;JOHN"), which match those names
    themselves but not another of their variants ("JAKE": twins Jack and Jake are two
    children)."""
    if not token:
        return None
    forms = nickname_table().get(token)
    return ";".join(forms) if forms else token


def names_are_nicknames(a: str | None, b: str | None) -> bool:
    """True when two given names stand for one name ("BILL" and "WILLIAM", "KATIE" and
    "KATE"); a variant of several names only for one of those names ("JACK" and "JOHN",
    not "JACK" and "JAKE")."""
    if not a or not b:
        return False
    if a == b:
        return True
    table = nickname_table()
    forms_a, forms_b = table.get(a, (a,)), table.get(b, (b,))
    if len(forms_a) > 1 or len(forms_b) > 1:
        return a in forms_b or b in forms_a or forms_a == forms_b
    return forms_a == forms_b


# --- sex and date of birth --------------------------------------------------------------

_SEX = {"M": "M", "MALE": "M", "MAN": "M", "BOY": "M", "1": "M",
        "F": "F", "FEMALE": "F", "WOMAN": "F", "GIRL": "F", "2": "F",
        "U": None, "UNKNOWN": None, "0": None, "9": None, "NOTKNOWN": None,
        "X": "X", "I": "X", "INDETERMINATE": "X", "OTHER": "X"}


def normalise_sex(raw) -> Checked:
    """``M``, ``F`` or ``X``; unknown is ``None``; anything unrecognised is an error."""
    if _blank(raw):
        return Checked(None)
    key = re.sub(r"[\s_\-]", "", str(raw)).upper()
    if key not in _SEX:
        return Checked(None, "person.sex_unrecognised", "sex not recognised")
    return Checked(_SEX[key])


def normalise_dob(raw, precision=None, *, as_of: date | None = None) -> Checked:
    """An ISO date of birth at day precision, usable for matching.

    Partial dates (month/year precision) return ``None`` without an error (the caller
    keeps the year). A date in the future (after ``as_of``, default today) is an error:
    it is never a match key (linking still holds it against a different date of birth).
    An old date is a date like any other: a family tree's ancestors were born long ago.
    """
    if _blank(raw):
        return Checked(None)
    text = str(raw).strip()[:10]
    try:
        parsed = date.fromisoformat(text)
    except ValueError:
        return Checked(None, "dob.unreadable", "date of birth is not an ISO date")
    if parsed > (as_of or date.today()):
        return Checked(None, "dob.future", "date of birth is in the future")
    if precision not in (None, "", "day") and not _blank(precision):
        return Checked(None)
    return Checked(parsed.isoformat())


# --- a table of source person records -> the columns the model compares -----------------

#: Columns of the frame :func:`prepare_records` returns (besides ``record_key``).
MATCH_COLUMNS = ("nhs", "upn", "la_id", "given", "given_canon", "given_initial",
                 "given_other", "given_fix", "family", "family_first", "family_last", "dob",
                 "dob_year", "dob_swap", "sex", "postcode", "district", "name_key",
                 "initial_key")

_SPLIT_IDS = re.compile(r"\s*(?:[;,/|]|\s+or\s+|\s+and\s+)\s*", re.IGNORECASE)
_ID_SCHEMES = {"nhs": ("nhs_number", normalise_nhs_number),
               "upn": ("upn", normalise_upn),
               "la_id": ("la_child_id", normalise_la_child_id)}
_OTHER_ID_ALIASES = {"nhs": "nhs", "nhs_number": "nhs", "nhsno": "nhs", "upn": "upn",
                     "la_child_id": "la_id", "la_id": "la_id", "lacid": "la_id"}


def _column(records, name):
    import pandas as pd

    if name in records.columns:
        return records[name].astype("object").where(records[name].notna(), None)
    return pd.Series([None] * len(records), index=records.index, dtype="object")


def _map_unique(series, func):
    """Apply ``func`` once per distinct value (fast on large tables)."""
    import pandas as pd

    uniques = {value: func(value) for value in series.dropna().unique()}
    if not uniques:
        return pd.Series([None] * len(series), index=series.index, dtype="object")
    mapped = series.map(uniques)
    return mapped.astype("object").where(mapped.notna(), None)


_NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
_UPN_WEIGHTS = tuple(range(2, 14))


def _digit_matrix(values):
    import numpy as np

    width = len(values[0])
    raw = np.frombuffer("".join(values).encode("ascii"), dtype=np.uint8)
    return raw.reshape(-1, width).astype(np.int64)


def _fast_nhs(text):
    """Vectorised check of plain 10-digit cells: a boolean mask of valid ones."""
    import numpy as np

    plain = text.str.fullmatch(r"\d{10}").fillna(False).astype(bool)
    mask = plain.copy()
    if plain.any():
        digits = _digit_matrix(list(text[plain])) - 48
        check = 11 - (digits[:, :9] @ np.array(_NHS_WEIGHTS)) % 11
        check[check == 11] = 0
        same = (digits == digits[:, :1]).all(axis=1)
        mask[plain] = (check == digits[:, 9]) & ~same
    return mask


def _fast_upn(text):
    """Vectorised check of permanent UPNs (a letter and 12 digits): valid mask."""
    import numpy as np

    plain = text.str.fullmatch(rf"[{UPN_LETTERS}]\d{{12}}").fillna(False).astype(bool)
    mask = plain.copy()
    if plain.any():
        chars = _digit_matrix(list(text[plain]))
        total = (chars[:, 1:] - 48) @ np.array(_UPN_WEIGHTS)
        letters = np.frombuffer(UPN_LETTERS.encode(), dtype=np.uint8)[total % 23]
        mask[plain] = letters == chars[:, 0]
    return mask


_FAST = {"nhs": _fast_nhs, "upn": _fast_upn}


def _identifier_column(combined, key, normalise, issues, column):
    """Valid values of one identifier column: a vectorised fast path for plain cells,
    the full check (separators, conflicts, error codes) for the rest."""
    import pandas as pd

    text = combined.astype("string").str.replace(r"[\s\-]", "", regex=True)
    if key == "nhs":
        text = text.str.replace(r"\.0$", "", regex=True)
    if key == "upn":
        text = text.str.upper()
    fast = _FAST[key](text) if key in _FAST else pd.Series(False, index=text.index)
    values = text.astype("object").where(fast, None)
    rest = combined[~fast & combined.notna()]
    if len(rest):
        checked = _map_unique(rest, lambda v: _check_identifier(v, normalise))
        issues.add(checked, rest, column)
        values[rest.index] = _values(checked)
    return values


def _check_identifier(raw, normalise) -> Checked:
    """One identifier cell: several distinct valid values in one cell are a conflict."""
    if _blank(raw):
        return Checked(None)
    parts = [p for p in _SPLIT_IDS.split(str(raw).strip()) if p]
    checked = [normalise(p) for p in parts] or [Checked(None)]
    valid = sorted({c.value for c in checked if c.value})
    if len(valid) > 1:
        return Checked(None, "identifier.conflict",
                       "one record carries two different identifiers: neither is used")
    if valid:
        return Checked(valid[0])
    return next((c for c in checked if c.error), Checked(None))


def _other_ids(raw) -> dict[str, str]:
    out: dict[str, str] = {}
    if _blank(raw):
        return out
    for part in str(raw).split(";"):
        scheme, _, value = part.partition("=")
        key = _OTHER_ID_ALIASES.get(re.sub(r"[\s\-]", "_", scheme.strip().lower()))
        if key and value.strip():
            out[key] = (out[key] + ";" + value.strip()) if key in out else value.strip()
    return out


def _given_parts(raw) -> tuple:
    tokens = name_tokens(raw)
    if not tokens:
        return (None, None, None, None)
    first = tokens[0]
    canon = None if len(first) == 1 else canonical_given_name(first)
    return (first, canon, first[0], " ".join(tokens[1:]) or None)


def _family_parts(raw) -> tuple:
    tokens = name_tokens(raw)
    if not tokens:
        return (None, None, None)
    return (" ".join(tokens), tokens[0], tokens[-1])


def _swap_day_month(iso: str | None) -> str | None:
    if not iso:
        return None
    year, month, day = iso.split("-")
    if month == day or int(day) > 12:
        return None
    return f"{year}-{day}-{month}"


def _year_of(raw) -> int | None:
    text = "" if _blank(raw) else str(raw).strip()
    return int(text[:4]) if re.match(r"^\d{4}", text) else None


class _IssueCollector:
    """Turns error codes in a column into Issues with provenance (one per bad cell)."""

    def __init__(self, records):
        self.keys = _column(records, "source_file").fillna(""), _column(records, "source_ref")
        self.issues: list[Issue] = []

    def add_mask(self, mask, code, message, raw, column):
        """One issue per row where ``mask`` is true."""
        for index in mask[mask].index:
            ref = self.keys[1][index]
            self.issues.append(Issue(code, message, source_file=str(self.keys[0][index] or ""),
                                     source_ref="" if ref is None else str(ref),
                                     column=column, value=str(raw[index])))

    def add(self, checked, raw, column):
        errors = checked.map(lambda c: c.error if c is not None else None)
        for index in errors[errors.notna()].index:
            item = checked[index]
            ref = self.keys[1][index]
            self.issues.append(Issue(item.error, item.message or item.error,
                                     source_file=str(self.keys[0][index] or ""),
                                     source_ref="" if ref is None else str(ref),
                                     column=column, value=str(raw[index])))


def _values(checked):
    return checked.map(lambda c: c.value if c is not None else None)


def prepare_records(records, *, as_of: date | None = None):
    """Normalise a table of source person records (``model.PERSONS`` + ``record_key``).

    Returns ``(frame, issues)``: ``frame`` has ``record_key``, :data:`MATCH_COLUMNS`
    (``None`` where a value is missing or invalid) and ``dob_fact`` (every readable
    day-precision date of birth, future ones too: evidence, never a match key), aligned
    with ``records``; ``issues``
    lists every invalid or conflicting value as a warning with its file, row and column.
    """
    import pandas as pd

    issues = _IssueCollector(records)
    out = pd.DataFrame({"record_key": _column(records, "record_key")}, index=records.index)
    others = _map_unique(_column(records, "other_ids"), _other_ids)
    for key, (column, normalise) in _ID_SCHEMES.items():
        raw = _column(records, column)
        extra = others.map(lambda d, k=key: d.get(k) if d else None)
        combined = raw.where(extra.isna(), raw.fillna("").astype(str) + ";" + extra.fillna(""))
        out[key] = _identifier_column(combined, key, normalise, issues, column)
    _add_names(out, records, issues)
    _add_dob_sex_postcode(out, records, issues, as_of)
    _flag_empty(out, records, issues)
    for name in (*MATCH_COLUMNS, "dob_fact"):
        if name != "dob_year":
            out[name] = out[name].astype("object").where(out[name].notna(), None)
    return out, issues.issues


def _split_parts(out, raw, func, names):
    uniques = {value: func(value) for value in raw.dropna().unique()}
    for i, name in enumerate(names):
        part = {value: parts[i] for value, parts in uniques.items() if parts[i] is not None}
        mapped = raw.map(part) if part else raw.map({})
        out[name] = mapped.astype("object").where(mapped.notna(), None)


def _add_names(out, records, issues):
    _split_parts(out, _column(records, "given_name"), _given_parts,
                 ("given", "given_canon", "given_initial", "given_other"))
    _split_parts(out, _column(records, "family_name"), _family_parts,
                 ("family", "family_first", "family_last"))
    out["name_key"] = (out["family_first"] + " " + out["given_initial"]).where(
        out["family_first"].notna() & out["given_initial"].notna(), None)
    out["initial_key"] = out["name_key"].where(out["given"].str.len() == 1, None)
    fixed = rare_spellings(out["given"])
    out["given_fix"] = out["given"].map(
        {g: canonical_given_name(fixed.get(g, g)) for g in out["given"].dropna().unique()
         if len(g) > 1})


#: a given name written at most this many times in the data may be a misspelling of a
#: name one edit away written at least COMMON_FACTOR times as often (and 3 times) ...
RARE_SPELLING = 2
COMMON_FACTOR = 3
#: ... and a name written more often, of one written at least this many times as often
#: (across a population a misspelling recurs: "Ruyb" 4 times where "Ruby" is 4,000)
POPULATION_FACTOR = 50


def rare_spellings(given) -> dict[str, str]:
    """Given names (a column of the prepared ``given``) that look like a misspelling of
    one common name of the same data -> that name: one edit (a letter changed, added,
    dropped, or two adjacent letters swapped) from exactly one name written at least 3
    times and ``COMMON_FACTOR`` times as often (a spelling written at most
    ``RARE_SPELLING`` times) or ``POPULATION_FACTOR`` times as often (one written more:
    across a population a misspelling recurs): "RUYB" and "RYBY" -> "RUBY" where "RUBY"
    is written 40 times. Two such spellings of one name are the same name misspelt
    twice, not twins' two names: twins' names are each written as often as names are.
    Initials and names of under four letters are never taken for misspellings.
    Symmetric deletion: each name is looked up by itself and its one-letter deletions,
    so the work grows with the names, not their square."""
    counts = given.dropna().value_counts()
    counts = counts[counts.index.str.len() >= 4]
    if counts.empty:
        return {}
    common = counts[counts >= max(3, COMMON_FACTOR)]
    index: dict[str, set[str]] = {}
    for name in common.index:
        for key in _deletions(name):
            index.setdefault(key, set()).add(name)
    out = {}
    rare = counts[counts * min(COMMON_FACTOR, POPULATION_FACTOR) <= counts.max()]
    for name, n in rare.items():
        factor = COMMON_FACTOR if n <= RARE_SPELLING else POPULATION_FACTOR
        near = {c for key in _deletions(name) for c in index.get(key, ())}
        near = [c for c in near if c != name and common[c] >= factor * n
                and one_edit(name, c)]
        if len(near) == 1:
            out[name] = near[0]
    return out


def _deletions(name: str) -> set[str]:
    return {name} | {name[:i] + name[i + 1:] for i in range(len(name))}


def one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` are one edit apart: a letter changed, added or dropped,
    or two adjacent letters swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diffs) == 1 or (len(diffs) == 2 and diffs[1] == diffs[0] + 1
                                   and a[diffs[0]] == b[diffs[1]]
                                   and a[diffs[1]] == b[diffs[0]])
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def _add_dob_sex_postcode(out, records, issues, as_of):
    _add_dob(out, records, issues, as_of)
    sex = _map_unique(_column(records, "sex"), normalise_sex)
    issues.add(sex, _column(records, "sex"), "sex")
    out["sex"] = _values(sex)
    _add_postcode(out, records, issues)


def _blank_mask(text):
    upper = text.str.upper().str.replace(" ", "", regex=False)
    return text.isna() | upper.isin(_PLACEHOLDERS).fillna(False).astype(bool)


def _add_dob(out, records, issues, as_of):
    """Vectorised: a valid day-precision date of birth, its year, its day/month swap;
    and, outside the compared columns, ``dob_fact``: any readable day-precision date of
    birth, a future one too (a typo is still evidence that two records differ)."""
    import pandas as pd

    raw = _column(records, "dob")
    text = raw.astype("string").str.strip().str.slice(0, 10)
    blank = _blank_mask(text)
    readable = _readable_iso(text.where(~blank))
    future = readable & text.gt((as_of or date.today()).isoformat()).fillna(False)
    problems = {"dob.unreadable": (~blank & ~readable, "date of birth is not an ISO date"),
                "dob.future": (future, "date of birth is in the future")}
    for code, (mask, message) in problems.items():
        issues.add_mask(mask.fillna(False).astype(bool), code, message, raw, "dob")
    good = readable & ~future
    precision = _column(records, "dob_precision").astype("string").fillna("day")
    at_day = precision.isin(["day", ""]).fillna(False).astype(bool)
    day = good & at_day
    out["dob"] = text.astype("object").where(day, None)
    out["dob_year"] = pd.to_numeric(text.str.slice(0, 4).where(readable),
                                    errors="coerce").astype("Int64")
    out["dob_fact"] = text.astype("object").where(readable & at_day, None)
    month, dd = text.str.slice(5, 7), text.str.slice(8, 10)
    swappable = day & (dd <= "12").fillna(False) & (dd != month).fillna(False)
    swapped = text.str.slice(0, 5) + dd + "-" + month
    out["dob_swap"] = swapped.astype("object").where(swappable, None)


def _readable_iso(text):
    """Which cells are real ISO dates (any year: pandas' own dates end in 1677, so the
    ones it cannot hold are checked one by one)."""
    import pandas as pd

    parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    readable = parsed.notna()
    rest = text[~readable & text.notna() & text.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False)]
    if len(rest):
        readable[rest.index] = rest.map(_is_iso_day).astype(bool)
    return readable.astype(bool)


def _is_iso_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
        return True
    except ValueError:
        return False


def _add_postcode(out, records, issues):
    raw = _column(records, "postcode")
    text = raw.astype("string").str.upper().str.replace(r"\s+", "", regex=True)
    blank = _blank_mask(text)
    ok = text.str.match(_POSTCODE.pattern).fillna(False).astype(bool) & ~blank
    issues.add_mask(~blank & ~ok, "identifier.postcode_format", "not a UK postcode", raw,
                    "postcode")
    formatted = text.str.slice(0, -3) + " " + text.str.slice(-3)
    out["postcode"] = formatted.astype("object").where(ok, None)
    district = text.str.slice(0, -3)
    out["district"] = district.astype("object").where(ok, None)


def _flag_empty(out, records, issues):
    no_name = out["given"].isna() & out["family"].isna()
    no_ids = out[["nhs", "upn", "la_id"]].isna().all(axis=1)
    no_dob = out["dob"].isna()
    for index in out.index[no_name]:
        code, message = ("person.no_identifying_data",
                         "no name, valid date of birth or identifier: this record cannot be "
                         "linked") if (no_ids[index] and no_dob[index]) else (
                         "name.empty", "the record has no name: it is linked on identifiers only")
        ref = issues.keys[1][index]
        issues.issues.append(Issue(code, message, source_file=str(issues.keys[0][index] or ""),
                                   source_ref="" if ref is None else str(ref),
                                   column="given_name", value=""))
