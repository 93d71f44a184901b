"""Adagrad: a per-parameter learning rate that shrinks with the sum of all past squared gradients.

    η̃ = η / (1 + (t − 1)·lr_decay)             (lr_decay: PyTorch only)
    a ← a + g²                                 a starts at initial_accumulator_value
    θ ← θ − η̃·g / √(a + ε)                     eps_inside_sqrt=True (Keras)
    θ ← θ − η̃·g / (√a + ε)                     eps_inside_sqrt=False (PyTorch)

Keras: η = 0.001, a₀ = 0.1, ε = 1e-7.  PyTorch: γ = 0.01, a₀ = 0, ε = 1e-10.
Because ``a`` only grows, the step size only shrinks — Adadelta and RMSprop
replace the sum by a decaying average to stop that.
"""

from __future__ import annotations


from gdlab.optimizers.base import Optimizer, Slot, registry
from gdlab.validation import flag, nonnegative


@registry.register("adagrad")
class Adagrad(Optimizer):
    arguments = {"initial_accumulator_value": nonnegative, "epsilon": nonnegative, "lr_decay": nonnegative,
                 "eps_inside_sqrt": flag}
    rule = "adagrad"

    def __init__(self, learning_rate=None, initial_accumulator_value=None, epsilon=None, lr_decay=0.0,
                 eps_inside_sqrt=None, **kwargs):
        super().__init__(learning_rate, initial_accumulator_value=initial_accumulator_value, epsilon=epsilon,
                         lr_decay=lr_decay, eps_inside_sqrt=eps_inside_sqrt, **kwargs)
        if self.lr_decay and self.convention != "torch":
            raise ValueError("lr_decay exists only in convention='torch'; use a learning-rate schedule instead")

    def slots(self):
        return {"accumulator": Slot(self.initial_accumulator_value, nonnegative=True)}

    def update(self, theta, g, state, t, lr):
        a, eps = state["accumulator"], self.epsilon
        eta = lr / (1 + (t - 1) * self.lr_decay)  # η̃ = η/(1 + (t − 1)·lr_decay)
        a += g * g  # a ← a + g²
        d = self.xp.sqrt(a + eps) if self.eps_inside_sqrt else self.xp.sqrt(a) + eps  # √(a + ε)  or  √a + ε
        theta -= eta * g / d  # θ ← θ − η̃·g/d
