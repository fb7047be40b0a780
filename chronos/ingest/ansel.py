"""A decoder for ANSEL (ANSI Z39.47), the character set of older GEDCOM files.

ANSEL is ASCII plus spacing letters (0xA1-0xC8: Ł, Ø, Æ, ß ...) and combining diacritics
(0xE0-0xFE) that come *before* the letter they modify, where Unicode puts them after. The
decoder moves each diacritic after its base letter and composes the result (NFC), so
``0xE2 e`` becomes ``é``. Bytes with no meaning in ANSEL become U+FFFD and are counted, so
the caller can report them.
"""

from __future__ import annotations

import unicodedata

SPACING = {
    0x88: "", 0x89: "", 0x8D: "\u200d", 0x8E: "\u200c",
    0xA1: "Ł", 0xA2: "Ø", 0xA3: "Đ", 0xA4: "Þ", 0xA5: "Æ", 0xA6: "Œ", 0xA7: "ʹ", 0xA8: "·",
    0xA9: "♭", 0xAA: "®", 0xAB: "±", 0xAC: "Ơ", 0xAD: "Ư", 0xAE: "ʼ", 0xB0: "ʻ", 0xB1: "ł",
    0xB2: "ø", 0xB3: "đ", 0xB4: "þ", 0xB5: "æ", 0xB6: "œ", 0xB7: "ʺ", 0xB8: "ı", 0xB9: "£",
    0xBA: "ð", 0xBC: "ơ", 0xBD: "ư", 0xBE: "□", 0xBF: "■", 0xC0: "°", 0xC1: "ℓ", 0xC2: "℗",
    0xC3: "©", 0xC4: "♯", 0xC5: "¿", 0xC6: "¡", 0xC7: "ß", 0xC8: "€", 0xCD: "e", 0xCE: "o",
    0xCF: "ß",
}

COMBINING = {
    0xE0: "\u0309", 0xE1: "\u0300", 0xE2: "\u0301", 0xE3: "\u0302", 0xE4: "\u0303",
    0xE5: "\u0304", 0xE6: "\u0306", 0xE7: "\u0307", 0xE8: "\u0308", 0xE9: "\u030c",
    0xEA: "\u030a", 0xEB: "\ufe20", 0xEC: "\ufe21", 0xED: "\u0315", 0xEE: "\u030b",
    0xEF: "\u0310", 0xF0: "\u0327", 0xF1: "\u0328", 0xF2: "\u0323", 0xF3: "\u0324",
    0xF4: "\u0325", 0xF5: "\u0333", 0xF6: "\u0332", 0xF7: "\u0326", 0xF8: "\u031c",
    0xF9: "\u032e", 0xFA: "\ufe22", 0xFB: "\ufe23", 0xFE: "\u0313",
}


def decode_ansel(data: bytes) -> tuple[str, int]:
    """ANSEL bytes as text, and the number of bytes that could not be decoded."""
    if data.isascii():
        return data.decode("ascii"), 0
    texts, bad = [], 0
    for line in data.split(b"\n"):          # only lines with high bytes take the slow path
        text, count = (line.decode("ascii"), 0) if line.isascii() else _decode_line(line)
        texts.append(text)
        bad += count
    return "\n".join(texts), bad


def _decode_line(data: bytes) -> tuple[str, int]:
    out: list[str] = []
    pending: list[str] = []      # diacritics waiting for their base letter
    bad = 0
    for byte in data:
        if byte in COMBINING:
            pending.append(COMBINING[byte])
            continue
        if byte < 0x80:
            char = chr(byte)
        elif byte in SPACING:
            char = SPACING[byte]
        else:
            char, bad = "\ufffd", bad + 1
        if pending and char not in ("\n", "\r"):
            out.append(char + "".join(reversed(pending)))
        else:
            out.append("".join(pending) + char)
        pending = []
    out.extend(pending)
    return unicodedata.normalize("NFC", "".join(out)), bad


def encode_ansel(text: str) -> bytes:
    """Text as ANSEL bytes (for tests and fixtures); letters ANSEL lacks become '?'."""
    spacing = {char: byte for byte, char in SPACING.items() if char and byte >= 0xA1}
    combining = {char: byte for byte, char in COMBINING.items()}
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        if ord(char) < 0x80:
            out.append(ord(char))
        elif char in spacing:
            out.append(spacing[char])
        else:
            base, *marks = unicodedata.normalize("NFD", char)
            if ord(base) < 0x80 and marks and all(m in combining for m in marks):
                out.extend(combining[m] for m in reversed(marks))
                out.append(ord(base))
            else:
                out.append(ord("?"))
    return bytes(out)
