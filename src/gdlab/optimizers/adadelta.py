"""Adadelta: Adagrad with a decaying average, and step sizes in the units of θ.

Both conventions (only the defaults differ):
    E[g²] ← ρ·E[g²] + (1 − ρ)·g²
    Δ     = √(E[Δ²] + ε) / √(E[g²] + ε) · g
    E[Δ²] ← ρ·E[Δ²] + (1 − ρ)·Δ²
    θ     ← θ − η·Δ

Keras: η = 0.001, ρ = 0.95, ε = 1e-7.   PyTorch: γ = 1.0, ρ = 0.9, ε = 1e-6.
(Zeiler's paper has no η — it is PyTorch's γ = 1; Keras scales Δ by η.)
"""

from __future__ import annotations


from gdlab.optimizers.base import Optimizer, Slot, registry
from gdlab.validation import nonnegative, unit_interval


@registry.register("adadelta")
class Adadelta(Optimizer):
    arguments = {"rho": unit_interval, "epsilon": nonnegative}
    rule = "adadelta"

    def __init__(self, learning_rate=None, rho=None, epsilon=None, **kwargs):
        super().__init__(learning_rate, rho=rho, epsilon=epsilon, **kwargs)

    def slots(self):
        return {"accumulated_grad": Slot(nonnegative=True), "accumulated_delta": Slot(nonnegative=True)}

    def update(self, theta, g, state, t, lr):
        Eg2, Ed2, rho, eps = state["accumulated_grad"], state["accumulated_delta"], self.rho, self.epsilon
        Eg2[...] = Eg2 * rho + (1 - rho) * g * g  # E[g²] ← ρ·E[g²] + (1 − ρ)·g²
        delta = self.xp.sqrt(Ed2 + eps) / self.xp.sqrt(Eg2 + eps) * g  # Δ = √(E[Δ²] + ε)/√(E[g²] + ε)·g
        Ed2[...] = Ed2 * rho + (1 - rho) * delta * delta  # E[Δ²] ← ρ·E[Δ²] + (1 − ρ)·Δ²
        theta -= lr * delta  # θ ← θ − η·Δ
