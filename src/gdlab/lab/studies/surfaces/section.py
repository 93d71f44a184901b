"""The surfaces section: per surface, the race drawn beside its table and who settled, touched or missed."""

from __future__ import annotations

from pathlib import Path

from gdlab.lab.progress import progress
from gdlab.lab.section import Pair, Section
from gdlab.lab.studies.surfaces import Settings, experiment
from gdlab.lab.studies.surfaces.experiment import RaceResult
from gdlab.lab.studies.surfaces.plots import figures


def surface_text(r: RaceResult) -> str:
    """Who settled (stayed within the tolerance to the end), in which order, and who only touched it."""
    settled = sorted((x for x in r.races if x.settled is not None), key=lambda x: x.settled)
    touched = [x for x in r.races if x.settled is None and x.first_touch is not None]
    missed = [x.optimizer for x in r.races if x.first_touch is None]
    first = ", ".join(f"{x.optimizer} (step {x.settled})" for x in settled[:3])
    parts = [f"{len(settled)} of {len(r.races)} optimizers settled within {r.tolerance:g} of the minimum in "
             f"{r.steps} steps (stayed there to the end)" + (f"; the first: {first}" if settled else "")]
    osc = [x for x in settled if x.oscillating]
    if osc:
        parts.append("settled only after leaving the tolerance again for a while: " + ", ".join(
            f"{x.optimizer} (first touch {x.first_touch}, {x.above_after_touch:.0%} of later steps above)"
            for x in osc))
    if touched:
        parts.append("touched it but did not stay: " + ", ".join(
            f"{x.optimizer} (first touch {x.first_touch}, {x.above_after_touch:.0%} of later steps above)"
            for x in touched))
    if missed:
        parts.append("never got there: " + ", ".join(missed))
    return "; ".join(parts) + "."


def build(s: Section, out: Path, cfg: Settings) -> None:
    races = experiment.run(cfg, progress=progress)
    s.paragraphs.append("Each optimizer runs at an η suited to the surface. Each path has its own panel (the "
                        "others in grey behind it), so paths down the same valley stay apart; in the gap panel "
                        "an oscillating gap is drawn as its envelope, and line style and colour together tell "
                        "the 12 apart.")
    for r, (caption, path) in zip(races, figures(races, out)):
        f = r.surface
        s.pairs.append(Pair(caption, path, f"{f.name}: {f.formula}; start {f.start}, minimum {f.minimum}",
                            r.table(), [surface_text(r)]))
