"""Optimizers racing on 2-D surfaces: the same start, each optimizer's path and loss.

Every optimizer is given a learning rate suited to the surface (the Keras
defaults are tuned for networks). An optimizer has *reached* the minimum when
f(θ) − f(θ*) stays below the tolerance to the end of the race: the table gives
the settling step (from which it stays) and the first touch (which an
oscillating optimizer may leave again), and the share of steps after the first
touch spent above the tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gdlab import optimizers as opt_mod
from gdlab.i18n import t
from gdlab.lab import surfaces as surf_mod
from gdlab.lab.paths import first_touch, run_path, settle_step
from gdlab.lab.studies.surfaces import Settings
from gdlab.reporting.tables import Table, fmt

#: name → (constructor, per-surface learning rate)
RACERS = {
    "SGD": (lambda lr: opt_mod.SGD(lr), {"rosenbrock": 1e-3, "beale": 1e-2, "bowl": 0.07, "saddle": 0.05}),
    "Momentum": (lambda lr: opt_mod.SGD(lr, momentum=0.9),
                 {"rosenbrock": 2e-4, "beale": 2e-3, "bowl": 0.02, "saddle": 0.01}),
    "Nesterov": (lambda lr: opt_mod.SGD(lr, momentum=0.9, nesterov=True),
                 {"rosenbrock": 2e-4, "beale": 2e-3, "bowl": 0.02, "saddle": 0.01}),
    "Adagrad": (lambda lr: opt_mod.Adagrad(lr), {"rosenbrock": 0.5, "beale": 0.5, "bowl": 0.5, "saddle": 0.5}),
    "Adadelta": (lambda lr: opt_mod.Adadelta(lr, rho=0.95, epsilon=1e-6),
                 {"rosenbrock": 1.0, "beale": 1.0, "bowl": 1.0, "saddle": 1.0}),
    "RMSprop": (lambda lr: opt_mod.RMSprop(lr), {"rosenbrock": 0.01, "beale": 0.01, "bowl": 0.02, "saddle": 0.02}),
    "Adam": (lambda lr: opt_mod.Adam(lr), {"rosenbrock": 0.02, "beale": 0.05, "bowl": 0.1, "saddle": 0.05}),
    "Nadam": (lambda lr: opt_mod.Nadam(lr), {"rosenbrock": 0.02, "beale": 0.05, "bowl": 0.1, "saddle": 0.05}),
    "AdamW": (lambda lr: opt_mod.AdamW(lr), {"rosenbrock": 0.02, "beale": 0.05, "bowl": 0.1, "saddle": 0.05}),
    "Adamax": (lambda lr: opt_mod.Adamax(lr), {"rosenbrock": 0.05, "beale": 0.05, "bowl": 0.1, "saddle": 0.05}),
    "RAdam": (lambda lr: opt_mod.RAdam(lr), {"rosenbrock": 0.01, "beale": 0.005, "bowl": 0.1, "saddle": 0.05}),
    "Lion": (lambda lr: opt_mod.Lion(lr), {"rosenbrock": 2e-3, "beale": 5e-3, "bowl": 0.01, "saddle": 0.01}),
}


def surface_name(surface: surf_mod.Surface) -> str:
    """The surface's name as shown (a surface of one's own: its ``name``)."""
    return {"rosenbrock": t("surfaces.name_rosenbrock"), "beale": t("surfaces.name_beale"),
            "bowl": t("surfaces.name_bowl"), "saddle": t("surfaces.name_saddle")}.get(surface.name, surface.name)


def surface_formula(surface: surf_mod.Surface) -> str:
    """The surface's formula as shown, with a note on its shape where it has one."""
    notes = {"bowl": t("surfaces.note_bowl"), "saddle": t("surfaces.note_saddle")}
    if surface.name in notes:
        return t("surfaces.formula_note", formula=surface.formula, note=notes[surface.name])
    return surface.formula


#: steps per surface: Rosenbrock's curved valley takes the longest
STEPS = {"rosenbrock": 5000, "beale": 2000, "bowl": 1500, "saddle": 800}


@dataclass
class Race:
    optimizer: str
    learning_rate: float
    path: np.ndarray  # (steps + 1, 2)
    gap: np.ndarray  # f(θ_k) − f(θ*)
    first_touch: int | None  # first step below the tolerance
    settled: int | None  # first step from which it stays below the tolerance (None: it did not stay)
    tolerance: float

    @property
    def above_after_touch(self) -> float:
        """Share of the steps after the first touch spent at or above the tolerance."""
        if self.first_touch is None:
            return 0.0
        after = self.gap[self.first_touch:]
        return float(np.mean(~(after < self.tolerance)))

    @property
    def oscillating(self) -> bool:
        """Touched the tolerance but left it again for ≥ 10% of the remaining steps."""
        return self.above_after_touch >= 0.1


@dataclass
class RaceResult:
    surface: surf_mod.Surface
    tolerance: float
    steps: int
    races: list[Race] = field(default_factory=list)

    def table(self) -> Table:
        rows = [[r.optimizer, fmt(r.learning_rate), fmt(r.settled) if r.settled is not None else f"> {self.steps}",
                 fmt(r.first_touch), f"{r.above_after_touch:.0%}", fmt(float(r.gap[-1])),
                 f"({r.path[-1, 0]:.3f}, {r.path[-1, 1]:.3f})"] for r in self.races]
        return Table([t("surfaces.col_optimizer"), "η", t("surfaces.col_settled", tolerance=f"{self.tolerance:g}"),
                      t("surfaces.col_first_touch"), t("surfaces.col_above"), t("surfaces.col_final_gap"),
                      t("surfaces.col_final_theta")], rows)


def surface_race(surface="bowl", steps: int | None = None, tolerance: float = 1e-4, racers=None) -> RaceResult:
    surface = surf_mod.get(surface) if isinstance(surface, str) else surface
    steps = steps or STEPS.get(surface.name, 1000)
    result = RaceResult(surface=surface, tolerance=tolerance, steps=steps)
    for name in racers or RACERS:
        make, rates = RACERS[name]
        lr = rates[surface.name]
        path, gap = run_path(make(lr), surface, steps)
        result.races.append(Race(name, lr, path, gap, first_touch(gap, tolerance), settle_step(gap, tolerance),
                                 tolerance))
    return result


def run(settings: Settings = Settings(), progress=None) -> list[RaceResult]:
    """One race per surface of ``settings.names``."""
    names = progress(settings.names, t("surfaces.progress")) if progress else settings.names
    return [surface_race(name, steps=settings.steps or None, tolerance=settings.tolerance) for name in names]
