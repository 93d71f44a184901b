"""Adagrad: a per-parameter learning rate that shrinks with the sum of all past squared gradients.

Keras (default; η = 0.001, a₀ = 0.1, ε = 1e-7):
    a ← a + g²
    θ ← θ − η·g / √(a + ε)                     ε inside the root

PyTorch (convention="torch"; γ = 0.01, s₀ = 0, ε = 1e-10, lr_decay = 0):
    γ̃ = γ / (1 + (t − 1)·lr_decay)
    s ← s + g²
    θ ← θ − γ̃·g / (√s + ε)                     ε outside the root

Differences: the accumulator's start (0.1 vs 0) and where ε sits. Because
``a`` only grows, the step size only shrinks — Adadelta and RMSprop replace
the sum by a decaying average to stop that.
"""

from __future__ import annotations

import numpy as np

from gdlab.optimizers.base import Optimizer, check_nonnegative, registry


@registry.register("adagrad")
class Adagrad(Optimizer):
    defaults = {
        "keras": {"learning_rate": 0.001, "initial_accumulator_value": 0.1, "epsilon": 1e-7},
        "torch": {"learning_rate": 0.01, "initial_accumulator_value": 0.0, "epsilon": 1e-10},
    }
    slots = ("accumulator",)

    def __init__(self, learning_rate=None, initial_accumulator_value=None, epsilon=None, lr_decay=0.0, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value = check_nonnegative(
            "initial_accumulator_value", self.default("initial_accumulator_value", initial_accumulator_value))
        self.epsilon = check_nonnegative("epsilon", self.default("epsilon", epsilon))
        self.lr_decay = check_nonnegative("lr_decay", lr_decay)
        if self.lr_decay and self.convention != "torch":
            raise ValueError("lr_decay exists only in convention='torch'; use a learning-rate schedule instead")

    def hyperparameters(self):
        return {"initial_accumulator_value": self.initial_accumulator_value, "epsilon": self.epsilon,
                "lr_decay": self.lr_decay}

    def init_state(self, theta):
        return {"accumulator": np.full_like(theta, self.initial_accumulator_value)}

    def update_keras(self, theta, g, state, t, lr):
        a, eta, eps = state["accumulator"], lr, self.epsilon
        a += g * g  # a ← a + g²
        theta -= eta * g / np.sqrt(a + eps)  # θ ← θ − η·g/√(a + ε)

    def update_torch(self, theta, g, state, t, lr):
        s, eps = state["accumulator"], self.epsilon
        gamma = lr / (1 + (t - 1) * self.lr_decay)  # γ̃ = γ/(1 + (t − 1)·lr_decay)
        s += g * g  # s ← s + g²
        theta -= gamma * g / (np.sqrt(s) + eps)  # θ ← θ − γ̃·g/(√s + ε)
