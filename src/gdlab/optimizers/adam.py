"""Adam — adaptive moment estimation — and AdamW.

Adam combines momentum (m, a decaying average of gradients) with RMSprop
(v, a decaying average of squared gradients), both corrected for their start
at zero (η = 0.001, β₁ = 0.9, β₂ = 0.999; ε = 1e-7 Keras, 1e-8 PyTorch):

    m ← m + (1 − β₁)·(g − m)
    v ← β₂·v + (1 − β₂)·g²
    v̂ ← max(v̂, v)                            (amsgrad: the max of the *uncorrected* v; used for v below)
    eps_hat=True (Keras):   α = η·√(1 − β₂ᵗ)/(1 − β₁ᵗ);   θ ← θ − α·m/(√v + ε̂)
    eps_hat=False (PyTorch): s = η/(1 − β₁ᵗ);   θ ← θ − s·m/(√v/√(1 − β₂ᵗ) + ε)

The two agree exactly when ε̂ = ε·√(1 − β₂ᵗ): Keras's ε̂ is the paper's
"epsilon hat", added outside the bias correction; PyTorch's ε is the paper's
Algorithm 1 ε, added to the corrected root.

AdamW = Adam with decoupled weight decay θ ← θ − η·λ·θ before each step in
both conventions (λ = 0.004 Keras, 0.01 PyTorch).
"""

from __future__ import annotations

from gdlab.formulas import adam_step_size
from gdlab.opcodes import Update
from gdlab.optimizers.base import MomentsOptimizer, Slot, registry
from gdlab.validation import flag


@registry.register("adam")
class Adam(MomentsOptimizer):
    arguments = {**MomentsOptimizer.arguments, "amsgrad": flag, "eps_hat": flag}
    rule = "adam"
    supports_compiled_epoch = True

    def __init__(self, learning_rate=None, beta_1=0.9, beta_2=0.999, epsilon=None, amsgrad=False, eps_hat=None,
                 **kwargs):
        super().__init__(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, amsgrad=amsgrad,
                         eps_hat=eps_hat, **kwargs)

    def slots(self):
        return {"m": Slot(), "v": Slot(nonnegative=True), **({"v_hat": Slot(nonnegative=True)} if self.amsgrad else {})}

    def kernel_flags(self):
        return {"amsgrad": self.amsgrad, "eps_hat": self.eps_hat}

    def compiled_reasons(self):
        return super().compiled_reasons() + (["Adam(amsgrad=True)"] if self.amsgrad else [])

    def kernel_arguments(self, lr, dtype):
        code = Update.ADAM_KERAS if self.eps_hat else Update.ADAM_TORCH  # ε̂ on √v, or ε on the corrected root
        hp = self._hyperparameters(lr, BETA_1=self.beta_1, BETA_2=self.beta_2, EPS=self.epsilon)
        return int(code), hp, self.state["m"], self.state["v"]

    def update(self, theta, g, state, t, lr):
        m, v, b1, b2 = state["m"], state["v"], self.beta_1, self.beta_2
        m += (g - m) * (1 - b1)  # m ← m + (1 − β₁)·(g − m)
        v[...] = v * b2 + g * (1 - b2) * g  # v ← β₂·v + (1 − β₂)·g²
        if self.amsgrad:
            state["v_hat"][...] = self.xp.maximum(state["v_hat"], v)  # v̂ ← max(v̂, v)
            v = state["v_hat"]
        step, root_c2 = adam_step_size(lr, b1, b2, t, self.eps_hat)  # α = η·√(1 − β₂ᵗ)/(1 − β₁ᵗ)  or  s = η/(1 − β₁ᵗ)
        if self.eps_hat:
            theta -= m * step / (self.xp.sqrt(v) + self.epsilon)  # θ ← θ − α·m/(√v + ε̂)
        else:
            theta -= m * step / (self.xp.sqrt(v) / root_c2 + self.epsilon)  # θ ← θ − s·m/(√v/√(1 − β₂ᵗ) + ε)


@registry.register("adamw")
class AdamW(Adam):
    def __init__(self, learning_rate=None, weight_decay=None, beta_1=0.9, beta_2=0.999, epsilon=None, amsgrad=False,
                 **kwargs):
        super().__init__(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, amsgrad=amsgrad,
                         weight_decay=weight_decay, **kwargs)
