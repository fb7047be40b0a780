"""Linking and de-duplication as stages of a case build (:mod:`chronos.pipeline`).

``build_case`` runs :class:`LinkStage` then :class:`DedupeStage` on its
:class:`~chronos.pipeline.CaseResult`; ``write_outputs`` adds the files of
:func:`output_writers`; :func:`write_link_files` writes what ``chronos link`` writes.

Manifest keys read (all optional)::

    overrides: overrides.yaml        # must_link / cannot_link (default: beside case.yaml)
    linking:                         # top-level keys of chronos/data/link_model.yaml
      link_threshold: 0.95
      model_path: my_model.yaml      # a whole model of your own (relative to case.yaml)
      train: false
    dedupe:                          # keys of chronos/data/dedupe.yaml
      tolerance_days: 2
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from chronos import model


def _case_settings(case) -> tuple[dict, bool]:
    raw = dict((getattr(case, "settings", None) or {}).get("linking") or {})
    train = bool(raw.pop("train", False))
    if raw.get("model_path"):
        raw["model_path"] = str(Path(case.root) / raw["model_path"])
    return raw, train


def _as_of(case) -> date | None:
    value = getattr(case, "as_of", None)
    return date.fromisoformat(str(value)[:10]) if value else None


class LinkStage:
    """The ``link`` stage: :func:`link_stage` (``train`` overrides the manifest's;
    ``people``, a stand-in for :func:`chronos.link.people.link_people`, e.g. one that
    remembers its results)."""

    name = "link"

    def __init__(self, *, train: bool | None = None, people=None):
        self.train, self.people = train, people

    def run(self, result) -> None:
        link_stage(result, train=self.train, people=self.people)


class DedupeStage:
    """The ``dedupe`` stage: :func:`dedupe_stage`."""

    name = "dedupe"

    def run(self, result) -> None:
        dedupe_stage(result)


def link_stage(result, *, train: bool | None = None, people=None) -> None:
    """Link the case's person records; replace persons and links; map record keys in
    events and relationships to person ids; add derived household relationships.
    ``people``: the function that links (default :func:`chronos.link.people.link_people`)."""
    import pandas as pd

    from chronos.link.apply import apply_person_ids
    from chronos.link.households import households
    from chronos.link.people import link_people

    records = result.person_records
    settings, train_default = _case_settings(result.case)
    linked = (people or link_people)(records, overrides=result.case.overrides_path, settings=settings,
                         train=train_default if train is None else train,
                         as_of=_as_of(result.case), events=result.events)
    result.events, result.relationships = apply_person_ids(
        result.events, result.relationships, linked.record_to_person)
    result.persons, result.links = linked.persons, linked.links
    derived = households(_records_with_person(records, linked), result.relationships,
                         result.events)
    derived = derived[derived["subtype"] != "stated"]
    result.relationships = model.conform(pd.concat([result.relationships, derived],
                                                   ignore_index=True), "relationships")
    result.warnings.extend(linked.warnings)
    result.record_to_person, result.link_result = linked.record_to_person, linked
    result.link_review = linked.review
    if isinstance(result.report, dict):
        result.report["linking"] = linked.summary()
        result.report.setdefault("warnings", []).extend(w.as_dict() for w in linked.warnings)


def _records_with_person(records, linked):
    if records is None or len(records) == 0:
        return model.empty("persons")
    frame = model.conformed(records, "persons").copy()
    frame["person_id"] = frame["record_key"].map(linked.record_to_person)
    return frame


def dedupe_stage(result) -> None:
    """Merge the same event reported by several sources (see chronos.link.events)."""
    from chronos.link.events import dedupe_events

    config = (getattr(result.case, "settings", None) or {}).get("dedupe")
    before = len(result.events)
    result.events, duplicates = dedupe_events(result.events, config)
    result.event_duplicates = duplicates
    if isinstance(result.report, dict):
        result.report["dedupe"] = {"events_in": before, "events_out": len(result.events),
                                   "duplicates": len(duplicates)}


def write_link_review(result, path: Path) -> None:
    """``link-review.csv``: pairs for a person to decide (decision: same / different)."""
    from chronos.link.people import REVIEW_COLUMNS
    from chronos.report.safe_files import write_csv

    import pandas as pd

    review = result.link_review
    write_csv(review if review is not None else pd.DataFrame(columns=REVIEW_COLUMNS), path)


def write_event_duplicates(result, path: Path) -> None:
    """``events-duplicates.csv``: the reports merged into another event (duplicate_of)."""
    from chronos.report.safe_files import write_csv

    duplicates = result.event_duplicates
    if duplicates is None:
        duplicates = model.empty("events")
        duplicates["duplicate_of"] = duplicates["event_id"]
    write_csv(duplicates, path)


def write_link_outputs(result, folder: Path) -> None:
    """``link-review.csv`` and ``events-duplicates.csv`` in the build's folder."""
    write_link_review(result, Path(folder) / "link-review.csv")
    write_event_duplicates(result, Path(folder) / "events-duplicates.csv")


def output_writers() -> list[tuple[str, object]]:
    """(label, writer(result, folder)) entries ``write_outputs`` adds for these stages."""
    return [("link review and event duplicates", write_link_outputs)]


def write_link_files(result, out: Path) -> None:
    """The four files appear in ``out`` together or not at all; ``out`` must be new,
    empty or a chronos output (a build's: its other files are kept)."""
    import pandas as pd

    from chronos.report.safe_files import input_folders, staged_files, write_csv

    linked = result.link_result
    warnings = pd.DataFrame([w.as_dict() for w in linked.warnings],
                            columns=["code", "message", "source_file", "source_ref",
                                     "column", "value", "severity"])
    with staged_files(Path(out), protect=input_folders(result.case), kind="link") as stage:
        for name, table in (("persons.csv", linked.persons), ("links.csv", linked.links),
                            ("link-review.csv", linked.review), ("link-warnings.csv", warnings)):
            write_csv(table, stage / name)


def explain_records(result, key_a: str, key_b: str, *, waterfall: Path | None = None):
    """Why two of a case's person records were or were not joined (``result``: the case
    after its ingest stage), with the case's linking settings and overrides."""
    from chronos.link.explain import explain_link

    case = result.case
    settings, _ = _case_settings(case)
    explanation = explain_link(result.person_records, key_a, key_b, settings,
                               overrides=case.overrides_path, as_of=_as_of(case),
                               events=result.events)
    if waterfall is not None:
        explanation.save_waterfall(waterfall)
    return explanation
