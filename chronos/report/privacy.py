"""Safe sharing: role pseudonyms for people, labels for professionals, organisations,
identifiers and addresses, a per-case date shift, dates of birth shown as ages, and a
separate key that re-identifies returned documents.

    shared, key = pseudonymise(result)                 # a random date shift, kept in the key
    write_key(key, "private/case.key.json")            # keep apart from what you share
    ... write reports from ``shared`` ...
    reidentify("returned/chronology.docx", load_key("private/case.key.json"))

People are named by what they are to the index children (:mod:`chronos.roles`): "Child
1", "Mother", "Father of Child 2 and Child 3", "Mother's partner"; professionals by their
role ("Doctor 1", "Social worker 2"); organisations "<agency> 1" ("GP 1"); identifiers
"NHS 1", "UPN 1", "Ref 1"; addresses "Address 1", postcodes "Postcode 1", phone numbers
"Phone 1", e-mail addresses "Email 1". Free text is scrubbed of every form of a known
name (:func:`chronos.report.privacy_text.name_forms`: nicknames, initials, "SMITH,
Donna", titles, surnames alone) and of what :func:`privacy_text.find_identifiers`
recognises. Every date in the tables moves by the key's shift, whatever its precision, so that
intervals, ages and the order of events stay true ('May 2016' may show as 'March 2016');
a month written in free text moves by whole months. Dates of
birth are shown as an age at the end of the period covered, or as a year only. Person,
event and finding ids are replaced by random ids that sort as the originals do (ids
made from identifiers could be reversed).
"""

from __future__ import annotations

import json
import re
import secrets
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd

from chronos import model
from chronos.report import privacy_text as text_rules
from chronos.report.privacy_people import OrderedIds
from chronos.report.safe_files import atomic_path, write_text

ID_COLUMNS = {"nhs_number": "NHS", "upn": "UPN", "la_child_id": "LAID"}
DATE_COLUMNS = {"events": ["date", "end_date"], "persons": ["dob", "dod"],
                "relationships": ["start", "end"], "findings": ["window_start", "window_end"]}
PERSON_ID_COLUMNS = {"events": ["person_ids"], "persons": ["person_id"],
                     "relationships": ["person_a", "person_b"],
                     "findings": ["person_id", "key_concern"],
                     "links": ["person_id", "record_key"]}
NAME_COLUMNS = ("given_name", "family_name", "other_names")
KEY_VERSION = 2
DOB_MODES = ("age", "year")
#: the default shift: a whole number of weeks (weekdays stay true) between 4 and 26, either way
DEFAULT_SHIFT_WEEKS = (4, 26)
#: a key larger than this is refused (a case's key is a few hundred kB)
MAX_KEY_BYTES = 256 * 2**20
MAX_KEY_ENTRIES = 1_000_000
#: a document part (XML, or a text file) re-identified in memory is at most this large;
#: other parts (images) are copied as a stream
MAX_PART_BYTES = 256 * 2**20


@dataclass
class PseudonymKey:
    """What re-identifies shared outputs: pseudonym -> original text, id maps, the date
    shift, and the shared text of each changed chronology cell -> its original text."""

    shift_days: int = 0
    values: dict[str, str] = field(default_factory=dict)      # pseudonym -> original
    person_ids: dict[str, str] = field(default_factory=dict)  # new id -> original id
    event_ids: dict[str, str] = field(default_factory=dict)   # new id -> original id
    salt: str = field(default_factory=lambda: secrets.token_hex(16))
    finding_ids: dict[str, str] = field(default_factory=dict)
    texts: dict[str, Any] = field(default_factory=dict)       # shared -> original (or list)

    def as_dict(self) -> dict:
        """The key as JSON-ready data."""
        return {"chronos_pseudonym_key": KEY_VERSION, "shift_days": self.shift_days,
                "values": self.values, "person_ids": self.person_ids,
                "event_ids": self.event_ids, "finding_ids": self.finding_ids,
                "texts": self.texts, "salt": self.salt}


def random_shift() -> int:
    """A random date shift: a whole number of weeks, 4 to 26, earlier or later."""
    low, high = DEFAULT_SHIFT_WEEKS
    weeks = low + secrets.randbelow(high - low + 1)
    return 7 * weeks * (1 if secrets.randbelow(2) else -1)


