"""The annotations store: decisions kept in the case folder, appended, never rewritten."""

import os

import pytest

from chronos.annotations import (Annotation, Annotations, add_annotations, annotations_path,
                                 changes, check, decide, read_annotations)
from chronos.errors import AnnotationError


def test_a_case_without_the_file_has_no_decisions(tmp_path):
    found = read_annotations(tmp_path)
    assert len(found) == 0 and found.in_force() == [] and found.path == tmp_path / "annotations.csv"
    assert read_annotations(None).in_force() == []
    assert annotations_path(tmp_path / "case.yaml") == tmp_path / "annotations.csv"


def test_decide_records_who_and_when_owner_only(tmp_path):
    made = decide(tmp_path, "E0123456789ab", "note", "seen  by the\tGP", who="A Analyst",
                  when="2026-12-07T10:00:00")
    assert made == Annotation("E0123456789ab", "note", "seen by the GP", "A Analyst",
                              "2026-12-07T10:00:00", "")
    path = tmp_path / "annotations.csv"
    assert path.read_text("utf-8") == ("target,field,value,who,when,reason\n"
                                       "E0123456789ab,note,seen by the GP,A Analyst,"
                                       "2026-12-07T10:00:00,\n")
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    by_default = decide(tmp_path, "E0123456789ab", "significance", "significant")
    assert by_default.when[:4].isdigit() and "T" in by_default.when  # now, ISO


def test_the_same_decision_again_changes_nothing_and_is_not_written(tmp_path):
    decide(tmp_path, "Fabc", "dismissed", "yes", who="a", reason="explained")
    before = (tmp_path / "annotations.csv").read_bytes()
    assert decide(tmp_path, "Fabc", "dismissed", "yes", who="b", reason="explained") is None
    assert decide(tmp_path, "Fabc", "note", "") is None  # withdrawing what is not there
    assert (tmp_path / "annotations.csv").read_bytes() == before


def test_the_latest_decision_wins_and_the_history_stays(tmp_path):
    decide(tmp_path, "Eaa", "significance", "significant", who="a", when="2026-01-01T00:00:00")
    decide(tmp_path, "Eaa", "significance", "not significant", who="b",
           when="2026-01-02T00:00:00")
    found = read_annotations(tmp_path)
    assert len(found) == 2 and found.value("Eaa", "significance") == "not significant"
    assert found.decision("Eaa", "significance").who == "b"
    decide(tmp_path, "Eaa", "significance", "", who="c")  # withdrawn
    found = read_annotations(tmp_path)
    assert len(found) == 3 and found.decision("Eaa", "significance") is None
    assert found.latest("significance") == {} and found.in_force() == []


def test_gone_lists_decisions_about_ids_the_case_no_longer_has(tmp_path):
    decide(tmp_path, "Ekept", "note", "still here", who="a")
    decide(tmp_path, "Egone", "note", "event dropped by a new export", who="a")
    decide(tmp_path, "Fgone", "dismissed", "yes", who="a", reason="not a pattern")
    found = read_annotations(tmp_path)
    assert [a.target for a in found.gone({"Ekept"}, {"Fother"})] == ["Egone", "Fgone"]
    assert [a.target for a in found.gone({"Ekept", "Egone"}, {"Fgone"})] == []


@pytest.mark.parametrize("item, words", [
    (Annotation("Eaa", "colour", "red"), "does not know"),
    (Annotation("Faa", "significance", "significant"), "event id"),
    (Annotation("Eaa", "dismissed", "yes", reason="r"), "finding id"),
    (Annotation("Eaa", "significance", "very"), "one of"),
    (Annotation("Faa", "dismissed", "yes"), "needs a reason"),
    (Annotation("Eaa", "note", "two\nlines"), "one line"),
    (Annotation("E a", "note", "x"), "not an event id"),
    (Annotation("", "note", "x"), "not an event id"),
])
def test_check_refuses_what_cannot_be_kept(item, words):
    with pytest.raises(AnnotationError, match=words):
        check(item)


def test_a_note_may_be_about_an_event_or_a_finding():
    check(Annotation("Eaa", "note", "x"))
    check(Annotation("F-wnb", "note", "x"))


def test_text_a_spreadsheet_would_run_is_stored_inert_and_read_back_as_typed(tmp_path):
    decide(tmp_path, "Eaa", "note", "=HYPERLINK(\"http://x\")", who="@admin")
    raw = (tmp_path / "annotations.csv").read_text("utf-8")
    assert "'=HYPERLINK" in raw and ",'@admin," in raw
    got = read_annotations(tmp_path).decision("Eaa", "note")
    assert got.value == '=HYPERLINK("http://x")' and got.who == "@admin"


def test_what_a_person_wrote_in_the_file_is_kept_byte_for_byte(tmp_path):
    path = tmp_path / "annotations.csv"
    mine = ("\ufefftarget,field,value,who,when,reason,my column\r\n"
            "Eaa,note,typed in Excel,me,2026-01-01,,keep me\r\n\r\n"
            "Eaa,colour,red,me,,,")  # a field chronos does not know, no final line end
    path.write_bytes(mine.encode("utf-8"))
    decide(tmp_path, "Ebb", "note", "added", who="a", when="2026-02-01T00:00:00")
    data = path.read_bytes()
    assert data == (mine + "\r\nEbb,note,added,a,2026-02-01T00:00:00,\r\n").encode("utf-8")
    found = read_annotations(tmp_path)
    assert found.value("Eaa", "note") == "typed in Excel"
    assert [a.field for a in found.in_force()] == ["note", "note"]  # 'colour' kept, not read


def test_a_file_without_the_columns_or_a_row_without_a_target_is_named(tmp_path):
    (tmp_path / "annotations.csv").write_text("id,text\nE1,x\n", "utf-8")
    with pytest.raises(AnnotationError, match="no target, field, value") as err:
        read_annotations(tmp_path)
    assert err.value.row == 1
    (tmp_path / "annotations.csv").write_text("target,field,value\nE1,note,x\n,note,y\n", "utf-8")
    with pytest.raises(AnnotationError, match="without a target") as err:
        read_annotations(tmp_path)
    assert err.value.row == 3


def test_a_file_that_is_not_utf8_is_refused_with_a_hint(tmp_path):
    (tmp_path / "annotations.csv").write_bytes("target,field,value\nE1,note,caf\xe9\n".encode("cp1252"))
    with pytest.raises(AnnotationError, match="not UTF-8"):
        read_annotations(tmp_path)


def test_changes_keeps_only_what_changes_the_decisions_in_force():
    current = Annotations([Annotation("Eaa", "note", "x", "a", "t", ""),
                           Annotation("Fbb", "dismissed", "yes", "a", "t", "why")])
    new = [Annotation("Eaa", "note", "x"), Annotation("Fbb", "dismissed", "yes", reason="other"),
           Annotation("Ecc", "note", "first"), Annotation("Ecc", "note", "second"),
           Annotation("Edd", "significance", "")]
    assert [(a.target, a.value) for a in changes(current, new)] == [("Fbb", "yes"),
                                                                     ("Ecc", "second")]


def test_add_annotations_checks_every_row_before_writing_any(tmp_path):
    with pytest.raises(AnnotationError):
        add_annotations(tmp_path, [Annotation("Eaa", "note", "fine"),
                                   Annotation("Eaa", "colour", "red")])
    assert not (tmp_path / "annotations.csv").exists()
