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


@pytest.fixture
def decisions():
    """Review decisions about the example (chronos annotate): row 2 (Routine) marked
    significant, row 10 (F2's evidence) hidden as not significant with a note, finding
    F1 (F-wnb) dismissed with a reason and noted, and a note about an event the case no
    longer has."""
    from chronos.annotations import Annotation, Annotations

    return Annotations([
        Annotation("Eeec9e4ab21fe", "significance", "significant", "A Analyst",
                   "2026-12-07T10:00:00", "first sign of the pattern"),
        Annotation("E4e7819b0d2bb", "significance", "not significant", "A Analyst",
                   "2026-12-07T10:01:00", ""),
        Annotation("E4e7819b0d2bb", "note", "nursery photo, not a sign", "A Analyst",
                   "2026-12-07T10:01:00", ""),
        Annotation("F-wnb", "dismissed", "yes", "B Reviewer", "2026-12-07T11:00:00",
                   "appointments moved by the clinic"),
        Annotation("F-wnb", "note", "checked with the practice", "B Reviewer",
                   "2026-12-07T11:00:00", ""),
        Annotation("Egone0000001", "note", "from an older export", "A Analyst",
                   "2026-11-01T09:00:00", ""),
    ])


@pytest.fixture
def reviewed(example, decisions):
    """The example's chronology with those decisions applied."""
    return build_chronology(example, ChronologyOptions(produced="2024-03-31",
                                                       annotations=decisions))
