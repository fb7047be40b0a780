"""The words on the charts: names, life years, ages, partner-line dates, kinship."""

import pytest

from chronos.genogram.labels import (kinship, label_box, life_line, month_year, name_lines,
                                     partner_dates, person_label, tidy_name)


def person(**kw):
    base = dict(name="Ann Lee", given_name="Ann", family_name="Lee", kind="person", age=None,
                dob=None, dod=None, deceased=False)
    return {**base, **kw}


@pytest.mark.parametrize("data, line", [
    (person(dob="2008-07-09", age=15), "b. 2008, age 15"),
    (person(dob="2022-05-18", age=1, age_months=22), "b. 2022, 22 months"),
    (person(dob="1940-03-03", dod="2001-01-01", age=60, deceased=True, death="recorded"), "1940\u20132001 (60)"),
    (person(dob="1930-01-01", deceased=True, death="date unknown"), "b. 1930, d. ?"),
    (person(dob="1491-01-01", deceased=True, death="presumed"), "b. 1491, d. ?"),
    (person(deceased=True, death="date unknown"), "deceased"),
    (person(), ""),
])
def test_life_lines(data, line):
    assert life_line(data) == line


def test_pseudonymised_life_lines_have_no_years():
    assert life_line(person(dob="2008-07-09", age=15), pseudonymised=True) == "age 15"
    assert life_line(person(dob="1940-03-03", dod="2001-01-01", age=60, deceased=True,
                            death="recorded"), pseudonymised=True) == "died aged 60"


def test_names_are_tidied_and_long_names_keep_their_first_words():
    assert tidy_name("Joseph, Patrick") == "Joseph Patrick"
    assert tidy_name("Elizabeth_II  Alexandra") == "Elizabeth II Alexandra"
    long = person(name="Elizabeth_II Alexandra Mary Windsor", given_name="Elizabeth_II Alexandra Mary",
                  family_name="Windsor")
    assert name_lines(long) == ["Elizabeth II", "Windsor"]


def test_agencies_are_never_cut_short():
    data = person(agencies=["Children's social care", "GP", "Hospital (ED)", "Hospital (outpatients)",
                            "Police", "School"], annotations=["DA suspect"], findings=3)
    lines = person_label(data)
    text = " ".join(lines)
    assert "\u2026" not in text and "CSC" in text and "School" in text and "3 findings" in text


def test_dates_as_practitioners_write_them():
    assert month_year("2023-03-14") == "Mar 2023" and month_year("2015-01-01") == "2015"
    assert partner_dates({"subtype": "divorced", "start": "2002-06-01", "end": "2005-01-01"}) == \
        ["married Jun 2002", "divorced 2005"]
    assert partner_dates({"subtype": "cohabiting", "start": "2023-03-01"}) == ["together Mar 2023"]
    assert partner_dates({"subtype": "married", "start": "2002-06-01"}, pseudonymised=True) == []


def test_the_label_box_sits_under_the_symbol_and_grows_with_the_text():
    short = label_box(person(), 0, 0)
    wide = label_box(person(name="Bartholomew Montgomery-Smythe", given_name="Bartholomew",
                            family_name="Montgomery-Smythe"), 0, 0)
    assert short[3] < -0.5 and short[0] < 0 < short[2]
    assert wide[2] - wide[0] > short[2] - short[0]
    index = label_box(person(is_index=True), 0, 0)
    assert index[3] < short[3]                  # below the double border


def test_kinship_to_the_index_children(blended):
    kids = ["c"]
    assert kinship(blended, "mum", kids) == "mother"
    assert kinship(blended, "gran", kids) == "maternal grandmother"
    assert kinship(blended, "a", kids) == "sister"
    assert kinship(blended, "t1", kids) == "half-brother"
    assert kinship(blended, "dad2", kids) == "mother's partner"
    assert kinship(blended, "dad1_ex", kids) == "father's former partner"
