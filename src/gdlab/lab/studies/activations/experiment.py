"""Every activation and its derivative on a grid (softmax: the first of two logits [z, 0]).

The derivative drawn is the lab's own: central differences of gdlab's forward
pass, f′(z) ≈ (f(z + h) − f(z − h))/2h, and for softmax the Jacobian's diagonal
∂aᵢ/∂zᵢ = aᵢ(1 − aᵢ). Whether gdlab's backward pass is right is checked
separately: a gradient check of a small network with each activation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gdlab import Sequential
from gdlab import activations as act_mod
from gdlab.gradcheck import gradcheck
from gdlab.i18n import t
from gdlab.lab.studies.activations import Settings
from gdlab.layers import Dense
from gdlab.reporting.tables import Table, fmt

SHOWN = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "gelu", "softmax", "linear"]
NAMED = ["sigmoid", "tanh", "relu", "leaky_relu", "softmax"]  # the tutorial's five
STEP = 1e-5


def central_derivative(f, z: np.ndarray, h: float = STEP) -> np.ndarray:
    """f′(z) ≈ (f(z + h) − f(z − h)) / 2h."""
    return (f(z + h) - f(z - h)) / (2 * h)


def softmax_jacobian_diagonal(a: np.ndarray) -> np.ndarray:
    """∂aᵢ/∂zᵢ = aᵢ(1 − aᵢ): the diagonal of softmax's Jacobian diag(a) − a·aᵀ."""
    return a * (1 - a)


def backprop_check(name: str, seed: int = 0) -> float:
    """Largest relative error of a 3-4-3 network with ``name`` in its hidden (softmax: output) layer."""
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    layers = [Dense(4, activation="tanh"), Dense(3, activation="softmax")] if name == "softmax" else \
        [Dense(4, activation=name), Dense(3)]
    model = Sequential(layers, dtype="float64", seed=seed)
    model.compile("sgd", "mse")
    return gradcheck(model, x, y).max_relative_error


@dataclass
class ActivationCurves:
    z: np.ndarray
    values: dict[str, np.ndarray] = field(default_factory=dict)
    derivatives: dict[str, np.ndarray] = field(default_factory=dict)
    backprop_errors: dict[str, float] = field(default_factory=dict)  # the tutorial's five

    def table(self) -> Table:
        rows = []
        for name in self.values:
            d = self.derivatives[name]
            i0 = int(np.argmin(np.abs(self.z)))
            rows.append([name, fmt(float(self.values[name][i0])), fmt(float(d[i0])), fmt(float(d.max())),
                         fmt(float(d[0])), fmt(float(d[-1]))])
        return Table([t("activations.col_activation"), "f(0)", "f'(0)", "max f'", f"f'({self.z[0]:g})",
                      f"f'({self.z[-1]:g})"], rows)


def run(settings: Settings = Settings(), names=None) -> ActivationCurves:
    z = np.linspace(settings.z_min, settings.z_max, settings.points)
    result = ActivationCurves(z=z)
    for name in names or SHOWN:
        act = act_mod.get(name)
        if name == "softmax":  # two classes, logits [z, 0]: softmax(z)₀ = σ(z)
            a = act(np.stack([z, np.zeros_like(z)], axis=1))[:, 0]
            result.values[name] = a
            result.derivatives[name] = softmax_jacobian_diagonal(a)
        else:
            result.values[name] = act(z)
            result.derivatives[name] = central_derivative(act, z)
    result.backprop_errors = {name: backprop_check(name) for name in NAMED}
    return result
