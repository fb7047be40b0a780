"""The second example case (examples/walsh-family): every planted pattern is found by the
rule PLANTED.md names, no decoy is cited by any finding, the divorced father is flagged by
nothing, and the family findings stay few and readable."""

import re
from pathlib import Path

import pytest

from chronos.case import build_case

CASE = Path(__file__).resolve().parents[2] / "examples" / "walsh-family"


def _section(title: str) -> dict[str, tuple[set[str], set[tuple[str, str]]]]:
    """{tag: (rules that find it, {(file, row)})} for one section of PLANTED.md."""
    text = (CASE / "PLANTED.md").read_text(encoding="utf-8")
    body = text.split(f"## {title}", 1)[1].split("\n## ", 1)[0]
    out: dict = {}
    name = None
    for line in body.splitlines():
        head = re.match(r"- \*\*(\w+)\*\*(?: \(found by ([^)]*)\))?", line)
        if head:
            name = head.group(1)
            rules = {r.strip() for r in (head.group(2) or "").split(",") if r.strip()}
            out[name] = (rules, set())
        rows = re.match(r"\s+- (\S+): rows (.+)$", line)
        if rows and name:
            out[name][1].update((rows.group(1), r.strip()) for r in rows.group(2).split(", "))
    return out


PATTERNS = _section("Patterns that rules must find")
DECOYS = _section("Decoys that must NOT be flagged")


@pytest.fixture(scope="module")
def built():
    result = build_case(CASE)
    where: dict[tuple, set] = {}
    for file, refs, eid in zip(result.events["source_file"], result.events["source_ref"],
                               result.events["event_id"]):
        for ref in str(refs).split(";"):
            where.setdefault((file, ref), set()).add(eid)
    cited: dict[str, set] = {}
    for rule_id, ids in zip(result.findings["rule_id"], result.findings["event_ids"]):
        for eid in str(ids).split(";"):
            cited.setdefault(eid, set()).add(rule_id)
    return result, where, cited


def test_planted_md_lists_patterns_and_decoys():
    assert len(PATTERNS) >= 8 and len(DECOYS) >= 4
    assert all(rules for rules, _ in PATTERNS.values())


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_planted_pattern_is_found(built, name):
    _, where, cited = built
    rules, rows = PATTERNS[name]
    events = {e for row in rows for e in where.get(row, ())}
    assert events, f"{name}: its rows made no events"
    found = {r for e in events for r in cited.get(e, ())}
    assert found & rules, f"{name}: found by {sorted(found)}, expected one of {sorted(rules)}"


@pytest.mark.parametrize("name", sorted(DECOYS))
def test_decoy_is_not_flagged(built, name):
    _, where, cited = built
    events = {e for row in DECOYS[name][1] for e in where.get(row, ())}
    assert events, f"{name}: its rows made no events"
    assert {e: sorted(cited[e]) for e in events if e in cited} == {}


def test_the_divorced_father_is_flagged_by_nothing(built):
    result, _, _ = built
    darren = result.persons.loc[result.persons["given_name"] == "Darren", "person_id"].item()
    kyle = result.persons.loc[result.persons["given_name"] == "Kyle", "person_id"].item()
    adults = result.findings[result.findings["rule_id"] == "invisible_adult"]
    assert len(adults) == 1 and "Kyle Brent" in adults["explanation"].item()
    assert "Darren" not in " ".join(result.findings["explanation"])
    assert kyle != darren


def test_one_police_occurrence_is_one_event_naming_everyone(built):
    result, _, _ = built
    police = result.events[result.events["source_file"] == "exports/police_occurrences.csv"]
    assert len(police) == 4            # 16 rows, 4 occurrences
    first = police[police["source_ref"] == "2;3;4;5;6;7"].iloc[0]
    assert len(first["person_ids"].split(";")) == 5    # Leanne twice is one person
    assert "=victim+witness" in first["person_roles"]
    assert first["person_roles"].count("=present") == 2 and "=other" in first["person_roles"]


def test_bad_roles_and_unnamed_events_are_reported_with_file_and_row(built):
    result, _, _ = built
    codes = {(w.code, w.source_file, w.source_ref) for w in result.warnings}
    assert ("role.unknown", "exports/police_occurrences.csv", "7") in codes
    assert ("role.two_roles", "exports/police_occurrences.csv", "2") in codes
    assert not any(code == "event.no_person" for code, _, _ in codes)


def test_the_school_chronology_about_ruby_names_ruby_on_every_row(built):
    """The Word chronology has no child column: the manifest's subject: says whose it is,
    so its entries count for Ruby (not as household entries for every child)."""
    result, _, _ = built
    ruby = result.persons[result.persons["given_name"].eq("Ruby")]["person_id"].iloc[0]
    school = result.events[result.events["source_file"] == "exports/ruby_school_chronology.docx"]
    assert len(school) == 5
    assert school["person_ids"].map(lambda ids: ids.split(";") == [ruby]).all()


def test_findings_are_few_and_name_the_children(built):
    result, _, _ = built
    assert 5 <= len(result.findings) <= 25
    assert len(result.child_findings) > len(result.findings)
    for child in result.index_person_ids:
        keys = result.findings["key_concern"].fillna("").str.split(";").map(lambda ids: child in ids)
        assert 1 <= keys.sum() <= 5
