"""RAdam — rectified Adam (Liu et al. 2020): no adaptive step until v is trustworthy.

    m ← β₁·m + (1 − β₁)·g;   m̂ = m/(1 − β₁ᵗ)
    v ← β₂·v + (1 − β₂)·g²
    ρ_∞ = 2/(1 − β₂) − 1;   ρ_t = ρ_∞ − 2t·β₂ᵗ/(1 − β₂ᵗ)      length of the approximated SMA
    r_t = √((ρ_t − 4)(ρ_t − 2)ρ_∞ / ((ρ_∞ − 4)(ρ_∞ − 2)ρ_t))     once ρ_t passes 5
    θ ← θ − η·m̂                     while ρ_t ≤ 5 (plain momentum SGD: the variance is untamed)

Keras 3 has no RAdam; convention="keras" (default) follows the Keras-family
tfa.optimizers.RectifiedAdam: η = 0.001, ε = 1e-7, rectified once ρ_t ≥ 5, and
ε outside the corrected root:
    θ ← θ − η·r_t·m̂ / (√(v/(1 − β₂ᵗ)) + ε)

PyTorch (convention="torch"): torch.optim.RAdam, γ = 0.001, ε = 1e-8,
rectified once ρ_t > 5, and ε on the *uncorrected* root (like Keras's Adam ε̂):
    θ ← θ − γ·m̂·√(1 − β₂ᵗ)/(√v + ε)·r_t
"""

from __future__ import annotations

import math

import numpy as np

from gdlab.optimizers.base import MomentsOptimizer, registry


@registry.register("radam")
class RAdam(MomentsOptimizer):
    defaults = {
        "keras": {"learning_rate": 0.001, "epsilon": 1e-7},
        "torch": {"learning_rate": 0.001, "epsilon": 1e-8},
    }
    slots = ("m", "v")

    def rho(self, t: int) -> tuple[float, float]:
        """(ρ_∞, ρ_t)."""
        b2 = self.beta_2
        rho_inf = 2 / (1 - b2) - 1
        return rho_inf, rho_inf - 2 * t * b2**t / (1 - b2**t)

    def rectifier(self, t: int) -> float | None:
        """r_t, or None while the variance estimate is not yet tractable."""
        rho_inf, rho_t = self.rho(t)
        tractable = rho_t > 5 if self.convention == "torch" else rho_t >= 5
        if not tractable:
            return None
        return math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))

    def _moments(self, g, state, t):
        m, v, b1, b2 = state["m"], state["v"], self.beta_1, self.beta_2
        m += (1 - b1) * (g - m)  # m ← β₁·m + (1 − β₁)·g
        v[...] = v * b2 + (1 - b2) * g * g  # v ← β₂·v + (1 − β₂)·g²
        return m / (1 - b1**t), v  # m̂ = m/(1 − β₁ᵗ)

    def update_keras(self, theta, g, state, t, lr):
        m_hat, v = self._moments(g, state, t)
        r = self.rectifier(t)
        if r is None:
            theta -= lr * m_hat  # θ ← θ − η·m̂
        else:
            theta -= lr * (r * m_hat / (np.sqrt(v / (1 - self.beta_2**t)) + self.epsilon))  # θ − η·r·m̂/(√v̂ + ε)

    def update_torch(self, theta, g, state, t, lr):
        m_hat, v = self._moments(g, state, t)
        r = self.rectifier(t)
        if r is None:
            theta -= m_hat * lr  # θ ← θ − γ·m̂
        else:
            adaptive = math.sqrt(1 - self.beta_2**t) / (np.sqrt(v) + self.epsilon)  # √(1 − β₂ᵗ)/(√v + ε)
            theta -= m_hat * lr * adaptive * r  # θ ← θ − γ·m̂·√(1 − β₂ᵗ)/(√v + ε)·r_t
