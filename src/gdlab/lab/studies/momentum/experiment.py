"""Momentum and per-parameter steps, each checked on a run.

- Momentum against its theory: ``sweeps`` (a β sweep at the study's η, η tuned per β, Nesterov
  against classical at the same (η, β), the convergence condition's edge; Adadelta at η = 1).
- Momentum at the same η (the bowl f = ½(x² + 25y²), from (−4, 1.5)): plain GD
  with η·25 between 1 and 2 zig-zags across the valley; momentum adds the
  previous step to the current one. Measured per run: steps until f − f* stays
  below the tolerance, sign changes of y, and the y-path length Σ|Δy| (the
  zig-zag).
- Per-parameter steps: on the same bowl, the effective step |Δθᵢ/gᵢ| of each
  coordinate at step 10; its ratio (steep y over flat x) is 1 for SGD and
  differs for Adagrad, Adadelta and Adam.
- Forgetting: a gradient of size ``LARGE`` for ``LARGE_STEPS`` steps, then
  ``SMALL``: RMSprop's step recovers to a fresh RMSprop's on the small
  gradients (its average decays), Adagrad's does not (its sum never does).
- Adam = momentum + RMSprop: Adam's steps equal, to rounding, a hand-built
  update from a decaying average of g (momentum) and of g² (RMSprop) with
  Keras's bias correction  η_t = η·√(1 − β₂ᵗ)/(1 − β₁ᵗ), θ ← θ − η_t·m/(√v + ε).
  Each optimizer is built with the tutorial's own Keras spelling (``lr=``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gdlab import optimizers as opt
from gdlab.i18n import t
from gdlab.lab import surfaces as surf
from gdlab.lab.paths import run_path, settle_step
from gdlab.lab.studies.momentum import Settings
from gdlab.lab.studies.momentum.claims import problem_label
from gdlab.lab.studies.momentum.sweeps import HeavyBallSweep, adadelta_problems, heavy_ball_sweep
from gdlab.reporting.tables import Table, fmt

LARGE, SMALL, LARGE_STEPS, SMALL_STEPS = 10.0, 0.1, 50, 150
FLIP_FLOOR = 1e-4  # sign changes of y count only while |y| is above this (not rounding-level jitter)
RATIO_STEP = 10
ADAM_SPELLING = "Adam(lr=0.001, beta_1=0.9, beta_2=0.999)"
TUTORIAL_BETA = 0.9  # the tutorial's momentum, which claim 12 is judged on


def run_label(momentum: float) -> str:
    """A run's name in tables and legends: plain GD (β = 0) or momentum β."""
    return t("momentum.plain_gd") if momentum == 0 else t("momentum.momentum_beta", beta=f"{momentum:g}")


@dataclass
class MomentumRun:
    momentum: float  # 0: plain gradient descent
    path: np.ndarray
    gap: np.ndarray
    steps_to_tolerance: int | None  # first step from which the gap stays below the tolerance

    @property
    def sign_flips_y(self) -> int:
        y = self.path[:, 1]
        big = (np.abs(y[1:]) > FLIP_FLOOR) & (np.abs(y[:-1]) > FLIP_FLOOR)
        return int(np.sum((np.sign(y[1:]) * np.sign(y[:-1]) < 0) & big))

    @property
    def y_path(self) -> float:
        return float(np.abs(np.diff(self.path[:, 1])).sum())


@dataclass
class MomentumResult:
    settings: Settings
    runs: list[MomentumRun] = field(default_factory=list)
    step_ratios: dict = field(default_factory=dict)  # optimizer → |Δy/g_y| ÷ |Δx/g_x| at step RATIO_STEP
    adagrad_recovered: float = 0.0
    rmsprop_recovered: float = 0.0
    adam_difference: float = 0.0
    adam_steps: int = 0
    sweep: HeavyBallSweep | None = None
    adadelta: list = field(default_factory=list)  # sweeps.AdadeltaProblem per problem

    def run_at(self, beta: float) -> MomentumRun:
        return next(r for r in self.runs if r.momentum == beta)

    def sweep_table(self) -> Table:
        """Per β: at the study's η, steps and each direction's measured rate against the theory; η tuned per β."""
        s, sw = self.settings, self.sweep
        rows = []
        for b in sw.betas:
            r, tuned = sw.at(s.learning_rate, b), sw.tuned(b)
            x, y = r.directions
            rows.append([fmt(b), fmt(r.steps_to_tolerance) if r.steps_to_tolerance is not None else f"> {s.steps}",
                         f"{x.rate:.4f} / {x.predicted_rate:.4f}" if x.rate else "—",
                         f"{y.rate:.4f} / {y.predicted_rate:.4f}" if y.rate else "—", fmt(x.sign_changes),
                         fmt(tuned.learning_rate), fmt(tuned.steps_to_tolerance) if tuned.steps_to_tolerance is not None
                         else f"> {s.steps}"])
        return Table(["β", t("momentum.col_steps_at", eta=f"{s.learning_rate:g}"), t("momentum.col_rate_x"),
                      t("momentum.col_rate_y"), t("momentum.col_sign_changes_x"), t("momentum.col_tuned_eta"),
                      t("momentum.col_steps_tuned")], rows)

    def adadelta_table(self) -> Table:
        rows = [[str(problem_label(p.name)), fmt(p.start_gap), fmt(p.gap_at_one), fmt(p.best_rate), fmt(p.best_gap),
                 fmt(p.sgd_best_rate) if p.sgd_best_rate is not None else t("momentum.sgd_best_none")] for p in self.adadelta]
        return Table([t("momentum.col_problem"), t("momentum.col_start_gap"), t("momentum.col_adadelta_one"),
                      t("momentum.col_adadelta_best"), t("momentum.col_its_gap"), t("momentum.col_sgd_best")], rows)

    def table(self) -> Table:
        s = self.settings
        rows = [[run_label(r.momentum), fmt(s.learning_rate),
                 fmt(r.steps_to_tolerance) if r.steps_to_tolerance is not None else f"> {s.steps}",
                 fmt(r.sign_flips_y), fmt(r.y_path)] for r in self.runs]
        return Table([t("momentum.col_run"), "η", t("momentum.col_steps_until", tolerance=f"{s.tolerance:g}"),
                      t("momentum.col_sign_changes_y"), t("momentum.col_y_path")], rows)

    def adaptive_table(self) -> Table:
        rows = [[k, fmt(v)] for k, v in self.step_ratios.items()]
        rows += [[t("momentum.row_rmsprop_recovered"), fmt(self.rmsprop_recovered)],
                 [t("momentum.row_adagrad_recovered"), fmt(self.adagrad_recovered)],
                 [t("momentum.row_adam_by_hand"), fmt(self.adam_difference)]]
        return Table([t("momentum.col_quantity"), t("momentum.col_value")], rows)


