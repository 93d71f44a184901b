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
    batch_sizes: tuple = option((1, 4, 16, 64, 256, "full"), "batch sizes ('full': all training samples)")
    learning_rates: tuple = option((1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001),
                                   "the η grid tuned per batch size (SGD, momentum 0.9)")
    tutorial_learning_rate: float = option(0.02, "the one η of the tutorial's fixed-η view")
    momentum: float = option(0.9, "SGD momentum")
    hidden: int = option(32, "hidden ReLU units (network 64-hidden-10)")
    target_accuracy: float = option(0.88, "validation accuracy that counts as reached")
    max_steps: int = option(3000, "steps after which a trial stops unreached")
    repeats: int = option(3, "timed repeats (after a warm-up) of each batch size's step time")
    memory_mib: float = option(0.0, "memory budget of one step in MiB (0: none)")
    noise_samples: int = option(400, "per-example gradients for the gradient noise scale B_simple")
    seed: int = option(0, "random seed")


STUDY = Study("batch-size", "7. Finding the best batch size",
              "η tuned per batch size: steps to target, S(B) and E(B) fits, B_noise vs B_simple; recommend B",
              Settings, __name__,
              thorough={"batch_sizes": (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, "full"),
                        "learning_rates": (1.0, 0.5, 0.3, 0.2, 0.1, 0.05, 0.03, 0.02, 0.01, 0.005, 0.003, 0.001),
                        "repeats": 5, "max_steps": 10000})
