"""chronos screen de-duplicates events and derives households exactly as chronos build does.

The example family gets an extra agency (health visiting letters) that reports events the
hospital, GP and police already reported, at the family's address: screening it must give
the same findings, merged reports and households as building the case. A generated
population gets GP letters copying hospital A&E attendances: they must all be merged, and
the findings must be those of the population without the letters (the hospital's fuller
report is kept), on DuckDB and on Spark.
"""

from __future__ import annotations

import csv
import importlib.util
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chronos.screen.dedupe import _chunks, address_spans
from chronos.screen import screen

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "smith-family"
SINCE = "2000-01-01"

LETTERS_MAPPING = """agency: Health visiting
person:
  id: Client ID
  given_name: Forename
  family_name: Surname
  dob: DOB
  nhs_number: NHS Number
  address: Address
  postcode: Postcode
events:
  - date: Date
    type: {column: Type, map: {ae_attendance: ae_attendance, injury: injury,
           police_call_out: police_call_out, immunisation_missed: immunisation_missed,
           domestic_abuse_incident: domestic_abuse_incident, home_visit: home_visit}}
    summary: Note
"""
MIA = ("HV3", "Mia", "Smith", "2022-05-18", "6292945294")
KAYDEN = ("HV2", "Kayden", "Smith", "2016-11-22", "5469061884")
DONNA = ("HV1", "Donna", "Smith", "1992-03-14", "4014002853")
HOME = ("14 Elm Court, Riverton", "RV6 9QT")
#: (person, date, type, note): each but the last repeats an event another agency reported
LETTERS = [
    (MIA, "2023-02-12", "injury", "Head injury"),                    # ED 2023-02-11
    (MIA, "2023-07-19", "ae_attendance", "ED letter"),              # ED the same day
    (MIA, "2023-10-03", "ae_attendance", "ED letter"),
    (MIA, "2024-01-22", "ae_attendance", "ED letter"),
    (MIA, "2023-05-20", "police_call_out", "DA notification"),      # police the same day
    (KAYDEN, "2022-01-12", "immunisation_missed", "Not brought"),   # GP's was_not_brought
    (DONNA, "2023-09-09", "domestic_abuse_incident", "DA"),         # police the same day
    (DONNA, "2023-11-02", "home_visit", "New birth visit follow-up"),
]


@pytest.fixture(scope="module")
def example_with_letters(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("example") / "smith"
    shutil.copytree(EXAMPLE, folder)
    with open(folder / "exports" / "hv_letters.csv", "w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["Client ID", "Forename", "Surname", "DOB", "NHS Number", "Address",
                      "Postcode", "Date", "Type", "Note"])
        for person, date, etype, note in LETTERS:
            out.writerow([*person, *HOME, date, etype, note])
    (folder / "mappings" / "hv_letters.yaml").write_text(LETTERS_MAPPING)
    manifest = (folder / "case.yaml").read_text()
    manifest += ("  - name: hv\n    path: exports/hv_letters.csv\n    format: mapped\n"
                 "    agency: Health visiting\n    mapping: mappings/hv_letters.yaml\n")
    (folder / "case.yaml").write_text(manifest)
    return folder


@pytest.fixture(scope="module")
def built(example_with_letters, tmp_path_factory):
    from chronos.case import build_case, write_outputs

    out = tmp_path_factory.mktemp("built") / "out"
    result = build_case(example_with_letters)
    write_outputs(result, out)
    return result, out


@pytest.fixture(scope="module")
def screened(example_with_letters, tmp_path_factory):
    out = tmp_path_factory.mktemp("screened")
    return screen(example_with_letters, out, since=SINCE), out


def test_letters_are_merged_in_the_build(built):
    result, _ = built
    duplicates = result.event_duplicates
    assert len(duplicates) == len(LETTERS) - 1      # all but the home visit
    assert (result.events["corroborated_by"].notna()).sum() == len(LETTERS) - 1


def test_screen_gives_the_findings_of_the_build(built, screened):
    _, build_out = built
    result, out = screened
    findings = (out / "findings.csv").read_bytes()   # a screen's findings are per child,
    assert findings == (build_out / "findings-by-child.csv").read_bytes()  # as the rules give them
    assert findings.count(b"\n") > 10
    dedupe = next(s for s in result.stages if s.name == "dedupe")
    assert dedupe.counts["duplicates"] == len(LETTERS) - 1


def test_screen_writes_the_merged_reports_of_the_build(built, screened):
    _, build_out = built
    _, out = screened
    assert (out / "events-duplicates.csv").read_bytes() == \
        (build_out / "events-duplicates.csv").read_bytes()


def test_screen_events_are_the_build_events(built, screened):
    result, _ = built
    _, out = screened
    events = pd.read_parquet(out / "work" / "dedupe" / "events.parquet")
    columns = ["event_id", "person_ids", "person_roles", "corroborated_by", "details"]
    mine = events[columns].sort_values("event_id", ignore_index=True).astype(object)
    theirs = result.events[columns].sort_values("event_id", ignore_index=True).astype(object)
    pd.testing.assert_frame_equal(mine.fillna(""), theirs.fillna(""))


