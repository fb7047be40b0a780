import pandas as pd
import pytest

from chronos.report.safe_files import atomic_file, neutralise, write_csv


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
    ("+44 7700", "'+44 7700"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"),
    ("-3", "-3"),
    ("-2.5", "-2.5"),
    ("- seen at home", "'- seen at home"),
    ("Seen at home", "Seen at home"),
    (42, 42),
])
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_write_csv_neutralises_formulas(tmp_path):
    write_csv(pd.DataFrame({"a": ["=1+1", "ok"]}), tmp_path / "x.csv")
    assert (tmp_path / "x.csv").read_text() == "a\n'=1+1\nok\n"


def test_atomic_file_leaves_nothing_on_failure(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_file(tmp_path / "x.txt") as handle:
            handle.write("half")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
