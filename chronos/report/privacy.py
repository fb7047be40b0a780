"""Safe sharing: consistent pseudonyms for people, organisations, identifiers and addresses,
an optional fixed date shift, and a separate key that re-identifies returned documents.

    shared, key = pseudonymise(result, shift_days=-41)
    write_key(key, "private/case.key.json")        # keep apart from what you share
    ... write reports from ``shared`` ...
    reidentify("returned/chronology.docx", load_key("private/case.key.json"))

Children become "Child A", "Child B" (eldest first), other people "Adult 1", "Adult 2",
organisations "<agency> 1" ("GP 1"), identifiers "NHS-1", "UPN-1", addresses
"Address 1", shared family names "Family A". Free text is scrubbed of every known name
form: full names, first names alone, family names, other names, initials with family name
("K. Smith"), "Smith, Kerry", possessives ("Jordan's"), identifiers (also spaced NHS
numbers), postcodes and first lines of addresses. Person and event ids are replaced too
(hashes of identifiers can be reversed by trying every NHS number).
"""

from __future__ import annotations

import json
import re
import secrets
import string
import zipfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd

from chronos import model
from chronos.report.safe_files import atomic_path, write_text

ID_COLUMNS = {"nhs_number": "NHS", "upn": "UPN", "la_child_id": "LAID"}
DATE_COLUMNS = {"events": ["date", "end_date"], "persons": ["dob", "dod"],
                "relationships": ["start", "end"], "findings": ["window_start", "window_end"]}
PERSON_ID_COLUMNS = {"events": ["person_ids"], "persons": ["person_id"],
                     "relationships": ["person_a", "person_b"],
                     "findings": ["person_id", "key_concern"],
                     "links": ["person_id", "record_key"]}
TEXT_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b|\b(\d{4})-(\d{2})-(\d{2})\b")
KEY_VERSION = 1


@dataclass
class PseudonymKey:
    """What re-identifies shared outputs: pseudonym -> original text, id maps, date shift."""

    shift_days: int = 0
    values: dict[str, str] = field(default_factory=dict)      # pseudonym -> original
    person_ids: dict[str, str] = field(default_factory=dict)  # new id -> original id
    event_ids: dict[str, str] = field(default_factory=dict)   # new id -> original id
    salt: str = field(default_factory=lambda: secrets.token_hex(16))  # for new event ids

    def as_dict(self) -> dict:
        """The key as JSON-ready data."""
        return {"chronos_pseudonym_key": KEY_VERSION, "shift_days": self.shift_days,
                "values": self.values, "person_ids": self.person_ids,
                "event_ids": self.event_ids, "salt": self.salt}


def write_key(key: PseudonymKey, path: str | Path) -> Path:
    """Write the key (owner-only, atomically). Keep it apart from the shared files."""
    return write_text(Path(path), json.dumps(key.as_dict(), indent=1, sort_keys=True))


def load_key(path: str | Path) -> PseudonymKey:
    """Read a key written by :func:`write_key`."""
    from chronos.errors import ChronosError

    try:
        data = json.loads(Path(path).read_text("utf-8"))
        assert data.get("chronos_pseudonym_key") == KEY_VERSION
    except (OSError, ValueError, AssertionError) as exc:
        raise ChronosError("not a chronos pseudonym key", file=str(path),
                           hint="give the .key.json file written with the shared outputs") from exc
    return PseudonymKey(int(data["shift_days"]), data["values"], data["person_ids"],
                        data["event_ids"], data.get("salt") or secrets.token_hex(16))


# ---------------------------------------------------------------- pseudonymise


def pseudonymise(result: Any, key: PseudonymKey | None = None,
                 shift_days: int | None = None) -> tuple[Any, PseudonymKey]:
    """A copy of ``result`` safe to share, and the key that reverses it.

    Reusing a ``key`` keeps earlier pseudonyms (and its date shift) so that documents
    shared at different times agree. ``shift_days`` moves every date by that many days.
    """
    key = key or PseudonymKey(shift_days=shift_days or 0)
    if shift_days is not None and not key.person_ids:
        key.shift_days = shift_days
    persons = model.conform(result.persons, "persons")
    plan = _Plan(key, persons, result)
    tables = {name: _table(result, name) for name in DATE_COLUMNS | {"links": 0, "quarantine": 0}}
    tables = {name: plan.apply(name, frame) for name, frame in tables.items()}
    tables["persons"] = _named(tables["persons"], key)
    child_findings = getattr(result, "child_findings", None)
    if child_findings is not None:
        tables["child_findings"] = plan.apply("findings", model.conform(child_findings, "findings"))
    harm = getattr(result, "harm_index", None)
    if harm is not None:
        tables["harm_index"] = _shared_harm(harm, plan)
    shared = SimpleNamespace(
        name=plan.scrub(str(getattr(result, "name", "") or "Case")), case=None,
        index_children=[plan.person_ids.get(p, p) for p in _index_ids(result)],
        as_of=plan.shift(getattr(result, "as_of", None)), report={},
        sources=[_source(sr, plan) for sr in getattr(result, "sources", None) or []],
        **tables)
    return shared, key


