"""4. Momentum against its theory (β sweep, η tuned per β, Nesterov), per-parameter step sizes, Adadelta without
a learning rate, RMSprop's forgetting, and Adam built by hand."""

from __future__ import annotations

from dataclasses import dataclass

from gdlab.lab.studies.momentum import claims  # noqa: F401  (registers the claims this study tests)
from gdlab.lab.study import Study, option


@dataclass(frozen=True)
class Settings:
    learning_rate: float = option(0.07)
    momenta: tuple = option((0.5, 0.9))
    betas: tuple = option((0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95))
    learning_rates: tuple = option((0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.1, 0.12, 0.14))
    adadelta_steps: int = option(2000)
    steps: int = option(300)
    tolerance: float = option(1e-4)
    seed: int = option(0)


STUDY = Study("momentum", Settings, __name__)
