"""The example case (examples/smith-family): every planted pattern is found by the rule(s)
meant to find it, and no finding cites a decoy. PLANTED.md lists both, row by row."""

import re
from pathlib import Path

import pytest

from chronos.case import build_case
from chronos.patterns.present import case_findings

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "smith-family"

# planted pattern -> the rules that find it (a finding of one of them must cite its rows)
FOUND_BY = {
    "wnb_kayden": {"wnb_health"},
    "ae_toddler": {"ae_frequent"},
    "ae_baby_injury": {"ae_frequent_infant", "injury_non_mobile_baby", "ae_infant_no_hv_followup"},
    "head_lice": {"head_lice_repeated"},
    "dental_decay": {"dental_decay_young"},
    "falling_attendance": {"absence_persistent"},
    "domestic_abuse": {"domestic_abuse_child_present", "toxic_trio", "info_not_acted_on"},
    "domestic_abuse_child": {"domestic_abuse_child_present"},
    "toxic_trio_2022": {"toxic_trio"},
    "toxic_trio_2023": {"toxic_trio"},
    "cp_plan_long": {"drift_cp_plan"},
    "closed_then_rereferred": {"closed_then_rereferred"},
    "worker_changes": {"worker_changes"},
    "unassessed_partner": {"invisible_adult"},
    "home_conditions": {"poor_home_conditions", "info_not_acted_on", "concerns_during_plan"},
    "arrears": {"housing_instability"},
    "missing": {"missing_adolescent"},
    "assessment": {"invisible_adult"},
}


def planted(section: str) -> dict[str, set[tuple[str, str]]]:
    """{name: {(file, row)}} for one section of PLANTED.md."""
    text = (EXAMPLE / "PLANTED.md").read_text(encoding="utf-8")
    body = text.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    out: dict[str, set] = {}
    name = None
    for line in body.splitlines():
        head = re.match(r"- \*\*(\w+)\*\*", line)
        if head:
            name = head.group(1)
            out[name] = set()
        rows = re.match(r"\s+- (\S+): rows (.+)$", line)
        if rows and name:
            out[name] |= {(rows.group(1), r.strip()) for r in rows.group(2).split(", ")}
    return out


@pytest.fixture(scope="module")
def example():
    if not (EXAMPLE / "PLANTED.md").exists():
        pytest.skip("examples/smith-family is not in this checkout")
    result = build_case(EXAMPLE)
    run = case_findings(result)
    events = result.events
    where: dict[tuple, set] = {}
    for f, refs, e in zip(events["source_file"], events["source_ref"], events["event_id"]):
        for r in str(refs).split(";"):  # an occurrence's event names every row it came from
            where.setdefault((f, r), set()).add(e)
    cited: dict[str, set[str]] = {}
    for rule_id, ids in zip(run.findings["rule_id"], run.findings["event_ids"]):
        for eid in str(ids).split(";"):
            cited.setdefault(eid, set()).add(rule_id)
    return where, cited


def _events_of(rows, where):
    return {e for row in rows for e in where.get(row, ())}


PATTERNS = planted("Patterns that later rules must find") if (EXAMPLE / "PLANTED.md").exists() else {}
DECOYS = planted("Decoys that must NOT be flagged") if (EXAMPLE / "PLANTED.md").exists() else {}


def test_every_planted_pattern_has_a_rule():
    assert set(PATTERNS) - set(FOUND_BY) == set()


@pytest.mark.parametrize("name", sorted(PATTERNS), ids=sorted(PATTERNS))
def test_planted_pattern_is_found(example, name):
    where, cited = example
    events = _events_of(PATTERNS[name], where)
    assert events, f"{name}: its rows did not become events"
    rules = {rule for eid in events for rule in cited.get(eid, set())}
    assert rules & FOUND_BY[name], f"{name} not found by {sorted(FOUND_BY[name])}; cited by {sorted(rules)}"


@pytest.mark.parametrize("name", sorted(DECOYS), ids=sorted(DECOYS))
def test_decoy_is_not_flagged(example, name):
    where, cited = example
    events = _events_of(DECOYS[name], where)
    assert events, f"{name}: its rows did not become events"
    flagged = {eid: sorted(cited[eid]) for eid in events if eid in cited}
    assert flagged == {}, f"decoy {name} cited by {flagged}"
