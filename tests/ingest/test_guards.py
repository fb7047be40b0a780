"""The checks readers make before parsing: XML (DTD anywhere, text and token length,
formulas), zips (not a zip, bombs, size, parts), JSON (depth, digits), line length."""

from __future__ import annotations

import json
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chronos import limits
from chronos.errors import SourceError
from chronos.ingest.guards import (JsonLimit, check_lines, check_zip, clipped, load_json,
                                   long_cells, scan_xml)


def chunked(data: bytes, size: int) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)] or [b""]


def scan(data: bytes, size: int = 7, **kw):
    return scan_xml(chunked(data, size), "f.xml", **kw)


DTD = b'<!DOCTYPE Message [<!ENTITY a "aaaa">]>'


@pytest.mark.parametrize("size", [1, 2, 5, 64, 65536])
def test_a_dtd_after_a_long_comment_is_found_whatever_the_chunks(size):
    data = b'<?xml version="1.0"?>\n<!-- ' + b"p" * 100_000 + b" -->\n" + DTD + b"<Message/>"
    with pytest.raises(SourceError, match="DOCTYPE") as raised:
        scan(data, size)
    assert raised.value.row == "line 3"


@pytest.mark.parametrize("prefix", [b"<!ENTITY", b"<!ELEMENT", b"<!ATTLIST", b"<!doctype"])
def test_any_declaration_is_refused(prefix):
    with pytest.raises(SourceError, match="DOCTYPE"):
        scan(b"<a>" + prefix + b" x></a>")


def test_comments_cdata_and_instructions_with_angles_pass():
    data = (b'<?xml version="1.0"?><?pi <a>?><!-- a < b > c --><a><![CDATA[<<x>> & <!DOCTYPE]]>'
            b"</a>")
    assert not scan(data, 3).formulas


def test_a_utf16_dtd_is_found():
    with pytest.raises(SourceError, match="DOCTYPE"):
        scan(('<?xml version="1.0" encoding="UTF-16"?>' + DTD.decode() + "<a/>")
             .encode("utf-16"), 5)
    assert scan('<?xml version="1.0" encoding="UTF-16"?><a>ë</a>'.encode("utf-16-le"), 3)


def test_text_between_tags_is_bounded_exactly(monkeypatch):
    monkeypatch.setattr(limits, "MAX_XML_TEXT_BYTES", 100)
    # the limit is on the bytes between two '<': here "a>" and the text
    for body, ok in ((b"x" * 98, True), (b"x" * 99, False)):
        data = b"<a>" + body + b"</a>"
        if ok:
            scan_xml(chunked(data, 13), "f.xml", limit=100)
        else:
            with pytest.raises(SourceError, match="text longer than 100 bytes"):
                scan_xml(chunked(data, 13), "f.xml", limit=100)
    with pytest.raises(SourceError, match="text longer"):   # text after the last tag
        scan_xml([b"<a/>" + b"y" * 200], "f.xml", limit=100)
    with pytest.raises(SourceError, match="comment, CDATA"):
        scan_xml(chunked(b"<a><!--" + b"<" * 200 + b"--></a>", 9), "f.xml", limit=100)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([b"<a>", b"</a>", b"text", b"<!-- c -->", b"<![CDATA[x]]>",
                                 b"<?p?>", b"\n", b"&amp;"]), max_size=30),
       st.integers(1, 20), st.booleans())
def test_chunking_never_changes_the_verdict(parts, size, with_dtd):
    data = b"".join(parts) + (DTD if with_dtd else b"")
    whole, pieces = _verdict([data]), _verdict(chunked(data, size))
    assert whole == pieces == ("refused" if with_dtd else "ok")


def _verdict(chunks):
    try:
        scan_xml(chunks, "f.xml")
        return "ok"
    except SourceError:
        return "refused"


def test_formulas_are_noticed_only_where_asked():
    from chronos.ingest.guards import XmlScan

    for tag in (b"<c><f>A1+1</f></c>", b"<x:c><x:f>SUM(A1)</x:f></x:c>"):
        scan_ = XmlScan("b.xlsx", "sheet1.xml", find_formulas=True)
        for piece in chunked(b"<sheetData>" + tag + b"</sheetData>", 3):
            scan_.feed(piece)
        assert scan_.close().formulas
    assert not scan(b"<c><f>A1</f></c>").formulas


# --------------------------------------------------------------------------- zips

