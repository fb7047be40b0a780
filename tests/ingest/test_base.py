"""Reading any file as any format ends in data or in a clear error, never an internal one:
the published samples, chronos's own fixtures and files that are no format at all, each
read as every registered format."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl

from chronos.errors import ChronosError
from chronos.ingest.base import registry
from chronos.ingest.preview import inspect_file

DATA = Path(__file__).resolve().parents[1] / "data"


def odd_files(folder: Path) -> list[Path]:
    """Files that are no format at all, or the wrong one under a promising name."""
    made = {
        "nul.csv": b"CHILD,DECOM\nC1,\x0001/01/2020\n",
        "utf16.xml": "<?xml version='1.0' encoding='utf-16'?><Message/>".encode("utf-16"),
        "random.bin": bytes(range(256)) * 8,
        "empty.csv": b"",
        "quote.csv": b'CHILD,DECOM,RNE,LS\n"C1,"01/01/2020\n',
        "notazip.xlsx": b"PK\x03\x04 this is not really a zip",
        "array.json": b"[1, 2, 3]",
        "typed.json": b'{"resourceType": 5, "entry": "x"}',
        "text.ged": b"0 HEAD\n1 CHAR UTF-8\n0 @I1@ INDI\n1 NAME \xff\xfe /X/\n",
        "fhirish.xml": b'<Bundle xmlns="http://hl7.org/fhir"><entry><resource>'
                       b'<Patient><id value="a"/></Patient></resource></entry>',
    }
    paths = []
    for name, data in made.items():
        (folder / name).write_bytes(data)
        paths.append(folder / name)
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("word/document.xml", "<w:document>not a real docx</w:document>")
    (folder / "broken.docx").write_bytes(zipped.getvalue())
    book = openpyxl.Workbook()
    book.active.append(["nothing", "useful"])
    book.save(folder / "plain.xlsx")
    (folder / "a folder").mkdir()
    return paths + [folder / "broken.docx", folder / "plain.xlsx", folder / "a folder"]


def sample_files(shared: Path | None) -> list[Path]:
    ours = [DATA / "ssda903" / "return.xml", DATA / "ssda903" / "header.csv",
            DATA / "fhir" / "services.xml", DATA / "fhir" / "services.json",
            DATA / "fhir" / "bulk.ndjson", DATA / "cin" / "minimal.xml"]
    if shared is None:
        return ours
    return ours + [shared / "cin-census" / "CIN_Census_2021.xml",
                   shared / "ssda903" / "SSDA903_2020_episodes.csv",
                   shared / "gedcom" / "basic.ged", shared / "annex-a" / "Annex_A.xlsx",
                   sorted((shared / "fhir").glob("*.json"))[0]]


def test_no_file_read_as_any_format_ends_in_an_internal_error(tmp_path, request):
    shared = Path(__file__).resolve().parents[2].parent / "shared" / "data"
    files = odd_files(tmp_path) + sample_files(shared if shared.is_dir() else None)
    # chronos's own formats (other test modules register test-only ones)
    formats = ["auto", *(name for name, cls in registry().items()
                         if cls.__module__.startswith("chronos.ingest."))]
    outcomes = {"data": 0, "refused": 0}
    for path in files:
        for fmt in formats:
            try:
                found = inspect_file(path, fmt, options={"as_of": "2030-12-31"})
            except ChronosError as exc:
                assert str(exc), (path.name, fmt)
                outcomes["refused"] += 1
                continue
            assert found.result.reconciles(), (path.name, fmt)
            outcomes["data"] += 1
    # every sample read as its own format became data; most wrong pairings were refused
    assert outcomes["data"] >= len(sample_files(None)) and outcomes["refused"] > 100


def test_the_command_line_never_exits_70_on_the_wrong_format(tmp_path):
    from typer.testing import CliRunner

    from chronos.cli import app

    files = odd_files(tmp_path)
    runner = CliRunner()
    for path in [DATA / "ssda903" / "return.xml", *files[:4], files[-1]]:
        for fmt in ("ssda903", "fhir", "cin_census", "gedcom", "chronology_table"):
            done = runner.invoke(app, ["inspect", str(path), "--format", fmt])
            assert done.exit_code in (0, 3), (path.name, fmt, done.exit_code, done.output)
