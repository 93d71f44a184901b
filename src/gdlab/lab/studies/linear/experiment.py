"""The tutorial's house-price line y = w·x: gradient descent on the parabola L(w), at four η.

The theory (w*, λ, the regime η·λ predicts) is ``gdlab.theory``. The runs use gdlab itself: a one-input Dense layer without bias, trained by
batch gradient descent (``batch_size="full"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gdlab import Sequential, datasets, initializers
from gdlab.callbacks import ParameterRecorder
from gdlab.i18n import Msg, t
from gdlab.lab.studies.linear import Settings
from gdlab.layers import Dense
from gdlab.optimizers import SGD
from gdlab.reporting.tables import Table, fmt
from gdlab.theory import LinearProblem, observed_message, predicted_message
from gdlab.training import NonFiniteLossError

#: learning rates as multiples of 1/λ, one per regime
DEFAULT_RATES = {"too small": 0.1, "good": 0.7, "oscillating": 1.6, "diverging": 2.1}

def run_name(label: str) -> str:
    """A run's label (a data key of ``DEFAULT_RATES``) as shown."""
    return {"too small": t("linear.run_too_small"), "good": t("linear.run_good"),
            "oscillating": t("linear.run_oscillating"), "diverging": t("linear.run_diverging")}[label]


@dataclass
class LinearRun:
    label: str
    learning_rate: float
    eta_lambda: float
    predicted_message: Msg  # gdlab.theory's prediction at η·λ
    observed_message: Msg  # what the run did
    w_path: np.ndarray  # w_0, w_1, …, w_K
    loss_path: np.ndarray  # L(w_k)

    @property
    def predicted(self) -> str:
        """The prediction as data: its English words ("oscillating, converging")."""
        return self.predicted_message.render("en")

    @property
    def observed(self) -> str:
        """What the run did as data: its English words ("converged (sign flipped 3×)")."""
        return self.observed_message.render("en")


@dataclass
class LinearResult(LinearProblem):
    runs: list[LinearRun] = field(default_factory=list)
    w_fitted: float = 0.0  # the "good" run's final w

    def table(self) -> Table:
        rows = [[run_name(r.label), fmt(r.learning_rate), f"{r.eta_lambda:.2f}", str(r.predicted_message),
                 str(r.observed_message), fmt(float(r.w_path[-1]), 6), fmt(float(r.loss_path[-1]))]
                for r in self.runs]
        return Table([t("linear.col_run"), "η", "η·λ", t("linear.col_predicted"), t("linear.col_observed"),
                      t("linear.col_final_w"), t("linear.col_final_loss")], rows)

    def theory_table(self) -> Table:
        return Table([t("linear.col_quantity"), t("linear.col_value")], [
            [t("linear.row_w_star"), fmt(self.w_star, 6)], ["λ = 2·mean(x²)", fmt(self.curvature, 6)],
            [t("linear.row_one_step"), fmt(self.one_step_lr, 6)],
            [t("linear.row_divergence"), fmt(self.divergence_lr, 6)],
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
        w_path = np.array([float(theta[0]) for theta in recorder.thetas])
        result.runs.append(LinearRun(
            label=label, learning_rate=eta, eta_lambda=multiple, predicted_message=predicted_message(multiple),
            observed_message=observed_message(w_path - result.w_star, tol=1e-3 * abs(result.w_star)),
            w_path=w_path, loss_path=result.loss(w_path)))
        if label == "good":
            result.w_fitted = float(w_path[-1])
    return result
