"""RAdam — rectified Adam (Liu et al. 2020): no adaptive step until v is trustworthy.

    m ← β₁·m + (1 − β₁)·g;   m̂ = m/(1 − β₁ᵗ)
    v ← β₂·v + (1 − β₂)·g²
    ρ_∞ = 2/(1 − β₂) − 1;   ρ_t = ρ_∞ − 2t·β₂ᵗ/(1 − β₂ᵗ)      length of the approximated SMA
    r_t = √((ρ_t − 4)(ρ_t − 2)ρ_∞ / ((ρ_∞ − 4)(ρ_∞ − 2)ρ_t))     once ρ_t ≥ 5 (> 5 with strict_threshold)
    θ ← θ − η·m̂                                   while the variance is untamed (plain momentum SGD)
    θ ← θ − η·r_t·m̂/(√(v/(1 − β₂ᵗ)) + ε)          rectified, ε on the corrected root
    θ ← θ − η·m̂·√(1 − β₂ᵗ)/(√v + ε)·r_t           rectified with eps_hat: ε on the uncorrected root

Keras 3 has no RAdam; convention="keras" (default) follows the Keras-family
tfa.optimizers.RectifiedAdam: η = 0.001, ε = 1e-7, ρ_t ≥ 5, ε on the corrected root.
convention="torch" follows torch.optim.RAdam: γ = 0.001, ε = 1e-8, ρ_t > 5,
``eps_hat`` (like Keras's Adam ε̂).
"""

from __future__ import annotations

import math


from gdlab.optimizers.base import MomentsOptimizer, Slot, registry
from gdlab.validation import flag


@registry.register("radam")
class RAdam(MomentsOptimizer):
    arguments = {**MomentsOptimizer.arguments, "eps_hat": flag, "strict_threshold": flag}
    rule = "radam"

    def __init__(self, learning_rate=None, beta_1=0.9, beta_2=0.999, epsilon=None, eps_hat=None,
                 strict_threshold=None, **kwargs):
        super().__init__(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, eps_hat=eps_hat,
                         strict_threshold=strict_threshold, **kwargs)

    def slots(self):
        return {"m": Slot(), "v": Slot(nonnegative=True)}

    def rho(self, t: int) -> tuple[float, float]:
        """(ρ_∞, ρ_t)."""
        b2 = self.beta_2
        rho_inf = 2 / (1 - b2) - 1
        return rho_inf, rho_inf - 2 * t * b2**t / (1 - b2**t)

    def rectifier(self, t: int) -> float | None:
        """r_t, or None while the variance estimate is not yet tractable."""
        rho_inf, rho_t = self.rho(t)
        if not (rho_t > 5 if self.strict_threshold else rho_t >= 5):
            return None
        return math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))

    def update(self, theta, g, state, t, lr):
        m, v, b1, b2 = state["m"], state["v"], self.beta_1, self.beta_2
        m += (g - m) * (1 - b1)  # m ← β₁·m + (1 − β₁)·g
        v[...] = v * b2 + g * (1 - b2) * g  # v ← β₂·v + (1 − β₂)·g²
        m_hat = m / (1 - b1**t)  # m̂ = m/(1 − β₁ᵗ)
        r = self.rectifier(t)
        if r is None:
            theta -= m_hat * lr  # θ ← θ − η·m̂
        elif self.eps_hat:
            theta -= m_hat * lr * (math.sqrt(1 - b2**t) / (self.xp.sqrt(v) + self.epsilon)) * r  # θ − η·m̂·√(1−β₂ᵗ)/(√v+ε)·r
        else:
            theta -= lr * (r * m_hat / (self.xp.sqrt(v / (1 - b2**t)) + self.epsilon))  # θ − η·r·m̂/(√v̂ + ε)
