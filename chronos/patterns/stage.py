"""The ``findings`` stage (:mod:`chronos.pipeline`): the indicator catalogue over the
events, then the cumulative harm index per child, on one SQL engine.

A case runs it on in-memory DuckDB (:class:`FindingsStage`); a population's screen runs
the same two steps, :func:`chronos.patterns.engine.run_on_engine` and the harm index SQL
(:mod:`chronos.patterns.harm`), on DuckDB over Parquet or on Spark
(:func:`chronos.screen.stages.run_findings`).
"""

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
        from chronos.patterns.engine import connect, run_on_engine
        from chronos.patterns.episodes import family_findings
        from chronos.patterns.harm import harm_series
        from chronos.patterns.present import case_rules
        from chronos.sql.engines import DuckDBEngine

        rules = case_rules(result, extra_rules=self.rules, params=self.params)
        engine = DuckDBEngine(connect(result.events, result.persons, result.relationships))
        try:
            run = run_on_engine(engine, rules, result.as_of)
            harm = harm_series(engine, run.findings, run.as_of)  # per child, as the rules give
        finally:
            engine.close()
        result.child_findings = run.findings
        structural = {r.id for r in rules if r.type == "structural"}
        result.findings = family_findings(run.findings, result.persons, run.as_of,
                                          structural=structural)
        result.rule_notes = run.notes
        result.harm_index = harm
        counts = {"count": len(result.findings), "by_child": len(run.findings),
                  "as_of": run.as_of, "data_quality_notes": len(run.notes)}
        if isinstance(result.report, dict):
            result.report["findings"] = counts
        return counts