def write_key(key: PseudonymKey, path: str | Path) -> Path:
    """Write the key (owner-only, atomically). Keep it apart from the shared files."""
    return write_text(Path(path), json.dumps(key.as_dict(), indent=1, sort_keys=True,
                                             ensure_ascii=False))


def load_key(path: str | Path) -> PseudonymKey:
    """Read a key written by :func:`write_key`; a damaged or foreign file is a
    :class:`ChronosError` naming it."""
    from chronos.errors import ChronosError

    path = Path(path)

    def damaged(why: str, exc: BaseException | None = None):
        return ChronosError(f"not a chronos pseudonym key: {why}", file=str(path),
                            hint="give the .pseudonym-key.json file written with the "
                                 "shared outputs")

    try:
        if path.stat().st_size > MAX_KEY_BYTES:
            raise damaged(f"larger than {MAX_KEY_BYTES // 2**20} MB")
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, ValueError, RecursionError) as exc:
        raise damaged(type(exc).__name__ if not isinstance(exc, OSError)
                      else exc.strerror or "cannot read", exc) from None
    if not isinstance(data, dict) or data.get("chronos_pseudonym_key") not in (1, KEY_VERSION):
        raise damaged("no key version")
    names = ("values", "person_ids", "event_ids", "finding_ids")
    maps = [data.get(name, {} if name == "finding_ids" else None) for name in names]
    for name, mapping in zip(names, maps):
        if not isinstance(mapping, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and k for k, v in mapping.items()):
            raise damaged(f"'{name}' is not a list of pseudonym: original text")
    texts = data.get("texts", {})
    if not isinstance(texts, dict) or not all(
            isinstance(k, str) and (isinstance(v, str) or isinstance(v, list) and v and all(
                isinstance(o, str) for o in v)) for k, v in texts.items()):
        raise damaged("'texts' is not a list of shared text: original text")
    shift = data.get("shift_days")
    if isinstance(shift, bool) or not isinstance(shift, int) or abs(shift) > 36_500:
        raise damaged("'shift_days' is not a number of days")
    if sum(len(m) for m in maps) + len(texts) > MAX_KEY_ENTRIES:
        raise damaged(f"more than {MAX_KEY_ENTRIES:,} entries")
    salt = data.get("salt")
    return PseudonymKey(shift, maps[0], maps[1], maps[2],
                        salt if isinstance(salt, str) and salt else secrets.token_hex(16),
                        maps[3], texts)


# ---------------------------------------------------------------- pseudonymise


def pseudonymise(result: Any, key: PseudonymKey | None = None,
                 shift_days: int | None = None, dates_of_birth: str = "age") -> tuple[Any, PseudonymKey]:
    """A copy of ``result`` safe to share, and the key that reverses it.

    Reusing a ``key`` keeps earlier pseudonyms and its date shift, so that documents
    shared at different times agree. ``shift_days`` moves every date by that many days
    (default: a random shift, :func:`random_shift`; 0 keeps the real dates).
    ``dates_of_birth``: 'age' (an age at the end of the period covered) or 'year'.
    """
    if dates_of_birth not in DOB_MODES:
        from chronos.errors import ChronosError

        raise ChronosError(f"dates of birth as {dates_of_birth!r}?", hint="use age or year")
    fresh = key is None or not (key.person_ids or key.values)
    key = key or PseudonymKey()
    if fresh:
        key.shift_days = random_shift() if shift_days is None else shift_days
    plan = _Plan(key, result, dates_of_birth)
    tables = {name: plan.apply(name, _table(result, name))
              for name in ("events", "persons", "links", "relationships", "findings", "quarantine")}
    tables["persons"] = plan.named(tables["persons"])
    child_findings = getattr(result, "child_findings", None)
    if child_findings is not None:
        tables["child_findings"] = plan.apply("findings", _table(result, "child_findings"))
    shared = SimpleNamespace(
        name=plan.case_label, case=None, pseudonymised=True, dates_of_birth=dates_of_birth,
        index_children=[plan.person_ids.get(p, p) for p in _index_ids(result)],
        as_of=plan.shift(getattr(result, "as_of", None)), report={},
        sources=[_source(sr, plan) for sr in getattr(result, "sources", None) or []],
        harm_index=_harm(result, plan), **tables)
    return shared, key


