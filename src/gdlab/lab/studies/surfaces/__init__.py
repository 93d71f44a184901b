"""5. Every optimizer racing on 2-D surfaces (Rosenbrock, Beale, an ill-conditioned bowl, a saddle)."""

from __future__ import annotations

from dataclasses import dataclass

from gdlab.lab.study import Study, option


@dataclass(frozen=True)
class Settings:
    names: tuple = option(("rosenbrock", "beale", "bowl", "saddle"))
    steps: int = option(0)
    tolerance: float = option(1e-4)


STUDY = Study("surfaces", Settings, __name__)
