"""When training blows up: say where, which parameter went first, and why it probably did.

The message names the epoch and iteration, the learning rate, the first
parameter array (in layer order) holding a NaN/inf — or, when all parameters
are still finite, the first layer whose output overflowed — the tail of the
recorded gradient norms and losses, and, for a model whose loss is quadratic
in its parameters (one linear Dense layer with MSE), the comparison of η with
the divergence threshold 2/λ_max, λ_max the largest curvature of the loss:

    L(θ) = (1/(N·K)) ‖X̃θ − Y‖²   ⇒   λ_max = (2/(N·K))·σ_max(X̃ᵀX̃),   X̃ = [X, 1] with a bias.

Gradient descent on a quadratic diverges for every η > 2/λ_max.
"""

from __future__ import annotations

import numpy as np

from gdlab.activations import Linear
from gdlab.layers import Dense
from gdlab.losses import MeanSquaredError


def first_nonfinite_parameter(model) -> str | None:
    xp, theta = model.backend.xp, model.parameters.theta
    if bool(xp.all(xp.isfinite(theta))):  # one reduction (and one device sync) in the common case
        return None
    theta = model.backend.to_numpy(theta)
    for seg in model.parameters.segments:
        bad = ~np.isfinite(theta[seg.slice])
        if bad.any():
            return f"{seg.name} ({int(bad.sum()):,} of {bad.size:,} entries non-finite)"
    return None


def first_overflowing_layer(model, xb) -> str | None:
    xp = model.backend.xp
    with np.errstate(all="ignore"):
        out = model.backend.asarray(xb)
        for layer in model.layers:
            out = layer.forward(out, training=False)
            if not bool(xp.all(xp.isfinite(out))):
                return layer.name
    return None


def quadratic_curvature(model, x) -> float | None:
    """λ_max when the loss is quadratic in θ (one Dense layer, linear activation, MSE); else None."""
    layers = model.layers
    if len(layers) != 1 or not isinstance(layers[0], Dense) or not isinstance(layers[0].activation, Linear):
        return None
    if not isinstance(model.loss, MeanSquaredError):
        return None
    xt = np.asarray(x, dtype=np.float64).reshape(x.shape[0], -1)
    if layers[0].use_bias:
        xt = np.hstack([xt, np.ones((xt.shape[0], 1))])
    k = layers[0].units
    return float(2.0 / (xt.shape[0] * k) * np.linalg.eigvalsh(xt.T @ xt)[-1])


def diagnose(model, *, epoch: int, iteration: int, global_iteration: int, loss, xb, x_full,
             grad_norms, loss_tail) -> str:
    lr = model.optimizer.current_learning_rate()
    lines = [f"training diverged: the loss became {loss} at epoch {epoch + 1}, iteration {iteration} "
             f"(iteration {global_iteration} overall), learning rate {lr:g}."]
    param = first_nonfinite_parameter(model)
    if param:
        lines.append(f"First non-finite parameter (in layer order): {param}.")
    else:
        layer = first_overflowing_layer(model, xb)
        lines.append("All parameters are still finite; "
                     + (f"the forward pass overflowed first in layer {layer!r}." if layer
                        else "the loss itself overflowed."))
    if grad_norms:
        tail = ", ".join(f"{n:.3g} (it. {i})" for i, n in grad_norms)
        lines.append(f"Gradient norm ‖g‖ tail: {tail}.")
    if loss_tail:
        lines.append("Loss tail: " + ", ".join(f"{v:.4g}" for v in loss_tail) + ".")
    lam = quadratic_curvature(model, x_full)
    if lam:
        verdict = "above" if lr > 2 / lam else "below"
        lines.append(f"The loss is quadratic in the weights with largest curvature λ_max = {lam:.4g}: gradient "
                     f"descent diverges for η > 2/λ_max = {2 / lam:.4g}, and η = {lr:g} is {verdict} it "
                     f"(η·λ_max = {lr * lam:.3g}). η = 1/λ_max = {1 / lam:.4g} is the fastest safe step.")
    else:
        lines.append("Lower the learning rate (or clip gradients with clipnorm=), and check the data for "
                     "extreme values.")
    return " ".join(lines)
