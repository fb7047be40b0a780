"""Recognising what identifies someone in free text, for :mod:`chronos.report.privacy` and
``chronos check-pseudonymised``.

:func:`find_identifiers` finds what a case's tables do not already name: e-mail
addresses, phone numbers (Google's libphonenumber rules, through ``phonenumbers``), NHS
numbers (modulus 11) and UPNs (check letter), postcodes, street addresses, reference
numbers, and people's names that their context gives away: a title ("Dr S Okafor",
"Ms D K"), a role word ("social worker Priya Shah", "Tom Reed (IDVA)"), or a known given
name followed by a family name ("Jade Price"). :func:`name_forms` lists the ways a known
person's name is written (initials, nicknames, "SMITH, Donna", titles).
:func:`shift_dates` moves every date written in a text, keeping how it was written, so
that shifting back gives the text again. The word lists are data:
``chronos/data/privacy.yaml``.

Why rules and not a statistical recogniser: the English named-entity models that would
fit (spaCy's small pipeline, which Presidio also needs) are published as downloads from
the model authors' site, not as packages on the package index; the copies on the index
are uploads by third parties, and other recognisers (stanza, flair, GLiNER) fetch their
weights at run time. chronos never fetches anything. Case records are also terse ("GP
appt with Dr S Okafor: DNA") where the context words above are what gives a name away.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

#: A capitalised name word: "Shah", "O'Brien", "McDonald", "Smith-Jones", "Siân".
NAME = r"(?:O['\u2019]|Mc|Mac)?[A-Z][a-z\u00e0-\u017f]+(?:-[A-Z][a-z\u00e0-\u017f]+)?"
INITIALS = r"(?:[A-Z]\.?\s?){1,3}"
BOUNDARY_BEFORE = r"(?<![^\W_])"   # not after a letter or digit (an underscore is a boundary)
BOUNDARY_AFTER = r"(?![^\W_])"
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december"]
MONTH_RE = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
            r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")


@dataclass(frozen=True)
class Found:
    """An identifier found in a text: where, what, and the label its pseudonym takes."""

    start: int
    end: int
    text: str
    kind: str      # email phone nhs upn postcode address reference organisation name
    label: str     # 'Phone', 'Doctor', 'Social worker', 'Person' ...


@dataclass(frozen=True)
class Rules:
    """The word lists of ``chronos/data/privacy.yaml``."""

    titles: dict
    female_titles: tuple
    male_titles: tuple
    role_words: dict
    person_detail_keys: dict
    not_names: frozenset
    common_word_names: frozenset
    street_types: tuple
    given_names: frozenset
    organisation_words: dict


@lru_cache(maxsize=1)
def rules() -> Rules:
    """The word lists (read once)."""
    import yaml

    from chronos.datafiles import data_text

    data = yaml.safe_load(data_text("privacy.yaml"))
    return Rules(dict(data["titles"]), tuple(data["female_titles"]), tuple(data["male_titles"]),
                 {k.lower(): v for k, v in data["role_words"].items()},
                 {k.lower(): v for k, v in data["person_detail_keys"].items()},
                 frozenset(w.lower() for w in data["not_names"]),
                 frozenset(w.lower() for w in data["common_word_names"]),
                 tuple(data["street_types"]), frozenset(w.lower() for w in data["given_names"]),
                 dict(data["organisation_words"]))


# ---------------------------------------------------------------- known terms

WORD = re.compile(r"[^\W_]+")


class TermMatcher:
    """Finds many known terms in a text at once, as whole words (an underscore counts as a
    boundary), longest first, left to right. ``terms``: lower-case term -> value (any
    letter case matches); ``exact``: term -> value (only as written). Indexed by each
    term's first word, so the cost grows with the words of the text, not the terms."""

    def __init__(self, terms: dict[str, str], exact: dict[str, str] | None = None):
        self.index: dict[str, list[tuple[int, str, bool, str]]] = {}
        for term, value, cs in [(t, v, False) for t, v in terms.items()] + \
                [(t, v, True) for t, v in (exact or {}).items()]:
            first = WORD.search(term)
            if first:
                self.index.setdefault(first.group(0).lower(), []).append(
                    (first.start(), term, cs, value))
        for candidates in self.index.values():
            candidates.sort(key=lambda c: -len(c[1]))

    def __bool__(self) -> bool:
        return bool(self.index)

    def finditer(self, text: str):
        """``(start, end, value)`` of every term found, in order, not overlapping."""
        pos = 0
        for word in WORD.finditer(text):
            for offset, term, cs, value in self.index.get(word.group(0).lower(), ()):
                start = word.start() - offset
                end = start + len(term)
                if start < pos or start < 0 or end > len(text):
                    continue
                piece = text[start:end]
                if (piece == term if cs else piece.lower() == term) and _bounded(text, start, end):
                    yield start, end, value
                    pos = end
                    break


