"""GEDCOM ingester: the real sample trees and synthetic files in every character set."""

import datetime
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, strategies as st

from chronos.errors import SourceError
from chronos.ingest.ansel import decode_ansel, encode_ansel
from chronos.ingest.base import Source
from chronos.ingest.gedcom import GedcomIngester, parse_gedcom_date, split_name

ROOT = Path(__file__).resolve().parents[2]
SHARED = next((p / "shared" / "data" for p in ROOT.parents if (p / "shared" / "data").exists()),
              ROOT / ".." / "shared" / "data")
TREES = SHARED / "gedcom"


def read(path, name="g"):
    return GedcomIngester().read(Source(path=Path(path), name=name))


def real(name):
    if not TREES.exists():
        pytest.skip("shared sample data not present")
    return read(TREES / name)


# --- real files (numbers counted with grep/awk on the files) --------------------------

def test_royal92_counts():
    result = real("royal92.ged")
    assert len(result.persons) == 3010                  # '0 @..@ INDI' lines
    assert result.records_read == 3010 + 1422 + 1       # INDI + FAM + one SUBM
    assert result.reconciles()
    kinds = result.relationships["kind"].value_counts().to_dict()
    assert kinds == {"parent": 3724, "partner": 1138}   # awk: (partners x CHIL), both partners
    types = result.events["event_type"].value_counts().to_dict()
    # 1739 BIRT, 1692 DEAT, 556 MARR, 74 'DIV Y' (the 9 'DIV N' are not divorces)
    assert types == {"birth": 1739, "death": 1692, "marriage": 556, "separation": 74}
    divorced = result.relationships[result.relationships.subtype == "divorced"]
    assert 0 < len(divorced) <= 74


def test_royal92_queen_victoria():
    persons = real("royal92.ged").persons.set_index("record_key")
    victoria = persons.loc["g:I1"]
    assert (victoria["given_name"], victoria["family_name"], victoria["sex"]) == \
        ("Victoria", "Hanover", "F")
    assert (victoria["dob"], victoria["dod"]) == ("1819-05-24", "1901-01-22")
    assert victoria["source_ref"] == "@I1@"


def test_bronte_utf8_and_loose_dates():
    result = real("bronte.ged")
    persons = result.persons.set_index("record_key")
    assert len(persons) == 14 and len(result.relationships) == 22
    assert persons.loc["g:I0001", "family_name"] == "Brontë"
    assert persons.loc["g:I0001", "dob"] == "1777-03-17"
    ev = result.events
    hugh_death = ev[(ev.person_ids == "g:I0011") & (ev.event_type == "death")].iloc[0]
    assert (hugh_death["date"], hugh_death["date_precision"]) == ("1808-01-01", "year")
    assert bool(hugh_death["date_uncertain"])             # 'abt 1808'
    wedding = ev[(ev.source_ref == "@F001@") & (ev.event_type == "marriage")].iloc[0]
    assert wedding["date"] == "1812-12-29"                 # '29 December 1812'
    assert wedding["person_ids"] == "g:I0001;g:I0002"
    assert persons.loc["g:I0012", "dob_precision"] == "month"   # 'APR 1744'


def test_basic_with_bom_and_shakespeare_blank_sex():
    basic = real("basic.ged").persons.set_index("record_key")
    assert len(basic) == 5 and basic.loc["g:I2", "dob"] == "1952-01-02"
    shakespeare = real("shakespeare.ged")
    assert len(shakespeare.persons) == 31
    assert shakespeare.persons.set_index("record_key").loc["g:I0030", "sex"] == "U"
    assert len(shakespeare.events) == 22 + 29 + 7


def test_washington_unreadable_dates_are_warnings():
    result = real("washington.ged")
    assert len(result.persons) == 529 and len(result.events) == 529 + 236 + 84
    bad = [w for w in result.warnings if w.code == "date.unparseable"]
    assert {w.source_ref for w in bad} == {"line 472", "line 6603", "line 6912"}
    unread = result.events[result.events["details"].fillna("").str.contains("date_text=")]
    assert len(unread) == 3 and unread["date"].isna().all()


def test_real_trees_sniffed():
    if not TREES.exists():
        pytest.skip("shared sample data not present")
    for path in TREES.glob("*.ged"):
        assert GedcomIngester().sniff(path, path.read_bytes()[:65536]) >= 0.9, path.name


# --- synthetic files ------------------------------------------------------------------

