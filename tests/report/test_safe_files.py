import pandas as pd
import pytest

from chronos.report.safe_files import atomic_file, neutralise, write_csv


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
    ("+44 7700", "'+44 7700"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"),
    ("-3", "-3"),
    ("-2.5", "-2.5"),
    ("- seen at home", "'- seen at home"),
    ("Seen at home", "Seen at home"),
    (42, 42),
])
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_write_csv_neutralises_formulas(tmp_path):
    write_csv(pd.DataFrame({"a": ["=1+1", "ok"]}), tmp_path / "x.csv")
    assert (tmp_path / "x.csv").read_text() == "a\n'=1+1\nok\n"


def test_atomic_file_leaves_nothing_on_failure(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_file(tmp_path / "x.txt") as handle:
            handle.write("half")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- issue 13
import csv as csvlib
import fcntl
import json
import os
import re
import stat
import threading
from pathlib import Path

from chronos.errors import OutputError
from chronos.report import safe_files
from chronos.report.safe_files import (MARKER, atomic_directory, atomic_path, check_output,
                                       csv_text, output_lock, read_marker, visible)


def write_output(target, files, **kw):
    """A chronos output folder holding ``files`` ({name: text})."""
    with atomic_directory(target, **kw) as tmp:
        for name, text in files.items():
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).write_text(text)
    return target


def listing(folder):
    return sorted(str(p.relative_to(folder)) for p in Path(folder).rglob("*"))


def test_a_new_output_folder_holds_a_marker_listing_what_chronos_wrote(tmp_path):
    out = write_output(tmp_path / "out", {"a.csv": "x", "sub/b.txt": "y"})
    marker = read_marker(out)
    assert marker["written_by"] == "chronos" and marker["state"] == "complete"
    assert set(marker["files"]) == {"a.csv", "sub/b.txt"}
    assert stat.S_IMODE((out / MARKER).stat().st_mode) == 0o600
    assert stat.S_IMODE((out / "sub").stat().st_mode) == 0o700
    assert listing(tmp_path) == ["out", f"out/{MARKER}", "out/a.csv", "out/sub", "out/sub/b.txt"]


def test_a_folder_without_the_marker_is_never_replaced(tmp_path):
    out = tmp_path / "exports"
    out.mkdir()
    (out / "gp.csv").write_text("real data")
    with pytest.raises(OutputError, match="files chronos did not write") as err:
        write_output(out, {"a.csv": "x"})
    assert str(out) in str(err.value) and "new or empty folder" in str(err.value)
    assert listing(tmp_path) == ["exports", "exports/gp.csv"]


def test_an_empty_folder_is_used(tmp_path):
    (tmp_path / "out").mkdir()
    write_output(tmp_path / "out", {"a.csv": "x"})
    assert (tmp_path / "out" / "a.csv").read_text() == "x"


@pytest.mark.parametrize("where", ["case", "case/out", "case/exports/out", "."])
def test_outputs_may_not_be_in_or_around_the_inputs(tmp_path, where):
    case = tmp_path / "case"
    (case / "exports").mkdir(parents=True)
    (case / "exports" / "gp.csv").write_text("real data")
    target = (tmp_path / where) if where != "." else tmp_path
    with pytest.raises(OutputError, match="case's inputs"):
        atomic_directory(target, protect=[case, case / "exports"]).__enter__()
    assert listing(tmp_path) == ["case", "case/exports", "case/exports/gp.csv"]


def test_a_file_a_link_or_a_path_under_a_file_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    for target, message in ((tmp_path / "notes.txt", "is a file"),
                            (tmp_path / "link", "symbolic link"),
                            (tmp_path / "notes.txt" / "out", "it is a file")):
        with pytest.raises(OutputError, match=message):
            write_output(target, {"a.csv": "x"})
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert listing(tmp_path) == ["link", "notes.txt", "real"]
    with pytest.raises(OutputError, match="symbolic link"):
        check_output(tmp_path / "link", folder=False)


def test_chronos_replaces_its_own_output_and_keeps_what_a_person_added(tmp_path):
    out = write_output(tmp_path / "out", {"a.csv": "old", "gone.csv": "old"})
    (out / "notes.txt").write_text("my notes")
    (out / "mine").mkdir()
    (out / "mine" / "plan.docx").write_text("my plan")
    write_output(out, {"a.csv": "new"})
    assert listing(out) == [MARKER, "a.csv", "mine", "mine/plan.docx", "notes.txt"]
    assert (out / "a.csv").read_text() == "new"
    assert (out / "notes.txt").read_text() == "my notes"
    assert (out / "mine" / "plan.docx").read_text() == "my plan"
    assert set(read_marker(out)["files"]) == {"a.csv"}
    assert listing(tmp_path)[:1] == ["out"] and not [p for p in tmp_path.iterdir()
                                                     if p.name.startswith(".")]


