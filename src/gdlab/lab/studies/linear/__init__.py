"""2. The house-price line y = w·x: gradient descent on the loss parabola, at η from too small to diverging."""

from __future__ import annotations

from dataclasses import dataclass

from gdlab.lab.studies.linear import claims  # noqa: F401  (registers the claims this study tests)
from gdlab.lab.study import Study, option


@dataclass(frozen=True)
class Settings:
    n: int = option(50)
    noise: float = option(0.1)
    true_w: float = option(3.0)
    steps: int = option(25)
    w_init: float = option(0.5)
    seed: int = option(0)


STUDY = Study("linear", Settings, __name__)