GED7 = """0 HEAD
1 GEDC
2 VERS 7.0
0 @I1@ INDI
1 NAME Ann /Cole/
1 SEX F
1 BIRT
2 DATE BET 1980 AND 1982
0 @I2@ INDI
1 NAME Sam /Reed/
1 SEX X
1 BIRT
2 DATE ABT MAR 1979
0 @I3@ INDI
1 NAME Jo /Cole/
1 SEX U
1 BIRT
2 DATE 5 JUN 2010
1 FAMC @F1@
2 PEDI ADOPTED
0 @I4@ INDI
1 NAME Kit /Cole/
1 FAMC @F1@
2 PEDI FOSTER
0 @F1@ FAM
1 HUSB @I2@
1 WIFE @I1@
1 MARR
2 DATE 12 MAY 2005
1 DIV
2 DATE AFT 2015
1 CHIL @I3@
1 CHIL @I4@
1 CHIL @I99@
0 @F2@ FAM
1 HUSB @I98@
1 CHIL @I97@
0 TRLR
"""


def test_gedcom7_pedigree_divorce_and_missing_people(tmp_path):
    path = tmp_path / "family.ged"
    path.write_text(GED7, encoding="utf-8")
    result = read(path, "tree")
    rel = result.relationships
    partner = rel[rel.kind == "partner"].iloc[0]
    assert (partner["subtype"], partner["start"], partner["end"]) == \
        ("divorced", "2005-05-12", "2015-01-01")
    parents = rel[rel.kind == "parent"].set_index(["person_a", "person_b"])["subtype"]
    assert parents[("tree:I1", "tree:I3")] == "adoptive"
    assert parents[("tree:I2", "tree:I4")] == "foster"
    assert len(parents) == 4
    missing = [w for w in result.warnings if w.code == "gedcom.missing_individual"]
    assert [w.source_ref for w in missing] == ["line 34", "line 36", "line 37"]
    assert "@I99@" in missing[0].message and "@F1@" in missing[0].message
    assert [q.code for q in result.quarantine] == ["gedcom.empty_family"]   # @F2@
    assert result.reconciles()
    persons = result.persons.set_index("record_key")
    assert persons["sex"].to_dict() == {"tree:I1": "F", "tree:I2": "X", "tree:I3": "U",
                                        "tree:I4": "U"}
    births = result.events[result.events.event_type == "birth"].set_index("person_ids")
    assert births.loc["tree:I1", "end_date"] == "1982-01-01"
    assert bool(births.loc["tree:I2", "date_uncertain"])


def test_ansel_file_decoded(tmp_path):
    text = ("0 HEAD\n1 CHAR ANSEL\n0 @I1@ INDI\n1 NAME Zoë /Dvořák/\n1 SEX F\n"
            "0 @I2@ INDI\n1 NAME Łukasz /Müller/\n0 TRLR\n")
    path = tmp_path / "ansel.ged"
    path.write_bytes(encode_ansel(text))
    persons = read(path).persons.set_index("record_key")
    assert persons.loc["g:I1", "given_name"] == "Zoë"
    assert persons.loc["g:I1", "family_name"] == "Dvořák"
    assert persons.loc["g:I2", "given_name"] == "Łukasz"


def test_ansel_undecodable_bytes_reported(tmp_path):
    path = tmp_path / "bad.ged"
    path.write_bytes(b"0 HEAD\n1 CHAR ANSEL\n0 @I1@ INDI\n1 NAME A\x81n /X/\n0 TRLR\n")
    result = read(path)
    assert [w.code for w in result.warnings] == ["gedcom.encoding"]
    assert len(result.persons) == 1


@pytest.mark.parametrize("encoding,bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b""),
                                          ("cp1252", b""), ("utf-8", b"\xef\xbb\xbf")])
def test_other_character_sets(tmp_path, encoding, bom):
    charset = {"cp1252": "ANSI"}.get(encoding, "UNICODE" if "16" in encoding else "UTF-8")
    text = f"0 HEAD\n1 CHAR {charset}\n0 @I1@ INDI\n1 NAME José /Núñez/\n0 TRLR\n"
    path = tmp_path / f"{encoding}.ged"
    path.write_bytes(bom + text.encode(encoding))
    assert GedcomIngester().sniff(path, path.read_bytes()) >= 0.9
    person = read(path).persons.iloc[0]
    assert (person["given_name"], person["family_name"]) == ("José", "Núñez")


def test_truncated_file_keeps_what_was_read(tmp_path):
    path = tmp_path / "cut.ged"
    path.write_text(GED7[: GED7.index("0 @I4@")] + "1 NA", encoding="utf-8")
    result = read(path)
    assert len(result.persons) == 3
    assert "gedcom.truncated" in [w.code for w in result.warnings]


