"""What a laid-out genogram is: positions, families and lines (no drawing, no layout)."""

from __future__ import annotations

from dataclasses import dataclass, field

SYMBOL = 1.0          # symbol width and height


@dataclass
class Family:
    """A parent set and the children who hang from it."""

    id: int
    parents: tuple[str, ...]
    children: list[str] = field(default_factory=list)
    line: dict[str, str] = field(default_factory=dict)      # child -> line style
    primary: set[str] = field(default_factory=set)
    twins: list[list[str]] = field(default_factory=list)
    anchor: tuple[float, float] = (0.0, 0.0)


@dataclass
class Line:
    """A polyline of the chart: ``kind`` partner | descent | sibship | child | twin |
    emotional (how two people get on; ``style`` close, conflict, cut-off, violence...)."""

    points: list[tuple[float, float]]
    kind: str
    style: str
    owner: str


@dataclass
class Text:
    """Words placed on the chart beside a line (partner-line dates, incident counts):
    ``lines`` top down, centred on ``x`` with the top at ``top``; ``box`` is the space
    they take ``(x0, y0, x1, y1)``."""

    x: float
    top: float
    lines: list[str]
    kind: str
    box: tuple[float, float, float, float]
    span: tuple[float, float] = (0.0, 0.0)     # where along its line the text may go


@dataclass
class Layout:
    """Positions of every person, the lines between them, and what could not be done."""

    pos: dict[str, tuple[float, float]]
    generation: dict[str, int]
    rows: dict[int, list[str]]
    families: list[Family]
    lines: list[Line]
    partnerships: list[dict]
    warnings: list[str]
    label_height: dict[str, float]
    label_boxes: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    texts: list[Text] = field(default_factory=list)
    clones: dict[str, str] = field(default_factory=dict)      # drawn twice: copy -> person

    def person(self, pid: str) -> str:
        """The person a symbol stands for (a copy drawn twice stands for its original)."""
        return self.clones.get(pid, pid)

    @property
    def clean(self) -> bool:
        """True when the family was laid out without compromises."""
        return not self.warnings

    def bounds(self) -> tuple[float, float, float, float]:
        """``(xmin, xmax, ymin, ymax)`` of symbols, labels and lines."""
        xs = [x for x, _ in self.pos.values()] + [x for ln in self.lines for x, _ in ln.points]
        ys = [y for y, in ((y,) for _, y in self.pos.values())]
        ys += [y - 0.6 - self.label_height.get(p, 0) for p, (_, y) in self.pos.items()]
        ys += [y for ln in self.lines for _, y in ln.points]
        boxes = list(self.label_boxes.values()) + [t.box for t in self.texts]
        xs += [b[0] for b in boxes] + [b[2] for b in boxes]
        ys += [b[1] for b in boxes] + [b[3] for b in boxes]
        if not xs:
            return (0.0, 1.0, 0.0, 1.0)
        return (min(xs) - SYMBOL, max(xs) + SYMBOL, min(ys) - 0.2, max(ys) + SYMBOL)

    def overlapping_symbols(self) -> int:
        """Pairs of symbols closer than one symbol width on the same row."""
        count = 0
        for members in self.rows.values():
            xs = sorted(self.pos[p][0] for p in members)
            count += sum(1 for a, b in zip(xs, xs[1:]) if b - a < SYMBOL - 1e-9)
        return count

    def crossings(self) -> int:
        """Line crossings between different families and partnerships."""
        from chronos.genogram.metrics import count_crossings

        return count_crossings(self.lines)

    def lines_through_symbols(self) -> int:
        """Line segments that pass through a symbol they do not belong to."""
        from chronos.genogram.metrics import count_lines_through_symbols

        return count_lines_through_symbols(self.lines, self.pos)

    def lines_through_labels(self) -> int:
        """Line segments that pass through a label or a piece of text."""
        from chronos.genogram.metrics import count_lines_through_labels

        return count_lines_through_labels(self.lines, self.text_boxes())

    def label_overlaps(self) -> int:
        """Labels and texts that overlap one another or another person's symbol."""
        from chronos.genogram.metrics import count_label_overlaps

        return count_label_overlaps(self.text_boxes(), self.pos)

    def text_boxes(self) -> dict:
        """Every label (keyed by person) and text (keyed ``text:<n>``) box."""
        boxes = dict(self.label_boxes)
        boxes.update({f"text:{k}": t.box for k, t in enumerate(self.texts)})
        return boxes
