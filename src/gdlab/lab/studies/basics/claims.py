"""The claims the basics study tests: what an iteration is, forward pass, loss, chain rule, update, non-convexity."""

from __future__ import annotations

from dataclasses import dataclass

from gdlab.lab.claims import Finding, claims_for, g, say

claim = claims_for("basics")


@dataclass(frozen=True)
class BatchGradient:
    max_gradient_difference: float  # |one step's gradient − the mean of its per-sample gradients|
    batch_size: int


@claim(2)
def batch_size_is_samples_per_step(e: BatchGradient) -> Finding:
    ok = e.max_gradient_difference < 1e-10
    return say(ok, f"The gradient of one step equals the mean of its B = {e.batch_size} per-sample gradients "
                   f"(largest difference {g(e.max_gradient_difference)}): the step used exactly those samples.",
               f"a step's gradient differs from the mean of its batch's per-sample gradients by "
               f"{g(e.max_gradient_difference)}.")


@dataclass(frozen=True)
class ChainedIterations:
    max_chain_difference: float  # |θₖ₊₁ − (θₖ − η·∇L_batchₖ(θₖ))|
    iterations: int


@claim(3)
def iterations_chain(e: ChainedIterations) -> Finding:
    ok = e.max_chain_difference < 1e-10
    return say(ok, f"For {e.iterations} traced iterations, θ after each equals θ before minus η × the gradient "
                   f"at θ before on that batch (largest difference {g(e.max_chain_difference)}): each "
                   f"iteration starts where the previous one ended.",
               f"θ after an iteration differs from θ − η·g(θ) of the previous iterate by "
               f"{g(e.max_chain_difference)}.")


@dataclass(frozen=True)
class ForwardByHand:
    max_difference: float  # |ŷ by hand − the network's ŷ|


@claim(4)
def forward_pass(e: ForwardByHand) -> Finding:
    ok = e.max_difference < 1e-10
    return say(ok, f"Layer by layer by hand (x·W₁ + b₁ → tanh → ·W₂ + b₂) gives the network's output to within "
                   f"{g(e.max_difference)}.",
               f"the hand-computed layer-by-layer output differs from the network's by {g(e.max_difference)}.")


@dataclass(frozen=True)
class LossByHand:
    max_difference: float  # |mean((ŷ − y)²) by hand − gdlab's loss|
    loss_at_truth: float  # at ŷ = y
    loss_small_gap: float  # at ŷ = y + 0.1
    loss_large_gap: float  # at ŷ = y + 0.2


@claim(5)
def loss_measures_the_gap(e: LossByHand) -> Finding:
    ok = e.max_difference < 1e-10 and e.loss_at_truth == 0 and e.loss_small_gap < e.loss_large_gap
    return say(ok, f"The loss equals mean((ŷ − y)²) by hand (difference {g(e.max_difference)}); it is "
                   f"{g(e.loss_at_truth)} when ŷ = y and grows with the gap ({g(e.loss_small_gap)} at "
                   f"ŷ = y + 0.1, {g(e.loss_large_gap)} at ŷ = y + 0.2).",
               f"loss by hand vs gdlab differs by {g(e.max_difference)}; at ŷ = y it is {g(e.loss_at_truth)}; "
               f"{g(e.loss_small_gap)} at gap 0.1 vs {g(e.loss_large_gap)} at gap 0.2.")


@dataclass(frozen=True)
class ChainRule:
    max_relative_error: float  # backpropagation against central differences
    checked: int  # weights checked


@claim(6)
def chain_rule(e: ChainRule) -> Finding:
    ok = e.max_relative_error < 1e-6
    return say(ok, f"Backpropagation's gradient for all {e.checked} weights matches central differences "
                   f"(largest relative error {g(e.max_relative_error)}).",
               f"backpropagation and central differences disagree by up to {g(e.max_relative_error)} "
               f"(relative).")


@dataclass(frozen=True)
class LossDecrease:
    decreased: int  # traced iterations whose update lowered their batch's loss
    iterations: int
    first_before: float
    first_after: float


@claim(7)
def updates_reduce_the_loss(e: LossDecrease) -> Finding:
    ok = e.decreased == e.iterations
    return say(ok, f"In {e.decreased} of {e.iterations} traced iterations the update lowered the batch's loss "
                   f"(from {g(e.first_before)} to {g(e.first_after)} in the first).",
               f"only {e.decreased} of {e.iterations} updates lowered their batch's loss.")


@dataclass(frozen=True)
class SwappedUnits:
    parameters: int
    loss_a: float  # at the trained weights
    loss_b: float  # with two hidden units swapped
    midpoint_loss: float  # halfway between the two


@claim(27)
def loss_is_not_convex(e: SwappedUnits) -> Finding:
    ok = e.midpoint_loss > 1.01 * max(e.loss_a, e.loss_b) and abs(e.loss_a - e.loss_b) < 1e-9
    return say(ok, f"The {e.parameters}-parameter network's loss is the same ({g(e.loss_a)}) at the trained "
                   f"weights and with two hidden units swapped, but {g(e.midpoint_loss)} halfway between: a "
                   f"convex loss could not rise there.",
               f"trained {g(e.loss_a)}, hidden units swapped {g(e.loss_b)}, halfway "
               f"{g(e.midpoint_loss)}: no bump between two equal minima.")
