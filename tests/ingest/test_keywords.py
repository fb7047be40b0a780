"""The keyword classifier for free-text event descriptions."""

import pytest

from chronos.ingest.keywords import classify, classify_all, load_rules


@pytest.mark.parametrize("text,expected", [
    ("Child DNA dental appointment", "was_not_brought"),
    ("Was not brought to the 6-8 week check", "was_not_brought"),
    ("Did  not attend clinic", "was_not_brought"),
    ("Attended A&E with a burn to the hand", "ae_attendance"),
    ("Seen in the Emergency Department", "ae_attendance"),
    ("School nurse found nits", "head_lice"),
    ("Police called to a domestic incident at the home", "domestic_abuse_incident"),
    ("Referral to children's social care by school", "referral"),
    ("dna sample taken", "other"),          # acronyms are case-sensitive
    ("Mum rang to ask about housing", "other"),
    ("", "other"),
])
def test_classify(text, expected):
    assert classify(text) == expected


def test_classify_all_lists_every_match_in_rule_order():
    found = classify_all("DNA follow-up after A&E attendance with head lice")
    assert found[:3] == ["was_not_brought", "ae_attendance", "head_lice"]


def test_custom_rules_file_and_unknown_type(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n  - event_type: hunger\n    phrases: [packed lunch missing]\n")
    assert classify("Packed  lunch missing again", load_rules(path)) == "hunger"
    path.write_text("rules:\n  - event_type: not_a_type\n    phrases: [x]\n")
    with pytest.raises(ValueError, match="not_a_type"):
        load_rules(path)