def _zip(path, parts: dict, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def test_a_file_that_is_not_a_zip_is_named(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_text("Date,Event\n")
    with pytest.raises(SourceError, match="not a complete zip") as raised:
        check_zip(path, "a.xlsx")
    assert raised.value.file == "a.xlsx"
    whole = _zip(tmp_path / "w.xlsx", {"xl/worksheets/sheet1.xml": b"<a/>" * 1000})
    data = whole.read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(data[:len(data) // 2])
    with pytest.raises(SourceError, match="zip"):
        check_zip(tmp_path / "cut.xlsx", "cut.xlsx")


def test_zip_bombs_and_sizes_are_refused(tmp_path, monkeypatch):
    bomb = _zip(tmp_path / "b.xlsx", {"xl/worksheets/sheet1.xml": b"<a>" + b" " * (8 << 20)
                                      + b"</a>"})
    with pytest.raises(SourceError, match="zip bomb"):
        check_zip(bomb, "b.xlsx")
    small = _zip(tmp_path / "s.xlsx", {"a.xml": b"<a/>", "b.xml": b"<b/>" * 100})
    assert check_zip(small, "s.xlsx").members == 2
    monkeypatch.setattr(limits, "MAX_ZIP_MEMBERS", 1)
    with pytest.raises(SourceError, match="2 parts"):
        check_zip(small, "s.xlsx")
    monkeypatch.setattr(limits, "MAX_ZIP_MEMBERS", 10)
    monkeypatch.setattr(limits, "MAX_ZIP_UNCOMPRESSED", 100)
    with pytest.raises(SourceError, match="unzips to more than 100 bytes"):
        check_zip(small, "s.xlsx")


def test_xml_parts_are_scanned(tmp_path):
    path = _zip(tmp_path / "d.docx", {"word/document.xml": b"<?xml version='1.0'?>" + DTD
                                      + b"<w:document/>", "media/a.png": b"\x89PNG" * 10})
    with pytest.raises(SourceError, match="word/document.xml XML with a DOCTYPE"):
        check_zip(path, "d.docx", "Word document")
    sheet = _zip(tmp_path / "f.xlsx", {"xl/worksheets/sheet1.xml": b"<c><f>1+1</f></c>",
                                       "xl/styles.xml": b"<f>x</f>"})
    assert check_zip(sheet, "f.xlsx").formulas == {"xl/worksheets/sheet1.xml"}


# --------------------------------------------------------------------------- JSON

def test_json_depth_is_bounded_exactly(monkeypatch):
    monkeypatch.setattr(limits, "MAX_JSON_DEPTH", 5)
    assert load_json("[[[[[1]]]]]", "f.json") == [[[[[1]]]]]
    with pytest.raises(JsonLimit, match="nested more than 5") as raised:
        load_json('{"a": [[[[[1]]]]]}', "f.json", row="line 3")
    assert (raised.value.code, raised.value.row) == ("json.too_deep", "line 3")


def test_json_deeper_than_python_recurses_is_named():
    with pytest.raises(JsonLimit, match="nested"):
        load_json("[" * 100_000 + "]" * 100_000, "f.json")


def test_json_numbers_are_bounded(monkeypatch):
    text = '{"a": 1,\n "b": -' + "9" * 1001 + "}"
    with pytest.raises(JsonLimit, match="1,001 digits") as raised:
        load_json(text, "f.json")
    assert raised.value.code == "json.number_too_long" and raised.value.row == "line 2"
    assert load_json('{"n": ' + "9" * 1000 + ', "f": 1' + "0" * 5000 + ".5}", "f.json")["n"] \
        == int("9" * 1000)
    with pytest.raises(json.JSONDecodeError):
        load_json('{"a": ', "f.json")


# --------------------------------------------------------------------------- lines, cells

@pytest.mark.parametrize("ending", [b"\n", b"\r\n", b"\r"])
def test_line_length_is_bounded_exactly(ending):
    ok = b"a" * 10 + ending + b"b" * 10 + ending
    check_lines(chunked(ok, 3), "f.csv", limit=10)
    bad = ok + b"c" * 11 + ending + b"d"
    with pytest.raises(SourceError, match="line 3 is longer than 10 bytes") as raised:
        check_lines(chunked(bad, 3), "f.csv", limit=10)
    assert raised.value.row == "line 3"
    with pytest.raises(SourceError, match="line 1"):
        check_lines(chunked(b"x" * 11, 4), "f.csv", limit=10)


def test_long_cells_and_clipped_values(monkeypatch):
    monkeypatch.setattr(limits, "MAX_CELL_CHARS", 5)
    assert long_cells(["abc", None, "abcdef", 12, "abcde"]) == [(2, 6)]
    assert clipped("x" * 300) == "x" * 200 + "... (300 characters)"
    assert clipped("short") == "short"


# --- SheetShape: how far a worksheet's cells reach ---------------------------------------

def _shape(xml: bytes, chunk: int = 1 << 20):
    from chronos.ingest.guards import SheetShape

    shape = SheetShape()
    for start in range(0, len(xml), chunk):
        shape.feed(xml[start:start + chunk])
    return shape.close()


def _sheet_xml(cells: list[str]) -> bytes:
    rows = "".join(f'<row r="{i}">{c}</row>' for i, c in enumerate(cells, 1))
    return (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<sheetData>' + rows.encode() + b"</sheetData></worksheet>")


@pytest.mark.parametrize("chunk", [1 << 20, 7, 3])
def test_sheet_shape_bounds_the_grid_whatever_the_chunks(chunk):
    plain = _sheet_xml(['<c r="A1" t="s"><v>0</v></c><c r="AB1"><v>2</v></c>',
                        '<c r="C1234"><v>1</v></c>'])
    shape = _shape(plain, chunk)
    assert shape.regular and shape.columns == 28 and shape.digits == 4
    assert shape.bound() == 9999 * 28 >= 1234 * 28
    far = _shape(_sheet_xml(['<c r="A1"><v>1</v></c><c r="XFD1048576"><v>1</v></c>']), chunk)
    assert far.regular and far.bound() >= 1048576 * 16384


@pytest.mark.parametrize("cell", [
    '<c><v>1</v></c>',                         # no reference: placed by counting
    '<c s="1" r="A1"><v>1</v></c>',            # the reference not first
    '<c r="AAAA1"><v>1</v></c>',               # beyond column XFD
    '<c r="A123456789"><v>1</v></c>',          # beyond row 1048576's digits
    '<c r="a1"><v>1</v></c>',                  # not a reference Excel writes
    '<x:c r="A1"><x:v>1</x:v></x:c>',          # a prefixed element
    '<c r="A1" t="e"><v>#N/A</v></c>',         # an error value
])
def test_sheet_shape_sends_anything_unusual_to_the_careful_reader(cell):
    assert not _shape(_sheet_xml([cell]), 5).regular


def _reference_shape(xml: bytes) -> tuple[bool, int, int]:
    """(regular, columns, digits) of a whole sheet by the definition of SheetShape:
    every reference found at once, without chunks or shortcuts."""
    import re

    from chronos.ingest.guards import _ODD_CELL, _PREFIXED

    regular = not (_ODD_CELL.search(xml) or _PREFIXED.search(xml) or b' t="e"' in xml)
    refs = re.findall(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"', xml)
    widest = 0
    for letters, _ in refs:
        value = 0
        for char in letters:
            value = value * 26 + char - 64
        widest = max(widest, value)
    columns = widest if widest > 26 else (26 if refs else 0)
    return regular, columns, max((len(d) for _, d in refs), default=0)


@pytest.mark.parametrize("seed", range(12))
def test_sheet_shape_agrees_with_the_whole_sheet_whatever_the_cells_and_chunks(seed):
    import random

    rng = random.Random(seed)
    mixed = seed % 2   # else only the common cells: A..Z, rows of up to 5 digits
    columns = ["A", "Z", "B", "AA", "AZ", "XFD", "ZZ"]
    cells = []
    for _ in range(rng.randint(1, 300)):
        col = rng.choice(columns if mixed and rng.random() < 0.1 else columns[:3])
        row = rng.choice([rng.randint(1, 99999), rng.randint(1, 9), rng.randint(100000, 1048576)]
                         if mixed and rng.random() < 0.1 else
                         [rng.randint(1, 99999), rng.randint(1, 99), rng.randint(1, 9999)])
        cell = f'<c r="{col}{row}"><v>1</v></c>'
        if mixed and rng.random() < 0.02:
            cell = rng.choice(['<c><v>1</v></c>', '<c s="1" r="A1"><v>1</v></c>',
                               '<c r="a1"><v>1</v></c>', '<c r="A1" t="e"><v>#N/A</v></c>'])
        cells.append(cell)
    xml = _sheet_xml(cells)
    expected = _reference_shape(xml)
    for chunk in (rng.randint(3, 40), rng.randint(40, 400), 1 << 20):
        shape = _shape(xml, chunk)
        assert (shape.regular, shape.columns, shape.digits) == expected, chunk
