"""A hostile corpus of inputs, made on the fly (nothing big is committed).

Each :class:`Case` writes one case folder: a source file (or something that is not a
file), the ``case.yaml`` that names it and, where needed, a mapping. The damaged, hostile
and careless inputs of issue 13 and more: empty and binary files with a CSV name, a 2 MB
cell, a 200 MB line, unclosed quotes, broken encodings, BOMs, mixed line ends, JSON nested
100,000 deep, a 5,000-digit number, XML with a DTD (after a long comment, too), a zip bomb
named .xlsx, a workbook cell of many megabytes, a stale ``<dimension>``, unsaved
formulas, a Word document that is not a zip, 100,000 GEDCOM CONC lines, YAML alias bombs,
a manifest naming itself, devices, pipes, loops of links and files outside the case.

Big inputs are written in blocks (or compressed as they are written), so that making the
corpus costs far less than reading it. ``tests/test_hostile_inputs.py`` runs every case
through ``chronos inspect`` and ``chronos build``; ``benchmarks/bench_hostile.py``
measures them.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

MB = 1024 * 1024
CHRONOLOGY_HEADER = "Date,Agency,Event,Outcome\n"
ROW = "01/02/2020,GP,Child was not brought to the appointment,Letter sent\n"
MAPPING = """person: {id: NHS Number, name: Name, dob: DOB, nhs_number: NHS Number}
events:
  - {date: Date, type: {value: other}, summary: "{What}"}
"""
MAPPED_HEADER = "NHS Number,Name,DOB,Date,What\n"
MAPPED_ROW = "9434765919,Zoë Smith,03/04/2015,01/02/2020,Seen at clinic\n"


@dataclass
class Case:
    """One hostile input: ``make(folder)`` writes it and returns the source's path as the
    manifest names it; ``source`` extra keys go into the manifest's source entry."""

    name: str
    make: Callable[[Path], str]
    source: dict = field(default_factory=dict)
    manifest: Callable[[Path, str], str] | None = None   # writes its own case.yaml
    slow: bool = False
    inspect: bool = True          # also run ``chronos inspect`` on the source


def write_blocks(path: Path, blocks) -> None:
    """Write ``blocks`` (bytes or str) one after the other."""
    with open(path, "wb") as handle:
        for block in blocks:
            handle.write(block.encode() if isinstance(block, str) else block)


