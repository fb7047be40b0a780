"""Offline HTML chronology: one self-contained file (inline CSS and JavaScript, no network
requests: a Content-Security-Policy forbids them) with the title block, filters by child,
agency, category and flagged-only, a search box, the table, and the findings after it
(their links jump to and filter their evidence rows). Printed, every page carries the
protective marking at its top and foot and 'Page n of N', the header row repeats and no
heading is left at the foot of a page. Every piece of data is HTML-escaped.

The page is a Jinja2 template (``templates/page.html.j2``, autoescaped, sandboxed) that an
authority may replace or extend (``[templates] html`` in chronos.toml)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Any

from chronos.report.chronology import records
from chronos.report.document import Chronology
from chronos.report.safe_files import write_text

TEMPLATES = Path(__file__).with_name("templates")

CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
       "img-src data:; form-action 'none'; base-uri 'none'")
MARKING = "OFFICIAL-SENSITIVE: contains personal data. Do not share beyond those who need it."


def e(value) -> str:
    """Escape a value for HTML text or a quoted attribute ('' for missing)."""
    if value is None or value != value:
        return ""
    return escape(str(value), quote=True)


def render_html(chron: Chronology) -> str:
    """The chronology as one self-contained HTML page."""
    body = title_block(chron) + chronology_section(chron)
    return page(f"{chron.title}: {chron.case}", body, chron)


def write_html(chron: Chronology, path: str | Path) -> Path:
    """Write :func:`render_html` to ``path``."""
    return write_text(path, render_html(chron))


def page(title: str, body: str, chron: Chronology | None = None, *, css: str = "") -> str:
    """Wrap ``body`` (HTML chronos made) in a complete offline page: the house CSS
    (plus ``css``) and script, the marking, the print rules and the document's metadata
    from ``chron``'s settings (the defaults without one), through the page template."""
    from markupsafe import Markup

    from chronos import __version__
    from chronos.settings import Settings

    settings = chron.settings if chron is not None else Settings()
    values = {"csp": CSP, "generator": f"chronos {__version__}", "title": title,
              "author": settings.author.name, "purpose": settings.document.purpose,
              "created": datetime.now().replace(microsecond=0).isoformat(),
              "marking": settings.marking, "organisation": settings.organisation,
              "logo": _logo(settings.logo), "body_class": "court" if chron and chron.court else "",
              "css": Markup(CSS + _font_css(settings, chron) + css),
              "page_rules": Markup(page_rules(settings.marking)),
              "script": Markup(SCRIPT), "body": Markup(body),
              "title_items": chron.title_items() if chron is not None else [],
              "notes": chron.notes if chron is not None else []}
    authority = str(settings.templates.get("html") or "")
    template = _template(authority)
    try:
        return template.render(**values) + "\n"
    except Exception as exc:  # an authority's template: unsafe access, a missing block...
        from chronos.errors import SettingsError

        raise SettingsError(f"the HTML template cannot be filled: {exc}",
                            file=authority or None,
                            hint="docs/settings.md lists what a template may use") from None


def page_rules(marking: str) -> str:
    """The printed page: A4 landscape, the marking at the top and foot of every page and
    'Page n of N' (CSS margin boxes)."""
    text = css_string(marking)
    return ("size:A4 landscape;margin:16mm 12mm 16mm 12mm;"
            f"@top-center{{content:{text};font:bold 9pt Arial,sans-serif;color:#9c0006}}"
            f"@bottom-left{{content:{text};font:8pt Arial,sans-serif}}"
            '@bottom-right{content:"Page " counter(page) " of " counter(pages);'
            "font:9pt Arial,sans-serif}")


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string (quotes, backslashes, line breaks and anything
    that could close the style element escaped)."""
    out = []
    for ch in str(text):
        if ch.isalnum() or ch in " .,:;-_()'!?/&":
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):06x}")
    return '"' + "".join(out) + '"'


def _font_css(settings, chron: Chronology | None) -> str:
    """The settings' font; a court chronology at least 12 point at 1.5 line spacing."""
    font = css_string(settings.document.font)
    rule = f"body{{font-family:{font},Arial,Helvetica,sans-serif}}"
    if chron is not None and chron.court:
        size = max(settings.court.font_size, 12.0)
        rule += (f"body.court,body.court table{{font-size:{size:g}pt;"
                 f"line-height:{settings.court.line_spacing:g}}}")
    return rule


