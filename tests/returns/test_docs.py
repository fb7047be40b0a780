"""The returns and settings docs list every check and every key the code has."""

from pathlib import Path

from chronos.returns.messages import catalogue
from chronos.settings import AUTHOR_KEYS, DEFAULT_HEADINGS, SECTION_KEYS, TOP_KEYS

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_check_is_in_the_reference_with_its_number_title_and_code():
    text = (DOCS / "returns.md").read_text("utf-8")
    for check in catalogue().values():
        assert f"| {check.number} | {check.title} |" in text and f"`{check.code}`" in text


def test_every_settings_key_is_documented():
    text = (DOCS / "settings.md").read_text("utf-8")
    keys = [*(k for k in TOP_KEYS if k not in SECTION_KEYS), *(f"{s}.{k}" for s, ks in SECTION_KEYS.items() for k in ks)]
    for key in keys:
        assert f"| `{key}` |" in text, key
    for key in (*AUTHOR_KEYS, *DEFAULT_HEADINGS):
        assert f"`{key}`" in text, key
    for key, heading in DEFAULT_HEADINGS.items():
        assert f"| `{key}` | {heading} |" in text
