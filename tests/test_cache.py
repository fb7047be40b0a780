"""The cache of ingested sources (chronos/cache.py): what it reuses, what it reads again,
what it refuses to trust, where it keeps what, and how it is cleared."""

import json
import os
import shutil
import stat
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from chronos import cache
from chronos.case import build_case, load_case
from chronos.cli import app

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "smith-family"
TABLES = ("events", "person_records", "relationships", "quarantine")


@pytest.fixture
def case(tmp_path, monkeypatch):
    """A copy of the example case, and a cache folder of this test's own."""
    monkeypatch.setenv("CHRONOS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("CHRONOS_NO_CACHE", raising=False)
    shutil.copytree(EXAMPLE, tmp_path / "case")
    return tmp_path / "case"


def ingest(case_path, **options):
    """The case after its ingest stage (what the cache serves)."""
    return build_case(case_path, stages=(), **options)


def statuses(result) -> dict[str, str]:
    return {note.source: note.status for note in result.cache_notes}


def assert_same_case(a, b) -> None:
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table), check_exact=True)
    assert json.dumps(a.report, sort_keys=True, default=str) == \
        json.dumps(b.report, sort_keys=True, default=str)


def entries(case_path: Path) -> list[Path]:
    folder = cache.case_folder(case_path / "case.yaml")
    return sorted(p for p in folder.iterdir() if p.is_dir())


def test_a_second_build_takes_every_source_from_the_cache_and_gives_the_same_case(case):
    first = build_case(case, cache=True)
    assert set(statuses(first).values()) == {"stored"}
    second = build_case(case, cache=True)
    assert statuses(second) == {**{s.name: "hit" for s in load_case(case).sources},
                                "link": "hit", "findings": "hit"}
    uncached = build_case(case)
    for table in ("persons", "links", "findings", *TABLES):
        pd.testing.assert_frame_equal(getattr(second, table), getattr(uncached, table))
    assert json.dumps(second.report, sort_keys=True, default=str) == \
        json.dumps(uncached.report, sort_keys=True, default=str)
    assert_same_case(second, first)


def test_what_changed_is_computed_again_and_nothing_else(case):
    build_case(case, cache=True)
    mapping = case / "mappings" / "gp.yaml"
    mapping.write_text(mapping.read_text().replace("DNA: was_not_brought",
                                                   "DNA: appointment_cancelled"))
    changed = build_case(case, cache=True)         # other events, the same person records
    assert {k: v for k, v in statuses(changed).items() if v != "hit"} == {
        "gp": "stored", "findings": "stored"}
    uncached = build_case(case)
    for table in ("persons", "links", "findings", "harm_index", *TABLES):
        pd.testing.assert_frame_equal(getattr(changed, table), getattr(uncached, table))
    (case / "rule-params.yaml").write_text("wnb_health: {min_count: 2}\n")
    (case / "overrides.yaml").write_text("cannot_link:\n  - [gp:G10236, family:F05]\n")
    again = build_case(case, cache=True)           # new parameters, new overrides
    assert {k: v for k, v in statuses(again).items() if v != "hit"} == {
        "link": "stored", "findings": "stored"}
    uncached = build_case(case)
    for table in ("persons", "links", "findings", *TABLES):
        pd.testing.assert_frame_equal(getattr(again, table), getattr(uncached, table))
    assert json.dumps(again.report, sort_keys=True, default=str) == \
        json.dumps(uncached.report, sort_keys=True, default=str)


def test_a_mapping_change_reads_only_that_source_again(case):
    ingest(case, cache=True)
    mapping = case / "mappings" / "gp.yaml"
    mapping.write_text(mapping.read_text().replace("DNA: was_not_brought",
                                                   "DNA: appointment_cancelled"))
    changed = ingest(case, cache=True)
    assert statuses(changed)["gp"] == "stored"
    assert {s for n, s in statuses(changed).items() if n != "gp"} == {"hit"}
    assert_same_case(changed, ingest(case))
    gp = changed.events[changed.events["source_file"] == "exports/gp_appointments.csv"]
    assert "was_not_brought" not in set(gp["event_type"])
    assert len(entries(case)) == len(load_case(case).sources)   # the old reading is gone


