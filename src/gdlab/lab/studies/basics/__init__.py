"""1. One iteration, checked number by number: forward pass, loss, chain rule, update, on a small network."""

from __future__ import annotations

from dataclasses import dataclass

from gdlab.lab.studies.basics import claims  # noqa: F401  (registers the claims this study tests)
from gdlab.lab.study import Study, option


@dataclass(frozen=True)
class Settings:
    n: int = option(200, "samples of the 4-feature house data")
    hidden: int = option(8, "hidden tanh units of the small network")
    batch_size: int = option(16, "batch size of the traced iterations")
    learning_rate: float = option(0.05, "SGD learning rate η of the traced iterations")
    iterations: int = option(5, "iterations traced and checked one by one")
    seed: int = option(0, "random seed")


STUDY = Study("basics", "1. One iteration, checked number by number",
              "one iteration checked by hand: forward pass, loss, chain rule, update", Settings, __name__)