def _bounded(text: str, start: int, end: int) -> bool:
    return (start == 0 or not text[start - 1].isalnum()) and (end == len(text) or not text[end].isalnum())


# ---------------------------------------------------------------- identifiers in text


def find_identifiers(text: str, known_names: frozenset = frozenset()) -> list[Found]:
    """Every identifier :mod:`privacy_text` recognises in ``text``, non-overlapping, in
    order. Names whose words are all in ``known_names`` (lower case: the case's own
    people, handled by their name forms) are left out."""
    if not text or not isinstance(text, str):
        return []
    found: list[Found] = []
    for finder in (_emails, _nhs_numbers, _upns, _phones, _postcodes, _addresses,
                   _references, _organisations, _titled_names, _role_names, _listed_names):
        for item in finder(text):
            if not any(item.start < f.end and f.start < item.end for f in found):
                found.append(item)
    found = [f for f in found if f.kind != "name" or not _all_known(f.text, known_names)]
    return sorted(found, key=lambda f: f.start)


EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
NHS = re.compile(r"(?<![\w-])(\d{3})([ -]?)(\d{3})\2(\d{4})(?![\w-])")
NHS_CONTEXT = re.compile(r"NHS\s*(?:no\.?|number|num|#)?\s*:?\s*$", re.IGNORECASE)
UPN = re.compile(r"\b[A-HJ-NP-RT-Z]\d{11}[0-9A-HJ-NP-RT-Z]\b")
POSTCODE = re.compile(r"(?<![#\w])([A-Z]{1,2}\d[A-Z\d]?) ?(\d[ABD-HJLNP-UW-Z]{2})\b", re.IGNORECASE)
REFERENCE = re.compile(r"\b(?:[A-Z]{1,4}[-/]?\d{5,}|[A-Z]{2,5}/\d{2}/\d{3,6})\b")


def _emails(text: str):
    for m in EMAIL.finditer(text):
        yield Found(m.start(), m.end(), m.group(0), "email", "Email")


def _nhs_numbers(text: str):
    from chronos.link.identifiers import normalise_nhs_number

    for m in NHS.finditer(text):
        valid = normalise_nhs_number(m.group(0)).value is not None
        if valid or NHS_CONTEXT.search(text[max(0, m.start() - 20):m.start()]):
            yield Found(m.start(), m.end(), m.group(0), "nhs", "NHS")


def _upns(text: str):
    from chronos.link.identifiers import normalise_upn

    for m in UPN.finditer(text):
        if normalise_upn(m.group(0)).value is not None:
            yield Found(m.start(), m.end(), m.group(0), "upn", "UPN")


PHONE_CANDIDATE = re.compile(r"(?<![^\W_])(?:\+\s?\d{2}|\(?0)[\d ()\-]{8,18}\d(?![^\W_])")


def _phones(text: str):
    """UK-dialable numbers (starting 0 or +) that libphonenumber finds possible."""
    import phonenumbers

    for candidate in PHONE_CANDIDATE.finditer(text):
        piece = candidate.group(0)
        for m in phonenumbers.PhoneNumberMatcher(piece, "GB", leniency=phonenumbers.Leniency.POSSIBLE):
            raw = m.raw_string
            digits = re.sub(r"\D", "", raw)
            if raw.lstrip("(").startswith(("0", "+")) and 10 <= len(digits) <= 13:
                start = candidate.start() + m.start
                yield Found(start, start + len(raw), raw, "phone", "Phone")


def _postcodes(text: str):
    from chronos.link.identifiers import normalise_postcode

    for m in POSTCODE.finditer(text):
        if normalise_postcode(m.group(0)).value and any(c.isdigit() for c in m.group(2)[:1]):
            if m.group(0).isupper() or m.group(0).islower():  # not 'Ab1 2cd' prose
                yield Found(m.start(), m.end(), m.group(0), "postcode", "Postcode")


@lru_cache(maxsize=1)
def _address_pattern():
    streets = "|".join(sorted((re.escape(s.capitalize()) for s in rules().street_types),
                              key=len, reverse=True))
    flat = r"(?:(?:Flat|Apartment|Apt|Unit|Room|Flat No\.?)\s+\d+[A-Za-z]?,?\s+)?"
    words = rf"(?:{NAME}\s+){{1,3}}"
    town = rf"(?:,\s*{NAME}(?:\s+{NAME})?)?"
    return re.compile(rf"\b{flat}\d+[A-Za-z]?,?\s+{words}(?:{streets})\b\.?{town}")


