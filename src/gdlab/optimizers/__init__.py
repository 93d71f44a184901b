"""Optimizers: one file per family, one registry (``gdlab.optimizers.get("adam")``)."""

from gdlab.optimizers.base import Optimizer, get, registry
from gdlab.optimizers.sgd import SGD

__all__ = ["Optimizer", "SGD", "get", "registry"]
