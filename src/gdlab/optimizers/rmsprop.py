"""RMSprop: divide the step by a decaying root-mean-square of recent gradients.

Unlike Adagrad's ever-growing sum, the average v forgets: a gradient k steps
old has weight (1 − ρ)ρᵏ — the tutorial's "RMSprop accumulates only the
gradients of recent iterations".

Keras (default; η = 0.001, ρ = 0.9, μ = 0, ε = 1e-7):
    v ← ρ·v + (1 − ρ)·g²
    ḡ ← ρ·ḡ + (1 − ρ)·g                        (centered only)
    d = √(v + ε)   or, centered,  √(v − ḡ² + ε)    ε inside the root
    μ = 0:  θ ← θ − η·g/d
    μ > 0:  m ← μ·m + η·g/d;   θ ← θ − m        η inside the momentum buffer

PyTorch (convention="torch"; γ = 0.01, α = ρ = 0.99, μ = 0, ε = 1e-8):
    v ← α·v + (1 − α)·g²
    ḡ ← ḡ + (1 − α)·(g − ḡ)                    (centered only)
    d = √v + ε   or, centered,  √(v − ḡ²) + ε      ε outside the root
    μ = 0:  θ ← θ − γ·g/d
    μ > 0:  b ← μ·b + g/d;   θ ← θ − γ·b        γ outside the buffer
"""

from __future__ import annotations

import numpy as np

from gdlab.optimizers.base import Optimizer, check_nonnegative, check_unit_interval, registry


@registry.register("rmsprop")
class RMSprop(Optimizer):
    defaults = {
        "keras": {"learning_rate": 0.001, "rho": 0.9, "epsilon": 1e-7},
        "torch": {"learning_rate": 0.01, "rho": 0.99, "epsilon": 1e-8},
    }

    def __init__(self, learning_rate=None, rho=None, momentum=0.0, epsilon=None, centered=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = check_unit_interval("rho", self.default("rho", rho))
        self.momentum = check_unit_interval("momentum", momentum)
        self.epsilon = check_nonnegative("epsilon", self.default("epsilon", epsilon))
        self.centered = bool(centered)
        self.slots = ("velocity",) + (("momentum",) if self.momentum else ()) + (
            ("average_gradient",) if self.centered else ())

    def hyperparameters(self):
        return {"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon, "centered": self.centered}

    def update_keras(self, theta, g, state, t, lr):
        v, rho, eps = state["velocity"], self.rho, self.epsilon
        v[...] = rho * v + (1 - rho) * (g * g)  # v ← ρ·v + (1 − ρ)·g²
        if self.centered:
            gbar = state["average_gradient"]
            gbar[...] = rho * gbar + (1 - rho) * g  # ḡ ← ρ·ḡ + (1 − ρ)·g
            d = np.sqrt(v - gbar * gbar + eps)  # d = √(v − ḡ² + ε)
        else:
            d = np.sqrt(v + eps)  # d = √(v + ε)
        increment = lr * g / d  # η·g/d
        if self.momentum:
            m = state["momentum"]
            m[...] = self.momentum * m + increment  # m ← μ·m + η·g/d
            theta -= m  # θ ← θ − m
        else:
            theta -= increment  # θ ← θ − η·g/d

    def update_torch(self, theta, g, state, t, lr):
        v, alpha, eps = state["velocity"], self.rho, self.epsilon
        v[...] = v * alpha + (1 - alpha) * g * g  # v ← α·v + (1 − α)·g²
        if self.centered:
            gbar = state["average_gradient"]
            gbar += (1 - alpha) * (g - gbar)  # ḡ ← ḡ + (1 − α)·(g − ḡ)
            d = np.sqrt(v - gbar * gbar) + eps  # d = √(v − ḡ²) + ε
        else:
            d = np.sqrt(v) + eps  # d = √v + ε
        if self.momentum:
            b = state["momentum"]
            b[...] = b * self.momentum + g / d  # b ← μ·b + g/d
            theta -= lr * b  # θ ← θ − γ·b
        else:
            theta -= lr * g / d  # θ ← θ − γ·g/d
