"""Benchmarks: `python -m benchmarks` prints every tracked figure.

Each module `benchmarks/bench_<topic>.py` defines `run() -> list[Figure]`.
A figure is a measured value with the baseline it was measured against *in the
same run* (these machines are noisy: ratios, not absolute seconds, are what
we compare) and the project's target for it.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    baseline: float | None = None  # same-run reference; ratio = value / baseline
    target: str | None = None  # e.g. "≤ 1.3×", "≤ 1 s", "= 0"
    ok: bool | None = None  # whether the target is met, when one is set
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline


def _times(fn: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def best_time(fn: Callable[[], object], repeat: int = 5) -> float:
    """The fastest of `repeat` runs, in seconds: the least noisy on a shared machine."""
    return min(_times(fn, repeat))


def median_time(fn: Callable[[], object], repeat: int = 5) -> float:
    """The median of `repeat` runs, in seconds."""
    return statistics.median(_times(fn, repeat))
