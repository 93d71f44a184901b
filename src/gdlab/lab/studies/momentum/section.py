"""The momentum section: the runs on the bowl, per-parameter steps, forgetting, Adam by hand; claims 12, 13,
29, 30."""

from __future__ import annotations

from pathlib import Path

from gdlab.lab.section import Section
from gdlab.lab.studies.momentum import Settings, experiment
from gdlab.lab.studies.momentum import claims as C
from gdlab.lab.studies.momentum.experiment import (ADAM_SPELLING, LARGE, LARGE_STEPS, SMALL, SMALL_STEPS,
                                                   MomentumResult)
from gdlab.lab.studies.momentum.plots import figures


def verdicts(r: MomentumResult) -> list:
    cfg = r.settings
    return [
        C.momentum_helps(C.MomentumRuns(cfg.learning_rate, cfg.steps, tuple(
            C.Arrival(x.momentum, x.steps_to_tolerance, x.sign_flips_y, x.y_path) for x in r.runs))),
        C.adaptive_steps_per_parameter(C.StepRatios(r.step_ratios)),
        C.rmsprop_forgets(C.Forgetting(LARGE, SMALL, LARGE_STEPS, SMALL_STEPS, r.rmsprop_recovered,
                                       r.adagrad_recovered)),
        C.adam_is_momentum_plus_rmsprop(C.AdamByHand(r.adam_difference, r.adam_steps, ADAM_SPELLING)),
    ]


def build(s: Section, out: Path, cfg: Settings) -> None:
    r = experiment.run(cfg)
    s.tables.append((f"The bowl ½(x² + 25y²) from (−4, 1.5), the same η = {cfg.learning_rate:g} for every run "
                     f"(η·25 = {25 * cfg.learning_rate:g})", r.table()))
    s.tables.append(("Per-parameter steps: |Δθ_y/g_y| ÷ |Δθ_x/g_x| at step 10 on the bowl; forgetting; Adam by "
                     "hand", r.adaptive_table()))
    s.figures += figures(r, out)
    s.verdicts += verdicts(r)
