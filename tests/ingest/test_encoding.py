"""The per-file encoding policy: every replaced byte named, never a silent whole-file
fallback; the streaming check decides as the whole-file one does."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chronos.errors import SourceError
from chronos.ingest.encoding import BadByte, StreamCheck, decode, prefer_utf8

NAMES = "Zoë Brontë,Renée Café,Siân Jones\n"


def test_valid_utf8_and_boms():
    assert decode(NAMES.encode(), "f").encoding == "utf-8"
    assert decode(b"\xef\xbb\xbf" + NAMES.encode(), "f").text == NAMES
    utf16 = decode(NAMES.encode("utf-16"), "f")
    assert (utf16.encoding, utf16.text, utf16.bad) == ("utf-16", NAMES, [])


def test_one_bad_byte_among_utf8_names_keeps_utf8_and_names_the_byte():
    data = (NAMES * 3).encode() + b"Jade \xff Smith\n" + NAMES.encode()
    decoded = decode(data, "people.csv")
    assert decoded.encoding == "utf-8"
    assert decoded.text.count("Zoë") == 4 and "Jade \ufffd Smith" in decoded.text
    assert decoded.bad == [BadByte(data.index(b"\xff"), 0xFF, 4)]
    issues = decoded.placed_issues("people.csv", [1, 2, 3, 4, 5],
                                   [line.split(",") for line in decoded.text.splitlines()])
    assert [(i.code, i.source_ref, i.column, i.value) for i in issues] == [
        ("encoding.invalid_byte", "line 4", "column 1", "Jade \ufffd Smith")]
    assert "byte 0xFF on line 4" in issues[0].message


def test_a_file_that_is_not_utf8_as_a_whole_is_cp1252_with_the_first_byte_named():
    data = "Name\nZoë\nCafé £5\n".encode("cp1252")
    decoded = decode(data, "f.csv")
    assert (decoded.encoding, decoded.text) == ("cp1252", "Name\nZoë\nCafé £5\n")
    assert decoded.fallback == BadByte(7, 0xEB, 2)
    assert [i.code for i in decoded.issues("f.csv")] == ["encoding.not_utf8"]
    assert "byte 0xEB on line 2" in decoded.issues("f.csv")[0].message


def test_bytes_cp1252_does_not_define_are_named_too():
    decoded = decode(b"a\nGP \x81 clinic\n", "f.csv")
    assert decoded.encoding == "cp1252" and decoded.bad == [BadByte(5, 0x81, 2)]


def test_a_requested_encoding_is_used_and_an_unknown_one_refused():
    assert decode("Zoë".encode("latin-1"), "f", "latin-1").text == "Zoë"
    with pytest.raises(SourceError, match="unknown encoding 'klingon'"):
        decode(b"x", "f", "klingon")


def test_the_cap_counts_the_rest(monkeypatch):
    from chronos.ingest import encoding

    monkeypatch.setattr(encoding, "BYTE_WARNING_CAP", 2)
    decoded = decode("ë".encode() * 10 + b"\xff\xfe\xfd\n", "f")
    assert decoded.bad_count == 3 and len(decoded.bad) == 2
    assert "1 more bytes" in decoded.issues("f")[-1].message


def test_prefer_utf8():
    assert prefer_utf8(1, 1) and prefer_utf8(5, 2)
    assert not prefer_utf8(0, 1) and not prefer_utf8(2, 3)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from([b"a", b"\n", b"\xc3\xab", b"\xff", b"\xe9", b"\r\n", b","]),
                max_size=40), st.integers(1, 7))
def test_streaming_decides_as_the_whole_file_does(parts, size):
    data = b"".join(parts)
    whole = decode(data, "f")
    blocks = [data[i:i + size] for i in range(0, len(data), size)]
    check = StreamCheck("utf-8", "f")
    for block in blocks:
        check.feed(block)
    check.feed(b"", final=True)
    streamed = check.decided(blocks)
    if whole.encoding == "utf-8":
        assert streamed.bad == whole.bad and streamed.bad_count == whole.bad_count
    else:
        assert not prefer_utf8(check.valid, check.recorder.count)
