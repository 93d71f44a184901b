"""The learning-rate range test on the tutorial's y = w·x, compared with the theory's 1/λ.

For this parabola the best fixed step is known exactly (η = 1/λ lands on w* in
one step; η > 2/λ diverges), so the range test's suggestion can be checked.
"""

from __future__ import annotations

from dataclasses import dataclass

from gdlab import Sequential, datasets, initializers
from gdlab.lab.experiments.common import Table, fmt
from gdlab.layers import Dense
from gdlab.lr_finder import LRFindResult, lr_find
from gdlab.optimizers import SGD


@dataclass
class LRRangeResult:
    finder: LRFindResult
    curvature: float
    batch_size: int

    @property
    def one_step_lr(self):
        return 1 / self.curvature

    def table(self) -> Table:
        s = self.finder.suggestion
        return Table(["quantity", "value"], [
            ["suggested η (steepest descent)", fmt(s)], ["theory: 1/λ (one-step η)", fmt(self.one_step_lr)],
            ["theory: 2/λ (divergence)", fmt(2 / self.curvature)],
            ["suggestion ÷ (1/λ)", fmt(s * self.curvature if s else None, 3)],
            ["iterations run", fmt(len(self.finder.learning_rates))],
            ["stopped because the loss blew up", "yes" if self.finder.stopped_early else "no"],
        ])


def lr_range_experiment(n: int = 200, noise: float = 0.1, true_w: float = 3.0, batch_size: int = 32,
                        start_lr: float = 1e-4, end_lr: float = 10.0, num_iterations: int = 100,
                        seed: int = 0) -> LRRangeResult:
    x, y = datasets.house_prices(n=n, noise=noise, true_w=true_w, seed=seed)
    model = Sequential([Dense(1, use_bias=False, kernel_initializer=initializers.Constant(0.5))],
                       dtype="float64", seed=seed)
    model.compile(SGD(0.01), "mse")
    finder = lr_find(model, x, y, start_lr=start_lr, end_lr=end_lr, num_iterations=num_iterations,
                     batch_size=batch_size, seed=seed)
    return LRRangeResult(finder=finder, curvature=2 * float((x * x).mean()), batch_size=batch_size)
