"""Stochastic gradient descent, with momentum and Nesterov momentum.

With μ = 0 both conventions are θ ← θ − η·g. With momentum, ``lr_inside_momentum``
decides what the buffer holds:

lr_inside_momentum=True (Keras; η = 0.01, μ = 0):
    v ← μ·v − η·g                      velocity, η inside the buffer
    θ ← θ + v                          plain momentum
    θ ← θ + μ·v − η·g                  nesterov=True

lr_inside_momentum=False (PyTorch; γ = 0.001, μ = 0, τ = dampening = 0):
    b ← g  at t = 1,  else  b ← μ·b + (1 − τ)·g     buffer of raw gradients
    d ← g + μ·b  (nesterov)  or  d ← b
    θ ← θ − η·d                        η outside the buffer

While η is constant the two give the same iterates (v = −η·b); when η changes,
Keras's velocity keeps the old η inside it while PyTorch's step rescales the
whole buffer at once.
"""

from __future__ import annotations

from gdlab.opcodes import Update
from gdlab.optimizers.base import Optimizer, Slot, no_slot, registry
from gdlab.validation import flag, unit_interval


@registry.register("sgd")
class SGD(Optimizer):
    arguments = {"momentum": unit_interval, "nesterov": flag, "dampening": unit_interval,
                 "lr_inside_momentum": flag}
    rule = "sgd"
    supports_compiled_epoch = True

    def __init__(self, learning_rate=None, momentum=0.0, nesterov=False, dampening=0.0, lr_inside_momentum=None,
                 **kwargs):
        super().__init__(learning_rate, momentum=momentum, nesterov=nesterov, dampening=dampening,
                         lr_inside_momentum=lr_inside_momentum, **kwargs)
        if self.dampening and self.lr_inside_momentum:
            raise ValueError(f"dampening={dampening!r} exists only in convention='torch' (lr_inside_momentum=False)")
        if self.nesterov and not self.lr_inside_momentum and (self.momentum == 0 or self.dampening):
            raise ValueError("nesterov=True under convention='torch' (lr_inside_momentum=False) needs momentum > 0 "
                             "and dampening = 0")

    def slots(self):
        return {"velocity": Slot()} if self.momentum else {}

    def kernel_flags(self):
        if not self.momentum:
            return {"momentum": False}
        return {"momentum": True, "nesterov": self.nesterov, "lr_inside_momentum": self.lr_inside_momentum}

    def kernel_arguments(self, lr, dtype):
        if not self.momentum:
            return int(Update.SGD), self._hyperparameters(lr), no_slot(dtype), no_slot(dtype)
        code = Update.SGD_KERAS if self.lr_inside_momentum else Update.SGD_TORCH  # v holds η·g, or raw steps
        hp = self._hyperparameters(lr, MU=self.momentum, ONE_MINUS_TAU=1 - self.dampening, NESTEROV=self.nesterov)
        return int(code), hp, self.state["velocity"], no_slot(dtype)

    def update(self, theta, g, state, t, lr):
        mu, eta = self.momentum, lr
        if not mu:
            theta -= g * eta  # θ ← θ − η·g
        elif self.lr_inside_momentum:
            v = state["velocity"]
            v[...] = v * mu - g * eta  # v ← μ·v − η·g
            theta += v * mu - g * eta if self.nesterov else v  # θ ← θ + μ·v − η·g  or  θ ← θ + v
        else:
            b = state["velocity"]
            b[...] = g if t == 1 else b * mu + g * (1 - self.dampening)  # b ← g  or  b ← μ·b + (1 − τ)·g
            d = g + b * mu if self.nesterov else b  # d ← g + μ·b  or  d ← b
            theta -= d * eta  # θ ← θ − η·d