def test_screen_derives_the_households_of_the_build(built, screened):
    result, _ = built
    _, out = screened
    mine = pd.read_parquet(out / "work" / "link" / "relationships.parquet")
    keys = ["person_a", "person_b", "kind", "subtype", "start", "end"]

    def rows(frame):
        frame = frame[frame["kind"] == "household"][keys].astype(object).fillna("")
        return sorted(map(tuple, frame.to_numpy()))

    derived = rows(result.relationships)
    assert any(row[3] == "address" and row[4] for row in derived)   # dated from events
    assert rows(mine) == derived


# --------------------------------------------------------------------------- pieces

def test_chunks_keep_events_sharing_a_person_together():
    rows = pd.DataFrame({"event_id": ["e1", "e1", "e2", "e3", "e4", "e5"],
                         "person": ["A", "B", "B", "C", "C", "D"]})
    chunks = _chunks(rows, 2).set_index("event_id")["chunk"]
    assert chunks["e1"] == chunks["e2"]                 # through B, though over the limit
    assert chunks["e3"] == chunks["e4"] != chunks["e1"]
    assert sorted(chunks.index) == ["e1", "e2", "e3", "e4", "e5"]


def test_address_spans_follow_the_household_rule(tmp_path):
    from chronos.screen.engines import DuckEngine
    from chronos.link.households import _event_spans, _span

    events = pd.DataFrame({
        "event_id": ["1", "2", "3", "4", "5", "6"],
        "date": ["2020-01-01", "2020-06-01", "2021-01-01", "2019-01-01", "2022-01-01", None],
        "person_ids": ["A;B", "A;B", "A", "C", "C", "D"]})
    events.to_parquet(tmp_path / "events.parquet")
    pairs = pd.DataFrame({"person_a": ["A", "A", "B", "A"], "person_b": ["B", "C", "C", "D"]})
    engine = DuckEngine(tmp_path / "work")
    try:
        got = address_spans(engine, pairs, tmp_path / "events.parquet")
    finally:
        engine.close()
    spans = _event_spans(events)
    got = got.set_index(["person_a", "person_b"])
    for a, b in pairs.itertuples(index=False):
        start, end = _span(spans, a, b)
        assert (got.at[(a, b), "start"], got.at[(a, b), "end"]) == \
            (start, end) if start else pd.isna(got.at[(a, b), "start"])
    assert got.at[("A", "B"), "end"] == "2020-06-01"     # together, not each one's span


# --------------------------------------------------------------------------- a population

