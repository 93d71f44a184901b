"""The parabola lesson: house prices y = w·x, the loss L(w) and w walking down it for a chosen η.

The theory is ``gdlab.theory.LinearProblem``, the one the lab's linear study uses:
L(w) = a·w² − 2b·w + c, curvature λ = 2·mean(x²), and one batch-GD step w − w* ← (1 − η·λ)·(w − w*), so η = 1/λ lands in one step
and η > 2/λ diverges. The walk itself is a real gdlab run: a one-weight Dense layer without bias,
trained by batch gradient descent, its weight read after every iteration. The verdict's two regimes come
as ``gdlab.theory``'s labels (data) and as text in the request's language.
"""

from __future__ import annotations


import numpy as np

from gdlab import NonFiniteLossError, Sequential, datasets, initializers
from gdlab.callbacks import ParameterRecorder
from gdlab.i18n import Msg
from gdlab.layers import Dense
from gdlab.optimizers import SGD
from gdlab.playground.settings import Field, SettingsError, check_field, not_valid
from gdlab.theory import LinearProblem, observed_message, predicted_message

FIELDS = {
    "eta": Field("float", 0.1, 0.0, 2.0),
    "steps": Field("int", 30, 1, 2000),
    "w0": Field("float", 0.5, -10.0, 10.0),
    "n": Field("int", 50, 2, 1000),
    "noise": Field("float", 0.1, 0.0, 1.0),
    "seed": Field("int", 0, 0, 2**31 - 1),
}


def parse(query) -> dict:
    """The lesson's parameters from a query string mapping (text values), checked (``lang``, the answer's
    language, is the app's to read)."""
    query = {k: v for k, v in query.items() if k != "lang"}
    unknown = sorted(set(query) - set(FIELDS))
    if unknown:
        raise SettingsError(unknown[0], Msg("playground.unknown_field", fields=", ".join(FIELDS)))
    out = {}
    for name, f in FIELDS.items():
        if name not in query:
            out[name] = f.default
            continue
        try:
            value = float(query[name])
        except ValueError:
            raise SettingsError(name, not_valid(query[name], f)) from None
        out[name] = check_field(name, value, f)
    return out


def parabola(eta: float, steps: int, w0: float, n: int, noise: float, seed: int) -> dict:
    """The data, L(w)'s coefficients, 1/λ and 2/λ, and w_k, L(w_k) of ``steps`` batch-GD steps."""
    x, y = datasets.house_prices(n=n, noise=noise, seed=seed)
    theory = LinearProblem.from_data(x, y, w0)
    model = Sequential([Dense(1, use_bias=False, kernel_initializer=initializers.Constant(w0))],
                       dtype="float64", seed=seed)
    model.compile(SGD(learning_rate=eta), "mse")
    recorder = ParameterRecorder()
    error = None
    try:
        model.fit(x, y, epochs=steps, batch_size="full", shuffle=False, callbacks=[recorder], verbose=0)
    except NonFiniteLossError as err:  # gdlab's forensics message
        error = str(err)
    w = np.array([float(t[0]) for t in recorder.thetas])
    with np.errstate(over="ignore", invalid="ignore"):
        loss = theory.loss(w)
    eta_lambda = eta * theory.curvature
    finite = np.isfinite(w) & np.isfinite(loss)
    predicted = predicted_message(eta_lambda)
    observed = observed_message(w - theory.w_star, tol=1e-3 * abs(theory.w_star))
    return {
        "x": x[:, 0].tolist(), "y": y[:, 0].tolist(), "coefficients": list(theory.loss_coefficients), "wStar": theory.w_star,
        "lambda": theory.curvature, "oneStepEta": theory.one_step_lr, "divergenceEta": theory.divergence_lr,
        "eta": eta, "etaLambda": eta_lambda, "predicted": predicted.render("en"), "observed": observed.render("en"),
        "predictedText": str(predicted), "observedText": str(observed),
        "w": [float(v) if ok else None for v, ok in zip(w, finite)],
        "loss": [float(v) if ok else None for v, ok in zip(loss, finite)],
        "error": error,
    }
