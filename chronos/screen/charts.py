"""Scorecard charts (matplotlib, Agg backend): PNGs for a partnership report."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def draw(tables: dict, out: Path, *, as_of: str, start: str) -> list[Path]:
    """Write the scorecard charts into ``out``; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    plt = _pyplot()
    files = [_indicators(plt, tables["indicators"], out / "indicators.png", as_of, start),
             _months(plt, tables["by_month"], tables["indicators"], out / "by_month.png"),
             _age_bands(plt, tables["by_category"], out / "category_by_age_band.png"),
             _multi(plt, tables["multi_category"], out / "multi_category.png")]
    return files


def _save(plt, fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)
    return path


def _indicators(plt, ind: pd.DataFrame, path: Path, as_of: str, start: str) -> Path:
    ind = ind.sort_values("children")
    fig, ax = plt.subplots(figsize=(9, max(3, 0.28 * len(ind) + 1)))
    ax.barh(ind["title"], ind["children"], color="#4c72b0")
    ax.set_xlabel("children")
    ax.set_title(f"Children meeting each indicator, {start} to {as_of}")
    return _save(plt, fig, path)


def _months(plt, by_month: pd.DataFrame, ind: pd.DataFrame, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(9, 4))
    if len(by_month):
        category = by_month["rule_id"].map(ind.set_index("rule_id")["category"])
        wide = by_month.assign(category=category).pivot_table(
            index="month", columns="category", values="children", aggfunc="sum").fillna(0)
        wide.plot(ax=ax, marker="o")
    ax.set_ylabel("children (findings ending that month)")
    ax.set_title("Findings by month and category")
    return _save(plt, fig, path)


def _age_bands(plt, by_category: pd.DataFrame, path: Path) -> Path:
    from chronos.ages import age_bands

    fig, ax = plt.subplots(figsize=(8, 4))
    rows = by_category[by_category["age_band"] != "all"]
    if len(rows):
        wide = rows.pivot_table(index="age_band", columns="category", values="children",
                                aggfunc="sum").fillna(0)
        wide = wide.reindex([a for a in age_bands().names if a in wide.index])
        wide.plot(kind="bar", ax=ax)
    ax.set_ylabel("children")
    ax.set_title("Children by category and age band")
    return _save(plt, fig, path)


def _multi(plt, multi: pd.DataFrame, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.bar(multi["n_categories"].astype(str), multi["children"], color="#dd8452")
    ax.set_xlabel("neglect categories at once")
    ax.set_ylabel("children")
    ax.set_title("Children with several categories of concern")
    return _save(plt, fig, path)
