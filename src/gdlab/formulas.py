"""Scalar formulas that a reference update and its fused kernels share, written once.

Plain Python on floats, so the NumPy reference calls them as they are, the CuPy kernels
call them on the host, and the numba kernels compile the very same function
(``numba.njit(adam_step_size)``): one definition, the same bits everywhere.
"""

from __future__ import annotations

import math


def adam_step_size(lr, beta_1, beta_2, t, eps_hat):
    """Adam's scalars at step t (1-based): (the factor of m, √(1 − β₂ᵗ)).

        eps_hat (Keras):   α = η·√(1 − β₂ᵗ)/(1 − β₁ᵗ)     θ ← θ − α·m/(√v + ε̂)
        else (PyTorch):    s = η/(1 − β₁ᵗ)                 θ ← θ − s·m/(√v/√(1 − β₂ᵗ) + ε)
    """
    root_c2 = math.sqrt(1 - beta_2 ** float(t))  # √(1 − β₂ᵗ)
    c1 = 1 - beta_1 ** float(t)  # 1 − β₁ᵗ
    return (lr * root_c2 / c1 if eps_hat else lr / c1), root_c2
