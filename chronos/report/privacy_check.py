"""Checking a folder of shared outputs against the real build: ``chronos check-pseudonymised``.

:func:`check_pseudonymised` collects every identifier the real build holds (names of
people and professionals in every form, NHS numbers, UPNs, local ids, record numbers,
addresses, postcodes, phone numbers, e-mail addresses, dates of birth, person, event and
finding ids) and looks for each in every file of the shared folder: the text of CSV,
Markdown, HTML, SVG and JSON files, every XML part of Word and Excel files (document
properties included), images embedded in HTML, PNG metadata, and PDF text when
``pdftotext`` is installed. It also flags anything in the shared folder that looks like
an NHS number, UPN, phone number, e-mail address or postcode, and dates that were not
shifted. What it cannot read (the pixels of a picture) it lists as not checked.
"""

from __future__ import annotations

import base64
import re
import shutil
import statistics
import subprocess
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import unescape
from pathlib import Path

import pandas as pd

from chronos.report import privacy_text as text_rules

ZIP_SUFFIXES = {".docx", ".xlsx", ".pptx", ".odt", ".ods", ".docm", ".xlsm"}
TEXT_SUFFIXES = {".csv", ".md", ".txt", ".json", ".tsv"}
MARKUP_SUFFIXES = {".html", ".htm", ".svg", ".xml"}
DATA_URI = re.compile(r"data:(image/[a-z+]+);base64,([A-Za-z0-9+/=]+)")
BLOCK_END = re.compile(r"</(?:w:p|a:p|si|c|row|text:p|w:tc|p|div|td|th|li|tr|h\d|text|tspan)>")
LOOKS_LIKE = {"email": "an e-mail address", "phone": "a phone number", "nhs": "an NHS number",
              "upn": "a UPN", "postcode": "a postcode"}


@dataclass(frozen=True)
class Leak:
    """An identifier of the real build found in a shared file."""

    file: str
    part: str       # the part of a Word/Excel file, an embedded image, or ''
    line: int
    column: int
    kind: str
    text: str

    def as_dict(self) -> dict:
        return {"file": self.file, "part": self.part, "line": self.line, "column": self.column,
                "kind": self.kind, "text": self.text}


@dataclass
class PseudonymCheck:
    """What :func:`check_pseudonymised` found: the leaks, the files read, what it could not
    read, and how many identifiers it looked for."""

    directory: Path
    against: Path
    leaks: list[Leak] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    unchecked: list[tuple[str, str]] = field(default_factory=list)
    identifiers: int = 0

    @property
    def ok(self) -> bool:
        return not self.leaks

    def as_dict(self) -> dict:
        return {"directory": str(self.directory), "against": str(self.against),
                "identifiers": self.identifiers, "files": self.files,
                "leaks": [leak.as_dict() for leak in self.leaks],
                "unchecked": [{"file": f, "reason": r} for f, r in self.unchecked]}


def check_pseudonymised(directory: str | Path, against: str | Path) -> PseudonymCheck:
    """Every identifier of the real build ``against`` (a ``chronos build`` folder) that
    survives anywhere in ``directory``, with file and position."""
    from chronos.errors import ChronosError

    directory, against = Path(directory), Path(against)
    if not directory.is_dir():
        raise ChronosError("no such folder", file=str(directory), hint="give the shared folder")
    if not (against / "persons.csv").is_file():
        raise ChronosError("not a chronos build folder (no persons.csv)", file=str(against),
                           hint="give the folder 'chronos build CASE --out DIR' wrote")
    found = BuildIdentifiers.read(against)
    check = PseudonymCheck(directory, against, identifiers=len(found.terms))
    dates: list[tuple[str, str, str, int, int]] = []
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        name = str(path.relative_to(directory))
        check.files.append(name)
        for part, text, plain in _texts(path, check, name):
            check.leaks += found.search(name, part, text, plain)
            if plain:
                check.leaks += _looks_like(name, part, text, found)
                dates += [(name, part, s.iso, *_where(text, s.start)) for s in text_rules.find_dates(text)]
    check.leaks += found.unshifted(dates)
    check.leaks = sorted(set(check.leaks), key=lambda x: (x.file, x.part, x.line, x.column, x.kind))
    return check


