"""The fused-kernel table: optional fast versions of reference computations, and one switch.

Every computation has one reference — an optimizer's NumPy ``update``, an
activation's ``forward`` / ``vjp``, ``np.dot`` — and may have
fused kernels that compute exactly the same numbers in one pass. They live in
one table keyed by

    (op, flags, backend)

- ``op``: what is computed — an optimizer's registry name (``"adam"``) or a
  layer operation (``"bias_activation"``, ``"activation_backward"``, ``"outer"``);
- ``flags``: the options that change the arithmetic, as sorted ``(name, value)``
  pairs (``(("amsgrad", False), ("eps_hat", True))``, ``(("activation", "relu"),)``);
- ``backend``: the array library the operands belong to, ``backend_of(array)``:
  ``"numpy"`` for NumPy arrays (here: numba kernels), ``"cupy"`` for CuPy arrays.

A backend registers its kernels with ``@register(op, backend, **flags)``;
callers ask ``lookup(op, backend, **flags)`` and fall back to the reference
when it returns None. The kernel's calling convention belongs to the op: an
optimizer kernel is ``kernel(optimizer, θ, g, state, t, η)`` and must leave g
untouched, exactly like the ``update`` it replaces.

One switch: ``with fused(False): ...`` turns every kernel off (the references
run), ``fused(True)`` back on; it is on by default. An optimizer's own
``fused=`` argument overrides it for that optimizer. Without numba installed
the NumPy backend has no kernels and every reference runs.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

Key = tuple[str, tuple[tuple[str, object], ...], str]

_TABLE: dict[Key, Callable] = {}
_FOUND: dict[tuple, Callable | None] = {}  # lookup's answers by its arguments, as given (layers ask every call)
_switch = {"on": True}
_BACKENDS: dict[type, str] = {}  # array type → backend name, filled on first sight


def key(op: str, backend: str = "numpy", **flags) -> Key:
    """The table key of ``op`` with ``flags`` on ``backend``."""
    return op, tuple(sorted(flags.items()) if len(flags) > 1 else flags.items()), backend


def register(op: str, backend: str = "numpy", **flags) -> Callable:
    """Decorator: ``fn`` computes ``op`` with these ``flags`` for arrays of ``backend``."""

    def deco(fn):
        k = key(op, backend, **flags)
        if k in _TABLE:
            raise ValueError(f"a kernel for {k} is already registered")
        _TABLE[k] = fn
        _FOUND.clear()
        return fn

    return deco


def lookup(op: str, backend: str = "numpy", **flags) -> Callable | None:
    """The registered kernel, or None when there is none or the switch is off."""
    if not _switch["on"]:
        return None
    asked = (op, backend, *flags.items())
    try:
        return _FOUND[asked]
    except KeyError:
        found = _FOUND[asked] = _TABLE.get(key(op, backend, **flags))
        return found


def lookup_key(k: Key, ignore_switch: bool = False) -> Callable | None:
    """``lookup`` by a prepared ``key(...)``; ``ignore_switch`` for a caller that insists (``fused=True``)."""
    return _TABLE.get(k) if _switch["on"] or ignore_switch else None


def registered(op: str | None = None) -> dict[Key, Callable]:
    """The table (or its entries for one ``op``), whatever the switch says."""
    return {k: f for k, f in _TABLE.items() if op is None or k[0] == op}


def enabled() -> bool:
    """Whether the switch is on."""
    return _switch["on"]


@contextmanager
def fused(on: bool) -> Iterator[None]:
    """``with fused(False):`` runs every reference; the previous setting returns afterwards."""
    if not isinstance(on, (bool, np.bool_)):
        raise TypeError(f"fused(on={on!r}): on must be True or False")
    saved, _switch["on"] = _switch["on"], bool(on)
    try:
        yield
    finally:
        _switch["on"] = saved


def backend_of(array) -> str:
    """The backend name of an array: the top-level module of its type (``"numpy"``, ``"cupy"``)."""
    kind = type(array)
    name = _BACKENDS.get(kind)
    if name is None:
        name = _BACKENDS[kind] = kind.__module__.partition(".")[0]
    return name


def tiny(dtype) -> np.generic:
    """The smallest normal number of ``dtype`` (the flush threshold of the kernels' state)."""
    return np.finfo(dtype).tiny


if importlib.util.find_spec("numba") is not None:  # the NumPy backend's kernels (optional extra gdlab[fast])
    from gdlab.kernels import numba_cpu  # noqa: F401,E402  (registers its kernels on import)
