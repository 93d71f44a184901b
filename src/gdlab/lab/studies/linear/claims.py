"""The claims the linear study tests: gradient descent's loop, y = w·x, the parabola, the slope, the step size."""

from __future__ import annotations

from dataclasses import dataclass

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
    return say(ok, f"At η = {g(e.learning_rate)} the loop's loss fell every step and w reached w* within "
                   f"{g(e.tolerance)} at iteration {e.converged_at} of {e.steps}.",
               f"at η = {g(e.learning_rate)} the loss "
               f"{'fell every step' if e.monotone else 'did not fall every step'} and w "
               f"{'converged at ' + str(e.converged_at) if e.converged_at is not None else 'did not converge'} "
               f"within {e.steps} steps.")


@dataclass(frozen=True)
class LineFit:
    w_fitted: float  # gdlab's Dense(1, no bias) after the "good" run
    w_star: float  # least squares


@claim(23)
def learning_finds_the_best_w(e: LineFit) -> Finding:
    ok = abs(e.w_fitted - e.w_star) <= 1e-6 * abs(e.w_star)
    return say(ok, f"gdlab's Dense(1, no bias) learned w = {g(e.w_fitted, 6)}; least squares gives "
                   f"w* = {g(e.w_star, 6)}.",
               f"gdlab learned w = {g(e.w_fitted, 6)} against least-squares w* = {g(e.w_star, 6)}.")


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
    return say(ok, f"Sampled at {e.points} values of w, L(w) is a parabola (quadratic fit residual "
                   f"{g(e.quadratic_residual)}, curvature {g(e.curvature)} > 0) whose lowest sample lies "
                   f"within one grid step of w*.",
               f"quadratic-fit residual {g(e.quadratic_residual)}, smallest second difference "
               f"{g(e.second_difference_min)}, lowest sample {g(e.argmin_gap)} from w*.")


@dataclass(frozen=True)
class StepsAlongSlope:
    max_step_error: float  # max |Δw + η·L′(w)|, relative to the run's largest step


@claim(25)
def steps_follow_the_slope(e: StepsAlongSlope) -> Finding:
    ok = e.max_step_error < 1e-9
    return say(ok, f"Every step was Δw = −η·L′(w) (largest deviation {g(e.max_step_error)}, relative).",
               f"steps deviate from −η·L′(w) by up to {g(e.max_step_error)} (relative).")


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
    text = (f"at η·λ = {g(e.oscillating_eta_lambda)} w − w* changed sign in {e.oscillating_flips} of "
            f"{e.oscillating_steps} steps; at η·λ = {g(e.diverging_eta_lambda)} it "
            f"{'grew' if e.diverging_grew else 'did not grow'}; at η·λ = {g(e.small_eta_lambda)} the loss gap "
            f"after {e.steps} steps is {g(e.small_gap)} against {g(e.good_gap)} at η·λ = "
            f"{g(e.good_eta_lambda)}")
    return say(jumps and slow, text + ".", text + ".")
