"""Workspaces for the server's tests: a copy of the example family (read once per
module, it takes seconds) and a small synthetic case whose linking leaves pairs to
review. The client carries the run's token cookie and a loopback Host."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "smith-family"
TOKEN = "test-token-" + "x" * 20

BROWN_GP = """Patient ID,Patient Name,DOB,Postcode,Appt Date,Status
G1,"BROWN, Jayden",04/03/2015,LS1 4AP,10/01/2021,DNA
G1,"BROWN, Jayden",04/03/2015,LS1 4AP,11/02/2021,DNA
G2,"BROWN, Lacey",12/12/1990,LS1 4AP,12/01/2021,Attended
"""
BROWN_SCHOOL = """Pupil ID,Forename,Surname,DOB,Postcode,Date,Event
S1,Jaden,Brown,,LS9 9ZZ,15/01/2021,Head lice
S2,Jayden,Brown,,,20/01/2021,Head lice
S3,J,Brown,04/03/2015,,20/01/2021,Head lice
S4,Jayden,Brown,2015,LS1 4AP,20/01/2021,Head lice
S4,Jayden,Brown,2015,LS1 4AP,10/01/2021,Was not brought
"""
BROWN_MAPPINGS = {
    "gp.yaml": """agency: GP
dayfirst: true
person: {id: Patient ID, name: Patient Name, dob: DOB, postcode: Postcode}
events:
  - date: Appt Date
    type: {column: Status, map: {DNA: was_not_brought, Attended: appointment_attended}}
    summary: "GP: {Status}"
""",
    "school.yaml": """agency: School
dayfirst: true
person: {id: Pupil ID, given_name: Forename, family_name: Surname, dob: DOB, postcode: Postcode}
events:
  - date: Date
    type: {column: Event}
    summary: "School: {Event}"
""",
}


def brown_exports(folder: Path) -> Path:
    """A folder of two exports and their mappings, no case.yaml yet."""
    (folder / "exports").mkdir(parents=True)
    (folder / "mappings").mkdir()
    (folder / "exports" / "gp.csv").write_text(BROWN_GP)
    (folder / "exports" / "school.csv").write_text(BROWN_SCHOOL)
    for name, text in BROWN_MAPPINGS.items():
        (folder / "mappings" / name).write_text(text)
    return folder


def family_copy(folder: Path) -> Path:
    shutil.copytree(EXAMPLE, folder)
    return folder


def client_for(path: Path, host: str = "127.0.0.1:8765"):
    """A TestClient of a workspace on ``path``, with the token cookie set."""
    from starlette.testclient import TestClient

    from chronos.serve import create_app

    app = create_app(path, token=TOKEN)
    client = TestClient(app, base_url=f"http://{host}")
    client.cookies.set("chronos_token", TOKEN)
    return client


def workspace_of(client):
    return client.app.app.state.workspace


def load(client, key: str):
    """Read the case ``key`` (as its first page does) and wait for it."""
    ws = workspace_of(client)
    entry = ws.case(key)
    ws.ensure_loaded(entry)
    ws.wait(entry)
    assert entry.job.error == "", entry.job.error
    return entry


@pytest.fixture(scope="module")
def family(tmp_path_factory):
    """(client, entry) of a workspace on a copy of the example family, read once."""
    folder = family_copy(tmp_path_factory.mktemp("ws") / "smith")
    client = client_for(folder)
    return client, load(client, "smith")


@pytest.fixture
def brown(tmp_path):
    """(client, entry) of a workspace on the small synthetic case, read."""
    from chronos import app

    folder = brown_exports(tmp_path / "brown")
    app.new_case(folder, name="Brown family (synthetic)")
    client = client_for(folder)
    return client, load(client, "brown")
