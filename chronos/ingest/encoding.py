"""Deciding how a text export is decoded, per file, and naming every byte that did not fit.

The policy (docs/formats.md, "Encodings"):

1. An encoding given in the manifest or mapping (``encoding: cp1252``) is used.
2. A byte-order mark decides: UTF-8 (``utf-8-sig``) or UTF-16.
3. A file that is valid UTF-8 is UTF-8.
4. A file that holds valid UTF-8 characters (``ë`` written as two bytes) and no more
   bytes that are not UTF-8 than that is UTF-8 with a few damaged bytes: it is decoded as
   UTF-8, each damaged byte becomes U+FFFD (``�``), visible in the output, and a warning
   names the byte, its line and, where the reader knows them, its row and column. One bad
   byte no longer turns every ``Zoë`` in the file into ``ZoÃ«``.
5. Otherwise the file as a whole is not UTF-8: it is decoded as Windows-1252 (cp1252,
   what Excel on Windows writes), with a warning naming the first byte that is not UTF-8.
   Bytes that cp1252 does not define (0x81, 0x8D, 0x8F, 0x90, 0x9D) become U+FFFD, each
   with a warning.

Nothing is decoded wrong silently: every replaced byte is reported (the first
:data:`BYTE_WARNING_CAP` one by one, the rest counted).
"""

from __future__ import annotations

import bisect
import codecs
from dataclasses import dataclass, field
from typing import Iterable, NamedTuple

from chronos.errors import Issue, SourceError

#: Undecodable bytes reported one by one per file; the rest are counted in one warning.
BYTE_WARNING_CAP = 200
_HANDLER = "chronos-record"


class BadByte(NamedTuple):
    """A byte that did not decode: where it is in the file, its value, its line."""

    offset: int
    byte: int
    line: int


@dataclass
class Decoded:
    """How a file was decoded: its text (unless not kept), the codec, the bad bytes."""

    text: str
    encoding: str                                        # codec name as Python knows it
    bad: list[BadByte] = field(default_factory=list)    # the first BYTE_WARNING_CAP
    bad_count: int = 0                                   # how many were replaced in all
    fallback: BadByte | None = None                      # first non-UTF-8 byte (cp1252)

    @property
    def errors(self) -> str:
        """``strict`` when every byte decoded, else ``replace``."""
        return "replace" if self.bad_count else "strict"

    def issues(self, label: str) -> list[Issue]:
        """The file-level warnings: the cp1252 fallback and the count beyond the cap
        (the per-byte warnings come from :meth:`byte_issue`, placed by the reader)."""
        out = []
        if self.fallback is not None:
            out.append(Issue("encoding.not_utf8", (
                f"the file is not UTF-8 (byte 0x{self.fallback.byte:02X} on line "
                f"{self.fallback.line} is the first that is not): read as {self.encoding}"),
                source_file=label))
        if self.bad_count > len(self.bad):
            out.append(Issue("encoding.invalid_byte", (
                f"{self.bad_count - len(self.bad):,} more bytes could not be decoded as "
                f"{self.encoding}; they show as \ufffd"), source_file=label))
        return out

    def byte_issue(self, bad: BadByte, label: str, ref: str = "", column: str = "",
                   value: str = "") -> Issue:
        """The warning for one bad byte (``ref``/``column``/``value`` where known)."""
        return Issue("encoding.invalid_byte", (
            f"byte 0x{bad.byte:02X} on line {bad.line} cannot be decoded as {self.encoding}; "
            "it shows as \ufffd"), source_file=label, source_ref=ref or f"line {bad.line}",
            column=column, value=value)

    def placed_issues(self, label: str, starts: list[int], rows) -> list[Issue]:
        """:meth:`issues`, then a warning per bad byte placed in its row and column
        (:meth:`place`)."""
        return self.issues(label) + self.place(self.bad, label, starts, rows)

    def place(self, bad: list[BadByte], label: str, starts: list[int], rows) -> list[Issue]:
        """A warning per byte of ``bad``, placed in its row and column: ``starts`` is the
        line each row starts on (ascending), ``rows`` the rows (lists of cell texts, or a
        callable giving row ``i``'s ``(ref, {column: text})``). A byte above the first
        row is named by its line."""
        out = []
        for byte in bad:
            index = bisect.bisect_right(starts, byte.line) - 1
            if index < 0:
                out.append(self.byte_issue(byte, label))
                continue
            ref, cells = rows(index) if callable(rows) else (
                f"line {starts[index]}",
                {f"column {i + 1}": c for i, c in enumerate(rows[index])})
            column = next((name for name, text in cells.items()
                           if isinstance(text, str) and "\ufffd" in text), "")
            out.append(self.byte_issue(byte, label, ref, column, cells.get(column, "") or ""))
        return out


class _Recorder:
    """A codec error handler that notes each undecodable byte (the first ones kept)."""

    def __init__(self, base: int = 0):
        self.base = base            # offset in the file of the decoder's input
        self.offsets: list[tuple[int, int]] = []
        self.count = 0

    def __call__(self, exc: UnicodeDecodeError):
        for position in range(exc.start, exc.end):
            self.count += 1
            if len(self.offsets) < BYTE_WARNING_CAP:
                self.offsets.append((self.base + position, exc.object[position]))
        return "\ufffd" * (exc.end - exc.start), exc.end


