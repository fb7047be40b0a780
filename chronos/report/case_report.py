"""The case report: one self-contained HTML page with the summary, the findings with their
evidence, the genogram and ecomap (when :mod:`chronos.genogram` can draw them), the
timeline, the case map and the interactive chronology. Images are embedded as data URIs;
nothing is fetched. Its PDF form is made without a browser by
:mod:`chronos.report.pdf_writer`."""

from __future__ import annotations

import base64
import io
import tempfile
from pathlib import Path
from typing import Any

from chronos.report.document import Chronology, ChronologyOptions, build_chronology
from chronos.report.html_writer import chronology_section, e, page, review_note, title_block
from chronos.report.safe_files import write_text

REPORT_CSS = """
.summary{display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));gap:.5rem;margin:.6rem 0}
.summary div{border:1px solid var(--line);padding:.4rem .6rem;background:#f7f8fb}
.summary b{display:block;font-size:1.4rem;color:var(--head)}
figure{margin:.5rem 0}figure img{max-width:100%;max-height:85vh;object-fit:contain;border:1px solid var(--line)}figcaption{color:var(--muted);font-size:13px}
.evtable{font-size:12px;margin:.3rem 0 .6rem}
.cm-cols{display:grid;grid-template-columns:repeat(3,1fr);gap:.6rem}.cm{border:1px solid var(--line);padding:.3rem .7rem}
.cm h3{margin:.3rem 0}.cm h4{margin:.5rem 0 .2rem;font-size:.9rem}.cm ul{padding-left:1.1rem;margin:.2rem 0}
.worry{border-top:6px solid #B3261E}.well{border-top:6px solid #009E73}.unknown,.next{border-top:6px solid #0072B2}
table.scale{width:auto;min-width:60%}table.scale td:nth-child(2){width:7rem}
.rows{color:var(--muted);font-size:12px}nav.toc{margin:.5rem 0;font-size:13px}nav.toc a{margin-right:1rem}
.child-page{border:1px solid var(--line);padding:.4rem .8rem;margin:.6rem 0}
.child-page h2{margin:.2rem 0 .3rem}.glance{display:grid;grid-template-columns:1fr 1fr;gap:.6rem}
.heat{border-collapse:collapse;font-size:12px;margin:.2rem 0}.heat th,.heat td{border:1px solid #fff;padding:.15rem .45rem;text-align:center}
.heat th{background:#f2f4f8;color:#1b1b1b;font-weight:normal}.heat th.cat{text-align:left}
.keys{margin:.2rem 0;padding-left:1.2rem}.keys li{margin:.25rem 0}.keys .why{color:var(--muted);font-size:13px}
.counts{color:var(--muted);font-size:13px;margin:.2rem 0}
@media print{.child-page{break-after:page}#timeline,#casemap,#chronology-section,#genogram{break-before:page}.cm-cols{grid-template-columns:1fr 1fr 1fr}
figure,.evtable,.heat,.keys li{break-inside:avoid;page-break-inside:avoid}nav.toc{display:none}}
"""


def build_case_report(result: Any, options: ChronologyOptions | None = None,
                      chronology: Chronology | None = None,
                      images: dict[str, bytes | str | Path] | None = None,
                      case_map=None) -> str:
    """The case report as HTML text. ``images`` may give ready-made 'genogram' /
    'ecomap' / 'timeline' images (bytes or a file path); otherwise they are drawn.
    ``case_map``: the case map already built from ``chronology``, else built here."""
    from chronos.report.case_map import build_case_map, case_map_html

    chron = chronology or build_chronology(result, options)
    images = dict(images or {})
    child = options.child if options else None
    parts = [title_block(chron, "Case report"), _toc(), _at_a_glance(result, chron, child),
             _summary(result, chron), _findings(chron),
             _figure("genogram", "Genogram", images.get("genogram") or _genogram(result, "genogram")),
             _figure("ecomap", "Ecomap", images.get("ecomap") or _genogram(result, "ecomap")),
             _figure("timeline", "Timeline", images.get("timeline") or _timeline(result, child)),
             case_map_html(case_map or build_case_map(result, chron)), chronology_section(chron, findings=False)]
    body = "".join(p for p in parts if p)
    return page(f"Case report: {chron.case}", body, chron, css=REPORT_CSS)


