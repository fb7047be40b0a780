"""Checks a reader makes before and while it parses a source (limits: :mod:`chronos.limits`).

Parsers are fast on honest files and helpless on hostile ones: expat holds a whole comment
or text node in memory, openpyxl unzips whatever a workbook declares, ``json`` recurses
once per level and Python refuses to convert a 5,000-digit integer with a bare
``ValueError``. The functions here look at the bytes first, streaming and in C where it
matters, and raise a :class:`~chronos.errors.SourceError` naming the file, the part and
the line, so that no input makes chronos run out of memory, hang or fail with an
internal error:

- :class:`XmlScan` / :func:`check_xml_file`: no DOCTYPE or entity declaration anywhere
  (the whole prologue is read, however long its comments), no text, comment or
  processing instruction longer than :data:`~chronos.limits.MAX_XML_TEXT_BYTES`.
- :func:`check_zip`: a workbook or Word document whose parts are few enough, small enough
  unzipped and not compressed like a zip bomb, every XML part scanned as above.
- :func:`load_json`: JSON within :data:`~chronos.limits.MAX_JSON_DEPTH` and
  :data:`~chronos.limits.MAX_NUMBER_DIGITS`.
- :func:`check_lines`: no line longer than :data:`~chronos.limits.MAX_LINE_BYTES`.
- :func:`long_cells` and :func:`clipped`: cells longer than
  :data:`~chronos.limits.MAX_CELL_CHARS`, for the readers that quarantine their rows.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Iterable, Iterator

from chronos import limits
from chronos.errors import SourceError
from chronos.safe_input import open_regular

#: Bytes read at a time when scanning.
CHUNK = 1 << 20

_SPECIAL = {b"<!--": b"-->", b"<![CDATA[": b"]]>", b"<?": b"?>"}
#: the end of a formula element (a shared formula's master cell has one too), unprefixed
#: or with a namespace prefix
_FORMULA = (b"</f>", b":f>")
_DTD_HINT = "export the file without a DTD; chronos does not expand XML entities"


# --------------------------------------------------------------------------- XML

class XmlScan:
    """A streaming check of one XML document: feed it the bytes, then :meth:`close`.

    Refuses a DOCTYPE or any other ``<!`` declaration wherever it is (so however long
    the prologue, with its comments, it is read whole), and text, attribute values,
    comments, CDATA or processing instructions longer than
    :data:`~chronos.limits.MAX_XML_TEXT_BYTES`. Notes whether a spreadsheet formula
    (``<f>``) appears (:attr:`formulas`). UTF-16 documents are scanned as UTF-8.
    """

    def __init__(self, label: str, part: str = "", limit: int | None = None,
                 *, find_formulas: bool = False):
        self.label, self.part = label, part
        self.limit = limits.MAX_XML_TEXT_BYTES if limit is None else limit
        self.find_formulas = find_formulas
        self.buf = b""
        self.offset = 0            # offset in the (UTF-8) stream of buf[0]
        self.lines = 1             # line number at buf[0]
        self.last_lt = -1          # offset of the last '<' (or end of a special token)
        self.special: tuple[bytes, int, int] | None = None   # (end marker, start, line)
        self.formulas = False
        self._tail = b""           # the last bytes scanned, for a formula tag across chunks
        self._decoder = None
        self._started = False

    # ---- feeding
    def feed(self, chunk: bytes) -> None:
        """Scan the next bytes of the document."""
        if not self._started:
            self._started = True
            self._decoder = _utf16_decoder(chunk)
        if self._decoder is not None:
            chunk = self._decoder.decode(chunk).encode("utf-8")
        self.buf += chunk
        self._process(final=False)

    def close(self) -> "XmlScan":
        """Finish the scan (checks the text after the last tag)."""
        if self._decoder is not None:
            self.buf += self._decoder.decode(b"", True).encode("utf-8")
        self._process(final=True)
        if self.special is not None:
            return self  # an unclosed comment: the parser reports it, no longer than the limit
        end = self.offset + len(self.buf)
        if end - self.last_lt - 1 > self.limit:
            self._refuse_text(self.last_lt + 1)
        return self

    # ---- scanning
    def _process(self, final: bool) -> None:
        buf, base, i = self.buf, self.offset, 0
        while True:
            if self.special is not None:
                i, done = self._in_special(buf, base, i)
                if not done:
                    break
                continue
            start = _next_special(buf, i)
            if start == -1:
                stop = len(buf) - 1 if (not final and buf.endswith(b"<")) else len(buf)
                self._text(buf, base, i, stop)
                i = stop
                break
            if len(buf) - start < 9 and not final and not _complete_prefix(buf[start:]):
                self._text(buf, base, i, start)
                i = start
                break
            self._text(buf, base, i, start + 1)
            i = self._open_special(buf, base, start)
        self.lines += buf.count(b"\n", 0, i)
        self.buf, self.offset = buf[i:], base + i

    def _text(self, buf: bytes, base: int, i: int, stop: int) -> None:
        """Check the gaps between '<' in ``buf[i:stop]`` (and note formulas)."""
        if stop <= i:
            return
        if self.find_formulas and not self.formulas:
            window = self._tail + buf[i:stop]
            self.formulas = any(tag in window for tag in _FORMULA)
            self._tail = window[-8:]
        last = self.last_lt
        while True:
            low = max(last + 1, base + i)
            high = last + self.limit + 2            # a gap of limit+1 bytes is too long
            found = buf.rfind(b"<", low - base, min(high, base + stop) - base)
            if found == -1:
                if high <= base + stop:
                    self._refuse_text(last + 1, buf, base)
                break
            last = base + found
        self.last_lt = last

    def _open_special(self, buf: bytes, base: int, start: int) -> int:
        head = buf[start:start + 9]
        for prefix, marker in _SPECIAL.items():
            if head.startswith(prefix):
                line = self.lines + buf.count(b"\n", 0, start)
                self.special = (marker, base + start, line)
                return start + len(prefix)
        line = self.lines + buf.count(b"\n", 0, start)
        where = f"{self.part} " if self.part else ""
        raise SourceError(f"{where}XML with a DOCTYPE or entity declarations is refused",
                          file=self.label, row=f"line {line}", hint=_DTD_HINT)

    def _in_special(self, buf: bytes, base: int, i: int) -> tuple[int, bool]:
        marker, start, line = self.special
        found = buf.find(marker, i)
        end = base + (found + len(marker) if found != -1 else len(buf))
        if end - start > self.limit:
            self._refuse(f"a comment, CDATA section or processing instruction longer than "
                         f"{self.limit:,} bytes", line)
        if found == -1:
            return max(i, len(buf) - len(marker) + 1), False
        self.special = None
        self.last_lt = end - 1
        return found + len(marker), True

    def _refuse_text(self, at: int, buf: bytes | None = None, base: int = 0) -> None:
        line = self.lines
        if buf is not None and at >= base:
            line += buf.count(b"\n", 0, at - base)
        self._refuse(f"text longer than {self.limit:,} bytes between two tags (a cell or "
                     f"value over {limits.MAX_CELL_CHARS:,} characters)", line)

    def _refuse(self, what: str, line: int) -> None:
        where = f"part {self.part}: " if self.part else ""
        raise SourceError(f"{where}{what}", file=self.label, row=f"line {line}",
                          hint="chronos refuses text this long in one cell "
                               "(docs/analyst.md, 'Inputs it will not read')")


def _utf16_decoder(head: bytes):
    """An incremental UTF-16 decoder for a UTF-16 document (None for UTF-8 and ASCII
    supersets, which can be scanned as bytes)."""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return codecs.getincrementaldecoder("utf-16")("replace")
    if head[:4] == b"<\x00?\x00":
        return codecs.getincrementaldecoder("utf-16-le")("replace")
    if head[:4] == b"\x00<\x00?":
        return codecs.getincrementaldecoder("utf-16-be")("replace")
    return None


def _next_special(buf: bytes, start: int) -> int:
    """Where the next ``<!`` or ``<?`` starts in ``buf`` (-1 for none). Searches for the
    rare second byte (memchr speed), not the two-byte needle (slow on '<'-dense XML)."""
    best = -1
    for mark in (b"!", b"?"):
        found = buf.find(mark, start + 1)
        while found != -1 and buf[found - 1] != 0x3C:
            found = buf.find(mark, found + 1)
        if found != -1 and (best == -1 or found - 1 < best):
            best = found - 1
    return best


def _complete_prefix(head: bytes) -> bool:
    """Whether ``head`` (from a '<!' or '<?') says enough to classify the token: it is
    complete unless it could still grow into ``<!--`` or ``<![CDATA[``."""
    if head.startswith((b"<?", b"<!--", b"<![CDATA[")):
        return True
    return not (b"<!--".startswith(head) or b"<![CDATA[".startswith(head))


def scan_xml(chunks: Iterable[bytes], label: str, part: str = "",
             limit: int | None = None) -> XmlScan:
    """Run an :class:`XmlScan` over ``chunks`` (raises on the first problem)."""
    scan = XmlScan(label, part, limit)
    for chunk in chunks:
        scan.feed(chunk)
    return scan.close()


def read_chunks(handle: IO[bytes], size: int = CHUNK) -> Iterator[bytes]:
    """The bytes of an open file, ``size`` at a time."""
    while chunk := handle.read(size):
        yield chunk


def check_xml_file(path: Path, label: str) -> None:
    """Scan an XML source file whole (:class:`XmlScan`) before it is parsed."""
    with open_regular(path, label) as handle:
        scan_xml(read_chunks(handle), label)


# --------------------------------------------------------------------------- zip

@dataclass
class ZipFacts:
    """What :func:`check_zip` learned about a workbook or Word document."""

    members: int = 0
    uncompressed: int = 0
    formulas: set[str] = field(default_factory=set)    # parts with a spreadsheet formula
    #: worksheet part -> its :class:`SheetShape` (how far its cells can reach)
    shapes: dict[str, "SheetShape"] = field(default_factory=dict)


#: a cell element that does not start with a reference in A1..XFD1048576 (``<c r="B7"``)
_ODD_CELL = re.compile(rb'<c(?:[>/]|\s(?!r="[A-Z]{1,3}[0-9]{1,7}"))')
#: a prefixed cell element (``<x:c``), or text that looks like one (then: not regular)
_PREFIXED = re.compile(rb':c[\s/>]')
_WIDE = re.compile(rb'<c r="[A-Z]{2}')
_COLUMNS = {n: re.compile(rb'<c r="([A-Z]{%d})[0-9]' % n) for n in (3, 2)}
_NARROW = re.compile(rb'<c r="[A-Z][0-9]')
_MANY_DIGITS = re.compile(rb'<c r="[A-Z]{1,3}[0-9]{6,7}"')
_ROW_DIGITS = {n: re.compile(rb'<c r="[A-Z]{1,3}[0-9]{%d}"' % n) for n in range(7, 0, -1)}
#: a cell element that is not the most common kind, ``<c r="B7"`` with a column in A..Z
#: and a row of at most 5 digits: anything :data:`_ODD_CELL`, :data:`_WIDE` or
#: :data:`_MANY_DIGITS` finds, this finds too (one search instead of three, usually)
_UNUSUAL = re.compile(rb'<c(?:[>/]|\s(?!r="[A-Z][0-9]{1,5}"))')


class SheetShape:
    """How far the cells of one worksheet part can reach, from its bytes (fed in chunks
    alongside :class:`XmlScan`), so that a reader which allocates a sheet's whole grid at
    once (python-calamine) is used only on sheets whose grid is bounded.

    The sheet is *regular* when every cell element starts with its reference
    (``<c r="B7"``, as Excel, LibreOffice and openpyxl write them) within A1..XFD1048576,
    no cell element has a namespace prefix, and no cell holds an error value (``t="e"``,
    which python-calamine reads as empty). :meth:`bound` is then at least the cells of
    the grid from A1 to the furthest cell: the widest column (26 for a sheet within
    A..Z) times the largest number with as many digits as the longest row number."""

    TAIL = 40

    def __init__(self):
        self.odd = self.errors = False
        self.columns = self.digits = 0
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        """Take the next bytes of the part."""
        window = self._tail + chunk
        self._look(window, len(window) - self.TAIL)   # the tail: again with the next chunk
        self._tail = window[-self.TAIL:]

    def close(self) -> "SheetShape":
        """Look at the last bytes of the part."""
        self._look(self._tail, len(self._tail))
        return self

    def _look(self, window: bytes, settled: int) -> None:
        """Note what ``window`` shows; a cell cut off at its end is judged only before
        ``settled`` (it is whole in the next window)."""
        self.errors = self.errors or b' t="e"' in window
        if not _UNUSUAL.search(window):   # every cell in A..Z, rows of at most 5 digits
            self.odd = self.odd or bool(_PREFIXED.search(window))
            self.columns = max(self.columns, 26 if _NARROW.search(window) else 0)
            found = (n for n, p in _ROW_DIGITS.items() if self.digits < n < 6 and p.search(window))
            self.digits = max(self.digits, next(found, 0))
            return
        if not self.odd:
            odd = _ODD_CELL.search(window)
            self.odd = bool(odd and odd.start() < settled) or bool(_PREFIXED.search(window))
        self.columns = max(self.columns, _widest(window))
        if self.digits < 6 and not _MANY_DIGITS.search(window):
            found = (n for n, p in _ROW_DIGITS.items() if self.digits < n < 6 and p.search(window))
        else:
            found = (n for n, p in _ROW_DIGITS.items() if n > self.digits and p.search(window))
        self.digits = max(self.digits, next(found, 0))

    @property
    def regular(self) -> bool:
        """Whether :meth:`bound` holds (see the class docstring)."""
        return not self.odd and not self.errors

    def bound(self) -> int:
        """At least the cells from A1 to the furthest cell (when :attr:`regular`)."""
        return (10 ** self.digits - 1) * self.columns


def _widest(window: bytes) -> int:
    """At least the widest column (1-based) referenced in ``window``: exact from AA on,
    26 for columns A..Z (0 for none), without listing every cell of a narrow sheet."""
    if _WIDE.search(window):
        for pattern in _COLUMNS.values():
            found = pattern.findall(window)
            if found:
                value = 0
                for char in max(found):
                    value = value * 26 + char - 64
                return value
    return 26 if _NARROW.search(window) else 0


def check_zip(path: Path, label: str, kind: str = "workbook") -> ZipFacts:
    """Check a workbook or Word document before a library opens it: a real zip, at most
    :data:`~chronos.limits.MAX_ZIP_MEMBERS` parts, :data:`~chronos.limits.MAX_ZIP_UNCOMPRESSED`
    bytes unzipped, no part compressed more than :data:`~chronos.limits.MAX_ZIP_RATIO` times,
    and every XML part passing :class:`XmlScan`."""
    with open_regular(path, label) as handle:
        try:
            archive = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise SourceError(f"this {kind} is not a complete zip file ({_zip_reason(exc)})",
                              file=label, hint=f"is it really a .{_ext(kind)}? it may be "
                              "truncated, renamed or an older format: open and re-save it")
        with archive:
            facts = _check_members(archive, label, kind)
            for info in archive.infolist():
                if _is_xml(info.filename):
                    _scan_member(archive, info, label, kind, facts)
    return facts


def _ext(kind: str) -> str:
    return "docx" if kind == "Word document" else "xlsx"


def _zip_reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 120 else text[:117] + "..."


def _check_members(archive: zipfile.ZipFile, label: str, kind: str) -> ZipFacts:
    infos = archive.infolist()
    if len(infos) > limits.MAX_ZIP_MEMBERS:
        raise SourceError(f"this {kind} holds {len(infos):,} parts, more than "
                          f"{limits.MAX_ZIP_MEMBERS:,}", file=label)
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > CHUNK and ratio > limits.MAX_ZIP_RATIO:
            raise SourceError(f"part {info.filename} of this {kind} unzips {ratio:,.0f} times "
                              f"larger ({info.file_size:,} bytes): refused as a zip bomb",
                              file=label, hint=f"real files compress less than "
                              f"{limits.MAX_ZIP_RATIO} times")
        if total > limits.MAX_ZIP_UNCOMPRESSED:
            raise SourceError(f"this {kind} unzips to more than "
                              f"{limits.MAX_ZIP_UNCOMPRESSED:,} bytes", file=label,
                              hint="save the data as CSV, or split the file")
    return ZipFacts(members=len(infos), uncompressed=total)


def _is_xml(name: str) -> bool:
    return name.lower().endswith((".xml", ".rels", ".vml"))


def _scan_member(archive, info, label: str, kind: str, facts: ZipFacts) -> None:
    sheet = "worksheets/" in info.filename
    scan = XmlScan(label, info.filename, find_formulas=sheet)
    shape = SheetShape() if sheet else None
    try:
        with archive.open(info) as member:
            for chunk in read_chunks(member):
                scan.feed(chunk)
                if shape is not None:
                    shape.feed(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError,
            RuntimeError, zipfile.LargeZipFile) as exc:
        raise SourceError(f"part {info.filename} of this {kind} cannot be unzipped "
                          f"({_zip_reason(exc)})", file=label,
                          hint="the file may be truncated, damaged or encrypted") from None
    scan.close()
    if scan.formulas:
        facts.formulas.add(info.filename)
    if shape is not None:
        facts.shapes[info.filename] = shape.close()


# --------------------------------------------------------------------------- JSON

class JsonLimit(SourceError):
    """JSON over a limit (``code``: ``json.too_deep`` or ``json.number_too_long``): an
    error for a whole document, a quarantined line in NDJSON."""

    def __init__(self, code: str, message: str, **where):
        self.code = code
        super().__init__(message, **where)


class _TooManyDigits(ValueError):
    pass


def _int(text: str) -> int:
    if len(text.lstrip("-")) > limits.MAX_NUMBER_DIGITS:
        raise _TooManyDigits(text)
    return int(text)


def load_json(text: str, label: str, *, row: str | None = None) -> Any:
    """``json.loads`` with named errors: nesting deeper than
    :data:`~chronos.limits.MAX_JSON_DEPTH` and numbers longer than
    :data:`~chronos.limits.MAX_NUMBER_DIGITS` digits raise :class:`SourceError` (naming
    ``row``, e.g. ``line 12``); malformed JSON raises ``json.JSONDecodeError`` as before."""
    import json

    try:
        data = json.loads(text, parse_int=_int)
    except _TooManyDigits as exc:
        raise JsonLimit("json.number_too_long", f"a number with "
                        f"{len(str(exc).lstrip('-')):,} digits, "
                        f"more than {limits.MAX_NUMBER_DIGITS:,}", file=label,
                        row=row or _line_of(text, str(exc))) from None
    except RecursionError:
        raise _too_deep(label, row) from None
    except ValueError as exc:
        if isinstance(exc, json.JSONDecodeError):
            raise
        raise SourceError(f"cannot read a value: {str(exc)[:120]}", file=label, row=row) from None
    check_depth(data, label, row)
    return data


def _too_deep(label: str, row: str | None) -> JsonLimit:
    return JsonLimit("json.too_deep", f"JSON nested more than {limits.MAX_JSON_DEPTH} levels "
                     "deep", file=label, row=row, hint="a FHIR resource nests about ten "
                     "levels; this file is damaged or not FHIR")


def _line_of(text: str, needle: str) -> str | None:
    where = text.find(needle[:64])
    return f"line {text.count(chr(10), 0, where) + 1}" if where >= 0 else None


def check_depth(data: Any, label: str, row: str | None = None) -> None:
    """Refuse ``data`` (decoded JSON) nested deeper than :data:`~chronos.limits.MAX_JSON_DEPTH`."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limits.MAX_JSON_DEPTH:
            raise _too_deep(label, row)
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values() if isinstance(v, (dict, list)))
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value if isinstance(v, (dict, list)))