def repeat(text: str | bytes, total: int, block: int = MB):
    """``text`` repeated to about ``total`` bytes, in blocks."""
    unit = text.encode() if isinstance(text, str) else text
    piece = unit * max(1, block // len(unit))
    written = 0
    while written < total:
        yield piece
        written += len(piece)


def _text(name: str, content: str | bytes, **source) -> Case:
    def make(folder: Path) -> str:
        data = content.encode() if isinstance(content, str) else content
        (folder / name).write_bytes(data)
        return name
    return Case(name.replace(".", "_"), make, source)


def _mapped(name: str, content: bytes) -> Case:
    def make(folder: Path) -> str:
        (folder / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
        (folder / name).write_bytes(content)
        return name
    return Case(name.replace(".", "_"), make, {"format": "mapped", "mapping": "mapping.yaml"})


# --------------------------------------------------------------------------- text

def _long_line(folder: Path) -> str:
    write_blocks(folder / "long_line.csv", [CHRONOLOGY_HEADER, *repeat("x,", 200 * MB)])
    return "long_line.csv"


def _unclosed_big(folder: Path) -> str:
    write_blocks(folder / "unclosed_big.csv",
                 [CHRONOLOGY_HEADER, '01/01/2020,GP,"never closed,x\n', *repeat(ROW, 40 * MB)])
    return "unclosed_big.csv"


def _mapped_long_cell(folder: Path) -> str:
    (folder / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    write_blocks(folder / "notes.csv", [MAPPED_HEADER, MAPPED_ROW,
                                        "9434765919,Zoë Smith,03/04/2015,02/02/2020,",
                                        *repeat("note ", 3 * MB), "\n", MAPPED_ROW])
    return "notes.csv"


def _many_columns(folder: Path) -> str:
    write_blocks(folder / "wide.csv", [CHRONOLOGY_HEADER, *repeat("a,", 400_000, 1 << 16),
                                       "\n", ROW])
    return "wide.csv"


TEXT = [
    _text("empty.csv", b""),
    _text("header_only.csv", CHRONOLOGY_HEADER),
    _text("junk.csv", os.urandom(200_000)),
    _text("long_field.csv", CHRONOLOGY_HEADER + "01/02/2020,GP," + "x" * 2 * MB + ",ok\n" + ROW),
    Case("long_line", _long_line, slow=True),
    _text("unclosed.csv", CHRONOLOGY_HEADER + '01/02/2020,GP,"oops,x\n' + ROW * 1000),
    Case("unclosed_big", _unclosed_big),
    _mapped("unclosed_mapped.csv", (MAPPED_HEADER + '9434765919,"Zoë,03/04/2015,01/02/2020,x\n'
                                    + MAPPED_ROW * 100).encode()),
    _mapped("one_bad_byte.csv", (MAPPED_HEADER + MAPPED_ROW * 5).encode()
            + b"9434765919,Zo\xff Smith,03/04/2015,01/02/2020,x\n"),
    _mapped("cp1252.csv", (MAPPED_HEADER + MAPPED_ROW * 5).encode("cp1252")),
    _mapped("bom_utf8.csv", b"\xef\xbb\xbf" + (MAPPED_HEADER + MAPPED_ROW).encode()),
    _mapped("bom_utf16.csv", (MAPPED_HEADER + MAPPED_ROW * 3).encode("utf-16")),
    _text("bom_utf16_chronology.csv", (CHRONOLOGY_HEADER + ROW * 3).encode("utf-16")),
    _mapped("mixed_line_ends.csv", (MAPPED_HEADER + MAPPED_ROW + MAPPED_ROW.replace("\n", "\r\n")
                                    + MAPPED_ROW.replace("\n", "\r") + MAPPED_ROW).encode()),
    _text("nul_bytes.csv", (CHRONOLOGY_HEADER + ROW * 100).encode() + b"\x00" * 100 + b"\n"
          + ROW.encode()),
    _text("control_chars.csv", CHRONOLOGY_HEADER
          + "01/02/2020,GP,Seen\x01\x02\x07\x1b[31m red\x0b\x0c,=1+1\n"
          + '02/02/2020,GP,"X5\r=1+1",@SUM(A1)\n' + ROW),
    Case("mapped_long_cell", _mapped_long_cell, {"format": "mapped", "mapping": "mapping.yaml"}),
    Case("many_columns", _many_columns),
    _text("huge_number.csv", CHRONOLOGY_HEADER + "01/02/2020,GP," + "9" * 5000 + ",x\n"),
    _text("only_quotes.csv", '"' * 100_000),
    _text("crlf_only.csv", "\r\n" * 100_000),
]

# --------------------------------------------------------------------------- JSON

def _deep_json(folder: Path) -> str:
    depth = 100_000
    write_blocks(folder / "deep.json", ['{"resourceType":"Bundle","entry":[{"resource":',
                                        '{"resourceType":"Patient","x":', "[" * depth, "]" * depth,
                                        "}}]}"])
    return "deep.json"


def _deep_ndjson(folder: Path) -> str:
    deep = '{"resourceType":"Patient","x":' + "[" * 50_000 + "]" * 50_000 + "}\n"
    good = '{"resourceType":"Patient","id":"p1","birthDate":"2015-04-03"}\n'
    write_blocks(folder / "deep.ndjson", [good, deep * 20, good.replace("p1", "p2")])
    return "deep.ndjson"


JSON = [
    Case("deep_json", _deep_json),
    Case("deep_ndjson", _deep_ndjson),
    _text("bignum.json", '{"resourceType":"Patient","id":"p","multipleBirthInteger":'
          + "9" * 5000 + "}"),
    _text("bignum_float.json", '{"resourceType":"Patient","id":"p","x":1' + "0" * 5000 + ".5}"),
    _text("not_fhir.json", '{"hello": "world"}'),
    _text("truncated_bundle.json", '{"resourceType":"Bundle","entry":[{"resource":'
          '{"resourceType":"Patient","id":"p1"}},{"resource":{"resourceType":"Pat'),
    _text("json_junk.json", b"{" + os.urandom(50_000)),
    _text("nested_strings.json", '{"resourceType":"Patient","id":"p","text":{"div":"'
          + "\\u0000" * 100_000 + '"}}'),
]

# --------------------------------------------------------------------------- XML

CIN_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
CIN_BODY = ("<Message><Header><CollectionDetails><Collection>CIN</Collection></CollectionDetails>"
            "</Header><Children><Child><ChildIdentifiers><LAchildID>T1</LAchildID>"
            "<PersonBirthDate>2014-02-03</PersonBirthDate></ChildIdentifiers></Child>"
            "</Children></Message>\n")
LAUGHS = ('<!DOCTYPE Message [<!ENTITY a "aaaaaaaaaa">' + "".join(
    f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)) + "]>\n")


def _dtd_after_comment(folder: Path) -> str:
    write_blocks(folder / "late_dtd.xml", [CIN_HEAD, "<!-- ", *repeat("padding ", 300_000),
                                           " -->\n", LAUGHS, CIN_BODY.replace("T1", "&j;")])
    return "late_dtd.xml"


def _deep_xml(folder: Path) -> str:
    depth = 100_000
    write_blocks(folder / "deep.xml", [CIN_HEAD, "<Message><Children><Child>", "<a>" * depth,
                                       "</a>" * depth, "</Child></Children></Message>\n"])
    return "deep.xml"


def _xml_big_text(folder: Path) -> str:
    write_blocks(folder / "big_text.xml", [CIN_HEAD, "<Message><Children><Child><LAchildID>",
                                           *repeat("x", 20 * MB),
                                           "</LAchildID></Child></Children></Message>\n"])
    return "big_text.xml"


XML = [
    _text("laughs.xml", CIN_HEAD + LAUGHS + CIN_BODY.replace("T1", "&j;"), format="cin_census"),
    _text("xxe.xml", CIN_HEAD + '<!DOCTYPE Message [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
          + CIN_BODY.replace("T1", "&x;"), format="cin_census"),
    Case("late_dtd", _dtd_after_comment, {"format": "cin_census"}),
    Case("deep_xml", _deep_xml, {"format": "cin_census"}),
    Case("big_text_xml", _xml_big_text, {"format": "cin_census"}),
    _text("truncated.xml", (CIN_HEAD + CIN_BODY)[:200], format="cin_census"),
    _text("utf16.xml", (CIN_HEAD.replace("UTF-8", "UTF-16") + CIN_BODY).encode("utf-16"),
          format="cin_census"),
    _text("xml_junk.xml", b"<" + os.urandom(20_000), format="cin_census"),
]

# --------------------------------------------------------------------------- zips

SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns='
              '"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_TAIL = "</sheetData></worksheet>"


def _xlsx_parts(sheet_xml_blocks, sheet_name: str = "Sheet1") -> dict:
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    return {
        "[Content_Types].xml": (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlfor'
            'mats-package.relationships+xml"/><Default Extension="xml" ContentType="application'
            '/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxml'
            'formats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
            'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument'
            '.spreadsheetml.worksheet+xml"/></Types>'),
        "_rels/.rels": (f'<?xml version="1.0"?><Relationships xmlns="{pkg}"><Relationship '
                        f'Id="rId1" Type="{rels}/officeDocument" Target="xl/workbook.xml"/>'
                        "</Relationships>"),
        "xl/workbook.xml": (f'<?xml version="1.0"?><workbook xmlns="{main}" xmlns:r="{rels}">'
                            f'<sheets><sheet name="{sheet_name}" sheetId="1" r:id="rId1"/>'
                            "</sheets></workbook>"),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0"?><Relationships xmlns="{pkg}"><Relationship Id="rId1" '
            f'Type="{rels}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
        "xl/worksheets/sheet1.xml": sheet_xml_blocks,
    }


def write_zip(path: Path, parts: dict) -> None:
    """A zip whose parts are str, bytes or an iterable of blocks (compressed as written)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            if isinstance(content, (str, bytes)):
                archive.writestr(name, content)
                continue
            with archive.open(name, "w", force_zip64=True) as member:
                for block in content:
                    member.write(block.encode() if isinstance(block, str) else block)


def _cell_row(number: int, *cells: str) -> str:
    out = "".join(f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{c}</t></is></c>'
                  for i, c in enumerate(cells))
    return f'<row r="{number}">{out}</row>'


def _zip_bomb(folder: Path) -> str:
    write_zip(folder / "bomb.xlsx", _xlsx_parts([SHEET_HEAD, *repeat(" ", 160 * MB, 4 * MB),
                                                 SHEET_TAIL]))
    return "bomb.xlsx"


def _big_cell(size: int, name: str):
    def make(folder: Path) -> str:
        letters = bytes(range(97, 123)) * 40
        block = bytes(letters[b % len(letters)] for b in os.urandom(MB))
        body = [SHEET_HEAD, _cell_row(1, "Date", "Agency", "Event"),
                '<row r="2"><c r="A2" t="inlineStr"><is><t>01/02/2020</t></is></c>'
                '<c r="B2" t="inlineStr"><is><t>GP</t></is></c><c r="C2" t="inlineStr"><is><t>',
                *(block for _ in range(size // MB)), "</t></is></c></row>", SHEET_TAIL]
        write_zip(folder / name, _xlsx_parts(body))
        return name
    return make


def _compressible_cell(folder: Path) -> str:
    body = [SHEET_HEAD, _cell_row(1, "Date", "Agency", "Event"),
            '<row r="2"><c r="A2" t="inlineStr"><is><t>', *repeat("a", 1024 * MB, 8 * MB),
            "</t></is></c></row>", SHEET_TAIL]
    write_zip(folder / "gigacell.xlsx", _xlsx_parts(body))
    return "gigacell.xlsx"


def _sheet_with_dtd(kind: str):
    def make(folder: Path) -> str:
        dtd = (LAUGHS.replace("Message", "worksheet") if kind == "laughs" else
               '<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>')
        body = SHEET_HEAD.replace("<worksheet", dtd + "<worksheet") + _cell_row(
            1, "Date", "Agency", "Event") + _cell_row(2, "01/02/2020", "GP", "&j;" if kind ==
                                                      "laughs" else "&x;") + SHEET_TAIL
        write_zip(folder / f"{kind}.xlsx", _xlsx_parts(body))
        return f"{kind}.xlsx"
    return make


def _wide_sparse(folder: Path) -> str:
    rows = (f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>x</t></is></c>'
            f'<c r="XFD{n}" t="inlineStr"><is><t>y</t></is></c></row>' for n in range(1, 5001))
    write_zip(folder / "sparse.xlsx", _xlsx_parts([SHEET_HEAD, *rows, SHEET_TAIL]))
    return "sparse.xlsx"


def chronology_workbook(path: Path, rows: int = 10, dimension: str | None = None,
                        formulas: bool = False) -> Path:
    """A chronology table workbook (openpyxl), optionally with a stale ``<dimension>`` tag
    or formulas whose results were never saved."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Date", "Agency", "Event", "Outcome"])
    for n in range(rows):
        sheet.append([f"{n % 28 + 1:02d}/03/2020", "GP", f"Visit {n}", "Seen"])
    if formulas:
        sheet["D3"] = '=CONCATENATE("Seen ", B3)'
    book.save(path)
    if dimension:
        rewrite_part(path, "xl/worksheets/sheet1.xml",
                     lambda xml: __import__("re").sub(rb'<dimension ref="[^"]*"/>',
                                                      f'<dimension ref="{dimension}"/>'.encode(),
                                                      xml))
    return path


