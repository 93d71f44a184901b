"""6. Every optimizer on real data (the bundled handwritten digits): same network, seed and initial weights."""

from __future__ import annotations

from dataclasses import dataclass

from gdlab.lab.study import Study, option


@dataclass(frozen=True)
class Settings:
    epochs: int = option(15, "epochs per optimizer")
    batch_size: int = option(32, "batch size")
    hidden: int = option(32, "hidden ReLU units (network 64-hidden-10)")
    target_accuracy: float = option(0.9, "validation accuracy counted as reached")
    repeats: int = option(3, "timed repeats (after a warm-up) of the step time")
    seed: int = option(0, "random seed")


STUDY = Study("compare", "6. Optimizers on real data: handwritten digits",
              "every optimizer on the bundled digits, same network and initial weights", Settings, __name__,
              thorough={"epochs": 30, "repeats": 5})