def test_the_key_is_the_content_not_the_file_date(case):
    ingest(case, cache=True)
    export = case / "exports" / "housing_actions.csv"
    os.utime(export, (time.time() + 60, time.time() + 60))        # touched, same bytes
    assert statuses(ingest(case, cache=True))["housing"] == "hit"
    before = export.stat()
    data = export.read_bytes()
    assert b"Notice" in data
    export.write_bytes(data.replace(b"Notice", b"Notise", 1))     # same size and date
    os.utime(export, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert export.stat().st_size == before.st_size
    rebuilt = ingest(case, cache=True)
    assert statuses(rebuilt)["housing"] == "stored"
    assert_same_case(rebuilt, ingest(case))


def test_manifest_options_and_as_of_are_part_of_the_key(case):
    source = load_case(case).sources[0]
    key = cache.source_key(source)
    source.options["as_of"] = "2020-01-01"
    assert cache.source_key(source) != key
    source.options["dayfirst"] = False
    assert len({key, cache.source_key(source)}) == 2
    other = load_case(case).sources[0]
    other.agency = "Another agency"
    assert cache.source_key(other) != key


def _damage_table(case_path: Path) -> Path:
    entry = entries(case_path)[0]
    table = next(entry.glob("*.parquet"))
    data = bytearray(table.read_bytes())
    data[len(data) // 2] ^= 0xFF
    table.write_bytes(bytes(data))
    return entry


@pytest.mark.parametrize("damage, why", [
    (_damage_table, "does not match its checksum"),
    (lambda c: (entries(c)[0] / "entry.json").write_text("{not json"), "record is unreadable"),
    (lambda c: next(entries(c)[0].glob("*.parquet")).unlink(), "unreadable"),
])
def test_a_damaged_entry_is_read_again_with_a_note(case, damage, why):
    ingest(case, cache=True)
    damage(case)
    said = []
    rebuilt = ingest(case, cache=True, progress=said.append)
    notes = [n for n in rebuilt.cache_notes if n.status == "rebuilt"]
    assert len(notes) == 1 and why in notes[0].message
    assert any(why in line for line in said)                  # the person is told
    assert_same_case(rebuilt, ingest(case))
    assert set(statuses(ingest(case, cache=True)).values()) == {"hit"}


def test_an_entry_from_another_chronos_is_not_trusted(case, monkeypatch):
    ingest(case, cache=True)
    for entry in entries(case):
        record = json.loads((entry / "entry.json").read_text())
        record["code"] = "0" * 64                 # written by another version
        (entry / "entry.json").write_text(json.dumps(record))
    rebuilt = ingest(case, cache=True)
    assert {n.status for n in rebuilt.cache_notes} == {"rebuilt"}
    assert all("another version" in n.message for n in rebuilt.cache_notes)


def test_a_code_change_gives_new_keys(case, monkeypatch):
    source = load_case(case).sources[0]
    key = cache.source_key(source)
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "a different chronos")
    assert cache.source_key(source) != key


def test_everything_in_the_cache_is_owner_only(case):
    ingest(case, cache=True)
    root = cache.cache_root()
    found = list(root.rglob("*"))
    assert found and (root / "CACHEDIR.TAG").exists()
    for path in [root, *found]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*")
            if p.is_file()}


def test_a_named_cache_folder_leaves_the_case_folder_as_it_was(case):
    before = _files(case)
    ingest(case, cache=True)
    assert _files(case) == before and not (case / cache.CASE_FOLDER).exists()


