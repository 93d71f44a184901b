"""Small shared pieces of the experiments: recording callbacks and tables."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from gdlab.callbacks import Callback


@dataclass
class Table:
    """Column headers and rows of already formatted cells (printed by the CLI, drawn by the report)."""

    headers: list[str]
    rows: list[list[str]]

    def to_text(self) -> str:
        widths = [max(len(h), *(len(r[i]) for r in self.rows)) if self.rows else len(h)
                  for i, h in enumerate(self.headers)]
        lines = ["  ".join(h.rjust(w) for h, w in zip(self.headers, widths)),
                 "  ".join("─" * w for w in widths)]
        lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in self.rows]
        return "\n".join(lines)


class ParameterRecorder(Callback):
    """Records θ after every iteration and the wall-clock time at which it was reached."""

    def __init__(self):
        self.thetas: list[np.ndarray] = []
        self.times: list[float] = []
        self._t0 = 0.0

    def on_train_begin(self, logs=None):
        self.thetas = [self.model.parameters.numpy()]
        self.times = [0.0]
        self._t0 = time.perf_counter()

    def on_train_batch_end(self, iteration, logs=None):
        self.times.append(time.perf_counter() - self._t0)
        self.thetas.append(self.model.parameters.numpy())


MIN_STAY = 10  # steps an optimizer must stay below the tolerance, at the end, to count as settled


def settle_step(gap: np.ndarray, tolerance: float, min_stay: int = MIN_STAY) -> int | None:
    """The first step from which the gap stays below ``tolerance`` to the end, for at least ``min_stay``
    steps (None otherwise: an oscillating run that happens to be below at the last step has not settled)."""
    above = np.flatnonzero(~(gap < tolerance))
    start = 0 if above.size == 0 else int(above[-1] + 1)
    return start if gap.size - start >= min(min_stay, gap.size) else None


def first_touch(gap: np.ndarray, tolerance: float) -> int | None:
    """The first step at which the gap is below ``tolerance`` (it may leave again)."""
    hit = np.flatnonzero(gap < tolerance)
    return int(hit[0]) if hit.size else None


def run_path(optimizer, surface, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """θ₀ … θ_steps of ``optimizer`` on a 2-D ``surface`` and the gaps f(θₖ) − f*.

    A fresh optimizer builds its slots on its first ``apply_gradients``.
    """
    theta = np.array(surface.start, dtype=np.float64)
    path = np.empty((steps + 1, 2))
    path[0] = theta
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run shows as inf / nan
        for k in range(steps):
            optimizer.apply_gradients(theta, surface.grad(theta))
            path[k + 1] = theta
        gap = surface.f(path.T) - surface.f_min
    return path, gap


def fmt(value, digits=4) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if not np.isfinite(value):
        return str(value)
    return f"{value:.{digits}g}"
