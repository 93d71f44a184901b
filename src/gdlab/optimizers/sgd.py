"""Stochastic gradient descent, with momentum and Nesterov momentum.

Keras (default; η = 0.01, μ = 0):
    v ← μ·v − η·g                      velocity, η inside the buffer
    θ ← θ + v                          plain momentum
    θ ← θ + μ·v − η·g                  nesterov=True

PyTorch (convention="torch"; γ = 0.001, μ = 0, τ = dampening = 0):
    b ← g  at t = 1,  else  b ← μ·b + (1 − τ)·g     buffer of raw gradients
    d ← g + μ·b  (nesterov)  or  d ← b
    θ ← θ − γ·d                        η outside the buffer

With μ = 0 both are θ ← θ − η·g. While η is constant the two conventions give
the same iterates (v = −η·b); when η changes, Keras's velocity keeps the old η
inside it while PyTorch's step rescales the whole buffer at once.
"""

from __future__ import annotations

import numpy as np

from gdlab import kernels
from gdlab.optimizers.base import Optimizer, check_unit_interval, registry


@registry.register("sgd")
class SGD(Optimizer):
    defaults = {"keras": {"learning_rate": 0.01}, "torch": {"learning_rate": 0.001}}

    def __init__(self, learning_rate=None, momentum=0.0, nesterov=False, dampening=0.0, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.momentum = check_unit_interval("momentum", momentum)
        self.nesterov = bool(nesterov)
        self.dampening = check_unit_interval("dampening", dampening)
        if self.dampening and self.convention != "torch":
            raise ValueError(f"dampening={dampening!r} exists only in convention='torch'")
        if self.nesterov and self.convention == "torch" and (self.momentum == 0 or self.dampening):
            raise ValueError("nesterov=True under convention='torch' needs momentum > 0 and dampening = 0")
        self.slots = ("velocity",) if self.momentum else ()

    def hyperparameters(self):
        return {"momentum": self.momentum, "nesterov": self.nesterov, "dampening": self.dampening}

    def update_keras(self, theta, g, state, t, lr):
        mu, eta = self.momentum, lr
        if not mu:
            theta -= eta * g  # θ ← θ − η·g
            return
        v = state["velocity"]
        v[...] = mu * v - eta * g  # v ← μ·v − η·g
        if self.nesterov:
            theta += mu * v - eta * g  # θ ← θ + μ·v − η·g
        else:
            theta += v  # θ ← θ + v

    def update_torch(self, theta, g, state, t, lr):
        mu, gamma, tau = self.momentum, lr, self.dampening
        if mu:
            b = state["velocity"]
            if t == 1:
                b[...] = g  # b ← g
            else:
                b[...] = mu * b + (1 - tau) * g  # b ← μ·b + (1 − τ)·g
            g = g + mu * b if self.nesterov else b  # d ← g + μ·b  or  d ← b
        theta -= gamma * g  # θ ← θ − γ·d

    # -- in place: the same operations in the same order, no temporaries ---------------------------
    def fast_update_keras(self, theta, g, state, t, lr):
        mu, eta = self.momentum, lr
        if kernels.ENABLED:
            dt = theta.dtype.type
            if mu:
                kernels.sgd_momentum_keras(theta, g, state["velocity"], dt(mu), dt(eta), self.nesterov,
                                           kernels.tiny(dt))
            else:
                kernels.sgd(theta, g, dt(eta))
            return
        g *= eta  # η·g
        if not mu:
            theta -= g  # θ ← θ − η·g
            return
        v = state["velocity"]
        v *= mu
        v -= g  # v ← μ·v − η·g
        if self.nesterov:
            (s,) = self.scratch(theta, 1)
            np.multiply(v, mu, out=s)
            s -= g
            theta += s  # θ ← θ + μ·v − η·g
        else:
            theta += v  # θ ← θ + v

    def fast_update_torch(self, theta, g, state, t, lr):
        mu, gamma, tau = self.momentum, lr, self.dampening
        if kernels.ENABLED:
            dt = theta.dtype.type
            if mu:
                kernels.sgd_momentum_torch(theta, g, state["velocity"], dt(mu), dt(1 - tau), dt(gamma), t == 1,
                                           self.nesterov, kernels.tiny(dt))
            else:
                kernels.sgd(theta, g, dt(gamma))
            return
        if mu:
            b = state["velocity"]
            (s,) = self.scratch(theta, 1)
            if t == 1:
                b[...] = g  # b ← g
            else:
                b *= mu
                np.multiply(g, 1 - tau, out=s)
                b += s  # b ← μ·b + (1 − τ)·g
            if self.nesterov:
                np.multiply(b, mu, out=s)
                g += s  # d ← g + μ·b
            else:
                g = b  # d ← b
            np.multiply(g, gamma, out=s)
            theta -= s  # θ ← θ − γ·d
            return
        g *= gamma
        theta -= g  # θ ← θ − γ·g
