"""Identical records compared once: units, and linking that stays bounded whatever the
number of records per person, with the same people as comparing every record."""

import time

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chronos.link import people
from chronos.link.identifiers import MATCH_COLUMNS, prepare_records
from chronos.link.people import link_people
from chronos.link.units import IDENTITY_COLUMNS, Units, collapse_duplicates

NHS = "9434765919"
OTHER_NHS = "9434765870"


def rec(key, given=None, family=None, dob=None, **extra):
    source, ref = key.split(":")
    row = {"record_key": key, "given_name": given, "family_name": family, "dob": dob,
           "dob_precision": "day" if dob else None, "source_file": f"{source}.csv",
           "source_ref": ref, "agency": source.upper()}
    row.update(extra)
    return row


def prepared(rows):
    records, _ = people._records_table(pd.DataFrame(rows))
    frame, _ = prepare_records(records)
    return frame


def kayden(key, **changes):
    row = rec(key, "Kayden", "Smith", "2019-04-03", sex="M", postcode="LS1 4AP",
              nhs_number=NHS)
    row.update(changes)
    return row


def test_identical_records_of_one_source_are_one_unit_represented_by_the_smallest_key():
    frame = prepared([kayden("gp:3"), kayden("gp:1"), kayden("gp:2"),
                      kayden("gp:4", postcode="LS6 2QT"),        # one field differs
                      kayden("hv:1"),                             # another source
                      kayden("gp:5", given_name="KAYDEN ")])      # same once normalised
    units = collapse_duplicates(frame)
    assert units.rep_of == {"gp:2": "gp:1", "gp:3": "gp:1", "gp:5": "gp:1"}
    assert units.members == {"gp:1": ["gp:2", "gp:3", "gp:5"]}
    assert list(units.frame["record_key"]) == ["gp:1", "gp:4", "hv:1"]
    assert units.size("gp:1") == 4 and units.size("hv:1") == 1


def test_keys_kept_apart_stay_units_of_their_own():
    frame = prepared([kayden("gp:1"), kayden("gp:2"), kayden("gp:3")])
    units = collapse_duplicates(frame, apart={"gp:1"})
    assert units.rep_of == {"gp:3": "gp:2"}
    assert collapse_duplicates(frame, apart={"gp:1", "gp:2", "gp:3"}).rep_of == {}


NAMES = st.sampled_from(["Kayden", "KAYDEN", "Kaden", "K", "Kayden Lee", "Katie",
                         "Smith", "smith-jones", "Smith Jones", "O'Neil", "", None])
DOBS = st.sampled_from(["2019-04-03", "2019-03-04", "2019-04-13", "2030-01-01", "", None])
POSTCODES = st.sampled_from(["LS1 4AP", "ls14ap", "LS6 2QT", "XX", None])


@settings(max_examples=25)
@given(st.lists(st.tuples(NAMES, NAMES, DOBS, POSTCODES,
                          st.sampled_from([NHS, "943 476 5919", OTHER_NHS, "123", None]),
                          st.sampled_from(["M", "F", None])), min_size=2, max_size=30))
def test_the_identity_columns_decide_every_compared_column(rows):
    frame = prepared([rec(f"gp:{i}", g, f, d, postcode=p, nhs_number=n, sex=s)
                      for i, (g, f, d, p, n, s) in enumerate(rows)])
    def key(columns):
        return [repr(tuple(None if pd.isna(v) else v for v in row))
                for row in frame[list(columns)].itertuples(index=False)]

    keys = pd.DataFrame({"identity": key(IDENTITY_COLUMNS), "all": key(MATCH_COLUMNS)})
    assert keys.groupby("identity")["all"].nunique().max() == 1


def _without_units(monkeypatch):
    """Link as before units existed: every record scored on its own."""
    monkeypatch.setattr(people, "collapse_duplicates", lambda frame, apart=(): Units(frame))


def _partition(result):
    groups = {}
    for key, person in result.record_to_person.items():
        groups.setdefault(person, set()).add(key)
    return sorted(sorted(g) for g in groups.values())


