"""Checking and converting user data once, at the door, with errors that say what is wrong.

Every check names the argument, the offending value or shape, and what is valid,
so a mistake never surfaces as a NumPy traceback from deep inside a layer.
"""

from __future__ import annotations

import numpy as np


def as_features(x, dtype, expected_shape=None, argname="x") -> np.ndarray:
    """x as a float array of ``dtype`` with a batch axis: (N, *expected_shape).

    A 1-D x of N numbers is taken as N samples of one feature, (N, 1).
    """
    arr = _numeric_array(x, argname)
    user_shape = arr.shape
    if arr.ndim == 0:
        raise ValueError(f"{argname} is a scalar; it needs a batch axis, shape (N, features)")
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.shape[0] == 0:
        raise ValueError(f"{argname} is empty (shape {arr.shape}); need at least one sample")
    if arr.size == 0:
        raise ValueError(f"{argname} has shape {arr.shape}: its samples have no features; "
                         f"need at least one feature per sample")
    if expected_shape is not None and arr.shape[1:] != tuple(expected_shape):
        raise ValueError(
            f"{argname} has shape {arr.shape}, so each sample has shape {arr.shape[1:]}; "
            f"the model expects samples of shape {tuple(expected_shape)}, i.e. {argname}.shape == "
            f"(N, {', '.join(map(str, expected_shape))})"
        )
    return _as_finite(arr, dtype, argname, user_shape)


def as_targets(y, loss, n_outputs: int, n_samples: int, dtype, argname="y") -> np.ndarray:
    """y converted for ``loss``: integer labels (N,) for sparse losses, else (N, n_outputs) floats."""
    if y is None:
        raise TypeError(f"{argname} is None; fit and evaluate need targets: one label or row of "
                        f"{n_outputs} value(s) per sample of x ({n_samples} samples)")
    arr = _numeric_array(y, argname)
    user_shape = arr.shape
    if arr.ndim == 0 or arr.shape[0] != n_samples:
        raise ValueError(
            f"x and {argname} disagree on the number of samples: x has {n_samples}, "
            f"{argname} has shape {arr.shape}"
        )
    if loss.sparse_targets:
        labels = _as_finite(arr, np.float64, argname, arr.shape)
        loss.validate_targets(labels, n_outputs)
        return labels.reshape(n_samples).astype(np.intp)
    if arr.ndim == 1 and n_outputs == 1:
        arr = arr.reshape(-1, 1)
    if arr.shape[1:] != (n_outputs,):
        raise ValueError(
            f"{argname} has shape {arr.shape}; the model outputs shape (N, {n_outputs}), "
            f"so {argname} must have shape ({n_samples}, {n_outputs})"
            + (" (or use sparse_categorical_crossentropy for integer labels)" if arr.ndim == 1 else "")
        )
    arr = _as_finite(arr, dtype, argname, user_shape)
    loss.validate_targets(arr, n_outputs)
    return arr


def _numeric_array(x, argname):
    if x is None:
        raise TypeError(f"{argname} is None; expected an array of numbers")
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as err:
        raise ValueError(f"{argname} cannot be read as an array ({err}); rows may have different lengths") from None
    if arr.dtype == object:
        raise ValueError(f"{argname} cannot be read as a numeric array (rows of different lengths or non-numbers)")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{argname} has dtype {arr.dtype}; expected numbers (bool, int or float)")
    return arr


def _as_finite(arr, dtype, argname, user_shape) -> np.ndarray:
    """arr cast to ``dtype`` (C-contiguous); every value must be finite *after* the cast (1e39 is inf in float32).

    A bad value's index is given in ``user_shape``, the shape the caller passed before any reshape.
    """
    with np.errstate(over="ignore"):  # an overflow is reported below, with its position
        out = np.ascontiguousarray(arr, dtype=dtype)
    finite = np.isfinite(out).ravel()
    if not finite.all():
        flat = int(np.argmin(finite))
        bad = tuple(int(i) for i in np.unravel_index(flat, user_shape))
        value = arr.reshape(-1)[flat]
        overflow = (f", which overflows {out.dtype.name} (largest finite value {np.finfo(out.dtype).max:.7g})"
                    if np.isfinite(value) else "")
        raise ValueError(f"{argname} contains {value} at index {bad}{overflow}; all values must be finite "
                         f"as {out.dtype.name}")
    return out


def validation_split_point(n: int, validation_split) -> int:
    """Keras's rule: the last ⌊N·split⌋… precisely, training keeps the first ⌊N·(1 − split)⌋ samples."""
    if isinstance(validation_split, bool) or not isinstance(validation_split, (int, float, np.floating)):
        raise TypeError(f"validation_split={validation_split!r} must be a float in [0, 1)")
    if not 0 <= validation_split < 1:
        raise ValueError(f"validation_split={validation_split!r} must be in [0, 1)")
    split_at = int(np.floor(n * (1.0 - validation_split)))
    if validation_split > 0 and (split_at == 0 or split_at == n):
        raise ValueError(
            f"validation_split={validation_split} of {n} samples leaves "
            f"{split_at} for training and {n - split_at} for validation; both need at least 1"
        )
    return split_at
