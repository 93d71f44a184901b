"""Nadam: Adam with Nesterov momentum (Dozat 2016), with a warming momentum schedule.

Momentum schedule:  μ_t = β₁·(1 − ½·0.96^(t·ψ)),  Π_t = μ_1·μ_2·…·μ_t

    m ← m + (1 − β₁)·(g − m)
    v ← β₂·v + (1 − β₂)·g²
    m̂ = μ_{t+1}·m/(1 − Π_{t+1}) + (1 − μ_t)·g/(1 − Π_t)
    v̂ = v/(1 − β₂ᵗ)
    θ ← θ − η·m̂/(√v̂ + ε)

Keras (default): ψ = ``momentum_decay`` = 1 (the schedule uses 0.96^t), η = 0.001, ε = 1e-7.
PyTorch: ψ = 0.004, γ = 0.002, ε = 1e-8, and ``float32_mu_product``: Π_t kept
as a float32 scalar whatever the parameters' dtype (PyTorch's scalar state
dtype; rounded the same way here to match torch.optim.NAdam) — its schedule
warms up 250× more slowly (μ_t reaches 0.99·β₁ at t ≈ 24 000 instead of 96).
Π_t is part of the state (``state["mu_product"]``, a 0-d array).
"""

from __future__ import annotations


import numpy as np

from gdlab.optimizers.base import MomentsOptimizer, Slot, registry
from gdlab.validation import flag, nonnegative


@registry.register("nadam")
class Nadam(MomentsOptimizer):
    arguments = {**MomentsOptimizer.arguments, "momentum_decay": nonnegative, "float32_mu_product": flag}
    rule = "nadam"

    def __init__(self, learning_rate=None, beta_1=0.9, beta_2=0.999, epsilon=None, momentum_decay=None,
                 float32_mu_product=None, **kwargs):
        super().__init__(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, momentum_decay=momentum_decay,
                         float32_mu_product=float32_mu_product, **kwargs)

    def slots(self):
        return {"m": Slot(), "v": Slot(nonnegative=True), "mu_product": Slot(1.0, scalar=True)}

    def mu(self, t: int) -> float:
        """μ_t = β₁·(1 − ½·0.96^(t·ψ))."""
        return self.beta_1 * (1.0 - 0.5 * 0.96 ** (t * self.momentum_decay))

    def update(self, theta, g, state, t, lr):
        m, v, b1, b2 = state["m"], state["v"], self.beta_1, self.beta_2
        mu_t, mu_next = self.mu(t), self.mu(t + 1)
        prod = float(state["mu_product"]) * mu_t  # Π_t = Π_{t−1}·μ_t
        if self.float32_mu_product:
            prod = float(np.float32(state["mu_product"]) * np.float32(mu_t))  # … in float32
        state["mu_product"][...] = prod
        m += (g - m) * (1 - b1)  # m ← m + (1 − β₁)·(g − m)
        v[...] = v * b2 + g * (1 - b2) * g  # v ← β₂·v + (1 − β₂)·g²
        m_hat = mu_next * m / (1 - prod * mu_next) + (1 - mu_t) * g / (1 - prod)  # m̂
        v_hat = v / (1 - b2**t)  # v̂ = v/(1 − β₂ᵗ)
        theta -= lr * m_hat / (self.xp.sqrt(v_hat) + self.epsilon)  # θ ← θ − η·m̂/(√v̂ + ε)