FAMILY = (
    [kayden(f"gp:{i}") for i in range(1, 6)]                           # same person, with NHS
    + [rec(f"gp:{i}", "Kylie", "Smith", "2019-04-03", sex="F", postcode="LS1 4AP")
       for i in range(6, 9)]                                            # twin, no NHS
    + [rec(f"police:{i}", "K", "Smith", None, postcode="LS1 4AP") for i in range(1, 4)]
    + [rec(f"school:{i}", "Kaden", "Smith-Jones", "2019-04-03", sex="M") for i in range(1, 3)]
    + [rec(f"gp:{i}", "Jade", "Smith", "1995-11-20", sex="F") for i in range(10, 13)]
    + [rec("hv:1", "Kayden", "Smith", "1990-01-20", sex="M", postcode="LS1 4AP")])


def test_units_give_the_same_people_and_methods_as_comparing_every_record(monkeypatch):
    collapsed = link_people(pd.DataFrame(FAMILY))
    assert collapsed.identical == 4 + 2 + 2 + 1 + 2   # records standing behind another
    _without_units(monkeypatch)
    every = link_people(pd.DataFrame(FAMILY))
    assert every.identical == 0
    assert _partition(collapsed) == _partition(every)
    assert collapsed.links["method"].tolist() == every.links["method"].tolist()
    assert collapsed.links["record_key"].tolist() == every.links["record_key"].tolist()
    assert len(collapsed.review) < len(every.review)       # one row per unit, not per record
    assert set(zip(collapsed.review["record_key_a"], collapsed.review["record_key_b"])) <= set(
        zip(every.review["record_key_a"], every.review["record_key_b"]))


def test_records_the_model_would_not_join_stay_apart_and_go_to_review_once():
    rows = [rec(f"police:{i}", "Jo", "Brown", None) for i in range(1, 40)]
    strict = {"link_threshold": 0.999999, "review_threshold": 0.01}
    result = link_people(pd.DataFrame(rows), settings=strict)
    assert result.identical == 38
    assert len(result.persons) == 39 and set(result.links["method"]) == {"single"}
    assert len(result.review) == 1
    row = result.review.iloc[0]
    assert (row["record_key_a"], row["record_key_b"]) == ("police:1", "police:10")
    assert "stands for 39 identical records of police.csv" in row["reason"]


def test_a_decision_about_a_representative_applies_to_its_identical_records():
    rows = [rec(f"police:{i}", "Jo", "Brown", None) for i in range(1, 6)]
    strict = {"link_threshold": 0.999999, "review_threshold": 0.01}
    joined = link_people(pd.DataFrame(rows), settings=strict,
                         overrides={"must_link": [["police:1", "police:2"]]})
    assert len(joined.persons) == 1 and set(joined.links["method"]) == {"override"}
    twins = [kayden(f"gp:{i}", nhs_number=None) for i in range(1, 5)] + [
        rec("hv:1", "Kayden", "Smith", "2019-04-03", sex="M", postcode="LS1 4AP")]
    apart = link_people(pd.DataFrame(twins), overrides={"cannot_link": [["gp:1", "hv:1"]]})
    assert apart.record_to_person["gp:3"] != apart.record_to_person["hv:1"]
    assert len({apart.record_to_person[f"gp:{i}"] for i in range(1, 5)}) == 1


def test_a_cannot_link_between_two_identical_records_takes_them_out_of_their_unit():
    rows = [kayden(f"gp:{i}") for i in range(1, 5)]
    result = link_people(pd.DataFrame(rows), overrides={"cannot_link": [["gp:1", "gp:2"]]})
    assert result.record_to_person["gp:1"] != result.record_to_person["gp:2"]
    assert result.identical == 1                           # gp:4 behind gp:3


def test_one_person_with_20000_records_in_one_source_is_one_person_quickly():
    n = 20_000
    variants = [{}, {"given_name": "KAYDEN"}, {"nhs_number": "943 476 5919"},
                {"postcode": "LS6 2QT"}, {"nhs_number": None}, {"dob": None}]
    rows = [kayden(f"gp:R{i:05d}", **variants[i % len(variants)]) for i in range(n)]
    start = time.perf_counter()
    result = link_people(pd.DataFrame(rows))
    elapsed = time.perf_counter() - start
    assert elapsed < 120, f"linking {n} records of one person took {elapsed:.0f}s"
    assert len(result.persons) == 1 and len(set(result.record_to_person.values())) == 1
    assert len(result.links) == n
    assert result.links["record_key"].tolist() == sorted(r["record_key"] for r in rows)
    assert result.links["source_ref"].tolist() == [f"R{i:05d}" for i in range(n)]
    assert result.links["source_file"].eq("gp.csv").all()
    assert result.links["person_id"].nunique() == 1
    assert set(result.links["method"]) == {"identifier", "probabilistic"}
    assert result.identical == n - 4                       # 4 distinct forms of the record
    assert len(result.review) == 0
    assert result.summary()["records"] == n


