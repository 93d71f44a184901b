"""Curvature of section 3's network (4 → 16 tanh → 1, mean squared error, full batch), measured.

- λ_min and λ_max of the Hessian at θ₀ and at checkpoints while full-batch gradient descent trains it
  (``hessian``: Lanczos on Hessian-vector products).
- At the trained θ_T, the rate against η: gdlab's SGD from θ_T + δ on the network's loss tilted by
  −g_T·θ, which makes θ_T an exact stationary point without changing any curvature; the factor per
  step by which δ shrinks (or grows) is the local linear dynamics δ ← (I − ηH)δ. δ along the top eigenvector v_max gives |1 − ηλ_max|;
  a random δ excites every direction and gives Goh's max(|1 − ηλ₁|, |1 − ηλₙ|).
- The (η, β) plane: the same runs along v_max with momentum β, the rate of δ's component along v_max, diverged or converged, against the theory's boundary ηλ_max = 2(1 + β). (Along
  a random δ the few directions of slightly negative curvature grow too — by 1 + η|λₙ|/(1 − β) per step
  with momentum — which is escaping a saddle, not the divergence the boundary is about.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gdlab import Sequential, datasets
from gdlab.i18n import t
from gdlab.layers import Dense
from gdlab.lab.paths import envelope_rate
from gdlab.lab.studies.curvature import Settings
from gdlab.lab.studies.curvature.hessian import extreme_eigenvalues
from gdlab.optimizers import SGD
from gdlab.training import NonFiniteLossError
from gdlab.reporting.tables import Table, fmt

PERTURBATION = 1e-6  # ‖δ‖ relative to ‖θ_T‖: small enough that the dynamics stay linear
EARLY = 40  # steps over which the component along v_max is read
TRAINING_FACTORS = (0.9, 1.1)  # plain training from θ_T at these multiples of 2/λ_max
GROWTH_CAP = 1e3
FLOOR = 1e-6  # a shrinking δ is read until it is this fraction of its start: below, what little of δ lies
#               off v_max (the Ritz vector is exact only to rounding) would be read instead  # a growing difference is followed until it is this many times ‖δ‖


@dataclass
class Checkpoint:
    step: int
    loss: float
    lambda_min: float
    lambda_max: float


@dataclass
class RateRun:
    learning_rate: float
    momentum: float
    along_top: bool  # δ along v_max (else random)
    rate: float | None  # measured factor per step of ‖θ'_k − θ_k‖
    diverged: bool  # the difference grew


@dataclass
class CurvatureResult:
    settings: Settings
    parameters: int = 0
    checkpoints: list[Checkpoint] = field(default_factory=list)
    lambda_min: float = 0.0  # at θ_T
    lambda_max: float = 0.0
    rates: list[RateRun] = field(default_factory=list)
    plane: list[RateRun] = field(default_factory=list)
    training: list = field(default_factory=list)  # TrainingRun at each of TRAINING_FACTORS

    def table(self) -> Table:
        eta = self.settings.learning_rate
        return Table([t("curvature.col_step"), t("curvature.col_loss"), "λ_min", "λ_max", "2/λ_max",
                      t("curvature.col_eta_lambda_max", eta=f"{eta:g}")],
                     [[fmt(c.step), fmt(c.loss), fmt(c.lambda_min), fmt(c.lambda_max), fmt(2 / c.lambda_max),
                       fmt(eta * c.lambda_max)] for c in self.checkpoints])

    def rate_table(self) -> Table:
        from gdlab.theory import gd_rate

        lams = (self.lambda_min, self.lambda_max)
        rows = []
        for top, rnd in zip(*(sorted((r for r in self.rates if r.along_top == along), key=lambda r: r.learning_rate)
                              for along in (True, False))):
            eta = top.learning_rate
            rows.append([fmt(eta), fmt(eta * self.lambda_max), fmt(top.rate), fmt(abs(1 - eta * self.lambda_max)),
                         fmt(rnd.rate), fmt(gd_rate(eta, lams))])
        return Table(["η", "η·λ_max", t("curvature.col_rate_top"), "|1 − ηλ_max|", t("curvature.col_rate_random"),
                      t("curvature.goh_rate")], rows)


def data(n: int, seed: int):
    """Section 3's houses: 4 standardised features, a non-linear standardised price."""
    x, y, _ = datasets.house_prices_multi(n=n, noise=0.05, seed=seed, nonlinear=True)
    return (x - x.mean(0)) / x.std(0), (y - y.mean()) / y.std()


def network(s: Settings, x) -> Sequential:
    model = Sequential([Dense(s.hidden, activation="tanh"), Dense(1)], dtype="float64", seed=s.seed)
    model.build(x.shape[1:])
    return model


