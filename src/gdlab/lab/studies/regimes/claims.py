"""The claims the regimes study tests: epochs, batch / stochastic / mini-batch descent, what "SGD" names,
random sampling, and the cost of the full-data gradient."""

from __future__ import annotations

import math
from dataclasses import dataclass

from gdlab.i18n import Msg, join
from gdlab.lab.claims import Finding, claims_for, g, say

claim = claims_for("regimes")


@dataclass(frozen=True)
class EpochCount:
    batch_size: int
    iterations: int  # per epoch
    samples: int  # per epoch


@dataclass(frozen=True)
class EpochCounts:
    n: int
    runs: tuple[EpochCount, ...]


@claim(1)
def epoch_is_one_pass(e: EpochCounts) -> Finding:
    bad = [r for r in e.runs if r.iterations != math.ceil(e.n / r.batch_size) or r.samples != e.n]
    rows = join([Msg("regimes.epoch_row", batch=r.batch_size, iterations=r.iterations, samples=f"{r.samples:,}")
                 for r in e.runs], "clauses")
    return say(not bad, Msg("regimes.c1_yes", n=f"{e.n:,}", rows=rows), Msg("regimes.c1_no", rows=rows))


@dataclass(frozen=True)
class Regimes:
    """What the three regimes share: the step times at the largest N, and the noise of SGD and mini-batch."""

    epochs: int
    timed_n: int  # N at which the two steps below were timed
    gd_step: str  # timing text of a full-data step
    sgd_step: str  # … of a B = 1 step
    gd_step_vs_sgd: int  # ``timing.order``: 1 when the full-data step is slower beyond the spread
    sgd_cv: float  # batch-loss coefficient of variation over the last epoch
    minibatch_cv: float
    sgd_tortuosity: float  # path length / straight-line distance in parameter space
    minibatch_tortuosity: float


@dataclass(frozen=True)
class BatchGD(Regimes):
    gd_loss_rises: int  # epochs after which the full-data loss rose
    gd_final_loss: float
    minibatch_final_loss: float


@claim(9)
def batch_gd_stable_and_slow(e: BatchGD) -> Finding:
    stable = e.gd_loss_rises == 0
    slow_step = e.gd_step_vs_sgd > 0
    slow = e.gd_final_loss > e.minibatch_final_loss
    parts = dict(rises=e.gd_loss_rises, epochs=e.epochs, gd_step=e.gd_step, n=f"{e.timed_n:,}",
                 slower=Msg("regimes.slower") if slow_step else Msg("regimes.not_slower"), sgd_step=e.sgd_step,
                 gd_loss=g(e.gd_final_loss), minibatch_loss=g(e.minibatch_final_loss))
    return say(stable and slow_step and slow, Msg("regimes.c9_yes", **parts), Msg("regimes.c9_no", **parts))


@dataclass(frozen=True)
class StochasticGD(Regimes):
    sgd_loss_rises: int


@claim(10)
def sgd_fast_but_noisy(e: StochasticGD) -> Finding:
    faster = e.gd_step_vs_sgd > 0
    noisy = e.sgd_cv > e.minibatch_cv and e.sgd_tortuosity > e.minibatch_tortuosity
    text = Msg("regimes.c10", sgd_step=e.sgd_step, gd_step=e.gd_step, n=f"{e.timed_n:,}",
               faster=Msg("regimes.faster") if faster else Msg("regimes.not_faster"), cv=g(e.sgd_cv),
               minibatch_cv=g(e.minibatch_cv), tortuosity=g(e.sgd_tortuosity),
               minibatch_tortuosity=g(e.minibatch_tortuosity), rises=e.sgd_loss_rises)
    return say(faster and noisy, text, text)


@dataclass(frozen=True)
class MiniBatchGD(Regimes):
    epochs_to_gd_final: int | None  # first epoch at which mini-batch reached batch GD's final loss


@claim(11)
def minibatch_in_between(e: MiniBatchGD) -> Finding:
    faster = e.epochs_to_gd_final is not None and e.epochs_to_gd_final < e.epochs
    stabler = e.minibatch_cv < e.sgd_cv and e.minibatch_tortuosity < e.sgd_tortuosity
    reach = (Msg("regimes.reached", epoch=e.epochs_to_gd_final, epochs=e.epochs) if e.epochs_to_gd_final is not None
             else Msg("regimes.never_reached"))
    text = Msg("regimes.c11", reach=reach, cv=g(e.minibatch_cv), sgd_cv=g(e.sgd_cv),
               tortuosity=g(e.minibatch_tortuosity), sgd_tortuosity=g(e.sgd_tortuosity))
    return say(faster and stabler, text, text)


@dataclass(frozen=True)
class OneOptimizer:
    same_optimizer: bool  # one optimizer class ran all three regimes
    minibatch: int
    n: int
    minibatch_iterations: int  # per epoch


@claim(14)
def sgd_names_the_update(e: OneOptimizer) -> Finding:
    ok = e.same_optimizer and e.minibatch_iterations == math.ceil(e.n / e.minibatch)
    return say(ok, Msg("regimes.c14_yes", batch=e.minibatch, steps=e.minibatch_iterations),
               Msg("regimes.c14_no", batch=e.minibatch, steps=e.minibatch_iterations))


@dataclass(frozen=True)
class Sampling:
    orders_differ: bool  # epochs 1 and 2 visit the samples in different orders
    unique_fraction_without: float  # share of samples one epoch visits (gdlab's sampling)
    unique_fraction_with: float  # the same drawn with replacement


@claim(21)
def batches_are_random(e: Sampling) -> Finding:
    ok = e.orders_differ and e.unique_fraction_without == 1.0
    numbers = dict(orders=Msg("regimes.orders_differ") if e.orders_differ else Msg("regimes.orders_same"),
                   without=g(e.unique_fraction_without), with_replacement=g(e.unique_fraction_with))
    return say(ok, Msg("regimes.c21_yes", **numbers), Msg("regimes.c21_no", **numbers))


@dataclass(frozen=True)
class StepCost:
    n: int
    full: str  # timing text of one full-data step
    minibatch: str  # … of one mini-batch step
    full_median: float  # seconds
    ratio: float  # full ÷ mini-batch, medians
    order: int  # ``timing.order`` of the two


@dataclass(frozen=True)
class FullGradientCost:
    minibatch: int
    rows: tuple[StepCost, ...]  # ascending N


@claim(22)
def full_gradient_too_expensive(e: FullGradientCost) -> Finding:
    rows = e.rows
    ok = rows[-1].order > 0 and rows[-1].full_median > 5 * rows[0].full_median
    text = join([Msg("regimes.cost_row", n=f"{r.n:,}", full=r.full, batch=e.minibatch, minibatch=r.minibatch)
                 for r in rows], "clauses")
    return say(ok, Msg("regimes.c22_yes", rows=text, n=f"{rows[-1].n:,}", ratio=g(rows[-1].ratio)),
               Msg("regimes.c22_no", rows=text))