def rewrite_part(path: Path, part: str, change) -> None:
    """Replace one part of a zip with ``change(old bytes)``."""
    with zipfile.ZipFile(path) as old:
        parts = {info.filename: old.read(info) for info in old.infolist()}
    parts[part] = change(parts[part])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for name, data in parts.items():
            new.writestr(name, data)


def _stale_dimension(folder: Path) -> str:
    chronology_workbook(folder / "stale.xlsx", dimension="A1:D1")
    return "stale.xlsx"


def _unsaved_formula(folder: Path) -> str:
    chronology_workbook(folder / "formulas.xlsx", formulas=True)
    return "formulas.xlsx"


def _truncated(name: str, make_whole):
    def make(folder: Path) -> str:
        whole = make_whole(folder / ("whole-" + name))
        data = whole.read_bytes()
        whole.unlink()
        (folder / name).write_bytes(data[:len(data) // 2])
        return name
    return make


def _docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    table = document.add_table(rows=2, cols=4)
    for cell, text in zip(table.rows[0].cells, ["Date", "Agency", "Event", "Outcome"]):
        cell.text = text
    for cell, text in zip(table.rows[1].cells, ["01/02/2020", "GP", "Seen", "Ok"]):
        cell.text = text
    document.save(path)
    return path


def _docx_bomb(folder: Path) -> str:
    main = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    write_zip(folder / "bomb.docx", {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxml'
                               'formats.org/package/2006/content-types"/>',
        "word/document.xml": [f'<?xml version="1.0"?><w:document xmlns:w="{main}"><w:body>',
                              *repeat("<w:p/>", 100 * MB, 4 * MB), "</w:body></w:document>"]})
    return "bomb.docx"


ZIPS = [
    Case("zip_bomb", _zip_bomb),
    Case("big_cell_xlsx", _big_cell(8 * MB, "bigcell.xlsx")),
    Case("gigacell_xlsx", _compressible_cell, slow=True),
    Case("laughs_xlsx", _sheet_with_dtd("laughs")),
    Case("xxe_xlsx", _sheet_with_dtd("xxe")),
    Case("wide_sparse_xlsx", _wide_sparse, {"format": "chronology_table"}),
    Case("stale_dimension", _stale_dimension),
    Case("unsaved_formula", _unsaved_formula),
    Case("truncated_xlsx", _truncated("cut.xlsx", chronology_workbook)),
    _text("not_a_zip.xlsx", "Date,Agency,Event\n01/02/2020,GP,Seen\n"),
    _text("not_a_zip.docx", "this is not a Word document\n"),
    Case("truncated_docx", _truncated("cut.docx", _docx)),
    Case("docx_bomb", _docx_bomb),
    _text("empty.xlsx", b""),
]

# --------------------------------------------------------------------------- GEDCOM

def _conc(folder: Path) -> str:
    write_blocks(folder / "conc.ged", ["0 HEAD\n1 CHAR UTF-8\n0 @I1@ INDI\n1 NAME Amy /Smith/\n"
                                       "1 NOTE start\n", *repeat("2 CONC " + "x" * 50 + "\n",
                                                                 100_000 * 58),
                                       "0 TRLR\n"])
    return "conc.ged"


def _ged_long_line(folder: Path) -> str:
    write_blocks(folder / "long.ged", ["0 HEAD\n1 CHAR UTF-8\n0 @I1@ INDI\n1 NAME ",
                                       *repeat("x", 20 * MB), "\n0 TRLR\n"])
    return "long.ged"


GEDCOM = [
    Case("conc", _conc),
    Case("ged_long_line", _ged_long_line),
    _text("junk.ged", b"0 HEAD\n" + os.urandom(50_000)),
    _text("levels.ged", "0 HEAD\n" + "".join(f"{min(i, 99)} NOTE x\n" for i in range(5000))
          + "0 TRLR\n"),
]

# --------------------------------------------------------------------------- manifests

BOMB = """a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
"""


def _own_manifest(text: str):
    def write(folder: Path, source: str) -> str:
        (folder / "case.yaml").write_text(text.format(source=source), encoding="utf-8")
        return "case.yaml"
    return write


def _a_chronology(folder: Path) -> str:
    (folder / "chron.csv").write_text(CHRONOLOGY_HEADER + ROW, encoding="utf-8")
    return "chron.csv"


def _mapping_bomb(folder: Path) -> str:
    nested = "".join("  " + line + "\n" for line in BOMB.splitlines())
    (folder / "bomb.yaml").write_text("description:\n" + nested + "person: {id: NHS Number}\n"
                                      "events:\n  - {date: Date, type: {value: other}, "
                                      "details: *h}\n", encoding="utf-8")
    (folder / "data.csv").write_text(MAPPED_HEADER + MAPPED_ROW, encoding="utf-8")
    return "data.csv"


def _special(kind: str):
    def make(folder: Path) -> str:
        if kind == "fifo":
            os.mkfifo(folder / "pipe.csv")
            return "pipe.csv"
        if kind == "loop":
            os.symlink("b.csv", folder / "a.csv")
            os.symlink("a.csv", folder / "b.csv")
            return "a.csv"
        if kind == "folder":
            (folder / "exports").mkdir()
            return "exports"
        if kind == "link_out":
            os.symlink("/etc/hostname", folder / "hostname.csv")
            return "hostname.csv"
        return {"zero": "/dev/zero", "passwd": "../../../../../../etc/passwd",
                "shadow": "/etc/shadow", "missing": "missing.csv"}[kind]
    return Case(kind, make, inspect=kind not in ("passwd", "shadow"))


MANIFESTS = [
    *(_special(k) for k in ("zero", "fifo", "loop", "folder", "link_out", "passwd", "shadow",
                            "missing")),
    Case("manifest_alias_bomb", _a_chronology,
         manifest=_own_manifest(BOMB + "case: x\nindex_children: *h\nsources:\n"
                                "  - {{path: {source}}}\n")),
    Case("manifest_deep", _a_chronology,
         manifest=_own_manifest("case: x\nsources:\n  - path: {source}\nx: " + "[" * 5000
                                + "]" * 5000 + "\n")),
    Case("manifest_self_alias", _a_chronology,
         manifest=_own_manifest("case: &c [*c]\nsources:\n  - path: {source}\n")),
    Case("manifest_binary", _a_chronology,
         manifest=lambda folder, source: (folder / "case.yaml").write_bytes(
             os.urandom(4096)) and "case.yaml"),
    Case("manifest_names_itself", lambda folder: "case.yaml", inspect=False),
    Case("manifest_index_children_shape", _a_chronology, inspect=False,
         manifest=_own_manifest("case: x\nindex_children: {{a: 1}}\nsources:\n"
                                "  - {{path: {source}}}\n")),
    Case("manifest_linking_shape", _a_chronology, inspect=False,
         manifest=_own_manifest("case: x\nlinking: 5\nsources:\n  - {{path: {source}}}\n")),
    Case("mapping_alias_bomb", _mapping_bomb, {"format": "mapped", "mapping": "bomb.yaml"}),
    Case("mapping_outside", _a_chronology, {"format": "mapped", "mapping": "/etc/passwd"}),
]

CASES = TEXT + JSON + XML + ZIPS + GEDCOM + MANIFESTS


def write_case(case: Case, folder: Path) -> Path:
    """Write ``case`` into ``folder`` (a new case folder); returns the source's path."""
    folder.mkdir(parents=True, exist_ok=True)
    source = case.make(folder)
    if case.manifest is not None:
        case.manifest(folder, source)
    else:
        entry = {"name": "src", "path": source, **case.source}
        lines = ["case: Hostile input", "sources:"]
        lines.append("  - {" + ", ".join(f"{k}: {_yaml(v)}" for k, v in entry.items()) + "}")
        (folder / "case.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder / source


def _yaml(value: str) -> str:
    import json

    return json.dumps(value)
