"""Layers: forward caches what backward needs; backward applies the chain rule.

A layer declares the shapes of its parameters in ``build``; the model allocates
them in one flat buffer (``gdlab.parameters``) and hands each layer views of
its parameters and gradients with ``bind``. ``backward(g)`` receives g = ∂L/∂y
and returns ∂L/∂x, writing ∂L/∂W and ∂L/∂b into its gradient views; g is
consumed (a layer may overwrite it). Each backward line is the chain rule for
one forward line.

A layer that ends in an activation (``Dense``, ``Activation``) also has
``backward_from_preactivation(dz)``: the same backward pass, but starting from
dz = ∂L/∂z below the activation. The model calls it on the last layer when the
loss is fused with that activation (softmax or sigmoid + cross-entropy, whose
∂L/∂z is (p − y)/B).

The computation is written in the array-API subset, in the namespace ``xp`` of
the layer's backend (``gdlab.backend``, set by the model with ``use_backend``);
what the backend does faster (BLAS products into a buffer, numba kernels) it
does through its own methods. Random numbers (dropout masks, initial weights)
are drawn on the host and moved.
"""

from __future__ import annotations

import numpy as np

from gdlab import activations, initializers
from gdlab.backend import NUMPY, Backend
from gdlab.config import Configurable
from gdlab.registry import Registry


def _shape_tuple(shape, argname):
    if shape is None:
        return None
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    try:
        shape = tuple(int(s) for s in shape)
    except (TypeError, ValueError):
        raise TypeError(f"{argname}={shape!r} must be a tuple of positive ints") from None
    if not shape or any(s <= 0 for s in shape):
        raise ValueError(f"{argname}={shape!r} must be a non-empty tuple of positive ints")
    return shape


