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
#: a key larger than this is refused (a case's key is a few hundred kB)
MAX_KEY_BYTES = 256 * 2**20
MAX_KEY_ENTRIES = 1_000_000
#: a document part (XML, or a text file) re-identified in memory is at most this large;
#: other parts (images) are copied as a stream
MAX_PART_BYTES = 256 * 2**20


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
    if not isinstance(data, dict) or data.get("chronos_pseudonym_key") != KEY_VERSION:
        raise damaged("no key version")
    maps = [data.get(name) for name in ("values", "person_ids", "event_ids")]
    for name, mapping in zip(("values", "person_ids", "event_ids"), maps):
        if not isinstance(mapping, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and k for k, v in mapping.items()):
            raise damaged(f"'{name}' is not a list of pseudonym: original text")
    shift = data.get("shift_days")
    if isinstance(shift, bool) or not isinstance(shift, int) or abs(shift) > 36_500:
        raise damaged("'shift_days' is not a number of days")
    if sum(len(m) for m in maps) > MAX_KEY_ENTRIES:
        raise damaged(f"more than {MAX_KEY_ENTRIES:,} entries")
    salt = data.get("salt")
    return PseudonymKey(shift, maps[0], maps[1], maps[2],
                        salt if isinstance(salt, str) and salt else secrets.token_hex(16))


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
    ``out``) and returns its path. Excel cells holding real dates are not shifted back.
    Text in UTF-8 or UTF-16 (with its byte order mark) is read and written back in the same
    encoding; anything else, a damaged document or a part over :data:`MAX_PART_BYTES` is a
    :class:`ChronosError` naming it."""
    from chronos.errors import ChronosError

    path = Path(path)
    out = Path(out) if out else reidentified_path(path)
    originals = {p: _original_text(o) for p, o in key.values.items()}
    originals.update({new: old for new, old in key.person_ids.items()})
    originals.update({new: old for new, old in key.event_ids.items()})
    if path.suffix.lower() in (".docx", ".xlsx"):
        try:
            _reidentify_zip(path, out, originals, key.shift_days)
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
        restored = _restore(text, originals, key.shift_days, escape)
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


def _restore(text: str, originals: dict[str, str], shift_days: int, escape: bool) -> str:
    from html import escape as html_escape

    if originals:
        fix = (lambda s: html_escape(s, quote=True)) if escape else (lambda s: s)
        text = _replace_whole(text, originals, fix)
    return _shift_text_dates(text, -shift_days) if shift_days else text


_WORD = re.compile(r"\w")


def _replace_whole(text: str, originals: dict[str, str], fix) -> str:
    """Each pseudonym standing as a whole word (not inside another word) replaced by its
    original, the longest first where several start at one place. One pass over the
    text, looking up each word start by the pseudonyms' lengths: time grows with the
    text, not with the key (a regex alternation of 200,000 keys took 37 s to compile)."""
    lengths = sorted({len(p) for p in originals}, reverse=True)
    firsts = "".join(sorted({p[0] for p in originals}))
    starts = re.compile(r"(?<!\w)[" + re.escape(firsts) + "]")
    parts, done = [], 0
    for match in starts.finditer(text):
        i = match.start()
        if i < done:
            continue
        for length in lengths:
            found = originals.get(text[i:i + length])
            if found is not None and not _WORD.match(text, i + length):
                parts += [text[done:i], fix(found)]
                done = i + length
                break
    parts.append(text[done:])
    return "".join(parts)


def _reidentify_zip(path: Path, out: Path, originals: dict[str, str], shift_days: int) -> None:
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
                data = _restore(text, originals, shift_days, True).encode(
                    "utf-16" if encoding == "utf-16" else "utf-8")
                dst.writestr(item, data)
