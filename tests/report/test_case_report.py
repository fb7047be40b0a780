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


def test_a_case_of_many_children_lists_them_all_and_gives_pages_to_those_of_most_concern(
        example, monkeypatch):
    """Beyond MAX_CHILD_PAGES index children (a looked-after children's return of
    thousands) the report says so, lists every child in one table and gives a page to the
    children with the highest harm index at the end, linked from the table."""
    import chronos.report.case_report as case_report
    from chronos.report.document import build_chronology

    chron = build_chronology(example)
    lines = case_report.children_overview(example, chron)
    assert len(lines) == 2 and all(line["page"] for line in lines)
    html = build_case_report(example, chronology=chron)
    assert 'id="children"' not in html and html.count('class="child-page"') == 2

    monkeypatch.setattr(case_report, "MAX_CHILD_PAGES", 1)
    lines = case_report.children_overview(example, chron)
    paged = [line for line in lines if line["page"]]
    other = [line for line in lines if not line["page"]]
    assert len(paged) == len(other) == 1
    assert (paged[0]["harm"] or 0) >= (other[0]["harm"] or 0)
    html = build_case_report(example, chronology=chron)
    assert "This case has 2 index children" in html
    table = html.split('<section id="children">', 1)[1].split("</section>", 1)[0]
    assert all(line["name"] in table for line in lines)
    assert table.count('href="#glance-') == 1
    assert f'href="#glance-{paged[0]["person_id"]}"' in table
    assert html.count('class="child-page"') == 1
    assert f'id="glance-{paged[0]["person_id"]}"' in html
    assert [g["person_id"] for g in case_report.glances(example, chron)] == \
        [paged[0]["person_id"]]
    # one child asked for: that child's page, whatever the bound
    asked = other[0]["person_id"]
    assert [g["person_id"] for g in case_report.glances(example, chron, asked)] == [asked]


def _no_pyplot(*_args, **_kwargs):
    raise AssertionError("drawn through pyplot")


def test_a_childs_harm_chart_is_a_png_drawn_without_pyplot_state(monkeypatch):
    import matplotlib.pyplot as plt
    import pandas as pd

    from chronos.report.case_report import harm_png

    harm = pd.DataFrame({"date": ["2019-01-04", "2019-06-30", "2020-02-11"],
                         "index": [1.0, 2.5, 4.0]})
    for name in ("figure", "subplots", "close"):
        monkeypatch.setattr(plt, name, _no_pyplot)
    before = plt.get_fignums()
    png = harm_png(harm)
    assert png.startswith(b"\x89PNG") and plt.get_fignums() == before
    assert harm_png(harm) == png          # the same chart, the same bytes
    assert harm_png(None) is None


def test_each_childs_line_counts_as_the_childs_own_chronology_after_review(example):
    """The per-child line ("N finding(s) about X; M significant of K entries") reads the
    review decisions as the documents do: a dismissed finding is not counted, rows
    significant only as its evidence are not significant, a person's mark decides."""
    from chronos.annotations import Annotation, Annotations
    from chronos.report.case_report import children_overview
    from chronos.report.document import ChronologyOptions, build_chronology

    plain = build_chronology(example)
    routine = plain.rows.loc[~plain.rows["significant"].astype(bool), "event_id"].iloc[0]
    first = example.findings.iloc[0]
    when = "2026-12-07T11:00:00"
    decided = Annotations([
        Annotation(str(first["finding_id"]), "dismissed", "yes", "B Reviewer", when, "x"),
        Annotation(str(routine), "significance", "significant", "A Analyst", when, "")])
    before = {line["person_id"]: line for line in children_overview(example, plain)}
    after = children_overview(example, build_chronology(
        example, ChronologyOptions(annotations=decided)))
    changed = False
    for line in after:
        pid = line["person_id"]
        own = build_chronology(example, ChronologyOptions(child=pid, annotations=decided))
        assert line["significant"] == int(own.rows["significant"].astype(bool).sum())
        assert len(line["entries"]) == len(own.rows)
        about = str(first["person_id"]).split(";")
        assert line["findings"] == before[pid]["findings"] - (pid in about)
        changed |= line["significant"] != before[pid]["significant"]
    assert changed, "the decisions change some child's count"