_current: list[_Recorder] = []


def _dispatch(exc):
    return _current[-1](exc)


codecs.register_error(_HANDLER, _dispatch)


def _recording(recorder: _Recorder, func, *args):
    _current.append(recorder)
    try:
        return func(*args)
    finally:
        _current.pop()


def decode(data: bytes, label: str, requested: str | None = "auto", *,
           keep_text: bool = True) -> Decoded:
    """Decode a text file by the policy of this module. With ``keep_text=False`` the
    decision and the bad bytes are found but the text is not kept (for a reader that
    decodes on its own, such as pandas)."""
    if requested not in (None, "", "auto"):
        return _decode_as(data, label, str(requested), keep_text)
    if data.startswith(codecs.BOM_UTF8):
        return _decode_as(data, label, "utf-8-sig", keep_text)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode_as(data, label, "utf-16", keep_text)
    if is_utf8(data):
        return Decoded(data.decode("utf-8") if keep_text else "", "utf-8")
    recorder = _Recorder()
    text = _recording(recorder, data.decode, "utf-8", _HANDLER)
    if prefer_utf8(_non_ascii(text) - text.count("\ufffd"), recorder.count):
        return Decoded(text if keep_text else "", "utf-8", _lines(data, recorder.offsets),
                       recorder.count)
    del text
    first = _lines(data, recorder.offsets[:1])
    decoded = _decode_as(data, label, "cp1252", keep_text)
    decoded.fallback = first[0] if first else None
    return decoded


def prefer_utf8(valid: int, invalid: int) -> bool:
    """The policy's choice for a file that is not all valid UTF-8: UTF-8 when it holds
    valid non-ASCII UTF-8 characters and no more invalid bytes than those."""
    return valid > 0 and valid >= invalid


def _decode_as(data: bytes, label: str, encoding: str, keep_text: bool = True) -> Decoded:
    check_codec(encoding, label)
    recorder = _Recorder()
    text = _recording(recorder, data.decode, encoding, _HANDLER)
    return Decoded(text if keep_text else "", encoding, _lines(data, recorder.offsets),
                   recorder.count)


def check_codec(encoding: str, label: str) -> None:
    """Refuse an encoding name Python does not know."""
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise SourceError(f"unknown encoding {encoding!r}", file=label,
                          hint="use a Python codec name such as utf-8, cp1252 or latin-1") \
            from None


def _lines(data: bytes, offsets: list[tuple[int, int]]) -> list[BadByte]:
    """The bad bytes with their line numbers (one pass over the file)."""
    out, line, last = [], 1, 0
    for offset, byte in sorted(offsets):
        line += data.count(b"\n", last, offset)
        last = offset
        out.append(BadByte(offset, byte, line))
    return out


def _non_ascii(text: str) -> int:
    """Characters above U+007F in ``text`` (counted in C)."""
    return len(text) - len(text.encode("ascii", "ignore"))


class StreamCheck:
    """:func:`decode`'s decision for a file read in blocks (never held whole): feed the
    blocks, then :meth:`result` (no text kept)."""

    def __init__(self, encoding: str, label: str):
        check_codec(encoding, label)
        self.encoding = encoding
        self.decoder = codecs.getincrementaldecoder(encoding)(_HANDLER)
        self.recorder = _Recorder()
        self.valid = 0
        self.offset = 0

    def feed(self, block: bytes, final: bool = False) -> None:
        """Decode the next block."""
        pending = len(getattr(self.decoder, "buffer", b"") or b"")
        self.recorder.base = self.offset - pending
        text = _recording(self.recorder, self.decoder.decode, block, final)
        self.valid += _non_ascii(text) - text.count("\ufffd")
        self.offset += len(block)

    def bad_bytes(self, blocks: Iterable[bytes]) -> list[BadByte]:
        """The recorded bad bytes with their lines (``blocks``: the file again, read only
        as far as the last recorded byte, and only when there is one)."""
        wanted = iter(sorted(self.recorder.offsets))
        after = next(wanted, None)
        out, line, position = [], 1, 0
        for block in blocks:
            if after is None:
                break
            end, start = position + len(block), 0
            while after is not None and after[0] < end:
                line += block.count(b"\n", start, after[0] - position)
                start = after[0] - position
                out.append(BadByte(after[0], after[1], line))
                after = next(wanted, None)
            line += block.count(b"\n", start)
            position = end
        return out

    def decided(self, blocks: Iterable[bytes]) -> Decoded:
        """The :class:`Decoded` (without text) once every block was fed."""
        return Decoded("", self.encoding, self.bad_bytes(blocks), self.recorder.count)


def is_utf8(data: bytes) -> bool:
    """True when ``data`` is valid UTF-8 (Arrow's validator first: several times faster
    than decoding; Python's decoder has the last word on a rejection)."""
    import array

    import pyarrow as pa

    offsets = pa.py_buffer(array.array("q", [0, len(data)]))
    whole = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        whole.cast(pa.large_string())  # validates in place: no copy of the file
        return True
    except (pa.ArrowInvalid, pa.ArrowException):
        pass
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