# ---------------------------------------------------------------- the real build


class BuildIdentifiers:
    """The identifiers of a real build: ``terms`` (text -> kind) and their matcher."""

    def __init__(self):
        self.terms: dict[str, str] = {}
        self.exact: dict[str, str] = {}   # lower -> as written, for terms matched by case
        self.dobs: set[str] = set()
        self.event_dates: set[str] = set()
        self._pattern = None

    @classmethod
    def read(cls, build: Path) -> "BuildIdentifiers":
        """Everything identifying in ``build`` (persons, links, link review, events, findings)."""
        ids = cls()
        persons = _csv(build / "persons.csv")
        for row in persons.to_dict("records"):
            ids._person(row)
        review = _csv(build / "link-review.csv")
        for side in ("a", "b"):
            for row in review.to_dict("records"):
                ids._person({"name": row.get(f"name_{side}"), "dob": row.get(f"dob_{side}"),
                             "nhs_number": row.get(f"nhs_{side}"), "postcode": row.get(f"postcode_{side}")})
        for row in _csv(build / "links.csv").to_dict("records"):
            local = _s(row.get("record_key")).split(":", 1)[-1]
            if len(local) >= 4 and any(c.isdigit() for c in local):
                ids.add(local, "record number")
        ids._events(_csv(build / "events.csv"))
        for fid in _csv(build / "findings.csv").get("finding_id", pd.Series(dtype=str)).dropna():
            ids.add(fid, "finding id", exact=True)
        return ids

    def add(self, text: str, kind: str, exact: bool = False) -> None:
        text = _s(text).strip()
        if len(text) < 2 or (len(text) < 3 and not exact):
            return
        if text.lower() in self.terms and text.lower() not in self.exact:
            return
        self.terms[text.lower()] = kind
        if exact or text.lower() in text_rules.rules().common_word_names:
            self.exact[text.lower()] = text

    def _person(self, row: dict) -> None:
        givens = [g for g in re.split(r"[;,\s]+", _s(row.get("given_name")) + " " +
                                      _s(row.get("other_names"))) if g]
        families = [f for f in re.split(r"[;,]\s*", _s(row.get("family_name"))) if f]
        if _s(row.get("name")):
            words = _s(row["name"]).split()
            givens, families = givens + words[:-1], families + words[-1:]
            self.add(_s(row["name"]), "name")
        for form, _ in text_rules.name_forms(givens, families):
            self.add(form, "name", exact=len(form) <= 3)
        for name in givens + families:
            self.add(name, "name")
        for column, kind in (("nhs_number", "NHS number"), ("upn", "UPN"),
                             ("la_child_id", "local authority id"), ("person_id", "person id")):
            for variant in _id_variants(_s(row.get(column))):
                self.add(variant, kind, exact=column == "person_id")
        for part in _s(row.get("other_ids")).split(";"):
            self.add(part.split("=", 1)[-1], "record number")
        postcode = _s(row.get("postcode"))
        if postcode:
            compact = postcode.replace(" ", "").upper()
            for variant in (postcode, compact, f"{compact[:-3]} {compact[-3:]}"):
                self.add(variant, "postcode")
        self._address(_s(row.get("address")))
        if len(_s(row.get("dob"))) >= 10:
            self.dobs.add(_s(row["dob"])[:10])

    def _address(self, address: str) -> None:
        if not address:
            return
        self.add(address, "address")
        parts = [p.strip() for p in address.split(",")]
        for n in range(1, len(parts)):
            first = ", ".join(parts[:n])
            if len(first) >= 6 and any(c.isdigit() for c in first):
                self.add(first, "address")
        for place in parts[1:]:
            if place and not any(c.isdigit() for c in place):
                self.add(place, "place")

    def _events(self, events: pd.DataFrame) -> None:
        keys = text_rules.rules().person_detail_keys
        for row in events.to_dict("records"):
            self.add(_s(row.get("event_id")), "event id", exact=True)
            self.add(_s(row.get("source_org")), "organisation")
            if _s(row.get("date_precision")) in ("day", "") and len(_s(row.get("date"))) >= 10:
                self.event_dates.add(_s(row["date"])[:10])
            for part in _s(row.get("details")).split(";"):
                key, _, value = part.partition("=")
                value = re.sub(r"\s*\([^)]*\)\s*$", "", value).strip()
                if key.strip().lower() in keys and len(value.split()) >= 2:
                    self._professional(value)
            for column in ("summary", "outcome", "details"):
                for found in text_rules.find_identifiers(_s(row.get(column))):
                    if found.kind == "name":
                        self._professional(found.text)
                    else:
                        self.add(found.text, found.kind)

    def _professional(self, name: str) -> None:
        rules = text_rules.rules()
        words = [w for w in name.split() if w.rstrip(".") not in rules.titles
                 and w.lower() not in rules.role_words]
        self.add(" ".join(words), "name")
        for word in words:
            if len(word) >= 3 and word.lower() not in rules.not_names:
                self.add(word, "name", exact=word.lower() in rules.common_word_names)

    # -- searching
    def pattern(self) -> text_rules.TermMatcher:
        if self._pattern is None:
            loose = {t: k for t, k in self.terms.items() if t not in self.exact}
            exact = {self.exact[t]: k for t, k in self.terms.items() if t in self.exact}
            self._pattern = text_rules.TermMatcher(loose, exact)
        return self._pattern

    def search(self, file: str, part: str, text: str, plain: bool = True) -> list[Leak]:
        leaks = []
        if self.terms:
            for start, end, kind in self.pattern().finditer(text):
                leaks.append(Leak(file, part, *_where(text, start), kind, text[start:end]))
        if plain or "docProps" in part:
            leaks += self._dates_of_birth(file, part, text)
        return leaks

    def _dates_of_birth(self, file: str, part: str, text: str) -> list[Leak]:
        """A real date of birth written after 'DOB', 'born' ..., in a document's
        properties, or far from the dates the document covers."""
        out = []
        for span in text_rules.find_dates(text):
            if span.iso not in self.dobs or span.precision != "day":
                continue
            before = text[max(0, span.start - 30):span.start]
            context = re.search(r"(?i)\b(?:dob|d\.o\.b|born|birth|b\.)\W*$", before)
            far = self.event_dates and (span.iso < min(self.event_dates) or span.iso > max(self.event_dates))
            if context or far or "docProps" in part:
                out.append(Leak(file, part, *_where(text, span.start), "date of birth",
                                text[span.start:span.end]))
        return out

    def unshifted(self, dates: list) -> list[Leak]:
        """One leak per file whose dates are the real event dates (not shifted)."""
        real = self.event_dates
        by_file: dict[str, list] = {}
        for item in dates:
            by_file.setdefault(item[0], []).append(item)
        leaks = []
        for file, items in by_file.items():
            shown = {iso for _, _, iso, _, _ in items}
            if len(shown & real) < 3:
                continue
            score = _overlap(shown, real, 0)
            others = [_overlap(shown, real, d) for d in range(-30, 31) if d]
            if score >= 0.5 and score >= 2 * max(statistics.median(others), 0.05):
                first = next(i for i in items if i[2] in real)
                leaks.append(Leak(file, first[1], first[3], first[4], "dates not shifted",
                                  f"{len(shown & real)} of the {len(shown)} dates shown are real event dates"))
        return leaks


