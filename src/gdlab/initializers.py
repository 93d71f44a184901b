"""Weight initializers: ``init(shape, rng, dtype) -> array``, Keras's definitions.

For a kernel of shape (fan_in, fan_out):

- glorot_uniform:  U(−l, l),  l = √(6 / (fan_in + fan_out))
- glorot_normal:   truncated N(0, σ²) cut at ±2σ,  σ = √(2 / (fan_in + fan_out)) / 0.87962566
- he_uniform:      U(−l, l),  l = √(6 / fan_in)
- he_normal:       truncated N(0, σ²) cut at ±2σ,  σ = √(2 / fan_in) / 0.87962566
- lecun_normal / lecun_uniform: the same with scale 1 and fan_in
- random_normal / random_uniform / zeros / ones / constant

0.87962566 is the standard deviation of a unit normal truncated at ±2, so the
truncated draw has exactly the variance the scheme asks for.
"""

from __future__ import annotations

import numpy as np

from gdlab.config import Configurable
from gdlab.registry import Registry

_TRUNCATED_STD = 0.87962566103423978


class Initializer(Configurable):
    def __call__(self, shape, rng: np.random.Generator, dtype=np.float32):
        raise NotImplementedError  # abstract


registry = Registry("initializer", Initializer)


def fans(shape) -> tuple[int, int]:
    """(fan_in, fan_out) of a kernel; a 1-D shape is treated as (n, n)."""
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


def truncated_normal(shape, rng, std, dtype):
    """N(0, std²) redrawn until every value lies within ±2·std."""
    out = rng.standard_normal(shape)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2
    return (out * std).astype(dtype)


class VarianceScaling(Initializer):
    """Var(w) = scale / n, n = fan_in, fan_out or their mean (``mode``)."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal"):
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"mode={mode!r}; valid: 'fan_in', 'fan_out', 'fan_avg'")
        if distribution not in ("truncated_normal", "uniform", "untruncated_normal"):
            raise ValueError(
                f"distribution={distribution!r}; valid: 'truncated_normal', 'uniform', 'untruncated_normal'"
            )
        if not scale > 0:
            raise ValueError(f"scale={scale!r} must be > 0")
        self.scale, self.mode, self.distribution = float(scale), mode, distribution

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution}

    def __call__(self, shape, rng, dtype=np.float32):
        fan_in, fan_out = fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        if self.distribution == "uniform":
            limit = np.sqrt(3.0 * variance)
            return rng.uniform(-limit, limit, shape).astype(dtype)
        if self.distribution == "untruncated_normal":
            return (rng.standard_normal(shape) * np.sqrt(variance)).astype(dtype)
        return truncated_normal(shape, rng, np.sqrt(variance) / _TRUNCATED_STD, dtype)


def _scaling(name, scale, mode, distribution, doc):
    cls = type(
        name,
        (VarianceScaling,),
        {
            "__init__": lambda self: VarianceScaling.__init__(self, scale, mode, distribution),
            "get_config": lambda self: {},
            "__doc__": doc,
        },
    )
    return cls


GlorotUniform = registry.register("glorot_uniform", "xavier_uniform")(
    _scaling("GlorotUniform", 1.0, "fan_avg", "uniform", "U(−l, l), l = √(6/(fan_in + fan_out))")
)
GlorotNormal = registry.register("glorot_normal", "xavier_normal")(
    _scaling("GlorotNormal", 1.0, "fan_avg", "truncated_normal", "truncated normal, Var = 2/(fan_in + fan_out)")
)
HeUniform = registry.register("he_uniform")(
    _scaling("HeUniform", 2.0, "fan_in", "uniform", "U(−l, l), l = √(6/fan_in)")
)
HeNormal = registry.register("he_normal")(
    _scaling("HeNormal", 2.0, "fan_in", "truncated_normal", "truncated normal, Var = 2/fan_in")
)
LecunUniform = registry.register("lecun_uniform")(
    _scaling("LecunUniform", 1.0, "fan_in", "uniform", "U(−l, l), l = √(3/fan_in)")
)
LecunNormal = registry.register("lecun_normal")(
    _scaling("LecunNormal", 1.0, "fan_in", "truncated_normal", "truncated normal, Var = 1/fan_in")
)
registry.register("variance_scaling")(VarianceScaling)


@registry.register("constant")
class Constant(Initializer):
    """Every entry = value."""

    def __init__(self, value=0.0):
        self.value = float(value)

    def get_config(self):
        return {"value": self.value}

    def __call__(self, shape, rng, dtype=np.float32):
        return np.full(shape, self.value, dtype=dtype)


@registry.register("zeros")
class Zeros(Constant):
    """Every entry = 0."""

    def __init__(self):
        super().__init__(0.0)

    def get_config(self):
        return {}


@registry.register("ones")
class Ones(Constant):
    """Every entry = 1."""

    def __init__(self):
        super().__init__(1.0)

    def get_config(self):
        return {}


@registry.register("random_normal")
class RandomNormal(Initializer):
    """N(mean, stddev²); Keras's default stddev = 0.05."""

    def __init__(self, mean=0.0, stddev=0.05):
        self.mean, self.stddev = float(mean), float(stddev)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev}

    def __call__(self, shape, rng, dtype=np.float32):
        return (self.mean + self.stddev * rng.standard_normal(shape)).astype(dtype)


@registry.register("random_uniform")
class RandomUniform(Initializer):
    """U(minval, maxval); Keras's default (−0.05, 0.05)."""

    def __init__(self, minval=-0.05, maxval=0.05):
        if not minval < maxval:
            raise ValueError(f"minval={minval!r} must be < maxval={maxval!r}")
        self.minval, self.maxval = float(minval), float(maxval)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval}

    def __call__(self, shape, rng, dtype=np.float32):
        return rng.uniform(self.minval, self.maxval, shape).astype(dtype)


def get(identifier, **kwargs) -> Initializer:
    return registry.get(identifier, **kwargs)
