"""Adam — adaptive moment estimation — and AdamW.

Adam combines momentum (m, a decaying average of gradients) with RMSprop
(v, a decaying average of squared gradients), both corrected for their start
at zero.

Keras (default; η = 0.001, β₁ = 0.9, β₂ = 0.999, ε̂ = 1e-7):
    m ← m + (1 − β₁)·(g − m)
    v ← v + (1 − β₂)·(g² − v)
    v̂ ← max(v̂, v)                            (amsgrad: the max of the *uncorrected* v)
    α = η·√(1 − β₂ᵗ)/(1 − β₁ᵗ)
    θ ← θ − α·m/(√v + ε̂)                     ε̂ outside the bias correction ("epsilon hat")

PyTorch (convention="torch"; γ = 0.001, β₁ = 0.9, β₂ = 0.999, ε = 1e-8):
    m ← m + (1 − β₁)·(g − m)
    v ← β₂·v + (1 − β₂)·g²
    v̂ ← max(v̂, v)                            (amsgrad)
    θ ← θ − (γ/(1 − β₁ᵗ))·m/(√v/√(1 − β₂ᵗ) + ε)     ε inside the bias correction

The two agree exactly when ε̂ = ε·√(1 − β₂ᵗ): Keras's ε̂ is the paper's
"epsilon hat", PyTorch's ε the paper's Algorithm 1 ε.

AdamW = Adam with decoupled weight decay θ ← θ − η·λ·θ before each step
(Keras: λ = 0.004; PyTorch: λ = 0.01, written θ ← θ·(1 − γ·λ)).
"""

from __future__ import annotations

import math

import numpy as np

from gdlab import kernels
from gdlab.optimizers.base import MomentsOptimizer, registry


@registry.register("adam")
class Adam(MomentsOptimizer):
    defaults = {
        "keras": {"learning_rate": 0.001, "epsilon": 1e-7},
        "torch": {"learning_rate": 0.001, "epsilon": 1e-8},
    }

    def __init__(self, learning_rate=None, beta_1=0.9, beta_2=0.999, epsilon=None, amsgrad=False, **kwargs):
        super().__init__(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, **kwargs)
        self.amsgrad = bool(amsgrad)
        self.slots = ("m", "v") + (("v_hat",) if self.amsgrad else ())

    def hyperparameters(self):
        return {**super().hyperparameters(), "amsgrad": self.amsgrad}

    def _max_v(self, state, v):
        """AMSGrad: v̂ ← max(v̂, v), used in place of v; plain Adam: v itself."""
        if not self.amsgrad:
            return v
        return np.maximum(state["v_hat"], v, out=state["v_hat"])

    def update_keras(self, theta, g, state, t, lr):
        m, v, b1, b2 = state["m"], state["v"], self.beta_1, self.beta_2
        m += (g - m) * (1 - b1)  # m ← m + (1 − β₁)·(g − m)
        v += (g * g - v) * (1 - b2)  # v ← v + (1 − β₂)·(g² − v)
        v = self._max_v(state, v)  # v̂ ← max(v̂, v)
        alpha = lr * math.sqrt(1 - b2**t) / (1 - b1**t)  # α = η·√(1 − β₂ᵗ)/(1 − β₁ᵗ)
        theta -= m * alpha / (np.sqrt(v) + self.epsilon)  # θ ← θ − α·m/(√v + ε̂)

    def update_torch(self, theta, g, state, t, lr):
        m, v, b1, b2 = state["m"], state["v"], self.beta_1, self.beta_2
        m += (1 - b1) * (g - m)  # m ← m + (1 − β₁)·(g − m)
        v[...] = v * b2 + (1 - b2) * g * g  # v ← β₂·v + (1 − β₂)·g²
        v = self._max_v(state, v)  # v̂ ← max(v̂, v)
        step_size = lr / (1 - b1**t)  # γ/(1 − β₁ᵗ)
        denom = np.sqrt(v) / math.sqrt(1 - b2**t) + self.epsilon  # √v/√(1 − β₂ᵗ) + ε
        theta -= step_size * m / denom  # θ ← θ − (γ/(1 − β₁ᵗ))·m/denom


    # -- in place: the same operations in the same order, no temporaries ---------------------------
    def fast_update_keras(self, theta, g, state, t, lr):
        m, v, b1, b2 = state["m"], state["v"], self.beta_1, self.beta_2
        if kernels.ENABLED and not self.amsgrad:
            dt = theta.dtype.type
            alpha = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
            kernels.adam_keras(theta, g, m, v, dt(1 - b1), dt(1 - b2), dt(alpha), dt(self.epsilon), kernels.tiny(dt))
            return
        (s,) = self.scratch(theta, 1)
        np.multiply(g, g, out=s)
        s -= v
        s *= 1 - b2
        v += s  # v ← v + (1 − β₂)·(g² − v)
        g -= m
        g *= 1 - b1
        m += g  # m ← m + (1 − β₁)·(g − m)
        v = self._max_v(state, v)  # v̂ ← max(v̂, v)
        alpha = lr * math.sqrt(1 - b2**t) / (1 - b1**t)  # α = η·√(1 − β₂ᵗ)/(1 − β₁ᵗ)
        np.sqrt(v, out=s)
        s += self.epsilon
        np.multiply(m, alpha, out=g)
        g /= s
        theta -= g  # θ ← θ − α·m/(√v + ε̂)

    def fast_update_torch(self, theta, g, state, t, lr):
        m, v, b1, b2 = state["m"], state["v"], self.beta_1, self.beta_2
        if kernels.ENABLED and not self.amsgrad:
            dt = theta.dtype.type
            kernels.adam_torch(theta, g, m, v, dt(1 - b1), dt(b2), dt(1 - b2), dt(lr / (1 - b1**t)),
                               dt(math.sqrt(1 - b2**t)), dt(self.epsilon), kernels.tiny(dt))
            return
        (s,) = self.scratch(theta, 1)
        np.multiply(g, 1 - b2, out=s)
        s *= g
        v *= b2
        v += s  # v ← β₂·v + (1 − β₂)·g²
        g -= m
        g *= 1 - b1
        m += g  # m ← m + (1 − β₁)·(g − m)
        v = self._max_v(state, v)  # v̂ ← max(v̂, v)
        step_size = lr / (1 - b1**t)  # γ/(1 − β₁ᵗ)
        np.sqrt(v, out=s)
        s /= math.sqrt(1 - b2**t)
        s += self.epsilon  # √v/√(1 − β₂ᵗ) + ε
        np.multiply(m, step_size, out=g)
        g /= s
        theta -= g  # θ ← θ − (γ/(1 − β₁ᵗ))·m/denom


@registry.register("adamw")
class AdamW(Adam):
    defaults = {
        "keras": {"learning_rate": 0.001, "epsilon": 1e-7, "weight_decay": 0.004},
        "torch": {"learning_rate": 0.001, "epsilon": 1e-8, "weight_decay": 0.01},
    }
    decoupled_weight_decay = True

    def __init__(self, learning_rate=None, weight_decay=None, beta_1=0.9, beta_2=0.999, epsilon=None,
                 amsgrad=False, convention="keras", **kwargs):
        if convention not in self.defaults:
            raise ValueError(f"convention={convention!r}; valid: 'keras', 'torch'")
        weight_decay = self.defaults[convention]["weight_decay"] if weight_decay is None else weight_decay
        super().__init__(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, amsgrad=amsgrad,
                         weight_decay=weight_decay, convention=convention, **kwargs)
