"""Timeline chart: one lane per agency, markers by Horwath category, the findings' windows
as bars in a band of their own beneath (coloured by severity, packed into as few rows as
keep their labels apart), the age of the youngest index child (or of the chosen child)
along the top, key life events marked (close ones labelled together, so no label prints
over another), and the cumulative harm index beneath when the case has one. PNG, SVG or
PDF (from the file suffix)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from chronos.report.chronology import records
from chronos.report.safe_files import atomic_path

CATEGORY_STYLE = {  # marker, colour (Okabe-Ito)
    "medical": ("o", "#D55E00"), "nutritional": ("s", "#E69F00"),
    "emotional": ("^", "#CC79A7"), "educational": ("D", "#0072B2"),
    "physical": ("P", "#8C564B"), "supervision": ("X", "#000000"),
}
POSITIVE = ("*", "#009E73")
OTHER = ("o", "#9E9E9E")
KEY_EVENTS = {"birth", "death", "housing_move", "homelessness", "cp_plan_start", "cp_plan_end",
              "cin_plan_start", "cin_plan_end", "looked_after_start", "looked_after_end",
              "initial_conference", "placement_change"}


def draw_timeline(result: Any, child: str | None = None, harm_index: Any = None):
    """The timeline as a matplotlib Figure (drawn by the Agg canvas when saved; no pyplot
    state, nothing is shown)."""
    from chronos.report.chronology import chronology_rows

    rows = chronology_rows(result, child=child)
    dated = rows[rows["date"] != ""].copy()
    dated["when"] = pd.to_datetime(dated["date"], errors="coerce")
    dated = dated[dated["when"].notna()]
    harm, harm_note = _bounded_harm(_harm(result, harm_index, child))
    lanes = sorted(set(dated["agency"].replace("", "Unknown agency")))
    bars, bars_note = _finding_bars(result, child, dated)
    fig, axes = _figure(len(lanes), harm is not None, _rows(bars))
    ax = axes[0]
    _lanes(ax, dated, lanes)
    life_note = _life_events(ax, dated, _first_names(result))
    _ages(ax, result, child, dated)
    if bars:
        _findings_band(axes[1], bars)
    _legend(fig, bool(bars))
    if harm is not None:
        _harm_panel(axes[-1], harm, _first_names(result))
    undated = len(rows) - len(dated)
    _caption(fig, result, len(dated), undated, [bars_note, harm_note, life_note])
    return fig


#: the most of each a chart shows and keeps readable: finding bars (the highest-ranked),
#: children in the harm panel (those with the highest index at the end), key life events
#: marked (beyond that, none: thousands of lines say nothing; a child's timeline has them)
MAX_BARS = 24
MAX_HARM_LINES = 5
MAX_LIFE_EVENTS = 40


def _bounded_harm(harm):
    """At most :data:`MAX_HARM_LINES` children's harm index, those highest at the end."""
    if harm is None:
        return None, ""
    children = harm["person_id"].drop_duplicates()
    if len(children) <= MAX_HARM_LINES:
        return harm, ""
    last = harm.groupby("person_id", sort=False)["index"].last().astype(float)
    top = set(last.sort_values(ascending=False, kind="stable").index[:MAX_HARM_LINES])
    return (harm[harm["person_id"].isin(top)],
            f"harm index of the {MAX_HARM_LINES} of {len(children):,} children highest at the end")


def write_timeline(result: Any, path: str | Path, child: str | None = None,
                   harm_index: Any = None) -> Path:
    """Draw the timeline and save it to ``path`` (.png, .svg or .pdf) atomically."""
    import matplotlib

    path = Path(path)
    fmt = path.suffix.lower().lstrip(".") or "png"
    fig = draw_timeline(result, child=child, harm_index=harm_index)
    with atomic_path(path) as tmp, matplotlib.rc_context({"svg.hashsalt": "chronos"}):
        fig.savefig(tmp, format=fmt, dpi=150, metadata=_metadata(fmt))
    return path


def _metadata(fmt: str) -> dict:
    # no creation dates: the same case gives the same file
    return {"png": {"Software": None}, "svg": {"Date": None},
            "pdf": {"CreationDate": None}}.get(fmt, {})


