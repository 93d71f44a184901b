"""Loss functions: the value (mean over the batch) and its gradient dL/dŷ (which includes 1/B).

Notation: B samples, K outputs per sample, y the targets, ŷ the predictions.

Softmax + categorical cross-entropy (and sigmoid + binary cross-entropy) are
fused: when the model's last activation is the one the loss pairs with, the
model asks for ``logit_gradient`` — the gradient with respect to the
pre-activation z, ``(p − y)/B`` — and hands it to the last layer's
``backward_from_preactivation`` instead of chaining ∂L/∂p through the
activation's Jacobian. Same value, fewer operations, no division by p.

Values and gradients are computed in the namespace ``xp`` of the loss's
``backend`` (set by the model), in the array-API subset, except the sparse
cross-entropy's row lookup, which uses integer-array indexing (NumPy and CuPy).
"""

from __future__ import annotations

import numpy as np

from gdlab.activations import Sigmoid, Softmax
from gdlab.backend import NUMPY, Backend
from gdlab.config import Configurable
from gdlab.opcodes import LossCode
from gdlab.registry import Registry

EPSILON = 1e-7  # probability clipping, as Keras's backend epsilon


class Loss(Configurable):
    """Base: ``__call__(y, ŷ) -> L`` and ``gradient(y, ŷ) -> dL/dŷ``. L is a float, or on a backend that defers
    synchronisation (CuPy) a 0-d device array, read once per epoch by the fit loop (``Backend.scalar``)."""

    #: the output activation this loss fuses with (``None``: none)
    fuses_with: type | None = None
    #: targets are integer class labels (checked against the number of outputs)
    sparse_targets = False
    #: the array backend (the model's)
    backend: Backend = NUMPY
    #: the loss's code in the compiled epoch (``gdlab.opcodes.LossCode``); None: it cannot run this loss
    compiled_code: LossCode | None = None

    def compiled_reasons(self, output_activation, fused: bool) -> list[str]:
        """Why the compiled epoch cannot run this loss on an output layer with ``output_activation``
        (``fused``: softmax and cross-entropy fused into (p − y)/B); [] when it can."""
        if self.compiled_code is None:
            able = [cls.__name__ for cls in registry.classes() if cls.compiled_code is not None]
            return [f"loss {type(self).__name__} (compiled: {', '.join(able)})"]
        if self.fuses_with is not None:
            return [] if fused else [f"{type(self).__name__} without a softmax output layer (or from_logits=True)"]
        if output_activation is None or not output_activation.compiled_hidden():
            name = "none" if output_activation is None else type(output_activation).__name__
            return [f"output activation {name} with {type(self).__name__}"]
        return []

    def __call__(self, y_true, y_pred) -> float:
        raise NotImplementedError  # abstract

    def gradient(self, y_true, y_pred):
        raise NotImplementedError  # abstract

    def logit_gradient(self, y_true, y_pred):
        """dL/dz where ŷ = f(z) for the fused activation f."""
        raise NotImplementedError  # abstract: only losses with ``fuses_with``

    def validate_targets(self, y, n_outputs: int) -> None:
        """Raise ``ValueError`` for targets this loss cannot take (overridden per loss)."""


registry = Registry("loss", Loss, plural="losses")


def _per_element_count(y_pred) -> int:
    return y_pred.size


@registry.register("mean_squared_error", "mse")
class MeanSquaredError(Loss):
    """L = (1/(B·K)) Σ (ŷ − y)²;  ∂L/∂ŷ = 2(ŷ − y)/(B·K)."""

    compiled_code = LossCode.MSE

    def __call__(self, y_true, y_pred):
        e = y_pred - y_true
        return self.backend.scalar(self.backend.xp.mean(e * e))

    def gradient(self, y_true, y_pred):
        return (2.0 / _per_element_count(y_pred)) * (y_pred - y_true)


@registry.register("mean_absolute_error", "mae")
class MeanAbsoluteError(Loss):
    """L = (1/(B·K)) Σ |ŷ − y|;  ∂L/∂ŷ = sign(ŷ − y)/(B·K)  (0 where ŷ = y)."""

    def __call__(self, y_true, y_pred):
        xp = self.backend.xp
        return self.backend.scalar(xp.mean(xp.abs(y_pred - y_true)))

    def gradient(self, y_true, y_pred):
        return self.backend.xp.sign(y_pred - y_true) / _per_element_count(y_pred)