def _table(result: Any, name: str) -> pd.DataFrame:
    """A table of ``result`` in the data contract (the per-child findings as findings)."""
    return model.conform(getattr(result, name, None), "findings" if name == "child_findings" else name)


def _index_ids(result: Any) -> list[str]:
    from chronos.report.people import index_children

    return [c["person_id"] for c in index_children(result)]


def _source(sr, plan: "_Plan"):
    src = sr.source
    return SimpleNamespace(
        source=SimpleNamespace(name=plan.scrub(src.name), agency=plan.scrub(src.agency or ""),
                               file_label=plan.scrub(src.file_label)),
        format=sr.format, records_read=sr.records_read, records_to_data=sr.records_to_data,
        records_quarantined=sr.records_quarantined)


def _harm(result: Any, plan: "_Plan"):
    harm = getattr(result, "harm_index", None)
    if harm is None or not len(harm):
        return harm
    harm = harm.copy()
    for column in harm.columns:
        if column == "person_id":
            harm[column] = harm[column].map(lambda p: plan.person_ids.get(p, p))
        elif column in ("date", "escalation_start"):
            harm[column] = harm[column].map(lambda v: plan.shift(v) if isinstance(v, str)
                                            and len(v) >= 10 else v)
    return harm


class _Plan:
    """The replacements for one case: people, professionals, organisations, identifiers."""

    def __init__(self, key: PseudonymKey, result: Any, dates_of_birth: str = "age"):
        from chronos.report import privacy_people

        self.key, self.dob_mode = key, dates_of_birth
        self._counts: dict[str, int] = {}      # labels given per prefix ('Phone' -> 3)
        self.reverse = {v: k for k, v in key.values.items()}   # original -> pseudonym
        self.person_ids = {v: k for k, v in key.person_ids.items()}
        self.terms: dict[str, str] = {}        # lower-case form -> pseudonym
        self.exact: dict[str, str] = {}        # case-sensitive form -> pseudonym
        self.case_label = self._label(str(getattr(result, "name", "") or "Case"), "Case",
                                      fixed=_case_code(key.salt))
        people = privacy_people.case_people(result)
        self.dobs = people.dobs
        self.relationships = _table(result, "relationships").to_dict("records")
        self.index_ids = _index_ids(result)
        self.person_labels = privacy_people.assign_labels(self, people)
        self.known_words = people.name_words
        self._ids(_table(result, "persons"), result)
        self._professionals(_table(result, "events"))
        self._organisations(_table(result, "events"))
        self._found_in_text(result)
        self.event_ids = OrderedIds("E", key.event_ids, _table(result, "events")["event_id"])
        self.finding_ids = OrderedIds("F", key.finding_ids, pd.concat(
            [_table(result, t)["finding_id"] for t in ("findings", "child_findings")]))
        self._pattern = _alternation(self.terms, self.exact)

    # -- labels
    def _label(self, original: str, prefix: str, fixed: str | None = None) -> str:
        """The pseudonym of ``original`` ('Phone 3'): the key's when it has one."""
        if original in self.reverse:
            return self.reverse[original]
        if fixed:
            label = f"{prefix} {fixed}"
        else:
            n = self._counts.get(prefix)
            if n is None:
                n = sum(1 for v in self.key.values if v.startswith(prefix + " ")
                        and v[len(prefix) + 1:].isdigit())
            n += 1
            self._counts[prefix] = n
            label = f"{prefix} {n}"
        self.key.values[label] = original
        self.reverse[original] = label
        return label

    def add_term(self, form: str, label: str, case_sensitive: bool = False) -> None:
        """Replace ``form`` by ``label`` in every text (the first label given wins)."""
        form = form.strip()
        if len(form) < 2 or form.lower() == label.lower():
            return
        if case_sensitive:
            self.exact.setdefault(form, label)
        else:
            self.terms.setdefault(form.lower(), label)

    def person_id(self, pid: str) -> str:
        """The shared id of a person (random, sorting as the original ids do)."""
        return self.person_ids[pid]

    # -- what is replaced
    def _ids(self, persons: pd.DataFrame, result: Any) -> None:
        records = getattr(result, "person_records", None)
        rows = persons.to_dict("records") + (records.to_dict("records") if records is not None else [])
        for rec in rows:
            for column, prefix in ID_COLUMNS.items():
                value = _text(rec.get(column))
                if value:
                    label = self._label(_canonical_id(column, value), prefix)
                    for variant in _id_variants(value):
                        self.add_term(variant, label)
            for part in _text(rec.get("other_ids")).split(";"):
                value = part.split("=", 1)[-1].strip()
                if len(value) >= 4:
                    self.add_term(value, self._label(value, "Ref"))
            self._address(_text(rec.get("address")), _text(rec.get("postcode")))
            local = _text(rec.get("record_key")).split(":", 1)[-1]
            if len(local) >= 4 and any(c.isdigit() for c in local):
                self.add_term(local, self._label(local, "Ref"))

    def _address(self, address: str, postcode: str) -> None:
        if postcode:
            label = self._label(postcode.upper(), "Postcode")
            for variant in _postcode_variants(postcode):
                self.add_term(variant, label)
        if address:
            label = self._label(address, "Address")
            self.add_term(address, label)
            parts = [p.strip() for p in address.split(",")]
            for n in range(1, len(parts)):
                first = ", ".join(parts[:n])
                if len(first) >= 6 and any(c.isdigit() for c in first):
                    self.add_term(first, label)
            street = re.sub(r"^(?:Flat|Apartment|Apt|Unit)\s+\d+\w*,?\s*", "", address, flags=re.I)
            if street != address and len(street.split(",")[0]) >= 6:
                self.add_term(street.split(",")[0], label)
            for place in parts[1:]:  # the town or district: 'Millbrook'
                if place and not any(c.isdigit() for c in place) and _looks_like_place(place):
                    self.add_term(place, self._label(place, "Place"))

    def _professionals(self, events: pd.DataFrame) -> None:
        keys = text_rules.rules().person_detail_keys
        for details in events["details"].dropna():
            for part in str(details).split(";"):
                name, _, value = part.partition("=")
                label = keys.get(name.strip().lower())
                value = re.sub(r"\s*\([^)]*\)\s*$", "", value).strip()
                if label and _looks_like_name(value):
                    self.professional(value, label)

    def professional(self, name: str, role: str) -> str:
        """Register a professional's name and its forms; returns the pseudonym."""
        bare = re.sub(rf"^(?:{'|'.join(map(re.escape, text_rules.rules().titles))})\.?\s+", "", name)
        words = bare.split()
        label = self.reverse.get(name) or self.reverse.get(bare) or \
            (self.exact.get(words[0]) if len(words) == 1 and words else None) or self._label(name, role)
        self.add_term(name, label)
        words = bare.split()
        if bare != name:
            self.add_term(bare, label)
        if len(words) >= 2 and len(words[-1]) >= 3:
            family = words[-1]
            self.add_term(f"{words[0][0]} {family}", label)
            self.add_term(f"{words[0][0]}. {family}", label)
            if family.lower() not in text_rules.rules().common_word_names | text_rules.rules().not_names:
                self.add_term(family, label, case_sensitive=True)
            first = words[0]
            if len(first) > 2 and first.lower() not in text_rules.rules().common_word_names | \
                    text_rules.rules().not_names:
                self.add_term(first, label, case_sensitive=True)
        return label

    def _organisations(self, events: pd.DataFrame) -> None:
        pairs = events[["agency", "source_org"]].dropna().drop_duplicates()
        for agency, org in sorted(pairs.itertuples(index=False)):
            if org and org != agency:
                self.add_term(org, self._label(org, agency or "Organisation"))

    def _found_in_text(self, result: Any) -> None:
        """Run the free-text recognisers over every text and register what they find."""
        known = frozenset(self.known_words)
        for text in _texts_of(result):
            for found in text_rules.find_identifiers(text, known):
                if self._is_known(found.text):
                    continue
                if found.kind == "name":
                    self.professional(found.text, found.label)
                else:
                    self.add_term(found.text, self._label(_canonical(found), found.label))

    def _is_known(self, text: str) -> bool:
        return text.lower() in self.terms or text in self.exact

    # -- applying it
    def scrub(self, text, when: str | None = None):
        """``text`` with every known name, identifier and address replaced and every date
        shifted (a date of birth shown as an age at ``when``, or its year)."""
        if not isinstance(text, str) or not text:
            return text
        if not self._pattern:
            return self._dates(text, when)
        out, last = [], 0
        for start, end, label in self._pattern.finditer(text):
            before = self._dates(text[last:start], when)
            if before.lower().endswith(label.lower() + " "):  # 'Mother Donna' -> 'Mother'
                before, label = before[:-1], ""
            out += [before, label]
            last = end
        out.append(self._dates(text[last:], when))
        return "".join(out)

    def _dates(self, text: str, when: str | None) -> str:
        spans = text_rules.find_dates(text) if any(c.isdigit() for c in text) else []
        if not spans:
            return text
        out, last = [], 0
        for span in spans:
            out.append(text[last:span.start])
            is_dob = span.iso in self.dobs or _ends_with_dob_phrase(text[:span.start])
            if is_dob and span.precision == "day":
                out.append(_dob_words(span.iso, when, self.dob_mode))
            else:
                out.append(text_rules.write_date(
                    text_rules.shift_iso(span.iso, self.key.shift_days, span.precision), span.style))
            last = span.end
        out.append(text[last:])
        return "".join(out)

    def shift(self, iso, precision: str = "day"):
        """An ISO date moved by the key's shift (unchanged when there is no shift)."""
        if not isinstance(iso, str) or not iso or not self.key.shift_days:
            return iso
        try:
            return text_rules.shift_iso(iso, self.key.shift_days, precision or "day") + iso[10:]
        except ValueError:
            return iso

    def apply(self, name: str, frame: pd.DataFrame) -> pd.DataFrame:
        """A copy of table ``name`` with every id, date, identifier and text replaced."""
        frame = frame.copy()
        when = _row_dates(name, frame)
        for column in frame.columns:
            frame[column] = self._column(name, column, frame, when)
        return model.conform(frame, name)

    def _column(self, name: str, column: str, frame: pd.DataFrame, when: list) -> pd.Series:
        values = frame[column]
        if column in PERSON_ID_COLUMNS.get(name, []):
            return values.map(self._map_person_ids, na_action="ignore")
        if name == "events" and column == "person_roles":
            return values.map(self._map_person_roles, na_action="ignore")
        if column in DATE_COLUMNS.get(name, []):  # every date by the same days: order kept
            return values.map(self.shift, na_action="ignore")
        if column in ("event_id", "event_ids", "corroborated_by"):
            return values.map(lambda v: ";".join(self.event_ids.get(e) for e in v.split(";")),
                              na_action="ignore")
        if column == "finding_id" or (column == "finding_ids" and name != "events"):
            return values.map(lambda v: ";".join(self.finding_ids.get(e) for e in v.split(";")),
                              na_action="ignore")
        if column in ID_COLUMNS or column in ("address", "postcode"):
            return values.map(self._replace_whole, na_action="ignore")
        if values.dtype == "string" or values.dtype == object:
            return pd.Series([self.scrub(v, w) if isinstance(v, str) else v
                              for v, w in zip(values, when)], index=values.index, dtype=values.dtype)
        return values

    def _map_person_ids(self, value: str) -> str:
        return ";".join(self.person_ids.get(p) or self.scrub(p) for p in str(value).split(";"))

    def _map_person_roles(self, value: str) -> str:
        """``person=role`` pairs with each person's shared id (the roles kept)."""
        pairs = [p.partition("=") for p in str(value).split(";") if p]
        return ";".join(f"{self.person_ids.get(k) or self.scrub(k)}{s}{r}" for k, s, r in pairs)

    def _replace_whole(self, value: str) -> str:
        if not value:
            return value
        for column in ID_COLUMNS:
            hit = self.reverse.get(_canonical_id(column, value))
            if hit:
                return hit
        hit = self.reverse.get(value) or self.reverse.get(value.upper())
        return hit or self.scrub(value)

    def named(self, persons: pd.DataFrame) -> pd.DataFrame:
        """Persons carry their role pseudonym as given name and nothing else as a name."""
        back = {v: k for k, v in self.person_ids.items()}
        persons = persons.copy()
        labels = persons["person_id"].map(lambda p: self.person_labels.get(back.get(p, ""), p))
        persons["given_name"] = labels.astype("string")
        for column in ("family_name", "other_names"):
            persons[column] = pd.Series(pd.NA, index=persons.index, dtype="string")
        return persons