class Layer(Configurable):
    """Base layer. Subclasses implement ``forward``, ``backward`` and, if they have
    parameters, ``build`` (shapes) and ``initial_values``."""

    #: the activation applied last by this layer (an ``ActivatedLayer``'s; the model fuses it with the loss)
    activation: activations.Activation_ | None = None
    #: the array backend the layer computes with (the model's, set by ``use_backend``)
    backend: Backend = NUMPY
    #: whether the compiled epoch (``gdlab.compiled``) can run this kind of layer
    supports_compiled_epoch = False

    def compiled_reasons(self, last: bool) -> list[str]:
        """Why the compiled epoch cannot run this layer ([] when it can); ``last``: the output layer,
        whose activation the loss judges (``Loss.compiled_reasons``)."""
        if not self.supports_compiled_epoch:
            able = [cls.__name__ for cls in registry.classes() if cls.supports_compiled_epoch]
            return [f"layer {self.name!r} is a {type(self).__name__} (compiled: {', '.join(able)})"]
        if not last and not self.activation.compiled_hidden():
            able = [cls.__name__ for cls in activations.registry.classes() if cls.compiled_hidden()]
            return [f"layer {self.name!r} has activation {type(self.activation).__name__} (compiled: {', '.join(able)})"]
        return []

    def __init__(self, name: str | None = None, input_shape=None):
        if name is not None and (not isinstance(name, str) or not name or "/" in name):
            raise ValueError(f"name={name!r} must be a non-empty string without '/'")
        self.name = name
        self.input_shape = _shape_tuple(input_shape, "input_shape")
        self.weights: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        #: set by the model: False for the first layer, whose ∂L/∂x nobody needs
        self.input_grad_needed = True

    # -- configuration ------------------------------------------------------------------
    def get_config(self):
        cfg = {"name": self.name}
        if self.input_shape is not None:
            cfg["input_shape"] = list(self.input_shape)
        return cfg

    # -- shapes and parameters ----------------------------------------------------------
    def build(self, input_shape: tuple) -> dict[str, tuple]:
        """Check the input shape (without batch axis); return {parameter name: shape}."""
        return {}

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def initial_values(self, rng: np.random.Generator, dtype) -> dict[str, np.ndarray]:
        return {}

    def bind(self, weights: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Receive views of this layer's parameters and gradients in the flat buffers."""
        self.weights, self.grads = weights, grads

    def use_backend(self, backend: Backend) -> None:
        """Compute with ``backend`` from now on (the model calls this when it is made or moved)."""
        self.backend = backend
        if self.activation is not None:
            self.activation.backend = backend

    def count_params(self) -> int:
        return int(sum(w.size for w in self.weights.values()))

    def get_weights(self) -> list[np.ndarray]:
        return [np.array(self.backend.to_numpy(w)) for w in self.weights.values()]

    def set_weights(self, values) -> None:
        values = list(values)
        if len(values) != len(self.weights):
            raise ValueError(
                f"layer {self.name!r} has {len(self.weights)} weight arrays "
                f"({', '.join(self.weights) or 'none'}); set_weights got {len(values)}"
            )
        for (pname, w), v in zip(self.weights.items(), values):
            v = np.asarray(v)
            if v.shape != w.shape:
                raise ValueError(
                    f"layer {self.name!r} weight {pname!r} has shape {w.shape}; got shape {v.shape}"
                )
            if not np.all(np.isfinite(v)):
                raise ValueError(f"layer {self.name!r} weight {pname!r}: values contain NaN or inf")
        for w, v in zip(self.weights.values(), values):
            w[...] = self.backend.xp.astype(self.backend.asarray(v), w.dtype)  # through the view into θ

    # -- computation ----------------------------------------------------------------------
    def forward(self, x, training: bool = False):
        raise NotImplementedError  # abstract

    def backward(self, g):
        raise NotImplementedError  # abstract


registry = Registry("layer", Layer)


class ActivatedLayer(Layer):
    """A layer whose last step is an activation a = f(z).

    ``backward(g)`` = ``backward_from_preactivation(f.vjp(z, a, g))``: the activation's
    vector–Jacobian product, then the layer's own chain rule from dz = ∂L/∂z.
    """

    def _activate(self, z, overwrite_z: bool):
        """a = f(z), cached for backward; in place when z may be overwritten and f's slope needs
        only a. z itself is kept only where the activation needs it (``needs_z``)."""
        act = self.activation
        self.z = z if act.needs_z else None
        self.a = act.forward(z, z if overwrite_z and not act.needs_z else self.backend.xp.empty_like(z))
        return self.a

    def backward(self, g):
        return self.backward_from_preactivation(self.activation.vjp(self.z, self.a, g))

    def backward_from_preactivation(self, dz):
        """dz = ∂L/∂z → ∂L/∂x, writing the parameter gradients."""
        raise NotImplementedError  # abstract


@registry.register("Input")
class Input(Layer):
    """Declares the input shape (without the batch axis): ``Sequential([Input((784,)), ...])``."""

    def __init__(self, shape=None, name: str | None = None, input_shape=None):
        shape = shape if shape is not None else input_shape
        if shape is None:
            raise ValueError("Input needs shape=, e.g. Input((784,))")
        super().__init__(name=name, input_shape=shape)

    def get_config(self):
        return {"shape": list(self.input_shape), "name": self.name}

    def forward(self, x, training=False):
        return x

    def backward(self, g):
        return g


@registry.register("Dense")
class Dense(ActivatedLayer):
    """A fully connected layer.

    Forward:   z = x W + b,          a = f(z)
    Backward:  ∂L/∂z = f'ᵀ(∂L/∂a)   (the activation's vector–Jacobian product)
               ∂L/∂W = xᵀ ∂L/∂z      (``backward_from_preactivation`` starts here)
               ∂L/∂b = Σ_batch ∂L/∂z
               ∂L/∂x = ∂L/∂z Wᵀ
    """

    supports_compiled_epoch = True

    def __init__(
        self,
        units: int,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        name: str | None = None,
        input_shape=None,
        input_dim: int | None = None,
    ):
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
            raise ValueError(f"units={units!r} must be a positive int")
        if input_dim is not None:
            input_shape = (input_dim,)
        super().__init__(name=name, input_shape=input_shape)
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)

    def get_config(self):
        from gdlab.registry import serialize

        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": serialize(self.kernel_initializer),
            "bias_initializer": serialize(self.bias_initializer),
        }

    def build(self, input_shape):
        super().build(input_shape)
        if len(input_shape) != 1:
            raise ValueError(
                f"Dense layer {self.name!r} needs 1-D inputs (N, features); got input shape "
                f"(N, {', '.join(map(str, input_shape))}). Put a Flatten layer before it."
            )
        shapes = {"kernel": (input_shape[0], self.units)}
        if self.use_bias:
            shapes["bias"] = (self.units,)
        return shapes

    def compute_output_shape(self, input_shape):
        return (self.units,)

    def initial_values(self, rng, dtype):
        values = {"kernel": self.kernel_initializer(self.weights["kernel"].shape, rng, dtype)}
        if self.use_bias:
            values["bias"] = self.bias_initializer((self.units,), rng, dtype)
        return values

    def forward(self, x, training=False):
        self.x = x
        z = x @ self.weights["kernel"]
        act = self.activation
        fused = self.backend.kernel("bias_activation", activation=type(act).__name__)
        if fused is not None and self.use_bias and z.ndim == 2 and not act.needs_z:
            fused(z, self.weights["bias"])  # z + b and the activation in one pass
            self.a, self.z = z, None
            return z
        if self.use_bias:
            z += self.weights["bias"]
        return self._activate(z, overwrite_z=True)  # z = x W is ours: the activation runs in place

    def backward_from_preactivation(self, dz):
        self.backend.weight_gradient(self.x, dz, self.grads["kernel"])  # ∂L/∂W = xᵀ ∂L/∂z
        if self.use_bias:
            self.backend.bias_gradient(dz, self.grads["bias"])  # ∂L/∂b = Σ_batch ∂L/∂z
        if not self.input_grad_needed:
            return None
        return dz @ self.weights["kernel"].T  # ∂L/∂x = ∂L/∂z Wᵀ