def write_case_report(result: Any, path: str | Path, options: ChronologyOptions | None = None,
                      chronology: Chronology | None = None, images: dict | None = None,
                      case_map=None) -> Path:
    """Write :func:`build_case_report` to ``path``."""
    return write_text(Path(path), build_case_report(result, options, chronology, images,
                                                    case_map))


def case_images(result: Any, child: str | None = None,
                drawn: dict[str, bytes | None] | None = None) -> dict[str, bytes | None]:
    """The case report's pictures as PNG bytes ('genogram', 'ecomap', 'timeline'; None
    where one cannot be drawn), for :func:`build_case_report` and the PDF. ``drawn``
    gives pictures already drawn for this case (by ``chronos build``): only the others
    are drawn."""
    images = dict(drawn or {})
    for kind in ("genogram", "ecomap"):
        if kind not in images:
            images[kind] = _genogram(result, kind)
    if "timeline" not in images:
        images["timeline"] = _timeline(result, child)
    return images


def _toc() -> str:
    links = [("summary", "Summary"), ("findings", "Findings"), ("genogram", "Genogram"),
             ("ecomap", "Ecomap"), ("timeline", "Timeline"), ("casemap", "Case map"),
             ("chronology-section", "Chronology")]
    return '<nav class="toc">' + "".join(f'<a href="#{a}">{t}</a>' for a, t in links) + "</nav>"


def _summary(result: Any, chron: Chronology) -> str:
    cards = "".join(f"<div><b>{e(n)}</b>{e(label)}</div>" for n, label in summary_stats(chron))
    return f'<section id="summary"><h2>Summary</h2><div class="summary">{cards}</div></section>'


def summary_stats(chron: Chronology) -> list[tuple[object, str]]:
    """What the record holds, counted so that no number reads as reassurance: findings and
    how many are high severity, significant entries of all entries, agencies, undated
    records (for the HTML and the PDF case report)."""
    rows = chron.rows
    sev = chron.findings["Severity"].str.lower().value_counts() if len(chron.findings) else {}
    significant = int(rows["significant"].map(lambda v: v is None or v != v or bool(v)).sum()) \
        if "significant" in rows else len(rows)
    total = len(chron.other_rows) if chron.significant and chron.other_rows is not None \
        else len(rows)
    dismissed = int(chron.findings["_dismissed"].sum()) if "_dismissed" in chron.findings else 0
    if dismissed:
        sev = chron.findings.loc[~chron.findings["_dismissed"].astype(bool), "Severity"] \
            .str.lower().value_counts()
    stats = [(len(chron.findings) - dismissed, "findings, one per pattern and episode"
              + (f" ({dismissed} more dismissed on review)" if dismissed else "")),
             (int(sev.get("high", 0)), "of them high severity"),
             (f"{significant} of {total}", "entries significant"),
             (len(chron.agencies), "agencies"),
             (int((rows["date"] == "").sum()), "undated records")]
    return stats


def _findings(chron: Chronology) -> str:
    """Each finding with its evidence rows printed beneath it."""
    if not len(chron.findings):
        return '<section id="findings"><h2>Findings</h2><p>No findings.</p></section>'
    by_no = {str(r["No."]): r for r in chron.rows.to_dict("records")}
    blocks = []
    for f in chron.findings.to_dict("records"):
        evidence = [by_no[n] for n in str(f["Evidence rows"]).split(", ") if n in by_no]
        trs = "".join(f'<tr><td><a href="#row-{e(r["No."])}">{e(r["No."])}</a></td>'
                      f'<td>{e(r["Date"])}</td><td>{e(r["Agency / source"])}</td>'
                      f'<td>{e(r["Event"])}</td><td>{e(r.get("Reference", ""))}</td></tr>'
                      for r in evidence)
        blocks.append(
            f'<h3 id="finding-{e(f["Ref"])}"><span class="flag">{e(f["Ref"])}</span> {e(f["Finding"])}</h3>'
            f'<p class="fmeta">{e(f["Child"]) + " · " if f["Child"] else ""}{e(f["Severity"])} · '
            f'{e(f["Category"])} · {e(f["Window"])} · {e(f["Agencies"])}</p>'
            f'<p>{e(f["Explanation"])}</p>{review_note(f)}'
            f'<table class="evtable"><thead><tr><th>No.</th><th>Date</th><th>Agency / source</th>'
            f"<th>Event</th><th>Reference</th></tr></thead><tbody>{trs}</tbody></table>")
    return f'<section id="findings"><h2>Findings with their evidence</h2>{"".join(blocks)}</section>'


