import re
import shutil
import subprocess
import zipfile

import pytest

from chronos.report.document import ChronologyOptions, build_chronology
from chronos.report.outputs import write_reports
from chronos.report.privacy import load_key, pseudonymise, reidentify, write_key
from chronos.report.privacy_document import shared_chronology

FREE_TEXT = ("Seen with K. Smith and Smith, Kerry; JORDAN's brother? Pat came. "
             "NHS 943 476 5919, postcode ZZ14QT, lives at 14 Larch Close; Riverside Surgery wrote. "
             "Kerry's new partner Dean Walsh (DOB 01/01/1990); call 07700 900123 or k.s@example.org.")


def known_secrets(result) -> set[str]:
    """Every name, identifier, address and organisation the case knows."""
    secrets = set()
    for p in result.persons.to_dict("records"):
        for col in ("given_name", "family_name", "other_names", "nhs_number", "upn",
                    "la_child_id", "postcode", "address"):
            if isinstance(p[col], str) and p[col]:
                secrets.add(p[col])
        secrets.add(f"{p['given_name']} {p['family_name']}")
        if isinstance(p["address"], str):
            secrets.add(p["address"].split(",")[0])
    secrets |= {"943 476 5919", "ZZ14QT", "07700 900123", "k.s@example.org", "01/01/1990",
                "20/11/1994", "1994-11-20"} | set(result.events["source_org"].dropna())
    secrets |= set(result.persons["person_id"]) | set(result.events["event_id"])
    return secrets


def output_text(path) -> str:
    """All the text of an output file, including the XML inside docx/xlsx."""
    if path.suffix in (".docx", ".xlsx"):
        with zipfile.ZipFile(path) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    if path.suffix == ".pdf":
        if not shutil.which("pdftotext"):
            return ""
        return subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                              text=True, check=True).stdout
    if path.suffix == ".png":  # its text chunks: compressed pixels spell 'paT' by chance
        from chronos.report.privacy_check import _png_metadata

        return _png_metadata(path.read_bytes())
    return path.read_text("utf-8")


@pytest.fixture
def noisy(example):
    events = example.events.copy()
    events.loc[3, "summary"] = FREE_TEXT
    example.events = events
    return example


def test_no_known_name_or_identifier_survives_in_any_output(noisy, tmp_path):
    secrets = known_secrets(noisy)
    run = write_reports(noisy, tmp_path / "shared", options=ChronologyOptions(produced="2024-03-31"),
                        pseudonymise=True)
    assert {p.suffix for p in run.files} >= {".docx", ".xlsx", ".html", ".csv", ".md", ".png", ".svg"}
    for path in sorted((tmp_path / "shared").iterdir()):
        text = output_text(path)
        for secret in secrets:
            pattern = rf"(?<![\w]){re.escape(secret)}(?![\w])"
            assert not re.search(pattern, text, re.IGNORECASE), (path.name, secret)
    assert run.key_path.parent == tmp_path  # the key is not in the shared folder
    assert "Jordan Smith" in run.key_path.read_text("utf-8")


def test_people_are_named_by_role_and_text_reads_naturally(noisy):
    shared, key = pseudonymise(noisy, shift_days=-41)
    chron = shared_chronology(noisy, shared, key, ChronologyOptions())
    text = " ".join(chron.rows["Event"])
    assert "Seen with Mother and Mother; Child 1's brother? Maternal grandmother came." in text
    assert "NHS NHS 1, postcode Postcode 1, lives at Address 1; GP 1 wrote." in text
    assert "Mother's new partner Mother's partner (DOB withheld, aged 26); call Phone 1 or Email 1." in text
    assert [(c["name"], c["birth"]) for c in chron.children] == [("Child 1", "aged 6"), ("Child 2", "aged 3")]
    assert chron.case.startswith("Case ") and "Smith" not in chron.case
    assert "GP (GP 1)" in set(chron.rows["Agency / source"])
    persons = chron.persons.set_index("Name")
    assert persons.loc["Mother", "Age"] == "26" and "Date of birth" not in chron.persons
    again, key2 = pseudonymise(noisy, key=key)
    assert list(build_chronology(again).rows["Event"]) == list(build_chronology(shared).rows["Event"])
    assert set(key2.values) == set(key.values)


