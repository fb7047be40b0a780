"""A review with templates issued to four agencies (synthetic child), for the returns tests."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from chronos.returns.issue import Request, issue_templates
from chronos.settings import Settings

AGENCIES = ["Oakfield Primary School", "Health visiting", "Police", "Housing"]
ISSUED_ON = dt.date(2024, 4, 2)
CHECKED_AT = dt.datetime(2024, 5, 1, 9, 30)


@pytest.fixture(autouse=True)
def no_user_settings(tmp_path_factory, monkeypatch):
    """Never read the settings of the person running the tests."""
    monkeypatch.setenv("CHRONOS_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))


def issue(root: Path, agencies=AGENCIES, settings: Settings | None = None, **asked):
    """Issue templates into ``root`` for the synthetic review of Jade Smith."""
    request = Request(list(agencies), child=asked.pop("child", "Jade Smith"),
                      dob=asked.pop("dob", "2016-05-03"),
                      period_start=asked.pop("period_start", "2019-01-01"),
                      period_end=asked.pop("period_end", "2024-03-31"),
                      due=asked.pop("due", "2024-05-10"))
    return issue_templates(root, request, settings or Settings(),
                           today=asked.pop("today", ISSUED_ON))


@pytest.fixture(scope="session")
def issued_review(tmp_path_factory) -> Path:
    """Templates issued once to the four agencies (copied for each test)."""
    root = tmp_path_factory.mktemp("issued") / "review"
    issue(root)
    return root


@pytest.fixture
def review(tmp_path, issued_review) -> Path:
    """A case folder with templates issued to the four agencies (a private copy)."""
    root = tmp_path / "review"
    shutil.copytree(issued_review, root)
    return root


def template(root: Path, agency_slug: str, suffix: str) -> Path:
    return root / "returns" / "templates" / f"{agency_slug}{suffix}"
