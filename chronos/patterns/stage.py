"""The ``findings`` stage of a case build (:mod:`chronos.pipeline`): the indicator
catalogue over the case's events, then the cumulative harm index per child."""

from __future__ import annotations


class FindingsStage:
    """Run the catalogue (with the case's rule parameters; ``rules`` files add to or
    replace catalogue rules, ``params`` override parameters on top of the case's) and
    set ``child_findings`` (one per child, as the rules give them), ``findings`` (one per
    pattern per family episode, ranked: :mod:`chronos.patterns.episodes`), ``rule_notes``
    and ``harm_index`` on the result."""

    name = "findings"

    def __init__(self, *, rules=None, params=None):
        self.rules, self.params = rules, params

    def run(self, result) -> dict:
        from chronos.patterns.episodes import family_findings
        from chronos.patterns.harm import harm_index
        from chronos.patterns.present import case_findings
        from chronos.patterns.rules import load_catalogue

        run = case_findings(result, extra_rules=self.rules, params=self.params)
        result.child_findings = run.findings
        structural = {r.id for r in load_catalogue(extra=self.rules) if r.type == "structural"}
        result.findings = family_findings(run.findings, result.persons, run.as_of,
                                          structural=structural)
        result.rule_notes = run.notes
        result.harm_index = harm_index(result.events, result.child_findings, result.persons,
                                       result.relationships, as_of=run.as_of)
        counts = {"count": len(result.findings), "by_child": len(run.findings),
                  "as_of": run.as_of, "data_quality_notes": len(run.notes)}
        if isinstance(result.report, dict):
            result.report["findings"] = counts
        return counts
