"""The claims the basics study tests: what an iteration is, forward pass, loss, chain rule, update, non-convexity."""

from __future__ import annotations

from dataclasses import dataclass

from gdlab.i18n import Msg
from gdlab.lab.claims import Finding, claims_for, g, say

claim = claims_for("basics")


@dataclass(frozen=True)
class BatchGradient:
    max_gradient_difference: float  # |one step's gradient − the mean of its per-sample gradients|
    batch_size: int


@claim(2)
def batch_size_is_samples_per_step(e: BatchGradient) -> Finding:
    ok = e.max_gradient_difference < 1e-10
    return say(ok, Msg("basics.c2_yes", batch=e.batch_size, difference=g(e.max_gradient_difference)),
               Msg("basics.c2_no", difference=g(e.max_gradient_difference)))


@dataclass(frozen=True)
class ChainedIterations:
    max_chain_difference: float  # |θₖ₊₁ − (θₖ − η·∇L_batchₖ(θₖ))|
    iterations: int


@claim(3)
def iterations_chain(e: ChainedIterations) -> Finding:
    ok = e.max_chain_difference < 1e-10
    return say(ok, Msg("basics.c3_yes", iterations=e.iterations, difference=g(e.max_chain_difference)),
               Msg("basics.c3_no", difference=g(e.max_chain_difference)))


@dataclass(frozen=True)
class ForwardByHand:
    max_difference: float  # |ŷ by hand − the network's ŷ|


@claim(4)
def forward_pass(e: ForwardByHand) -> Finding:
    ok = e.max_difference < 1e-10
    return say(ok, Msg("basics.c4_yes", difference=g(e.max_difference)),
               Msg("basics.c4_no", difference=g(e.max_difference)))


@dataclass(frozen=True)
class LossByHand:
    max_difference: float  # |mean((ŷ − y)²) by hand − gdlab's loss|
    loss_at_truth: float  # at ŷ = y
    loss_small_gap: float  # at ŷ = y + 0.1
    loss_large_gap: float  # at ŷ = y + 0.2


@claim(5)
def loss_measures_the_gap(e: LossByHand) -> Finding:
    ok = e.max_difference < 1e-10 and e.loss_at_truth == 0 and e.loss_small_gap < e.loss_large_gap
    numbers = dict(difference=g(e.max_difference), at_truth=g(e.loss_at_truth), small=g(e.loss_small_gap),
                   large=g(e.loss_large_gap))
    return say(ok, Msg("basics.c5_yes", **numbers), Msg("basics.c5_no", **numbers))


@dataclass(frozen=True)
class ChainRule:
    max_relative_error: float  # backpropagation against central differences
    checked: int  # weights checked


@claim(6)
def chain_rule(e: ChainRule) -> Finding:
    ok = e.max_relative_error < 1e-6
    return say(ok, Msg("basics.c6_yes", checked=e.checked, error=g(e.max_relative_error)),
               Msg("basics.c6_no", error=g(e.max_relative_error)))


@dataclass(frozen=True)
class LossDecrease:
    decreased: int  # traced iterations whose update lowered their batch's loss
    iterations: int
    first_before: float
    first_after: float


@claim(7)
def updates_reduce_the_loss(e: LossDecrease) -> Finding:
    ok = e.decreased == e.iterations
    return say(ok, Msg("basics.c7_yes", decreased=e.decreased, iterations=e.iterations, before=g(e.first_before),
                       after=g(e.first_after)),
               Msg("basics.c7_no", decreased=e.decreased, iterations=e.iterations))


@dataclass(frozen=True)
class SwappedUnits:
    parameters: int
    loss_a: float  # at the trained weights
    loss_b: float  # with two hidden units swapped
    midpoint_loss: float  # halfway between the two


@claim(27)
def loss_is_not_convex(e: SwappedUnits) -> Finding:
    ok = e.midpoint_loss > 1.01 * max(e.loss_a, e.loss_b) and abs(e.loss_a - e.loss_b) < 1e-9
    return say(ok, Msg("basics.c27_yes", parameters=e.parameters, trained=g(e.loss_a), halfway=g(e.midpoint_loss)),
               Msg("basics.c27_no", trained=g(e.loss_a), swapped=g(e.loss_b), halfway=g(e.midpoint_loss)))