@registry.register("huber")
class Huber(Loss):
    """With e = ŷ − y:  ℓ(e) = ½e² if |e| ≤ δ else δ(|e| − ½δ);  L = mean ℓ;
    ∂L/∂ŷ = clip(e, −δ, δ)/(B·K).  Keras's default δ = 1."""

    def __init__(self, delta: float = 1.0):
        delta = float(delta)
        if not np.isfinite(delta) or delta <= 0:
            raise ValueError(f"delta={delta!r} must be a finite number > 0")
        self.delta = delta

    def get_config(self):
        return {"delta": self.delta}

    def __call__(self, y_true, y_pred):
        xp = self.backend.xp
        e = xp.abs(y_pred - y_true)
        d = self.delta
        return self.backend.scalar(xp.mean(xp.where(e <= d, 0.5 * e * e, d * (e - 0.5 * d))))

    def gradient(self, y_true, y_pred):
        return self.backend.xp.clip(y_pred - y_true, -self.delta, self.delta) / _per_element_count(y_pred)


def _check_probabilities_targets(y, name):
    if np.any((y < 0) | (y > 1)):
        bad = y[(y < 0) | (y > 1)].ravel()[0]
        raise ValueError(f"y contains {bad!r}; {name} needs targets in [0, 1]")


@registry.register("binary_crossentropy", "bce")
class BinaryCrossentropy(Loss):
    """L = −(1/(B·K)) Σ [y log p + (1 − y) log(1 − p)],  p clipped to [ε, 1 − ε].

    From probabilities:  ∂L/∂p = (p − y) / (p(1 − p)) / (B·K).
    From logits z (``from_logits=True``), stable form
    ℓ = max(z, 0) − z·y + log(1 + e^(−|z|)),  ∂L/∂z = (σ(z) − y)/(B·K).
    Fused with a sigmoid output: ∂L/∂z = (p − y)/(B·K).
    """

    fuses_with = Sigmoid

    def __init__(self, from_logits: bool = False):
        self.from_logits = bool(from_logits)

    def get_config(self):
        return {"from_logits": self.from_logits}

    def validate_targets(self, y, n_outputs):
        _check_probabilities_targets(y, "binary_crossentropy")

    def __call__(self, y_true, y_pred):
        xp = self.backend.xp
        if self.from_logits:
            z = y_pred
            return self.backend.scalar(xp.mean(xp.maximum(z, 0.0) - z * y_true + xp.log1p(xp.exp(-xp.abs(z)))))
        p = xp.clip(y_pred, EPSILON, 1 - EPSILON)
        return self.backend.scalar(-xp.mean(y_true * xp.log(p) + (1 - y_true) * xp.log(1 - p)))

    def gradient(self, y_true, y_pred):
        xp, n = self.backend.xp, _per_element_count(y_pred)
        if self.from_logits:
            sigmoid = Sigmoid()
            sigmoid.backend = self.backend
            return (sigmoid(y_pred) - y_true) / n
        p = xp.clip(y_pred, EPSILON, 1 - EPSILON)
        inside = (y_pred > EPSILON) & (y_pred < 1 - EPSILON)
        return xp.where(inside, (p - y_true) / (p * (1 - p)), 0.0) / n

    def logit_gradient(self, y_true, y_pred):
        return (y_pred - y_true) / _per_element_count(y_pred)


def _log_softmax(xp, z):
    s = z - xp.max(z, axis=-1, keepdims=True)
    return s - xp.log(xp.sum(xp.exp(s), axis=-1, keepdims=True))