def local_run(model, x, y, theta, delta, eta: float, beta: float, steps: int, along=None):
    """gdlab's SGD(η, β) from θ_T + δ on the network's loss tilted by −g_T·θ (g_T: the gradient at θ_T), so
    that θ_T is an exact stationary point and δ_k = θ_k − θ_T moves by the Hessian at θ_T alone. Returns
    (rate, grew): the factor per step of δ's component along ``along`` (an envelope over the first
    ``EARLY`` steps) or of ‖δ‖ (over the second half of the run, where the slowest direction rules)."""
    p = model.parameters.theta
    p[...] = model.backend.asarray(theta)
    g_T = model.loss_and_gradient(x, y)[1]
    t = np.array(theta + delta, dtype=np.float64)
    o = SGD(eta, momentum=beta) if beta else SGD(eta)
    deltas = [delta.copy()]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            p[...] = model.backend.asarray(t)
            o.apply_gradients(t, model.loss_and_gradient(x, y)[1] - g_T)
            deltas.append(t - theta)
            if not np.all(np.isfinite(deltas[-1])) or np.linalg.norm(deltas[-1]) > GROWTH_CAP * np.linalg.norm(delta):
                break  # about to leave the linear regime: enough to read the rate
    p[...] = model.backend.asarray(theta)
    d = np.array(deltas)
    series = d[:EARLY] @ along if along is not None else np.linalg.norm(d, axis=1)[len(d) // 2:]
    window = 2 if beta == 0 else max(2, min(10, len(series) // 4))  # without momentum |δ| has no ripple
    rate = envelope_rate(series, window=window, floor=FLOOR)
    if rate is None and len(series) > 1 and abs(series[1]) < FLOOR * abs(series[0]):
        rate = abs(series[1] / series[0])  # gone in one step (η·λ = 1 along v_max)
    return rate, bool(rate is not None and rate > 1)


@dataclass
class TrainingRun:
    factor: float  # η in units of 2/λ_max(θ_T)
    start: float  # loss at θ_T
    highest: float
    final: float
    lambda_max_after: float | None  # where it ended (None: it diverged to a non-finite loss)


def training_run(model, x, y, theta, eta: float, steps: int, lanczos_steps: int, seed: int):
    """Plain full-batch training (no tilt) from θ_T at η: (start loss, highest loss, final loss, λ_max after)."""
    p = model.parameters.theta
    p[...] = model.backend.asarray(theta)
    model.compile(SGD(eta), "mse")
    start = model.loss_and_gradient(x, y)[0]
    after = None
    try:
        losses = model.fit(x, y, batch_size="full", epochs=steps, verbose=0, shuffle=False).history["loss"]
        after = extreme_eigenvalues(model, x, y, lanczos_steps, seed)[1]
    except NonFiniteLossError:
        losses = [float("inf")]
    p[...] = model.backend.asarray(theta)
    return start, float(max(losses)), float(losses[-1]), after


def run(settings: Settings = Settings()) -> CurvatureResult:
    s = settings
    x, y = data(s.n, s.seed)
    model = network(s, x)
    model.compile(SGD(s.learning_rate), "mse")
    xp, yp = model.prepare(x, y)
    result = CurvatureResult(settings=s, parameters=int(model.parameters.theta.size))
    marks = np.unique(np.linspace(0, s.steps, s.checkpoints).round().astype(int))
    done = 0
    for m in marks:
        if m > done:
            model.fit(x, y, batch_size="full", epochs=int(m - done), verbose=0, shuffle=False)
            done = int(m)
        lo, hi, _ = extreme_eigenvalues(model, xp, yp, s.lanczos_steps, s.seed)
        result.checkpoints.append(Checkpoint(done, model.loss_and_gradient(xp, yp)[0], lo, hi))
    theta = np.array(model.backend.to_numpy(model.parameters.theta), dtype=np.float64)
    result.lambda_min, result.lambda_max, v_top = extreme_eigenvalues(model, xp, yp, s.lanczos_steps, s.seed)
    size = PERTURBATION * np.linalg.norm(theta)
    rng = np.random.default_rng(s.seed)
    random_dir = rng.standard_normal(theta.size)
    random_dir /= np.linalg.norm(random_dir)
    for f in s.eta_factors:
        eta = f / result.lambda_max
        for top, d in ((True, v_top), (False, random_dir)):
            rate, grew = local_run(model, xp, yp, theta, size * d, eta, 0.0, s.rate_steps,
                                        along=v_top if top else None)
            result.rates.append(RateRun(eta, 0.0, top, rate, grew))
    for beta in sorted({0.0, *s.plane_betas}):
        for f in s.plane_factors:
            eta = f / result.lambda_max
            rate, grew = local_run(model, xp, yp, theta, size * v_top, eta, beta, s.rate_steps, along=v_top)
            result.plane.append(RateRun(eta, beta, True, rate, grew))
    for f in TRAINING_FACTORS:
        result.training.append(TrainingRun(f, *training_run(model, xp, yp, theta, f * 2 / result.lambda_max,
                                                            s.rate_steps, s.lanczos_steps, s.seed)))
    return result
