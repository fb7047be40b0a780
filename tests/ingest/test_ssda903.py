"""SSDA903 CSV tables: the real episode samples and own fixtures."""

import re
from pathlib import Path

import pytest

from chronos.errors import SourceError
from chronos.ingest.base import Source
from chronos.ingest.ssda903 import Ssda903Ingester, identify

DATA = Path(__file__).resolve().parents[1] / "data" / "ssda903"


def read(path, name="lac"):
    return Ssda903Ingester().read(Source(path=Path(path), name=name))


def test_2020_episodes(shared_data):
    result = read(shared_data / "ssda903" / "SSDA903_2020_episodes.csv")
    # read by hand: 5 rows, children 689661 and 249901; 5 DECOM + 2 DEC with REC not X1
    assert sorted(result.persons["record_key"]) == ["lac:249901", "lac:689661"]
    assert len(result.events) == 7
    start = result.events[result.events["event_type"] == "looked_after_start"].iloc[0]
    assert (start["date"], start["end_date"], start["source_ref"]) == \
        ("2018-12-02", "2019-05-16", "2")
    ends = result.events[result.events["event_type"] == "looked_after_end"]
    assert list(ends["date"]) == ["2019-07-18", "2019-09-26"]
    assert result.reconciles() and not result.warnings


def test_testing_fixes_episodes(shared_data):
    result = read(shared_data / "ssda903" / "SSDA903_episodes_for_testing_fixes_INPUT.csv")
    # 23 rows, 10 distinct CHILD values; ISO dates in this file
    assert result.records_read == 23 and len(result.persons) == 10
    row7 = result.events[result.events["source_ref"] == "7"]
    assert list(row7["event_type"]) == ["placement_change"]   # DEC with REC X1: no end
    assert row7.iloc[0]["date"] == "2017-08-20"


def test_header_persons_and_quarantine():
    result = read(DATA / "header.csv")
    people = result.persons.set_index("record_key")
    assert people.loc["lac:C1", "dob"] == "2010-04-03"      # day-first
    assert people.loc["lac:C2", "sex"] == "F"
    assert [q.source_ref for q in result.quarantine] == ["3"]
    own_child = result.events[result.events["summary"].str.contains("own child")]
    assert list(own_child["date"]) == ["2024-06-05"]
    assert result.reconciles()


def test_missing_episodes_with_end_and_bad_date():
    result = read(DATA / "missing.csv")
    episodes = result.events
    assert list(episodes["event_type"].unique()) == ["missing_episode"]
    first = episodes[episodes["source_ref"] == "1"].iloc[0]
    assert (first["date"], first["end_date"]) == ("2021-02-01", "2021-02-03")
    # 31/02/2021 does not exist: that episode goes to quarantine (a part of the record, the
    # child stays), never an undated "missing" event outside every period
    assert not result.warnings and len(episodes) == 2
    [bad] = result.quarantine
    assert (bad.code, bad.source_ref, bad.column, bad.value) == ("date.invalid", "2",
                                                                 "MIS_START", "31/02/2021")
    assert result.parts_quarantined == 1 and result.records_quarantined == 0
    assert result.records_skipped == {"blank_row": 1} and result.reconciles()


def test_reviews_and_partial_dates():
    assert list(read(DATA / "reviews.csv").events["event_type"]) == ["looked_after_review"]
    perm = read(DATA / "prev_perm.csv").events
    assert list(zip(perm["date"], perm["date_precision"])) == \
        [("2009-01-01", "year"), ("2012-06-01", "month")]


