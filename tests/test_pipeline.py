"""The case context the stages hand on (chronos.pipeline.CaseResult)."""

from chronos import model
from chronos.pipeline import CaseResult


def _result() -> CaseResult:
    return CaseResult(case=None, events=model.empty("events"), persons=model.empty("persons"),
                      links=model.empty("links"), relationships=model.empty("relationships"),
                      quarantine=model.empty("quarantine"), findings=model.empty("findings"),
                      report={}, sources=[])


def test_a_result_works_a_thing_out_once_and_forgets_it_when_a_field_is_set():
    result, calls = _result(), []

    def count():
        calls.append(len(result.events))
        return len(calls)

    assert result.remember("n", count) == 1
    assert result.remember("n", count) == 1
    assert result.remember("other", count) == 2
    result.events = model.conform([{"event_id": "E1"}], "events")
    assert result.remember("n", count) == 3
    assert calls == [0, 0, 1]

