import pytest

from chronos.report.timeline import draw_timeline, write_timeline


@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG"), (".svg", b"<?xml"),
                                           (".pdf", b"%PDF")])
def test_writes_png_svg_and_pdf(example, tmp_path, suffix, magic):
    path = write_timeline(example, tmp_path / f"t{suffix}")
    assert path.read_bytes().startswith(magic)
    assert path.stat().st_mode & 0o777 == 0o600


def test_one_lane_per_agency_and_a_marker_per_dated_event(example):
    fig = draw_timeline(example)
    ax = fig.axes[0]
    lanes = [t.get_text() for t in ax.get_yticklabels()]
    assert lanes == sorted(set(example.events["agency"]))
    points = sum(len(c.get_offsets()) for c in ax.collections if hasattr(c, "get_offsets"))
    assert points == example.events["date"].notna().sum()
    texts = [t.get_text() for t in ax.texts]
    assert "Child protection plan started" in texts and "Birth: Amelia" in texts
    # the age of the youngest index child (Amelia, born 2018; Jordan 2015)
    assert any("Age of Amelia" in a.get_xlabel() for a in ax.child_axes)
    only = draw_timeline(example, child="P-jordan")
    assert any("Age of Jordan" in a.get_xlabel() for a in only.axes[0].child_axes)


def _band(fig):
    return next(a for a in fig.axes if a.get_ylabel() == "Findings")


def test_finding_windows_are_bars_in_a_band_of_their_own(example):
    fig = draw_timeline(example)
    lanes, band = fig.axes[0], _band(fig)
    assert not lanes.patches  # nothing shaded over the markers
    assert {t.get_text() for t in band.texts} == {"F1", "F2"}
    assert len(band.patches) == len(example.findings)
    colours = {round(p.get_facecolor()[0], 2) for p in band.patches}
    assert len(colours) == 2  # high and medium told apart


def test_no_label_prints_over_another():
    """The Smith family: 16 findings and close life events (a conference and the plan it
    starts on one day)."""
    from pathlib import Path

    from chronos.case import build_case

    result = build_case(Path(__file__).resolve().parents[2] / "examples" / "smith-family")
    fig = draw_timeline(result)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    band = _band(fig)
    assert len(band.texts) == len(result.findings)
    for ax in (fig.axes[0], band):
        boxes = [t.get_window_extent(renderer) for t in ax.texts]
        for a, b in ((a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]):
            assert not a.overlaps(b), (ax.get_ylabel(), a, b)
    bars = [p.get_window_extent(renderer) for p in band.patches]
    labels = [t.get_window_extent(renderer) for t in band.texts]
    for label in labels:
        assert not any(label.overlaps(bar) for bar in bars)


def test_harm_index_panel_only_when_present(example):
    assert not [a for a in draw_timeline(example).axes if "harm" in a.get_ylabel()]
    fig = draw_timeline(example, harm_index=[{"date": "2016-05-22", "index": 1},
                                             {"date": "2020-06-18", "index": 4}])
    assert any("harm" in a.get_ylabel() for a in fig.axes)


def test_harm_index_of_a_build_reaches_the_childs_timeline():
    """The findings stage sets ``harm_index``; the timeline plots the child's series."""
    from pathlib import Path

    from chronos.case import build_case
    from chronos.patterns.harm import HARM_COLUMNS

    result = build_case(Path(__file__).resolve().parents[2] / "examples" / "smith-family")
    assert list(result.harm_index.columns) == HARM_COLUMNS
    child = result.index_children[0]
    mine = result.harm_index[result.harm_index["person_id"] == child]
    assert len(mine) > 12 and mine["index"].max() > 0
    panel = [a for a in draw_timeline(result, child=child).axes if "harm" in a.get_ylabel()]
    assert len(panel) == 1
    plotted = panel[0].lines[0].get_ydata()
    assert list(plotted) == list(mine.sort_values("date")["index"].astype(float))
    family = [a for a in draw_timeline(result).axes if "harm" in a.get_ylabel()]
    assert len(family) == 1 and len(family[0].lines) == len(result.index_children)
    assert sorted(line.get_label() for line in family[0].lines) == ["Kayden", "Mia", "Tyler"]


def test_svg_is_deterministic(example, tmp_path):
    a = write_timeline(example, tmp_path / "a.svg").read_bytes()
    b = write_timeline(example, tmp_path / "b.svg").read_bytes()
    assert a == b


def test_a_large_case_shows_a_bounded_chart_and_says_what_it_left_out(example, monkeypatch):
    """Thousands of finding bars, harm lines or life-event labels cannot be read: the
    chart keeps the highest-ranked findings, the children highest at the end and no life
    events beyond their bounds, and its caption says so."""
    import chronos.report.timeline as timeline

    import pandas as pd

    harm = pd.DataFrame({"person_id": ["P-jordan", "P-jordan", "P-amelia", "P-amelia"],
                         "date": ["2023-01-31", "2023-02-28"] * 2,
                         "index": [1.0, 3.0, 2.0, 2.5]})
    whole = draw_timeline(example, harm_index=harm)
    assert len(_band(whole).patches) == 2 and "highest" not in _note(whole)
    assert len(whole.axes[-1].get_lines()) == 2
    monkeypatch.setattr(timeline, "MAX_BARS", 1)
    monkeypatch.setattr(timeline, "MAX_HARM_LINES", 1)
    monkeypatch.setattr(timeline, "MAX_LIFE_EVENTS", 1)
    fig = draw_timeline(example, harm_index=harm)
    assert {t.get_text() for t in _band(fig).texts} == {"F1"}
    note = _note(fig)
    assert "The 1 highest-ranked of 2 findings shown" in note
    assert "Harm index of the 1 of 2 children highest at the end" in note
    assert "key life events not marked" in note
    assert not [t for t in fig.axes[0].texts if t.get_text().startswith("Birth")]
    assert [line.get_label() for line in fig.axes[-1].get_lines()] == ["Jordan"]
    assert not fig.axes[0].child_axes              # no one child's age for a cohort


def _note(fig) -> str:
    """The caption's note (top right: the counts and what was left out)."""
    return next(t.get_text() for t in fig.texts if "dated events" in t.get_text())


def _no_pyplot(*_args, **_kwargs):
    raise AssertionError("drawn through pyplot")


def test_the_timeline_is_drawn_without_pyplot_state(example, tmp_path, monkeypatch):
    """A Figure of its own: nothing left open in pyplot, nothing to close, however many
    timelines a process draws."""
    import matplotlib.pyplot as plt

    for name in ("figure", "subplots", "close"):
        monkeypatch.setattr(plt, name, _no_pyplot)
    before = plt.get_fignums()
    fig = draw_timeline(example)
    write_timeline(example, tmp_path / "t.png")
    assert plt.get_fignums() == before
    fig.canvas.draw()          # on an Agg canvas of its own, as draw_timeline promises
    assert fig.canvas.get_renderer().width > 0
