"""Charts as inline SVG, drawn on the server: no scripts (the pages' Content-Security-Policy
allows none), printable, and accessible: each has a title and a description read by screen
readers, and the page puts its numbers in a table beside it."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 44
_ids = itertools.count(1)


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    values: Sequence[float | None]


def _frame(title: str, description: str, body: str, legend: Sequence[Series] = ()) -> Markup:
    n = next(_ids)
    keys = "".join(
        f'<g transform="translate({LEFT + i * 120},{HEIGHT - 12})"><rect width="10" height="10" y="-9" '
        f'fill="{s.colour}"/><text x="14" font-size="11">{escape(s.name)}</text></g>'
        for i, s in enumerate(legend)
    )
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-{n}-title chart-{n}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="chart-{n}-title">{escape(title)}</title>'
        f'<desc id="chart-{n}-desc">{escape(description)}</desc>'
        f"{body}{keys}</svg>"
    )


def _axis(top: float, labels: Sequence[str], format_value: Callable[[float], str]) -> str:
    """The value axis (four gridlines) and the category labels under the plot."""
    plot_h = HEIGHT - TOP - BOTTOM
    parts = []
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="#444">'
            f"{escape(format_value(value))}</text>"
        )
    step = max(1, len(labels) // 12)
    width = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    for i, label in enumerate(labels):
        if i % step == 0:
            x = LEFT + width * (i + 0.5)
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - 28}" font-size="11" text-anchor="middle" fill="#444">'
                f"{escape(label)}</text>"
            )
    return "".join(parts)


def _top(values: Sequence[float]) -> float:
    """The axis's top: a round number at or above the highest value, so that its four steps are
    round too (1, 2, 2.5 or 5 times a power of ten)."""
    highest = max(values, default=0.0)
    if highest <= 0:
        return 4.0
    step = highest / 4
    magnitude = 10.0 ** math.floor(math.log10(step))
    for nice in (1.0, 2.0, 2.5, 5.0, 10.0):
        if nice * magnitude >= step:
            return 4.0 * nice * magnitude
    return 40.0 * magnitude


def _count_top(values: Sequence[float]) -> float:
    """For counts: whole-number steps."""
    return max(4.0, math.ceil(_top(values) / 4) * 4)


def stacked_bars(
    title: str, description: str, labels: Sequence[str], series: Sequence[Series], *, grouped: bool = False
) -> Markup:
    """Bars per label, the series stacked (or side by side, `grouped`)."""
    if grouped:
        top = _count_top([v or 0 for s in series for v in s.values])
    else:
        top = _count_top([sum(s.values[i] or 0 for s in series) for i in range(len(labels))])
    plot_h = HEIGHT - TOP - BOTTOM
    width = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    bars = []
    for i, label in enumerate(labels):
        base = 0.0
        for k, s in enumerate(series):
            value = s.values[i] or 0
            if not value:
                continue
            h = plot_h * value / top
            if grouped:
                bar_w = width * 0.8 / len(series)
                x, y = LEFT + width * i + width * 0.1 + bar_w * k, TOP + plot_h - h
            else:
                bar_w = width * 0.7
                x, y = LEFT + width * i + width * 0.15, TOP + plot_h - h - plot_h * base / top
                base += value
            bars.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{s.colour}">'
                f"<title>{escape(label)}: {escape(s.name)} {value:g}</title></rect>"
            )
    return _frame(title, description, _axis(top, labels, lambda v: f"{v:g}") + "".join(bars), series)


def lines(
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    format_value: Callable[[float], str],
) -> Markup:
    """A line per series; a missing value breaks the line (and its point is not drawn)."""
    top = _top([v for s in series for v in s.values if v is not None])
    plot_h = HEIGHT - TOP - BOTTOM
    width = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    drawn = []
    for s in series:
        runs: list[list[str]] = [[]]
        for i, value in enumerate(s.values):
            if value is None:
                runs.append([])
                continue
            x, y = LEFT + width * (i + 0.5), TOP + plot_h - plot_h * value / top
            runs[-1].append(f"{x:.1f},{y:.1f}")
            drawn.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{s.colour}"><title>{escape(labels[i])}: '
                f"{escape(s.name)} {escape(format_value(value))}</title></circle>"
            )
        drawn += [
            f'<polyline points="{" ".join(run)}" fill="none" stroke="{s.colour}" stroke-width="2"/>'
            for run in runs
            if len(run) > 1
        ]
    return _frame(title, description, _axis(top, labels, format_value) + "".join(drawn), series)


def heatmap(title: str, description: str, counts: dict[tuple[int, int], int]) -> Markup:
    """Days (rows, Monday first) by hours (columns), darker for more."""
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    most = max(counts.values(), default=0) or 1
    cell_w, cell_h = (WIDTH - LEFT - RIGHT) / 24, (HEIGHT - TOP - BOTTOM) / 7
    cells = []
    for d, day in enumerate(days):
        y = TOP + cell_h * d
        cells.append(
            f'<text x="{LEFT - 6}" y="{y + cell_h * 0.65:.1f}" font-size="11" text-anchor="end">{day}</text>'
        )
        for h in range(24):
            count = counts.get((d, h), 0)
            shade = 0.08 + 0.92 * count / most if count else 0.0
            cells.append(
                f'<rect x="{LEFT + cell_w * h:.1f}" y="{y:.1f}" width="{cell_w - 1:.1f}" '
                f'height="{cell_h - 1:.1f}" fill="#7b2cbf" fill-opacity="{shade:.2f}" stroke="#eee">'
                f"<title>{day} {h:02d}:00: {count}</title></rect>"
            )
    for h in range(0, 24, 3):
        x = LEFT + cell_w * (h + 0.5)
        cells.append(
            f'<text x="{x:.1f}" y="{HEIGHT - 28}" font-size="11" text-anchor="middle">{h:02d}</text>'
        )
    return _frame(title, description, "".join(cells))


def hbars(
    title: str,
    description: str,
    items: Sequence[tuple[str, float]],
    format_value: Callable[[float], str],
    colour: str = "#3f6fb5",
) -> Markup:
    """One horizontal bar per item, largest first as given."""
    top = _top([v for _, v in items])
    row = (HEIGHT - TOP - BOTTOM) / max(1, len(items))
    label_w = 150
    width = WIDTH - LEFT - RIGHT - label_w
    bars = []
    for i, (label, value) in enumerate(items):
        y = TOP + row * i
        w = width * value / top
        bars.append(
            f'<text x="{LEFT + label_w - 6}" y="{y + row * 0.6:.1f}" font-size="11" text-anchor="end">'
            f"{escape(label[:28])}</text>"
            f'<rect x="{LEFT + label_w}" y="{y + row * 0.15:.1f}" width="{w:.1f}" '
            f'height="{row * 0.7:.1f}" fill="{colour}">'
            f"<title>{escape(label)}: {escape(format_value(value))}</title></rect>"
            f'<text x="{LEFT + label_w + w + 4:.1f}" y="{y + row * 0.6:.1f}" font-size="11">'
            f"{escape(format_value(value))}</text>"
        )
    return _frame(title, description, "".join(bars))


@dataclass(frozen=True)
class Span:
    label: str
    colour: str
    start: float  # seconds from the beginning
    end: float


@dataclass(frozen=True)
class Mark:
    at: float  # seconds from the beginning
    label: str
    symbol: str  # a short glyph drawn at the mark


def incident_timeline(
    title: str,
    description: str,
    total: float,
    rows: Sequence[tuple[str, Sequence[Span]]],
    marks: Sequence[Mark],
    format_offset: Callable[[float], str],
) -> Markup:
    """Bands over the incident's time (one row per kind: status, severity), marks under them."""
    label_w, row_h, gap = 80, 34, 10
    width = WIDTH - LEFT - RIGHT - label_w
    height = TOP + len(rows) * (row_h + gap) + 70
    total = max(total, 1.0)

    def x(seconds: float) -> float:
        return LEFT + label_w + width * min(max(seconds, 0.0), total) / total

    parts = []
    for r, (name, spans) in enumerate(rows):
        y = TOP + r * (row_h + gap)
        label_y = y + row_h * 0.62
        parts.append(
            f'<text x="{LEFT + label_w - 6}" y="{label_y:.1f}" font-size="12" text-anchor="end">'
            f"{escape(name)}</text>"
        )
        for span in spans:
            w = max(x(span.end) - x(span.start), 1.0)
            when = f"{format_offset(span.start)} to {format_offset(span.end)}"
            parts.append(
                f'<rect x="{x(span.start):.1f}" y="{y}" width="{w:.1f}" height="{row_h}" '
                f'fill="{span.colour}"><title>{escape(span.label)}: {escape(when)}</title></rect>'
            )
            if w > 60:
                parts.append(
                    f'<text x="{x(span.start) + 4:.1f}" y="{label_y:.1f}" font-size="11" fill="#111">'
                    f"{escape(span.label)}</text>"
                )
    marks_y = TOP + len(rows) * (row_h + gap) + 8
    parts.append(
        f'<text x="{LEFT + label_w - 6}" y="{marks_y + 12}" font-size="12" text-anchor="end">Events</text>'
    )
    for mark in marks:
        parts.append(
            f'<text x="{x(mark.at):.1f}" y="{marks_y + 12}" font-size="13" text-anchor="middle">'
            f"{escape(mark.symbol)}<title>{escape(mark.label)} at "
            f"{escape(format_offset(mark.at))}</title></text>"
        )
    axis_y = marks_y + 40
    for i in range(5):
        at = total * i / 4
        parts.append(
            f'<text x="{x(at):.1f}" y="{axis_y}" font-size="11" text-anchor="middle" fill="#444">'
            f"{escape(format_offset(at))}</text>"
        )
    n = next(_ids)
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="chart-{n}-title chart-{n}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="chart-{n}-title">{escape(title)}</title>'
        f'<desc id="chart-{n}-desc">{escape(description)}</desc>{"".join(parts)}</svg>'
    )
