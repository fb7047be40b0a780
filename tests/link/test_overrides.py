"""overrides.yaml: decisions added to the person's own text, never re-dumped."""

import pytest
import yaml

from chronos.errors import ManifestError
from chronos.link.overrides import HEADER, parse_overrides, record_decision


def test_a_new_file_gets_the_header_and_the_pair():
    text = record_decision("", "gp:1", "school:7", "same")
    assert text.startswith(HEADER)
    assert yaml.safe_load(text) == {"must_link": [["gp:1", "school:7"]]}


def test_a_missing_list_is_added_and_the_rest_is_untouched():
    mine = "must_link:\n  - [gp:1, school:7]   # by phone\n"
    text = record_decision(mine, "gp:3", "gp:4", "different")
    assert text.startswith(mine)
    assert parse_overrides(yaml.safe_load(text)).cannot_link == [("gp:3", "gp:4")]


def test_items_go_at_the_lists_own_indent_and_line_endings():
    mine = "must_link:\n    - - gp:1\n      - school:7\n# end of list\ncannot_link: []\n"
    text = record_decision(mine.replace("\n", "\r\n"), "gp:5", "hv:2", "same")
    assert "\r\n    - ['gp:5', 'hv:2']\r\n# end of list" in text
    assert "\n" not in text.replace("\r\n", "")
    assert parse_overrides(yaml.safe_load(text)).must_link == [("gp:1", "school:7"),
                                                               ("gp:5", "hv:2")]


def test_deciding_again_the_same_way_changes_nothing():
    mine = "cannot_link:\n  - [gp:3, gp:4]  # twins\n"
    assert record_decision(mine, "gp:3", "gp:4", "different") == mine


def test_a_change_of_mind_moves_the_pair_and_keeps_the_key_comment():
    mine = "must_link:  # agreed 3 March\n  - [gp:3, gp:4]\ncannot_link:\n"
    text = record_decision(mine, "gp:4", "gp:3", "different")
    assert text.startswith("must_link: []  # agreed 3 March\n")
    assert parse_overrides(yaml.safe_load(text)).cannot_link == [("gp:4", "gp:3")]


def test_a_group_of_three_is_not_undone_by_a_pair_decision():
    mine = "must_link:\n  - [a:1, b:2, c:3]\n"
    text = record_decision(mine, "a:1", "b:2", "different")
    assert text.startswith(mine)           # the group stays; the contradiction is warned at build


def test_keys_that_need_quoting_survive():
    text = record_decision("", "gp:#1, x", "school: 7", "same")
    assert parse_overrides(yaml.safe_load(text)).must_link == [("gp:#1, x", "school: 7")]


def test_a_file_that_is_not_a_mapping_is_refused():
    with pytest.raises(ManifestError, match="must_link / cannot_link"):
        record_decision("- [a, b]\n", "gp:1", "gp:2", "same")


def test_a_comment_after_the_last_item_is_not_taken_with_it():
    mine = "cannot_link:\n  - - gp:3\n    - gp:4\n# keep this note\nmust_link: []\n"
    text = record_decision(mine, "gp:3", "gp:4", "same")
    assert "# keep this note\n" in text
