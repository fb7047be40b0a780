"""Identifier hygiene: table-driven validity, and properties of the check digits."""

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from chronos.link.identifiers import (
    UPN_LETTERS, canonical_given_name, name_tokens, names_are_nicknames, nhs_check_digit,
    normalise_dob, normalise_la_child_id, normalise_nhs_number, normalise_postcode,
    normalise_sex, normalise_upn, prepare_records, upn_check_letter)


@pytest.mark.parametrize("raw, expected", [
    ("9434765919", "9434765919"),
    ("943 476 5919", "9434765919"),
    ("943-476-5919", "9434765919"),
    (9434765919, "9434765919"),
    ("4010232137", "4010232137"),
    ("9434765919.0", "9434765919"),
])
def test_valid_nhs_numbers(raw, expected):
    assert normalise_nhs_number(raw).value == expected


@pytest.mark.parametrize("raw, code", [
    ("9434765918", "identifier.nhs_check_digit"),   # wrong check digit
    ("4010232138", "identifier.nhs_check_digit"),
    ("1000000010", "identifier.nhs_check_digit"),   # remainder 10: no valid number exists
    ("943476591", "identifier.nhs_format"),         # nine digits
    ("94347659190", "identifier.nhs_format"),       # eleven digits
    ("NHS1234567", "identifier.nhs_format"),
    ("1111111111", "identifier.nhs_placeholder"),
    ("0000000000", "identifier.nhs_placeholder"),
])
def test_invalid_nhs_numbers(raw, code):
    checked = normalise_nhs_number(raw)
    assert checked.value is None and checked.error == code


@pytest.mark.parametrize("raw", [None, "", "  ", "N/A", "unknown", float("nan")])
def test_missing_identifiers_are_not_errors(raw):
    for normalise in (normalise_nhs_number, normalise_upn, normalise_postcode,
                      normalise_la_child_id):
        checked = normalise(raw)
        assert checked.value is None and checked.error is None


@pytest.mark.parametrize("raw, expected", [
    ("B801200005001", "B801200005001"),
    ("b801200005001", "B801200005001"),
    ("B 8012 0000 5001", "B801200005001"),
    ("M80120000500A", "M80120000500A"),             # temporary UPN: final letter
])
def test_valid_upns(raw, expected):
    assert normalise_upn(raw).value == expected


@pytest.mark.parametrize("raw, code", [
    ("A801200005001", "identifier.upn_check_letter"),
    ("C80120000500A", "identifier.upn_check_letter"),
    ("B80120000500", "identifier.upn_format"),       # 12 characters
    ("I801200005001", "identifier.upn_format"),      # I is never a check letter
    ("B8012000050O1", "identifier.upn_format"),      # letter inside the digits
    ("B80120000500S", "identifier.upn_format"),      # S is not used
])
def test_invalid_upns(raw, code):
    checked = normalise_upn(raw)
    assert checked.value is None and checked.error == code


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_nhs_check_digit_round_trip(first_nine):
    check = nhs_check_digit(first_nine)
    if check is None or len(set(first_nine + str(check))) == 1:
        return
    assert normalise_nhs_number(first_nine + str(check)).value == first_nine + str(check)
    wrong = (check + 1) % 10
    assert normalise_nhs_number(first_nine + str(wrong)).value is None


@given(st.text(alphabet="0123456789", min_size=11, max_size=11),
       st.sampled_from("0123456789" + UPN_LETTERS))
def test_upn_check_letter_round_trip(digits, last):
    body = digits + last
    letter = upn_check_letter(body)
    assert normalise_upn(letter + body).value == letter + body
    other = UPN_LETTERS[(UPN_LETTERS.index(letter) + 1) % 23]
    assert normalise_upn(other + body).error == "identifier.upn_check_letter"


@pytest.mark.parametrize("raw, expected", [
    ("sw1a1aa", "SW1A 1AA"), ("LS1 4AP", "LS1 4AP"), (" m1  1ae ", "M1 1AE"),
    ("B33 8TH", "B33 8TH"), ("GIR 0AA", "GIR 0AA"),
])
def test_valid_postcodes(raw, expected):
    assert normalise_postcode(raw).value == expected


@pytest.mark.parametrize("raw", ["LS1", "12345", "LS1 4AI", "Leeds", "QQ1 1AA1"])
def test_invalid_postcodes(raw):
    assert normalise_postcode(raw).error == "identifier.postcode_format"


@pytest.mark.parametrize("raw, expected", [
    ("Smith-Jones", ["SMITH", "JONES"]), ("O'Brien", ["OBRIEN"]),
    ("  mrs  anne marie  ", ["ANNE", "MARIE"]), ("Zoë", ["ZOE"]), ("", []), (None, []),
])
def test_name_tokens(raw, expected):
    assert name_tokens(raw) == expected


def test_nicknames_share_a_canonical_form():
    assert names_are_nicknames("BILL", "WILLIAM")
    assert names_are_nicknames("KATIE", "CATHERINE")
    assert names_are_nicknames("ALEX", "ALEXANDRA") and names_are_nicknames("ALEX", "ALEXANDER")
    assert not names_are_nicknames("KYLIE", "KAYDEN")
    assert canonical_given_name("ZEPHYR") == "ZEPHYR"
    # a variant of several names matches those names, not their other variants
    assert canonical_given_name("JACK") == "JACOB;JOHN"
    assert names_are_nicknames("JACK", "JOHN") and names_are_nicknames("JACK", "JACOB")
    assert not names_are_nicknames("JACK", "JAKE") and not names_are_nicknames("JAKE", "JOHNNY")
    assert names_are_nicknames("CHRIS", "CHRISTOPHER") and names_are_nicknames("KATIE", "KATE")


