"""The application layer: what each ``chronos`` command does, as functions.

The command line (:mod:`chronos.cli`) parses arguments, calls one function here and renders
what it returns; anything else that drives chronos (a notebook, a workspace server) calls
the same functions. Nothing here prints or knows about a terminal: progress goes to the
``progress`` callback, results come back as values (tables, dataclasses with ``as_dict()``
for JSON), and problems are raised as :class:`chronos.errors.ChronosError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chronos.pipeline import CaseResult, Progress


@dataclass
class Chart:
    """Files a chart command wrote, and what the drawing could not do cleanly."""

    files: list[Path]
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"files": [str(p) for p in self.files], "warnings": list(self.warnings)}


def _case(case):
    from chronos.case import Case, load_case

    return case if isinstance(case, Case) else load_case(case)


# --------------------------------------------------------------------------- linking


def link(case, *, out: Path | None = None, train: bool = False,
         progress: Progress | None = None) -> CaseResult:
    """Ingest and link a case (no de-duplication, no findings); write ``persons.csv``,
    ``links.csv``, ``link-review.csv`` and ``link-warnings.csv`` to ``out`` if given.
    ``result.link_result.summary()`` is the summary."""
    from chronos.case import build_case
    from chronos.link.stage import link_stage, write_link_files

    result = build_case(_case(case), progress=progress, stages=())
    link_stage(result, train=train)
    if out is not None:
        write_link_files(result, Path(out))
    return result


def explain_link(case, record_a: str, record_b: str, *, chart: Path | None = None):
    """Why two person records were or were not joined, field by field (a
    :class:`chronos.link.explain.LinkExplanation`); the waterfall chart to ``chart``."""
    from chronos.case import build_case
    from chronos.link.stage import explain_records

    result = build_case(_case(case), stages=())
    return explain_records(result, record_a, record_b, waterfall=chart)


# --------------------------------------------------------------------------- charts


def genogram(source, out: Path, *, as_of: str | None = None, pseudonymise: bool = False,
             progress: Progress | None = None) -> Chart:
    """Draw the genogram of a case (a case.yaml or its folder) or of a GEDCOM .ged file."""
    from chronos.genogram.case import draw_genogram_file

    path = Path(source)
    if path.suffix.lower() != ".ged":
        from chronos.case import build_case

        source = build_case(_case(path), progress=progress)
    else:
        source = path
    written, warnings = draw_genogram_file(source, out, as_of=as_of, pseudonymise=pseudonymise,
                                           progress=progress)
    return Chart(list(written), list(warnings))


def ecomap(case, out: Path, *, as_of: str | None = None, pseudonymise: bool = False,
           progress: Progress | None = None) -> Chart:
    """Draw the ecomap of a case: the family in the centre, the agencies around it."""
    from chronos.case import build_case
    from chronos.genogram.case import ecomap_for_case

    result = build_case(_case(case), progress=progress)
    return Chart(list(ecomap_for_case(result, out, as_of=as_of, pseudonymise=pseudonymise)))


__all__ = ["Chart", "ecomap", "explain_link", "genogram", "link"]
