"""5. Every optimizer racing on 2-D surfaces (Rosenbrock, Beale, an ill-conditioned bowl, a saddle)."""

from __future__ import annotations

from dataclasses import dataclass

from gdlab.lab.study import Study, option


@dataclass(frozen=True)
class Settings:
    names: tuple = option(("rosenbrock", "beale", "bowl", "saddle"), "surfaces to race on")
    steps: int = option(0, "steps per race (0: each surface's own default)")
    tolerance: float = option(1e-4, "f − f* counted as arrived (and staying)")


STUDY = Study("surfaces", "5. Optimizers racing on 2-D surfaces",
              "every optimizer's path on Rosenbrock, Beale, an ill-conditioned bowl and a saddle", Settings, __name__)
