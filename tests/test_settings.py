"""Authority settings (chronos.toml): defaults, the user's and the case's files, validation."""

from __future__ import annotations

import pytest

from chronos.errors import SettingsError
from chronos.settings import (DEFAULT_CHRONOLOGY_COLUMNS, DEFAULT_HEADINGS, Settings,
                              load_settings, settings_files, user_settings_dir)

FULL = """\
organisation = "Northshire Safeguarding Children Partnership"
protective_marking = "OFFICIAL-SENSITIVE"
handling = "Contains personal data. For the review panel only."

[author]
name = "Sam Okafor"
role = "Independent reviewer"
email = "review@example.org"

[headings]
agency = "Agency / team"
significance = "Impact on the child"

[chronology]
columns = ["number", "date", "agency", "event", "significance", "action"]

[returns]
columns = ["date", "agency", "event", "action", "significance"]
instructions = \"\"\"Include contacts with the father.

Say who was seen.\"\"\"
"""


@pytest.fixture(autouse=True)
def own_config(tmp_path, monkeypatch):
    monkeypatch.setenv("CHRONOS_CONFIG_DIR", str(tmp_path / "config"))


def write(folder, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "chronos.toml").write_text(text, encoding="utf-8")
    return folder / "chronos.toml"


def test_without_a_file_the_settings_are_todays_defaults(tmp_path):
    settings = load_settings(tmp_path)
    assert settings == Settings()
    assert [c.heading for c in settings.chronology()] == [
        "No.", "Date", "Age of child", "Agency / source", "Event", "Significance",
        "Action / outcome", "Reference"]
    assert settings.marking == ("OFFICIAL-SENSITIVE: contains personal data. Do not share "
                                "beyond those who need it.")
    assert settings.files == () and settings.warnings == ()


def test_every_key_read(tmp_path):
    path = write(tmp_path / "case", FULL)
    settings = load_settings(tmp_path / "case")
    assert settings.organisation == "Northshire Safeguarding Children Partnership"
    assert settings.marking == ("OFFICIAL-SENSITIVE: contains personal data. For the review "
                                "panel only.")
    assert settings.author.contact() == "Sam Okafor, Independent reviewer; review@example.org"
    assert [(c.key, c.heading) for c in settings.returns()] == [
        ("date", "Date"), ("agency", "Agency / team"), ("event", "Event"),
        ("action", "Action / outcome"), ("significance", "Impact on the child")]
    assert settings.chronology_columns == ("number", "date", "agency", "event",
                                           "significance", "action")
    assert settings.return_instructions == "Include contacts with the father.\n\nSay who was seen."
    assert settings.files == (path.resolve(),)


def test_the_case_file_wins_over_the_users_key_by_key(tmp_path):
    write(user_settings_dir(), 'organisation = "Northshire"\nauthor = "Kim Lee"\n'
                               '[headings]\nevent = "What happened"\n')
    write(tmp_path / "case", 'author = "Sam Okafor"\n[headings]\ndate = "When"\n')
    settings = load_settings(tmp_path / "case" / "case.yaml")
    assert (settings.organisation, settings.author.name) == ("Northshire", "Sam Okafor")
    assert (settings.heading("event"), settings.heading("date")) == ("What happened", "When")
    assert len(settings_files(tmp_path / "case")) == 2


def test_an_unknown_key_is_a_warning_naming_the_nearest(tmp_path):
    write(tmp_path, 'organization = "Northshire"\n[author]\nemial = "x@example.org"\n'
                    '[returns]\ncolumn = ["date", "event", "action"]\n')
    warnings = load_settings(tmp_path).warnings
    assert len(warnings) == 3
    assert "organization" in warnings[0] and "did you mean 'organisation'?" in warnings[0]
    assert "author.emial" in warnings[1] and "'email'" in warnings[1]
    assert "returns.column" in warnings[2] and "'columns'" in warnings[2]


@pytest.mark.parametrize("text, words", [
    ("organisation = 3\n", "organisation must be text"),
    ('[returns]\ncolumns = ["date", "evnt"]\n', "unknown column 'evnt'; did you mean 'event'?"),
    ('[returns]\ncolumns = ["date", "age", "event"]\n', "age is worked out by chronos"),
    ('[returns]\ncolumns = ["date", "action", "agency"]\n', "must include event"),
    ('[chronology]\ncolumns = ["date", "date"]\n', "names date twice"),
    ('[headings]\nevent = "Date"\n', "two columns have the heading 'date'"),
    ('[headings]\nevent = ""\n', "headings.event is empty"),
    ("headings = 3\n", "headings must be a table"),
    ("organisation = \n", "not valid TOML"),
])
def test_wrong_values_are_clear_errors_naming_the_file(tmp_path, text, words):
    path = write(tmp_path, text)
    with pytest.raises(SettingsError) as caught:
        load_settings(tmp_path)
    assert words in str(caught.value) and str(path) in str(caught.value)
    assert caught.value.exit_code == 2


def test_a_huge_or_binary_file_is_refused(tmp_path):
    (tmp_path / "chronos.toml").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(SettingsError, match="not UTF-8"):
        load_settings(tmp_path)


def test_the_defaults_cover_every_chronology_column():
    assert set(DEFAULT_CHRONOLOGY_COLUMNS) <= set(DEFAULT_HEADINGS)