# --------------------------------------------------------------------------- first page

#: the most children given a first page of their own; a case of more (a looked-after
#: children's return of thousands) lists every child in one table and gives pages to the
#: children of most concern (:func:`glance_children`)
MAX_CHILD_PAGES = 20


def _at_a_glance(result: Any, chron: Chronology, child: str | None) -> str:
    """The first page, per child: neglect types (Horwath) by year as a heat-map, the
    cumulative harm index over time, and the key concerns linked to their evidence; in a
    case of more than :data:`MAX_CHILD_PAGES` children, first a table of every child."""
    lines = children_overview(result, chron)
    table = "" if child else _children_table(lines)
    return table + "".join(_child_page(glance) for glance in glances(result, chron, child, lines))


def children_overview(result: Any, chron: Chronology) -> list[dict]:
    """One line per index child (eldest first): ``person_id``, ``name``, ``born``,
    ``findings`` (about the child), ``significant`` and ``entries`` (in the child's
    chronology), ``harm`` and ``band`` (the cumulative harm index at its last month, or
    None), ``peak`` (its highest) and ``page`` (True when the child has a page of its own)."""
    from chronos.report import people
    from chronos.report.chronology import child_entries

    kids = people.index_children(result)
    annotations = getattr(chron, "annotations", None)
    entries = child_entries(result, [k["person_id"] for k in kids], annotations)
    dismissed = set(annotations.latest("dismissed")) if annotations is not None else set()
    n_found = _findings_per_child(result, dismissed)
    harm = _harm_summary(result)
    shown = _born(chron)
    lines = []
    for kid in kids:
        pid = kid["person_id"]
        last, band, peak = harm.get(pid, (None, "", None))
        lines.append({"person_id": pid, "name": kid["name"], "first_name": kid["first_name"],
                      "dob": kid["dob"], "born": _born_words(kid, shown),
                      "findings": n_found.get(pid, 0), "entries": entries[pid],
                      "significant": sum(1 for _, _, sig in entries[pid] if sig),
                      "harm": last, "band": band, "peak": peak})
    chosen = {line["person_id"] for line in _most_concern(lines)}
    for line in lines:
        line["page"] = line["person_id"] in chosen
    return lines


def _most_concern(lines: list[dict]) -> list[dict]:
    """The children given a page: all of them up to :data:`MAX_CHILD_PAGES`, else those
    with the highest cumulative harm index at its last month (then its highest, then the
    most findings; eldest first among equals)."""
    if len(lines) <= MAX_CHILD_PAGES:
        return lines
    return sorted(lines, key=lambda line: (-(line["harm"] or 0), -(line["peak"] or 0),
                                           -line["findings"]))[:MAX_CHILD_PAGES]


def glances(result: Any, chron: Chronology, child: str | None = None,
            overview: list[dict] | None = None) -> list[dict]:
    """What each child's first page shows, for the HTML and the PDF case report:
    ``name``, ``born``, ``counts`` (a sentence), ``heat`` (:func:`_heat`), ``harm``
    (the child's harm index rows, or None) and ``keys`` (:func:`key_concern_rows`). Every
    index child (or ``child`` alone) up to :data:`MAX_CHILD_PAGES`; beyond that, the
    children of most concern (:func:`children_overview`, or ``overview`` when given), in
    that order."""
    from chronos.report import people

    wanted = people.resolve_person(result, child) if child else None
    lines = overview if overview is not None else children_overview(result, chron)
    if wanted is not None:
        lines = [line for line in lines if line["person_id"] == wanted]
    elif len(lines) > MAX_CHILD_PAGES:
        lines = _most_concern(lines)
    harm_of = _harm_by_child(result, {line["person_id"] for line in lines})
    live = live_findings(chron)
    out = []
    for line in lines:
        pid, first = line["person_id"], line["first_name"]
        harm = harm_of.get(pid)
        counts = (f"{line['findings']} finding(s) about {first}; "
                  f"{line['significant']} significant of {len(line['entries'])} entries in "
                  f"{first}'s chronology" + _harm_words(harm))
        out.append({"person_id": pid, "name": line["name"], "born": line["born"],
                    "counts": counts,
                    "heat": _heat(_entries_since_conceived(line["entries"], line["dob"])),
                    "harm": harm,
                    "keys": key_concern_rows(chron, pid, _own_explanations(result, pid), live)})
    return out