@registry.register("categorical_crossentropy", "cce")
class CategoricalCrossentropy(Loss):
    """L = −(1/B) Σ_b Σ_k y_bk log q_bk  with one-hot (or soft) targets y, where, as in Keras,
    each row of probabilities is first divided by its sum s_b = Σ_k p_bk, then clipped:
    q = clip(p/s, ε, 1 − ε)  (a row summing to 0 gives NaN, as in Keras).

    From probabilities: ∂L/∂p_bj = (Σ_k y_bk·[q_bk inside] − y_bj·[q_bj inside]/q_bj) / (B·s_b),
    from ∂q_k/∂p_j = (δ_kj − q_k)/s inside the clip range (0 outside). For rows that sum to 1
    this is −y/p/B plus a constant per row, which the softmax Jacobian maps to 0.
    From logits z: log q = log_softmax(z), ∂L/∂z = (softmax(z) − y)/B.
    Fused with a softmax output: ∂L/∂z = (p − y)/B.
    """

    fuses_with = Softmax
    compiled_code = LossCode.ONEHOT_CE

    def __init__(self, from_logits: bool = False):
        self.from_logits = bool(from_logits)

    def get_config(self):
        return {"from_logits": self.from_logits}

    def validate_targets(self, y, n_outputs):
        if y.ndim != 2 or y.shape[1] != n_outputs:
            raise ValueError(
                f"categorical_crossentropy needs one-hot targets of shape (N, {n_outputs}); "
                f"got y.shape={y.shape}. For integer labels use sparse_categorical_crossentropy."
            )
        _check_probabilities_targets(y, "categorical_crossentropy")

    def _one_hot(self, y_true, y_pred):
        return y_true

    def __call__(self, y_true, y_pred):
        xp, y = self.backend.xp, self._one_hot(y_true, y_pred)
        if self.from_logits:
            logq = _log_softmax(xp, y_pred)
        else:
            logq = xp.log(xp.clip(y_pred / xp.sum(y_pred, axis=-1, keepdims=True), EPSILON, 1 - EPSILON))
        return self.backend.scalar(-xp.sum(y * logq) / y_pred.shape[0])

    def gradient(self, y_true, y_pred):
        xp, y, b = self.backend.xp, self._one_hot(y_true, y_pred), y_pred.shape[0]
        if self.from_logits:
            softmax = Softmax()
            softmax.backend = self.backend
            return (softmax(y_pred) - y) / b
        s = xp.sum(y_pred, axis=-1, keepdims=True)
        q = y_pred / s
        y_in = xp.where((q > EPSILON) & (q < 1 - EPSILON), y, 0.0)  # clip's slope is 0 outside
        return (xp.sum(y_in, axis=-1, keepdims=True) - y_in / xp.clip(q, EPSILON, 1 - EPSILON)) / (b * s)

    def logit_gradient(self, y_true, y_pred):
        return (y_pred - self._one_hot(y_true, y_pred)) / y_pred.shape[0]


@registry.register("sparse_categorical_crossentropy", "scce")
class SparseCategoricalCrossentropy(CategoricalCrossentropy):
    """Categorical cross-entropy with integer labels c_b ∈ {0, …, K−1}: y = one_hot(c).

    L = −(1/B) Σ_b log q_{b,c_b}, q = clip(p/s, ε, 1 − ε) as above;
    fused with softmax: ∂L/∂z = (p − one_hot(c))/B.
    """

    compiled_code = LossCode.SPARSE_CE

    sparse_targets = True

    def validate_targets(self, y, n_outputs):
        flat = y.reshape(-1) if y.ndim == 2 and y.shape[1] == 1 else y
        if flat.ndim != 1:
            raise ValueError(
                f"sparse_categorical_crossentropy needs integer labels of shape (N,); got y.shape={y.shape}"
            )
        if np.any(flat != np.round(flat)):
            raise ValueError("sparse_categorical_crossentropy needs integer labels; y has fractional values")
        lo, hi = flat.min(), flat.max()
        if lo < 0 or hi >= n_outputs:
            raise ValueError(
                f"labels out of range: y holds values in [{lo:g}, {hi:g}], "
                f"valid labels for {n_outputs} outputs are 0..{n_outputs - 1}"
            )

    # the labels c arrive as prepared by the model: integers of shape (B,)

    def _one_hot(self, y_true, y_pred):
        ones = self.backend.xp.ones_like(y_pred)
        return 1 - self.backend.minus_one_hot(ones, y_true)  # 1 − (1 − one_hot): exact, no −0

    def __call__(self, y_true, y_pred):
        """−(1/B) Σ_b log q_{b,c_b}: only the true class's probability (and its row's sum) is read."""
        xp, backend, b = self.backend.xp, self.backend, y_pred.shape[0]
        if self.from_logits:
            return backend.scalar(-backend.sum(backend.pick(_log_softmax(xp, y_pred), y_true)) / b)
        p = backend.pick(y_pred, y_true) / backend.sum(y_pred, axis=-1)  # p_c / s
        q = xp.maximum(xp.minimum(p, 1 - EPSILON), EPSILON)              # clip to [ε, 1 − ε]
        return backend.scalar(-backend.sum(xp.log(q)) / b)

    def logit_gradient(self, y_true, y_pred):
        """(p − one_hot(c))/B."""
        g = self.backend.minus_one_hot(y_pred, y_true)
        g /= g.shape[0]
        return g


def get(identifier, **kwargs) -> Loss:
    return registry.get(identifier, **kwargs)