def test_dates_of_birth_as_years_when_asked(noisy):
    shared, key = pseudonymise(noisy, shift_days=0, dates_of_birth="year")
    chron = shared_chronology(noisy, shared, key)
    assert [c["birth"] for c in chron.children] == ["born 2015", "born 2018"]
    assert "(DOB 1990)" in " ".join(chron.rows["Event"])
    assert set(chron.persons["Year of birth"]) >= {"1994", "2015"}


def test_default_shift_is_random_whole_weeks_kept_in_the_key(noisy):
    shifts = {pseudonymise(noisy)[1].shift_days for _ in range(12)}
    assert len(shifts) > 1
    assert all(s % 7 == 0 and 28 <= abs(s) <= 182 for s in shifts)
    shared, key = pseudonymise(noisy)
    again, _ = pseudonymise(noisy, key=key, shift_days=5)   # a reused key keeps its shift
    assert list(again.events["date"]) == list(shared.events["date"])


def test_date_shift_moves_every_date_and_keeps_ages(noisy):
    plain = build_chronology(noisy)
    shared, key = pseudonymise(noisy, shift_days=-41)
    moved = build_chronology(shared)
    assert key.shift_days == -41
    assert "?11/04/2016" in set(moved.rows["Date"]) and "?22/05/2016" not in set(moved.rows["Date"])
    assert "March 2015" in set(moved.rows["Date"]) and "May 2015" in set(plain.rows["Date"])
    for a, b in zip(moved.rows["Age of child"], plain.rows["Age of child"]):
        assert len(months(a)) == len(months(b))
        assert all(abs(x - y) <= 1 for x, y in zip(months(a), months(b))), (a, b)


def months(age: str) -> list[int]:
    """'Jordan 3y 11m; Amelia 8m' -> [47, 8] (months per child)."""
    out = []
    for part in age.split(";"):
        y = re.search(r"(\d+)y", part)
        m = re.search(r"(\d+)m", part)
        if y or m:
            out.append(int(y.group(1) if y else 0) * 12 + int(m.group(1) if m else 0))
    return out


def test_key_reidentifies_returned_documents(noisy, tmp_path):
    run = write_reports(noisy, tmp_path / "shared", formats=["csv", "docx", "html", "xlsx"],
                        pseudonymise=True, shift_days=-41)
    key = load_key(run.key_path)
    for name in ("chronology.csv", "chronology.docx", "chronology.html", "chronology.xlsx"):
        back = reidentify(tmp_path / "shared" / name, key)
        text = output_text(back)
        assert "Jordan" in text and "Kerry Smith" in text, name
        assert "22/05/2016" in text and "Riverside Surgery" in text, name
        assert "Child 1" not in text, name


@pytest.mark.parametrize("options", [ChronologyOptions(produced="2024-03-31"),
                                     ChronologyOptions(produced="2024-03-31", court=True),
                                     ChronologyOptions(produced="2024-03-31", child="Jordan")])
def test_reidentify_gives_the_csv_back_byte_for_byte(noisy, tmp_path, options):
    real = write_reports(noisy, tmp_path / "real", ["csv"], options)
    run = write_reports(noisy, tmp_path / "shared", ["csv"], options, pseudonymise=True)
    shared = (tmp_path / "shared" / "chronology.csv").read_bytes()
    assert b"Jordan" not in shared and b"Kerry" not in shared
    back = reidentify(tmp_path / "shared" / "chronology.csv", load_key(run.key_path))
    assert back.read_bytes() == real.files[0].read_bytes()


def test_edited_csv_cells_still_get_names_and_dates_back(noisy, tmp_path):
    run = write_reports(noisy, tmp_path / "shared", ["csv"], pseudonymise=True, shift_days=-41)
    path = tmp_path / "shared" / "chronology.csv"
    edited = path.read_bytes().decode("utf-8").replace(
        "\r\n", ",Reviewer: Mother seen 11/04/2016 with Child 1\r\n", 2)
    path.write_bytes(edited.encode("utf-8"))
    back = reidentify(path, load_key(run.key_path)).read_text("utf-8")
    assert "Reviewer: Kerry Smith seen 22/05/2016 with Jordan Smith" in back


def test_key_file_is_owner_only_and_must_live_outside_the_shared_folder(example, tmp_path):
    from chronos.errors import ChronosError

    _, key = pseudonymise(example)
    path = write_key(key, tmp_path / "k.json")
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_key(path).values == key.values and load_key(path).shift_days == key.shift_days
    with pytest.raises(ChronosError, match="inside the shared folder"):
        write_reports(example, tmp_path / "out", formats=["csv"], pseudonymise=True,
                      key_path=tmp_path / "out" / "key.json")
    assert not (tmp_path / "out").exists()


