"""10. Curvature measured on the real network: λ_max and λ_min from Hessian-vector products, the rate against η,
the (η, β) plane, divergence at 2/λ_max."""

from __future__ import annotations

from dataclasses import dataclass

from gdlab.lab.studies.curvature import claims  # noqa: F401  (registers the claims this study tests)
from gdlab.lab.study import Study, option


@dataclass(frozen=True)
class Settings:
    n: int = option(200, "houses (4 features, non-linear price): section 3's data and network")
    hidden: int = option(16, "hidden tanh units")
    eta_factors: tuple = option((0.1, 0.3, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 1.9, 2.1, 2.3, 2.6),
                                "η of the rate runs, in units of 1/λ_max")
    learning_rate: float = option(0.1, "η of the full-batch gradient descent that trains the network")
    steps: int = option(600, "full-batch training steps")
    plane_factors: tuple = option((0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5), "η of the (η, β) plane, in units of 1/λ_max")
    checkpoints: int = option(7, "times λ_min and λ_max are measured during training (the first at θ₀)")
    lanczos_steps: int = option(100, "Hessian-vector products per Lanczos run (at most the parameter count: then "
                                     "the Ritz vectors are the Hessian's eigenvectors)")
    plane_betas: tuple = option((0.3, 0.6, 0.9), "β of the (η, β) plane besides β = 0 (plain GD: always run)")
    rate_steps: int = option(120, "steps of each run that measures a rate at the trained θ")
    seed: int = option(0, "random seed (data, initial weights, the perturbation)")


STUDY = Study("curvature", "10. Curvature measured on the real network",
              "λ_max/λ_min of section 3's network from Hessian-vector products; rate against η (Goh); the (η, β) "
              "plane; divergence at 2/λ_max", Settings, __name__)
