"""The basics section: the checks' table, what an iteration is, and the verdicts on claims 2–7 and 27."""

from __future__ import annotations

from pathlib import Path

from gdlab.i18n import t
from gdlab.lab.section import Section
from gdlab.lab.studies.basics import Settings
from gdlab.lab.studies.basics import claims as C
from gdlab.lab.studies.basics import experiment
from gdlab.lab.studies.basics.experiment import BasicsResult


def verdicts(r: BasicsResult) -> list:
    return [
        C.forward_pass(C.ForwardByHand(r.forward_difference)),
        C.loss_measures_the_gap(C.LossByHand(r.loss_difference, r.loss_at_truth, r.loss_small_gap,
                                             r.loss_large_gap)),
        C.chain_rule(C.ChainRule(r.gradcheck_error, r.gradcheck_checked)),
        C.batch_size_is_samples_per_step(C.BatchGradient(r.batch_gradient_difference, r.settings.batch_size)),
        C.iterations_chain(C.ChainedIterations(r.chain_difference, len(r.losses_before))),
        C.updates_reduce_the_loss(C.LossDecrease(int(sum(a < b for a, b in zip(r.losses_after, r.losses_before))),
                                                 len(r.losses_before), r.losses_before[0], r.losses_after[0])),
        C.loss_is_not_convex(C.SwappedUnits(r.parameters, r.loss_trained, r.loss_swapped, r.loss_midpoint)),
    ]


def build(s: Section, out: Path, cfg: Settings) -> None:
    r = experiment.run(cfg)
    s.tables.append((t("basics.table_checks", n=cfg.n, hidden=cfg.hidden, eta=f"{cfg.learning_rate:g}",
                       batch=cfg.batch_size), r.table()))
    s.paragraphs.append(t("basics.intro", parameters=r.parameters))
    s.verdicts += verdicts(r)
