"""Per-example gradients and the gradient noise scale (McCandlish et al. 2018).

For per-example gradients gᵢ (i = 1..n) of the loss at θ:
    G      = (1/n) Σ gᵢ                               the full-batch gradient estimate
    tr(Σ)  = (1/(n − 1)) Σ ‖gᵢ − G‖²                  trace of the per-example covariance
    |G|²   ≈ ‖G‖² − tr(Σ)/n                           unbiased: E‖G‖² = |G_true|² + tr(Σ)/n
    B_simple = tr(Σ) / |G|²

B_simple estimates the critical batch size: below it, doubling the batch
nearly halves the steps needed; above it, larger batches stop paying off.
"""

from __future__ import annotations

import numpy as np


def per_example_gradients(model, x, y) -> np.ndarray:
    """(n, P): ∂L/∂θ for each sample alone (batch of one), at the model's current θ."""
    x, y = model.prepare(x, y)
    out = np.empty((x.shape[0], model.parameters.size), dtype=np.float64)
    for i in range(x.shape[0]):
        out[i] = model.loss_and_gradient(x[i:i + 1], y[i:i + 1])[1]
    return out


def noise_scale(grads: np.ndarray) -> dict:
    """B_simple = tr(Σ)/|G|² from per-example gradients (rows); also returns its parts."""
    grads = np.asarray(grads, dtype=np.float64)
    n = grads.shape[0]
    if n < 2:
        raise ValueError(f"need at least 2 per-example gradients; got {n}")
    g_mean = grads.mean(axis=0)
    trace_sigma = float(((grads - g_mean) ** 2).sum() / (n - 1))
    g2_biased = float(g_mean @ g_mean)
    g2 = g2_biased - trace_sigma / n
    return {
        "trace_sigma": trace_sigma,
        "g_norm2": g2,
        "g_norm2_biased": g2_biased,
        "b_simple": trace_sigma / g2 if g2 > 0 else float("inf"),
        "n": n,
    }
