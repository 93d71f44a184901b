"""2. The house-price line y = w·x: gradient descent on the loss parabola, at η from too small to diverging."""

from __future__ import annotations

from dataclasses import dataclass

from gdlab.lab.studies.linear import claims  # noqa: F401  (registers the claims this study tests)
from gdlab.lab.study import Study, option


@dataclass(frozen=True)
class Settings:
    n: int = option(50, "number of houses")
    noise: float = option(0.1, "price noise, relative to true_w")
    true_w: float = option(3.0, "the true slope")
    steps: int = option(25, "gradient-descent iterations per run")
    w_init: float = option(0.5, "starting w")
    seed: int = option(0, "random seed")


STUDY = Study("linear", "2. The house-price line y = w·x: gradient descent on a parabola",
              "the house-price line y = w·x: the loss parabola and learning rates too small to diverging",
              Settings, __name__)