def _alternation(terms: dict[str, str], exact: dict[str, str]):
    return text_rules.TermMatcher(terms, exact)


def _texts_of(result: Any):
    """Every free text of a case, in chronology order (so numbering follows it)."""
    events = _table(result, "events")
    events = events.sort_values(["date", "time", "event_id"], na_position="last", kind="stable")
    for column in ("summary", "outcome", "details", "source_org"):
        yield from (v for v in events[column] if isinstance(v, str))
    for name, columns in (("findings", ("title", "explanation")),
                          ("child_findings", ("title", "explanation")),
                          ("quarantine", ("value", "message"))):
        table = _table(result, name)
        for column in columns:
            yield from (v for v in table[column] if isinstance(v, str))


def _row_dates(name: str, frame: pd.DataFrame) -> list:
    if name == "events":
        return list(frame["date"])
    if name == "findings":
        return list(frame["window_end"])
    return [None] * len(frame)


def _ends_with_dob_phrase(before: str) -> bool:
    return bool(re.search(r"(?:\bDOB|\bD\.O\.B\.?|\bdate of birth|\bborn|\bb\.)\s*:?\s*$", before,
                          re.IGNORECASE))


def _dob_words(iso: str, when: str | None, mode: str) -> str:
    """A date of birth in a text: 'withheld, aged 37' (or the year only)."""
    if mode == "year":
        return iso[:4]
    from chronos.dates import age_at

    age = age_at(iso, when) if when else None
    return f"withheld, aged {age[0]}" if age else "withheld"


