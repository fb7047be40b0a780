"""kill -9 at several points of ``chronos build``: the output folder is always a complete
output (the old one or the new one), and the next run cleans up whatever was left."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chronos.report.safe_files import MARKER, _sort_contents, read_marker

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "smith-family"


def start(out: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "chronos", "build", str(EXAMPLE), "--out",
                             str(out), "--quiet"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def temporary(out: Path) -> list[Path]:
    return [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.chronos-")]


def wait_for(condition, proc, limit=120.0) -> bool:
    """Poll until ``condition()`` or the process ended; True if the condition held."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.005)
    return False


def part_with(out: Path, test) -> bool:
    for folder in temporary(out):
        try:
            if folder.is_dir() and test(folder):
                return True
        except OSError:
            pass
    return False


def complete_marker(folder: Path) -> bool:
    marker = read_marker(folder)
    return bool(marker and marker.get("state") == "complete")


POINTS = {
    "while reading the sources": lambda out, proc: wait_for(lambda: False, proc, limit=1.5),
    "as the temporary folder appears": lambda out, proc: wait_for(
        lambda: part_with(out, lambda f: f.suffix == ".part"), proc),
    "half-way through writing": lambda out, proc: wait_for(
        lambda: part_with(out, lambda f: len(os.listdir(f)) >= 8), proc),
    "at the swap": lambda out, proc: wait_for(lambda: part_with(out, complete_marker), proc),
}


def assert_complete_output(out: Path) -> None:
    marker = read_marker(out)
    assert marker and marker["state"] == "complete", f"{out} is not a complete output"
    contents = _sort_contents(out, marker)
    assert contents.edited == []
    assert sorted(contents.ours) == sorted(marker["files"])       # every file it lists
    assert "events.csv" in marker["files"] and "chronology.docx" in marker["files"]


@pytest.mark.slow
def test_kill_9_leaves_a_complete_output_and_the_next_run_cleans_up(tmp_path):
    out = tmp_path / "out"
    # a first build killed half-way: no output, or a complete one
    proc = start(out)
    POINTS["half-way through writing"](out, proc)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=300)
    assert not out.exists() or complete_marker(out)
    first = start(out)
    assert first.wait(timeout=300) == 0, first.stderr.read().decode()
    assert_complete_output(out)
    (out / "notes.txt").write_text("a reviewer's notes")
    killed = []
    for point, reach in POINTS.items():
        proc = start(out)
        reach(out, proc)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            killed.append(point)
        proc.wait(timeout=300)
        assert_complete_output(out)                   # the old output or the new one
        assert (out / "notes.txt").read_text() == "a reviewer's notes"
    assert len(killed) >= 3, f"the build ended before most kill points: {killed}"
    last = start(out)
    assert last.wait(timeout=300) == 0, last.stderr.read().decode()
    assert_complete_output(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]   # nothing left beside it
    assert (out / "notes.txt").read_text() == "a reviewer's notes"
    assert MARKER in os.listdir(out)
