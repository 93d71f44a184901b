"""Nadam: Adam with Nesterov momentum (Dozat 2016), with a warming momentum schedule.

Momentum schedule:  μ_t = β₁·(1 − ½·0.96^(t·ψ)),  Π_t = μ_1·μ_2·…·μ_t

Both conventions then compute, with ε outside the root of the corrected v̂:
    m ← m + (1 − β₁)·(g − m)
    v ← v + (1 − β₂)·(g² − v)          (PyTorch: v ← β₂·v + (1 − β₂)·g²)
    m̂ = μ_{t+1}·m/(1 − Π_{t+1}) + (1 − μ_t)·g/(1 − Π_t)
    v̂ = v/(1 − β₂ᵗ)
    θ ← θ − η·m̂/(√v̂ + ε)

Keras (default): ψ = 1 (the schedule uses 0.96^t), η = 0.001, ε = 1e-7.
PyTorch: ψ = momentum_decay = 0.004, γ = 0.002, ε = 1e-8, and Π_t kept as a
float32 scalar whatever the parameters' dtype (PyTorch's scalar state dtype;
we round it the same way to match torch.optim.NAdam) — its schedule warms
up 250× more slowly (μ_t reaches 0.99·β₁ at t ≈ 24 000 instead of 96).
"""

from __future__ import annotations

import math

import numpy as np

from gdlab.optimizers.base import MomentsOptimizer, check_nonnegative, registry


@registry.register("nadam")
class Nadam(MomentsOptimizer):
    defaults = {
        "keras": {"learning_rate": 0.001, "epsilon": 1e-7, "momentum_decay": 1.0},
        "torch": {"learning_rate": 0.002, "epsilon": 1e-8, "momentum_decay": 0.004},
    }
    slots = ("m", "v")

    def __init__(self, learning_rate=None, beta_1=0.9, beta_2=0.999, epsilon=None, momentum_decay=None, **kwargs):
        super().__init__(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, **kwargs)
        self.momentum_decay = check_nonnegative("momentum_decay", self.default("momentum_decay", momentum_decay))
        self.mu_product = 1.0  # Π_t, a scalar part of the state

    def hyperparameters(self):
        return {**super().hyperparameters(), "momentum_decay": self.momentum_decay}

    def build(self, theta, segments=None):
        super().build(theta, segments)
        self.mu_product = 1.0

    def state_dict(self):
        return {**super().state_dict(), "mu_product": self.mu_product}

    def load_state_dict(self, state):
        super().load_state_dict(state)
        self.mu_product = float(state["mu_product"])

    def mu(self, t: int) -> float:
        """μ_t = β₁·(1 − ½·0.96^(t·ψ))."""
        return self.beta_1 * (1.0 - 0.5 * 0.96 ** (t * self.momentum_decay))

    def update_keras(self, theta, g, state, t, lr):
        m, v, b1, b2 = state["m"], state["v"], self.beta_1, self.beta_2
        mu_t, mu_next = self.mu(t), self.mu(t + 1)
        self.mu_product *= mu_t  # Π_t = Π_{t−1}·μ_t
        prod, prod_next = self.mu_product, self.mu_product * mu_next
        m += (g - m) * (1 - b1)  # m ← m + (1 − β₁)·(g − m)
        v += (g * g - v) * (1 - b2)  # v ← v + (1 − β₂)·(g² − v)
        m_hat = mu_next * m / (1 - prod_next) + (1 - mu_t) * g / (1 - prod)  # m̂
        v_hat = v / (1 - b2**t)  # v̂ = v/(1 − β₂ᵗ)
        theta -= m_hat * lr / (np.sqrt(v_hat) + self.epsilon)  # θ ← θ − η·m̂/(√v̂ + ε)

    def update_torch(self, theta, g, state, t, lr):
        m, v, b1, b2 = state["m"], state["v"], self.beta_1, self.beta_2
        mu_t, mu_next = self.mu(t), self.mu(t + 1)
        self.mu_product = float(np.float32(self.mu_product) * np.float32(mu_t))  # Π_t = Π_{t−1}·μ_t (float32)
        m += (1 - b1) * (g - m)  # m ← m + (1 − β₁)·(g − m)
        v[...] = v * b2 + (1 - b2) * g * g  # v ← β₂·v + (1 − β₂)·g²
        denom = np.sqrt(v / (1 - b2**t)) + self.epsilon  # √v̂ + ε
        theta += -lr * (1 - mu_t) / (1 - self.mu_product) * g / denom  # the (1 − μ_t)·g/(1 − Π_t) part
        theta += -lr * mu_next / (1 - self.mu_product * mu_next) * m / denom  # the μ_{t+1}·m/(1 − Π_{t+1}) part