def _born(chron: Chronology) -> dict:
    return {c.get("person_id"): c.get("birth") for c in chron.children}  # 'aged 12' when shared


def _born_words(kid: dict, shown: dict) -> str:
    from chronos.report.chronology import format_date

    pid = kid["person_id"]
    return (f" ({shown[pid]})" if shown.get(pid) else
            f" (born {format_date(kid['dob'], 'day', False)})" if kid["dob"] else "")


def _findings_per_child(result: Any, dismissed: set[str] = frozenset()) -> dict[str, int]:
    """person id -> the findings about them, but those ``dismissed`` on review."""
    findings = getattr(result, "findings", None)
    counts: dict[str, int] = {}
    if findings is None:
        return counts
    for fid, ids in zip(findings["finding_id"], findings["person_id"]):
        if str(fid) in dismissed:
            continue
        for pid in set(str(ids).split(";")):
            counts[pid] = counts.get(pid, 0) + 1
    return counts


def _harm_summary(result: Any) -> dict[str, tuple[float, str, float]]:
    """person id -> (the harm index at its last month, its band there, its highest)."""
    harm = getattr(result, "harm_index", None)
    if harm is None or not len(harm):
        return {}
    values = harm["index"].astype(float)
    by = values.groupby(harm["person_id"].to_numpy(dtype=object), sort=False)
    last_at = by.tail(1).index
    return {pid: (float(v), str(band), float(peak)) for pid, v, band, peak in
            zip(harm.loc[last_at, "person_id"], values[last_at], harm.loc[last_at, "band"],
                by.max().reindex(harm.loc[last_at, "person_id"].to_numpy(dtype=object)))}


def _harm_by_child(result: Any, wanted: set[str]) -> dict:
    """The harm index rows of each of ``wanted`` (children with none left out)."""
    harm = getattr(result, "harm_index", None)
    if harm is None or not len(harm):
        return {}
    part = harm[harm["person_id"].isin(wanted)]
    return {pid: rows for pid, rows in part.groupby(part["person_id"].to_numpy(dtype=object),
                                                   sort=False)}


def _children_table(lines: list[dict]) -> str:
    """In a case of more than :data:`MAX_CHILD_PAGES` index children: why only some have a
    page, and every child (:func:`children_overview`) in one table (findings, entries,
    harm index), each child with a page linked to it."""
    if len(lines) <= MAX_CHILD_PAGES:
        return ""
    trs = []
    for line in lines:
        name = e(line["name"])
        if line["page"]:
            name = f'<a href="#glance-{e(line["person_id"])}">{name}</a>'
        harm = "" if line["harm"] is None else f'{line["harm"]:.1f} ({e(line["band"])})'
        peak = "" if line["peak"] is None else f'{line["peak"]:.1f}'
        trs.append(f'<tr><td>{name}</td><td>{e(line["born"].strip(" ()"))}</td>'
                   f'<td>{line["findings"]}</td><td>{line["significant"]} of '
                   f'{len(line["entries"])}</td><td>{harm}</td><td>{peak}</td></tr>')
    return ('<section id="children"><h2>The children at a glance</h2>'
            f'<p class="counts">{e(children_note(len(lines)))}</p>'
            '<table class="evtable"><thead><tr><th>Child</th><th>Born</th><th>Findings</th>'
            '<th>Significant entries</th><th>Harm index at the end</th><th>Highest</th>'
            f'</tr></thead><tbody>{"".join(trs)}</tbody></table></section>')


def children_note(n_children: int) -> str:
    """Why a case of many children gives only some of them a page of their own."""
    return (f"This case has {n_children:,} index children: each is listed below; the "
            f"{MAX_CHILD_PAGES} with the highest cumulative harm index at the end of the "
            "period (then the highest ever, then the most findings) have a page of their "
            "own after the table. For any child's own report, give that child "
            "(chronos report --child).")


