"""What a record states that tells relatives apart: sex, and an adult's role against a
young child's date of birth (chronos.link.stated)."""

from datetime import date

import pandas as pd

from chronos.link.identifiers import prepare_records
from chronos.link.settings import load_settings
from chronos.link.stated import (AgeLimits, RecordDates, Stated, contradiction, record_dates,
                                 stated_facts)

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
    assert facts["gp:1"] == Stated("M", False, 4, (date(2019, 6, 1), date(2019, 6, 1)))
    assert facts["police:2"] == Stated("M", True, None)
    assert facts["tree:3"] == Stated(None, False, 152,    # the youngest a year allows
                                     (date(1871, 1, 1), date(1871, 12, 31)))
    assert facts["gp:4"] == Stated(None, True, None)       # unknown sex states nothing
    assert "gp:5" not in facts
    records = pd.DataFrame([{"record_key": "gp:1", "sex": "F"}, {"record_key": "gp:2", "sex": "M"}])
    frame, _ = prepare_records(records, as_of=AS_OF)
    assert stated_facts(frame, records, None, AS_OF, keys={"gp:2"}) == {"gp:2": Stated("M")}


def _events(*rows):
    return pd.DataFrame([dict(zip(("person_ids", "person_roles", "date", "date_precision"),
                                  row)) for row in rows])


def test_record_dates_read_each_event_at_its_widest():
    events = _events(
        ("police:1;gp:2", "police:1=carer;gp:2=Child", "2019-03-01", "month"),
        ("police:1", "police:1=victim", "2015-01-01", "year"),
        ("police:1", "police:1=child", "2023-06-02", "unknown"),    # says nothing
        ("police:1", "police:1=child", "2031-01-01", "day"),        # after the linking date
        ("gp:2", None, "2021-07-04", "day"),
        ("gp:2", "gp:2=child", None, "day"))
    dates = record_dates(events, None, AS_OF)
    assert dates["police:1"] == RecordDates(first=date(2015, 1, 1), last=date(2019, 3, 31),
                                            adult_on=date(2019, 3, 31),
                                            named_on=date(2015, 1, 1))
    # an event naming the record with no role (or as its subject) dates it, not its person
    assert dates["gp:2"] == RecordDates(first=date(2019, 3, 1), last=date(2021, 7, 4),
                                        child_on=date(2019, 3, 1), named_on=date(2019, 3, 1))
    subject = _events(("gp:4", "gp:4=subject", "2001-01-01", "day"),
                      ("gp:4", "gp:4=witness", "2003-01-01", "day"))
    assert record_dates(subject, None, AS_OF)["gp:4"].named_on == date(2003, 1, 1)
    # events concatenated from two sources may repeat index labels: each keeps its date
    twice = pd.concat([_events(("gp:5", "gp:5=carer", "2019-03-01", "day")),
                       _events(("gp:5", None, "2012-03-01", "day"))])
    assert record_dates(twice, None, AS_OF)["gp:5"].adult_on == date(2019, 3, 1)
    uncertain = _events(("gp:3", "gp:3=carer", "2019-03-01", "day")).assign(
        date_uncertain=True)
    assert record_dates(uncertain, None, AS_OF) == {}
    assert record_dates(None) == {} and record_dates(_events()) == {}


def test_the_record_role_is_dated_by_its_events():
    records = pd.DataFrame([
        {"record_key": "police:1", "given_name": "Sam", "role": "child"},
        {"record_key": "csc:2", "given_name": "Sam", "role": "parent"},
        {"record_key": "gp:3", "given_name": "Sam", "dob": "1990-04-02"}])
    frame, _ = prepare_records(records, as_of=AS_OF)
    dates = {"police:1": RecordDates(date(2012, 1, 5), date(2021, 2, 1)),
             "csc:2": RecordDates(date(2012, 1, 5), date(2021, 2, 1), date(2014, 1, 1)),
             "gp:3": RecordDates(date(1990, 4, 2), date(2023, 1, 1))}
    facts = stated_facts(frame, records, None, AS_OF, dates=dates)
    # a child's record: a child at its first event; an adult's: at its last, or earlier
    assert facts["police:1"].child_on == date(2012, 1, 5) and facts["police:1"].adult_on is None
    assert facts["csc:2"].adult_on == date(2014, 1, 1) and facts["csc:2"].child_on is None
    assert facts["gp:3"].seen == date(1990, 4, 2)


def test_the_adult_roles_come_from_the_model():
    rows = [{"record_key": "police:1", "given_name": "Sam", "role": "appropriate adult"}]
    assert "police:1" not in _facts(rows)
    custom = load_settings(None, {"adult_roles": ["Appropriate adult"]})
    assert _facts(rows, custom)["police:1"].adult


