"""Momentum measured against its theory on the bowl, and Adadelta at η = 1 on a range of problems.

The bowl f = ½(x² + 25y²) is separable: x moves along the curvature λ_min = 1 and y along λ_max = 25,
each by the 2×2 recurrence of ``gdlab.theory.momentum_matrix``. So each run checks the theory per
direction: its rate (the running maximum of |e| over a window, fitted on a log scale: the envelope of a
ripple), its sign changes (≥ 2: a ripple; a real positive root changes sign at most once), and whether it
converged. Runs:

- every β of ``betas`` at every η of ``learning_rates``, classical and Nesterov: the β sweep at the
  study's η, η tuned per β (fewest steps to the tolerance), and Nesterov against classical at the same
  (η, β);
- each β at 0.97 and 1.03 × the edge η = 2(1 + β)/λ_max of the convergence condition.

Adadelta (Zeiler: no learning rate, i.e. η = 1) on each 2-D surface and on the bowl with its gradient
scaled by 10⁻² and 10²: the final gap at η = 1 against the best of a 100×-wide grid, beside SGD's best η
per problem (which moves with the problem's scale).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from gdlab import optimizers as opt
from gdlab import theory
from gdlab.lab import surfaces as surf
from gdlab.lab.paths import envelope_rate, run_path, settle_step

CURVATURES = (1.0, 25.0)  # the bowl's λ along x and along y
EDGE_FACTORS = (0.97, 1.03)  # × 2(1 + β)/λ_max: just inside and just outside the convergence condition
ADADELTA_RATES = (0.1, 1.0, 10.0)
SGD_RATES = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)
SCALES = (1e-2, 1e2)  # the bowl with its gradient scaled: the same problem in other units


def sign_changes(e: np.ndarray) -> int:
    nz = e[np.isfinite(e) & (np.abs(e) > 1e-300)]
    return int(np.sum(np.sign(nz[1:]) != np.sign(nz[:-1])))


@dataclass(frozen=True)
class Direction:
    curvature: float
    rate: float | None  # measured
    predicted_rate: float  # theory.momentum_rate
    sign_changes: int
    converged: bool  # |e| at the end below its start


@dataclass(frozen=True)
class HeavyBallRun:
    learning_rate: float
    beta: float
    nesterov: bool
    steps_to_tolerance: int | None
    directions: tuple[Direction, ...]  # x (λ_min), y (λ_max)


def heavy_ball_run(eta: float, beta: float, nesterov: bool, steps: int, tolerance: float) -> HeavyBallRun:
    bowl = surf.get("bowl")
    o = opt.SGD(lr=eta, momentum=beta, nesterov=nesterov) if beta else opt.SGD(lr=eta)
    path, gap = run_path(o, bowl, steps)
    dirs = []
    for i, lam in enumerate(CURVATURES):
        e = path[:, i] - bowl.minimum[i]
        with np.errstate(invalid="ignore"):
            converged = bool(np.isfinite(e[-1]) and abs(e[-1]) < abs(e[0]))
        dirs.append(Direction(lam, envelope_rate(e), theory.momentum_rate(eta * lam, beta, nesterov),
                              sign_changes(e), converged))
    return HeavyBallRun(eta, beta, nesterov, settle_step(gap, tolerance), tuple(dirs))


@dataclass
class HeavyBallSweep:
    runs: list[HeavyBallRun]  # every (η, β) of the grid, classical and Nesterov
    edges: list[HeavyBallRun]  # each β at EDGE_FACTORS × 2(1 + β)/λ_max

    @property
    def betas(self) -> list[float]:
        return sorted({r.beta for r in self.runs})

    @property
    def learning_rates(self) -> list[float]:
        return sorted({r.learning_rate for r in self.runs})

    def at(self, eta: float, beta: float, nesterov: bool = False) -> HeavyBallRun:
        return next(r for r in self.runs if r.learning_rate == eta and r.beta == beta and r.nesterov == nesterov)

    def tuned(self, beta: float) -> HeavyBallRun:
        """The classical run at β with the fewest steps to the tolerance (η tuned per β on the grid)."""
        runs = [r for r in self.runs if r.beta == beta and not r.nesterov]
        return min(runs, key=lambda r: (r.steps_to_tolerance is None, r.steps_to_tolerance or 0, r.learning_rate))


def heavy_ball_sweep(learning_rates, betas, steps: int, tolerance: float) -> HeavyBallSweep:
    runs = [heavy_ball_run(eta, b, nest, steps, tolerance) for b in betas for eta in learning_rates
            for nest in ((False, True) if b else (False,))]
    edges = [heavy_ball_run(f * 2 * (1 + b) / CURVATURES[1], b, False, steps, tolerance)
             for b in betas for f in EDGE_FACTORS]
    return HeavyBallSweep(runs, edges)


@dataclass(frozen=True)
class AdadeltaProblem:
    name: str
    start_gap: float
    gap_at_one: float  # Adadelta η = 1 (the paper's: no learning rate)
    best_gap: float  # the best of ADADELTA_RATES
    best_rate: float
    sgd_best_rate: float | None  # SGD's best η of SGD_RATES on this problem (None: none reduced the gap)


def _scaled(bowl, c: float):
    return replace(bowl, name=f"bowl × {c:g}", f=lambda t: c * bowl.f(t), grad=lambda t: c * bowl.grad(t))


def adadelta_problems(steps: int) -> list[AdadeltaProblem]:
    bowl = surf.get("bowl")
    problems = [*surf.SURFACES.values(), *(_scaled(bowl, c) for c in SCALES)]
    out = []
    for p in problems:
        def final(o):
            gap = run_path(o, p, steps)[1]
            return float(gap[-1]) if np.isfinite(gap[-1]) else float("inf")

        start = float(p.f(np.array(p.start)) - p.f_min)
        ada = {lr: final(opt.Adadelta(lr=lr)) for lr in ADADELTA_RATES}
        sgd = {lr: final(opt.SGD(lr=lr)) for lr in SGD_RATES}
        best = min(ada, key=ada.get)
        sgd_best = min(sgd, key=sgd.get)
        out.append(AdadeltaProblem(p.name, start, ada[1.0], ada[best], best,
                                   sgd_best if sgd[sgd_best] < start else None))
    return out
