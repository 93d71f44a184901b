"""Wall-clock numbers that hold still: a warm-up, then the median of ≥ 3 timed repeats with their spread.

A single timing on a shared machine can be off by 10× (a stall, a cold cache,
the first call's imports). So every wall-clock figure in the lab is
``Timing(median, low, high)`` over ``repeats`` runs after ``warmup`` untimed
ones, and two timings are ordered only when their ranges do not overlap —
otherwise they are a tie.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from gdlab.i18n import t

MIN_REPEATS = 3


@dataclass(frozen=True)
class Timing:
    """Seconds: the median of the timed repeats and the lowest and highest of them."""

    median: float
    low: float
    high: float
    repeats: int

    def scaled(self, factor: float) -> "Timing":
        """The same measurement for ``factor`` times the work (e.g. seconds per step × steps)."""
        return Timing(self.median * factor, self.low * factor, self.high * factor, self.repeats)

    @property
    def spread(self) -> float:
        return self.high - self.low

    def text(self, unit: str | None = None, scale: float | None = None, digits: int = 3) -> str:
        """'12.3 ms (11.9–13.1)': the median and the range of the repeats (unit: s, ms or µs by size)."""
        if unit is None:
            unit, scale = next((u, k) for u, k, floor in (("s", 1.0, 1.0), ("ms", 1e3, 1e-3), ("µs", 1e6, 0.0))
                               if self.median >= floor)
        scale = 1.0 if scale is None else scale
        return (f"{self.median * scale:.{digits}g} {unit} "
                f"({self.low * scale:.{digits}g}–{self.high * scale:.{digits}g})")

    def to_dict(self) -> dict:
        return {"median": self.median, "low": self.low, "high": self.high, "repeats": self.repeats}


def measure(fn, repeats: int = MIN_REPEATS, warmup: int = 1) -> Timing:
    """Call ``fn()`` ``warmup`` times untimed, then ``repeats`` times timed."""
    if repeats < MIN_REPEATS:
        raise ValueError(f"repeats={repeats!r}: a wall-clock figure needs at least {MIN_REPEATS} repeats")
    for _ in range(warmup):
        fn()
    seconds = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - t0)
    return Timing(float(np.median(seconds)), min(seconds), max(seconds), repeats)


def measure_each(fns: dict, repeats: int = MIN_REPEATS, warmup: int = 1) -> dict:
    """``measure`` for several callables, interleaved (repeat r of every one, then r + 1), so a
    change in the machine's load during the measurement hits them all alike."""
    if repeats < MIN_REPEATS:
        raise ValueError(f"repeats={repeats!r}: a wall-clock figure needs at least {MIN_REPEATS} repeats")
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    seconds = {k: [] for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            seconds[k].append(time.perf_counter() - t0)
    return {k: Timing(float(np.median(v)), min(v), max(v), repeats) for k, v in seconds.items()}


#: medians closer than this ratio are a tie even when the ranges do not overlap: on a shared
#: machine, timings taken minutes apart differ by that much
TIE_RATIO = 1.5


def order(a: Timing, b: Timing) -> int:
    """-1 if a is faster than b, 1 if slower, 0 for a tie: ranges overlap or medians within TIE_RATIO."""
    if a.high >= b.low and b.high >= a.low:
        return 0
    if max(a.median, b.median) < TIE_RATIO * min(a.median, b.median):
        return 0
    return -1 if a.median < b.median else 1


def compare_text(name_a: str, a: Timing, name_b: str, b: Timing) -> str:
    """'A is 3.2× faster than B' only when ``order`` separates them; otherwise 'A and B tie'."""
    o = order(a, b)
    if o == 0:
        return t("timing.tie", a=name_a, b=name_b, time_a=a.text(), time_b=b.text(), ratio=TIE_RATIO)
    fast, slow = (name_a, name_b) if o < 0 else (name_b, name_a)
    ratio = max(a.median, b.median) / min(a.median, b.median)
    return t("timing.faster", fast=fast, slow=slow, ratio=f"{ratio:,.0f}" if ratio >= 10 else f"{ratio:.1f}")
