"""The regimes section: the three runs and the cost of a step as N grows; claims 1, 9–11, 14, 21, 22."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gdlab.i18n import t
from gdlab.lab.section import Section
from gdlab.lab.studies.regimes import Settings, experiment
from gdlab.lab.studies.regimes import claims as C
from gdlab.lab.studies.regimes.experiment import RegimesResult
from gdlab.lab.studies.regimes.plots import figures
from gdlab.lab.timing import compare_text as timing_text
from gdlab.lab.timing import order


def steps_text(r: RegimesResult) -> str:
    gd, sgd, mb = r.run("batch GD"), r.run("SGD"), r.run("mini-batch")
    big = r.cost[-1]
    small = timing_text(t("regimes.name_sgd"), sgd.step_time, t("regimes.name_batch_gd"), gd.step_time)
    large = timing_text(t("regimes.name_sgd_step"), big.sgd_step, t("regimes.name_full_step"), big.full_step)
    return t("regimes.steps_text", gd=gd.iterations_per_epoch, sgd=sgd.iterations_per_epoch,
             minibatch=mb.iterations_per_epoch, n=r.settings.n, small=small, big_n=f"{big.n:,}", big=large)


def verdicts(r: RegimesResult) -> list:
    cfg = r.settings
    gd, sgd, mb = r.run("batch GD"), r.run("SGD"), r.run("mini-batch")
    big = r.cost[-1]
    hit = np.flatnonzero(mb.epoch_loss <= gd.epoch_loss[-1])
    common = dict(epochs=cfg.epochs, timed_n=big.n, gd_step=big.full_step.text(), sgd_step=big.sgd_step.text(),
                  gd_step_vs_sgd=order(big.full_step, big.sgd_step),
                  sgd_cv=sgd.loss_cv_last_epoch, minibatch_cv=mb.loss_cv_last_epoch,
                  sgd_tortuosity=sgd.tortuosity, minibatch_tortuosity=mb.tortuosity)
    return [
        C.epoch_is_one_pass(C.EpochCounts(cfg.n, tuple(
            C.EpochCount(x.batch_size, x.iterations_per_epoch, x.samples_per_epoch) for x in r.runs))),
        C.batch_gd_stable_and_slow(C.BatchGD(**common, gd_loss_rises=gd.loss_rises,
                                             gd_final_loss=float(gd.epoch_loss[-1]),
                                             minibatch_final_loss=float(mb.epoch_loss[-1]))),
        C.sgd_fast_but_noisy(C.StochasticGD(**common, sgd_loss_rises=sgd.loss_rises)),
        C.minibatch_in_between(C.MiniBatchGD(**common, epochs_to_gd_final=int(hit[0]) if hit.size else None)),
        C.sgd_names_the_update(C.OneOptimizer(same_optimizer=len({x.optimizer for x in r.runs}) == 1,
                                              minibatch=cfg.minibatch, n=cfg.n,
                                              minibatch_iterations=mb.iterations_per_epoch)),
        C.batches_are_random(C.Sampling(r.orders_differ, r.unique_fraction_without, r.unique_fraction_with)),
        C.full_gradient_too_expensive(C.FullGradientCost(cfg.minibatch, tuple(
            C.StepCost(n=c.n, full=c.full_step.text(), minibatch=c.minibatch_step.text(),
                       full_median=c.full_step.median, ratio=c.full_step.median / c.minibatch_step.median,
                       order=order(c.full_step, c.minibatch_step)) for c in r.cost))),
    ]


def build(s: Section, out: Path, cfg: Settings) -> None:
    r = experiment.run(cfg)
    s.tables.append((t("regimes.table_runs", n=cfg.n, hidden=cfg.hidden, eta=f"{cfg.learning_rate:g}",
                       epochs=cfg.epochs, repeats=cfg.repeats), r.table()))
    s.tables.append((t("regimes.table_cost", hidden=cfg.hidden, repeats=cfg.repeats), r.cost_table()))
    s.figures += figures(r, out)
    s.paragraphs.append(steps_text(r))
    s.verdicts += verdicts(r)
