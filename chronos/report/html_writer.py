"""Offline HTML chronology: one self-contained file (inline CSS and JavaScript, no network
requests: a Content-Security-Policy forbids them) with filters by child, agency, category
and flagged-only, a search box, a findings panel whose links jump to and filter their
evidence rows, and a print layout. Every piece of data is HTML-escaped."""

from __future__ import annotations

from html import escape
from pathlib import Path

from chronos.report.chronology import records
from chronos.report.document import Chronology
from chronos.report.safe_files import write_text

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
    return page(f"{chron.title}: {chron.case}", body)


def write_html(chron: Chronology, path: str | Path) -> Path:
    """Write :func:`render_html` to ``path``."""
    return write_text(path, render_html(chron))


def page(title: str, body: str) -> str:
    """Wrap ``body`` in a complete offline page with the house CSS and script."""
    return (f'<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="referrer" content="no-referrer">'
            f"<title>{e(title)}</title><style>{CSS}</style></head><body>"
            f'<p class="marking">{MARKING}</p>{body}<script>{SCRIPT}</script></body></html>\n')


def title_block(chron: Chronology, title: str | None = None) -> str:
    """Heading and the case / children / period / sources / produced list."""
    from chronos.report.chronology import format_date

    kids = "; ".join(f"{c['name']} ({c['birth']})" if c.get("birth") else
                     f"{c['name']} (born {format_date(c['dob'], 'day', False)})"
                     if c["dob"] else c["name"] for c in chron.children) or "Not recorded"
    items = [("Case", chron.case), ("Children", kids), ("Period", chron.period),
             ("Sources", "; ".join(chron.sources)), ("Date produced", chron.produced)]
    notes = "".join(f'<p class="note">{e(n)}</p>' for n in chron.notes)
    dl = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in items)
    return f'<header><h1>{e(title or chron.title)}: {e(chron.case)}</h1><dl class="meta">{dl}</dl>{notes}</header>'


def chronology_section(chron: Chronology, findings: bool = True) -> str:
    """Controls, key, findings panel (unless ``findings`` is False) and the table."""
    panel = findings_panel(chron) if findings else ""
    return (f'{panel}<section id="chronology-section"><h2>Chronology</h2>{_controls(chron)}'
            f"{_key(chron)}{_table(chron)}</section>")


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
    return (f'<div class="controls" role="search">'
            f'<label>Search <input id="f-search" type="search" placeholder="words in any column"></label>'
            f"{child}"
            f'<label>Agency <select id="f-agency"><option value="">All agencies</option>{_options(agencies)}</select></label>'
            f'<label>Category <select id="f-cat"><option value="">All categories</option>{_options(cats)}</select></label>'
            f'<label><input id="f-flagged" type="checkbox"> Flagged only</label>'
            f'<button type="button" id="f-clear">Clear</button>'
            f'<button type="button" onclick="window.print()">Print</button>'
            f'<span id="f-count" aria-live="polite"></span></div>')


def _key(chron: Chronology) -> str:
    swatches = "".join(f'<span class="swatch" style="background:{e(c)}"></span>{e(a)} '
                       for a, c in chron.agencies.items())
    return (f'<p class="key"><b>Key.</b> {swatches}<br>Dates: <code>?22/05/2016</code> uncertain; '
            f"<code>May 2016</code>, <code>2016</code> only the month or year known; "
            f"<code>c. May 2016</code> uncertain month; <i>Undated</i>: no date (listed last). "
            f'<span class="flag">F1</span> the entry is evidence for finding F1.</p>')


