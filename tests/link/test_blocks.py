"""Bounded blocking: oversized blocks compared as sorted neighbourhoods, a clear error
when the pairs would still exceed the limit, small blocks untouched."""

import random

import pandas as pd
import pytest

from chronos.link.blocks import LinkLimitError, bound_blocks, parse_rule
from chronos.link.identifiers import prepare_records
from chronos.link.people import _records_table, link_people



def given_names(n: int) -> list[str]:
    """``n`` made-up given names, no two alike (no typo or nickname of each other)."""
    rng = random.Random(7)
    names: list[str] = []
    while len(names) < n:
        name = "".join(rng.choice("bdfgklmnprstvz") + rng.choice("aeiou") for _ in range(3))
        if all(sum(a != b for a, b in zip(name, other)) > 2 for other in names):
            names.append(name.capitalize())
    return names


def placeholder_dob_records(n: int, source="gp"):
    """``n`` different people of one source sharing a placeholder date of birth and a
    family name (a block of n records for the dob-and-family rules), each seen twice
    with the same details in a second source."""
    rows = []
    for i, given in enumerate(given_names(n)):
        for src in (source, "hv"):
            rows.append({"record_key": f"{src}:{i:04d}", "given_name": given,
                         "family_name": "Smith", "dob": "1900-01-01", "dob_precision": "day",
                         "postcode": f"LS{1 + i % 9} {i % 10}AB", "source_file": f"{src}.csv",
                         "source_ref": str(i + 2), "agency": src.upper()})
    return pd.DataFrame(rows)


def prepared(records):
    table, _ = _records_table(records)
    return prepare_records(table)[0]


def test_rule_keys_are_read_from_its_equalities():
    rule = parse_rule("l.dob = r.dob_swap and l.family_first = r.family_first "
                      "and substr(l.given, 1, 1) = substr(r.given, 1, 1) "
                      "and levenshtein(l.family, r.family) < 2")
    assert rule.left == ["dob", "family_first", "SUBSTRING(given, 1, 1)"]
    assert rule.right == ["dob_swap", "family_first", "SUBSTRING(given, 1, 1)"]
    assert not rule.symmetric
    assert parse_rule("l.nhs = r.nhs").symmetric
    assert parse_rule("levenshtein(l.family, r.family) < 2").left == []


def test_small_blocks_leave_the_rules_unchanged():
    frame = prepared(placeholder_dob_records(30))
    rules = ["l.dob = r.dob and l.family_first = r.family_first", "l.nhs = r.nhs"]
    measured = bound_blocks(frame, rules, max_block_size=60, max_pairs=10**6)
    assert measured.rules == rules and measured.columns is None and not measured.oversized
    assert measured.estimated_pairs == 60 * 59 // 2   # dob and family: one block of 60
    small = bound_blocks(frame, rules, max_block_size=200, max_pairs=10**6)
    assert small.rules == rules and small.columns is None    # too few records to measure
    assert small.estimated_pairs >= measured.estimated_pairs


def test_an_oversized_block_is_windowed_in_overlapping_sorted_windows():
    frame = prepared(placeholder_dob_records(100))
    rule = "l.dob = r.dob and l.family_first = r.family_first"
    blocking = bound_blocks(frame, [rule], max_block_size=20, max_pairs=10**6,
                            files={"gp": "gp.csv", "hv": "hv.csv"})
    assert blocking.rules == [f"({rule}) AND l._window0a = r._window0a",
                              f"({rule}) AND l._window0b = r._window0b"]
    assert len(blocking.oversized) == 1
    block = blocking.oversized[0]
    assert block.records == 200 and block.sources == {"gp": 100, "hv": 100}
    columns = blocking.columns
    assert columns["_window0a"].value_counts().max() <= 20
    assert columns["_window0b"].value_counts().max() <= 20
    assert blocking.estimated_pairs < 200 * 199 // 2
    # the same person's two records are neighbours in the sorted order: one window
    both = frame.assign(a=columns["_window0a"], b=columns["_window0b"])
    both["i"] = both["record_key"].str.split(":").str[1]
    together = both.groupby("i").apply(
        lambda g: g["a"].nunique() == 1 or g["b"].nunique() == 1, include_groups=False)
    assert together.all()


