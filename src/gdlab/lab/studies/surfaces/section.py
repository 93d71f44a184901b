"""The surfaces section: per surface, the race drawn beside its table and who settled, touched or missed."""

from __future__ import annotations

from pathlib import Path

from gdlab.i18n import join, t
from gdlab.lab.progress import progress
from gdlab.lab.section import Pair, Section
from gdlab.lab.studies.surfaces import Settings, experiment
from gdlab.lab.studies.surfaces.experiment import RaceResult, surface_formula, surface_name
from gdlab.lab.studies.surfaces.plots import figures


def surface_text(r: RaceResult) -> str:
    """Who settled (stayed within the tolerance to the end), in which order, and who only touched it."""
    settled = sorted((x for x in r.races if x.settled is not None), key=lambda x: x.settled)
    touched = [x for x in r.races if x.settled is None and x.first_touch is not None]
    missed = [x.optimizer for x in r.races if x.first_touch is None]
    counts = dict(settled=len(settled), total=len(r.races), tolerance=f"{r.tolerance:g}", steps=r.steps)
    parts = [t("surfaces.settled_first", **counts, first=join([
        t("surfaces.settled_item", optimizer=x.optimizer, step=x.settled) for x in settled[:3]]))
             if settled else t("surfaces.settled", **counts)]

    def touches(races) -> str:
        return join([t("surfaces.touch_item", optimizer=x.optimizer, touch=x.first_touch,
                         share=f"{x.above_after_touch:.0%}") for x in races])

    osc = [x for x in settled if x.oscillating]
    if osc:
        parts.append(t("surfaces.settled_late", races=touches(osc)))
    if touched:
        parts.append(t("surfaces.touched", races=touches(touched)))
    if missed:
        parts.append(t("surfaces.missed", optimizers=join(missed)))
    return t("surfaces.sentence", text=join(parts, "clauses"))


def build(s: Section, out: Path, cfg: Settings) -> None:
    races = experiment.run(cfg, progress=progress)
    s.paragraphs.append(t("surfaces.intro", racers=len(experiment.RACERS)))
    for r, (caption, path) in zip(races, figures(races, out)):
        f = r.surface
        s.pairs.append(Pair(caption, path, t("surfaces.table", name=surface_name(f), formula=surface_formula(f),
                                             start=f.start, minimum=f.minimum), r.table(), [surface_text(r)]))