def _child_page(glance: dict) -> str:
    return (f'<section class="child-page" id="glance-{e(glance["person_id"])}">'
            f'<h2>{e(glance["name"])}{e(glance["born"])} at a glance</h2>'
            f'<p class="counts">{e(glance["counts"])}</p>'
            f'<div class="glance"><div><h3>Neglect by type and year (Horwath)</h3>'
            f'{_heat_map(glance["heat"])}</div><div><h3>Cumulative harm over time</h3>'
            f'{_harm_chart(glance["harm"])}</div></div>'
            f'<h3>Key concerns</h3>{_key_concerns(glance["keys"])}</section>')


def _entries_since_conceived(entries: list[tuple[str, str, bool]], dob: str | None):
    """The dated entries from 40 weeks before the child's birth on (or all dated ones
    without a birth date): an entry about the household from before the child existed
    indicates no neglect of the child."""
    from chronos.report.chronology import conceived

    start = conceived(dob) if dob else None
    return [(date, cats) for date, cats, _ in entries
            if date and (start is None or date >= start)]


def _heat(entries) -> tuple[list[str], dict[tuple[str, str], int]]:
    """``(years, {(category, year): entries})`` of ``(date, categories)`` pairs that
    indicate a Horwath category; ``([], {})`` when none does."""
    counts: dict[tuple[str, str], int] = {}
    for date, cats in entries:
        if not date or not cats:
            continue
        for cat in cats.split(";"):
            counts[(cat, date[:4])] = counts.get((cat, date[:4]), 0) + 1
    if not counts:
        return [], {}
    first, last = min(y for _, y in counts), max(y for _, y in counts)
    years = [str(y) for y in range(int(first), int(last) + 1)]
    return years, counts


def _heat_map(heat) -> str:
    """Entries that indicate each Horwath category, per year, as a shaded table."""
    from chronos.report.chronology import CATEGORY_ORDER

    years, counts = heat
    if not counts:
        return '<p class="counts">No entry of this child indicates a neglect category.</p>'
    top = max(counts.values())
    head = "".join(f"<th>{y}</th>" for y in years)
    body = []
    for cat in CATEGORY_ORDER:
        cells = []
        for year in years:
            n = counts.get((cat, year), 0)
            shade = f"rgba(179,38,30,{0.12 + 0.78 * n / top:.2f})" if n else "#f7f7f7"
            ink = "#fff" if n and n / top > 0.55 else "#1b1b1b"
            cells.append(f'<td style="background:{shade};color:{ink}" title="{e(cat)} {year}: '
                         f'{n} entr{"y" if n == 1 else "ies"}">{n or ""}</td>')
        body.append(f'<tr><th class="cat">{e(cat.capitalize())}</th>{"".join(cells)}</tr>')
    return (f'<table class="heat"><thead><tr><th></th>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table><p class="counts">Number of entries that '
            "indicate each type (darker: more).</p>")


def _own_explanations(result: Any, person_id: str) -> list[tuple[str, set, str]]:
    """The child's own findings as the rules gave them: (rule id, evidence ids, text)."""
    found = getattr(result, "child_findings", None)
    if found is None or not len(found):
        return []
    mine = found[found["person_id"] == person_id]
    return [(str(r), set(str(ids).split(";")), str(text)) for r, ids, text in
            zip(mine["rule_id"], mine["event_ids"], mine["explanation"])]


def key_concern_rows(chron: Chronology, person_id: str,
                     own: list[tuple[str, set, str]] | None = None,
                     live: list[dict] | None = None) -> list[dict]:
    """The child's key concerns (at most five, ranked): the chronology's finding rows
    (Ref, Finding, Severity, Window, Evidence rows ...), each explained as the child's own
    finding says where there is one; the child's findings when none is marked key.
    ``live``: :func:`live_findings` of ``chron`` when already made (for many children)."""
    rows = live_findings(chron) if live is None else live
    if not rows:
        return []
    keys = [f for f in rows if person_id in str(f.get("_key_concern") or "").split(";")]
    if not keys:
        keys = [f for f in rows if person_id in str(f.get("_children") or "").split(";")][:5]
    out = []
    for f in keys:
        events = set(str(f["_event_ids"]).split(";"))
        why = next((text for rule, ids, text in own or [] if ids <= events and
                    rule == str(f.get("_rule_id") or rule)), f["Explanation"])
        out.append({**f, "Explanation": why if why.rstrip().endswith(".") else why.rstrip() + "."})
    return out


