"""3. Batch gradient descent vs stochastic vs mini-batch: the same network, data, start and η; only B differs."""

from __future__ import annotations

from dataclasses import dataclass

from gdlab.lab.studies.regimes import claims  # noqa: F401  (registers the claims this study tests)
from gdlab.lab.study import Study, option


@dataclass(frozen=True)
class Settings:
    n: int = option(500, "houses (4 features, non-linear price)")
    hidden: int = option(16, "hidden tanh units")
    minibatch: int = option(32, "batch size of the mini-batch run")
    epochs: int = option(20, "epochs per run")
    learning_rate: float = option(0.02, "SGD learning rate η, the same for all three")
    cost_sizes: tuple = option((1000, 10000, 100000), "data sizes N at which one full-data step is timed")
    repeats: int = option(3, "timed repeats (after a warm-up) per wall-clock figure")
    seed: int = option(0, "random seed")


STUDY = Study("regimes", "3. Batch gradient descent vs stochastic vs mini-batch",
              "batch gradient descent vs SGD vs mini-batch on the same data and initial weights", Settings,
              __name__, thorough={"repeats": 5})
