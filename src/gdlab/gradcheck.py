"""Finite-difference gradient checking: is backprop's ∂L/∂θ the true derivative?

For every parameter θᵢ (or a random sample of them):

    numeric_i  = (L(θ + h·eᵢ) − L(θ − h·eᵢ)) / (2h)        central difference, error O(h²)
    rel_err_i  = |analytic_i − numeric_i| / max(|analytic_i|, |numeric_i|, floor)

in float64 (a float32 model is checked on a float64 copy, on the model's backend). The check passes
when max rel_err < ``tolerance``. ``floor`` keeps entries whose gradient is ~0
from dividing round-off noise by ~0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class GradcheckResult:
    passed: bool
    max_relative_error: float
    worst_parameter: str  # e.g. "dense_1/kernel[3, 2]"
    analytic: float  # the analytic and numeric derivative at the worst parameter
    numeric: float
    checked: int  # how many parameters were checked

    def __bool__(self) -> bool:
        return self.passed


def numeric_gradient(f, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """∂f/∂x by central differences, for a scalar function f of a float64 array x."""
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    flat, gflat = x.reshape(-1), g.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        up = f(x)
        flat[i] = old - h
        down = f(x)
        flat[i] = old
        gflat[i] = (up - down) / (2 * h)
    return g


def relative_error(analytic, numeric, floor: float = 1e-4) -> np.ndarray:
    a, n = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    return np.abs(a - n) / np.maximum(np.maximum(np.abs(a), np.abs(n)), floor)


def gradcheck(model, x, y, h: float = 1e-5, tolerance: float = 1e-6, max_params: int | None = None,
              seed: int = 0, floor: float = 1e-4) -> GradcheckResult:
    """Check a compiled model's backprop against central differences on (x, y).

    Dropout is inactive (the check runs in inference mode, where the loss is a
    deterministic function of θ). ``max_params`` checks a random subset.
    """
    if not model.compiled:
        raise RuntimeError("gradcheck needs a compiled model (it uses the model's loss)")
    model64 = model.clone(dtype="float64")
    x64, y64 = (model64.backend.asarray(a) for a in model64.prepare(x, y))
    _, analytic = model64.loss_and_gradient(x64, y64)
    theta = model64.parameters.theta
    indices = np.arange(theta.size)
    if max_params is not None and max_params < theta.size:
        indices = np.sort(np.random.default_rng(seed).choice(theta.size, max_params, replace=False))

    def loss_at():
        return float(model64.loss(y64, model64.forward(x64)))

    numeric = np.empty(indices.size)
    for k, i in enumerate(indices):
        old = theta[i]
        theta[i] = old + h
        up = loss_at()
        theta[i] = old - h
        down = loss_at()
        theta[i] = old
        numeric[k] = (up - down) / (2 * h)
    err = relative_error(analytic[indices], numeric, floor)
    worst = int(np.argmax(err)) if err.size else 0
    max_err = float(err[worst]) if err.size else 0.0
    return GradcheckResult(
        passed=bool(max_err < tolerance),
        max_relative_error=max_err,
        worst_parameter=model64.parameters.locate(int(indices[worst])) if err.size else "",
        analytic=float(analytic[indices[worst]]) if err.size else 0.0,
        numeric=float(numeric[worst]) if err.size else 0.0,
        checked=int(indices.size),
    )