def _addresses(text: str):
    for m in _address_pattern().finditer(text):
        yield Found(m.start(), m.end(), m.group(0).rstrip("."), "address", "Address")


def _references(text: str):
    for m in REFERENCE.finditer(text):
        yield Found(m.start(), m.end(), m.group(0), "reference", "Ref")


@lru_cache(maxsize=1)
def _organisation_pattern():
    words = "|".join(sorted((re.escape(w) for w in rules().organisation_words), key=len, reverse=True))
    place = rf"(?:St\.?\s+)?{NAME}(?:['\u2019]s)?"
    return re.compile(rf"\b(?P<name>{place}(?:\s+{place}){{0,2}})\s+(?P<kind>{words})\b")


def _organisations(text: str):
    r = rules()
    for m in _organisation_pattern().finditer(text):
        words = [w.lower() for w in _name_words(m.group("name"))]
        if words and not all(w in r.not_names or w.rstrip("'s") in r.not_names for w in words):
            yield Found(m.start(), m.end(), m.group(0), "organisation", r.organisation_words[m.group("kind")])


@lru_cache(maxsize=1)
def _titled_pattern():
    titles = "|".join(sorted((re.escape(t) for t in rules().titles), key=len, reverse=True))
    return re.compile(rf"\b(?P<title>{titles})\.?\s+(?:\d{{2,6}}\s+)?"
                      rf"(?P<name>{INITIALS}{NAME}(?:\s+{NAME})?|{NAME}(?:\s+{NAME})?|"
                      rf"(?:[A-Z]\.?\s?){{1,3}}(?![a-z]))")


def _titled_names(text: str):
    r = rules()
    for m in _titled_pattern().finditer(text):
        name = m.group("name").rstrip()
        if _name_words(name) and not _is_not_name(name):
            end = m.start("name") + len(name)
            yield Found(m.start(), end, text[m.start():end], "name", r.titles[m.group("title")])


@lru_cache(maxsize=1)
def _role_patterns():
    words = "|".join(sorted((re.escape(w) for w in rules().role_words), key=len, reverse=True))
    before = re.compile(rf"(?i:\b(?P<role>{words}))\s+(?P<name>{INITIALS}{NAME}|{NAME}(?:\s+{NAME})?)")
    after = re.compile(rf"(?P<name>{NAME}\s+{NAME})\s*(?:\(|,\s*)(?i:(?P<role>{words}))\b")
    return before, after


def _role_names(text: str):
    r = rules()
    before, after = _role_patterns()
    for m in before.finditer(text):
        name = m.group("name").rstrip()
        if not _is_not_name(name) and _name_enough(name):
            end = m.start("name") + len(name)
            yield Found(m.start(), end, text[m.start():end], "name",
                        r.role_words[m.group("role").lower()])
    for m in after.finditer(text):
        if not _is_not_name(m.group("name")):
            yield Found(m.start("name"), m.end("name"), m.group("name"), "name",
                        r.role_words[m.group("role").lower()])


LISTED = re.compile(rf"\b(?P<given>{NAME})\s+(?P<family>{NAME})\b")


def _listed_names(text: str):
    r = rules()
    for m in LISTED.finditer(text):
        given, family = m.group("given").lower(), m.group("family").lower()
        if given in r.given_names and given not in r.not_names and family not in r.not_names:
            yield Found(m.start(), m.end(), m.group(0), "name", "Person")


def _name_enough(name: str) -> bool:
    """Initials and a family name, two name words, or one known given name."""
    words = _name_words(name)
    return len(words) >= 2 or (len(words) == 1 and words[0].lower() in rules().given_names)


def _name_words(name: str) -> list[str]:
    return [w for w in re.split(r"[\s.]+", name) if w]


def _is_not_name(name: str) -> bool:
    words = [w.lower() for w in _name_words(name)]
    return not words or any(w in rules().not_names for w in words if len(w) > 1)


def _all_known(text: str, known: frozenset) -> bool:
    words = [w.lower() for w in re.findall(r"[A-Za-z\u00c0-\u017f'\u2019-]{2,}", text)]
    names = [w for w in words if w.capitalize() not in rules().titles and
             w not in rules().role_words]
    return bool(names) and all(w in known for w in names)


# ---------------------------------------------------------------- a known person's names