def test_not_gedcom(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("Dear team,\nplease find the chronology attached.\n")
    assert GedcomIngester().sniff(path, path.read_bytes()) == 0.0
    with pytest.raises(SourceError):
        read(path)


def test_dates():
    assert parse_gedcom_date("1 JAN 1596/97").date == "1597-01-01"
    assert parse_gedcom_date("1407/8").date == "1408-01-01"
    bef = parse_gedcom_date("BEF 3 OCT 1850")
    assert (bef.date, bef.uncertain, bef.qualifier) == ("1850-10-03", True, "before")
    period = parse_gedcom_date("FROM 1900 TO 1910")
    assert (period.date, period.end_date, period.uncertain) == ("1900-01-01", "1910-01-01", False)
    assert parse_gedcom_date("@#DJULIAN@ 12 FEB 1370").date == "1370-02-12"
    assert parse_gedcom_date("30 FEB 1900").error == "date.impossible"
    assert parse_gedcom_date("INT 1850 (about then)").date == "1850-01-01"
    assert parse_gedcom_date("850").date == "0850-01-01"


@given(st.dates(min_value=datetime.date(1000, 1, 1)), st.sampled_from(["", "ABT ", "CAL "]))
def test_dates_round_trip(day, qualifier):
    month = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()[day.month - 1]
    parsed = parse_gedcom_date(f"{qualifier}{day.day} {month} {day.year}")
    assert parsed.date == day.isoformat() and parsed.precision == "day"
    assert parsed.uncertain == bool(qualifier)


@given(st.text(max_size=40))
def test_dates_never_raise(text):
    parsed = parse_gedcom_date(text)
    assert parsed.date is None or len(parsed.date) == 10


@given(st.text(alphabet="abcXYZ 019éèêëñçøæßłüöäÅÉŁŒőžč", max_size=30))
def test_ansel_round_trip_for_latin_letters(text):
    assert decode_ansel(encode_ansel(text)) == (text, 0)


def test_split_name():
    assert split_name("John Paul /Smith/ Jr") == ("John Paul Jr", "Smith")
    assert split_name("/Smith/") == (None, "Smith")
    assert split_name("Plain Name") == ("Plain Name", None)


# --- deaths without dates, dual years, old line endings, future dates -------------------

DEATHS = """0 HEAD
1 GEDC
2 VERS 5.5.1
1 CHAR UTF-8
0 @I1@ INDI
1 NAME Walter /Hale/
1 BIRT
2 DATE 2 FEB 1546-47
1 DEAT Y
0 @I2@ INDI
1 NAME Agnes /Hale/
1 BIRT
2 DATE 1546/47
1 DEAT
2 DATE in the spring, the parish clerk thought
0 @I3@ INDI
1 NAME Thomas /Hale/
1 BIRT
2 DATE ABT 1570-1575
1 BURI
2 PLAC St Mary's
0 @I4@ INDI
1 NAME Living /Hale/
1 BIRT
2 DATE 4 JUL 1990
1 DEAT N
0 @I5@ INDI
1 NAME Typo /Hale/
1 BIRT
2 DATE 3 MAR 2091
0 TRLR
"""


def test_death_without_a_date_makes_the_person_deceased(tmp_path):
    path = tmp_path / "deaths.ged"
    path.write_text(DEATHS, encoding="utf-8")
    result = read(path, "tree")
    people = result.persons.set_index("record_key")
    # DEAT Y, a death date nobody can read, a burial: dead, date unknown; DEAT N: not
    assert str(people["deceased"].dtype) == "boolean"
    assert people["deceased"].fillna(False).to_dict() == {
        "tree:I1": True, "tree:I2": True, "tree:I3": True, "tree:I4": False, "tree:I5": False}
    assert people["dod"].isna().all()
    assert pd.isna(people.loc["tree:I4", "deceased"]) and pd.isna(people.loc["tree:I5", "deceased"])
    deaths = result.events[result.events["event_type"] == "death"]
    assert sorted(deaths["person_ids"]) == ["tree:I1", "tree:I2"]
    assert deaths["date"].isna().all()
    assert any(w.code == "date.unparseable" and "parish clerk" in w.value
               for w in result.warnings)


def test_dual_years_with_a_hyphen_or_a_slash(tmp_path):
    path = tmp_path / "dual.ged"
    path.write_text(DEATHS, encoding="utf-8")
    people = read(path, "tree").persons.set_index("record_key")
    assert people.loc["tree:I1", "dob"] == "1547-02-02"      # 2 FEB 1546-47: New Style 1547
    assert people.loc["tree:I2", "dob"] == "1547-01-01"      # 1546/47
    assert people.loc["tree:I3", "dob"] == "1570-01-01"      # a span: its start, uncertain
    span = parse_gedcom_date("1570-1575")
    assert (span.date, span.end_date, span.uncertain) == ("1570-01-01", "1575-01-01", True)
    assert parse_gedcom_date("1575-1570").date is None       # backwards: not a date


def test_a_birth_after_the_as_of_date_is_quarantined_the_person_kept(tmp_path):
    path = tmp_path / "future.ged"
    path.write_text(DEATHS, encoding="utf-8")
    result = GedcomIngester().read(Source(path=path, name="tree",
                                          options={"as_of": "2024-03-31"}))
    future = [q for q in result.quarantine if q.code == "date.future"]
    assert [(q.source_ref, q.column, q.value) for q in future] == [
        ("@I5@", "BIRT.DATE", "3 MAR 2091")]
    assert future[0].extra == {"part_of": "@I5@"}
    people = result.persons.set_index("record_key")
    assert "tree:I5" in people.index and pd.isna(people.loc["tree:I5", "dob"])
    assert not (result.events["date"].fillna("") > "2024-03-31").any()
    assert result.records_to_data == 5 and result.reconciles()
    kept = GedcomIngester().read(Source(path=path, name="tree", options={
        "as_of": "2024-03-31", "future_dates": "warn"}))
    assert not kept.quarantine and "2091-03-03" in set(kept.events["date"])


def test_cr_only_line_endings_and_ansel_are_recognised(tmp_path):
    text = ("0 HEAD\r1 SOUR PAF\r1 CHAR ANSEL\r0 @I1@ INDI\r1 NAME Zoë /Dvořák/\r"
            "1 BIRT\r2 DATE 1 JAN 1901\r0 TRLR\r")
    path = tmp_path / "mac.ged"
    path.write_bytes(encode_ansel(text))
    assert GedcomIngester().sniff(path, path.read_bytes()) == 0.99
    result = read(path)
    person = result.persons.iloc[0]
    assert (person["given_name"], person["family_name"], person["dob"]) == \
        ("Zoë", "Dvořák", "1901-01-01")
    assert not [w for w in result.warnings if w.code == "gedcom.encoding"]


def test_a_death_without_a_date_is_recorded_as_deceased(tmp_path):
    path = tmp_path / "dead.ged"
    path.write_text("0 HEAD\n1 GEDC\n2 VERS 5.5.1\n0 @I1@ INDI\n1 NAME Ann /Lee/\n1 DEAT Y\n"
                    "0 @I2@ INDI\n1 NAME Bob /Lee/\n1 DEAT\n2 DATE 4 MAY 1990\n"
                    "0 @I3@ INDI\n1 NAME Cy /Lee/\n1 BIRT\n2 DATE 1990\n0 TRLR\n", encoding="utf-8")
    persons = read(path, "t").persons.set_index("record_key")
    assert bool(persons.loc["t:I1", "deceased"]) and persons.loc["t:I1", "dod"] is pd.NA
    assert persons.loc["t:I2", "dod"] == "1990-05-04"        # a dated death: the date says it
    assert persons.loc["t:I2", "deceased"] is pd.NA and persons.loc["t:I3", "deceased"] is pd.NA


def test_many_conc_lines_are_joined_and_long_values_cut(tmp_path, monkeypatch):
    from chronos import limits
    from chronos.ingest.gedcom import parse_records

    text = "0 HEAD\n0 @I1@ INDI\n1 NAME Amy /Smith/\n1 NOTE a\n" + "2 CONC bc\n" * 50_000 \
        + "2 CONT d\n0 TRLR\n"
    roots, warnings = parse_records(text, "g.ged")
    assert roots[1].first("NOTE").value == "a" + "bc" * 50_000 + "\nd" and not warnings
    monkeypatch.setattr(limits, "MAX_CELL_CHARS", 10)
    roots, warnings = parse_records(text + "0 @I2@ INDI\n1 NAME " + "x" * 20 + "\n", "g.ged")
    assert roots[1].first("NOTE").value == "a" + "bcbcb" + "cbcb"
    assert roots[3].first("NAME").value == "x" * 10
    assert [w.source_ref for w in warnings] == ["line 3", "line 4", "line 50008"]
    assert {w.code for w in warnings} == {"gedcom.value_too_long"}