def findings_panel(chron: Chronology) -> str:
    """One card per finding, with links to its evidence rows."""
    if not len(chron.findings):
        return '<section class="findings"><h2>Findings</h2><p>No findings.</p></section>'
    cards = []
    for f in chron.findings.to_dict("records"):
        rows = [r for r in str(f["Evidence rows"]).split(", ") if r]
        links = " ".join(f'<a href="#row-{e(r)}">{e(r)}</a>' for r in rows) or "none in this view"
        cards.append(
            f'<article class="finding sev-{e(str(f["Severity"]).lower())}" id="finding-{e(f["Ref"])}">'
            f'<h3><span class="flag">{e(f["Ref"])}</span> {e(f["Finding"])}</h3>'
            f'<p class="fmeta">{e(f["Severity"])} · {e(f["Category"])} · {e(f["Window"])} · '
            f'{e(f["Agencies"])}{" · " + e(f["Child"]) if f["Child"] else ""}</p>'
            f'<p>{e(f["Explanation"])}</p><p class="evidence">Evidence rows: {links} '
            f'<button type="button" class="show-ev" data-ref="{e(f["Ref"])}">Show only this evidence</button></p></article>')
    return f'<section class="findings"><h2>Findings</h2>{"".join(cards)}</section>'


def _table(chron: Chronology) -> str:
    head = "".join(f'<th scope="col">{e(c)}</th>' for c in chron.columns)
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
        cells.append(f'<td data-col="{e(col)}">{value}</td>')
    return f"<tr {attrs}{cls}>{''.join(cells)}</tr>"


CSS = """
:root{--ink:#1b1b1b;--muted:#555;--line:#c8c8c8;--head:#1F3864;--flag:#b3261e}
*{box-sizing:border-box}body{font:14px/1.4 Arial,Helvetica,sans-serif;color:var(--ink);margin:0 1.5rem 2rem}
.marking{font-size:12px;color:var(--muted);border-bottom:1px solid var(--line);padding:.3rem 0;margin:0 0 .5rem}
h1{font-size:1.5rem;color:var(--head);margin:.5rem 0}h2{font-size:1.2rem;color:var(--head);margin:1.2rem 0 .4rem}
h3{font-size:1rem;margin:.2rem 0}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:0}dl.meta dt{font-weight:bold}dl.meta dd{margin:0}
.note{background:#fff6d6;padding:.3rem .6rem;border-left:4px solid #e0b000}
.controls{position:sticky;top:0;z-index:2;background:#f2f4f8;border:1px solid var(--line);padding:.5rem;display:flex;flex-wrap:wrap;gap:.6rem 1rem;align-items:center;margin:.8rem 0}
.controls input[type=search]{width:16rem}#f-count{color:var(--muted);margin-left:auto}
.key{font-size:13px}.swatch{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin:0 .3em 0 .15em;vertical-align:-1px;border:1px solid rgba(0,0,0,.25)}
.flag{display:inline-block;background:var(--flag);color:#fff;border-radius:3px;padding:0 .35em;font-size:12px;font-weight:bold}
.findings{display:grid;grid-template-columns:repeat(auto-fill,minmax(22rem,1fr));gap:.6rem}.findings h2{grid-column:1/-1}
.finding{border:1px solid var(--line);border-left:5px solid #888;padding:.4rem .7rem;background:#fff}
.finding.sev-high{border-left-color:var(--flag)}.finding.sev-medium{border-left-color:#e08a00}.finding.sev-low{border-left-color:#3b7dd8}
.fmeta{color:var(--muted);font-size:13px;margin:.1rem 0}.finding p{margin:.3rem 0}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border:1px solid var(--line);padding:.25rem .4rem;vertical-align:top;text-align:left}
thead th{background:var(--head);color:#fff;position:sticky;top:3.2rem}
tr.flagged td[data-col=Significance]{background:#fce4e4}tr.summary td{background:#f4f4f4;font-style:italic}
tr:target td{outline:2px solid var(--flag);background:#fff3c4}
td[data-col="No."]{text-align:right;width:3rem}td[data-col=Date]{white-space:nowrap}
button{font:inherit;padding:.1rem .6rem}
@media print{.controls,.show-ev,.marking{display:none}body{margin:0;font-size:11px}
thead{display:table-header-group}thead th{position:static;-webkit-print-color-adjust:exact;print-color-adjust:exact}
tr{break-inside:avoid}tr[hidden]{display:none}.swatch,.flag,td{-webkit-print-color-adjust:exact;print-color-adjust:exact}
@page{size:A4 landscape;margin:12mm}a{color:inherit;text-decoration:none}}
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
