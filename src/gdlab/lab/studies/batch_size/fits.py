"""The batch-size study's models: S(B) and E(B) fitted to the steps to target, and the step cost t(B) = a + b·B.

McCandlish et al. (2018, "An empirical model of large-batch training") model

    S(B) = S_min·(1 + B_noise/B)          steps to target
    E(B) = E_min·(1 + B/B_noise)          samples to target, E = S·B,  E_min = S_min·B_noise

S is linear in its unknowns (S = S_min + S_min·B_noise·(1/B)) and is fitted by
least squares in relative error; E = S·B then follows (the relative-error fit of
E = E_min + (E_min/B_noise)·B solves the same equations, so it gives the same
B_noise). Where the fitted curve's log–log slope −B_noise/(B + B_noise) is
steeper than −0.8 (B ≤ B_noise/4) scaling is perfect; flatter than −0.2
(B ≥ 4·B_noise) a larger batch buys nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SCALING_SLOPE, PLATEAU_SLOPE = -0.8, -0.2  # regime boundaries on the fitted log–log slope


@dataclass
class Fit:
    """S(B) = S_min(1 + B_noise/B) and E(B) = E_min(1 + B/B_noise), fitted to the reached batch sizes."""

    s_min: float
    b_noise: float

    @property
    def e_min(self) -> float:
        return self.s_min * self.b_noise

    def steps(self, b):
        return self.s_min * (1 + self.b_noise / np.asarray(b, dtype=float))

    def samples(self, b):
        return self.e_min * (1 + np.asarray(b, dtype=float) / self.b_noise)

    def slope(self, b) -> float:
        """d log S / d log B of the fitted S(B): −1 is perfect scaling, 0 no gain."""
        return -self.b_noise / (b + self.b_noise)

    def regime(self, b) -> str:
        s = self.slope(b)
        if s <= SCALING_SLOPE:
            return "perfect scaling"
        if s >= PLATEAU_SLOPE:
            return "no further gain"
        return "diminishing returns"


def fit_scaling(batch_sizes, steps) -> Fit | None:
    """S = a + c/B by least squares in relative error (each equation ÷ its S); a = S_min, c/a = B_noise.

    None with fewer than 3 points or when the data do not have the model's shape (a or c ≤ 0).
    """
    b = np.asarray(batch_sizes, dtype=float)
    s = np.asarray(steps, dtype=float)
    if b.size < 3:
        return None
    w = 1 / s
    (a, c), *_ = np.linalg.lstsq(np.stack([w, w / b], axis=1), np.ones_like(s), rcond=None)
    if a <= 0 or c <= 0:
        return None
    return Fit(s_min=float(a), b_noise=float(c / a))


def fit_step_cost(batch_sizes, seconds) -> tuple[float, float]:
    """(a, b) ≥ 0 of t(B) = a + b·B by least squares in relative error (each equation ÷ its t)."""
    b = np.asarray(batch_sizes, dtype=float)
    t = np.asarray(seconds, dtype=float)
    w = 1 / t
    (a, c), *_ = np.linalg.lstsq(np.stack([w, w * b], axis=1), np.ones_like(t), rcond=None)
    if a < 0:  # the per-sample term alone: t = c·B
        return 0.0, float(np.sum(b * w) / np.sum((b * w) ** 2))
    if c < 0:  # the fixed term alone: t = a
        return float(np.sum(w) / np.sum(w * w)), 0.0
    return float(a), float(c)