def _overlap(shown: set[str], real: set[str], days: int) -> float:
    moved = {(date.fromisoformat(d) + timedelta(days=days)).isoformat() for d in shown}
    return len(moved & real) / max(1, len(shown))


def _looks_like(file: str, part: str, text: str, found: BuildIdentifiers) -> list[Leak]:
    out = []
    for item in text_rules.find_identifiers(text):
        if item.kind in LOOKS_LIKE and item.text.lower() not in found.terms:
            out.append(Leak(file, part, *_where(text, item.start), f"looks like {LOOKS_LIKE[item.kind]}",
                            item.text))
    return out


# ---------------------------------------------------------------- reading the shared files


def _texts(path: Path, check: PseudonymCheck, name: str):
    """``(part, text, plain)`` of everything readable in ``path`` (``plain``: text as a
    reader sees it, not markup)."""
    suffix = path.suffix.lower()
    if suffix in ZIP_SUFFIXES:
        yield from _zip_texts(path, check, name)
    elif suffix in MARKUP_SUFFIXES:
        yield from _markup_texts(path.read_text("utf-8", errors="replace"), "", check, name)
    elif suffix in TEXT_SUFFIXES:
        yield "", path.read_text("utf-8", errors="replace"), True
    elif suffix == ".pdf":
        text = _pdf_text(path)
        if text is None:
            check.unchecked.append((name, "PDF text not read: pdftotext is not installed"))
        else:
            yield "text", text, True
    elif suffix == ".png":
        yield "metadata", _png_metadata(path.read_bytes()), True
        check.unchecked.append((name, "the drawing itself is a picture: its text cannot be read "
                                      "(the SVG of the same chart can be checked)"))
    else:
        check.unchecked.append((name, f"{suffix or 'no suffix'}: a kind of file this check does not read"))