def _looks_like_place(value: str) -> bool:
    words = value.split()
    return 1 <= len(words) <= 3 and all(w[:1].isupper() for w in words) and \
        not text_rules.POSTCODE.fullmatch(value)


def _looks_like_name(value: str) -> bool:
    words = value.split()
    rules = text_rules.rules()
    if not 2 <= len(words) <= 4 or any(w.lower().strip(".") in rules.not_names for w in words):
        return False
    return all(w[:1].isupper() for w in words)


def _canonical(found) -> str:
    if found.kind == "postcode":
        return re.sub(r"\s+", "", found.text).upper()
    if found.kind in ("nhs", "phone"):
        return re.sub(r"[^\d+]", "", found.text)
    return found.text


def _canonical_id(column: str, value: str) -> str:
    compact = re.sub(r"[\s-]", "", value)
    return compact.upper() if column != "la_child_id" else value.strip().upper()


def _id_variants(value: str) -> set[str]:
    digits = re.sub(r"[\s-]", "", value)
    out = {value, digits}
    if digits.isdigit() and len(digits) == 10:
        out |= {f"{digits[:3]} {digits[3:6]} {digits[6:]}", f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"}
    return out


def _postcode_variants(postcode: str) -> set[str]:
    compact = postcode.replace(" ", "").upper()
    spaced = f"{compact[:-3]} {compact[-3:]}" if len(compact) > 4 else compact
    return {postcode, compact, spaced}


def _case_code(salt: str) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    number = int(salt[:10], 16)
    return "".join(alphabet[(number >> (5 * i)) & 31] for i in range(4))


def _text(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return str(value)


# ---------------------------------------------------------------- re-identify


def reidentify(path: str | Path, key: PseudonymKey, out: str | Path | None = None) -> Path:
    """Put the original names, identifiers and dates back into a returned document
    (.docx, .xlsx, .html, .csv, .md, .txt). Writes ``<name>.reidentified<suffix>`` (or
    ``out``) and returns its path. A chronology cell the recipient left as it was gets
    its original text back exactly (a CSV comes back byte for byte); edited text gets
    names, identifiers and dates back. Excel cells holding real dates are not shifted back.
    Text in UTF-8 or UTF-16 (with its byte order mark) is read and written back in the same
    encoding; anything else, a damaged document or a part over :data:`MAX_PART_BYTES` is a
    :class:`ChronosError` naming it."""
    from chronos.errors import ChronosError

    path = Path(path)
    out = Path(out) if out else reidentified_path(path)
    originals = {p: _original_text(o) for p, o in key.values.items()}
    originals.update({new: old for new, old in key.person_ids.items()})
    originals.update({new: old for new, old in key.event_ids.items()})
    originals.update({new: old for new, old in key.finding_ids.items()})
    if path.suffix.lower() in (".docx", ".xlsx"):
        try:
            _reidentify_zip(path, out, originals, key.shift_days, key.texts)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
            raise ChronosError(f"not a readable {path.suffix} document: {exc}",
                               file=str(path)) from None
    else:
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise ChronosError(f"cannot read: {exc.strerror}", file=str(path)) from None
        if size > MAX_PART_BYTES:
            raise ChronosError(f"too large to re-identify ({size / 2**20:,.0f} MB; at most "
                               f"{MAX_PART_BYTES // 2**20} MB)", file=str(path))
        text, encoding = _decode(path.read_bytes(), str(path))
        escape = path.suffix.lower() in (".html", ".htm")
        if path.suffix.lower() == ".csv":
            from chronos.report.privacy_restore import restore_csv

            restored = restore_csv(text, key.texts,
                                   lambda s: _restore(s, originals, key.shift_days, False))
        else:
            restored = _restore(text, originals, key.shift_days, escape, key.texts)
        write_text(out, restored, encoding=encoding)
    return out


def _decode(data: bytes, where: str) -> tuple[str, str]:
    """Text and the encoding to write it back in: UTF-8 (with or without BOM) or UTF-16
    with a byte order mark; otherwise a named error."""
    from chronos.errors import ChronosError

    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    else:
        encoding = "utf-8"
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as exc:
        raise ChronosError(f"cannot read as {encoding.upper()} text: byte "
                           f"0x{data[exc.start]:02x} at offset {exc.start}", file=where,
                           hint="chronos re-identifies text in UTF-8 or UTF-16 (with a byte "
                                "order mark), as it wrote it") from None


def reidentified_path(path: str | Path) -> Path:
    """Where :func:`reidentify` writes by default: ``<name>.reidentified<suffix>``."""
    path = Path(path)
    return path.with_name(f"{path.stem}.reidentified{path.suffix}")


def _original_text(original: str) -> str:
    """People are stored as 'Full Name [person id]': show the name."""
    return re.sub(r" \[[^\]]*\]$", "", original)


def _restore(text: str, originals: dict[str, str], shift_days: int, escape: bool,
             texts: dict | None = None) -> str:
    from chronos.report.privacy_restore import restore_text

    return restore_text(text, originals, shift_days, escape, texts or {})


def _reidentify_zip(path: Path, out: Path, originals: dict[str, str], shift_days: int,
                    texts: dict | None = None) -> None:
    from chronos.errors import ChronosError

    with zipfile.ZipFile(path) as src, atomic_path(out) as tmp:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
            for item in src.infolist():
                if not item.filename.endswith(".xml"):
                    with src.open(item) as part, dst.open(item, "w") as copy:
                        for block in iter(lambda: part.read(1 << 20), b""):
                            copy.write(block)
                    continue
                where = f"{path} (part {item.filename})"
                if item.file_size > MAX_PART_BYTES:
                    raise ChronosError(f"part {item.filename} is too large to re-identify "
                                       f"({item.file_size / 2**20:,.0f} MB; at most "
                                       f"{MAX_PART_BYTES // 2**20} MB)", file=str(path))
                with src.open(item) as part:
                    data = part.read(MAX_PART_BYTES + 1)
                if len(data) > MAX_PART_BYTES:
                    raise ChronosError(f"part {item.filename} is larger than it says",
                                       file=str(path))
                text, encoding = _decode(data, where)
                data = _restore(text, originals, shift_days, True, texts).encode(
                    "utf-16" if encoding == "utf-16" else "utf-8")
                dst.writestr(item, data)


__all__ = ["PseudonymKey", "load_key", "pseudonymise", "random_shift", "reidentify", "write_key"]
