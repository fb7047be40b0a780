"""``chronos serve``: the address printed (and as JSON), the browser opened unless told
not to, a clear error for a path that is not there."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from chronos.cli import app

from .conftest import brown_exports


def test_serve_prints_the_address_and_opens_the_browser(tmp_path, monkeypatch):
    import webbrowser

    import chronos.serve

    from chronos import app as run

    folder = brown_exports(tmp_path / "brown")
    run.new_case(folder)
    served, opened = [], []
    monkeypatch.setattr(chronos.serve.Server, "run", lambda self: served.append(self))
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url))
    result = CliRunner().invoke(app, ["serve", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["url"].startswith(f"http://127.0.0.1:{data['port']}/?token=")
    assert opened == [data["url"]] and len(served) == 1
    assert served[0].sock.getsockname() == ("127.0.0.1", data["port"])
    served[0].sock.close()
    again = CliRunner().invoke(app, ["serve", str(folder), "--no-browser", "--json"])
    assert again.exit_code == 0 and len(opened) == 1          # not opened this time
    second = json.loads(again.stdout)
    assert second["url"].split("token=")[1] != data["url"].split("token=")[1]
    served[1].sock.close()


def test_serve_on_a_missing_path_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(app, ["serve", str(tmp_path / "nowhere"), "--no-browser"])
    assert result.exit_code == 1 and "does not exist" in result.output
    assert "Traceback" not in result.output
