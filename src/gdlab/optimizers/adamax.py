"""Adamax: Adam with the infinity norm in place of the root-mean-square.

    m ← m + (1 − β₁)·(g − m)
    u ← max(β₂·u, |g|)           d = u + ε       ε added at use (Keras)
    u ← max(β₂·u, |g| + ε)       d = u           eps_in_max: ε inside the running max (PyTorch)
    θ ← θ − (η/(1 − β₁ᵗ))·m/d

Keras: η = 0.001, ε = 1e-7.  PyTorch: γ = 0.002, ε = 1e-8.  Both: β₁ = 0.9, β₂ = 0.999.
"""

from __future__ import annotations


from gdlab.optimizers.base import MomentsOptimizer, Slot, registry
from gdlab.validation import flag


@registry.register("adamax")
class Adamax(MomentsOptimizer):
    arguments = {**MomentsOptimizer.arguments, "eps_in_max": flag}
    rule = "adamax"

    def __init__(self, learning_rate=None, beta_1=0.9, beta_2=0.999, epsilon=None, eps_in_max=None, **kwargs):
        super().__init__(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, eps_in_max=eps_in_max,
                         **kwargs)

    def slots(self):
        return {"m": Slot(), "u": Slot(nonnegative=True)}

    def update(self, theta, g, state, t, lr):
        m, u, b1, eps = state["m"], state["u"], self.beta_1, self.epsilon
        m += (g - m) * (1 - b1)  # m ← m + (1 − β₁)·(g − m)
        if self.eps_in_max:
            u[...] = self.xp.maximum(u * self.beta_2, self.xp.abs(g) + eps)  # u ← max(β₂·u, |g| + ε)
            d = u  # d = u
        else:
            u[...] = self.xp.maximum(u * self.beta_2, self.xp.abs(g))  # u ← max(β₂·u, |g|)
            d = u + eps  # d = u + ε
        theta -= lr / (1 - b1**t) * m / d  # θ ← θ − (η/(1 − β₁ᵗ))·m/d
