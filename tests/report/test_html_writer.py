import re
from html.parser import HTMLParser

from chronos.report.document import build_chronology
from chronos.report.html_writer import render_html, write_html


class Page(HTMLParser):
    """Collects tags, attributes, ids and table rows of a page."""

    def __init__(self):
        super().__init__()
        self.tags, self.ids, self.rows, self.text = [], set(), [], []
        self._row = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "tr" and attrs.get("id", "").startswith("row-"):
            self._row = {"attrs": attrs, "cells": []}
            self.rows.append(self._row)
        if tag == "td" and self._row is not None:
            self._row["cells"].append("")

    def handle_endtag(self, tag):
        if tag == "tr":
            self._row = None

    def handle_data(self, data):
        self.text.append(data)
        if self._row is not None and self._row["cells"]:
            self._row["cells"][-1] += data


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def test_one_self_contained_offline_file(chron, tmp_path):
    html = write_html(chron, tmp_path / "c.html").read_text("utf-8")
    page = parse(html)
    for tag, attrs in page.tags:
        for name in ("src", "href", "action"):
            value = attrs.get(name) or ""
            assert not re.match(r"(?i)(https?:)?//", value), (tag, attrs)
        assert not (tag == "link" and attrs.get("rel") == "stylesheet")
        assert not (tag == "script" and "src" in attrs)
    csp = [a["content"] for t, a in page.tags if a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0]


def test_table_rows_numbering_dates_and_filter_data(chron):
    page = parse(render_html(chron))
    assert len(page.rows) == len(chron.rows)
    assert [r["cells"][0] for r in page.rows] == [str(n) for n in chron.rows["No."]]
    dates = [r["cells"][1] for r in page.rows]
    assert "?22/05/2016" in dates and "May 2015" in dates
    agencies = {r["attrs"]["data-agency"] for r in page.rows}
    assert agencies == set(chron.agencies)
    flagged = [r for r in page.rows if r["attrs"]["data-flags"]]
    assert len(flagged) == (chron.rows["finding_refs"] != "").sum()
    assert any("positive" in r["attrs"]["data-cats"].split() for r in page.rows)
    controls = {"f-search", "f-child", "f-agency", "f-cat", "f-flagged"}
    assert controls <= page.ids


def test_findings_panel_links_to_existing_evidence_rows(chron):
    page = parse(render_html(chron))
    links = [a["href"] for t, a in page.tags if t == "a" and a.get("href", "").startswith("#row-")]
    assert links and all(link[1:] in page.ids for link in links)
    expected = {f"#row-{n}" for f in chron.findings["Evidence rows"] for n in f.split(", ")}
    assert set(links) == expected
    buttons = [a["data-ref"] for t, a in page.tags if "data-ref" in a]
    assert buttons == list(chron.findings["Ref"])


def test_all_data_is_escaped(example):
    events = example.events.copy()
    events.loc[0, "summary"] = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    events.loc[1, "agency"] = 'Evil" onmouseover="alert(1)'
    example.events = events
    html = render_html(build_chronology(example))
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert" in html
    page = parse(html)
    assert not any("onmouseover" in a for t, a in page.tags)
    assert sum(1 for t, a in page.tags if t == "script") == 1


def test_printable(chron):
    html = render_html(chron)
    assert "@media print" in html and "table-header-group" in html and "landscape" in html


def test_review_decisions_in_the_html_chronology(reviewed, chron):
    html = render_html(reviewed)
    section = html[html.index('<section id="decisions">'):]
    assert "Appendix: review decisions" in section
    assert '<tr class="gone"><td>Event Egone0000001</td>' in section
    assert "appointments moved by the clinic" in section
    card = html[html.index('id="finding-F1"') - 60:html.index('id="finding-F2"')]
    assert "finding sev-" in card and " dismissed" in card
    assert '<p class="review">Dismissed (B Reviewer, 07/12/2026)' in card
    row2 = html[html.index('id="row-2"'):html.index('id="row-3"')]
    assert "Marked significant (A Analyst, 07/12/2026)" in row2
    assert 'data-flags=""' in html[html.index('id="row-4"'):html.index('id="row-5"')]
    assert 'id="decisions"' not in render_html(chron)