def _shared_harm(harm: pd.DataFrame, plan: "_Plan") -> pd.DataFrame:
    """The harm index with pseudonymous person ids and shifted dates."""
    harm = harm.copy()
    harm["person_id"] = harm["person_id"].map(plan._map_person_ids, na_action="ignore")
    harm["date"] = harm["date"].map(plan.shift, na_action="ignore")
    return harm


def _named(persons: pd.DataFrame, key: PseudonymKey) -> pd.DataFrame:
    """Persons carry their pseudonym as given name and nothing else as a name."""
    label = {new: _label_of(new, key) for new in persons["person_id"].dropna()}
    persons = persons.copy()
    persons["given_name"] = persons["person_id"].map(label).astype("string")
    persons["family_name"] = pd.Series(pd.NA, index=persons.index, dtype="string")
    persons["other_names"] = pd.Series(pd.NA, index=persons.index, dtype="string")
    return persons


def _label_of(new_id: str, key: PseudonymKey) -> str:
    original = key.person_ids.get(new_id)
    for label, value in key.values.items():
        if value.endswith(f" [{original}]"):
            return label
    return new_id


def _table(result: Any, name: str) -> pd.DataFrame:
    return model.conform(getattr(result, name, None), name)


def _index_ids(result: Any) -> list[str]:
    from chronos.report.people import index_children

    return [c["person_id"] for c in index_children(result)]


def _source(sr, plan: "_Plan"):
    src = sr.source
    return SimpleNamespace(
        source=SimpleNamespace(name=plan.scrub(src.name), agency=src.agency or "",
                               file_label=plan.scrub(src.file_label)),
        format=sr.format, records_read=sr.records_read, records_to_data=sr.records_to_data,
        records_quarantined=sr.records_quarantined)


