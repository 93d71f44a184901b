"""4. Momentum against its theory (β sweep, η tuned per β, Nesterov), per-parameter step sizes, Adadelta without
a learning rate, RMSprop's forgetting, and Adam built by hand."""

from __future__ import annotations

from dataclasses import dataclass

from gdlab.lab.studies.momentum import claims  # noqa: F401  (registers the claims this study tests)
from gdlab.lab.study import Study, option


@dataclass(frozen=True)
class Settings:
    learning_rate: float = option(0.07, "η on the bowl ½(x² + 25y²): η·25 = 1.75 makes plain GD zig-zag")
    momenta: tuple = option((0.5, 0.9), "momentum coefficients compared with plain GD at the same η (the "
                                        "tutorial's β = 0.9 is always run)")
    betas: tuple = option((0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95),
                          "β sweep: at the study's η, with η tuned per β, and at the convergence condition's edge "
                          "(plain GD, β = 0, and the tutorial's β = 0.9 always run)")
    learning_rates: tuple = option((0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.1, 0.12, 0.14),
                                   "η grid of the β sweep (η tuned per β; Nesterov against classical)")
    adadelta_steps: int = option(2000, "steps of Adadelta at η = 1 (and of the η grids) on each problem")
    steps: int = option(300, "steps per run")
    tolerance: float = option(1e-4, "f − f* counted as arrived")
    seed: int = option(0, "random seed")


STUDY = Study("momentum", "4. Momentum, per-parameter steps, forgetting: Adagrad, RMSprop, Adam",
              "momentum against its theory (β sweep, η per β, Nesterov), per-parameter steps, Adadelta at η = 1, "
              "RMSprop's forgetting, Adam by hand", Settings, __name__)