def live_findings(chron: Chronology) -> list[dict]:
    """The chronology's finding rows not dismissed on review, as dicts, in rank order."""
    found = getattr(chron, "findings", None)
    if found is None or not len(found):
        return []
    return [f for f in found.to_dict("records") if not f.get("_dismissed")]


def _key_concerns(keys: list[dict]) -> str:
    """The key concerns as a list, each linked to its finding and its evidence rows."""
    if not keys:
        return '<p class="counts">No findings about this child.</p>'
    items = []
    for f in keys:
        rows = [r for r in str(f["Evidence rows"]).split(", ") if r]
        links = ", ".join(f'<a href="#row-{e(r)}">{e(r)}</a>' for r in rows)
        items.append(f'<li><a href="#finding-{e(f["Ref"])}"><span class="flag">{e(f["Ref"])}</span> '
                     f'{e(f["Finding"])}</a> ({e(f["Severity"])}; {e(f["Window"])})'
                     f'<br><span class="why">{e(f["Explanation"])} Evidence: rows {links}.</span></li>')
    return f'<ol class="keys">{"".join(items)}</ol>'


def _harm_words(harm) -> str:
    if harm is None:
        return ""
    from chronos.report.chronology import format_date

    last = harm.iloc[-1]
    peak = harm.loc[harm["index"].astype(float).idxmax()]
    return (f"; cumulative harm index {float(last['index']):.1f} ({last['band']}) on "
            f"{format_date(last['date'])}, highest {float(peak['index']):.1f} on "
            f"{format_date(peak['date'])}")


def harm_png(harm) -> bytes | None:
    """A small chart of a child's cumulative harm index as PNG bytes (None without one)."""
    if harm is None:
        return None
    import matplotlib.dates as mdates
    import pandas as pd
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    when = pd.to_datetime(harm["date"])
    values = harm["index"].astype(float)
    fig = Figure(figsize=(5.2, 2.0))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax.step(when, values, where="post", color="#B3261E", linewidth=1.4)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=7)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.fill_between(when, values, step="post", color="#B3261E", alpha=0.15)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("harm index", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(axis="y", color="#eeeeee")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    return buffer.getvalue()


def _harm_chart(harm) -> str:
    """The child's cumulative harm index chart, embedded."""
    png = harm_png(harm)
    if png is None:
        return '<p class="counts">No harm index: no weighted event for this child.</p>'
    data = base64.b64encode(png).decode()
    return (f'<img alt="Cumulative harm index over time" src="data:image/png;base64,{data}" '
            'style="max-width:100%">')


def _figure(anchor: str, title: str, image) -> str:
    if not image:
        return ""
    data, mime = _image_data(image)
    return (f'<section id="{anchor}"><h2>{e(title)}</h2><figure>'
            f'<img alt="{e(title)}" src="data:{mime};base64,{base64.b64encode(data).decode()}">'
            f"</figure></section>")


def _image_data(image) -> tuple[bytes, str]:
    if isinstance(image, bytes):
        return image, "image/svg+xml" if image.lstrip().startswith(b"<") else "image/png"
    path = Path(image)
    mime = "image/svg+xml" if path.suffix.lower() == ".svg" else "image/png"
    return path.read_bytes(), mime


def _timeline(result: Any, child: str | None) -> bytes | None:
    from chronos.report.timeline import draw_timeline

    if not len(result.events):
        return None
    fig = draw_timeline(result, child=child)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    return buffer.getvalue()


def _genogram(result: Any, kind: str) -> bytes | None:
    """A PNG from :mod:`chronos.genogram` (``write_<kind>_png(result, path)``, or
    ``write_<kind>``); None when the module, the function or the drawing is not there."""
    try:
        import chronos.genogram as genogram
    except ImportError:
        return None
    writer = getattr(genogram, f"write_{kind}_png", None) or getattr(genogram, f"write_{kind}", None)
    if writer is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / f"{kind}.png"
        try:
            writer(result, target)
        except Exception:  # an optional section must never stop the report
            return None
        return target.read_bytes() if target.exists() else None