def test_unknown_table_is_refused(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("CHILD,COLOUR\n1,red\n")
    with pytest.raises(SourceError, match="known tables"):
        read(path)


@pytest.mark.parametrize("columns,table", [
    (["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE"], "episodes"),
    (["child", "sex", "dob", "ethnic", "upn"], "header"),
    (["CHILD", "SEX", "DOB", "DUC"], "uasc"),
    (["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"], "missing"),
    (["ID", "DATE"], None),
])
def test_identify(columns, table):
    assert identify(columns) == table


def test_dates_after_as_of_quarantine_the_whole_row(tmp_path):
    reviews = tmp_path / "reviews.csv"
    reviews.write_text("CHILD,DOB,REVIEW,REVIEW_CODE\n"
                       "C1,03/04/2010,15/06/2021,PN1\n"
                       "C1,03/04/2010,15/06/2031,PN1\n"      # a 2031 review: a typo
                       "C2,01/01/2012,02/02/2022,PN4\n", encoding="utf-8")
    result = Ssda903Ingester().read(Source(path=reviews, name="lac",
                                           options={"as_of": "2024-03-31"}))
    assert [(q.code, q.source_ref, q.column, q.value, q.severity) for q in result.quarantine] \
        == [("date.future", "2", "REVIEW", "15/06/2031", "error")]
    assert list(result.events["date"]) == ["2021-06-15", "2022-02-02"]
    assert result.records_to_data == 2 and result.reconciles()


def test_an_episode_ending_after_as_of_leaves_no_event_of_its_row(tmp_path):
    episodes = tmp_path / "episodes.csv"
    episodes.write_text("CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC\n"
                        "E1,01/05/2023,S,C2,N1,U1,PR1,,\n"
                        "E2,01/06/2023,S,C2,N1,U1,PR1,12/12/2029,E13\n", encoding="utf-8")
    header = tmp_path / "header.csv"
    header.write_text("CHILD,SEX,DOB,ETHNIC\nE1,1,01/01/2015,WBRI\nE3,2,01/01/2030,WBRI\n",
                      encoding="utf-8")
    options = {"as_of": "2024-03-31"}
    result = Ssda903Ingester().read(Source(path=episodes, name="lac", options=options))
    assert list(result.events["person_ids"]) == ["lac:E1"]     # E2's start went with its row
    assert sorted(result.persons["record_key"]) == ["lac:E1"]
    assert [q.source_ref for q in result.quarantine] == ["2"] and result.reconciles()
    people = Ssda903Ingester().read(Source(path=header, name="lac", options=options))
    assert sorted(people.persons["record_key"]) == ["lac:E1"]   # born 2030: not a fact
    assert people.quarantine[0].column == "DOB" and people.reconciles()


def test_future_dates_warn_keeps_the_row(tmp_path):
    reviews = tmp_path / "reviews.csv"
    reviews.write_text("CHILD,REVIEW\nC1,15/06/2031\n", encoding="utf-8")
    result = Ssda903Ingester().read(Source(path=reviews, name="lac", options={
        "as_of": "2024-03-31", "future_dates": "warn"}))
    assert list(result.events["date"]) == ["2031-06-15"] and not result.quarantine
    assert [w.code for w in result.warnings] == ["date.future"]


# --- the XML return (tests/data/ssda903/return.xml, written from the DfE layout) --------

def test_xml_return_every_group_of_every_child():
    result = Ssda903Ingester().read(Source(path=DATA / "return.xml", name="lac",
                                           options={"as_of": "2024-03-31"}))
    # 3 headers + UASC + AD1 + OC3 (header elements) + 5 episodes + 3 reviews + 1 missing
    # + OC2 + permanence + adoption placement + DoLO = 19 groups
    assert result.records_read == 19 and result.reconciles()
    assert result.records_skipped == {"oc2.no_dated_events": 1, "oc3.no_dated_events": 1}
    people = result.persons.set_index("record_key")
    assert list(people.index) == ["lac:900001", "lac:900002", "lac:900003"]
    assert (people.loc["lac:900001", "dob"], people.loc["lac:900001", "upn"]) == \
        ("2012-02-14", "A801200005001")
    events = result.events
    by_ref = events.groupby("source_ref")["event_type"].apply(list).to_dict()
    assert by_ref["CHILD[1]/EPISODE[1]"] == ["looked_after_start"]    # REC X1: no end
    assert by_ref["CHILD[1]/HEADER/AMISSING[1]"] == ["missing_episode"]
    assert by_ref["CHILD[2]/DOLO[1]"] == ["legal_order", "legal_order"]
    assert by_ref["CHILD[3]/HEADER/AD1"] == ["adoption", "adoption"]
    assert by_ref["CHILD[2]/HEADER/UASC"] == ["other"]
    start = events[events["source_ref"] == "CHILD[1]/EPISODE[1]"].iloc[0]
    assert (start["date"], start["end_date"]) == ("2021-04-01", "2021-08-15")
    assert "PLACE=U1" in start["details"]                     # <PL> is the PLACE column
    # the review typed 2031: quarantined with its group, nothing else of that child lost
    assert [(q.code, q.source_ref, q.value) for q in result.quarantine] == [
        ("date.future", "CHILD[3]/HEADER/AREVIEW[1]", "12/06/2031")]
    # Zz/Zz/Zzzz: the date is not known, so the permanence order stays undated, unwarned
    assert not [w for w in result.warnings if w.code == "date.invalid"]


def test_xml_return_is_sniffed_and_named_format_works(tmp_path):
    from chronos.ingest.base import read_head, sniff

    path = DATA / "return.xml"
    assert sniff(path)[0] == "ssda903"
    assert Ssda903Ingester().sniff(path, read_head(path)) == 0.95
    named = read_source_named(path, "ssda903")
    assert named.format == "ssda903" and len(named.persons) == 3


def read_source_named(path, fmt):
    from chronos.ingest.base import read_source

    return read_source(Source(path=path, name="lac", format=fmt,
                              options={"as_of": "2024-03-31"}))


def test_xml_with_a_doctype_is_refused(tmp_path):
    path = tmp_path / "evil.xml"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaa">]>\n'
                    "<EXPSSDA903><CHILD><HEADER><CHILDID>1</CHILDID></HEADER></CHILD>"
                    "</EXPSSDA903>\n", encoding="utf-8")
    with pytest.raises(SourceError, match="DOCTYPE"):
        read(path)