def test_by_default_the_cache_is_in_the_case_folder_and_nowhere_else(case, tmp_path,
                                                                      monkeypatch):
    monkeypatch.delenv("CHRONOS_CACHE_DIR")
    for name in ("HOME", "XDG_CACHE_HOME", "TMPDIR"):
        (tmp_path / name).mkdir()
        monkeypatch.setenv(name, str(tmp_path / name))
    before = _files(case)
    first = ingest(case, cache=True)
    second = ingest(case, cache=True)
    assert set(statuses(second).values()) == {"hit"}
    assert_same_case(first, second)
    folder = case / cache.CASE_FOLDER
    assert cache.case_folder(case / "case.yaml") == folder and cache.owned(folder)
    for path in [folder, *folder.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
    after = {k: v for k, v in _files(case).items() if not k.startswith(cache.CASE_FOLDER)}
    assert after == before
    for name in ("HOME", "XDG_CACHE_HOME", "TMPDIR"):
        assert not any((tmp_path / name).iterdir()), name
    assert cache.clear(case / "case.yaml").entries == len(load_case(case).sources)
    assert not folder.exists() and _files(case) == before


def _not_ours(case: Path, tmp_path: Path, kind: str) -> Path:
    folder = case / cache.CASE_FOLDER
    if kind == "a folder without the tag":
        folder.mkdir()
        (folder / "notes.txt").write_text("someone's notes")
    else:                                  # a link to a folder chronos made elsewhere
        elsewhere = tmp_path / "elsewhere"
        cache.claim(elsewhere)
        folder.symlink_to(elsewhere)
    return folder


@pytest.mark.parametrize("kind", ["a folder without the tag", "a link"])
def test_a_cache_folder_chronos_did_not_make_is_left_alone(case, tmp_path, monkeypatch, kind):
    monkeypatch.delenv("CHRONOS_CACHE_DIR")
    folder = _not_ours(case, tmp_path, kind)
    before = _files(case) | _files(tmp_path / "elsewhere" if kind == "a link" else case)
    result = ingest(case, cache=True)
    assert [(n.status, "not made by chronos" in n.message) for n in result.cache_notes] \
        == [("off", True)]
    assert_same_case(result, ingest(case))
    refused = CliRunner().invoke(app, ["cache", "clear", str(case)])
    assert refused.exit_code == 1 and "not made by chronos" in refused.output
    assert os.path.lexists(folder)
    assert _files(case) | _files(tmp_path / "elsewhere" if kind == "a link" else case) \
        == before


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root writes into read-only folders")
def test_a_case_folder_that_cannot_be_written_turns_the_cache_off(case, monkeypatch):
    monkeypatch.delenv("CHRONOS_CACHE_DIR")
    os.chmod(case, 0o500)
    try:
        result = ingest(case, cache=True)
    finally:
        os.chmod(case, 0o700)
    assert [n.status for n in result.cache_notes] == ["off"]
    assert not (case / cache.CASE_FOLDER).exists()


def test_without_the_cache_nothing_is_kept(case, monkeypatch):
    ingest(case)                                    # a library call: off by default
    ingest(case, cache=False)
    assert not cache.cache_root().exists()
    monkeypatch.setenv("CHRONOS_NO_CACHE", "1")
    result = ingest(case, cache=True)
    assert result.cache_notes == [] and not cache.cache_root().exists()


def test_an_unusable_cache_folder_turns_the_cache_off_with_a_note(case, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("CHRONOS_CACHE_DIR", str(blocker / "cache"))
    result = ingest(case, cache=True)
    assert [n.status for n in result.cache_notes] == ["off"]
    assert_same_case(result, ingest(case))


def test_a_case_cache_unused_for_long_is_removed(case, tmp_path):
    ingest(case, cache=True)
    old = cache.case_folder(case / "case.yaml")
    long_ago = time.time() - (cache.KEEP_DAYS + 1) * 86400
    os.utime(old, (long_ago, long_ago))
    other = tmp_path / "other"
    shutil.copytree(EXAMPLE, other)
    ingest(other, cache=True)                        # opening the cache prunes
    assert not old.exists() and cache.case_folder(other / "case.yaml").exists()


def test_clear_removes_one_case_or_every_case(case, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(EXAMPLE, other)
    ingest(case, cache=True)
    ingest(other, cache=True)
    cleared = cache.clear(case / "case.yaml")
    assert cleared.entries == len(load_case(case).sources) and cleared.bytes > 0
    assert not cache.case_folder(case / "case.yaml").exists()
    assert cache.case_folder(other / "case.yaml").exists()
    assert cache.clear().entries == len(load_case(other).sources)
    assert not any((cache.cache_root() / "cases").iterdir())
    assert (cache.cache_root() / "CACHEDIR.TAG").exists()     # only what it wrote for cases


def test_command_line_uses_the_cache_and_no_cache_bypasses_it(case, tmp_path):
    runner = CliRunner()
    done = runner.invoke(app, ["link", str(case), "--no-cache", "-q"])
    assert done.exit_code == 0, done.output
    assert not cache.cache_root().exists()
    done = runner.invoke(app, ["flags", str(case), "--json"])
    assert done.exit_code == 0, done.output
    kept = len(load_case(case).sources) + 2                # and the linking, the findings
    shown = runner.invoke(app, ["cache", "show", str(case), "--json"])
    assert json.loads(shown.stdout)["entries"] == kept
    cleared = runner.invoke(app, ["cache", "clear", str(case), "--json"])
    assert json.loads(cleared.stdout)["entries"] == kept
    refused = runner.invoke(app, ["cache", "clear"])
    assert refused.exit_code == 1 and "--all" in refused.output


def test_annotate_reads_the_case_through_the_cache(case):
    runner = CliRunner()
    done = runner.invoke(app, ["annotate", str(case), "--no-cache", "-q"])
    assert done.exit_code == 0, done.output
    assert not cache.cache_root().exists()
    done = runner.invoke(app, ["annotate", str(case), "-q"])
    assert done.exit_code == 0, done.output
    shown = runner.invoke(app, ["cache", "show", str(case), "--json"])
    assert json.loads(shown.stdout)["entries"] == len(load_case(case).sources) + 2


def test_the_library_entry_builds_through_the_cache_and_writes_what_build_writes(case,
                                                                                  tmp_path):
    from chronos import app as run

    first = run.case_result(case)
    again = run.case_result(case)
    assert set(statuses(first).values()) == {"stored"}
    assert set(statuses(again).values()) == {"hit"}
    run.write_case_outputs(again, tmp_path / "out")
    run.build(case, tmp_path / "built", cache=False)
    for name in ("events.csv", "persons.csv", "findings.csv", "quarantine.csv"):
        assert (tmp_path / "out" / name).read_bytes() == \
            (tmp_path / "built" / name).read_bytes(), name
    from chronos.errors import OutputError

    with pytest.raises(OutputError):
        run.write_case_outputs(again, case / "out")         # never among the case's inputs