def test_a_gp_export_repeating_the_patient_on_every_row_links_with_every_row_kept(tmp_path):
    """A careless mapping takes the appointment id for the person id: 12,000 person
    records of one child. `chronos link` finishes with one person, and links.csv keeps
    every record's own file and row."""
    import csv

    from chronos import app

    rows = 12_000
    case = tmp_path / "case"
    case.mkdir()
    with open(case / "gp.csv", "w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["Appt ID", "Patient Name", "DOB", "NHS Number", "Appt Date", "Status"])
        for i in range(rows):
            name = "SMITH, Kayden" if i % 3 else "Smith, KAYDEN"
            out.writerow([f"A{i:06d}", name, "03/04/2019", "943 476 5919" if i % 2 else NHS,
                          f"{1 + i % 28:02d}/0{1 + i % 9}/2021", "DNA" if i % 4 else "Attended"])
    (case / "gp.yaml").write_text(
        "agency: GP\ndayfirst: true\nperson: {id: Appt ID, name: Patient Name, dob: DOB, "
        "nhs_number: NHS Number}\nevents:\n  - date: Appt Date\n    type:\n"
        "      column: Status\n      map: {DNA: was_not_brought, Attended: "
        "appointment_attended}\n")
    (case / "case.yaml").write_text(
        "case: One child, many rows\nas_of: 2024-03-31\nsources:\n"
        "  - {name: gp, path: gp.csv, format: mapped, mapping: gp.yaml}\n")
    result = app.link(case, out=tmp_path / "out")
    with open(tmp_path / "out" / "links.csv", newline="") as handle:
        links = list(csv.DictReader(handle))
    assert len(links) == rows == result.link_result.summary()["records"]
    assert {row["source_file"] for row in links} == {"gp.csv"}
    assert sorted(int(row["source_ref"]) for row in links) == list(range(2, rows + 2))
    assert len({row["person_id"] for row in links}) == 1
    assert {row["method"] for row in links} == {"identifier"}
    assert result.link_result.identical == rows - 1
    assert len(result.persons) == 1
    assert result.events["person_ids"].nunique() == 1 and len(result.events) == rows


def test_many_records_sharing_an_identifier_name_and_birth_date_are_compared_as_a_star():
    """Every row a different postcode (an export with the address at each event): no two
    records identical, all sharing the NHS number, name and date of birth."""
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    rows = [kayden(f"gp:R{i:04d}", postcode=f"LS{1 + i % 9} {i // 9 % 10}{letters[i // 90]}Z")
            for i in range(300)]
    rows.append(kayden("hv:1", nhs_number=None, postcode="LS5 3AZ"))   # no NHS number
    rows.append(kayden("gp:T1", given_name="Kylie", sex="F", nhs_number=OTHER_NHS))  # twin
    result = link_people(pd.DataFrame(rows), settings={"max_block_size": 50})
    child = result.record_to_person["gp:R0000"]
    assert {result.record_to_person[f"gp:R{i:04d}"] for i in range(300)} == {child}
    assert result.record_to_person["hv:1"] == child
    assert result.record_to_person["gp:T1"] != child
    methods = result.links.set_index("record_key")["method"]
    assert (methods[[f"gp:R{i:04d}" for i in range(300)]] == "identifier").all()
    star = [w for w in result.warnings if w.code == "link.identifier_group"]
    assert len(star) == 1 and star[0].source_file == "gp.csv" and "300" in star[0].message
    star_pairs = result.pairs[(result.pairs["key_l"] == "gp:R0000")
                              & result.pairs["key_r"].str.startswith("gp:R")]
    assert len(star_pairs) == 299                           # each compared with the first
    assert len(result.pairs) < 300 * 10                      # not every pair of the 300
