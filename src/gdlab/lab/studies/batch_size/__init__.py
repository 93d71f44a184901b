"""7. Finding the best batch size, as research does it: η tuned per batch size, steps to a target.

``trials``: the grid points trained to the target, and one step's time and memory (the study's only
calls into ``gdlab.training``); ``fits``: S(B), E(B) and the step-cost model t(B) = a + b·B;
``results``: the per-B results, tables and ``batch_size.json``; ``experiment``: settings → results.
"""

from __future__ import annotations

from dataclasses import dataclass

from gdlab.lab.studies.batch_size import claims  # noqa: F401  (registers the claims this study tests)
from gdlab.lab.study import Study, option


@dataclass(frozen=True)
class Settings:
    batch_sizes: tuple = option((1, 4, 16, 64, 256, "full"))
    learning_rates: tuple = option((1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001))
    tutorial_learning_rate: float = option(0.02)
    momentum: float = option(0.9)
    hidden: int = option(32)
    target_accuracy: float = option(0.88)
    max_steps: int = option(3000)
    repeats: int = option(3)
    memory_mib: float = option(0.0)
    noise_samples: int = option(400)
    seed: int = option(0)


STUDY = Study("batch-size", Settings, __name__,
              thorough={"batch_sizes": (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, "full"),
                        "learning_rates": (1.0, 0.5, 0.3, 0.2, 0.1, 0.05, 0.03, 0.02, 0.01, 0.005, 0.003, 0.001),
                        "repeats": 5, "max_steps": 10000})