def _logo(path: Path | None) -> str:
    """The logo as a data URI (the page fetches nothing)."""
    if not path:
        return ""
    import base64

    from chronos.safe_input import read_bytes
    from chronos.settings import LOGO_BYTES

    mime = "image/png" if Path(path).suffix.lower() == ".png" else "image/jpeg"
    data = read_bytes(path, str(path), limit=LOGO_BYTES)
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


@lru_cache(maxsize=8)
def _template(authority: str) -> Any:
    """The page template: the authority's (its folder searched first, so that it may
    ``{% extends "chronos/page.html.j2" %}``), else chronos's. Sandboxed and autoescaped:
    a template runs no Python and every value it prints is escaped."""
    from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader, TemplateError
    from jinja2.sandbox import SandboxedEnvironment

    from chronos.errors import SettingsError

    ours = FileSystemLoader(str(TEMPLATES))
    loaders = [PrefixLoader({"chronos": ours})]
    if authority:
        loaders.insert(0, FileSystemLoader(str(Path(authority).parent)))
    env = SandboxedEnvironment(loader=ChoiceLoader(loaders + [ours]), autoescape=True)
    try:
        return env.get_template(Path(authority).name if authority else "page.html.j2")
    except TemplateError as exc:
        raise SettingsError(f"the HTML template cannot be read: {exc}", file=authority,
                            hint="docs/settings.md lists what a template may use") from None


def title_block(chron: Chronology, title: str | None = None) -> str:
    """Heading and the title block (:meth:`Chronology.title_items`) with the notes."""
    items = chron.title_items()
    notes = "".join(f'<p class="note">{e(n)}</p>' for n in chron.notes)
    dl = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in items)
    heading = f"{e(title or chron.title)}: {e(chron.case)}"
    if chron.court and not title:
        heading = f"{e(chron.title)}<br><small>{e(chron.case)}</small>"
    return f'<header><h1>{heading}</h1><dl class="meta">{dl}</dl>{notes}</header>'


def chronology_section(chron: Chronology, findings: bool = True) -> str:
    """Controls, key and the table, then (unless ``findings`` is False) the findings as
    an appendix after the chronology."""
    panel = findings_panel(chron) if findings and not chron.court else ""
    return (f'<section id="chronology-section"><h2>Chronology</h2>{_controls(chron)}'
            f"{_key(chron)}{_table(chron)}</section>{panel}{decisions_section(chron)}")


def decisions_section(chron: Chronology) -> str:
    """The review decisions in force (what, who, when, why, applied or not), those about
    events or findings the case no longer has included; nothing when there are none."""
    table = chron.decisions
    if chron.court or table is None or not len(table):
        return ""
    cols = [c for c in table.columns if not str(c).startswith("_")]
    head = "".join(f'<th scope="col">{e(c)}</th>' for c in cols)
    gone = ' class="gone"'
    body = "".join(
        f'<tr{gone if str(r["Status"]).startswith("not applied") else ""}>'
        + "".join(f"<td>{e(r[c])}</td>" for c in cols) + "</tr>"
        for r in table.to_dict("records"))
    return ('<section id="decisions"><h2>Appendix: review decisions</h2>'
            '<p class="intro">What the people reviewing the case decided (chronos annotate), '
            "with who and when; a decision about an event or finding that the case no longer "
            "has is listed, not applied.</p>"
            f'<table class="decisions"><thead><tr>{head}</tr></thead><tbody>{body}</tbody>'
            "</table></section>")


def _options(pairs) -> str:
    return "".join(f'<option value="{e(v)}">{e(label)}</option>' for v, label in pairs)


