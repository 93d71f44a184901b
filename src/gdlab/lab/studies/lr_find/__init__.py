"""8. The learning-rate range test on y = w·x, checked against the theory's 1/λ and 2/λ."""

from __future__ import annotations

from dataclasses import dataclass

from gdlab.lab.study import Study, option


@dataclass(frozen=True)
class Settings:
    n: int = option(200, "number of houses")
    batch_size: int = option(32, "batch size")
    start_lr: float = option(1e-4, "first η")
    end_lr: float = option(10.0, "last η")
    iterations: int = option(100, "iterations of the range test")
    smoothing: float = option(0.9, "β of the loss's moving average (it spans about 1/(1 − β) iterations)")
    seed: int = option(0, "random seed: the data, and the first of the batch orders")
    seeds: int = option(3, "batch orders (seeds seed … seed + seeds − 1): the spread of the curve and of the suggestion")


STUDY = Study("lr-find", "8. The learning-rate range test",
              "the learning-rate range test on y = w·x, against the theory's 1/λ and 2/λ", Settings, __name__)
