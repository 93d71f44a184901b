"""Fused kernels (moved to ``gdlab.kernels.numba_cpu``)."""

from gdlab.kernels.numba_cpu import *  # noqa: F401,F403
from gdlab.kernels.numba_cpu import ENABLED, numba, tiny  # noqa: F401