def _figure(n_lanes: int, with_harm: bool, band_rows: int = 0):
    """The lanes, then (when there are findings) their band, then the harm panel: a
    matplotlib Figure of its own on an Agg canvas (no pyplot state: nothing to close,
    nothing shown)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    ratios = [max(n_lanes, 1) * 0.55]
    if band_rows:
        ratios.append(0.3 + 0.24 * band_rows)
    if with_harm:
        ratios.append(1.4)
    height = 2.0 + sum(ratios) + (0.4 if band_rows else 0)
    fig = Figure(figsize=(14, height))
    FigureCanvasAgg(fig)
    if len(ratios) == 1:
        return fig, [fig.subplots()]
    axes = fig.subplots(len(ratios), 1, sharex=True, gridspec_kw={"height_ratios": ratios})
    return fig, list(axes)


def _style(rec) -> tuple[str, str]:
    cats = [c for c in str(rec["categories"] or "").split(";") if c]
    if cats and cats[0] in CATEGORY_STYLE:
        return CATEGORY_STYLE[cats[0]]
    routine = "Routine" in str(rec.get("Significance") or "")
    return POSITIVE if rec["kind"] == "positive" and not routine else OTHER


def _lanes(ax, dated: pd.DataFrame, lanes: list[str]) -> None:
    y = {lane: i for i, lane in enumerate(lanes)}
    groups: dict[tuple, list] = {}
    for rec in records(dated):
        marker, colour = _style(rec)
        exact = rec["date_precision"] == "day" and not rec["date_uncertain"]
        groups.setdefault((marker, colour, exact), []).append(
            (rec["when"], y[rec["agency"] or "Unknown agency"]))
    for (marker, colour, exact), points in sorted(groups.items()):
        xs, ys = zip(*points)
        size = 30 if colour != OTHER[1] else 14
        ax.scatter(xs, ys, marker=marker, s=size, zorder=3, linewidths=1.1,
                   c=colour if exact else "none", edgecolors=colour)
    ax.set_yticks(range(len(lanes)), lanes)
    ax.set_ylim(-0.7, len(lanes) - 0.3)
    ax.invert_yaxis()
    ax.grid(axis="x", color="#e5e5e5", zorder=0)
    for i in range(len(lanes)):
        ax.axhline(i, color="#f0f0f0", zorder=1, linewidth=6)


SEVERITY_COLOURS = {"high": "#B3261E", "medium": "#E08A00", "low": "#3B7DD8"}
#: the share of the chart's width one character of an 8 pt label takes (14 in figure)
CHAR_WIDTH = 0.0058


def _finding_bars(result: Any, child: str | None, dated: pd.DataFrame) -> tuple[list[dict], str]:
    """The findings' windows (the child's, when one is chosen) as bars: ref, start, end,
    colour, and the row of the band each goes in (:func:`_pack`); at most
    :data:`MAX_BARS`, the highest-ranked, with a note saying so when there are more."""
    from chronos.report.document import sorted_findings

    findings = getattr(result, "findings", None)
    if findings is None or not len(findings) or dated.empty:
        return [], ""
    ranked = sorted_findings(findings)
    starts = pd.to_datetime(ranked["window_start"], errors="coerce", format="mixed")
    ends = pd.to_datetime(ranked["window_end"], errors="coerce", format="mixed")
    bars = []
    for f, start, end in zip(ranked.to_dict("records"), starts, ends):
        if child and child not in str(f.get("person_id") or "").split(";"):
            continue
        if pd.isna(start):
            continue
        end = start + pd.Timedelta(days=7) if pd.isna(end) or end <= start else end
        bars.append({"ref": f["_ref"], "start": start, "end": end,
                     "colour": SEVERITY_COLOURS.get(str(f["severity"]).lower(), "#666666")})
    note = f"the {MAX_BARS} highest-ranked of {len(bars):,} findings shown" \
        if len(bars) > MAX_BARS else ""
    bars = bars[:MAX_BARS]      # in the findings' ranking (sorted_findings)
    lo = min([dated["when"].min()] + [b["start"] for b in bars])
    hi = max([dated["when"].max()] + [b["end"] for b in bars])
    return _pack(bars, max((hi - lo).days, 1)), note


def _pack(bars: list[dict], span_days: int) -> list[dict]:
    """Each bar in the first row where it and its label (printed just before its start)
    clear everything already there, so no bar or label overprints another."""
    ends: list[pd.Timestamp] = []
    for bar in sorted(bars, key=lambda b: (b["start"], b["end"])):
        label = pd.Timedelta(days=span_days * CHAR_WIDTH * (len(bar["ref"]) + 1.5))
        begins = bar["start"] - label
        row = next((i for i, end in enumerate(ends) if end < begins), len(ends))
        if row == len(ends):
            ends.append(bar["end"])
        ends[row] = bar["end"]
        bar["row"] = row
    return bars


def _rows(bars: list[dict]) -> int:
    return max((b["row"] for b in bars), default=-1) + 1


def _findings_band(ax, bars: list[dict]) -> None:
    """The findings' windows as bars, one row per packed row, each labelled before it."""
    for bar in bars:
        ax.barh(bar["row"], bar["end"] - bar["start"], left=bar["start"], height=0.6,
                color=bar["colour"], alpha=0.85, zorder=2)
        ax.annotate(bar["ref"], (bar["start"], bar["row"]), xytext=(-2, 0),
                    textcoords="offset points", ha="right", va="center", fontsize=8,
                    color=bar["colour"])
    rows = _rows(bars)
    ax.set_ylim(rows - 0.4, -0.6)
    ax.set_yticks([])
    ax.set_ylabel("Findings", fontsize=8, rotation=0, ha="right", va="center")
    ax.grid(axis="x", color="#e5e5e5", zorder=0)


