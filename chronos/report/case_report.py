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
from chronos.report.html_writer import chronology_section, e, page, title_block
from chronos.report.safe_files import write_text

REPORT_CSS = """
.summary{display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));gap:.5rem;margin:.6rem 0}
.summary div{border:1px solid var(--line);padding:.4rem .6rem;background:#f7f8fb}
.summary b{display:block;font-size:1.4rem;color:var(--head)}
figure{margin:.5rem 0}figure img{max-width:100%;max-height:85vh;object-fit:contain;border:1px solid var(--line)}figcaption{color:var(--muted);font-size:13px}
.evtable{font-size:12px;margin:.3rem 0 .6rem}
.cm-cols{display:grid;grid-template-columns:repeat(3,1fr);gap:.6rem}.cm{border:1px solid var(--line);padding:.3rem .7rem}
.cm h3{margin:.3rem 0}.cm h4{margin:.5rem 0 .2rem;font-size:.9rem}.cm ul{padding-left:1.1rem;margin:.2rem 0}
.worry{border-top:6px solid #B3261E}.well{border-top:6px solid #009E73}.unknown{border-top:6px solid #0072B2}
.rows{color:var(--muted);font-size:12px}nav.toc{margin:.5rem 0;font-size:13px}nav.toc a{margin-right:1rem}
@media print{#timeline,#casemap,#chronology-section,#genogram{break-before:page}.cm-cols{grid-template-columns:1fr 1fr 1fr}}
"""


def build_case_report(result: Any, options: ChronologyOptions | None = None,
                      chronology: Chronology | None = None,
                      images: dict[str, bytes | str | Path] | None = None) -> str:
    """The case report as HTML text. ``images`` may give ready-made 'genogram' /
    'ecomap' / 'timeline' images (bytes or a file path); otherwise they are drawn."""
    from chronos.report.case_map import build_case_map, case_map_html

    chron = chronology or build_chronology(result, options)
    images = dict(images or {})
    child = options.child if options else None
    parts = [title_block(chron, "Case report"), _toc(), _summary(result, chron), _findings(chron),
             _figure("genogram", "Genogram", images.get("genogram") or _genogram(result, "genogram")),
             _figure("ecomap", "Ecomap", images.get("ecomap") or _genogram(result, "ecomap")),
             _figure("timeline", "Timeline", images.get("timeline") or _timeline(result, child)),
             case_map_html(build_case_map(result, chron)), chronology_section(chron, findings=False)]
    body = "".join(p for p in parts if p)
    html = page(f"Case report: {chron.case}", body)
    return html.replace("</style>", REPORT_CSS + "</style>", 1)


def write_case_report(result: Any, path: str | Path, options: ChronologyOptions | None = None,
                      chronology: Chronology | None = None, images: dict | None = None) -> Path:
    """Write :func:`build_case_report` to ``path``."""
    return write_text(Path(path), build_case_report(result, options, chronology, images))


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
    rows = chron.rows
    sev = chron.findings["Severity"].str.lower().value_counts() if len(chron.findings) else {}
    stats = [(len(rows), "chronology entries"), (len(chron.agencies), "agencies"),
             (len(chron.findings), "findings"), (int(sev.get("high", 0)), "high-severity findings"),
             (int((rows["kind"] == "concern").sum()), "concern events"),
             (int((rows["kind"] == "positive").sum()), "positive events"),
             (int((rows["date"] == "").sum()), "undated records")]
    cards = "".join(f"<div><b>{n}</b>{e(label)}</div>" for n, label in stats)
    return f'<section id="summary"><h2>Summary</h2><div class="summary">{cards}</div></section>'


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
            f'<h3><span class="flag">{e(f["Ref"])}</span> {e(f["Finding"])}</h3>'
            f'<p class="fmeta">{e(f["Child"]) + " · " if f["Child"] else ""}{e(f["Severity"])} · '
            f'{e(f["Category"])} · {e(f["Window"])} · {e(f["Agencies"])}</p>'
            f'<p>{e(f["Explanation"])}</p>'
            f'<table class="evtable"><thead><tr><th>No.</th><th>Date</th><th>Agency / source</th>'
            f"<th>Event</th><th>Reference</th></tr></thead><tbody>{trs}</tbody></table>")
    return f'<section id="findings"><h2>Findings with their evidence</h2>{"".join(blocks)}</section>'


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
    import matplotlib.pyplot as plt

    from chronos.report.timeline import draw_timeline

    if not len(result.events):
        return None
    fig = draw_timeline(result, child=child)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)
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
