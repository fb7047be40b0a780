"""The workspace's returns page: templates issued from a form, downloaded, and the files
saved in returns/received/ checked and added to the case, as ``chronos returns`` does."""

from __future__ import annotations

import yaml

from tests.returns.agency import fill_docx
from tests.serve.conftest import brown_exports, client_for


def _case(tmp_path, monkeypatch):
    from chronos import app

    monkeypatch.setenv("CHRONOS_CONFIG_DIR", str(tmp_path / "config"))
    folder = brown_exports(tmp_path / "brown")
    app.new_case(folder, name="Brown family (synthetic)")
    return folder, client_for(folder)


def test_templates_are_issued_downloaded_and_returns_checked(tmp_path, monkeypatch):
    folder, client = _case(tmp_path, monkeypatch)
    first = client.get("/case/brown/returns").text
    assert 'id="no-returns"' in first and 'id="new-returns"' in first
    made = client.post("/case/brown/returns", follow_redirects=False, data={
        "action": "new", "agencies": "Police, Housing", "child": "Jayden Brown",
        "dob": "2015-03-04", "period_start": "2020-01-01", "period_end": "2021-12-31",
        "due": "2022-02-01"})
    assert made.status_code == 303 and "said=" in made.headers["location"]
    page = client.get("/case/brown/returns").text
    assert 'data-agency="Police"' in page and 'data-agency="Housing"' in page
    assert "0 returned, 2 outstanding" in page
    template = client.get("/case/brown/returns/files/police.docx")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    assert client.get("/case/brown/returns/files/case.yaml").status_code == 404
    assert client.get("/case/brown/returns/files/..%2Fcase.yaml").status_code == 404

    inbox = folder / "returns" / "received"
    inbox.mkdir(parents=True, exist_ok=True)
    fill_docx(folder / "returns" / "templates" / "police.docx", inbox / "police back.docx",
              [("03/04/2021", "", "PC 1", "Domestic incident", "DASH", "", "")])
    checked = client.post("/case/brown/returns", data={"action": "check"},
                          follow_redirects=False)
    assert "1+return" in checked.headers["location"]
    page = client.get("/case/brown/returns").text
    police = page.split('data-agency="Police"')[1].split("</tr>")[0]
    assert "returned" in police and "1 returned, 1 outstanding" in page
    sources = yaml.safe_load((folder / "case.yaml").read_text())["sources"]
    assert any(s.get("name") == "return-police" for s in sources)
    [report] = [p.name for p in (folder / "returns" / "reports").iterdir()]
    assert report.endswith("-check.docx")
    listed = page.split('id="returns-reports"')[1].split("</ul>")[0]
    assert report in listed and "police.docx" not in listed
    assert client.get(f"/case/brown/returns/files/{report}").status_code == 200


def test_a_form_without_agencies_or_with_a_bad_date_says_why(tmp_path, monkeypatch):
    folder, client = _case(tmp_path, monkeypatch)
    empty = client.post("/case/brown/returns", data={"action": "new", "agencies": " , "},
                        follow_redirects=False)
    assert "error=" in empty.headers["location"]
    bad = client.post("/case/brown/returns", follow_redirects=False, data={
        "action": "new", "agencies": "Police", "child": "Jayden Brown", "dob": "2015-03-04",
        "period_start": "2022-01-01", "period_end": "2020-01-01"})
    assert "error=" in bad.headers["location"]
    assert not (folder / "returns" / "templates").exists()
