"""Keras-compatible utilities: ``gdlab.utils.set_random_seed``."""

from gdlab.backend import set_random_seed

__all__ = ["set_random_seed"]
