"""The engines: the same operations on DuckDB and Spark, and the population operations
written once over them (events mapped to person ids, the latest event date)."""

from __future__ import annotations

import pandas as pd
import pytest

from chronos.errors import ChronosError
from chronos.patterns import compile as comp
from chronos.sql.engines import DuckDBEngine, SparkSQLEngine, spark_path, temp_table

EVENTS = pd.DataFrame({
    "event_id": ["E3", "E1", "E2", "E4", "E5"],
    "date": ["2021-05-01", "2020-01-02", None, "2022-02-03", "2019-12-31"],
    "person_ids": ["gp:1; school:9", "gp:1", "police:7;gp:1;police:7", None, " ;"],
    "end": ["x", None, None, None, "y"],          # a column named like a keyword
})
LINKS = pd.DataFrame({"record_key": ["gp:1", "school:9", "police:7"],
                      "person_id": ["P1", "P1", "P2"]})


@pytest.fixture
def parquet(tmp_path):
    EVENTS.to_parquet(tmp_path / "events.parquet", index=False)
    LINKS.to_parquet(tmp_path / "links.parquet", index=False)
    return tmp_path


def _engines(tmp_path, spark=None):
    from chronos.screen.engines import DuckEngine, SparkEngine

    if spark is None:
        return DuckEngine(tmp_path / "work")
    return SparkEngine(None, tmp_path / "work")


def _mapped(engine, folder):
    count = engine.map_events(folder / "events.parquet", folder / "links.parquet",
                              folder / "mapped.parquet")
    frame = pd.read_parquet(folder / "mapped.parquet")
    return count, frame.sort_values("event_id", ignore_index=True)


def _check_mapped(count, frame):
    assert count == 5
    assert list(frame.columns) == list(EVENTS.columns)
    ids = dict(zip(frame["event_id"], frame["person_ids"].astype(object)))
    assert ids["E1"] == "P1"
    assert ids["E3"] == "P1"                       # two records of one person: once
    assert ids["E2"] == "P1;P2"                    # sorted, distinct
    assert pd.isna(ids["E4"]) and pd.isna(ids["E5"])   # no keys at all
    assert frame.loc[frame["event_id"] == "E3", "end"].item() == "x"


def test_duckdb_maps_events_to_person_ids(parquet, tmp_path):
    engine = _engines(tmp_path)
    try:
        _check_mapped(*_mapped(engine, parquet))
        assert engine.max_event_date(parquet / "events.parquet") == "2022-02-03"
    finally:
        engine.close()


def test_a_key_no_person_record_has_is_kept(parquet, tmp_path):
    LINKS.iloc[:1].to_parquet(parquet / "links.parquet", index=False)
    engine = _engines(tmp_path)
    try:
        _, frame = _mapped(engine, parquet)
    finally:
        engine.close()
    assert dict(zip(frame["event_id"], frame["person_ids"]))["E2"] == "P1;police:7"


@pytest.mark.spark
def test_spark_maps_events_as_duckdb_does(parquet, tmp_path, spark):
    engine = _engines(tmp_path, spark)
    try:
        count, frame = _mapped(engine, parquet)
        _check_mapped(count, frame)
        assert engine.max_event_date(parquet / "events.parquet") == "2022-02-03"
    finally:
        engine.close()


#: person_roles as exports give them: one key with one role (most events), several
#: roles or keys, spaces, a key no person record has, a pair without a role or '='
ROLES = pd.DataFrame({
    "event_id": [f"R{n}" for n in range(12)],
    "person_ids": ["gp:1", " gp:1 ", "gp:1;police:7", "school:9", "nobody:3", "", None,
                   "gp:1", "police:7", "gp:1;school:9", "gp:1", "police:7"],
    "person_roles": ["gp:1=victim", " gp:1 = witness ", "gp:1=child;police:7=suspect",
                     "school:9=present+child", "nobody:3=victim", "", None, "gp:1=",
                     "police:7", "gp:1=victim;school:9=witness+victim", "=victim",
                     "police:7=witness;"],
})


def _map_roles(tmp_path, plain_join: bool, spark=None) -> tuple[int, pd.DataFrame]:
    tmp_path.mkdir()
    ROLES.to_parquet(tmp_path / "events.parquet", index=False)
    LINKS.to_parquet(tmp_path / "links.parquet", index=False)
    engine = _engines(tmp_path, spark)
    try:
        count = engine.map_events(tmp_path / "events.parquet", tmp_path / "links.parquet",
                                  tmp_path / "mapped.parquet", plain_join=plain_join)
    finally:
        engine.close()
    frame = pd.read_parquet(tmp_path / "mapped.parquet").set_index("event_id")
    return count, frame.loc[ROLES["event_id"]].astype(object).where(frame.notna(), None)


