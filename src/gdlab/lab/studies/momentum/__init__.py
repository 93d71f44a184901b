"""4. Momentum at the same η, per-parameter step sizes, RMSprop's forgetting, and Adam built by hand."""

from __future__ import annotations

from dataclasses import dataclass

from gdlab.lab.studies.momentum import claims  # noqa: F401  (registers the claims this study tests)
from gdlab.lab.study import Study, option


@dataclass(frozen=True)
class Settings:
    learning_rate: float = option(0.07, "η on the bowl ½(x² + 25y²): η·25 = 1.75 makes plain GD zig-zag")
    momenta: tuple = option((0.5, 0.9), "momentum coefficients compared with plain GD at the same η")
    steps: int = option(300, "steps per run")
    tolerance: float = option(1e-4, "f − f* counted as arrived")
    seed: int = option(0, "random seed")


STUDY = Study("momentum", "4. Momentum, per-parameter steps, forgetting: Adagrad, RMSprop, Adam",
              "momentum at the same η, per-parameter steps, RMSprop's forgetting, Adam by hand", Settings, __name__)
