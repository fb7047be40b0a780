"""What a record states that tells relatives apart: sex, and an adult's role against a
young child's date of birth (chronos.link.stated)."""

from datetime import date

import pandas as pd

from chronos.link.identifiers import prepare_records
from chronos.link.settings import load_settings
from chronos.link.stated import Stated, contradiction, stated_facts

AS_OF = date(2024, 3, 31)


def _facts(rows, settings=None):
    records = pd.DataFrame(rows)
    frame, _ = prepare_records(records, as_of=AS_OF)
    return stated_facts(frame, records, settings, AS_OF)


def test_sex_role_and_age_are_read_from_the_records():
    facts = _facts([
        {"record_key": "gp:1", "given_name": "Aaron", "dob": "2019-06-01", "sex": "male",
         "role": "Child"},
        {"record_key": "police:2", "given_name": "Aaron", "sex": "M", "role": " Father "},
        {"record_key": "tree:3", "given_name": "Aaron", "dob": "1871-01-01",
         "dob_precision": "year"},
        {"record_key": "gp:4", "given_name": "Ann", "sex": "U", "role": "professional"},
        {"record_key": "gp:5", "given_name": "Ann", "sex": "unknown"},
    ])
    assert facts["gp:1"] == Stated("M", False, 4)
    assert facts["police:2"] == Stated("M", True, None)
    assert facts["tree:3"] == Stated(None, False, 152)   # the youngest a year allows
    assert facts["gp:4"] == Stated(None, True, None)       # unknown sex states nothing
    assert "gp:5" not in facts
    records = pd.DataFrame([{"record_key": "gp:1", "sex": "F"}, {"record_key": "gp:2", "sex": "M"}])
    frame, _ = prepare_records(records, as_of=AS_OF)
    assert stated_facts(frame, records, None, AS_OF, keys={"gp:2"}) == {"gp:2": Stated("M")}


def test_the_adult_roles_come_from_the_model():
    rows = [{"record_key": "police:1", "given_name": "Sam", "role": "appropriate adult"}]
    assert "police:1" not in _facts(rows)
    custom = load_settings(None, {"adult_roles": ["Appropriate adult"]})
    assert _facts(rows, custom)["police:1"].adult


def test_contradictions():
    boy, girl = Stated("M", False, 6), Stated("F", False, 6)
    father, adult = Stated("M", True, None), Stated(None, True, 30)
    assert contradiction(Stated("F"), boy) == "sex"
    assert contradiction(father, boy) == "age"        # a parent is not a six-year-old
    assert contradiction(boy, father) == "age"        # either way round
    assert contradiction(Stated(None, True, None), Stated(None, False, 12)) is None
    assert contradiction(Stated(None, True), Stated(None, False, 11), min_age=11) is None
    assert contradiction(Stated("M"), father) is None
    assert contradiction(adult, girl) == "age"
    # a child's role says nothing: an adult today was a child in older records
    assert contradiction(Stated("M", False, None), Stated("M", True, 40)) is None
    assert contradiction(None, boy) is None and contradiction(girl, None) is None
