"""Activation functions with exact derivatives.

Each activation ``f`` maps pre-activations ``z`` to ``a = f(z)`` and gives the
vector–Jacobian product ``vjp(z, a, g) = (∂a/∂z)ᵀ g`` that backpropagation needs.
Where the derivative is cheaper from the output it uses the output, as
scikit-learn does: ``σ' = a(1 − a)``, ``tanh' = 1 − a²``.

All forms are numerically stable: no overflow for |z| up to 1e4 in float32.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import erf

from gdlab import kernels
from gdlab.config import Configurable
from gdlab.registry import Registry


class Activation_(Configurable):
    """Base class: ``__call__(z) -> a``, ``vjp(z, a, g) -> dL/dz``, ``derivative(z)`` (elementwise f').

    Layers call the ``*_inplace`` variants, which may overwrite their argument (the layer owns it),
    and keep z only when ``needs_z``: activations whose derivative comes from the output a alone
    let the layer drop z.
    """

    #: whether vjp needs the pre-activation z (False: it works from a, and z may be discarded)
    needs_z = True

    def __call__(self, z):
        raise NotImplementedError  # abstract

    def vjp(self, z, a, g):
        return g * self.derivative(z, a)

    def forward_inplace(self, z):
        """a = f(z); may overwrite z."""
        return self(z)

    def vjp_inplace(self, z, a, g):
        """The vector–Jacobian product; may overwrite g."""
        return self.vjp(z, a, g)

    def derivative(self, z, a=None):
        """f'(z) elementwise (for elementwise activations)."""
        raise NotImplementedError  # abstract


registry = Registry("activation", Activation_)


@registry.register("linear")
class Linear(Activation_):
    """a = z;  a' = 1."""

    needs_z = False

    def __call__(self, z):
        return z

    def vjp(self, z, a, g):
        return g

    def derivative(self, z, a=None):
        return np.ones_like(z)


@registry.register("sigmoid")
class Sigmoid(Activation_):
    """σ(z) = 1 / (1 + e^(−z));  σ' = a(1 − a).

    Stable form: with e = e^(−|z|), σ = 1/(1 + e) for z ≥ 0 and e/(1 + e) for z < 0.
    """

    needs_z = False

    def __call__(self, z):
        e = np.exp(-np.abs(z))
        r = 1.0 / (1.0 + e)
        return np.where(z >= 0, r, e * r)

    def derivative(self, z, a=None):
        a = self(z) if a is None else a
        return a * (1.0 - a)


@registry.register("tanh")
class Tanh(Activation_):
    """tanh(z);  tanh' = 1 − a²."""

    needs_z = False

    def __call__(self, z):
        return np.tanh(z)

    def derivative(self, z, a=None):
        a = np.tanh(z) if a is None else a
        return 1.0 - a * a


@registry.register("relu")
class ReLU(Activation_):
    """relu(z) = max(z, 0);  relu' = [z > 0] = [a > 0]  (0 at the kink, as Keras and PyTorch)."""

    needs_z = False

    def __call__(self, z):
        return np.maximum(z, 0)

    def forward_inplace(self, z):
        return np.maximum(z, 0, out=z)

    def vjp(self, z, a, g):
        return g * ((a if a is not None else z) > 0)  # multiply by the mask: much faster than np.where

    def vjp_inplace(self, z, a, g):
        fused = kernels.lookup("activation_backward", kernels.backend_of(g), activation="ReLU")
        if fused is not None and g.flags.c_contiguous and a.flags.c_contiguous:
            fused(g, a)  # g ← g·[a > 0] in one pass
            return g
        return np.multiply(g, a > 0, out=g)

    def derivative(self, z, a=None):
        return (z > 0).astype(z.dtype)


class _WithAlpha(Activation_):
    """An activation with one shape parameter α ≥ 0 for its negative side."""

    default_alpha = 1.0

    def __init__(self, alpha: float | None = None):
        alpha = float(self.default_alpha if alpha is None else alpha)
        if not np.isfinite(alpha) or alpha < 0:
            raise ValueError(f"alpha={alpha!r} must be a finite number >= 0")
        self.alpha = alpha

    def get_config(self):
        return {"alpha": self.alpha}


@registry.register("leaky_relu")
class LeakyReLU(_WithAlpha):
    """leaky_relu(z) = z if z > 0 else α·z;  derivative 1 or α.  Keras's default α = 0.2."""

    default_alpha = 0.2

    def __call__(self, z):
        return np.where(z > 0, z, self.alpha * z)

    def derivative(self, z, a=None):
        return np.where(z > 0, 1.0, self.alpha).astype(z.dtype)


@registry.register("elu")
class ELU(_WithAlpha):
    """elu(z) = z if z > 0 else α(e^z − 1);  derivative 1 or a + α.  Default α = 1."""

    default_alpha = 1.0

    def __call__(self, z):
        return np.where(z > 0, z, self.alpha * np.expm1(np.minimum(z, 0)))

    def derivative(self, z, a=None):
        return np.where(z > 0, 1.0, self.alpha * np.exp(np.minimum(z, 0))).astype(z.dtype)


@registry.register("softplus")
class Softplus(Activation_):
    """softplus(z) = log(1 + e^z) = max(z, 0) + log1p(e^(−|z|));  derivative σ(z)."""

    def __call__(self, z):
        return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))

    def derivative(self, z, a=None):
        return Sigmoid()(z)


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_SQRT_2 = math.sqrt(2.0)
_SQRT_2PI = math.sqrt(2.0 * math.pi)


