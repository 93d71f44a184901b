"""9. The activations the tutorial names (and a few more), each with its derivative and a gradient check."""

from __future__ import annotations

from dataclasses import dataclass

from gdlab.lab.studies.activations import claims  # noqa: F401  (registers the claims this study tests)
from gdlab.lab.study import Study, option


@dataclass(frozen=True)
class Settings:
    z_min: float = option(-5.0)
    z_max: float = option(5.0)
    points: int = option(401)


STUDY = Study("activations", Settings, __name__)
