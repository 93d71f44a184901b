"""Every activation and its derivative on a grid (softmax: the first of two logits [z, 0])."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gdlab import activations as act_mod
from gdlab.lab.experiments.common import Table, fmt

SHOWN = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "gelu", "softmax", "linear"]


@dataclass
class ActivationCurves:
    z: np.ndarray
    values: dict[str, np.ndarray] = field(default_factory=dict)
    derivatives: dict[str, np.ndarray] = field(default_factory=dict)

    def table(self) -> Table:
        rows = []
        for name in self.values:
            d = self.derivatives[name]
            i0 = int(np.argmin(np.abs(self.z)))
            rows.append([name, fmt(float(self.values[name][i0])), fmt(float(d[i0])), fmt(float(d.max())),
                         fmt(float(d[0])), fmt(float(d[-1]))])
        return Table(["activation", "f(0)", "f'(0)", "max f'", f"f'({self.z[0]:g})", f"f'({self.z[-1]:g})"], rows)


def activation_curves(z_min: float = -5.0, z_max: float = 5.0, points: int = 401, names=None) -> ActivationCurves:
    z = np.linspace(z_min, z_max, points)
    result = ActivationCurves(z=z)
    for name in names or SHOWN:
        act = act_mod.get(name)
        if name == "softmax":  # two classes, logits [z, 0]: softmax(z)₀ = σ(z)
            logits = np.stack([z, np.zeros_like(z)], axis=1)
            a = act(logits)
            result.values[name] = a[:, 0]
            result.derivatives[name] = act.vjp(logits, a, np.stack([np.ones_like(z), np.zeros_like(z)], 1))[:, 0]
        else:
            a = act(z)
            result.values[name] = a
            result.derivatives[name] = act.derivative(z, a)
    return result