def test_an_asymmetric_rule_gets_a_window_column_per_side():
    frame = prepared(placeholder_dob_records(60))
    rule = "l.given_initial = r.given_initial and l.dob = r.dob_swap"
    frame.loc[frame.index % 2 == 0, "dob_swap"] = "1900-01-01"
    blocking = bound_blocks(frame, [rule], max_block_size=10, max_pairs=10**6)
    assert set(blocking.columns.columns) >= {"_window0la", "_window0ra", "_window0lb",
                                             "_window0rb"}
    assert blocking.rules[0].endswith("l._window0la = r._window0ra")


def test_linking_a_placeholder_date_block_is_bounded_warned_and_still_links():
    records = placeholder_dob_records(120)
    result = link_people(records, settings={"max_block_size": 30})
    windowed = [w for w in result.warnings if w.code == "link.block_windowed"]
    assert windowed, "the oversized block is reported"
    assert "gp.csv (120)" in windowed[0].message and "hv.csv (120)" in windowed[0].message
    assert windowed[0].value == "1900-01-01 | SMITH"
    assert windowed[0].source_file in {"gp.csv", "hv.csv"}
    for i in range(120):                                   # each person's two records
        assert result.record_to_person[f"gp:{i:04d}"] == result.record_to_person[f"hv:{i:04d}"]
    assert len(result.persons) == 120


def test_too_many_candidate_pairs_is_a_clear_error_naming_the_files():
    records = placeholder_dob_records(80)
    with pytest.raises(LinkLimitError) as err:
        link_people(records, settings={"max_block_size": 40, "max_candidate_pairs": 1000})
    text = str(err.value)
    assert "gp.csv" in text and "hv.csv" in text and "1,000" in text
    assert "max_candidate_pairs" in text
    assert err.value.exit_code == 3


def test_a_rule_without_equalities_counts_every_pair():
    frame = prepared(placeholder_dob_records(50))
    with pytest.raises(LinkLimitError, match="levenshtein"):
        bound_blocks(frame, ["levenshtein(l.family, r.family) < 2"], max_block_size=10,
                     max_pairs=100)


def test_windows_narrow_to_fit_the_pair_limit_before_giving_up():
    frame = prepared(placeholder_dob_records(100))
    rule = "l.dob = r.dob and l.family_first = r.family_first"
    wide = bound_blocks(frame, [rule, "l.nhs = r.nhs"], max_block_size=50, max_pairs=10**6)
    assert wide.window == 50
    limit = 200 * (20 - 1)               # the block's 200 records in windows of 20
    narrow = bound_blocks(frame, [rule, "l.nhs = r.nhs"], max_block_size=50, max_pairs=limit)
    assert narrow.window == 20 and narrow.estimated_pairs <= limit
    assert narrow.columns["_window0a"].value_counts().max() <= 20
    with pytest.raises(LinkLimitError, match="gp.csv, hv.csv"):
        bound_blocks(frame, [rule], max_block_size=50, max_pairs=200 * 8,
                     files={"gp": "gp.csv", "hv": "hv.csv"})


def test_a_rule_with_conditions_beyond_its_keys_is_counted_whole_before_the_limit():
    # 40 people born the same day, two of them recorded with no name: "born that day,
    # one of the two with no name" makes 2 * 38 + 1 pairs, not the block's 780
    records = placeholder_dob_records(20)
    records["family_name"] = [f"Fam{i}" for i in range(len(records))]
    records.loc[[0, 1], ["given_name", "family_name"]] = None
    frame = prepared(records)
    rule = "l.dob = r.dob and (l.name_key is null or r.name_key is null)"
    assert parse_rule(rule).residual and not parse_rule("l.dob = r.dob").residual
    fits = bound_blocks(frame, [rule], max_block_size=50, max_pairs=100)
    assert fits.estimated_pairs == 2 * 38 + 1 and fits.rules == [rule]
    with pytest.raises(LinkLimitError, match="77"):
        bound_blocks(frame, [rule], max_block_size=50, max_pairs=76)