@registry.register("Activation")
class Activation(ActivatedLayer):
    """a = f(x) as a layer of its own;  ∂L/∂x = f'ᵀ(∂L/∂a)."""

    def __init__(self, activation, name: str | None = None, input_shape=None):
        super().__init__(name=name, input_shape=input_shape)
        self.activation = activations.get(activation)

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}

    def forward(self, x, training=False):
        return self._activate(x, overwrite_z=False)  # x is the previous layer's output, kept by it

    def backward_from_preactivation(self, dz):
        return dz


@registry.register("Dropout")
class Dropout(Layer):
    """Inverted dropout, active only in training.

    Training:  m ~ Bernoulli(1 − p) per entry,  y = x ⊙ m / (1 − p),  ∂L/∂x = g ⊙ m / (1 − p)
    Inference: y = x.
    """

    def __init__(self, rate: float, seed: int | None = None, name: str | None = None, input_shape=None):
        rate = float(rate)
        if not 0 <= rate < 1:
            raise ValueError(f"rate={rate!r} must be in [0, 1)")
        super().__init__(name=name, input_shape=input_shape)
        self.rate = rate
        self.seed = seed
        #: the generator for masks; the model supplies one unless ``seed`` is given
        self.rng = None if seed is None else np.random.default_rng(seed)
        self.scaled_mask = None

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}

    def forward(self, x, training=False):
        if not training or self.rate == 0:
            self.scaled_mask = None
            return x
        keep = self.backend.asarray(self.rng.random(x.shape) >= self.rate)  # drawn on the host, then moved
        self.scaled_mask = self.backend.xp.astype(keep, x.dtype) / (1 - self.rate)
        return x * self.scaled_mask

    def backward(self, g):
        return g if self.scaled_mask is None else g * self.scaled_mask


#: Normalization's valid statistics: |μ| ≤ MAX_MEAN, σ² = 0 (a constant input, σ = 1) or in
#: [MIN_VARIANCE, MAX_VARIANCE] — (x − μ)/σ then stays far inside float32 for any float32 input
MAX_MEAN, MIN_VARIANCE, MAX_VARIANCE = 1e30, 1e-30, 1e60


