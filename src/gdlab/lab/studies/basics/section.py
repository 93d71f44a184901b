"""The basics section: the checks' table, what an iteration is, and the verdicts on claims 2–7 and 27."""

from __future__ import annotations

from pathlib import Path

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
    s.tables.append((f"House data ({cfg.n} samples, 4 features), network 4-{cfg.hidden}-1 (tanh), float64, "
                     f"SGD η = {cfg.learning_rate:g}, B = {cfg.batch_size}", r.table()))
    s.paragraphs.append(
        f"A network is trained by iterations: a forward pass computes the output, a loss measures its gap to "
        f"the labels, backpropagation (the chain rule) gives ∂L/∂θ for all {r.parameters} weights, and the "
        f"optimizer updates θ. Each of these is recomputed here by hand and compared with gdlab.")
    s.verdicts += verdicts(r)
