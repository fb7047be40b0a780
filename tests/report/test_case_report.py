import re

from chronos.report.case_report import build_case_report, write_case_report

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 20


def test_report_has_every_section_and_no_external_reference(example, tmp_path):
    html = write_case_report(example, tmp_path / "r.html").read_text("utf-8")
    for anchor in ("summary", "findings", "timeline", "casemap", "chronology-section"):
        assert f'id="{anchor}"' in html
    assert re.search(r'src="data:image/png;base64,', html)
    assert not re.search(r'(?i)(src|href)="(https?:)?//', html)
    assert "Findings with their evidence" in html and "row-4" in html
    assert "What do we not know?" in html


def test_genogram_and_ecomap_sections_are_optional(example, monkeypatch):
    import chronos.genogram as genogram

    for name in ("write_genogram_png", "write_genogram", "write_ecomap_png", "write_ecomap"):
        monkeypatch.delattr(genogram, name, raising=False)
    html = build_case_report(example)
    assert 'id="genogram"' not in html and 'id="ecomap"' not in html
    html = build_case_report(example, images={"genogram": PNG, "ecomap": b"<svg></svg>"})
    assert 'id="genogram"' in html and "data:image/svg+xml;base64," in html


def test_genogram_drawn_by_the_genogram_package_when_it_can(example, monkeypatch):
    import chronos.genogram as genogram

    def write_genogram(result, path):
        path.write_bytes(PNG)

    def write_ecomap(result, path):
        raise RuntimeError("not ready")

    monkeypatch.setattr(genogram, "write_genogram_png", write_genogram, raising=False)
    monkeypatch.setattr(genogram, "write_ecomap_png", write_ecomap, raising=False)
    html = build_case_report(example)
    assert 'id="genogram"' in html and 'id="ecomap"' not in html


def test_the_case_report_shows_the_review_decisions(example, reviewed):
    html = build_case_report(example, chronology=reviewed, images={"genogram": b"", "ecomap": b"",
                                                                   "timeline": b""})
    assert '<section id="decisions">' in html and "Egone0000001" in html
    findings = html[html.index('<section id="findings">'):html.index('id="finding-F2"')]
    assert '<p class="review">Dismissed (B Reviewer, 07/12/2026)' in findings
    assert "(1 more dismissed on review)" in html