def test_events_naming_one_record_are_mapped_as_the_others(tmp_path):
    """The plain join for events that name one record with one role gives what splitting
    and aggregating every event gives, and what case mode (chronos.link.apply) gives."""
    from chronos.link.apply import map_person_keys, map_person_roles

    count, fast = _map_roles(tmp_path / "fast", True)
    _, slow = _map_roles(tmp_path / "slow", False)
    assert count == len(ROLES)
    pd.testing.assert_frame_equal(fast, slow)
    keys = dict(zip(LINKS["record_key"], LINKS["person_id"]))
    assert list(fast["person_ids"]) == [
        None if pd.isna(v) else map_person_keys(v, keys) for v in ROLES["person_ids"]]
    well_formed = ROLES["event_id"].isin([f"R{n}" for n in range(7)]) | (ROLES["event_id"] == "R9")
    assert list(fast.loc[well_formed.to_numpy(), "person_roles"]) == [
        None if pd.isna(v) else map_person_roles(v, keys)
        for v in ROLES.loc[well_formed, "person_roles"]]
    assert fast.loc["R1", "person_roles"] == "P1=witness"        # spaces trimmed
    assert fast.loc["R3", "person_roles"] == "P1=child+present"  # roles in vocabulary order
    assert fast.loc["R4", "person_roles"] == "nobody:3=victim"   # a key kept as given
    # a pair without a role or without '=' is dropped, one with an empty key kept
    assert fast.loc["R7", "person_roles"] is None and fast.loc["R8", "person_roles"] is None
    assert fast.loc["R10", "person_roles"] == "=victim"
    assert fast.loc["R11", "person_roles"] == "P2=witness"


@pytest.mark.spark
def test_spark_maps_roles_as_duckdb_does(tmp_path, spark):
    _, duck = _map_roles(tmp_path / "duck", True)
    _, sparks = _map_roles(tmp_path / "spark", True, spark)
    pd.testing.assert_frame_equal(sparks[duck.columns], duck)


def test_duckdb_engine_operations(tmp_path):
    engine = DuckDBEngine.in_memory()
    engine.register("t", pd.DataFrame({"k": ["a", "b", "b"], "v": [1, 2, 3]}), "k string, v bigint")
    engine.table("s", "SELECT k, SUM(v) AS v FROM t GROUP BY k")
    assert engine.columns("s") == ["k", "v"]
    assert engine.scalar("SELECT MAX(v) FROM s") == 5
    assert engine.copy("SELECT * FROM s ORDER BY k", tmp_path / "s.parquet") == 2
    engine.view("p", tmp_path / "s.parquet")
    got = engine.collect({"one": "SELECT * FROM p WHERE k = 'a'", "none": "SELECT * FROM p WHERE FALSE",
                          "two": "SELECT * FROM p WHERE k = 'b'"})
    assert set(got) == {"one", "two"} and got["two"]["v"].tolist() == [5]
    arrow = engine.collect({"all": "SELECT * FROM p ORDER BY k"}, many_rows=True)
    assert arrow["all"].column("k").to_pylist() == ["a", "b"]
    engine.drop("p", "s", "missing")            # a view, a table, nothing
    assert engine.scalar("SELECT COUNT(*) FROM duckdb_tables() WHERE table_name = 's'") == 0
    engine.close()


@pytest.mark.spark
def test_spark_engine_prepares_tables_as_parquet(tmp_path, spark):
    engine = SparkSQLEngine(spark, tmp_path / "tables")
    engine.register("t", pd.DataFrame({"k": ["a", "b"], "v": [1, 2]}), "k string, v bigint")
    engine.prepare(["CREATE OR REPLACE TEMP TABLE s AS SELECT k, v * 2 AS v FROM t",
                    "CREATE OR REPLACE TEMP VIEW w AS SELECT date_diff('day', DATE '2020-01-01', "
                    "DATE '2020-01-31') AS n"])
    assert (tmp_path / "tables" / "s").is_dir()
    assert engine.scalar("SELECT SUM(v) FROM s") == 6 and engine.scalar("SELECT n FROM w") == 30
    got = engine.collect({"a": "SELECT * FROM s WHERE k = 'a'", "none": "SELECT * FROM s WHERE FALSE"})
    assert list(got) == ["a"] and got["a"]["v"].tolist() == [2]
    engine.close()
    assert not (tmp_path / "tables").exists()


def test_every_prepared_statement_splits_and_transpiles():
    names = []
    for statement in comp.prepare_sql("2024-03-31"):
        kind, name, select = temp_table(statement)
        assert kind in ("TABLE", "VIEW")
        assert select.lstrip().upper().startswith(("SELECT", "WITH"))
        assert "CREATE" not in comp.to_dialect(select, "spark").upper()
        names.append(name)
    assert len(names) == len(set(names))
    assert {"ev", "people", "hh", "subj", "sev", "sibs", "approx_ids"} <= set(names)


def test_a_statement_that_is_not_a_prepared_table_is_refused():
    assert temp_table("CREATE OR REPLACE TEMP VIEW v AS\nSELECT 1") == ("VIEW", "v", "SELECT 1")
    with pytest.raises(ChronosError):
        temp_table("SELECT 1")


@pytest.mark.parametrize("given, spark", [
    ("/x/ingest/events/*.parquet", "/x/ingest/events"),
    ("/x/link/events.parquet", "/x/link/events.parquet"),
])
def test_spark_reads_a_folder_of_parquet_not_a_glob(given, spark):
    assert spark_path(given) == spark
