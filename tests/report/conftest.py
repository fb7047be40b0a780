"""Fixtures for the report writers: the synthetic Smith family and its chronology."""

import pytest

from chronos.report._example import example_result
from chronos.report.document import ChronologyOptions, build_chronology


@pytest.fixture
def example():
    """A built case (synthetic): two index children, five people, 26 events, 2 findings."""
    return example_result()


@pytest.fixture
def chron(example):
    """The whole-family chronology of the example, produced on a fixed date."""
    return build_chronology(example, ChronologyOptions(produced="2024-03-31"))