def test_roles_on_a_date_and_a_lifetime():
    def born(day):
        return Stated(born=(day, day))

    father, son = born(date(1991, 2, 11)), born(date(2016, 5, 8))
    assert contradiction(Stated(child_on=date(2021, 6, 2)), father) == "child"
    assert contradiction(father, Stated(child_on=date(2021, 6, 2))) == "child"
    assert contradiction(Stated(child_on=date(2021, 6, 2)), son) is None
    # a care leaver is still the child of the record at 24, not at 25
    assert contradiction(Stated(child_on=date(2015, 2, 10)), father) is None
    assert contradiction(Stated(child_on=date(2016, 2, 11)), father) == "child"
    assert contradiction(Stated(adult_on=date(2019, 12, 31)), born(date(2010, 8, 9))) == "age"
    assert contradiction(Stated(adult_on=date(2022, 8, 9)), born(date(2010, 8, 9))) is None
    # a year of birth is read at its widest
    year = Stated(born=(date(1897, 1, 1), date(1897, 12, 31)))
    assert contradiction(Stated(seen=date(2016, 11, 1)), year) is None
    assert contradiction(Stated(seen=date(2018, 1, 1)), year) == "alive"
    assert contradiction(Stated(seen=date(2016, 11, 1)), born(date(1870, 3, 2))) == "alive"
    # named in a role in 2014: not born in 2017; an unborn child's pre-birth assessment is
    assert contradiction(Stated(named_on=date(2014, 3, 1)), son) == "unborn"
    assert contradiction(son, Stated(named_on=date(2014, 3, 1))) == "unborn"
    assert contradiction(Stated(named_on=date(2015, 9, 1)), son) is None
    assert contradiction(Stated(named_on=date(2015, 4, 1)), son) == "unborn"
    strict = AgeLimits(child_max=18, oldest=100)
    assert contradiction(Stated(child_on=date(2015, 2, 10)), father, limits=strict) == "child"
    assert contradiction(Stated(seen=date(1990, 1, 1)), born(date(1889, 1, 1)),
                         limits=strict) == "alive"


def test_the_ages_come_from_the_model():
    custom = load_settings(None, {"child_role_max_age": 21, "oldest_age": 110,
                                  "adult_role_min_age": 14})
    assert AgeLimits.from_settings(custom) == AgeLimits(14, 21, 110, 12)
    assert AgeLimits.from_settings(load_settings(None)) == AgeLimits(12, 25, 120, 12)


def test_contradictions():
    boy, girl = Stated("M", False, 6), Stated("F", False, 6)
    father, adult = Stated("M", True, None), Stated(None, True, 30)
    assert contradiction(Stated("F"), boy) == "sex"
    assert contradiction(father, boy) == "age"        # a parent is not a six-year-old
    assert contradiction(boy, father) == "age"        # either way round
    assert contradiction(Stated(None, True, None), Stated(None, False, 12)) is None
    assert contradiction(Stated(None, True), Stated(None, False, 11), limits=AgeLimits(adult_min=11)) is None
    assert contradiction(Stated("M"), father) is None
    assert contradiction(adult, girl) == "age"
    # a child's role says nothing: an adult today was a child in older records
    assert contradiction(Stated("M", False, None), Stated("M", True, 40)) is None
    assert contradiction(None, boy) is None and contradiction(girl, None) is None


def test_the_births_a_dated_role_allows():
    from chronos.link.stated import birth_window

    limits = AgeLimits()
    # named as the child on 1 March 2021: born after 1 March 1996 (under 25 then), and
    # at most a year after it (a pre-birth assessment names an unborn child)
    assert birth_window(Stated(child_on=date(2021, 3, 1)), limits) == \
        (date(1996, 3, 2), date(2022, 3, 1))
    # named as a carer on 2 May 2016: born by 2 May 2004 (12 then); with 13 as the
    # youngest adult, 29 February 2016 gives 28 February 2003
    assert birth_window(Stated(adult_on=date(2016, 5, 2)), limits) == \
        (date.min, date(2004, 5, 2))
    assert birth_window(Stated(adult_on=date(2016, 2, 29)), AgeLimits(adult_min=13)) == \
        (date.min, date(2003, 2, 28))
    # both: the days that fit both; none fit: nothing is stated
    assert birth_window(Stated(child_on=date(2010, 1, 1), adult_on=date(2012, 1, 1))) == \
        (date(1985, 1, 2), date(2000, 1, 1))
    assert birth_window(Stated(child_on=date(2010, 1, 1), adult_on=date(1995, 1, 1))) is None
    assert birth_window(Stated(sex="F")) is None and birth_window(None) is None