@registry.register("gelu")
class GELU(Activation_):
    """gelu(z) = z·Φ(z), Φ(z) = ½(1 + erf(z/√2));  gelu' = Φ(z) + z·φ(z), φ(z) = e^(−z²/2)/√(2π).

    ``approximate=True``: z·½(1 + tanh(u)), u = √(2/π)(z + 0.044715 z³), with
    derivative ½(1 + tanh u) + ½ z (1 − tanh² u) √(2/π)(1 + 3·0.044715 z²).
    """

    def __init__(self, approximate: bool = False):
        self.approximate = bool(approximate)

    def get_config(self):
        return {"approximate": self.approximate}

    def __call__(self, z):
        if self.approximate:
            return 0.5 * z * (1.0 + np.tanh(_SQRT_2_OVER_PI * (z + 0.044715 * z**3)))
        return 0.5 * z * (1.0 + erf(z / _SQRT_2))

    def derivative(self, z, a=None):
        if self.approximate:
            t = np.tanh(_SQRT_2_OVER_PI * (z + 0.044715 * z**3))
            du = _SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * z**2)
            return 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * du
        phi = np.exp(-0.5 * z * z) / _SQRT_2PI
        return 0.5 * (1.0 + erf(z / _SQRT_2)) + z * phi


@registry.register("softmax")
class Softmax(Activation_):
    """softmax(z)ᵢ = e^(zᵢ − max z) / Σⱼ e^(zⱼ − max z)  over the last axis.

    Its Jacobian is ∂aᵢ/∂zⱼ = aᵢ(δᵢⱼ − aⱼ), so the vector–Jacobian product is
    (∂a/∂z)ᵀ g = a ⊙ (g − Σⱼ aⱼ gⱼ)  — the full product, not the diagonal.
    """

    needs_z = False

    def __call__(self, z):
        return self.forward_inplace(z.copy())

    def forward_inplace(self, z):
        z -= np.maximum.reduce(z, axis=-1, keepdims=True)  # z − max z
        np.exp(z, out=z)
        z /= np.add.reduce(z, axis=-1, keepdims=True)
        return z

    def vjp(self, z, a, g):
        return a * (g - (a * g).sum(axis=-1, keepdims=True))

    def derivative(self, z, a=None):
        """The diagonal ∂aᵢ/∂zᵢ = aᵢ(1 − aᵢ) (for plots; backprop uses ``vjp``)."""
        a = self(z) if a is None else a
        return a * (1.0 - a)


def get(identifier, **kwargs) -> Activation_:
    """An activation from a name (``"relu"``), an instance, a config dict, or ``None`` (linear)."""
    if identifier is None:
        return Linear()
    return registry.get(identifier, **kwargs)


def serialize(activation: Activation_):
    """A name where the default config suffices, else a config dict."""
    from gdlab.registry import serialize as _ser

    cfg = activation.get_config()
    if not cfg:
        return next(n for n, c in registry._by_name.items() if c is type(activation))
    return _ser(activation)
