"""Adamax: Adam with the infinity norm in place of the root-mean-square.

Keras (default; η = 0.001, β₁ = 0.9, β₂ = 0.999, ε = 1e-7):
    m ← m + (1 − β₁)·(g − m)
    u ← max(β₂·u, |g|)
    θ ← θ − η·m / ((1 − β₁ᵗ)·(u + ε))           ε added at use

PyTorch (convention="torch"; γ = 0.002, ε = 1e-8):
    m ← m + (1 − β₁)·(g − m)
    u ← max(β₂·u, |g| + ε)                     ε inside the running max
    θ ← θ − (γ/(1 − β₁ᵗ))·m/u
"""

from __future__ import annotations

import numpy as np

from gdlab.optimizers.base import MomentsOptimizer, registry


@registry.register("adamax")
class Adamax(MomentsOptimizer):
    defaults = {
        "keras": {"learning_rate": 0.001, "epsilon": 1e-7},
        "torch": {"learning_rate": 0.002, "epsilon": 1e-8},
    }
    slots = ("m", "u")

    def update_keras(self, theta, g, state, t, lr):
        m, u, b1 = state["m"], state["u"], self.beta_1
        m += (g - m) * (1 - b1)  # m ← m + (1 − β₁)·(g − m)
        np.maximum(self.beta_2 * u, np.abs(g), out=u)  # u ← max(β₂·u, |g|)
        theta -= lr * m / ((1 - b1**t) * (u + self.epsilon))  # θ ← θ − η·m/((1 − β₁ᵗ)(u + ε))

    def update_torch(self, theta, g, state, t, lr):
        m, u, b1 = state["m"], state["u"], self.beta_1
        m += (1 - b1) * (g - m)  # m ← m + (1 − β₁)·(g − m)
        np.maximum(u * self.beta_2, np.abs(g) + self.epsilon, out=u)  # u ← max(β₂·u, |g| + ε)
        theta -= lr / (1 - b1**t) * m / u  # θ ← θ − (γ/(1 − β₁ᵗ))·m/u
