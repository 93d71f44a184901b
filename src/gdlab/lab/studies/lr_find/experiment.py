"""The learning-rate range test on the tutorial's y = w·x, compared with the theory's 1/λ.

For this parabola the best fixed step is known exactly (η = 1/λ lands on w* in
one step; η > 2/λ diverges), so the range test's suggestion can be checked.

The test stops only when the smoothed loss exceeds 4× its minimum, some
iterations after η passes 2/λ: past 2/λ the error grows by |1 − η·λ| per step,
starting from the tiny error left by the good steps before, and the smoothing
lags. ``overshoot`` reads those iterations off the run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdlab import Sequential, datasets, initializers
from gdlab.i18n import t
from gdlab.lab.studies.lr_find import Settings
from gdlab.layers import Dense
from gdlab.lr_finder import LRFindResult, lr_find
from gdlab.optimizers import SGD
from gdlab.reporting.tables import Table, fmt


@dataclass
class LRRangeResult:
    finder: LRFindResult
    curvature: float
    batch_size: int
    smoothing: float

    @property
    def one_step_lr(self):
        return 1 / self.curvature

    def overshoot(self) -> dict | None:
        """Iterations (0-based) where η first passed 2/λ, the batch loss first rose above its value there,
        and the run stopped; None when η never passed 2/λ."""
        lrs = np.asarray(self.finder.learning_rates)
        losses = np.asarray(self.finder.losses)
        past = np.flatnonzero(lrs > 2 / self.curvature)
        if past.size == 0:
            return None
        i = int(past[0])
        rose = np.flatnonzero(losses[i:] > 10 * losses[i])
        return {"crossed": i, "crossed_lr": float(lrs[i]), "loss_at_cross": float(losses[i]),
                "tenfold": None if rose.size == 0 else i + int(rose[0]), "stopped": len(lrs) - 1,
                "stopped_lr": float(lrs[-1]), "growth_at_stop": abs(1 - float(lrs[-1]) * self.curvature)}

    def spread(self) -> dict:
        """The seeds' suggestions: each one, their min, median (the suggestion) and max, and which sit at an
        edge of the searched range ({seed: "first" | "last"})."""
        runs = self.finder.repeats or [self.finder]
        found = [r.suggestion for r in runs if r.suggestion is not None]
        return {"seeds": len(runs), "suggestions": [r.suggestion for r in runs],
                "min": min(found, default=None), "max": max(found, default=None),
                "edges": {k: r.edge for k, r in enumerate(runs) if r.edge}}

    def table(self) -> Table:
        s = self.finder.suggestion
        sp = self.spread()
        return Table([t("lr_find.col_quantity"), t("lr_find.col_value")], [
            [t("lr_find.row_suggested", seeds=sp["seeds"]), fmt(s)],
            [t("lr_find.row_spread"), f"{fmt(sp['min'])} … {fmt(sp['max'])}"],
            [t("lr_find.row_at_edge"), fmt(len(sp["edges"]))], [t("lr_find.row_one_step"), fmt(self.one_step_lr)],
            [t("lr_find.row_divergence"), fmt(2 / self.curvature)],
            [t("lr_find.row_ratio"), fmt(s * self.curvature if s else None, 3)],
            [t("lr_find.row_iterations"), fmt(len(self.finder.learning_rates))],
            [t("lr_find.row_stopped"), t("lr_find.yes") if self.finder.stopped_early else t("lr_find.no")],
        ])


def run(settings: Settings = Settings()) -> LRRangeResult:
    s = settings
    batch_size, seed = s.batch_size, s.seed
    start_lr, end_lr, num_iterations = s.start_lr, s.end_lr, s.iterations
    x, y = datasets.house_prices(n=s.n, seed=seed)
    model = Sequential([Dense(1, use_bias=False, kernel_initializer=initializers.Constant(0.5))],
                       dtype="float64", seed=seed)
    model.compile(SGD(0.01), "mse")
    finder = lr_find(model, x, y, start_lr=start_lr, end_lr=end_lr, num_iterations=num_iterations,
                     batch_size=batch_size, smoothing=s.smoothing, seed=seed, repeats=s.seeds, warn=False)
    finder.curvature = 2 * float((x * x).mean())  # λ of L(w) = mean((w·x − y)²): 2·mean(x²)
    return LRRangeResult(finder=finder, curvature=finder.curvature, batch_size=batch_size, smoothing=s.smoothing)
