"""The claims the linear study tests: gradient descent's loop, y = w·x, the parabola, the slope, the step size."""

from __future__ import annotations

from dataclasses import dataclass

from gdlab.i18n import Msg
from gdlab.lab.claims import Finding, claims_for, g, say

claim = claims_for("linear")


@dataclass(frozen=True)
class Convergence:
    learning_rate: float  # the "good" run's η
    tolerance: float  # |w − w*| counted as reached
    steps: int
    converged_at: int | None  # first iteration within the tolerance
    monotone: bool  # the loss fell (or stayed) at every step


@claim(8)
def the_loop_converges(e: Convergence) -> Finding:
    ok = e.converged_at is not None and e.monotone
    return say(ok, Msg("linear.c8_yes", eta=g(e.learning_rate), tolerance=g(e.tolerance), converged_at=e.converged_at,
                       steps=e.steps),
               Msg("linear.c8_no", eta=g(e.learning_rate),
                   fell=Msg("linear.fell_every_step") if e.monotone else Msg("linear.did_not_fall"),
                   converged=Msg("linear.converged_at", step=e.converged_at) if e.converged_at is not None
                   else Msg("linear.did_not_converge"), steps=e.steps))


@dataclass(frozen=True)
class LineFit:
    w_fitted: float  # gdlab's Dense(1, no bias) after the "good" run
    w_star: float  # least squares


@claim(23)
def learning_finds_the_best_w(e: LineFit) -> Finding:
    ok = abs(e.w_fitted - e.w_star) <= 1e-6 * abs(e.w_star)
    return say(ok, Msg("linear.c23_yes", w=g(e.w_fitted, 6), w_star=g(e.w_star, 6)),
               Msg("linear.c23_no", w=g(e.w_fitted, 6), w_star=g(e.w_star, 6)))


@dataclass(frozen=True)
class ParabolaShape:
    points: int  # values of w at which L(w) was sampled
    quadratic_residual: float  # of a quadratic fit to the samples
    curvature: float  # of that fit
    second_difference_min: float
    argmin_gap: float  # |lowest sample − w*|
    grid_step: float


@claim(24)
def loss_is_a_parabola(e: ParabolaShape) -> Finding:
    ok = e.second_difference_min > 0 and e.quadratic_residual < 1e-9 and e.argmin_gap < e.grid_step
    return say(ok, Msg("linear.c24_yes", points=e.points, residual=g(e.quadratic_residual),
                       curvature=g(e.curvature)),
               Msg("linear.c24_no", residual=g(e.quadratic_residual), second=g(e.second_difference_min),
                   gap=g(e.argmin_gap)))


@dataclass(frozen=True)
class StepsAlongSlope:
    max_step_error: float  # max |Δw + η·L′(w)|, relative to the run's largest step


@claim(25)
def steps_follow_the_slope(e: StepsAlongSlope) -> Finding:
    ok = e.max_step_error < 1e-9
    return say(ok, Msg("linear.c25_yes", deviation=g(e.max_step_error)),
               Msg("linear.c25_no", deviation=g(e.max_step_error)))


@dataclass(frozen=True)
class StepSizes:
    oscillating_eta_lambda: float
    oscillating_flips: int  # steps at which w − w* changed sign
    oscillating_steps: int
    diverging_eta_lambda: float
    diverging_grew: bool  # |w − w*| ended larger than it started
    small_eta_lambda: float
    good_eta_lambda: float
    steps: int
    small_gap: float  # L − L* after ``steps`` at the small η
    good_gap: float  # … at the good η


@claim(26)
def step_size_too_large_or_small(e: StepSizes) -> Finding:
    jumps = e.oscillating_flips == e.oscillating_steps and e.diverging_grew
    slow = e.small_gap > 10 * e.good_gap
    numbers = dict(oscillating=g(e.oscillating_eta_lambda), flips=e.oscillating_flips,
                   oscillating_steps=e.oscillating_steps, diverging=g(e.diverging_eta_lambda),
                   grew=Msg("linear.grew") if e.diverging_grew else Msg("linear.did_not_grow"),
                   small=g(e.small_eta_lambda), steps=e.steps, small_gap=g(e.small_gap), good_gap=g(e.good_gap),
                   good=g(e.good_eta_lambda))
    return say(jumps and slow, Msg("linear.c26_yes", **numbers), Msg("linear.c26_no", **numbers))