def _first_names(result: Any) -> dict[str, str]:
    from chronos.report.people import index_children

    return {k["person_id"]: k["first_name"] for k in index_children(result)}


def _life_events(ax, dated: pd.DataFrame, kids: dict[str, str]) -> str:
    """A dotted line at each key life event; events too close to label apart share one
    label ('Birth: Amelia / Child protection plan started'). More than
    :data:`MAX_LIFE_EVENTS`: none, and the caption's note (returned) says so."""
    key = dated[dated["event_type"].isin(KEY_EVENTS)].drop_duplicates(["date", "event_type"])
    if key.empty:
        return ""
    if len(key) > MAX_LIFE_EVENTS:
        return (f"{len(key):,} key life events not marked (too many to read: "
                "draw one child's timeline)")
    span = max((dated["when"].max() - dated["when"].min()).days, 1)
    near = pd.Timedelta(days=span * CHAR_WIDTH * 2.2)  # a rotated 7 pt line's width, and air
    groups: list[list[dict]] = []
    for rec in records(key.sort_values("when", kind="stable")):
        ax.axvline(rec["when"], color="#555555", linestyle=":", linewidth=0.9, zorder=2)
        if groups and rec["when"] - groups[-1][0]["when"] < near:
            groups[-1].append(rec)
        else:
            groups.append([rec])
    for group in groups:
        labels = list(dict.fromkeys(_life_label(rec, kids) for rec in group))
        ax.annotate(" / ".join(labels), (group[0]["when"], 1), xycoords=("data", "axes fraction"),
                    xytext=(2, -2), textcoords="offset points", rotation=90, va="top",
                    fontsize=7, color="#333333")
    return ""


def _life_label(rec: dict, kids: dict[str, str]) -> str:
    who = [kids[p] for p in str(rec["person_ids"] or "").split(";") if p in kids]
    if rec["event_type"] in ("birth", "death") and len(who) == 1:
        return f"{rec['label']}: {who[0]}"
    return rec["label"]


def _ages(ax, result: Any, child: str | None, dated: pd.DataFrame) -> None:
    from chronos.report.people import index_children

    kids = [k for k in index_children(result) if (not child or k["person_id"] == child)
            and k["dob"]]
    if not kids or dated.empty or len(kids) > MAX_HARM_LINES:  # a cohort: no one's age
        return
    youngest = max(kids, key=lambda k: k["dob"])  # the one whose age matters most
    kids = [youngest]
    born = pd.Timestamp(kids[0]["dob"][:10])
    lo, hi = dated["when"].min(), dated["when"].max()
    years = range(max(0, lo.year - born.year), hi.year - born.year + 2)
    ticks = [born + pd.DateOffset(years=n) for n in years]
    top = ax.secondary_xaxis("top")
    top.set_xticks(ticks, [f"{n}" for n in years])
    top.set_xlabel(f"Age of {kids[0]['first_name']} (years)", fontsize=8)
    top.tick_params(labelsize=8)


