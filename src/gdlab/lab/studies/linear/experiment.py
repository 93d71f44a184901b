"""The tutorial's house-price line y = w·x: gradient descent on the parabola L(w), at four η.

The theory (w*, λ, the regime η·λ predicts) is ``gdlab.theory``. The runs use gdlab itself: a one-input Dense layer without bias, trained by
batch gradient descent (``batch_size="full"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gdlab import Sequential, datasets, initializers
from gdlab.callbacks import ParameterRecorder
from gdlab.lab.studies.linear import Settings
from gdlab.layers import Dense
from gdlab.optimizers import SGD
from gdlab.reporting.tables import Table, fmt
from gdlab.theory import LinearProblem, observed_regime, predicted_regime
from gdlab.training import NonFiniteLossError

#: learning rates as multiples of 1/λ, one per regime
DEFAULT_RATES = {"too small": 0.1, "good": 0.7, "oscillating": 1.6, "diverging": 2.1}


@dataclass
class LinearRun:
    label: str
    learning_rate: float
    eta_lambda: float
    predicted: str
    observed: str
    w_path: np.ndarray  # w_0, w_1, …, w_K
    loss_path: np.ndarray  # L(w_k)


@dataclass
class LinearResult(LinearProblem):
    runs: list[LinearRun] = field(default_factory=list)
    w_fitted: float = 0.0  # the "good" run's final w

    def table(self) -> Table:
        rows = [[r.label, fmt(r.learning_rate), f"{r.eta_lambda:.2f}", r.predicted, r.observed,
                 fmt(float(r.w_path[-1]), 6), fmt(float(r.loss_path[-1]))] for r in self.runs]
        return Table(["run", "η", "η·λ", "theory predicts", "run did", "final w", "final L"], rows)

    def theory_table(self) -> Table:
        return Table(["quantity", "value"], [
            ["w* (least squares)", fmt(self.w_star, 6)], ["λ = 2·mean(x²)", fmt(self.curvature, 6)],
            ["1/λ (one-step η)", fmt(self.one_step_lr, 6)], ["2/λ (divergence threshold)", fmt(self.divergence_lr, 6)],
        ])


def run(settings: Settings = Settings(), rates: dict[str, float] | None = None) -> LinearResult:
    """Fit y = w·x by batch GD at several η (given as multiples of 1/λ) and record every iterate."""
    s = settings
    steps, w_init, seed = s.steps, s.w_init, s.seed
    x, y = datasets.house_prices(n=s.n, noise=s.noise, true_w=s.true_w, seed=seed)
    result = LinearResult.from_data(x, y, w_init)
    for label, multiple in (rates or DEFAULT_RATES).items():
        eta = multiple / result.curvature
        model = Sequential([Dense(1, use_bias=False, kernel_initializer=initializers.Constant(w_init))],
                           dtype="float64", seed=seed)
        model.compile(SGD(learning_rate=eta), "mse")
        recorder = ParameterRecorder()
        try:
            model.fit(x, y, epochs=steps, batch_size="full", shuffle=False, callbacks=[recorder], verbose=0)
        except NonFiniteLossError:
            pass  # a diverging run may overflow; its path so far is what we show
        w_path = np.array([float(t[0]) for t in recorder.thetas])
        result.runs.append(LinearRun(
            label=label, learning_rate=eta, eta_lambda=multiple, predicted=predicted_regime(multiple),
            observed=observed_regime(w_path - result.w_star, tol=1e-3 * abs(result.w_star)),
            w_path=w_path, loss_path=result.loss(w_path)))
        if label == "good":
            result.w_fitted = float(w_path[-1])
    return result
