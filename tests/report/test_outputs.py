"""Writing a case's outputs in one go (chronos.report.outputs): each thing worked out once."""

import pytest
from docx import Document

from chronos.report import case_map, case_report, document, outputs
from chronos.report.document import ChronologyOptions


def _text(path) -> str:
    doc = Document(str(path))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


@pytest.fixture
def counted(monkeypatch):
    """Calls of build_chronology and build_case_map, wherever the writers take them from."""
    calls = {"chronology": 0, "case map": 0}
    chronology, cmap = document.build_chronology, case_map.build_case_map

    def count_chronology(*args, **kwargs):
        calls["chronology"] += 1
        return chronology(*args, **kwargs)

    def count_case_map(*args, **kwargs):
        calls["case map"] += 1
        return cmap(*args, **kwargs)

    for module in (document, outputs, case_report):
        monkeypatch.setattr(module, "build_chronology", count_chronology)
    monkeypatch.setattr(case_map, "build_case_map", count_case_map)
    return calls


def test_the_case_map_and_report_share_one_chronology_and_one_case_map(example, tmp_path,
                                                                        counted):
    run = outputs.write_reports(example, tmp_path / "out", ["casemap", "report"],
                                images={"genogram": None, "ecomap": None, "timeline": None})
    assert [p.name for p in run.files] == ["case-map.docx", "case-report.html"]
    assert counted == {"chronology": 1, "case map": 1}
    alone = case_map.write_case_map_docx(example, tmp_path / "alone.docx")
    assert _text(tmp_path / "out" / "case-map.docx") == _text(alone)


def test_a_case_map_beside_significant_documents_is_still_the_whole_familys(example, tmp_path,
                                                                            counted):
    outputs.write_reports(example, tmp_path / "out", ["casemap"],
                          ChronologyOptions(significant=True))
    assert counted == {"chronology": 2, "case map": 1}   # the documents', then the map's own
    alone = case_map.write_case_map_docx(example, tmp_path / "alone.docx")
    assert _text(tmp_path / "out" / "case-map.docx") == _text(alone)


def test_the_documents_and_the_timeline_share_one_set_of_chronology_rows(tmp_path,
                                                                         monkeypatch):
    from pathlib import Path

    from chronos.case import build_case
    from chronos.report import chronology

    example = build_case(Path(__file__).resolve().parents[2] / "examples" / "smith-family")
    made = []
    rows = chronology._chronology_rows

    def counting(result, child, significant):
        made.append((child, significant))
        return rows(result, child, significant)

    monkeypatch.setattr(chronology, "_chronology_rows", counting)
    outputs.write_reports(example, tmp_path / "out", ["docx", "xlsx", "timeline"])
    assert made.count((None, False)) == 1
    first = chronology.chronology_rows(example)
    first.loc[0, "Event"] = "changed by a caller"
    assert chronology.chronology_rows(example).loc[0, "Event"] != "changed by a caller"
