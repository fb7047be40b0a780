import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "genogram.md"


def test_library_example_in_the_docs_runs(tmp_path, monkeypatch):
    code = re.search(r"```python\n(.*?)```", DOC.read_text("utf-8"), re.S).group(1)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(code, namespace)
    assert namespace["graph"].nodes["P3"]["annotations"] == ["DA perpetrator", "not assessed"]
    assert (tmp_path / "genogram.svg").exists() and (tmp_path / "ecomap.png").exists()
