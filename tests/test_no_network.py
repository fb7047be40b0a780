"""No network, ever: ``build``, ``report`` (every format, the PDF too) and ``screen`` run
with internet sockets blocked in this process, and, where strace can trace, open no
AF_INET or AF_INET6 socket from any process they start."""

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from chronos import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "smith-family"
INTERNET = (socket.AF_INET, socket.AF_INET6)


@pytest.fixture
def no_internet(monkeypatch):
    """Every attempt at an internet socket, name lookup or connection raises and is kept."""
    attempts = []
    real = socket.socket

    def refuse(what):
        attempts.append(what)
        raise OSError(f"network blocked by the test: {what}")

    class Guarded(real):
        def __init__(self, family=-1, type=-1, proto=-1, fileno=None):
            if fileno is None and family in (-1, *INTERNET):
                refuse(f"socket({family})")
            super().__init__(family, type, proto, fileno)

    def connect(self, address):
        if self.family in INTERNET:
            refuse(f"connect{address}")
        return real.connect(self, address)

    monkeypatch.setattr(socket, "socket", Guarded)
    monkeypatch.setattr(real, "connect", connect, raising=False)
    for name in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        monkeypatch.setattr(socket, name, lambda *a, _n=name, **k: refuse(f"{_n}{a}"))
    return attempts


def test_the_guard_catches_an_attempt(no_internet):
    with pytest.raises(OSError, match="blocked"):
        socket.create_connection(("127.0.0.1", 9))
    with pytest.raises(OSError, match="blocked"):
        socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    assert len(no_internet) == 2


@pytest.mark.slow
def test_build_report_and_screen_open_no_internet_socket(no_internet, tmp_path, monkeypatch):
    import tempfile

    long_tmp = tmp_path / ("t" * 60) / ("m" * 60)     # over 80 characters
    long_tmp.mkdir(parents=True)
    monkeypatch.setenv("TMPDIR", str(long_tmp))
    monkeypatch.setattr(tempfile, "tempdir", None)
    app.build(EXAMPLE, tmp_path / "build")
    written = app.report(EXAMPLE, tmp_path / "report")
    app.screen(EXAMPLE, tmp_path / "screen")
    assert no_internet == []
    names = {p.name for p in written.files}
    assert {"case-report.pdf", "case-report.html", "chronology.docx"} <= names
    assert (tmp_path / "report" / "case-report.pdf").read_bytes().startswith(b"%PDF-")
    assert (tmp_path / "screen" / "findings.csv").exists()


def _strace_works() -> str | None:
    if shutil.which("strace") is None:
        return "strace is not installed"
    probe = subprocess.run(["strace", "-f", "-qq", "-e", "trace=none", "true"],
                           capture_output=True)
    return None if probe.returncode == 0 else "strace cannot trace here (ptrace not allowed)"


@pytest.mark.slow
@pytest.mark.skipif(_strace_works() is not None, reason=str(_strace_works()))
@pytest.mark.parametrize("command", ["build", "report", "screen"])
def test_no_process_a_command_starts_opens_an_internet_socket(tmp_path, command):
    # a long TMPDIR (over 80 characters) once crashed the browser that made the PDF
    tmpdir = tmp_path / ("t" * 60) / ("m" * 60)
    tmpdir.mkdir(parents=True)
    log = tmp_path / "strace.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmpdir)}
    run = subprocess.run(["strace", "-f", "-qq", "-e", "trace=socket,connect,sendto,sendmsg",
                          "-o", str(log), sys.executable, "-m", "chronos", command,
                          str(EXAMPLE), "--out", str(tmp_path / "out"), "--quiet"],
                         env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr
    calls = [line for line in log.read_text().splitlines()
             if "AF_INET" in line or "sin_addr" in line or "sin6_addr" in line]
    assert calls == []
    assert any((tmp_path / "out").iterdir())
