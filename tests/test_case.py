"""The manifest, the build pipeline and atomic outputs, with a tiny test-only ingester."""

import csv
import os
import stat

import pytest

from chronos import model
from chronos.case import build_case, load_case, write_outputs
from chronos.errors import Issue, ManifestError, SourceError, StrictModeError
from chronos.ingest.base import Ingester, SourceResult, register
from chronos.report.safe_files import MARKER, read_marker


@register
class _PipeRows(Ingester):
    """Test format: 'person|nhs|date|type' lines; type 'bad' is quarantined."""

    name = "test_pipe_rows"
    description = "test only"

    def read(self, source):
        result = SourceResult(source=source, format=self.name)
        events, persons = [], {}
        lines = source.path.read_text().splitlines()
        for number, line in enumerate(lines, 1):
            result.records_read += 1
            person, nhs, date, kind = line.split("|")
            key = f"{source.name}:{person}"
            if kind == "bad":
                result.quarantine.append(Issue("event_type.unmapped", "unknown wording",
                                               source.file_label, str(number), "type", kind,
                                               "error"))
                continue
            persons[key] = {"record_key": key, "given_name": person, "nhs_number": nhs or None,
                            "source_file": source.file_label, "source_ref": str(number)}
            events.append({"event_id": model.make_event_id(source.file_label, str(number),
                                                           kind, date),
                           "date": date, "date_precision": "day", "person_ids": key,
                           "event_type": kind, "agency": source.agency,
                           "source_format": self.name, "source_file": source.file_label,
                           "source_ref": str(number)})
            result.records_to_data += 1
        result.events = model.conform(events, "events")
        result.persons = model.conform(list(persons.values()), "persons")
        return result


@pytest.fixture
def case_dir(tmp_path):
    """A case in its own folder (outputs go beside it: chronos refuses them inside)."""
    case = tmp_path / "case"
    case.mkdir()
    (case / "gp.txt").write_text("Kayden|9434765919|2021-03-04|was_not_brought\n"
                                 "Mia||2021-05-06|head_lice\n"
                                 "X||2021-05-07|bad\n")
    (case / "school.txt").write_text("Kaden|943 476 5919|2021-04-01|school_absence\n")
    (case / "case.yaml").write_text(
        "case: Test family\nas_of: 2024-03-31\nsources:\n"
        "  - {name: gp, path: gp.txt, format: test_pipe_rows, agency: GP}\n"
        "  - {name: school, path: school.txt, format: test_pipe_rows, agency: School}\n")
    return case


def test_load_case_resolves_sources_relative_to_the_manifest(case_dir):
    case = load_case(case_dir)
    assert case.name == "Test family"
    assert case.as_of == "2024-03-31"
    assert [s.name for s in case.sources] == ["gp", "school"]
    assert case.sources[0].path == case_dir / "gp.txt"
    assert case.sources[0].file_label == "gp.txt"


@pytest.mark.parametrize("text, fragment", [
    ("case: x\n", "lists no sources"),
    ("case: x\nsources:\n  - {name: a}\n", "needs at least a 'path'"),
    ("case: x\nsources:\n  - {name: a, path: a.csv}\n  - {name: a, path: b.csv}\n",
     "two sources are named 'a'"),
    ("case: x\nas_of: yesterday\nsources:\n  - {path: a.csv}\n", "as_of must be an ISO date"),
    ("case: [unclosed\n", "not valid YAML"),
    ("case: x\nsources:\n  - {path: a.csv, mapping: nowhere.yaml}\n",
     "mapping file not found"),
])
def test_manifest_errors_are_clear(tmp_path, text, fragment):
    (tmp_path / "case.yaml").write_text(text)
    with pytest.raises(ManifestError) as err:
        load_case(tmp_path)
    assert fragment in str(err.value)
    assert "case.yaml" in str(err.value)


