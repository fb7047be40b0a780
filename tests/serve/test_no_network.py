"""The workspace opens no internet connection: in-process (pages, a load and a build,
with name lookups and connections to anywhere recorded) and, where strace can trace,
``chronos serve`` as a process, driven over its loopback socket through a build."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_no_network import _strace_works

from .conftest import ROOT, TOKEN, brown_exports, client_for, workspace_of


def test_pages_and_a_build_look_up_no_name_and_connect_nowhere(tmp_path, monkeypatch):
    from chronos import app

    attempts = []
    real_connect = socket.socket.connect

    def connect(self, address):
        attempts.append(("connect", address))
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "create_connection"):
        monkeypatch.setattr(socket, name, lambda *a, _n=name, **k: attempts.append((_n, a)))
    folder = brown_exports(tmp_path / "brown")
    app.new_case(folder)
    client = client_for(folder)
    client.post("/case/brown/build")
    entry = workspace_of(client).case("brown")
    workspace_of(client).wait(entry)
    assert entry.job.error == ""
    for page in ("chronology", "findings", "links", "ingest", "annotations", "pictures"):
        assert client.get(f"/case/brown/{page}").status_code == 200
    assert attempts == []


@pytest.mark.slow
@pytest.mark.skipif(_strace_works() is not None, reason=str(_strace_works()))
def test_chronos_serve_opens_no_internet_connection(tmp_path):
    from chronos import app

    folder = brown_exports(tmp_path / "brown")
    app.new_case(folder)
    log = tmp_path / "strace.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BROWSER": "true"}
    server = subprocess.Popen(
        ["strace", "-f", "-qq", "-e", "trace=socket,connect,sendto,sendmsg,bind", "-o", str(log),
         sys.executable, "-m", "chronos", "serve", str(folder), "--no-browser"],
        env=env, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        line = server.stderr.readline()
        url = re.search(r"http://127\.0\.0\.1:(\d+)/\?token=(\S+)", line)
        assert url, line
        port, token = int(url.group(1)), url.group(2)
        cookie = f"chronos_token_{port}={token}"

        def ask(method: str, path: str) -> http.client.HTTPResponse:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request(method, path, headers={"Cookie": cookie})
            answer = connection.getresponse()
            answer.read()
            return answer

        assert ask("POST", "/case/brown/build").status == 303
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request("GET", "/case/brown/status", headers={"Cookie": cookie})
            if b'"done":true' in connection.getresponse().read():
                break
            time.sleep(0.5)
        for page in ("chronology", "findings", "pictures", "links", "mapping"):
            assert ask("GET", f"/case/brown/{page}").status == 200
    finally:  # Ctrl+C to strace and the server alike (strace does not pass it on)
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=60)
    assert token != TOKEN
    calls = [c for c in log.read_text().splitlines() if "sin_addr" in c or "sin6_addr" in c]
    assert calls, "strace saw the server bind its socket"
    elsewhere = [c for c in calls if 'inet_addr("127.0.0.1")' not in c]
    assert elsewhere == []                          # bound and talking on loopback only
    assert not [c for c in calls if "htons(53)" in c]   # no name lookup, even a local one
    assert (tmp_path / "brown-chronos-out" / "chronology.docx").exists()
