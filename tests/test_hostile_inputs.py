"""Every hostile input ends with data or a named refusal, in bounded time and memory.

Each case of :mod:`tests.hostile_corpus` goes through ``chronos inspect FILE`` and
``chronos build CASE --out DIR`` as subprocesses, each with a 2 GiB data-segment limit
(``RLIMIT_DATA``: a run that needs more fails) and a 60-second timeout. Every run must end
with exit code 0 to 4, never an internal error or a traceback, with a message naming the
file when it refuses; its peak memory (``ru_maxrss`` from ``wait4``) must stay under
2 GiB. Where the outcome is known, the test checks it: the reason of the refusal, or that
the data arrived (rows read, quarantined by reason, warnings by code).

Runs go three at a time; the slowest cases are marked ``slow``.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.hostile_corpus import CASES, write_case

SECONDS = 60
MEMORY = 2 * 1024 ** 3
WORKERS = 3

#: Refusals: case -> (exit code of build, words of the message)
REFUSED = {
    "empty_csv": (3, "empty"), "junk_csv": (3, "matches no known format"),
    "long_line": (3, "longer than"),
    "unclosed_csv": (3, "never closed"), "unclosed_big": (3, "unclosed quote"),
    "unclosed_mapped_csv": (3, "never closed"), "many_columns": (3, "more than 16,384"),
    "deep_json": (3, "nested more than"), "bignum_json": (3, "digits"),
    "not_fhir_json": (3, "matches no known format"),
    "json_junk_json": (3, "matches no known format"),
    "laughs_xml": (3, "DOCTYPE"), "xxe_xml": (3, "DOCTYPE"), "late_dtd": (3, "DOCTYPE"),
    "big_text_xml": (3, "text longer than"), "xml_junk_xml": (3, "XML"),
    "zip_bomb": (3, "zip bomb"), "big_cell_xlsx": (3, "text longer than"),
    "gigacell_xlsx": (3, "zip bomb"), "laughs_xlsx": (3, "DOCTYPE"), "xxe_xlsx": (3, "DOCTYPE"),
    "wide_sparse_xlsx": (3, "cells"), "truncated_xlsx": (3, "zip"),
    "not_a_zip_xlsx": (3, "zip"), "not_a_zip_docx": (3, "zip"), "empty_xlsx": (3, "zip"),
    "truncated_docx": (3, "zip"), "docx_bomb": (3, "zip bomb"),
    "ged_long_line": (3, "longer than"),
    "zero": (2, "outside the case folder"), "fifo": (3, "named pipe"), "loop": (3, "loop"),
    "folder": (3, "folder, not a file"), "link_out": (2, "outside the case folder"),
    "passwd": (2, "outside the case folder"), "shadow": (2, "outside the case folder"),
    "missing": (3, "not found"), "manifest_alias_bomb": (2, "alias bomb"),
    "manifest_deep": (2, "nest"), "manifest_self_alias": (2, "refers to itself"),
    "manifest_binary": (2, "case.yaml"), "mapping_alias_bomb": (2, "alias bomb"),
    "mapping_outside": (2, "outside the case folder"),
    "manifest_index_children_shape": (2, "index_children must be a list"),
    "manifest_linking_shape": (2, "linking: must be a mapping"),
}

#: Data: case -> what the ingest report must show for the source
ARRIVED = {
    "long_field_csv": {"quarantine": {"cell.too_long": 1}, "to_data": 1},
    "mapped_long_cell": {"quarantine": {"cell.too_long": 1}, "to_data": 2},
    "one_bad_byte_csv": {"warnings": {"encoding.invalid_byte": 1}, "to_data": 6,
                         "text": {"persons.csv": "Zoë"}, "not": {"persons.csv": "ZoÃ«"}},
    "cp1252_csv": {"warnings": {"encoding.not_utf8": 1}, "to_data": 5,
                   "text": {"persons.csv": "Zoë"}},
    "bom_utf8_csv": {"to_data": 1}, "bom_utf16_csv": {"to_data": 3},
    "bom_utf16_chronology_csv": {"to_data": 3},
    "control_chars_csv": {"read": 3, "to_data": 3},
    "mixed_line_ends_csv": {"to_data": 4},
    "stale_dimension": {"read": 10, "to_data": 10},
    "unsaved_formula": {"quarantine": {"cell.formula_not_calculated": 1}, "to_data": 9},
    "conc": {"warnings": {"gedcom.value_too_long": 1}, "to_data": 1},
    "deep_ndjson": {"quarantine": {"json.too_deep": 20}, "to_data": 2},
}


@dataclass
class Run:
    """One finished subprocess."""

    code: int | None            # None: killed at the timeout
    seconds: float
    peak: int                   # bytes (ru_maxrss)
    stdout: str
    stderr: str


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_DATA, (MEMORY, MEMORY))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.setsid()


def run_chronos(args: list[str], cwd: Path) -> Run:
    """``python -m chronos ARGS`` under the memory limit and the timeout."""
    env = {k: v for k, v in os.environ.items() if k != "CHRONOS_DEBUG"}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        process = subprocess.Popen([sys.executable, "-m", "chronos", *args], cwd=cwd,
                                   stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env,
                                   preexec_fn=_limits)
        code, peak = None, 0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                code, peak = os.waitstatus_to_exitcode(status), usage.ru_maxrss * 1024
                break
            if time.monotonic() - start > SECONDS:
                os.killpg(process.pid, signal.SIGKILL)
                _, _, usage = os.wait4(process.pid, 0)
                peak = usage.ru_maxrss * 1024
                break
            time.sleep(0.05)
        process.returncode = code if code is not None else -9
        seconds = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        return Run(code, seconds, peak, out.read().decode("utf-8", "replace"),
                   err.read().decode("utf-8", "replace"))


def _run_case(case, root: Path) -> dict:
    folder = root / case.name / "case"
    source = write_case(case, folder)
    runs = {"build": run_chronos(["build", str(folder), "--out", str(root / case.name / "out")],
                                 folder)}
    if case.inspect:
        runs["inspect"] = run_chronos(["inspect", str(source)], folder)
    return {"runs": runs, "source": source, "out": root / case.name / "out"}


def _run_all(cases, root: Path) -> dict:
    with ThreadPoolExecutor(WORKERS) as pool:
        futures = {case.name: pool.submit(_run_case, case, root) for case in cases}
        return {name: future.result() for name, future in futures.items()}


def _selected(request, test: str) -> list:
    """The cases of ``test`` that this session runs (so ``-k`` runs only those)."""
    return [item.callspec.params["case"] for item in request.session.items
            if getattr(item, "originalname", "") == test and hasattr(item, "callspec")]


@pytest.fixture(scope="module")
def quick(request, tmp_path_factory):
    return _run_all(_selected(request, "test_hostile_input"), tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def slow(request, tmp_path_factory):
    return _run_all(_selected(request, "test_hostile_input_slow"),
                    tmp_path_factory.mktemp("hostile-slow"))


def _names(case, source: Path) -> set[str]:
    names = {source.name, "case.yaml"}
    names |= {Path(str(v)).name for k, v in case.source.items() if k == "mapping"}
    return names


def check_case(case, found: dict) -> None:
    """The checks every case passes, and the known outcome of those in REFUSED/ARRIVED."""
    build = found["runs"]["build"]
    for command, run in found["runs"].items():
        where = f"{case.name}: chronos {command}"
        assert run.code is not None, f"{where} ran past {SECONDS} s"
        assert run.code in (0, 1, 2, 3, 4), f"{where} exit {run.code}: {run.stderr[-2000:]}"
        assert "internal error" not in run.stderr and "Traceback" not in run.stderr, \
            f"{where}: {run.stderr[-2000:]}"
        assert run.peak < MEMORY, f"{where} peaked at {run.peak / 2**20:.0f} MiB"
        if run.code:
            assert any(name in run.stderr for name in _names(case, found["source"])), \
                f"{where} does not name the file: {run.stderr[-1000:]}"
    if case.name in REFUSED:
        code, words = REFUSED[case.name]
        assert (build.code, words in build.stderr) == (code, True), build.stderr[-1500:]
        assert not found["out"].exists()
    if case.name in ARRIVED:
        assert build.code == 0, build.stderr[-1500:]
        _check_arrived(ARRIVED[case.name], found["out"])


def _check_arrived(expected: dict, out: Path) -> None:
    report = json.loads((out / "ingest-report.json").read_text("utf-8"))
    source = report["sources"][0]
    assert report["reconciles"] and source["reconciles"]
    if "read" in expected:
        assert source["records_read"] == expected["read"]
    assert source["records_to_data"] == expected["to_data"]
    for code, count in expected.get("quarantine", {}).items():
        assert source["quarantine_by_reason"].get(code) == count, source
    for code, count in expected.get("warnings", {}).items():
        assert source["warnings_by_code"].get(code) == count, source
    for name, text in expected.get("text", {}).items():
        assert text in (out / name).read_text("utf-8")
    for name, text in expected.get("not", {}).items():
        assert text not in (out / name).read_text("utf-8")


@pytest.mark.parametrize("case", [c for c in CASES if not c.slow], ids=lambda c: c.name)
def test_hostile_input(case, quick):
    check_case(case, quick[case.name])


@pytest.mark.slow
@pytest.mark.parametrize("case", [c for c in CASES if c.slow], ids=lambda c: c.name)
def test_hostile_input_slow(case, slow):
    check_case(case, slow[case.name])


def test_every_known_outcome_is_a_case():
    names = {c.name for c in CASES}
    assert set(REFUSED) <= names and set(ARRIVED) <= names