def _controls(chron: Chronology) -> str:
    from chronos import model

    kids = [(c["person_id"], c["name"]) for c in chron.children]
    agencies = [(a, a) for a in chron.agencies]
    cats = [(c, c.capitalize()) for c in model.vocabulary().categories]
    cats += [("positive", "Positive / protective")]
    child = (f'<label>Child <select id="f-child"><option value="">All children</option>'
             f"{_options(kids)}</select></label>") if len(kids) > 1 else ""
    judged = "" if chron.court else (
        f'<label>Category <select id="f-cat"><option value="">All categories</option>{_options(cats)}</select></label>'
        f'<label><input id="f-flagged" type="checkbox"> Flagged only</label>')
    return (f'<div class="controls" role="search">'
            f'<label>Search <input id="f-search" type="search" placeholder="words in any column"></label>'
            f"{child}"
            f'<label>Agency <select id="f-agency"><option value="">All agencies</option>{_options(agencies)}</select></label>'
            f"{judged}"
            f'<button type="button" id="f-clear">Clear</button>'
            f'<button type="button" onclick="window.print()">Print</button>'
            f'<span id="f-count" aria-live="polite"></span></div>')


def _key(chron: Chronology) -> str:
    if chron.court:
        return ('<p class="key">Dates: <code>?22/05/2016</code> uncertain; <code>May 2016</code>, '
                "<code>2016</code> only the month or year known; <i>Undated</i>: no date "
                "(listed last).</p>")
    swatches = "".join(f'<span class="swatch" style="background:{e(c)}"></span>{e(a)} '
                       for a, c in chron.agencies.items())
    return (f'<p class="key"><b>Key.</b> {swatches}<br>Dates: <code>?22/05/2016</code> uncertain; '
            f"<code>May 2016</code>, <code>2016</code> only the month or year known; "
            f"<code>c. May 2016</code> uncertain month; <i>Undated</i>: no date (listed last). "
            f'<span class="flag">F1</span> the entry is evidence for finding F1 '
            f'(<a href="#findings">the findings follow the chronology</a>).</p>')


def findings_panel(chron: Chronology) -> str:
    """One card per finding, with links to its evidence rows."""
    if not len(chron.findings):
        return ('<section class="findings" id="findings"><h2>Appendix: findings</h2>'
                "<p>No findings.</p></section>")
    cards = []
    for f in chron.findings.to_dict("records"):
        rows = [r for r in str(f["Evidence rows"]).split(", ") if r]
        links = " ".join(f'<a href="#row-{e(r)}">{e(r)}</a>' for r in rows) or "none in this view"
        cards.append(
            f'<article class="finding sev-{e(str(f["Severity"]).lower())}'
            f'{" dismissed" if f.get("_dismissed") else ""}" id="finding-{e(f["Ref"])}">'
            f'<h3><span class="flag">{e(f["Ref"])}</span> {e(f["Finding"])}</h3>'
            f'<p class="fmeta">{e(f["Severity"])} · {e(f["Category"])} · {e(f["Window"])} · '
            f'{e(f["Agencies"])}{" · " + e(f["Child"]) if f["Child"] else ""}</p>'
            f'<p>{e(f["Explanation"])}</p>{review_note(f)}<p class="evidence">Evidence rows: {links} '
            f'<button type="button" class="show-ev" data-ref="{e(f["Ref"])}">Show only this evidence</button></p></article>')
    return ('<section class="findings" id="findings"><h2>Appendix: findings</h2>'
            '<p class="intro">Patterns across the records that may indicate cumulative harm, '
            "each with the chronology entries that are its evidence: prompts for professional "
            f'judgement, not conclusions.</p>{"".join(cards)}</section>')


def review_note(finding: dict) -> str:
    """The finding's review (dismissed, with who and why; the analyst's note), if any."""
    text = finding.get("Review") or ""
    return f'<p class="review">{e(text)}</p>' if text else ""