def test_a_file_changed_since_chronos_wrote_it_is_not_overwritten(tmp_path):
    out = write_output(tmp_path / "out", {"chronology.docx": "as written"})
    (out / "chronology.docx").write_text("with my significance notes")
    with pytest.raises(OutputError, match="changed since: chronology.docx"):
        write_output(out, {"chronology.docx": "new"})
    assert (out / "chronology.docx").read_text() == "with my significance notes"


def test_a_person_file_named_like_a_new_output_stops_the_run(tmp_path):
    out = write_output(tmp_path / "out", {"a.csv": "old"})
    (out / "b.csv").write_text("mine")
    with pytest.raises(OutputError, match="b.csv"):
        write_output(out, {"a.csv": "new", "b.csv": "new"})
    assert (out / "a.csv").read_text() == "old" and (out / "b.csv").read_text() == "mine"
    assert not [p for p in tmp_path.iterdir() if p.name != "out"]


def test_a_copied_output_is_still_recognised_by_its_hashes(tmp_path):
    import shutil

    out = write_output(tmp_path / "out", {"a.csv": "old"})
    shutil.copytree(out, tmp_path / "copy")        # new modification times
    write_output(tmp_path / "copy", {"a.csv": "new"})
    assert (tmp_path / "copy" / "a.csv").read_text() == "new"


def test_a_second_run_waits_then_fails_clearly_while_the_first_holds_the_folder(
        tmp_path, monkeypatch):
    monkeypatch.setattr(safe_files, "LOCK_WAIT", 0.3)
    out = write_output(tmp_path / "out", {"a.csv": "old"})
    with output_lock(out):
        with pytest.raises(OutputError, match="another chronos run is writing") as err:
            write_output(out, {"a.csv": "new"})
        assert f"process {os.getpid()}" in str(err.value)
    assert (out / "a.csv").read_text() == "old"
    write_output(out, {"a.csv": "new"})
    assert (out / "a.csv").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]   # no lock file left


def test_two_runs_into_one_folder_take_turns(tmp_path):
    out = write_output(tmp_path / "out", {"a.csv": "0"})
    errors = []

    def run(n):
        try:
            for i in range(5):
                write_output(out, {"a.csv": f"{n}-{i}", f"{n}.csv": "x"})
        except Exception as exc:  # noqa: BLE001 - the test reports any failure
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    marker = read_marker(out)
    assert set(marker["files"]) == {p.name for p in out.iterdir()} - {MARKER}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def _leftover(tmp_path, name, state, files):
    folder = tmp_path / name
    folder.mkdir()
    for rel, text in files.items():
        (folder / rel).write_text(text)
    if state:
        facts = {rel: [{"size": len(text), "mtime_ns": (folder / rel).stat().st_mtime_ns}]
                 for rel, text in files.items() if rel != "notes.txt"}
        (folder / MARKER).write_text(json.dumps({"written_by": "chronos", "state": state,
                                                  "files": facts if state == "complete" else {}}))
    return folder


def test_leftovers_of_killed_runs_are_cleaned_only_when_provably_chronos(tmp_path):
    out = write_output(tmp_path / "out", {"a.csv": "old"})
    _leftover(tmp_path, ".out.chronos-abc123.part", "writing", {"a.csv": "half"})
    _leftover(tmp_path, ".out.chronos-def456.part", "complete",
              {"a.csv": "x", "notes.txt": "someone's"})
    _leftover(tmp_path, ".out.chronos-ghi789.part", None, {"x.txt": "unknown"})
    _leftover(tmp_path, ".out.chronos-jkl012.staging", None, {})
    _leftover(tmp_path, ".outer.chronos-abc123.part", "writing", {"a.csv": "other output"})
    write_output(out, {"a.csv": "new"})
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".out.chronos-ghi789.part", ".outer.chronos-abc123.part", "out"]
    assert (out / "notes.txt").read_text() == "someone's"       # rescued, not deleted
    assert (tmp_path / ".out.chronos-ghi789.part" / "x.txt").read_text() == "unknown"


def test_a_complete_leftover_goes_back_when_the_output_is_missing(tmp_path):
    _leftover(tmp_path, ".out.chronos-def456.part", "complete", {"a.csv": "old"})
    safe_files.clean_leftovers(tmp_path / "out")
    assert (tmp_path / "out" / "a.csv").read_text() == "old"