def name_forms(given: list[str], family: list[str], sex: str = "") -> list[tuple[str, bool]]:
    """The ways a person's name is written: ``(form, case_sensitive)``.

    Full names both ways round ("Donna Smith", "SMITH, Donna", "Smith Donna"), with a
    title ("Ms Donna Smith", "Ms Smith" is left to the caller: several people may share
    a family name), initials ("D Smith", "D. Smith", "Ms D S", "D.S."), given names with
    their nicknames (``chronos/data/nicknames.yaml``). Given names that are common words
    ("Will", "Rose") are matched only with a capital.
    """
    r = rules()
    titles = _titles_for(sex)
    forms: dict[str, bool] = {}
    givens = _with_nicknames(given)
    for first in givens:
        forms.setdefault(first, first.lower() in r.common_word_names or len(first) <= 2)
        for fam in family:
            for form in (f"{first} {fam}", f"{fam}, {first}", f"{fam} {first}",
                         *(f"{t} {first} {fam}" for t in titles)):
                forms[form] = False
    for first in given:
        for fam in family:
            for form in (f"{first[0]} {fam}", f"{first[0]}. {fam}", f"{first[0]}.{fam}",
                         f"{fam}, {first[0]}", *(f"{t} {first[0]} {fam}" for t in titles),
                         *(f"{t} {first[0]}. {fam}" for t in titles)):
                forms[form] = False
            for form in (f"{first[0]}.{fam[0]}.", f"{first[0]}. {fam[0]}.",
                         *(f"{t} {first[0]} {fam[0]}" for t in titles),
                         *(f"{t} {first[0]}.{fam[0]}." for t in titles),
                         *(f"{t} {first[0]}{fam[0]}" for t in titles)):
                forms[form] = True
    return sorted(forms.items())


def _titles_for(sex: str) -> tuple:
    r = rules()
    sex = (sex or "").upper()[:1]
    if sex == "F":
        return r.female_titles
    if sex == "M":
        return r.male_titles
    return r.female_titles + r.male_titles + ("Mx",)


def _with_nicknames(given: list[str]) -> list[str]:
    from chronos.link.identifiers import nickname_table

    table = nickname_table()
    out = dict.fromkeys(given)
    for name in given:
        for canonical in table.get(name.upper(), ()):
            variants = [v for v, canons in table.items() if canonical in canons]
            for v in variants:
                out.setdefault(v.capitalize())
    return list(out)


# ---------------------------------------------------------------- dates written in text