@pytest.mark.parametrize("raw, expected", [("male", "M"), ("F", "F"), ("2", "F"),
                                           ("Unknown", None), ("X", "X")])
def test_sex(raw, expected):
    assert normalise_sex(raw).value == expected


def test_dob_checks():
    from datetime import date

    assert normalise_dob("2019-04-03").value == "2019-04-03"
    assert normalise_dob("2030-01-01", as_of=date(2024, 3, 31)).error == "dob.future"
    assert normalise_dob("1850-01-01").value == "1850-01-01"      # a family tree's ancestor
    assert normalise_dob("0871-05-03").value == "0871-05-03"
    assert normalise_dob("2019-05-01", "month").value is None  # partial: not a match key
    assert normalise_dob("2019-05-01", "month").error is None
    assert normalise_dob("03/04/2019").error == "dob.unreadable"


def test_la_child_id():
    assert normalise_la_child_id(" cs 00123 ").value == "CS00123"
    assert normalise_la_child_id("12345.0").value == "12345"
    assert normalise_la_child_id("000").error == "identifier.la_id_format"


def test_prepare_records_warns_with_provenance_and_keeps_no_bad_key():
    records = pd.DataFrame([
        {"record_key": "gp:1", "given_name": "Kayden", "family_name": "Smith-Jones",
         "dob": "2019-04-03", "nhs_number": "9434765918", "upn": "A801200005001",
         "postcode": "LS1", "source_file": "gp.csv", "source_ref": "4"},
        {"record_key": "gp:2", "given_name": "K", "family_name": "SMITH",
         "nhs_number": "9434765919 / 4010232137", "source_file": "gp.csv", "source_ref": "5"},
        {"record_key": "gp:3", "other_ids": "nhs=943 476 5919", "source_file": "gp.csv",
         "source_ref": "6"},
    ])
    frame, issues = prepare_records(records)
    codes = {(i.source_ref, i.code) for i in issues}
    assert ("4", "identifier.nhs_check_digit") in codes
    assert ("4", "identifier.upn_check_letter") in codes
    assert ("4", "identifier.postcode_format") in codes
    assert ("5", "identifier.conflict") in codes
    assert ("6", "name.empty") in codes
    assert frame["nhs"].tolist()[:2] == [None, None]
    assert frame.loc[2, "nhs"] == "9434765919"          # from other_ids
    assert frame.loc[0, "family_first"] == "SMITH" and frame.loc[0, "family_last"] == "JONES"
    assert frame.loc[1, "given_initial"] == "K" and frame.loc[1, "given_canon"] is None
    assert frame.loc[0, "dob_swap"] == "2019-03-04"
    issue = next(i for i in issues if i.code == "identifier.nhs_check_digit")
    assert issue.source_file == "gp.csv" and issue.column == "nhs_number"
    assert issue.value == "9434765918"


@settings(deadline=None, max_examples=60)
@given(st.lists(st.one_of(
    st.text(alphabet="0123456789", min_size=10, max_size=10),
    st.text(alphabet="0123456789 -", min_size=0, max_size=13),
    st.sampled_from(["9434765919", "943 476 5919", "4010232137;9434765919", "1111111111"])),
    min_size=1, max_size=20))
def test_vectorised_nhs_path_agrees_with_the_single_value_check(values):
    frame, _ = prepare_records(pd.DataFrame({"record_key": [f"r:{i}" for i in range(len(values))],
                                             "nhs_number": values}))
    expected = [None if ";" in v else normalise_nhs_number(v).value for v in values]
    assert frame["nhs"].tolist() == expected


@settings(deadline=None, max_examples=60)
@given(st.lists(st.text(alphabet="ABCDEFGHJKLMNPQRTUVWXYZ0123456789", min_size=13, max_size=13),
                min_size=1, max_size=20))
def test_vectorised_upn_path_agrees_with_the_single_value_check(values):
    frame, _ = prepare_records(pd.DataFrame({"record_key": [f"r:{i}" for i in range(len(values))],
                                             "upn": values}))
    assert frame["upn"].tolist() == [normalise_upn(v).value for v in values]


def test_a_rare_misspelling_of_a_common_name_reads_as_that_name():
    from chronos.link.identifiers import rare_spellings

    given = pd.Series(["RUBY"] * 6 + ["RUYB", "RYBY", "JACK"] + ["JAKE"] * 5 + ["JACK"] * 4
                      + ["ELLA", "ELLE", "ELLY", "K", "AMI", "AMY", "AMY", "AMY"])
    fixed = rare_spellings(given)
    assert fixed["RUYB"] == "RUBY" and fixed["RYBY"] == "RUBY"   # one name misspelt twice
    assert "JACK" not in fixed and "JAKE" not in fixed   # twins' names: both written often
    assert "ELLE" not in fixed and "ELLY" not in fixed   # ELLA is no commoner than they are
    assert "K" not in fixed and "AMI" not in fixed       # initials, names under four letters


def test_across_a_population_a_recurring_misspelling_still_reads_as_the_name():
    from chronos.link.identifiers import rare_spellings

    given = pd.Series(["RUBY"] * 500 + ["RUYB"] * 4 + ["ROBY"] * 3 + ["RUBEN"] * 30)
    fixed = rare_spellings(given)
    assert fixed == {"RUYB": "RUBY", "ROBY": "RUBY"}     # RUBEN: a name of its own


def test_given_fix_is_the_canonical_form_of_the_corrected_name():
    names = ["Jennifer"] * 4 + ["Jennfer", "Jenny", "J"]
    frame, _ = prepare_records(pd.DataFrame({"record_key": [f"gp:{i}" for i in range(7)],
                                             "given_name": names}))
    assert frame["given_fix"].tolist() == ["JENNIFER"] * 6 + [None]
