"""Activation functions with exact derivatives.

Every activation ``f`` follows one protocol:

* ``forward(z, out) -> a``: writes ``a = f(z)`` into ``out`` and returns it. ``out`` may be ``z``
  itself: a layer that owns its pre-activation computes the activation in place, with no new array.
* ``vjp(z, a, g) -> ∂L/∂z``: the vector–Jacobian product ``(∂a/∂z)ᵀ g`` from the output ``a``, as
  scikit-learn does: ``σ' = a(1 − a)``, ``tanh' = 1 − a²``, ``relu' = [a > 0]``, softmax
  ``a ⊙ (g − Σ g ⊙ a)``. ``g`` is consumed (it may be overwritten; use the returned array).
  ``z`` is read only by activations with ``needs_z = True`` (GELU, whose output does not determine
  its slope): a layer keeps z for those alone and passes ``None`` otherwise.

The base class adds the allocating call ``f(z)`` and, for elementwise activations,
``derivative(z)`` = f'(z), both built on these two methods.

All forms are numerically stable: no overflow for |z| up to 1e4 in float32.

They are written in the array-API subset, in the namespace ``xp`` of the activation's ``backend``
(NumPy unless a model moved its layers to another, ``gdlab.backend``); fused kernels and
NumPy-only reductions come through the backend object.
"""

from __future__ import annotations

import math

import numpy as np
from gdlab.backend import NUMPY, Backend
from gdlab.config import Configurable
from gdlab.opcodes import Act
from gdlab.registry import Registry


class Activation_(Configurable):
    """Base class: ``forward(z, out)`` and ``vjp(z, a, g)`` per activation; ``__call__`` and
    ``derivative`` here."""

    #: whether ``vjp`` reads the pre-activation z (False: the output a determines the derivative)
    needs_z = False
    #: whether aᵢ depends on zᵢ alone (its Jacobian is diagonal, so ``derivative`` is defined)
    elementwise = True
    #: the array backend (its layer's: set by ``Layer.use_backend``)
    backend: Backend = NUMPY
    #: f's code in the compiled epoch (``gdlab.opcodes.Act``); None: the compiled epoch cannot run f
    compiled_code: Act | None = None

    @classmethod
    def compiled_hidden(cls) -> bool:
        """Whether the compiled epoch can run f in a hidden layer (softmax only as the fused output)."""
        return cls.compiled_code is not None and cls.compiled_code != Act.SOFTMAX

    def forward(self, z, out):
        """a = f(z) written into ``out`` (which may be z); returns ``out``."""
        raise NotImplementedError  # abstract

    def vjp(self, z, a, g):
        """(∂a/∂z)ᵀ g; may overwrite g. ``z`` is ``None`` unless ``needs_z``."""
        raise NotImplementedError  # abstract

    def __call__(self, z):
        """a = f(z) in a new array (z is left as it is)."""
        xp = self.backend.xp
        z = xp.asarray(z)
        return self.forward(z, xp.empty_like(z, dtype=z.dtype if xp.isdtype(z.dtype, "real floating")
                                             else xp.float64))

    def derivative(self, z, a=None):
        """f'(z) elementwise, as the vjp of a vector of ones (a = f(z) when not given)."""
        if not self.elementwise:
            raise TypeError(f"{type(self).__name__} is not elementwise (its Jacobian is not diagonal): "
                            f"use vjp(z, a, g) for its vector–Jacobian product")
        z = self.backend.xp.asarray(z)
        a = self(z) if a is None else a
        return self.vjp(z, a, self.backend.xp.ones_like(a))


registry = Registry("activation", Activation_)


@registry.register("linear")
class Linear(Activation_):
    """a = z;  a' = 1."""

    compiled_code = Act.LINEAR

    def forward(self, z, out):
        if out is not z:
            out[...] = z
        return out

    def vjp(self, z, a, g):
        return g


@registry.register("sigmoid")
class Sigmoid(Activation_):
    """σ(z) = 1 / (1 + e^(−z));  σ' = a(1 − a).

    Stable form: with e = e^(−|z|) ≤ 1, σ = 1/(1 + e) for z ≥ 0 and e/(1 + e) for z < 0.
    """

    compiled_code = Act.SIGMOID

    def forward(self, z, out):
        xp = self.backend.xp
        e = xp.exp(-xp.abs(z))                                  # e^(−|z|)
        out[...] = xp.where(z >= 0, 1.0, e) / (1.0 + e)         # 1/(1 + e)  or  e/(1 + e)
        return out

    def vjp(self, z, a, g):
        g *= a * (1.0 - a)                                      # σ' = a(1 − a)
        return g


@registry.register("tanh")
class Tanh(Activation_):
    """tanh(z);  tanh' = 1 − a²."""

    compiled_code = Act.TANH

    def forward(self, z, out):
        out[...] = self.backend.xp.tanh(z)
        return out

    def vjp(self, z, a, g):
        g *= 1.0 - a * a                                        # tanh' = 1 − a²
        return g


