"""Array policy: which dtypes gdlab computes in and where random numbers come from.

NumPy is the engine. Every model computes in one floating dtype, float32 by
default and float64 on request (gradient checks always use float64).

Randomness flows from one root ``numpy.random.SeedSequence``. ``set_random_seed``
replaces the root; every object that needs randomness and was given no seed of
its own (a model's initial weights, a fit's shuffling and dropout masks) takes
the next child of the root. So one call of ``set_random_seed(n)`` at the top of a
script makes the whole script reproducible, bit for bit, as in Keras.
"""

from __future__ import annotations

import numpy as np

FLOAT_DTYPES = {"float32": np.float32, "float64": np.float64}

_root = np.random.SeedSequence()


def resolve_dtype(dtype) -> np.dtype:
    """Return the NumPy dtype for ``"float32"``/``"float64"`` (or the types themselves)."""
    name = np.dtype(dtype).name if _is_dtype_like(dtype) else None
    if name not in FLOAT_DTYPES:
        raise ValueError(
            f"dtype={dtype!r} is not supported; valid: {sorted(FLOAT_DTYPES)}"
        )
    return np.dtype(FLOAT_DTYPES[name])


def _is_dtype_like(dtype) -> bool:
    try:
        np.dtype(dtype)
    except TypeError:
        return False
    return True


def set_random_seed(seed: int) -> None:
    """Seed every generator gdlab creates from now on (as ``keras.utils.set_random_seed``)."""
    global _root
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed={seed!r} must be a non-negative integer")
    _root = np.random.SeedSequence(int(seed))


def seed_sequence(seed=None) -> np.random.SeedSequence:
    """``SeedSequence(seed)``, or the next child of the global root when ``seed`` is None."""
    if seed is None:
        return _root.spawn(1)[0]
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed={seed!r} must be a non-negative integer, a SeedSequence or None")
    return np.random.SeedSequence(int(seed))