def test_a_temporary_file_is_cleaned_unless_a_live_run_holds_it(tmp_path):
    stale = tmp_path / ".chart.png.chronos-abc12345.part.png"
    live = tmp_path / ".chart.png.chronos-def67890.part.png"
    other = tmp_path / ".chart.png.mine.png"
    for path in (stale, live, other):
        path.write_text("x")
    fd = os.open(live, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with atomic_path(tmp_path / "chart.png") as tmp:
            tmp.write_text("chart")
    finally:
        os.close(fd)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [live.name, other.name, "chart.png"])
    assert stat.S_IMODE((tmp_path / "chart.png").stat().st_mode) == 0o600


@pytest.mark.parametrize("value", ["X5\r=1+1", "a\tb", "line\r\nbreak", "one\ntwo"])
def test_csv_quotes_values_with_cr_lf_or_tab(tmp_path, value):
    frame = pd.DataFrame({"id": ["1", "2"], "v": [value, "plain"]})
    write_csv(frame, tmp_path / "x.csv")
    raw = (tmp_path / "x.csv").read_bytes().decode("utf-8")
    assert f'"{value}"' in raw
    # a reader that splits rows at CR as well as LF still sees two data rows
    lines = [line for line in re.split(r'\r\n|\r|\n', raw) if line]
    starts = [line for line in lines if re.match(r"^(id|1|2),", line)]
    assert len(starts) == 3
    with open(tmp_path / "x.csv", newline="", encoding="utf-8") as handle:
        assert list(csvlib.reader(handle)) == [["id", "v"], ["1", value], ["2", "plain"]]


def test_csv_text_keeps_pandas_formatting_when_it_must_quote():
    frame = pd.DataFrame({"p": [0.1, 1e-05, None], "t": ["a\tb", None, "c"], "n": [1, 2, 3]})
    plain = frame.assign(t=["ab", None, "c"])
    assert csv_text(frame).replace('"a\tb"', "ab") == csv_text(plain)


def test_no_module_writes_csv_around_the_safe_writer():
    root = Path(__file__).resolve().parents[2] / "chronos"
    offenders = []
    for path in root.rglob("*.py"):
        if path.name == "safe_files.py":
            continue
        text = path.read_text("utf-8")
        if re.search(r"\.to_csv\(|csv\.writer\(|csv\.DictWriter\(|FORMAT\s*'?csv", text):
            offenders.append(str(path.relative_to(root)))
    assert offenders == []


def test_visible_shows_characters_xml_cannot_hold():
    assert visible("a\x00b\x1bc\x0bd") == "a\u2400b\u241bc\u240bd"
    assert visible("tab\tand\nline") == "tab\tand\nline"
    assert visible("\ud800x") == "\ufffdx"
    assert visible(3) == 3


def test_a_run_killed_after_linking_a_persons_files_leaves_one_copy(tmp_path):
    out = write_output(tmp_path / "out", {"a.csv": "old"})
    (out / "notes.txt").write_text("mine")
    left = _leftover(tmp_path, ".out.chronos-abc123.part", "complete", {"a.csv": "new"})
    os.link(out / "notes.txt", left / "notes.txt")     # as the run links it before the swap
    safe_files.clean_leftovers(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert (out / "notes.txt").read_text() == "mine"


def test_the_new_output_holds_a_persons_files_before_the_swap(tmp_path, monkeypatch):
    out = write_output(tmp_path / "out", {"a.csv": "old"})
    (out / "notes.txt").write_text("mine")
    seen = {}

    def exchange(a, b):
        seen["new"] = sorted(p.name for p in Path(a).iterdir())
        return False                          # and take the two-rename way

    monkeypatch.setattr(safe_files, "_exchange", exchange)
    write_output(out, {"a.csv": "new"})
    assert seen["new"] == [MARKER, "a.csv", "notes.txt"]
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "a.csv", "notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_run_killed_while_writing_its_first_marker_leaves_nothing_behind(tmp_path):
    """Killed between creating the marker's temporary file and renaming it: the folder
    holds only that file, which is chronos's own; with anything else in it, it stays."""
    out = write_output(tmp_path / "out", {"a.csv": "old"})
    bare = _leftover(tmp_path, ".out.chronos-abc123.part", None, {})
    (bare / f".{MARKER}.chronos-4242.part").write_text('{"written_by": "chro')
    other = _leftover(tmp_path, ".out.chronos-def456.part", None, {"x.txt": "unknown"})
    (other / f".{MARKER}.chronos-4243.part").write_text("{")
    write_output(out, {"a.csv": "new"})
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.chronos-def456.part", "out"]
    assert sorted(os.listdir(other)) == [f".{MARKER}.chronos-4243.part", "x.txt"]
