"""8. The learning-rate range test on y = w·x, checked against the theory's 1/λ and 2/λ."""

from __future__ import annotations

from dataclasses import dataclass

from gdlab.lab.study import Study, option


@dataclass(frozen=True)
class Settings:
    n: int = option(200)
    batch_size: int = option(32)
    start_lr: float = option(1e-4)
    end_lr: float = option(10.0)
    iterations: int = option(100)
    smoothing: float = option(0.9)
    seed: int = option(0)
    seeds: int = option(3)


STUDY = Study("lr-find", Settings, __name__)
