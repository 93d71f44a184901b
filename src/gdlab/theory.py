"""Gradient descent on the tutorial's house-price line y = w·x, worked out exactly.

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

Pure functions of the data and of w; the lab's ``linear`` study and the
playground's parabola lesson both run gdlab against them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class LinearProblem:
    """The data of y = w·x, the start w₀ and the parabola L(w) they define."""

    x: np.ndarray
    y: np.ndarray
    w_star: float
    w_init: float
    curvature: float  # λ = 2·mean(x²)
    loss_coefficients: tuple[float, float, float]  # (a, b, c): L(w) = a·w² − 2b·w + c

    @classmethod
    def from_data(cls, x, y, w_init: float) -> "LinearProblem":
        a, b, c = float(np.mean(x * x)), float(np.mean(x * y)), float(np.mean(y * y))
        return cls(x=x, y=y, w_star=b / a, w_init=w_init, curvature=2 * a, loss_coefficients=(a, b, c))

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
