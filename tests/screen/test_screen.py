"""chronos screen: a small generated population through the whole pipeline.

The generator (benchmarks/population.py) plants patterns in known children; the scorecard
must count exactly those children. Resume after a failure must redo only what is missing,
and DuckDB and Spark must give the same findings row for row.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from chronos.screen import run as screen_mod
from chronos.errors import ChronosError
from chronos.screen import screen

ROOT = Path(__file__).resolve().parents[2]
SINCE = "2015-01-01"  # the whole history: every planted pattern is in the period


def _population_module():
    spec = importlib.util.spec_from_file_location("population", ROOT / "benchmarks" / "population.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["population"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def population(tmp_path_factory):
    folder = tmp_path_factory.mktemp("population")
    summary = _population_module().generate(160, folder, seed=5)
    return folder, summary


@pytest.fixture(scope="module")
def screened(population, tmp_path_factory):
    folder, _ = population
    out = tmp_path_factory.mktemp("screen")
    result = screen(folder, out, since=SINCE)
    return result, out


def _truth(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "truth" / "children.csv", dtype={"nhs_number": str})


def _person_of_nhs(out: Path) -> dict[str, str]:
    persons = pd.read_parquet(out / "work" / "link" / "persons.parquet")
    persons = persons[persons["nhs_number"].notna()]
    return dict(zip(persons["nhs_number"], persons["person_id"]))


def test_every_planted_pattern_is_counted_exactly(population, screened):
    folder, summary = population
    result, out = screened
    indicators = pd.read_csv(out / "scorecard" / "indicators.csv").set_index("rule_id")
    truth = _truth(folder)
    for rule in _population_module().PLANTED:
        assert summary["planted"][rule] > 0, rule
        assert indicators.at[rule, "children"] == int(truth[rule].sum()), rule
        assert result.scorecard["indicators"][rule] == int(truth[rule].sum())


def test_findings_belong_to_the_planted_children(population, screened):
    folder, _ = population
    _, out = screened
    truth = _truth(folder)
    person = _person_of_nhs(out)
    findings = pd.read_csv(out / "findings.csv")
    for rule in ("wnb_health", "ae_frequent", "drift_cp_plan", "head_lice_repeated"):
        expected = {person[n] for n in truth.loc[truth[rule], "nhs_number"]}
        assert set(findings.loc[findings["rule_id"] == rule, "person_id"]) == expected, rule


def test_people_are_linked_across_agencies(population, screened):
    folder, _ = population
    result, _ = screened
    link = next(s for s in result.stages if s.name == "link")
    mothers = len(_truth(folder)["family"].unique())
    assert link.counts["persons"] == len(_truth(folder)) + mothers


def _band(dob: pd.Series, on: str) -> pd.Series:
    dob, day = pd.to_datetime(dob), pd.Timestamp(on)
    months = (day.year - dob.dt.year) * 12 + day.month - dob.dt.month - (day.day < dob.dt.day)
    return pd.cut(months, [-1, 23, 59, 143, 215], labels=["0-2", "2-4", "5-11", "12-18"]).astype(str)


def test_open_plans_by_age_band_match_the_truth(population, screened):
    folder, _ = population
    result, out = screened
    truth = _truth(folder)
    drifted = truth[truth["drift_cp_plan"]]
    expected = _band(drifted["dob"], result.as_of).value_counts().to_dict()
    bands = pd.read_csv(out / "scorecard" / "by_age_band.csv")
    got = bands[bands["rule_id"] == "drift_cp_plan"].set_index("age_band")["children"].to_dict()
    assert got == expected
    drift = pd.read_csv(out / "scorecard" / "drift.csv").set_index("rule_id")
    assert drift.at["drift_cp_plan", "open_at_as_of"] == len(drifted)
    assert drift.at["drift_cp_plan", "median_days"] > 365


def test_children_with_several_categories(screened):
    _, out = screened
    findings = pd.read_csv(out / "findings.csv")
    per_child = findings.groupby("person_id")["category"].nunique()
    listed = pd.read_csv(out / "scorecard" / "multi_category_children.csv")
    assert set(listed["person_id"]) == set(per_child[per_child >= 2].index)
    counts = pd.read_csv(out / "scorecard" / "multi_category.csv").set_index("n_categories")
    assert counts["children"].sum() == findings["person_id"].nunique()


def test_by_month_and_agency_count_children_not_findings(screened):
    _, out = screened
    findings = pd.read_csv(out / "findings.csv")
    wnb = findings[findings["rule_id"] == "wnb_health"]
    months = pd.read_csv(out / "scorecard" / "by_month.csv")
    assert months.loc[months["rule_id"] == "wnb_health", "children"].sum() == \
        wnb.groupby(wnb["window_end"].str[:7])["person_id"].nunique().sum()
    agency = pd.read_csv(out / "scorecard" / "by_agency.csv")
    assert agency.loc[(agency["rule_id"] == "wnb_health") & (agency["agency"] == "GP"),
                      "children"].item() == wnb["person_id"].nunique()


def test_harm_list_agrees_with_the_harm_index(screened):
    from chronos.patterns.harm import harm_index

    result, out = screened
    link = out / "work" / "link"
    events = pd.read_parquet(out / "work" / "dedupe" / "events.parquet")
    persons = pd.read_parquet(link / "persons.parquet")
    relationships = pd.read_parquet(link / "relationships.parquet")
    findings = pd.read_parquet(out / "findings.parquet")
    harm = pd.read_csv(out / "scorecard" / "harm_threshold.csv")
    assert len(harm) == result.scorecard["harm"]["crossed"] > 0
    threshold = result.scorecard["harm"]["threshold"]
    assert (harm["index_at_as_of"] >= threshold).all()
    assert (harm["index_at_period_start"] < threshold).all()
    series = harm_index(events, findings, persons, relationships, as_of=result.as_of)
    at_end = series[series["date"] == result.as_of].set_index("person_id")["index"]
    for row in harm.itertuples():
        assert row.index_at_as_of == pytest.approx(at_end[row.person_id], abs=0.01)
    crossing = at_end[at_end >= threshold]
    assert set(harm["person_id"]) <= set(crossing.index)


def test_outputs_and_charts_are_written(screened):
    result, out = screened
    for name in ("findings.parquet", "findings.csv", "screen.json", "charts/indicators.png",
                 "charts/by_month.png", "charts/category_by_age_band.png",
                 "charts/multi_category.png", "scorecard/harm_threshold.csv"):
        assert (out / name).stat().st_size > 0, name
    assert json.loads((out / "screen.json").read_text())["as_of"] == result.as_of
    parquet = pd.read_parquet(out / "findings.parquet")
    csv = pd.read_csv(out / "findings.csv", dtype=str, keep_default_na=False)
    assert list(csv.columns) == list(parquet.columns)
    assert csv["finding_id"].tolist() == parquet["finding_id"].tolist()


def test_resume_after_a_failure_redoes_only_what_is_missing(population, screened, tmp_path,
                                                            monkeypatch):
    folder, _ = population
    _, first = screened
    out = tmp_path / "out"
    from chronos.screen import engines as _screen_engines

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(_screen_engines.DuckEngine, "run_rules", broken)
    with pytest.raises(RuntimeError):
        screen(folder, out, since=SINCE)
    assert (out / "work" / "link.done.json").exists()
    assert not (out / "work" / "findings").exists()   # nothing half-written
    assert not (out / "screen.json").exists()         # not complete
    monkeypatch.undo()
    seen = []
    result = screen(folder, out, since=SINCE, progress=lambda s, d, t, m: seen.append((s, m)))
    assert [s.resumed for s in result.stages] == [True, True, True, False, False]
    assert ("ingest", "already done (resumed)") in seen
    assert (out / "findings.csv").read_bytes() == (first / "findings.csv").read_bytes()
    assert screen_mod.is_complete(out)


def test_changed_options_rerun_only_later_stages(population, tmp_path):
    folder, _ = population
    out = tmp_path / "out"
    with pytest.raises(ChronosError):
        screen(folder, out, since=SINCE, fail_after="scorecard")
    assert not screen_mod.is_complete(out)
    again = screen(folder, out, since=SINCE, harm_threshold=2.0)
    assert [s.resumed for s in again.stages] == [True, True, True, True, False]
    assert again.scorecard["harm"]["threshold"] == 2.0


def test_outputs_are_readable_by_their_owner_only(screened):
    _, out = screened
    for path in [out, *out.rglob("*")]:
        mode = path.stat().st_mode & 0o777
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


@pytest.mark.parametrize("limit", ["lots", "6", "GB", "-1GB"])
def test_a_bad_memory_limit_is_refused_before_any_work(population, tmp_path, limit):
    folder, _ = population
    with pytest.raises(ChronosError, match="not a size"):
        screen(folder, tmp_path / "out", memory_limit=limit)
    assert not (tmp_path / "out").exists()


def test_spark_without_pyspark_is_refused_before_any_work(population, tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "pyspark" else real(name, *a))
    folder, _ = population
    with pytest.raises(ChronosError, match="needs pyspark"):
        screen(folder, tmp_path / "out", engine="spark")
    assert not (tmp_path / "out").exists()


def test_each_stage_reports_its_own_peak_memory():
    block = bytearray(300 * 1024 * 1024)      # 300 MB touched, then let go
    block[::4096] = b"x" * len(block[::4096])
    before = screen_mod.peak_mb()
    del block
    if not screen_mod.reset_peak():
        pytest.skip("this system cannot reset the peak resident memory")
    assert screen_mod.peak_mb() < before - 200


def test_cli_screen_json(population, screened):
    from typer.testing import CliRunner

    from chronos.cli import app

    folder, _ = population
    _, out = screened
    result = CliRunner().invoke(app, ["screen", str(folder), "--out", str(out), "--since", SINCE,
                                      "--json", "--quiet"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["scorecard"]["indicators"]["wnb_health"] > 0
    assert all(stage["resumed"] for stage in data["stages"])


# --------------------------------------------------------------------------- Spark

SPARK_RULES = ("wnb_health", "head_lice_repeated", "toxic_trio", "drift_cp_plan",
               "closed_then_rereferred", "info_not_acted_on", "absence_persistent",
               "older_sibling_overlooked", "domestic_abuse_child_present")


@pytest.mark.spark
def test_duckdb_and_spark_give_identical_findings(population, spark, tmp_path):
    from chronos.patterns.engine import resolve_rules

    folder, _ = population
    rules = [r for r in resolve_rules() if r.id in SPARK_RULES]
    assert {r.type for r in rules} >= {"count_in_window", "recurrence", "co_occurrence",
                                       "duration", "sequence", "absence_of_followup",
                                       "threshold", "structural"}
    duck = screen(folder, tmp_path / "duck", since=SINCE, rules=rules)
    sparked = screen(folder, tmp_path / "spark", engine="spark", since=SINCE, rules=rules)
    a = pd.read_parquet(tmp_path / "duck" / "findings.parquet")
    b = pd.read_parquet(tmp_path / "spark" / "findings.parquet")
    assert len(a) > 0
    pd.testing.assert_frame_equal(a, b)
    assert (tmp_path / "duck" / "findings.csv").read_bytes() == \
        (tmp_path / "spark" / "findings.csv").read_bytes()
    links_a = pd.read_parquet(tmp_path / "duck" / "work" / "link" / "links.parquet")
    links_b = pd.read_parquet(tmp_path / "spark" / "work" / "link" / "links.parquet")
    pd.testing.assert_frame_equal(links_a[["record_key", "person_id"]],
                                  links_b[["record_key", "person_id"]])
    for name in ("indicators", "harm_threshold", "by_month"):
        assert (tmp_path / "duck" / "scorecard" / f"{name}.csv").read_bytes() == \
            (tmp_path / "spark" / "scorecard" / f"{name}.csv").read_bytes()
    assert duck.scorecard["indicators"] == sparked.scorecard["indicators"]


def _ssda903_tables(folder: Path, children: int) -> Path:
    """A looked-after children return as the 903 tables have it: no names at all."""
    import datetime as dt
    import random

    rng = random.Random(5)
    header = ["CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"]
    episodes = ["CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,"
                "HOME_POST,PL_POST,URN"]
    for number in range(children):
        child = str(300000 + number)
        born = dt.date(2004, 1, 1) + dt.timedelta(days=rng.randint(0, 4400))
        start = born + dt.timedelta(days=rng.randint(30, 1500))
        header.append(f"{child},{rng.choice('12')},{born:%d/%m/%Y},WBRI,,,")
        episodes.append(f"{child},{start:%d/%m/%Y},S,C2,N1,U1,PR1,,,,,,")
    (folder / "header.csv").write_text("\n".join(header) + "\n", encoding="utf-8")
    (folder / "episodes.csv").write_text("\n".join(episodes) + "\n", encoding="utf-8")
    (folder / "case.yaml").write_text(
        "case: 903 return\nas_of: 2024-03-31\nsources:\n"
        "  - {name: header, path: header.csv, agency: CSC}\n"
        "  - {name: episodes, path: episodes.csv, agency: CSC}\n", encoding="utf-8")
    return folder / "case.yaml"


@pytest.mark.slow
@pytest.mark.parametrize("linking", ["", "linking: {train: false}\n"])
def test_a_903_return_with_no_names_screens(tmp_path, linking):
    # more records than min_records_to_train: splink is trained on a sample in which no
    # record has a name (it used to fail in link/scoring.py via _train_on_sample)
    (tmp_path / "case").mkdir()
    manifest = _ssda903_tables(tmp_path / "case", 1050)   # outputs beside, not inside
    manifest.write_text(manifest.read_text() + linking, encoding="utf-8")
    result = screen(manifest, tmp_path / "out", resume=False)
    persons = pd.read_parquet(tmp_path / "out" / "work" / "link" / "persons.parquet")
    assert len(persons) == 1050                    # header and episodes: one child each
    assert result.scorecard["people"] == 1050
    link = json.loads((tmp_path / "out" / "work" / "link.done.json").read_text())
    assert link["counts"]["person_records"] == 2100
    # nothing to learn names from: the shipped model is used, trained or not
    assert link["counts"]["trained"] is False


@pytest.mark.spark
def test_bounded_linking_gives_the_same_people_on_spark(spark, tmp_path):
    """Identical records (units), a star of records sharing an NHS number and a windowed
    block, scored by splink on Spark: the same links as on DuckDB."""
    from chronos.link.people import link_people
    from chronos.screen.engines import _splink_spark_api

    def person(key, given, dob, **extra):
        return {"record_key": key, "given_name": given, "family_name": "Smith", "dob": dob,
                "dob_precision": "day", "source_file": key.split(":")[0] + ".csv",
                "source_ref": key.split(":")[1], **extra}

    rows = [person(f"gp:A{i:03d}", "Kayden", "2019-04-03", nhs_number="9434765919",
                   postcode="LS1 4AP") for i in range(30)]                      # a unit
    rows += [person(f"gp:B{i:03d}", "Kayden", "2019-04-03", nhs_number="9434765919",
                    postcode=f"LS{1 + i % 9} {i // 9}AB") for i in range(40)]    # a star
    rows += [person(f"hv:{i:03d}", name, "1900-01-01", postcode=f"LS{2 + i % 7} {i % 10}QT")
             for i, name in enumerate(["Ava", "Ben", "Cal", "Dee", "Eve", "Fin"] * 6)]
    records = pd.DataFrame(rows)
    settings = {"max_block_size": 25, "window_size": 10}
    duck = link_people(records, settings=settings)
    if spark.sparkContext.getCheckpointDir() is None:   # as the Spark engine does
        spark.sparkContext.setCheckpointDir(str(tmp_path / "spark-checkpoints"))
    sparked = link_people(records, settings=settings,
                          db_api=_splink_spark_api(spark, tmp_path / "splink"))
    assert duck.identical > 0
    assert {w.code for w in duck.warnings} >= {"link.identifier_group", "link.block_windowed"}
    pd.testing.assert_frame_equal(duck.links, sparked.links)
    pd.testing.assert_frame_equal(duck.persons, sparked.persons)


def test_the_screen_dates_the_person_records_by_their_events(screened):
    from chronos.link.stated import DATING_COLUMNS, record_dates
    from chronos.screen.stages import dating_events

    _, out = screened
    ingest = out / "work" / "ingest"
    events = dating_events(ingest / "events")
    every = pd.read_parquet(ingest / "events")
    named = every[every["person_ids"].notna() & every["date"].notna()]
    assert set(events.columns) <= set(DATING_COLUMNS) and len(events) == len(named) > 0
    records = pd.read_parquet(ingest / "person_records")
    dated = record_dates(events)
    assert dated and set(dated) <= set(records["record_key"])
    assert dating_events(out / "work" / "no-such-folder") is None


def test_a_screen_dates_its_records_for_linking_when_asked(screened):
    from chronos.link.people import as_settings
    from chronos.screen.stages import linking_events

    folder = screened[1] / "work" / "ingest" / "events"
    assert linking_events(folder, as_settings(None)) is None        # off by default
    assert len(linking_events(folder, as_settings({"screen_dates_records": True}))) > 0