class _Plan:
    """The replacements for one case: built from the persons table and organisations."""

    def __init__(self, key: PseudonymKey, persons: pd.DataFrame, result: Any):
        self.key = key
        self.reverse = {v: k for k, v in key.values.items()}   # original -> pseudonym
        self.person_ids = {v: k for k, v in key.person_ids.items()}
        self.event_ids = {v: k for k, v in key.event_ids.items()}
        self.terms: dict[str, str] = {}                          # lower text -> pseudonym
        self._people(persons, result)
        self._organisations(result)
        self._pattern = _alternation(self.terms)

    # -- building the plan
    def _label(self, original: str, prefix: str, numbered: bool = True) -> str:
        if original in self.reverse:
            return self.reverse[original]
        used = {v for v in self.key.values if v.startswith(prefix + " ")}
        n = len(used) + 1
        label = f"{prefix} {string.ascii_uppercase[n - 1] if not numbered and n <= 26 else n}"
        self.key.values[label] = original
        self.reverse[original] = label
        return label

    def _people(self, persons: pd.DataFrame, result: Any) -> None:
        kids = set(_index_ids(result))
        order = persons.assign(_child=~persons["person_id"].isin(kids) & (persons["role"] != "child"),
                               _dob=persons["dob"].fillna("9999"))
        order = order.sort_values(["_child", "_dob", "person_id"], kind="stable")
        firsts: dict[str, set[str]] = {}
        families: dict[str, set[str]] = {}
        for p in order.drop_duplicates("person_id").to_dict("records"):
            label = self._label(_full(p) + f" [{p['person_id']}]",
                                "Adult" if p["_child"] else "Child", numbered=p["_child"])
            self._person_id(p["person_id"], label)
            for first in _names(p.get("given_name")) + _names(p.get("other_names")):
                firsts.setdefault(first.lower(), set()).add(label)
                self._name_forms(first, _text(p.get("family_name")), label)
            if _text(p.get("family_name")):
                families.setdefault(_text(p["family_name"]).lower(), set()).add(label)
        for rec in persons.to_dict("records"):
            self._identifiers(rec)
        for first, labels in firsts.items():
            self.terms.setdefault(first, labels.pop() if len(labels) == 1 else "[name withheld]")
        for family, labels in families.items():
            self.terms.setdefault(family, labels.pop() if len(labels) == 1
                                  else self._label(family.title(), "Family", numbered=False))

    def _person_id(self, pid: str, label: str) -> None:
        if pid not in self.person_ids:
            new = "P-" + label.lower().replace(" ", "-")
            self.person_ids[pid] = new
            self.key.person_ids[new] = pid

    def _name_forms(self, first: str, family: str, label: str) -> None:
        if not family:
            return
        for form in (f"{first} {family}", f"{family}, {first}", f"{first[0]}. {family}",
                     f"{first[0]} {family}", f"{first[0]}.{family}"):
            self.terms[form.lower()] = label

    def _identifiers(self, rec: dict) -> None:
        for column, prefix in ID_COLUMNS.items():
            value = _text(rec.get(column))
            if value:
                label = self._label(value, prefix)
                for variant in _id_variants(value):
                    self.terms[variant.lower()] = label
        for part in _text(rec.get("other_ids")).split(";"):
            value = part.split("=", 1)[-1].strip()
            if len(value) >= 4:
                self.terms[value.lower()] = self._label(value, "ID")
        self._address(_text(rec.get("address")), _text(rec.get("postcode")))

    def _address(self, address: str, postcode: str) -> None:
        if postcode:
            label = self._label(postcode.upper(), "Postcode")
            for variant in {postcode, postcode.replace(" ", ""), _spaced_postcode(postcode)}:
                self.terms[variant.lower()] = label
        if address:
            label = self._label(address, "Address")
            self.terms[address.lower()] = label
            first_line = address.split(",")[0].strip()
            if len(first_line) >= 6:
                self.terms[first_line.lower()] = label

    def _organisations(self, result: Any) -> None:
        events = _table(result, "events")
        pairs = events[["agency", "source_org"]].dropna().drop_duplicates()
        for agency, org in sorted(pairs.itertuples(index=False)):
            if org and org != agency:
                self.terms[org.lower()] = self._label(org, agency or "Organisation")

    # -- applying it
    def scrub(self, text):
        """``text`` with every known name, identifier and address replaced."""
        if not isinstance(text, str) or not text or self._pattern is None:
            return text
        text = self._pattern.sub(lambda m: self.terms[m.group(0).lower()], text)
        return _shift_text_dates(text, self.key.shift_days) if self.key.shift_days else text

    def shift(self, iso):
        """An ISO date moved by the key's shift (unchanged when there is no shift)."""
        if not isinstance(iso, str) or not iso or not self.key.shift_days:
            return iso
        try:
            return (date.fromisoformat(iso[:10]) + timedelta(days=self.key.shift_days)).isoformat()
        except ValueError:
            return iso

    def _event_id(self, eid):
        if not isinstance(eid, str) or not eid:
            return eid
        if eid not in self.event_ids:
            new = model.stable_id("E", self.key.salt, eid)
            self.event_ids[eid] = new
            self.key.event_ids[new] = eid
        return self.event_ids[eid]

    def apply(self, name: str, frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        for column in frame.columns:
            if column in PERSON_ID_COLUMNS.get(name, []):
                frame[column] = frame[column].map(self._map_person_ids, na_action="ignore")
            elif name == "events" and column == "person_roles":
                frame[column] = frame[column].map(self._map_person_roles, na_action="ignore")
            elif column in DATE_COLUMNS.get(name, []):
                frame[column] = frame[column].map(self.shift, na_action="ignore")
            elif column in ("event_id", "event_ids", "corroborated_by"):
                frame[column] = frame[column].map(
                    lambda v: ";".join(self._event_id(e) for e in v.split(";")), na_action="ignore")
            elif column in ID_COLUMNS or column in ("address", "postcode", "other_ids"):
                frame[column] = frame[column].map(self._replace_whole, na_action="ignore")
            elif frame[column].dtype == "string" or frame[column].dtype == object:
                frame[column] = frame[column].map(self.scrub, na_action="ignore")
        return model.conform(frame, name)

    def _map_person_ids(self, value: str) -> str:
        return ";".join(self.person_ids.get(p, self.scrub(p)) for p in str(value).split(";"))

    def _map_person_roles(self, value: str) -> str:
        """``person=role`` pairs with each person's pseudonymous id (roles kept)."""
        pairs = [p.partition("=") for p in str(value).split(";") if p]
        return ";".join(f"{self.person_ids.get(k, self.scrub(k))}{s}{r}" for k, s, r in pairs)

    def _replace_whole(self, value: str) -> str:
        if not value:
            return value
        hit = self.reverse.get(value) or self.reverse.get(value.upper())
        return hit or self.scrub(value)


def _alternation(terms: dict[str, str]):
    words = sorted((t for t in terms if len(t) >= 2), key=lambda t: (-len(t), t))
    if not words:
        return None
    body = "|".join(re.escape(w) for w in words)
    return re.compile(rf"(?<![\w])(?:{body})(?![\w])", re.IGNORECASE)


def _shift_text_dates(text: str, days: int) -> str:
    def move(m):
        try:
            if m.group(1):
                d = date(int(m.group(3)), int(m.group(2)), int(m.group(1))) + timedelta(days=days)
                return d.strftime("%d/%m/%Y")
            d = date(int(m.group(4)), int(m.group(5)), int(m.group(6))) + timedelta(days=days)
            return d.isoformat()
        except ValueError:
            return m.group(0)
    return TEXT_DATE.sub(move, text)


def _full(p: dict) -> str:
    return " ".join(x for x in (_text(p.get("given_name")), _text(p.get("family_name"))) if x)


def _names(value) -> list[str]:
    return [n for n in re.split(r"[;,]\s*|\s+", _text(value)) if len(n) >= 2]


def _id_variants(value: str) -> set[str]:
    digits = re.sub(r"\s", "", value)
    out = {value, digits}
    if digits.isdigit() and len(digits) == 10:
        out |= {f"{digits[:3]} {digits[3:6]} {digits[6:]}", f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"}
    return out


def _spaced_postcode(postcode: str) -> str:
    compact = postcode.replace(" ", "").upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 4 else compact


def _text(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return str(value)


# ---------------------------------------------------------------- re-identify


def reidentify(path: str | Path, key: PseudonymKey, out: str | Path | None = None) -> Path:
    """Put the original names, identifiers and dates back into a returned document
    (.docx, .xlsx, .html, .csv, .md, .txt). Writes ``<name>.reidentified<suffix>`` (or
    ``out``) and returns its path. Excel cells holding real dates are not shifted back."""
    path = Path(path)
    out = Path(out) if out else path.with_name(f"{path.stem}.reidentified{path.suffix}")
    originals = {p: _original_text(o) for p, o in key.values.items()}
    originals.update({new: old for new, old in key.person_ids.items()})
    originals.update({new: old for new, old in key.event_ids.items()})
    if path.suffix.lower() in (".docx", ".xlsx"):
        _reidentify_zip(path, out, originals, key.shift_days)
    else:
        escape = path.suffix.lower() in (".html", ".htm")
        text = _restore(path.read_text("utf-8"), originals, key.shift_days, escape)
        write_text(out, text)
    return out


def _original_text(original: str) -> str:
    """People are stored as 'Full Name [person id]': show the name."""
    return re.sub(r" \[[^\]]*\]$", "", original)


def _restore(text: str, originals: dict[str, str], shift_days: int, escape: bool) -> str:
    from html import escape as html_escape

    if originals:
        pattern = re.compile(r"(?<![\w])(?:" + "|".join(
            re.escape(p) for p in sorted(originals, key=len, reverse=True)) + r")(?![\w])")
        fix = (lambda s: html_escape(s, quote=True)) if escape else (lambda s: s)
        text = pattern.sub(lambda m: fix(originals[m.group(0)]), text)
    return _shift_text_dates(text, -shift_days) if shift_days else text


def _reidentify_zip(path: Path, out: Path, originals: dict[str, str], shift_days: int) -> None:
    with zipfile.ZipFile(path) as src, atomic_path(out) as tmp:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
            for item in src.infolist():
                data = src.read(item.filename)
                if item.filename.endswith(".xml"):
                    data = _restore(data.decode("utf-8"), originals, shift_days, True).encode("utf-8")
                dst.writestr(item, data)
