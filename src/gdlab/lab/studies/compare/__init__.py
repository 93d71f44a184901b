"""6. Every optimizer on real data (the bundled handwritten digits): same network, seed and initial weights."""

from __future__ import annotations

from dataclasses import dataclass

from gdlab.lab.study import Study, option


@dataclass(frozen=True)
class Settings:
    epochs: int = option(15)
    batch_size: int = option(32)
    hidden: int = option(32)
    target_accuracy: float = option(0.9)
    repeats: int = option(3)
    seed: int = option(0)


STUDY = Study("compare", Settings, __name__,
              thorough={"epochs": 30, "repeats": 5})