def _legend(fig, findings: bool = True) -> None:
    """The key, beneath everything (kept clear of the panels by :func:`_caption`)."""
    from matplotlib.lines import Line2D

    items = [Line2D([], [], marker=m, color="none", markerfacecolor=c, markeredgecolor=c,
                    label=name.capitalize(), markersize=7)
             for name, (m, c) in CATEGORY_STYLE.items()]
    items += [Line2D([], [], marker=POSITIVE[0], color="none", markerfacecolor=POSITIVE[1],
                     markeredgecolor=POSITIVE[1], label="Positive", markersize=9),
              Line2D([], [], marker="o", color="none", markerfacecolor="none",
                     markeredgecolor="#555555", label="Date uncertain / partial", markersize=7),
              ]
    if findings:
        items += [Line2D([], [], color=c, linewidth=6, label=f"Finding window ({s})")
                  for s, c in SEVERITY_COLOURS.items()]
    fig.legend(handles=items, loc="lower center", ncol=6, fontsize=8, frameon=False)


def _harm(result: Any, harm_index: Any, child: str | None):
    """The cumulative harm index to plot (``person_id``, ``date``, ``index``): the
    argument, else the case's ``harm_index`` (:data:`chronos.patterns.harm.HARM_COLUMNS`,
    set by the findings stage): the child's rows, or for the whole family the index
    children's; None when there is none."""
    if harm_index is None:
        harm_index = getattr(result, "harm_index", None)
    if harm_index is None or not len(harm_index):
        return None
    frame = pd.DataFrame(harm_index).copy()
    if "person_id" not in frame:
        frame["person_id"] = child or ""
    elif child is not None:
        frame = frame[frame["person_id"] == child]
    else:
        kids = set(_first_names(result))
        frame = frame[frame["person_id"].isin(kids)] if kids else frame
    frame["when"] = pd.to_datetime(frame["date"], errors="coerce")
    frame = frame.dropna(subset=["when"]).sort_values(["person_id", "when"])
    return frame if len(frame) else None


#: one line style per child in the harm panel (colour-blind safe, told apart in grey too)
HARM_STYLES = [("#B3261E", "-"), ("#0072B2", "--"), ("#009E73", ":"), ("#E69F00", "-."),
               ("#CC79A7", "-")]


def _harm_panel(ax, harm: pd.DataFrame, names: dict[str, str]) -> None:
    """The cumulative harm index over time, one line per child (named in the legend)."""
    people = list(dict.fromkeys(harm["person_id"]))
    for i, pid in enumerate(people):
        part = harm[harm["person_id"] == pid]
        colour, style = HARM_STYLES[i % len(HARM_STYLES)]
        ax.step(part["when"], part["index"].astype(float), where="post", color=colour,
                linestyle=style, linewidth=1.4,
                label=pid if names.get(pid, "Unnamed") == "Unnamed" else names[pid])
        if len(people) == 1:
            ax.fill_between(part["when"], part["index"].astype(float), step="post",
                            color=colour, alpha=0.15)
    ax.set_ylabel("Cumulative\nharm index", fontsize=8)
    ax.set_ylim(bottom=0)
    ax.grid(axis="x", color="#e5e5e5")
    if len(people) > 1:
        ax.legend(loc="upper left", fontsize=7, frameon=False, ncol=len(people))


def _caption(fig, result: Any, n_dated: int, n_undated: int, notes: list[str] = ()) -> None:
    name = str(getattr(result, "name", "") or "Case")
    note = f"{n_dated} dated events" + (f"; {n_undated} undated not shown" if n_undated else "")
    note += "".join(f"\n{n[0].upper()}{n[1:]}" for n in notes if n)
    fig.suptitle(f"Timeline: {name}", x=0.01, ha="left", fontsize=11, fontweight="bold")
    fig.text(0.99, 0.985, note, ha="right", va="top", fontsize=8, color="#555555")
    lines = note.count("\n")    # the notes' lines above the panels, the key beneath
    fig.tight_layout(rect=(0, 0.55 / fig.get_figheight(), 1,
                           1 - 0.16 * lines / fig.get_figheight()))
