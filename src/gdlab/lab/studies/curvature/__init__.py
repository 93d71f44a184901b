"""10. Curvature measured on the real network: λ_max and λ_min from Hessian-vector products, the rate against η,
the (η, β) plane, divergence at 2/λ_max."""

from __future__ import annotations

from dataclasses import dataclass

from gdlab.lab.studies.curvature import claims  # noqa: F401  (registers the claims this study tests)
from gdlab.lab.study import Study, option


@dataclass(frozen=True)
class Settings:
    n: int = option(200)
    hidden: int = option(16)
    eta_factors: tuple = option((0.1, 0.3, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 1.9, 2.1, 2.3, 2.6))
    learning_rate: float = option(0.1)
    steps: int = option(600)
    plane_factors: tuple = option((0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5))
    checkpoints: int = option(7)
    lanczos_steps: int = option(100)
    plane_betas: tuple = option((0.3, 0.6, 0.9))
    rate_steps: int = option(120)
    seed: int = option(0)


STUDY = Study("curvature", Settings, __name__)