def _generate(folder: Path):
    import sys

    spec = importlib.util.spec_from_file_location("population", ROOT / "benchmarks" / "population.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["population"] = module
    spec.loader.exec_module(module)
    return module.generate(160, folder, seed=5)


def _add_gp_letters(folder: Path) -> int:
    """The GP records every other hospital A&E attendance again from the discharge letter
    (the same day or the next, a shorter note): returns how many letters."""
    import yaml

    hospital = pd.read_csv(folder / "exports" / "hospital.csv", dtype=str)
    hospital = hospital[hospital["ArrivalDate"] != "31/02/2023"].iloc[::2]
    day = pd.to_datetime(hospital["ArrivalDate"], format="%d/%m/%Y")
    day = day + pd.to_timedelta(pd.Series(range(len(day)), index=day.index) % 2, unit="D")
    letters = pd.DataFrame({"PatientID": "L" + hospital["HospitalNo"].str[1:],
                            "NHSNumber": hospital["NHS"], "Forename": hospital["PatientForename"],
                            "Surname": hospital["PatientSurname"], "DOB": hospital["DateOfBirth"],
                            "LetterDate": day.dt.strftime("%d/%m/%Y"), "Kind": "A&E"})
    letters.to_csv(folder / "exports" / "gp_letters.csv", index=False)
    mapping = {"agency": "GP", "dayfirst": True,
               "person": {"id": "PatientID", "given_name": "Forename", "family_name": "Surname",
                          "dob": "DOB", "nhs_number": "NHSNumber"},
               "events": [{"date": "LetterDate", "summary": "{Kind}",
                           "type": {"column": "Kind", "map": {"A&E": "ae_attendance"}}}]}
    (folder / "mappings" / "gp_letters.yaml").write_text(yaml.safe_dump(mapping))
    manifest = yaml.safe_load((folder / "case.yaml").read_text())
    manifest["sources"].append({"name": "gp_letters", "path": "exports/gp_letters.csv",
                                "format": "mapped", "agency": "GP",
                                "mapping": "mappings/gp_letters.yaml"})
    (folder / "case.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))
    return len(letters)


@pytest.fixture(scope="module")
def populations(tmp_path_factory):
    plain = tmp_path_factory.mktemp("plain")
    _generate(plain)
    lettered = tmp_path_factory.mktemp("lettered")
    _generate(lettered)
    return plain, lettered, _add_gp_letters(lettered)


def test_gp_letters_are_merged_into_the_hospital_attendances(populations, tmp_path):
    plain, lettered, n_letters = populations
    assert n_letters > 10
    before = screen(plain, tmp_path / "plain", since="2015-01-01")
    after = screen(lettered, tmp_path / "lettered", since="2015-01-01")
    dedupe = next(s for s in after.stages if s.name == "dedupe")
    assert dedupe.counts["duplicates"] == n_letters
    duplicates = pd.read_csv(tmp_path / "lettered" / "events-duplicates.csv")
    assert set(duplicates["source_file"]) == {"exports/gp_letters.csv"}
    assert (tmp_path / "lettered" / "findings.csv").read_bytes() == \
        (tmp_path / "plain" / "findings.csv").read_bytes()
    assert after.scorecard["indicators"] == before.scorecard["indicators"]


@pytest.mark.spark
def test_spark_merges_the_same_letters(populations, tmp_path):
    if shutil.which("java") is None or importlib.util.find_spec("pyspark") is None:
        pytest.skip("Spark needs Java and pyspark")
    from chronos.patterns.engine import resolve_rules

    _, lettered, n_letters = populations
    rules = [r for r in resolve_rules() if r.id in ("ae_frequent", "wnb_health")]
    duck = screen(lettered, tmp_path / "duck", since="2015-01-01", rules=rules)
    sparked = screen(lettered, tmp_path / "spark", engine="spark", since="2015-01-01",
                     rules=rules)
    for result in (duck, sparked):
        dedupe = next(s for s in result.stages if s.name == "dedupe")
        assert dedupe.counts["duplicates"] == n_letters
    for name in ("findings.csv", "events-duplicates.csv"):
        assert (tmp_path / "duck" / name).read_bytes() == (tmp_path / "spark" / name).read_bytes()


# --------------------------------------------------------------------------- chunked = whole

_event = st.fixed_dictionaries({
    "n": st.integers(0, 40), "day": st.sampled_from([None, 1, 2, 3, 4]),
    "precision": st.sampled_from(["day", "day", "day", "month"]),
    "type": st.sampled_from(["ae_attendance", "injury", "was_not_brought", "referral",
                             "birth", "attendance_summary"]),
    "file": st.sampled_from(["a.csv", "b.csv", "c.csv"]),
    "people": st.sampled_from([[], ["P1"], ["P2"], ["P3"], ["P1", "P2"], ["P2", "P3"]]),
    "summary": st.sampled_from(["", "x", "longer"]), "time": st.sampled_from(["", "09:00"])})


def _frame(drawn: list[dict]) -> pd.DataFrame:
    from chronos import model

    rows = [{"event_id": f"E{i:03d}" if d["n"] > 3 else "E999",   # a few ids used twice
             "date": None if d["day"] is None else f"2021-03-{d['day']:02d}",
             "date_precision": "unknown" if d["day"] is None else d["precision"],
             "event_type": d["type"], "source_file": d["file"], "source_ref": str(i),
             "person_ids": ";".join(sorted(set(d["people"]))) or None,
             "summary": d["summary"] or None, "time": d["time"] or None}
            for i, d in enumerate(drawn)]
    return model.conform(rows, "events")


@settings(max_examples=40, deadline=None)
@given(st.lists(_event, min_size=2, max_size=30))
def test_chunked_dedupe_is_dedupe_events_on_the_whole_table(tmp_path_factory, drawn):
    from chronos.screen import dedupe as dd
    from chronos.screen.engines import DuckEngine
    from chronos.link.events import dedupe_events

    frame = _frame(drawn)
    folder = tmp_path_factory.mktemp("chunked")
    frame.to_parquet(folder / "events.parquet", index=False)

    class Run:
        engine = DuckEngine(folder / "work")

        @staticmethod
        def say(*_):
            pass

    (folder / "out").mkdir()
    limit, dd.CHUNK_ROWS = dd.CHUNK_ROWS, 1            # one component per chunk
    try:
        dd.dedupe_population(Run, folder / "events.parquet", folder / "out")
    finally:
        dd.CHUNK_ROWS = limit
        Run.engine.close()
    whole = dedupe_events(frame)
    events = pd.read_parquet(folder / "out" / "events.parquet")
    duplicates = pd.read_parquet(folder / "out" / "duplicates.parquet")

    def same(a, b, columns):
        a = a[columns].astype(object).fillna("").sort_values(columns, ignore_index=True)
        b = b[columns].astype(object).fillna("").sort_values(columns, ignore_index=True)
        pd.testing.assert_frame_equal(a, b)

    same(events, whole.events, ["event_id", "person_ids", "corroborated_by", "details"])
    same(duplicates, whole.duplicates, ["event_id", "duplicate_of"])
