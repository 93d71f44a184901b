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
        self.thetas = [self.model.parameters.theta.copy()]
        self.times = [0.0]
        self._t0 = time.perf_counter()

    def on_train_batch_end(self, iteration, logs=None):
        self.times.append(time.perf_counter() - self._t0)
        self.thetas.append(self.model.parameters.theta.copy())


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
