"""The limits live in one module, and the analyst guide states each one as it is."""

from __future__ import annotations

from pathlib import Path

from chronos import limits

ROOT = Path(__file__).resolve().parents[1]


def _as_written(value: int) -> str:
    """A limit as the guide writes it: 16 MiB, 1 GiB, or 250,000."""
    for unit, size in (("GiB", 1024 ** 3), ("MiB", 1024 ** 2)):
        if value >= size and value % size == 0:
            return f"{value // size} {unit}"
    return f"{value:,}"


def test_every_limit_is_a_positive_whole_number():
    found = limits.describe()
    assert len(found) >= 15
    assert all(isinstance(v, int) and v > 0 for v in found.values())


def test_the_analyst_guide_states_every_limit():
    guide = (ROOT / "docs" / "analyst.md").read_text("utf-8")
    section = guide[guide.index("### Inputs it will not read"):]
    missing = {name: _as_written(value) for name, value in limits.describe().items()
               if _as_written(value) not in section}
    assert not missing, f"docs/analyst.md does not state: {missing}"


def test_xml_text_allows_a_full_cell_escaped():
    assert limits.MAX_XML_TEXT_BYTES >= 6 * limits.MAX_CELL_CHARS
    assert limits.MAX_LINE_BYTES > limits.MAX_CELL_CHARS * 4
