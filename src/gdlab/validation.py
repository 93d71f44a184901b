"""Argument checks shared by optimizers and schedules: each error names the argument, the value and
what is valid.

Numbers may be Python or NumPy scalars (``np.float32(0.1)`` is a number); booleans are not numbers
here (``True`` as a learning rate is a mistake, not 1.0), and non-finite values are refused.
"""

from __future__ import annotations

import math

import numpy as np


def number(name: str, value) -> float:
    """``value`` as a finite float."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}={value!r} must be a number")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name}={value!r} must be finite")
    return value


def nonnegative(name: str, value) -> float:
    """A finite number ≥ 0."""
    value = number(name, value)
    if value < 0:
        raise ValueError(f"{name}={value!r} must be >= 0")
    return value


def positive(name: str, value) -> float:
    """A finite number > 0."""
    value = number(name, value)
    if value <= 0:
        raise ValueError(f"{name}={value!r} must be > 0")
    return value


def unit_interval(name: str, value) -> float:
    """A decay rate β, ρ, μ in [0, 1)."""
    value = number(name, value)
    if not 0 <= value < 1:
        raise ValueError(f"{name}={value!r} must be in [0, 1)")
    return value


def count(name: str, value) -> int:
    """An integer ≥ 1 (Python or NumPy)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}={value!r} must be an int >= 1")
    return int(value)


def optional_count(name: str, value) -> int | None:
    """None, or an integer ≥ 1."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}={value!r} must be None or an int >= 1")
    return int(value)


def flag(name: str, value) -> bool:
    """True or False (a convention switch, a variant such as ``nesterov``)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}={value!r} must be True or False")
    return bool(value)