def _zip_texts(path: Path, check: PseudonymCheck, name: str):
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        check.unchecked.append((name, "not a readable Office file"))
        return
    with archive:
        for member in archive.namelist():
            data = archive.read(member)
            if member.endswith((".xml", ".rels", ".vml")):
                yield from _markup_texts(data.decode("utf-8", errors="replace"), member, check, name)
            elif member.lower().endswith(".png"):
                yield f"{member} (metadata)", _png_metadata(data), True
                check.unchecked.append((f"{name}:{member}", "a picture: its drawn text cannot be read"))


def _markup_texts(text: str, part: str, check: PseudonymCheck, name: str):
    images = []

    def keep(m):
        images.append((m.group(1), m.group(2)))
        return f"data:{m.group(1)};base64,[image {len(images)}]"

    raw = DATA_URI.sub(keep, text)
    yield part, raw, False
    visible = re.sub(r"(?is)<(style|script)\b.*?</\1>", "", raw)
    plain = unescape(re.sub(r"<[^>]+>", "", BLOCK_END.sub("\n", visible)))
    if plain.strip():
        yield (f"{part} (text)" if part else "text"), plain, True
    for n, (mime, data) in enumerate(images, 1):
        blob = base64.b64decode(data + "=" * (-len(data) % 4), validate=False)
        where = f"{part} image {n}".strip()
        if mime == "image/svg+xml":
            yield from _markup_texts(blob.decode("utf-8", errors="replace"), where, check, name)
        elif mime == "image/png":
            yield f"{where} (metadata)", _png_metadata(blob), True
            check.unchecked.append((f"{name}: {where}", "an embedded picture: its drawn text cannot be read"))


def _png_metadata(data: bytes) -> str:
    """The text chunks (tEXt, zTXt, iTXt) of a PNG."""
    out, pos = [], 8
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"tEXt":
            out.append(body.replace(b"\0", b": ").decode("latin-1"))
        elif kind == b"zTXt":
            key, _, rest = body.partition(b"\0")
            out.append(key.decode("latin-1") + ": " + zlib.decompress(rest[1:]).decode("latin-1", "replace"))
        elif kind == b"iTXt":
            out.append(body.replace(b"\0", b" ").decode("utf-8", "replace"))
        pos += 12 + length
    return "\n".join(out)


def _pdf_text(path: Path) -> str | None:
    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    done = subprocess.run([tool, "-layout", str(path), "-"], capture_output=True, timeout=120)
    return done.stdout.decode("utf-8", errors="replace")


def _where(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset``."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _id_variants(value: str) -> set[str]:
    if not value:
        return set()
    digits = re.sub(r"[\s-]", "", value)
    out = {value, digits}
    if digits.isdigit() and len(digits) == 10:
        out |= {f"{digits[:3]} {digits[3:6]} {digits[6:]}", f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"}
    return out


def _csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        return pd.DataFrame()
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _s(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)
