"""1. One iteration, checked number by number: forward pass, loss, chain rule, update, on a small network."""

from __future__ import annotations

from dataclasses import dataclass

from gdlab.lab.studies.basics import claims  # noqa: F401  (registers the claims this study tests)
from gdlab.lab.study import Study, option


@dataclass(frozen=True)
class Settings:
    n: int = option(200)
    hidden: int = option(8)
    batch_size: int = option(16)
    learning_rate: float = option(0.05)
    iterations: int = option(5)
    seed: int = option(0)


STUDY = Study("basics", Settings, __name__)
