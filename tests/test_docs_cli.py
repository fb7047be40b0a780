"""docs/cli.md is the ``--help`` of every command (made by docs/make_cli_reference.py);
this fails when a command or an option changed and the page was not made again."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _maker():
    spec = importlib.util.spec_from_file_location("make_cli_reference",
                                                  ROOT / "docs" / "make_cli_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_cli_md_is_up_to_date():
    made = _maker().reference()
    assert (ROOT / "docs" / "cli.md").read_text("utf-8") == made, (
        "docs/cli.md is out of date: run python docs/make_cli_reference.py")


def test_the_reference_covers_every_command():
    maker = _maker()
    text = maker.reference()
    for path in maker.commands():
        assert f"## `{' '.join(['chronos', *path])}`" in text
    assert "## `chronos rules test`" in text and "--summarise-before" in text