# --------------------------------------------------------------------------- text

def check_lines(chunks: Iterable[bytes], label: str, limit: int | None = None) -> None:
    """Refuse a text file with a line longer than ``limit`` bytes (default
    :data:`~chronos.limits.MAX_LINE_BYTES`; streaming, in C: a line ends at LF or CR)."""
    limit = limits.MAX_LINE_BYTES if limit is None else limit
    last, offset, lines = -1, 0, 1          # last line end seen, chunk start, line there
    for chunk in chunks:
        returns = b"\r" in chunk
        ends = chunk.replace(b"\r", b"\n") if returns else chunk
        end = offset + len(ends)
        while True:
            high = last + limit + 2          # a line end must come before this offset
            found = ends.rfind(b"\n", max(last + 1, offset) - offset, min(high, end) - offset)
            if found == -1:
                if high <= end:
                    _line_too_long(label, lines + _line_ends(chunk, max(last + 1 - offset, 0)),
                                   limit)
                break
            last = offset + found
        lines += _line_ends(chunk, len(chunk)) if returns else chunk.count(b"\n")
        offset = end


def _line_ends(data: bytes, stop: int) -> int:
    return data.count(b"\n", 0, stop) + data.count(b"\r", 0, stop) \
        - data.count(b"\r\n", 0, stop)


def _line_too_long(label: str, line: int, limit: int) -> None:
    raise SourceError(f"line {line} is longer than {limit:,} bytes", file=label,
                      row=f"line {line}",
                      hint="no export writes lines this long: is it a text file?")


def long_cells(values) -> list[tuple[int, int]]:
    """``(position, length)`` of every cell longer than :data:`~chronos.limits.MAX_CELL_CHARS`."""
    return [(i, len(v)) for i, v in enumerate(values)
            if isinstance(v, str) and len(v) > limits.MAX_CELL_CHARS]


def clipped(value: str, keep: int = 200) -> str:
    """A long value shortened for a quarantine row: its start and its length."""
    return value if len(value) <= keep else f"{value[:keep]}... ({len(value):,} characters)"


def too_long_message(length: int) -> str:
    """The quarantine message for a cell over the limit."""
    return (f"the cell holds {length:,} characters, more than the "
            f"{limits.MAX_CELL_CHARS:,} chronos reads in one cell")