NUMERIC_DATE = re.compile(r"(?<![\d/.-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\d/-]|\.\d)")
ISO_DATE = re.compile(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")
WORD_DATE = re.compile(rf"\b(\d{{1,2}})(st|nd|rd|th)?(\s+|-)({MONTH_RE})\.?(\s+|-)(\d{{4}})\b",
                       re.IGNORECASE)
MONTH_YEAR = re.compile(rf"(?<!\d)(?<!\d\s)\b({MONTH_RE})\s+(\d{{4}})\b", re.IGNORECASE)
DOB_PHRASE = re.compile(r"\b(?:DOB|D\.O\.B\.?|date of birth|born|b\.)\s*:?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class DateSpan:
    """A date written in a text: where, the ISO date, and how to write another date so."""

    start: int
    end: int
    iso: str
    precision: str   # day | month
    style: tuple


def find_dates(text: str) -> list[DateSpan]:
    """Every full date (day-first numeric, ISO, '14 March 1992') and month-and-year
    ('May 2016') written in ``text``, in order."""
    spans: list[DateSpan] = []
    for finder in (_numeric_dates, _iso_dates, _word_dates, _month_years):
        for span in finder(text):
            if not any(span.start < s.end and s.start < span.end for s in spans):
                spans.append(span)
    return sorted(spans, key=lambda s: s.start)


def _numeric_dates(text: str):
    for m in NUMERIC_DATE.finditer(text):
        day, sep, month, year = m.group(1), m.group(2), m.group(3), m.group(4)
        iso = _iso(_full_year(year), int(month), int(day))
        if iso:
            padded = len(day) == 2 and len(month) == 2  # '3/4/2021' is written unpadded
            yield DateSpan(m.start(), m.end(), iso, "day", ("numeric", sep, padded, padded, len(year)))


def _iso_dates(text: str):
    for m in ISO_DATE.finditer(text):
        iso = _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if iso:
            yield DateSpan(m.start(), m.end(), iso, "day", ("iso",))


def _word_dates(text: str):
    for m in WORD_DATE.finditer(text):
        iso = _iso(int(m.group(6)), _month_number(m.group(4)), int(m.group(1)))
        if iso:
            yield DateSpan(m.start(), m.end(), iso, "day",
                           ("word", m.group(2) or "", m.group(3), _month_style(m.group(4)),
                            m.group(5), m.group(1).startswith("0")))


def _month_years(text: str):
    for m in MONTH_YEAR.finditer(text):
        iso = _iso(int(m.group(2)), _month_number(m.group(1)), 1)
        if iso:
            yield DateSpan(m.start(), m.end(), iso, "month", ("month", _month_style(m.group(1))))


def write_date(iso: str, style: tuple) -> str:
    """``iso`` written the way ``style`` (from :func:`find_dates`) says."""
    d = date.fromisoformat(iso)
    kind = style[0]
    if kind == "iso":
        return d.isoformat()
    if kind == "numeric":
        _, sep, pad_day, pad_month, year_len = style
        year = f"{d.year:04d}" if year_len == 4 else f"{d.year % 100:02d}"
        return (f"{d.day:02d}" if pad_day else str(d.day)) + sep + \
            (f"{d.month:02d}" if pad_month else str(d.month)) + sep + year
    if kind == "word":
        _, suffix, gap1, month_style, gap2, pad = style
        day = f"{d.day:02d}" if pad else str(d.day)
        return f"{day}{_ordinal(d.day) if suffix else ''}{gap1}{_month_word(d.month, month_style)}{gap2}{d.year}"
    return f"{_month_word(d.month, style[1])} {d.year}"


def shift_dates(text: str, days: int) -> str:
    """``text`` with every date in it moved by ``days`` (month-and-year dates by the
    nearest whole number of months), each written as it was; shifting by ``-days``
    gives ``text`` back (but for 'Oct' moved onto 'May', which is both the full and the
    short name, and a padded day moved onto a two-digit one: '01 May' -> '31 March')."""
    if not days or not isinstance(text, str) or not text:
        return text
    out, last = [], 0
    for span in find_dates(text):
        out.append(text[last:span.start])
        out.append(write_date(shift_iso(span.iso, days, span.precision), span.style))
        last = span.end
    out.append(text[last:])
    return "".join(out)


def shift_iso(iso: str, days: int, precision: str = "day") -> str:
    """An ISO date moved by ``days``; a month-precision date by whole months and a
    year-precision one by whole years (nearest), so that it stays on the 1st."""
    d = date.fromisoformat(iso[:10])
    if precision == "month":
        months = round(days / 30.4375)
        total = d.year * 12 + d.month - 1 + months
        return date(total // 12, total % 12 + 1, 1).isoformat()
    if precision == "year":
        return date(d.year + round(days / 365.25), d.month, d.day).isoformat()
    return (d + timedelta(days=days)).isoformat()


def date_forms(iso: str) -> set[str]:
    """The usual ways a full date is written (for finding a known date of birth)."""
    d = date.fromisoformat(iso[:10])
    month = MONTHS[d.month - 1].capitalize()
    out = {d.isoformat(), f"{d.day:02d}/{d.month:02d}/{d.year}", f"{d.day}/{d.month}/{d.year}",
           f"{d.day:02d}/{d.month:02d}/{d.year % 100:02d}", f"{d.day:02d}.{d.month:02d}.{d.year}",
           f"{d.day:02d}-{d.month:02d}-{d.year}", f"{d.day} {month} {d.year}",
           f"{d.day} {month[:3]} {d.year}", f"{d.day}{_ordinal(d.day)} {month} {d.year}",
           f"{d.day:02d} {month} {d.year}", f"{d.day:02d} {month[:3]} {d.year}",
           f"{d.day}-{month[:3]}-{d.year}", f"{d.day:02d}-{month[:3]}-{d.year}",
           f"{month} {d.day}, {d.year}"}
    return out


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _full_year(text: str) -> int:
    year = int(text)
    if len(text) == 4:
        return year
    return 2000 + year if year <= date.today().year % 100 else 1900 + year


def _month_number(word: str) -> int:
    word = word.lower().rstrip(".")
    return next(i for i, m in enumerate(MONTHS, 1) if m.startswith(word[:3]))


def _month_style(word: str) -> str:
    if len(word.rstrip(".")) <= 4 and word.lower() not in ("june", "july", "may"):
        return "upper3" if word.isupper() else "abbr" if word.lower() != "sept" else "sept"
    return "upper" if word.isupper() else "full"


def _month_word(month: int, style: str) -> str:
    name = MONTHS[month - 1].capitalize()
    if style == "full":
        return name
    if style == "upper":
        return name.upper()
    if style == "upper3":
        return name[:3].upper()
    if style == "sept" and month == 9:
        return "Sept"
    return name[:3]


def _ordinal(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