def _table(chron: Chronology) -> str:
    head = "".join(f'<th scope="col">{e(chron.heading(c))}</th>' for c in chron.columns)
    kids = {c["person_id"] for c in chron.children}
    body = "".join(_row(chron, rec, kids) for rec in records(chron.rows))
    return (f'<table id="chronology"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def _row(chron: Chronology, rec: dict, kids: set[str]) -> str:
    persons = [p for p in str(rec.get("person_ids") or "").split(";") if p]
    cats = [c for c in str(rec.get("categories") or "").split(";") if c]
    if rec.get("kind") == "positive":
        cats.append("positive")
    refs = str(rec.get("finding_refs") or "")
    colour = chron.agencies.get(rec.get("agency") or "", "#cccccc")
    attrs = (f'id="row-{e(rec["No."])}" data-agency="{e(rec.get("agency"))}" '
             f'data-cats="{e(" ".join(cats))}" data-flags="{e(refs.replace(", ", " "))}" '
             f'data-children="{e(" ".join(p for p in persons if p in kids))}"')
    cls = ' class="flagged"' if refs else (' class="summary"' if rec.get("summarised") else "")
    cells = []
    for col in chron.columns:
        value = e(rec.get(col))
        if col in ("Agency / source",):
            value = f'<span class="swatch" style="background:{e(colour)}"></span>{value}'
        tip = f' title="event {e(rec.get("event_id"))}"' if col == "No." and rec.get("event_id") \
            else ""
        cells.append(f'<td data-col="{e(col)}"{tip}>{value}</td>')
    return f"<tr {attrs}{cls}>{''.join(cells)}</tr>"


CSS = """
:root{--ink:#1b1b1b;--muted:#555;--line:#c8c8c8;--head:#1F3864;--flag:#b3261e}
*{box-sizing:border-box}body{font:14px/1.4 Arial,Helvetica,sans-serif;color:var(--ink);margin:0 1.5rem 2rem}
.marking{font-size:12px;font-weight:bold;color:#9c0006;border-bottom:1px solid var(--line);padding:.3rem 0;margin:0 0 .5rem}
.marking.foot{border-bottom:0;border-top:1px solid var(--line);margin:1rem 0 0}.logo{max-height:3.5rem;float:right}
h1{font-size:1.5rem;color:var(--head);margin:.5rem 0}h2{font-size:1.2rem;color:var(--head);margin:1.2rem 0 .4rem}
h3{font-size:1rem;margin:.2rem 0}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:0}dl.meta dt{font-weight:bold}dl.meta dd{margin:0}
.note{background:#fff6d6;padding:.3rem .6rem;border-left:4px solid #e0b000}
.controls{position:sticky;top:0;z-index:2;background:#f2f4f8;border:1px solid var(--line);padding:.5rem;display:flex;flex-wrap:wrap;gap:.6rem 1rem;align-items:center;margin:.8rem 0}
.controls input[type=search]{width:16rem}#f-count{color:var(--muted);margin-left:auto}
.key{font-size:13px}.swatch{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin:0 .3em 0 .15em;vertical-align:-1px;border:1px solid rgba(0,0,0,.25)}
.flag{display:inline-block;background:var(--flag);color:#fff;border-radius:3px;padding:0 .35em;font-size:12px;font-weight:bold}
.findings{display:grid;grid-template-columns:repeat(auto-fill,minmax(22rem,1fr));gap:.6rem;margin-top:1.5rem}.findings h2,.findings .intro{grid-column:1/-1}
.finding{border:1px solid var(--line);border-left:5px solid #888;padding:.4rem .7rem;background:#fff}
.finding.sev-high{border-left-color:var(--flag)}.finding.sev-medium{border-left-color:#e08a00}.finding.sev-low{border-left-color:#3b7dd8}
.fmeta{color:var(--muted);font-size:13px;margin:.1rem 0}.review{background:#eef3fb;border-left:4px solid #3b7dd8;padding:.2rem .5rem}
.finding.dismissed{border-left-color:#888;background:#f6f6f6}
tr.gone td{color:var(--muted);font-style:italic}#decisions{break-before:page}.finding p{margin:.3rem 0}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border:1px solid var(--line);padding:.25rem .4rem;vertical-align:top;text-align:left}
thead th{background:var(--head);color:#fff;position:sticky;top:3.2rem}
tr.flagged td[data-col=Significance]{background:#fce4e4}tr.summary td{background:#f4f4f4;font-style:italic}
tr:target td{outline:2px solid var(--flag);background:#fff3c4}
td[data-col="No."]{text-align:right;width:3rem}td[data-col=Date]{white-space:nowrap}
button{font:inherit;padding:.1rem .6rem}
h1,h2,h3,h4{break-after:avoid;page-break-after:avoid}
@media print{.controls,.show-ev,button,.marking.foot{display:none}body{margin:0;font-size:10pt}
thead{display:table-header-group}thead th{position:static;-webkit-print-color-adjust:exact;print-color-adjust:exact}
tr,.finding,dl.meta,.note{break-inside:avoid;page-break-inside:avoid}tr[hidden]{display:none}
h1,h2,h3,h4{break-after:avoid;page-break-after:avoid;break-inside:avoid}
h2+*,h3+*,h4+*{break-before:avoid;page-break-before:avoid}
.findings{display:block;break-before:page}.finding{margin:.4rem 0}
.swatch,.flag,td,.marking{-webkit-print-color-adjust:exact;print-color-adjust:exact}
a{color:inherit;text-decoration:none}}
"""

SCRIPT = r"""
(function(){
var table=document.getElementById('chronology');if(!table)return;
var rows=Array.prototype.slice.call(table.tBodies[0].rows);
var text=rows.map(function(r){return r.textContent.toLowerCase();});
function val(id){var el=document.getElementById(id);return el?(el.type==='checkbox'?el.checked:el.value):'';}
var onlyRef='';
function apply(){
  var q=val('f-search').toLowerCase().trim(),child=val('f-child'),ag=val('f-agency'),cat=val('f-cat'),fl=val('f-flagged'),n=0;
  for(var i=0;i<rows.length;i++){var r=rows[i],d=r.dataset,show=true;
    if(q&&text[i].indexOf(q)<0)show=false;
    if(show&&child&&d.children&&(' '+d.children+' ').indexOf(' '+child+' ')<0)show=false;
    if(show&&ag&&d.agency!==ag)show=false;
    if(show&&cat&&(' '+d.cats+' ').indexOf(' '+cat+' ')<0)show=false;
    if(show&&fl&&!d.flags)show=false;
    if(show&&onlyRef&&(' '+d.flags+' ').indexOf(' '+onlyRef+' ')<0)show=false;
    r.hidden=!show;if(show)n++;}
  var c=document.getElementById('f-count');if(c)c.textContent='Showing '+n+' of '+rows.length+' entries'+(onlyRef?' (evidence for '+onlyRef+')':'');
}
['f-search','f-child','f-agency','f-cat','f-flagged'].forEach(function(id){var el=document.getElementById(id);if(el){el.addEventListener('input',apply);el.addEventListener('change',apply);}});
var clear=document.getElementById('f-clear');if(clear)clear.addEventListener('click',function(){
  ['f-search','f-child','f-agency','f-cat'].forEach(function(id){var el=document.getElementById(id);if(el)el.value='';});
  var f=document.getElementById('f-flagged');if(f)f.checked=false;onlyRef='';apply();});
Array.prototype.forEach.call(document.querySelectorAll('.show-ev'),function(b){b.addEventListener('click',function(){
  onlyRef=b.getAttribute('data-ref');apply();table.scrollIntoView();});});
Array.prototype.forEach.call(document.querySelectorAll('.evidence a'),function(a){a.addEventListener('click',function(){
  var t=document.getElementById(a.getAttribute('href').slice(1));if(t&&t.hidden){onlyRef='';['f-search','f-child','f-agency','f-cat'].forEach(function(id){var el=document.getElementById(id);if(el)el.value='';});var f=document.getElementById('f-flagged');if(f)f.checked=false;apply();}});});
apply();
})();
"""