def _effective_ratio(optimizer, surface) -> float:
    """|Δθ_y/g_y| ÷ |Δθ_x/g_x| at step RATIO_STEP: 1 when every parameter gets the same step size."""
    theta = np.array(surface.start, dtype=np.float64)
    for _ in range(RATIO_STEP):
        g = surface.grad(theta)
        before = theta.copy()
        optimizer.apply_gradients(theta, g.copy())
    eff = np.abs((theta - before) / g)
    return float(eff[1] / eff[0])


def _recovery(make) -> float:
    """Step size on SMALL gradients after LARGE ones, as a fraction of a fresh optimizer's."""
    def last_step(history):
        theta, o = np.zeros(1), make()
        for g in history:
            before = theta.copy()
            o.apply_gradients(theta, np.array([g]))
        return abs(float(theta[0] - before[0]))

    small = [SMALL] * SMALL_STEPS
    return last_step([LARGE] * LARGE_STEPS + small) / last_step(small)


def _adam_by_hand(steps: int, seed: int) -> float:
    """max |θ_Adam − θ_hand| over ``steps`` random gradients, the hand update built from the two averages."""
    rng = np.random.default_rng(seed)
    lr, b1, b2 = 0.001, 0.9, 0.999
    adam = opt.Adam(lr=0.001, beta_1=0.9, beta_2=0.999)  # the tutorial's spelling, as written
    eps = adam.epsilon
    theta = rng.normal(size=5)
    hand = theta.copy()
    m, v = np.zeros(5), np.zeros(5)
    worst = 0.0
    for t in range(1, steps + 1):
        g = rng.normal(size=5)
        adam.apply_gradients(theta, g.copy())
        m = b1 * m + (1 - b1) * g  # momentum: decaying average of g
        v = b2 * v + (1 - b2) * g * g  # RMSprop: decaying average of g²
        hand -= lr * np.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v) + eps)
        worst = max(worst, float(np.max(np.abs(theta - hand))))
    return worst


def run(settings: Settings = Settings()) -> MomentumResult:
    s = settings
    bowl = surf.get("bowl")
    result = MomentumResult(settings=s)
    for beta in sorted({0.0, *s.momenta, TUTORIAL_BETA}):
        o = opt.SGD(lr=s.learning_rate, momentum=beta)
        path, gap = run_path(o, bowl, s.steps)
        result.runs.append(MomentumRun(beta, path, gap, settle_step(gap, s.tolerance)))
    result.step_ratios = {
        "SGD": _effective_ratio(opt.SGD(lr=0.01), bowl),
        "Adagrad": _effective_ratio(opt.Adagrad(lr=0.1), bowl),
        "Adadelta": _effective_ratio(opt.Adadelta(lr=1.0), bowl),
        "Adam": _effective_ratio(opt.Adam(lr=0.01), bowl),
    }
    result.rmsprop_recovered = _recovery(lambda: opt.RMSprop(lr=0.001, rho=0.9))
    result.adagrad_recovered = _recovery(lambda: opt.Adagrad(lr=0.001))
    result.adam_steps = 100
    result.adam_difference = _adam_by_hand(result.adam_steps, s.seed)
    betas = sorted({0.0, *s.betas, TUTORIAL_BETA})
    result.sweep = heavy_ball_sweep(sorted({*s.learning_rates, s.learning_rate}), betas, s.steps, s.tolerance)
    result.adadelta = adadelta_problems(s.adadelta_steps)
    return result