@registry.register("Normalization")
class Normalization(Layer):
    """y = (x − μ)/σ with fixed μ and σ² (``mean``, ``variance``) — not trained, saved with the model.

    Backward: ∂L/∂x = g/σ. ``Normalization.adapt(x)`` fits μ and σ² to data (σ = 0 → 1), so a saved
    model takes raw inputs, as Keras's ``layers.Normalization``.
    """

    def __init__(self, mean=0.0, variance=1.0, name: str | None = None, input_shape=None):
        super().__init__(name=name, input_shape=input_shape)
        self.mean = np.asarray(mean, dtype=np.float64)
        self.variance = np.asarray(variance, dtype=np.float64)
        if not (np.all(np.isfinite(self.mean)) and np.all(np.isfinite(self.variance))):
            raise ValueError("Normalization mean and variance must be finite")
        if np.any(self.variance < 0):
            raise ValueError("Normalization variance must be >= 0")
        for what, bad, valid in (
                ("mean", np.abs(self.mean) > MAX_MEAN, f"[{-MAX_MEAN:g}, {MAX_MEAN:g}]"),
                ("variance", ((self.variance > 0) & (self.variance < MIN_VARIANCE)) | (self.variance > MAX_VARIANCE),
                 f"0 or [{MIN_VARIANCE:g}, {MAX_VARIANCE:g}] (a smaller σ² scales inputs past float32)")):
            if np.any(bad):
                i = int(np.argmax(bad.ravel()))
                value = float(getattr(self, what).ravel()[i])
                raise ValueError(f"Normalization {what}[{i}] = {value!r} is outside the valid range {valid}")
        try:
            np.broadcast_shapes(self.mean.shape, self.variance.shape)
        except ValueError:
            raise ValueError(f"Normalization mean shape {self.mean.shape} and variance shape "
                             f"{self.variance.shape} do not broadcast") from None
        std = np.sqrt(self.variance)
        self.std = np.where(std == 0, 1.0, std)
        self._cast = {}  # (backend, dtype) → (μ, σ) as that backend's arrays, made once rather than every step

    @classmethod
    def adapt(cls, x, name: str | None = None) -> "Normalization":
        x = np.asarray(x, dtype=np.float64)
        variance = x.var(axis=0)
        variance[variance < MIN_VARIANCE] = 0.0  # a constant column up to rounding: σ = 1 (as for σ = 0)
        return cls(mean=x.mean(axis=0), variance=variance, name=name)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean.tolist(), "variance": self.variance.tolist()}

    def build(self, input_shape):
        super().build(input_shape)
        for what, arr in (("mean", self.mean), ("variance", self.variance)):
            try:
                if np.broadcast_shapes(arr.shape, tuple(input_shape)) != tuple(input_shape):
                    raise ValueError
            except ValueError:
                raise ValueError(f"Normalization {what} has shape {arr.shape}, which does not fit inputs of "
                                 f"shape {tuple(input_shape)}") from None
        return {}

    def _in(self, dtype):
        key = (self.backend.name, dtype)
        if key not in self._cast:
            b = self.backend
            self._cast[key] = tuple(b.xp.astype(b.asarray(v), dtype) for v in (self.mean, self.std))
        return self._cast[key]

    def forward(self, x, training=False):
        mean, std = self._in(x.dtype)
        return (x - mean) / std

    def backward(self, g):
        return g / self._in(g.dtype)[1]


@registry.register("Flatten")
class Flatten(Layer):
    """y = x.reshape(N, −1);  ∂L/∂x = g.reshape(x.shape)."""

    def compute_output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def forward(self, x, training=False):
        self.x_shape = x.shape
        return self.backend.xp.reshape(x, (x.shape[0], -1))

    def backward(self, g):
        return self.backend.xp.reshape(g, self.x_shape)


def get(identifier, **kwargs) -> Layer:
    return registry.get(identifier, **kwargs)
