"""Lion — evolved sign momentum (Chen et al. 2023): every step has the same size η per entry.

    c = β₁·m + (1 − β₁)·g              interpolate for the step
    θ ← θ − η·sign(c)
    m ← β₂·m + (1 − β₂)·g              then update the momentum

Weight decay is decoupled in both conventions (as in the paper).
Keras (default): η = 0.001, β₁ = 0.9, β₂ = 0.99.
convention="torch": PyTorch has no Lion; this follows the paper's reference
PyTorch code (lion_pytorch): η = 1e-4.
A sign step is ~√n times larger than an Adam step of the same η: use a 3–10×
smaller η than for Adam.
"""

from __future__ import annotations


from gdlab.optimizers.base import Optimizer, Slot, registry
from gdlab.validation import unit_interval


@registry.register("lion")
class Lion(Optimizer):
    arguments = {"beta_1": unit_interval, "beta_2": unit_interval}
    rule = "lion"

    def __init__(self, learning_rate=None, beta_1=0.9, beta_2=0.99, **kwargs):
        super().__init__(learning_rate, beta_1=beta_1, beta_2=beta_2, **kwargs)

    def slots(self):
        return {"m": Slot()}

    def update(self, theta, g, state, t, lr):
        m, b1, b2 = state["m"], self.beta_1, self.beta_2
        theta -= lr * self.xp.sign(m * b1 + g * (1 - b1))  # θ ← θ − η·sign(β₁·m + (1 − β₁)·g)
        m[...] = m * b2 + g * (1 - b2)  # m ← β₂·m + (1 − β₂)·g
