"""The waterfall chart of an :class:`chronos.link.explain.Explanation` (matplotlib)."""

from __future__ import annotations


def draw_waterfall(explanation, path) -> None:
    """Bars from the prior through each field's weight to the total; vetoes in red."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = explanation.table
    labels, starts, heights, colours = [], [], [], []
    running = 0.0
    for row in table.itertuples():
        labels.append(f"{row.field}\n{row.level}" if row.level else row.field)
        starts.append(running)
        heights.append(row.match_weight)
        running += row.match_weight
        colours.append("#c0392b" if row.veto else ("#2e86c1" if row.match_weight >= 0
                                                    else "#e67e22"))
    labels.append("total")
    starts.append(0.0)
    heights.append(running)
    colours.append("#555555")
    fig, ax = plt.subplots(figsize=(max(6, len(labels) * 1.1), 4.5))
    ax.bar(range(len(labels)), heights, bottom=starts, color=colours)
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_xticks(range(len(labels)), labels, fontsize=7)
    ax.set_ylabel("match weight (log2 Bayes factor)")
    ax.set_title(f"{explanation.key_a} vs {explanation.key_b}: probability "
                 f"{explanation.match_probability:.4f}", fontsize=10)
    fig.tight_layout()
    from chronos.report.safe_files import atomic_path

    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)