def test_an_export_given_as_the_case_is_refused_with_a_hint(tmp_path):
    (tmp_path / "gp.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ManifestError, match="not a case manifest") as err:
        load_case(tmp_path / "gp.csv")
    assert "chronos inspect" in str(err.value)


def test_missing_manifest_names_the_path(tmp_path):
    with pytest.raises(ManifestError, match="case manifest not found"):
        load_case(tmp_path / "nowhere")


def test_build_links_exact_identifiers_and_reconciles(case_dir):
    result = build_case(case_dir)
    assert result.report["reconciles"] is True
    assert result.report["totals"]["records_read"] == 4
    assert result.report["totals"]["records_quarantined"] == 1
    assert len(result.events) == 3
    # Kayden (GP) and Kaden (school) share an NHS number written differently: one person
    kayden = result.links.set_index("record_key").loc[["gp:Kayden", "school:Kaden"], "person_id"]
    assert kayden.nunique() == 1
    assert len(result.persons) == 2
    assert set(result.links["method"]) == {"identifier", "single"}
    assert not result.events["person_ids"].str.contains(":").any()


def test_missing_source_file_is_a_source_error(case_dir):
    (case_dir / "school.txt").unlink()
    with pytest.raises(SourceError, match="school.txt.*file not found"):
        build_case(case_dir)


def test_strict_mode_refuses_quarantined_rows(case_dir):
    with pytest.raises(StrictModeError, match="1 row"):
        build_case(case_dir, strict=True)


def test_write_outputs_is_complete_deterministic_and_owner_only(case_dir, tmp_path):
    result = build_case(case_dir)
    out = write_outputs(result, tmp_path / "out")
    names = sorted(p.name for p in out.iterdir())
    assert set(names) >= {"events.csv", "persons.csv", "links.csv", "relationships.csv",
                          "quarantine.csv", "findings.csv", "ingest-report.json",
                          "chronology.csv", "chronology.xlsx", "chronology.docx",
                          "chronology.html", "timeline.png", "case-map.docx",
                          "case-report.html", "genogram.png", "ecomap.png",
                          "link-review.csv", "events-duplicates.csv"}
    assert not [n for n in names if n.startswith(".") and n != MARKER or n.endswith(".part")]
    assert set(read_marker(out)["files"]) == set(names) - {MARKER}
    for path in out.iterdir():
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o700
    first = {p.name: p.read_bytes() for p in out.iterdir() if p.suffix == ".csv"}
    write_outputs(build_case(case_dir), out)
    assert first == {p.name: p.read_bytes() for p in out.iterdir() if p.suffix == ".csv"}
    with open(out / "quarantine.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["reason"] == "event_type.unmapped" and rows[0]["source_ref"] == "3"


def test_failed_write_leaves_previous_output_untouched(case_dir, tmp_path, monkeypatch):
    result = build_case(case_dir)
    out = write_outputs(result, tmp_path / "out")
    before = (out / "events.csv").read_bytes()

    def broken(result, path):
        raise OSError("disk full")

    monkeypatch.setattr("chronos.case.output_writers", lambda **_: [("x", broken)])
    with pytest.raises(OSError):
        write_outputs(result, out)
    assert (out / "events.csv").read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_index_children_resolve_to_person_ids_by_record_key_or_name(case_dir):
    manifest = case_dir / "case.yaml"
    manifest.write_text(manifest.read_text().replace(
        "as_of: 2024-03-31\n", "as_of: 2024-03-31\nindex_children: [gp:Kayden, Mia, Nobody]\n"))
    result = build_case(case_dir)
    index = result.persons[result.persons["is_index"] == True]  # noqa: E712
    assert sorted(index["given_name"]) == ["Kayden", "Mia"]
    assert sorted(result.index_children) == sorted(index["person_id"])
    assert [w.value for w in result.warnings if w.code == "case.index_child_unknown"] == ["Nobody"]


def test_unknown_manifest_keys_are_warned_with_the_nearest_known_key(case_dir):
    (case_dir / "case.yaml").write_text(
        "name: Test family\nas_of: 2024-03-31\nlinkng: {link_threshold: 0.9}\n"
        "linking: {link_treshold: 0.9}\nsources:\n"
        "  - {name: gp, path: gp.txt, format: test_pipe_rows, agency: GP, dayfrist: true}\n"
        "  - {name: school, path: school.txt, format: test_pipe_rows, agency: School}\n")
    case = load_case(case_dir)
    found = {w.column: w.message for w in case.warnings}
    assert set(found) == {"name", "linkng", "linking.link_treshold", "sources[1].dayfrist"}
    assert "did you mean 'case'?" in found["name"]
    assert "did you mean 'linking'?" in found["linkng"]
    assert "did you mean 'link_threshold'?" in found["linking.link_treshold"]
    assert "did you mean 'dayfirst'?" in found["sources[1].dayfrist"]
    result = build_case(case, stages=[])
    codes = [w.code for w in result.warnings]
    assert codes.count("manifest.unknown_key") == 4
    assert sum(1 for w in result.report["warnings"] if w["code"] == "manifest.unknown_key") == 4


def test_every_manifest_key_is_documented():
    from pathlib import Path

    from chronos.case import LINKING_KEYS, MANIFEST_KEYS, SOURCE_KEYS, SOURCE_OPTIONS

    page = (Path(__file__).resolve().parents[1] / "docs" / "manifest.md").read_text("utf-8")
    for key in (*MANIFEST_KEYS, *SOURCE_KEYS, *SOURCE_OPTIONS, *LINKING_KEYS):
        assert f"`{key}`" in page, key


def test_as_of_defaults_to_the_day_the_case_is_read(case_dir):
    import datetime

    (case_dir / "case.yaml").write_text(
        "case: Test family\nsources:\n  - {name: gp, path: gp.txt, format: test_pipe_rows}\n")
    case = load_case(case_dir)
    assert case.as_of == datetime.date.today().isoformat() and case.as_of_from == "today"
    assert load_case(case_dir).sources[0].options == {}
    result = build_case(case, stages=[])
    assert result.report["as_of"] == case.as_of and result.report["as_of_from"] == "today"
    assert result.case.sources[0].options["as_of"] == case.as_of


def test_future_dates_policy_is_checked_and_handed_to_every_source(case_dir):
    text = (case_dir / "case.yaml").read_text()
    (case_dir / "case.yaml").write_text(text.replace("as_of: 2024-03-31\n",
                                                     "as_of: 2024-03-31\nfuture_dates: warn\n"))
    case = load_case(case_dir)
    build_case(case, stages=[])
    assert [s.options["future_dates"] for s in case.sources] == ["warn", "warn"]
    (case_dir / "case.yaml").write_text(text.replace("as_of: 2024-03-31\n",
                                                     "as_of: 2024-03-31\nfuture_dates: drop\n"))
    with pytest.raises(ManifestError, match="future_dates must be quarantine or warn"):
        load_case(case_dir)


# ---------------------------------------------------------------- what the manifest may name

def _manifest(folder, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "case.yaml").write_text(text)
    return folder


@pytest.mark.parametrize("entry, what", [
    ("{path: ../../../../../../etc/passwd}", "sources[1] (passwd) path"),
    ("{path: /etc/shadow}", "sources[1] (shadow) path"),
    ("{path: /dev/zero}", "sources[1] (zero) path"),
    ("{path: ../outside.csv}", "sources[1] (outside) path"),
    ("{path: link.csv}", "sources[1] (link) path"),
    ("{path: gp.txt, mapping: ../map.yaml}", "sources[1] (gp) mapping"),
])
def test_files_outside_the_case_folder_are_refused_unopened(tmp_path, entry, what):
    (tmp_path / "outside.csv").write_text("secret\n")
    (tmp_path / "map.yaml").write_text("events: []\n")
    case = _manifest(tmp_path / "case", f"case: x\nsources:\n  - {entry}\n")
    (case / "gp.txt").write_text("")
    os.symlink(tmp_path / "outside.csv", case / "link.csv")
    with pytest.raises(ManifestError, match="outside the case folder") as raised:
        load_case(case)
    assert what in raised.value.message and raised.value.file.endswith("case.yaml")
    assert "allow_outside_case" in raised.value.hint and raised.value.exit_code == 2


@pytest.mark.parametrize("key, text", [
    ("overrides", "overrides: ../o.yaml"), ("rule_params", "rule_params: /etc/hosts"),
    ("linking model_path", "linking: {model_path: ../model.yaml}"),
])
def test_settings_files_outside_the_case_folder_are_refused(tmp_path, key, text):
    case = _manifest(tmp_path / "case", f"case: x\n{text}\nsources:\n  - {{path: a.csv}}\n")
    with pytest.raises(ManifestError, match=f"{key} .* is outside the case folder"):
        load_case(case)


def test_allow_outside_case_lets_named_folders_in(tmp_path):
    exports = tmp_path / "shared" / "exports"
    exports.mkdir(parents=True)
    (exports / "gp.txt").write_text("Mia||2021-05-06|head_lice\n")
    case = _manifest(tmp_path / "case", (
        f"case: x\nallow_outside_case: [{exports}]\nsources:\n"
        f"  - {{name: gp, path: {exports / 'gp.txt'}, format: test_pipe_rows}}\n"))
    result = build_case(case, stages=[])
    assert len(result.events) == 1
    relative = _manifest(tmp_path / "case2", (
        "case: x\nallow_outside_case: ../shared\nsources:\n"
        "  - {name: gp, path: ../shared/exports/gp.txt, format: test_pipe_rows}\n"))
    assert load_case(relative).sources[0].path.exists()
    other = _manifest(tmp_path / "case3", (
        "case: x\nallow_outside_case: [../shared/exports]\nsources:\n"
        "  - {path: ../case/case.yaml}\n"))
    with pytest.raises(ManifestError, match="outside the case folder"):
        load_case(other)


@pytest.mark.parametrize("value, words", [
    ("[nowhere]", "'nowhere' is not a folder"), ("{a: 1}", "must be a list of folders"),
])
def test_allow_outside_case_must_name_folders(tmp_path, value, words):
    case = _manifest(tmp_path, f"case: x\nallow_outside_case: {value}\nsources:\n  - {{path: a}}\n")
    with pytest.raises(ManifestError, match=words):
        load_case(case)


def test_a_manifest_alias_bomb_is_refused(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join([f'*{p}'] * 10)}]\n" for p, c in zip("abcdef", "bcdefg"))
    case = _manifest(tmp_path, bomb + "case: x\nsources: *g\n")
    with pytest.raises(ManifestError, match="alias bomb"):
        load_case(case)


@pytest.mark.parametrize("make, words", [
    (lambda p: os.mkfifo(p), "named pipe"), (lambda p: p.mkdir(), "folder, not a file"),
])
def test_a_source_that_is_not_a_file_is_refused_before_reading(case_dir, make, words):
    (case_dir / "school.txt").unlink()
    make(case_dir / "school.txt")
    with pytest.raises(SourceError, match=words):
        build_case(case_dir)


def test_a_build_draws_each_chart_once_and_the_case_report_shows_them(tmp_path, monkeypatch):
    """genogram.png and .svg from one drawing; the case report takes the genogram, ecomap
    and timeline the build saved, byte for byte, instead of drawing them again."""
    import base64
    import re
    from pathlib import Path

    from chronos.genogram import draw, ecomap
    from chronos.report import timeline

    drawn = []

    def counted(module, name):
        real = getattr(module, name)

        def spy(*args, **kwargs):
            drawn.append(name)
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, spy)

    for module, name in ((draw, "draw_genogram"), (ecomap, "draw_ecomap"),
                         (timeline, "draw_timeline")):
        counted(module, name)
    example = Path(__file__).resolve().parents[1] / "examples" / "smith-family"
    out = write_outputs(build_case(example), tmp_path / "out")
    assert sorted(drawn) == ["draw_ecomap", "draw_genogram", "draw_timeline"]
    report = (out / "case-report.html").read_text("utf-8")
    shown = [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([^"]+)"',
                                                     report)]
    for name in ("genogram.png", "ecomap.png", "timeline.png"):
        assert (out / name).read_bytes() in shown, name
    assert (out / "genogram.svg").read_bytes().lstrip().startswith(b"<")


def test_events_that_name_nobody_are_kept_with_a_warning_naming_file_and_rows(tmp_path):
    """A chronology written for one child, with no child column and no subject: its
    events stay in the case, and one warning names the file and the rows."""
    case = tmp_path / "case"
    case.mkdir()
    (case / "school.csv").write_text("Date,Event,Action\n"
                                     "12/01/2022,Arrived hungry,Given toast\n"
                                     "03/02/2022,Head lice seen,Letter home\n")
    (case / "case.yaml").write_text(
        "case: Nobody named\nas_of: 2024-01-01\nsources:\n"
        "  - {name: school, path: school.csv, format: chronology_table, agency: School}\n")
    result = build_case(case)
    assert len(result.events) == 2
    warned = [w for w in result.warnings if w.code == "event.no_person"]
    assert len(warned) == 1 and warned[0].source_file.endswith("school.csv")
    assert "rows 2, 3" in warned[0].message          # the CSV lines, as source_ref