@registry.register("relu")
class ReLU(Activation_):
    """relu(z) = max(z, 0);  relu' = [z > 0] = [a > 0]  (0 at the kink, as Keras and PyTorch)."""

    compiled_code = Act.RELU

    def forward(self, z, out):
        out[...] = self.backend.xp.maximum(z, 0.0)
        return out

    def vjp(self, z, a, g):
        fused = self.backend.kernel("activation_backward", activation="ReLU")
        if fused is not None and g.flags.c_contiguous and a.flags.c_contiguous:
            fused(g, a)  # g ← g·[a > 0] in one pass
            return g
        g *= self.backend.xp.astype(a > 0, g.dtype)  # multiply by the mask: much faster than a where
        return g


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
    """leaky_relu(z) = z if z > 0 else α·z;  derivative 1 or α, where a > 0 ⇔ z > 0.
    Keras's default α = 0.2."""

    default_alpha = 0.2

    def forward(self, z, out):
        out[...] = self.backend.xp.where(z > 0, z, self.alpha * z)
        return out

    def vjp(self, z, a, g):
        return self.backend.xp.where(a > 0, g, self.alpha * g)


@registry.register("elu")
class ELU(_WithAlpha):
    """elu(z) = z if z > 0 else α(e^z − 1);  derivative 1 or α·e^z = a + α, where a > 0 ⇔ z > 0
    (from the output, as TensorFlow's EluGrad). Default α = 1."""

    default_alpha = 1.0

    def forward(self, z, out):
        xp = self.backend.xp
        out[...] = xp.where(z > 0, z, self.alpha * xp.expm1(xp.minimum(z, 0.0)))
        return out

    def vjp(self, z, a, g):
        return self.backend.xp.where(a > 0, g, g * (a + self.alpha))


@registry.register("softplus")
class Softplus(Activation_):
    """softplus(z) = log(1 + e^z) = max(z, 0) + log1p(e^(−|z|));
    derivative σ(z) = 1 − e^(−a)  (since e^a = 1 + e^z), computed as −expm1(−a)."""

    def forward(self, z, out):
        xp = self.backend.xp
        out[...] = xp.maximum(z, 0.0) + xp.log1p(xp.exp(-xp.abs(z)))
        return out

    def vjp(self, z, a, g):
        g *= -self.backend.xp.expm1(-a)                         # σ(z) = 1 − e^(−a)
        return g


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_SQRT_2 = math.sqrt(2.0)
_SQRT_2PI = math.sqrt(2.0 * math.pi)


@registry.register("gelu")
class GELU(Activation_):
    """gelu(z) = z·Φ(z), Φ(z) = ½ erfc(−z/√2);  gelu' = Φ(z) + z·φ(z), φ(z) = e^(−z²/2)/√(2π).

    Φ is written with erfc, not as ½(1 + erf(z/√2)), which cancels to 0 for z < −5: the erfc form
    keeps full relative precision (gelu(−10) = −7.6e−23, not 0).

    ``approximate=True``: z·½(1 + tanh(u)), u = √(2/π)(z + 0.044715 z³), with
    derivative ½(1 + tanh u) + ½ z (1 − tanh² u) √(2/π)(1 + 3·0.044715 z²).

    The output does not determine the slope (gelu is not monotonic), so ``needs_z``: a layer keeps
    the pre-activation z for ``vjp``.
    """

    needs_z = True

    def __init__(self, approximate: bool = False):
        self.approximate = bool(approximate)

    def get_config(self):
        return {"approximate": self.approximate}

    def forward(self, z, out):
        if self.approximate:
            out[...] = 0.5 * z * (1.0 + self.backend.xp.tanh(_SQRT_2_OVER_PI * (z + 0.044715 * z**3)))
        else:
            out[...] = 0.5 * z * self.backend.erfc(-z / _SQRT_2)  # z·Φ(z)
        return out

    def vjp(self, z, a, g):
        xp = self.backend.xp
        if self.approximate:
            t = xp.tanh(_SQRT_2_OVER_PI * (z + 0.044715 * z**3))
            du = _SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * z**2)
            g *= 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * du
            return g
        phi = xp.exp(-0.5 * z * z) / _SQRT_2PI                  # φ(z)
        g *= 0.5 * self.backend.erfc(-z / _SQRT_2) + z * phi    # Φ(z) + z·φ(z)
        return g


@registry.register("softmax")
class Softmax(Activation_):
    """softmax(z)ᵢ = e^(zᵢ − max z) / Σⱼ e^(zⱼ − max z)  over the last axis.

    Its Jacobian is ∂aᵢ/∂zⱼ = aᵢ(δᵢⱼ − aⱼ), so the vector–Jacobian product is
    (∂a/∂z)ᵀ g = a ⊙ (g − Σⱼ aⱼ gⱼ)  — the full product, not the diagonal.
    """

    compiled_code = Act.SOFTMAX

    elementwise = False

    def forward(self, z, out):
        b = self.backend
        out[...] = b.xp.exp(z - b.row_max(z))                   # e^(z − max z)
        out /= b.row_sum(out)
        return out

    def vjp(self, z, a, g):
        g -= self.backend.row_sum(a * g)                         # g − Σⱼ aⱼ gⱼ
        g *= a
        return g


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
