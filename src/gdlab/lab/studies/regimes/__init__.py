"""3. Batch gradient descent vs stochastic vs mini-batch: the same network, data, start and η; only B differs."""

from __future__ import annotations

from dataclasses import dataclass

from gdlab.lab.studies.regimes import claims  # noqa: F401  (registers the claims this study tests)
from gdlab.lab.study import Study, option


@dataclass(frozen=True)
class Settings:
    n: int = option(500)
    hidden: int = option(16)
    minibatch: int = option(32)
    epochs: int = option(20)
    learning_rate: float = option(0.02)
    cost_sizes: tuple = option((1000, 10000, 100000))
    repeats: int = option(3)
    seed: int = option(0)


STUDY = Study("regimes", Settings,
              __name__, thorough={"repeats": 5})