def test_a_broken_xml_return_keeps_the_children_before_the_break(tmp_path):
    text = (DATA / "return.xml").read_text(encoding="utf-8")
    cut = text[:text.index("<CHILD>", text.index("900002"))] + "<CHILD><HEADER><CHILDID>9"
    path = tmp_path / "cut.xml"
    path.write_text(cut, encoding="utf-8")
    result = read(path)
    assert sorted(result.persons["record_key"]) == ["lac:900001", "lac:900002"]
    assert [q.code for q in result.quarantine] == ["xml.broken"] and result.reconciles()


def test_xml_is_read_child_by_child(tmp_path):
    # a return of 3,000 children: each CHILD is dropped once read, so the tree never grows
    child = ("<CHILD><HEADER><CHILDID>{n}</CHILDID><SEX>1</SEX><DOB>01/01/2010</DOB>"
             "<ETHNIC>WBRI</ETHNIC></HEADER><EPISODE><DECOM>01/02/2020</DECOM><RNE>S</RNE>"
             "<LS>C2</LS><CIN>N1</CIN><PL>U1</PL></EPISODE></CHILD>\n")
    path = tmp_path / "big.xml"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("<EXPSSDA903>\n")
        for n in range(3000):
            handle.write(child.format(n=n))
        handle.write("</EXPSSDA903>\n")
    from chronos.ingest import ssda903_xml

    seen = {}
    parse = ssda903_xml.ET.iterparse

    def watched(*args, **kwargs):
        for event, elem in parse(*args, **kwargs):
            seen.setdefault("root", elem)
            seen["most"] = max(seen.get("most", 0), len(seen["root"]))
            yield event, elem
    ssda903_xml.ET.iterparse = watched
    try:
        result = read(path)
    finally:
        ssda903_xml.ET.iterparse = parse
    assert result.records_read == 6000 and len(result.persons) == 3000
    # never more children held than one read buffer of the parser parses (~16 KB), not 3,000
    assert seen["most"] < 300 and len(seen["root"]) == 0


def test_dolo_table(tmp_path):
    path = tmp_path / "dolo.csv"
    path.write_text("CHILD,DOB,DOLO_START,DOLO_END\nC9,01/02/2009,05/06/2022,\n",
                    encoding="utf-8")
    result = read(path)
    assert identify(["CHILD", "DOB", "DOLO_START", "DOLO_END"]) == "dolo"
    assert list(result.events["event_type"]) == ["legal_order"]
    assert result.events.iloc[0]["date"] == "2022-06-05" and result.reconciles()


def test_dates_rewritten_by_a_spreadsheet_read_the_same(shared_data, tmp_path):
    # the published episodes table saved again with dashes, dots or a midnight time: the
    # same events on the same days; a day that does not exist is warned about by cell
    original = shared_data / "ssda903" / "SSDA903_2020_episodes.csv"
    lines = original.read_text("utf-8").splitlines()
    expected = read(original).events[["source_ref", "event_type", "date"]]
    for style in ("-", ".", " 00:00"):
        body = [re.sub(r"(\d{2})/(\d{2})/(\d{4})",
                       (r"\1/\2/\3 00:00" if style == " 00:00" else rf"\1{style}\2{style}\3"),
                       line) for line in lines[1:]]
        path = tmp_path / f"episodes{len(style)}.csv"
        path.write_text("\n".join([lines[0], *body]) + "\n", "utf-8")
        result = read(path)
        assert not result.warnings, style
        assert result.events[["source_ref", "event_type", "date"]].equals(expected), style
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([lines[0], lines[1].replace("11/12/2018", "31.11.2018")]) + "\n",
                   "utf-8")
    held = [(q.code, q.source_ref, q.column, q.value) for q in read(bad).quarantine]
    assert held == [("date.invalid", "1", "DECOM", "31.11.2018")]
