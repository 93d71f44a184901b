"""The claims the regimes study tests: epochs, batch / stochastic / mini-batch descent, what "SGD" names,
random sampling, and the cost of the full-data gradient."""

from __future__ import annotations

import math
from dataclasses import dataclass

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
    rows = "; ".join(f"B = {r.batch_size}: {r.iterations} iterations, {r.samples:,} samples" for r in e.runs)
    return say(not bad, f"Each epoch of N = {e.n:,} samples: {rows} — ⌈N/B⌉ iterations, every sample once.",
               f"the counts per epoch differ from ⌈N/B⌉ iterations and N samples ({rows}).")


@dataclass(frozen=True)
class Regimes:
    """What the three regimes share: the step times at the largest N, and the noise of SGD and mini-batch."""

    epochs: int
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
    parts = (f"batch GD's full-data loss rose {e.gd_loss_rises} times in {e.epochs} epochs; its step "
             f"({e.gd_step}) is {'slower than' if slow_step else 'not slower than'} SGD's ({e.sgd_step}); "
             f"after {e.epochs} epochs its loss is {g(e.gd_final_loss)} against mini-batch's "
             f"{g(e.minibatch_final_loss)}")
    return say(stable and slow_step and slow, f"Stable and slow: {parts}.", parts + ".")


@dataclass(frozen=True)
class StochasticGD(Regimes):
    sgd_loss_rises: int


@claim(10)
def sgd_fast_but_noisy(e: StochasticGD) -> Finding:
    faster = e.gd_step_vs_sgd > 0
    noisy = e.sgd_cv > e.minibatch_cv and e.sgd_tortuosity > e.minibatch_tortuosity
    text = (f"SGD's step ({e.sgd_step}) against batch GD's ({e.gd_step}): "
            f"{'faster' if faster else 'not faster beyond the spread'}; its batch loss varies by "
            f"{g(e.sgd_cv)}× its mean (mini-batch {g(e.minibatch_cv)}) and its path is "
            f"{g(e.sgd_tortuosity)}× the straight line (mini-batch {g(e.minibatch_tortuosity)}); its full-data "
            f"loss rose {e.sgd_loss_rises} times")
    return say(faster and noisy, text + ".", text + ".")


@dataclass(frozen=True)
class MiniBatchGD(Regimes):
    epochs_to_gd_final: int | None  # first epoch at which mini-batch reached batch GD's final loss


@claim(11)
def minibatch_in_between(e: MiniBatchGD) -> Finding:
    faster = e.epochs_to_gd_final is not None and e.epochs_to_gd_final < e.epochs
    stabler = e.minibatch_cv < e.sgd_cv and e.minibatch_tortuosity < e.sgd_tortuosity
    reach = ("reached batch GD's final loss after " + str(e.epochs_to_gd_final) + " of its " + str(e.epochs)
             + " epochs") if e.epochs_to_gd_final is not None else "never reached batch GD's final loss"
    text = (f"Mini-batch {reach}; its batch-loss variation {g(e.minibatch_cv)} vs SGD's {g(e.sgd_cv)}, "
            f"tortuosity {g(e.minibatch_tortuosity)} vs {g(e.sgd_tortuosity)}")
    return say(faster and stabler, text + ".", text + ".")


@dataclass(frozen=True)
class OneOptimizer:
    same_optimizer: bool  # one optimizer class ran all three regimes
    minibatch: int
    n: int
    minibatch_iterations: int  # per epoch


@claim(14)
def sgd_names_the_update(e: OneOptimizer) -> Finding:
    ok = e.same_optimizer and e.minibatch_iterations == math.ceil(e.n / e.minibatch)
    return say(ok, f"The mini-batch run is gdlab's SGD optimizer with batch_size = {e.minibatch}: "
                   f"{e.minibatch_iterations} steps of {e.minibatch} samples per epoch; the same class ran "
                   f"B = 1 and B = N — \"SGD\" names the update, the batch size is separate.",
               f"the mini-batch run took {e.minibatch_iterations} steps per epoch with B = {e.minibatch}.")


@dataclass(frozen=True)
class Sampling:
    orders_differ: bool  # epochs 1 and 2 visit the samples in different orders
    unique_fraction_without: float  # share of samples one epoch visits (gdlab's sampling)
    unique_fraction_with: float  # the same drawn with replacement


@claim(21)
def batches_are_random(e: Sampling) -> Finding:
    ok = e.orders_differ and e.unique_fraction_without == 1.0
    text = (f"gdlab drew each epoch's batches from a fresh random permutation (epoch 1 and 2 orders "
            f"{'differ' if e.orders_differ else 'are the same'}); every sample appeared once per epoch "
            f"(fraction {g(e.unique_fraction_without)}); drawn with replacement instead, one epoch covered "
            f"{g(e.unique_fraction_with)} of the samples (1 − 1/e ≈ 0.632)")
    return say(ok, text + ".", text + ".")


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
    text = "; ".join(f"N = {r.n:,}: a full-data step {r.full}, a B = {e.minibatch} step {r.minibatch}"
                     for r in rows)
    return say(ok, text + f" — at N = {rows[-1].n:,} one full-data step costs "
                          f"{g(rows[-1].ratio)} mini-batch steps.", text + ".")
