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

from gdlab.i18n import Msg


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


def predicted_message(eta_lambda: float) -> Msg:
    """What batch gradient descent does on the parabola at ``eta_lambda`` = η·λ, by the factor |1 − η·λ|."""
    if eta_lambda < 0.3:
        return Msg("theory.predicted_too_small")
    if eta_lambda < 1 - 1e-9:
        return Msg("theory.predicted_monotone")
    if eta_lambda <= 1 + 1e-9:
        return Msg("theory.predicted_one_step")
    if eta_lambda < 2 - 1e-9:
        return Msg("theory.predicted_oscillating")
    if eta_lambda <= 2 + 1e-9:
        return Msg("theory.predicted_bouncing")
    return Msg("theory.predicted_diverging")


def observed_message(errors: np.ndarray, tol: float) -> Msg:
    """What the run did, read off e_k = w_k − w*: diverged (|e| grew, or not finite), converged (|e| ≤ ``tol``
    at the end) or still descending, with the number of sign flips of e when there were any."""
    e = np.asarray(errors)
    nz = e[np.abs(e) > 1e-300]
    flips = int(np.sum(np.sign(nz[1:]) != np.sign(nz[:-1]))) if nz.size > 1 else 0
    if abs(e[-1]) > abs(e[0]) or not np.isfinite(e[-1]):
        return Msg("theory.observed_diverged_oscillating") if flips else Msg("theory.observed_diverged")
    if abs(e[-1]) <= tol:
        return Msg("theory.observed_converged_flips", flips=flips) if flips else Msg("theory.observed_converged")
    return Msg("theory.observed_descending_flips", flips=flips) if flips else Msg("theory.observed_descending")


# -- momentum on a quadratic -----------------------------------------------------------------------------
# Along one eigen-direction of a quadratic with curvature λ, e = θ − θ* and a = η·λ, the velocity v of
# gdlab's SGD (v ← β·v − η·g; θ ← θ + v, or θ ← θ + β·v − η·g with nesterov=True) and e move together:
#     classical (heavy ball)   e' = (1 − a)·e + β·v,          v' = β·v − a·e
#     Nesterov                 e' = (1 − a − β·a)·e + β²·v,   v' = β·v − a·e
# so the error shrinks per step by the spectral radius of that 2×2 matrix. For the heavy ball:
#     converges            ⇔ 0 < η·λ < 2(1 + β)
#     ripples (complex roots, e changes sign again and again) ⇔ (1 − √β)² < η·λ < (1 + √β)²,
#                           and then every root has modulus √β: the rate is √β whatever η is
#     critical damping     β = (1 − √(η·λ))²: the smallest β at which the direction ripples
# On a quadratic with curvatures λ_min … λ_max the slowest direction sets the rate; the best pair is
#     η* = 4/(√λ_max + √λ_min)²,  β* = ((√κ − 1)/(√κ + 1))²,  rate (√κ − 1)/(√κ + 1),  κ = λ_max/λ_min,
# against plain gradient descent's best (κ − 1)/(κ + 1) at η = 2/(λ_max + λ_min) (Goh, "Why momentum
# really works", 2017).


def momentum_matrix(eta_lambda: float, beta: float, nesterov: bool = False) -> np.ndarray:
    """The 2×2 map (e, v) → (e', v') of one momentum step along a direction with η·λ = ``eta_lambda``."""
    a, b = eta_lambda, beta
    if nesterov:
        return np.array([[1 - a - b * a, b * b], [-a, b]])
    return np.array([[1 - a, b], [-a, b]])


def momentum_rate(eta_lambda: float, beta: float, nesterov: bool = False) -> float:
    """The factor by which the error shrinks per step in the long run: the map's spectral radius."""
    return float(np.max(np.abs(np.linalg.eigvals(momentum_matrix(eta_lambda, beta, nesterov)))))


def momentum_converges(eta_lambda: float, beta: float) -> bool:
    """The heavy ball's convergence condition 0 < η·λ < 2(1 + β)."""
    return 0 < eta_lambda < 2 * (1 + beta)


def momentum_ripples(eta_lambda: float, beta: float) -> bool:
    """Complex roots: (1 − √β)² < η·λ < (1 + √β)²; the error spirals, shrinking by √β per step."""
    return (1 - np.sqrt(beta)) ** 2 < eta_lambda < (1 + np.sqrt(beta)) ** 2


def critical_momentum(eta_lambda: float) -> float:
    """β = (1 − √(η·λ))²: below it the direction's error keeps its sign (η·λ < 1), above it ripples."""
    return float((1 - np.sqrt(eta_lambda)) ** 2)


def gd_rate(eta: float, curvatures) -> float:
    """Plain gradient descent's rate on a quadratic: max over its curvatures of |1 − η·λ|; with the
    extremes only, max(|1 − ηλ₁|, |1 − ηλₙ|) (Goh 2017)."""
    return float(np.max(np.abs(1 - eta * np.asarray(curvatures, dtype=float))))


def best_momentum(lambda_min: float, lambda_max: float) -> tuple[float, float, float]:
    """(η*, β*, rate) of the heavy ball on a quadratic with curvatures in [λ_min, λ_max]."""
    s = np.sqrt(lambda_max / lambda_min)
    return (float(4 / (np.sqrt(lambda_max) + np.sqrt(lambda_min)) ** 2), float(((s - 1) / (s + 1)) ** 2),
            float((s - 1) / (s + 1)))