def test_same_key_gives_byte_identical_shared_files(noisy, tmp_path):
    from chronos.report.csv_writer import write_csv

    first, key = pseudonymise(noisy, shift_days=7)
    write_key(key, tmp_path / "k.json")
    again, _ = pseudonymise(noisy, key=load_key(tmp_path / "k.json"))
    a = write_csv(build_chronology(first, ChronologyOptions(court=False)), tmp_path / "a.csv")
    b = write_csv(build_chronology(again), tmp_path / "b.csv")
    assert a.read_bytes() == b.read_bytes()
    assert list(first.events["event_id"]) == list(again.events["event_id"])
    assert set(first.events["event_id"]).isdisjoint(noisy.events["event_id"])


def test_roles_family_findings_and_harm_index_are_pseudonymised(tmp_path):
    """Person ids inside person_roles, the children of family findings and key concerns,
    the per-child findings and the harm index all take the pseudonymous ids; no name or
    original id survives in the case report."""
    from pathlib import Path

    from chronos.case import build_case
    from chronos.report.privacy import pseudonymise

    result = build_case(Path(__file__).resolve().parents[2] / "examples" / "walsh-family")
    shared, key = pseudonymise(result)
    originals = set(result.persons["person_id"])
    for table, columns in (("events", ["person_ids", "person_roles"]),
                           ("findings", ["person_id", "key_concern"]),
                           ("child_findings", ["person_id"]), ("harm_index", ["person_id"])):
        frame = getattr(shared, table)
        text = " ".join(" ".join(frame[c].dropna().astype(str)) for c in columns)
        assert text and not any(pid in text for pid in originals), table
    assert "=victim+witness" in " ".join(shared.events["person_roles"].dropna())
    run = write_reports(result, tmp_path / "shared", ["report"], pseudonymise=True)
    html = run.files[0].read_text("utf-8")
    # the text, not the embedded pictures: base64 image data can hold "Kyle" by chance
    text = re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", "data:", html)
    for name in ("Walsh", "Kyle", "Leanne", "Brent"):
        assert name not in text
    assert html.count('alt="Cumulative harm index over time"') == 3
    # each child's first page shows an age, as the title block does, not a date of birth
    assert re.search(r"<h2>Child 1 \(aged \d+\) at a glance</h2>", html)
    assert "(born " not in html


def test_shared_ids_are_random_but_sort_as_the_originals(noisy):
    shared, key = pseudonymise(noisy)
    back = {**key.event_ids, **key.person_ids}
    for column, ids in (("event_id", shared.events["event_id"]), ("person_id", shared.persons["person_id"])):
        new = sorted(ids.dropna())
        assert [back[i] for i in new] == sorted(back[i] for i in new), column
    other, _ = pseudonymise(noisy)
    assert set(other.events["event_id"]).isdisjoint(shared.events["event_id"])


# --------------------------------------------------------------- hostile returns (issue 13)
import json as _json
import zipfile as _zipfile

from chronos.errors import ChronosError
from chronos.report import privacy
from chronos.report.privacy import PseudonymKey


def _key(tmp_path, **values):
    key = PseudonymKey(shift_days=0, values=values or {"Child A": "Kayden Smith [P1]"})
    return load_key(write_key(key, tmp_path / "k.json"))


def test_a_utf16_return_is_reidentified_in_utf16(tmp_path):
    key = _key(tmp_path)
    (tmp_path / "note.txt").write_bytes("Child A was seen. Child AB was not.".encode("utf-16"))
    out = reidentify(tmp_path / "note.txt", key)
    assert out.read_bytes().decode("utf-16") == "Kayden Smith was seen. Child AB was not."


def test_undecodable_text_is_a_named_error(tmp_path):
    (tmp_path / "note.txt").write_bytes(b"Child A \xff\xfe\xfa")
    with pytest.raises(ChronosError, match=r"note.txt.*byte 0xff at offset 8"):
        reidentify(tmp_path / "note.txt", _key(tmp_path))


@pytest.mark.parametrize("content", [
    b"", b"{", b"[]", b'{"chronos_pseudonym_key": 1}', b"\xff\xfe{",
    b'{"chronos_pseudonym_key": 1, "shift_days": "x", "values": {}, "person_ids": {},'
    b' "event_ids": {}}',
    b'{"chronos_pseudonym_key": 1, "shift_days": 0, "values": {"a": 3}, "person_ids": {},'
    b' "event_ids": {}}',
    b"[" * 100_000])
