"""2-D test functions with exact gradients, for racing optimizers.

Each ``Surface`` has f(θ), ∇f(θ), a start, its minimum (where it has one) and
a plotting window. Its words (its name as shown, a note on its shape) are the
surfaces study's messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Surface:
    name: str
    formula: str
    f: Callable[[np.ndarray], float]
    grad: Callable[[np.ndarray], np.ndarray]
    start: tuple[float, float]
    minimum: tuple[float, float]  # a global minimiser (the one the start leads to)
    window: tuple[float, float, float, float]  # x_min, x_max, y_min, y_max
    log_contours: bool = False

    @property
    def f_min(self) -> float:
        return float(self.f(np.array(self.minimum)))


def _rosenbrock(t):
    x, y = t[0], t[1]
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def _rosenbrock_grad(t):
    x, y = t[0], t[1]
    return np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])


def _beale(t):
    x, y = t[0], t[1]
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def _beale_grad(t):
    x, y = t[0], t[1]
    a, b, c = 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3
    return np.array([
        2 * a * (y - 1) + 2 * b * (y**2 - 1) + 2 * c * (y**3 - 1),
        2 * a * x + 2 * b * 2 * x * y + 2 * c * 3 * x * y**2,
    ])


BOWL_CURVATURES = (1.0, 25.0)  # condition number κ = 25


def _bowl(t):
    return 0.5 * (BOWL_CURVATURES[0] * t[0] ** 2 + BOWL_CURVATURES[1] * t[1] ** 2)


def _bowl_grad(t):
    return np.array([BOWL_CURVATURES[0] * t[0], BOWL_CURVATURES[1] * t[1]])


def _saddle(t):
    x, y = t[0], t[1]
    return x * x - y * y + 0.5 * y**4


def _saddle_grad(t):
    x, y = t[0], t[1]
    return np.array([2 * x, -2 * y + 2 * y**3])


ROSENBROCK = Surface("rosenbrock", "(1 − x)² + 100(y − x²)²", _rosenbrock, _rosenbrock_grad,
                     (-1.5, 2.0), (1.0, 1.0), (-2.0, 2.0, -1.0, 3.0), log_contours=True)
BEALE = Surface("beale", "(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²", _beale, _beale_grad,
                (1.0, 1.5), (3.0, 0.5), (-1.0, 4.0, -1.0, 2.0), log_contours=True)
BOWL = Surface("bowl", "½(x² + 25y²)", _bowl, _bowl_grad,
               (-4.0, 1.5), (0.0, 0.0), (-5.0, 5.0, -2.0, 2.0))
SADDLE = Surface("saddle", "x² − y² + ½y⁴", _saddle, _saddle_grad,
                 (1.5, 1e-3), (0.0, 1.0), (-2.0, 2.0, -1.6, 1.6))

SURFACES = {s.name: s for s in (ROSENBROCK, BEALE, BOWL, SADDLE)}


def get(name: str) -> Surface:
    if name not in SURFACES:
        raise ValueError(f"unknown surface {name!r}; known: {', '.join(SURFACES)}")
    return SURFACES[name]
