"""A tiny inline SVG step chart of one exit's rate over time.

The rate holds from the crawl that first saw it until the next change, so the
chart is drawn in steps (horizontal, then vertical), never interpolated.
Geometry is computed with exact fractions and rounded to whole pixels; steps
that fall on the same pixel column merge, so a chart costs at most a few
bytes per pixel of width however long the history is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

WIDTH = 120
HEIGHT = 24
PAD = 3  # keeps the line off the top and bottom edges


@dataclass(frozen=True)
class Chart:
    line: str  # SVG path data of the steps
    bands: str  # SVG path data of the campaign windows ("" when none)
    low: Fraction
    high: Fraction
    changes: int  # how many times the value changed
    width: int = WIDTH
    height: int = HEIGHT


def _scale(t: datetime, start: datetime, seconds: int, width: int) -> int:
    offset = int((t - start).total_seconds())
    return max(0, min(width, round(Fraction(offset * width, seconds))))


def step_chart(
    steps: list[tuple[datetime, datetime, Fraction]],
    bands: list[tuple[datetime, datetime]],
    start: datetime,
    end: datetime,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> Chart | None:
    """`steps`: (first seen, last seen, value) in time order; `bands`:
    (start, end) windows drawn behind the line. None when there is no step."""
    if not steps:
        return None
    seconds = max(1, int((end - start).total_seconds()))
    values = [v for _, _, v in steps]
    low, high = min(values), max(values)

    def y(v: Fraction) -> int:
        if high == low:
            return height // 2
        return PAD + round((high - v) * (height - 2 * PAD) / (high - low))

    vertices: list[tuple[int, int]] = []
    for first, _, value in steps:
        point = (_scale(first, start, seconds, width), y(value))
        if vertices and point[1] == vertices[-1][1]:
            continue  # same height after rounding: the step simply continues
        if vertices and point[0] == vertices[-1][0]:
            vertices.pop()  # the previous step is narrower than a pixel
            if vertices and point[1] == vertices[-1][1]:
                continue
        vertices.append(point)
    x0, y0 = vertices[0]
    path = [f"M{x0} {y0}"]
    for x, yy in vertices[1:]:
        path.append(f"H{x}V{yy}")
    # The last value holds until it was last seen; at least 2 px, so a value
    # seen once is still visible.
    x_end = max(_scale(steps[-1][1], start, seconds, width), min(width, vertices[-1][0] + 2))
    if x_end > vertices[-1][0]:
        path.append(f"H{x_end}")
    changes = sum(1 for a, b in zip(values, values[1:]) if a != b)
    shown = [(a, b) for a, b in bands if a < end and b > start]  # not yet begun: no band
    return Chart("".join(path), _bands(shown, start, seconds, width, height), low, high, changes,
                 width, height)


def _bands(bands, start, seconds, width, height) -> str:
    spans: list[list[int]] = []
    for a, b in sorted(bands):
        x1, x2 = _scale(a, start, seconds, width), _scale(b, start, seconds, width)
        x2 = max(x2, x1 + 1)  # a short campaign still shows as one pixel
        if spans and x1 <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], x2)
        else:
            spans.append([x1, x2])
    return "".join(f"M{x1} 0h{x2 - x1}v{height}h-{x2 - x1}z" for x1, x2 in spans)
