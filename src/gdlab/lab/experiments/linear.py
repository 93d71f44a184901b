"""The tutorial's house-price line y = w·x: the loss is a parabola in w.

With the mean squared error L(w) = mean((w·x − y)²):
    L(w)  = a·w² − 2b·w + c,   a = mean(x²), b = mean(x·y), c = mean(y²)
    w*    = b/a                           (the bottom of the parabola)
    λ     = L''(w) = 2·mean(x²)            (its curvature)
    one gradient step: w − w* ← (1 − η·λ)·(w − w*)

so the theory predicts, for each learning rate η:
    η·λ < 1       monotone approach (slow when η·λ ≪ 1)
    η·λ = 1       lands on w* in one step          (η = 1/λ)
    1 < η·λ < 2   overshoots: w − w* changes sign every step, and shrinks
    η·λ = 2       bounces between two points for ever
    η·λ > 2       diverges: |w − w*| grows by |1 − η·λ| every step   (η > 2/λ)

The runs use gdlab itself: a one-input Dense layer without bias, trained by
batch gradient descent (``batch_size="full"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gdlab import Sequential, datasets, initializers
from gdlab.lab.experiments.common import ParameterRecorder, Table, fmt
from gdlab.lab.settings import LinearSettings
from gdlab.layers import Dense
from gdlab.optimizers import SGD
from gdlab.training import NonFiniteLossError

#: learning rates as multiples of 1/λ, one per regime
DEFAULT_RATES = {"too small": 0.1, "good": 0.7, "oscillating": 1.6, "diverging": 2.1}


def predicted_regime(eta_lambda: float) -> str:
    if eta_lambda < 0.3:
        return "too small: slow monotone descent"
    if eta_lambda < 1 - 1e-9:
        return "monotone descent"
    if eta_lambda <= 1 + 1e-9:
        return "one-step landing"
    if eta_lambda < 2 - 1e-9:
        return "oscillating, converging"
    if eta_lambda <= 2 + 1e-9:
        return "bouncing for ever"
    return "diverging"


def observed_regime(errors: np.ndarray, tol: float) -> str:
    """What the run did, read off e_k = w_k − w*."""
    e = np.asarray(errors)
    nz = e[np.abs(e) > 1e-300]
    flips = int(np.sum(np.sign(nz[1:]) != np.sign(nz[:-1]))) if nz.size > 1 else 0
    grew = abs(e[-1]) > abs(e[0])
    if grew or not np.isfinite(e[-1]):
        return "diverged" + (" (oscillating)" if flips else "")
    if abs(e[-1]) <= tol:
        return "converged" + (f" (sign flipped {flips}×)" if flips else "")
    return "is still descending" + (f" (sign flipped {flips}×)" if flips else "")


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
class LinearResult:
    x: np.ndarray
    y: np.ndarray
    w_star: float
    w_init: float
    curvature: float  # λ = 2·mean(x²)
    loss_coefficients: tuple[float, float, float]  # (a, b, c): L(w) = a·w² − 2b·w + c
    runs: list[LinearRun] = field(default_factory=list)
    w_fitted: float = 0.0  # the "good" run's final w

    @property
    def one_step_lr(self) -> float:
        return 1.0 / self.curvature

    @property
    def divergence_lr(self) -> float:
        return 2.0 / self.curvature

    def loss(self, w):
        a, b, c = self.loss_coefficients
        w = np.asarray(w, dtype=float)
        return a * w * w - 2 * b * w + c

    def table(self) -> Table:
        rows = [[r.label, fmt(r.learning_rate), f"{r.eta_lambda:.2f}", r.predicted, r.observed,
                 fmt(float(r.w_path[-1]), 6), fmt(float(r.loss_path[-1]))] for r in self.runs]
        return Table(["run", "η", "η·λ", "theory predicts", "run did", "final w", "final L"], rows)

    def theory_table(self) -> Table:
        return Table(["quantity", "value"], [
            ["w* (least squares)", fmt(self.w_star, 6)], ["λ = 2·mean(x²)", fmt(self.curvature, 6)],
            ["1/λ (one-step η)", fmt(self.one_step_lr, 6)], ["2/λ (divergence threshold)", fmt(self.divergence_lr, 6)],
        ])


def linear_experiment(settings: LinearSettings = LinearSettings(),
                      rates: dict[str, float] | None = None) -> LinearResult:
    """Fit y = w·x by batch GD at several η (given as multiples of 1/λ) and record every iterate."""
    s = settings
    steps, w_init, seed = s.steps, s.w_init, s.seed
    x, y = datasets.house_prices(n=s.n, noise=s.noise, true_w=s.true_w, seed=seed)
    a, b, c = float(np.mean(x * x)), float(np.mean(x * y)), float(np.mean(y * y))
    result = LinearResult(x=x, y=y, w_star=b / a, w_init=w_init, curvature=2 * a, loss_coefficients=(a, b, c))
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
