"""RMSprop: divide the step by a decaying root-mean-square of recent gradients.

Unlike Adagrad's ever-growing sum, the average v forgets: a gradient k steps
old has weight (1 − ρ)ρᵏ — the tutorial's "RMSprop accumulates only the
gradients of recent iterations".

    v ← ρ·v + (1 − ρ)·g²
    ḡ ← ρ·ḡ + (1 − ρ)·g                        (centered only)
    s = v  or, centered,  s = v − ḡ²
    d = √(s + ε)  (eps_inside_sqrt, Keras)   or   d = √s + ε  (PyTorch)
    μ = 0:  θ ← θ − η·g/d
    μ > 0, lr_inside_momentum (Keras):   m ← μ·m + η·g/d;   θ ← θ − m
    μ > 0, otherwise (PyTorch):          m ← μ·m + g/d;     θ ← θ − η·m

Keras: η = 0.001, ρ = 0.9, ε = 1e-7.  PyTorch: γ = 0.01, α = ρ = 0.99, ε = 1e-8.
"""

from __future__ import annotations


from gdlab.optimizers.base import Optimizer, Slot, registry
from gdlab.validation import flag, nonnegative, unit_interval


@registry.register("rmsprop")
class RMSprop(Optimizer):
    arguments = {"rho": unit_interval, "momentum": unit_interval, "epsilon": nonnegative, "centered": flag,
                 "eps_inside_sqrt": flag, "lr_inside_momentum": flag}
    rule = "rmsprop"

    def __init__(self, learning_rate=None, rho=None, momentum=0.0, epsilon=None, centered=False, eps_inside_sqrt=None,
                 lr_inside_momentum=None, **kwargs):
        super().__init__(learning_rate, rho=rho, momentum=momentum, epsilon=epsilon, centered=centered,
                         eps_inside_sqrt=eps_inside_sqrt, lr_inside_momentum=lr_inside_momentum, **kwargs)

    def slots(self):
        return {"velocity": Slot(nonnegative=True), **({"momentum": Slot()} if self.momentum else {}),
                **({"average_gradient": Slot()} if self.centered else {})}

    def update(self, theta, g, state, t, lr):
        v, rho, eps, mu = state["velocity"], self.rho, self.epsilon, self.momentum
        v[...] = v * rho + (1 - rho) * g * g  # v ← ρ·v + (1 − ρ)·g²
        s = v
        if self.centered:
            gbar = state["average_gradient"]
            gbar[...] = gbar * rho + (1 - rho) * g  # ḡ ← ρ·ḡ + (1 − ρ)·g
            s = v - gbar * gbar  # s = v − ḡ²
        d = self.xp.sqrt(s + eps) if self.eps_inside_sqrt else self.xp.sqrt(s) + eps  # √(s + ε)  or  √s + ε
        if not mu:
            theta -= lr * g / d  # θ ← θ − η·g/d
        elif self.lr_inside_momentum:
            m = state["momentum"]
            m[...] = m * mu + lr * g / d  # m ← μ·m + η·g/d
            theta -= m  # θ ← θ − m
        else:
            m = state["momentum"]
            m[...] = m * mu + g / d  # m ← μ·m + g/d
            theta -= lr * m  # θ ← θ − η·m
