"""The workspace is private: loopback Host only, the run's token (URL, then cookie),
changes only from its own pages, a strict content policy on every answer, and a real
server bound to 127.0.0.1."""

from __future__ import annotations

import http.client
import stat

import pytest

from chronos.serve.security import POLICY, host_name

from .conftest import TOKEN, brown_exports, client_for


@pytest.fixture
def client(tmp_path):
    from chronos import app

    folder = brown_exports(tmp_path / "brown")
    app.new_case(folder)
    return client_for(folder)


def test_a_request_without_the_token_is_refused(client):
    client.cookies.clear()
    for path in ("/", "/case/brown/chronology", "/static/chronos.js", "/nowhere"):
        answer = client.get(path)
        assert answer.status_code == 403, path
        assert "token" in answer.text
    assert client.post("/new", data={"folder": "."}).status_code == 403


def test_a_wrong_token_is_refused_in_the_url_and_in_the_cookie(client):
    client.cookies.clear()
    assert client.get("/?token=" + TOKEN[:-1] + "y").status_code == 403
    client.cookies.set("chronos_token", TOKEN + "x")
    assert client.get("/").status_code == 403


def test_the_token_in_the_url_sets_a_strict_cookie_and_leaves_the_address(client):
    client.cookies.clear()
    answer = client.get(f"/case/brown/ingest?token={TOKEN}&source=x", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/case/brown/ingest?source=x"
    cookie = answer.headers["set-cookie"]
    assert f"chronos_token={TOKEN}" in cookie
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert client.get("/?all=1").status_code == 200     # the cookie is enough from now on


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8765", "127.0.0.1.evil.example",
                                  "192.168.1.20:8765", "0.0.0.0:8765", ""])
def test_a_foreign_host_is_refused_even_with_the_token(client, host):
    answer = client.get("/?all=1", headers={"host": host})
    assert answer.status_code == 403
    assert "Host" in answer.text


@pytest.mark.parametrize("host", ["127.0.0.1:8765", "localhost:8765", "[::1]:8765", "LOCALHOST"])
def test_loopback_names_are_served(client, host):
    assert client.get("/?all=1", headers={"host": host}).status_code == 200


def test_host_name_reads_ports_and_brackets():
    assert host_name("127.0.0.1:80") == "127.0.0.1"
    assert host_name("[::1]:8080") == "[::1]"
    assert host_name("Localhost") == "localhost"
    assert host_name("evil.example:1:2") == "evil.example:1:2"


def test_a_change_from_another_site_is_refused(client):
    answer = client.post("/new", data={"folder": "."},
                         headers={"origin": "http://evil.example"}, follow_redirects=False)
    assert answer.status_code == 403
    same = client.post("/new", data={"folder": "."},
                       headers={"origin": "http://127.0.0.1:8765"}, follow_redirects=False)
    assert same.status_code == 303


def test_every_answer_carries_a_strict_content_policy(client):
    for path in ("/?all=1", "/static/chronos.css", "/case/brown/nothing-here"):
        answer = client.get(path)
        assert answer.headers["content-security-policy"] == POLICY, path
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "no-referrer"
    client.cookies.clear()
    assert client.get("/").headers["content-security-policy"] == POLICY
    assert "script-src 'self'" in POLICY and "unsafe-inline" not in POLICY
    assert "default-src 'none'" in POLICY


def test_pages_load_only_the_packages_own_scripts_and_styles(client):
    import re

    page = client.get("/?all=1").text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert "/static/chronos.js" in sources and "/static/chronos.css" in sources
    assert not [s for s in sources if "//" in s]          # nothing from another origin
    assert "<script>" not in page and "style=" not in page  # nothing inline (CSP forbids it)
    script = client.get("/static/chronos.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    style = client.get("/static/chronos.css")
    for shipped in (script.text, style.text):
        assert "http://" not in shipped and "https://" not in shipped and "@import" not in shipped


def test_a_real_server_listens_on_loopback_only_and_checks_host(tmp_path):
    from chronos import app
    from chronos.serve import prepare

    folder = brown_exports(tmp_path / "brown")
    app.new_case(folder)
    server = prepare(folder, token=TOKEN)
    assert server.sock.getsockname()[0] == "127.0.0.1"
    assert server.url == f"http://127.0.0.1:{server.port}/?token={TOKEN}"
    running = server.start_in_thread()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        connection.request("GET", "/", headers={"Host": "attacker.example"})
        assert connection.getresponse().status == 403
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        connection.request("GET", "/")
        assert connection.getresponse().status == 403
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        connection.request("GET", f"/?token={TOKEN}")
        answer = connection.getresponse()
        assert answer.status == 303 and "chronos_token_" in answer.getheader("set-cookie")
    finally:
        running.should_exit = True


def test_a_busy_port_is_a_clear_error(tmp_path):
    from chronos.errors import ChronosError
    from chronos.serve import prepare

    first = prepare(tmp_path)
    try:
        with pytest.raises(ChronosError, match="cannot listen"):
            prepare(tmp_path, port=first.port)
    finally:
        first.sock.close()


def test_a_form_too_large_is_refused_unread(client):
    answer = client.post("/new", content=b"folder=" + b"x" * 1_100_000,
                         headers={"content-type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 413