def test_a_damaged_key_is_a_named_error(tmp_path, content):
    (tmp_path / "k.json").write_bytes(content)
    with pytest.raises(ChronosError, match=r"k.json.*not a chronos pseudonym key"):
        load_key(tmp_path / "k.json")


def _docx(path, parts):
    with _zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def test_a_docx_part_too_big_for_memory_is_refused_and_media_are_streamed(tmp_path, monkeypatch):
    monkeypatch.setattr(privacy, "MAX_PART_BYTES", 1000)
    key = _key(tmp_path)
    media = bytes(range(256)) * 40                     # 10 kB: copied as a stream
    doc = _docx(tmp_path / "ok.docx", {"word/document.xml": "<w>Child A</w>",
                                       "word/media/image1.png": media})
    out = reidentify(doc, key)
    with _zipfile.ZipFile(out) as zf:
        assert zf.read("word/document.xml") == b"<w>Kayden Smith</w>"
        assert zf.read("word/media/image1.png") == media
    big = _docx(tmp_path / "big.docx", {"word/document.xml": "<w>" + "x" * 5000 + "</w>"})
    with pytest.raises(ChronosError, match=r"big.docx.*document.xml is too large"):
        reidentify(big, key)
    assert not (tmp_path / "big.reidentified.docx").exists()
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ChronosError, match="broken.docx.*not a readable"):
        reidentify(tmp_path / "broken.docx", key)


def test_a_key_of_200000_entries_gives_the_same_result_as_a_small_one(tmp_path):
    values = {f"Person {i:06d}": f"Real {i}" for i in range(200_000)}
    values["Child A"] = "Kayden Smith [P1]"
    big = _key(tmp_path, **values)
    text = "Child A met Person 000042 and Person 1999999; Person 000042's note. Child AB."
    (tmp_path / "n.md").write_text(text)
    out = reidentify(tmp_path / "n.md", big)
    assert out.read_text() == ("Kayden Smith met Real 42 and Person 1999999; Real 42's note. "
                               "Child AB.")


def test_the_longest_pseudonym_wins_where_several_start_together(tmp_path):
    key = _key(tmp_path, **{"Adult 1": "Jade Smith [P2]", "Adult 12": "Dean Walsh [P3]"})
    (tmp_path / "n.txt").write_text("Adult 12, Adult 1, Adult 123.")
    assert reidentify(tmp_path / "n.txt", key).read_text() == (
        "Dean Walsh, Jade Smith, Adult 123.")


def test_a_returned_csv_is_written_back_as_chronos_writes_csv(tmp_path):
    """Cells with a tab, a CR or a quote, formula-looking cells and CRLF ends come back
    as the CSV writer wrote them (unquoted tabs would not be the same file)."""
    from chronos.report.safe_files import csv_line

    rows = [["date", "summary"], ["2020-01-02", "Child A\tseen"], ["2020-01-03", 'a "b"\rc'],
            ["2020-01-04", "'=SUM(A1)"], ["", ""]]
    original = "\ufeff" + "".join(csv_line(r, "\r\n") for r in rows)
    (tmp_path / "c.csv").write_bytes(original.encode("utf-8"))
    back = reidentify(tmp_path / "c.csv", _key(tmp_path)).read_bytes().decode("utf-8")
    assert back == original.replace("Child A", "Kayden Smith")


def test_a_shared_chronology_leaves_the_review_decisions_out(tmp_path, monkeypatch):
    """Notes are free text and name those who decided: a pseudonymised chronology has none."""
    from types import SimpleNamespace

    from chronos.annotations import decide
    from chronos.report._example import example_result
    from chronos.report.document import build_chronology
    from chronos.report.privacy import pseudonymise
    from chronos.report.privacy_document import shared_chronology

    real = example_result()
    real.case = SimpleNamespace(root=tmp_path)
    decide(tmp_path, "Eeec9e4ab21fe", "note", "Spoke to Donna Smith's sister", who="Sam Patel")
    assert "Donna Smith's sister" in " ".join(build_chronology(real).rows["Significance"])
    shared, key = pseudonymise(real)
    chron = shared_chronology(real, shared, key)
    assert len(chron.decisions) == 0
    assert "sister" not in " ".join(chron.rows["Significance"]) and "Sam Patel" not in chron.notes
