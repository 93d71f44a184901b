"""The claims the momentum study tests: momentum, per-parameter steps, RMSprop's forgetting, Adam's parts."""

from __future__ import annotations

import math
from dataclasses import dataclass

from gdlab.lab.claims import Finding, claims_for, g, say

claim = claims_for("momentum")


@dataclass(frozen=True)
class Arrival:
    momentum: float  # 0: plain gradient descent
    steps_to_tolerance: int | None
    sign_flips_y: int
    y_path: float  # Σ|Δy|: the zig-zag


@dataclass(frozen=True)
class MomentumRuns:
    learning_rate: float
    steps: int
    runs: tuple[Arrival, ...]  # plain GD first


@claim(12, "Momentum adds the previous update direction to the current one: faster convergence, damped "
           "oscillation.")
def momentum_helps(e: MomentumRuns) -> Finding:
    gd, others = e.runs[0], e.runs[1:]
    good = [r for r in others if r.steps_to_tolerance is not None
            and (gd.steps_to_tolerance is None or r.steps_to_tolerance < gd.steps_to_tolerance)
            and r.y_path < gd.y_path]
    desc = "; ".join(f"β = {r.momentum:g}: {r.steps_to_tolerance or '> ' + str(e.steps)} steps, "
                     f"y-path {g(r.y_path)}, y changed sign {r.sign_flips_y}×" for r in e.runs)
    yes = (f"At the same η = {g(e.learning_rate)}, momentum β = {good[0].momentum:g} arrived sooner and "
           f"zig-zagged less than plain GD ({desc})." if good else "")
    return say(bool(good), yes, f"at η = {g(e.learning_rate)} no momentum setting both arrived sooner and "
                                f"zig-zagged less than plain GD ({desc}).")


@dataclass(frozen=True)
class StepRatios:
    ratios: dict  # optimizer → |Δθ_y/g_y| ÷ |Δθ_x/g_x|: the steep coordinate's effective step over the flat one's


@claim(13, "Adaptive methods (Adagrad, Adadelta, Adam) adjust the step per parameter from the gradients' "
           "size.")
def adaptive_steps_per_parameter(e: StepRatios) -> Finding:
    rows = e.ratios
    adaptive = [k for k in ("Adagrad", "Adadelta", "Adam") if abs(math.log(rows[k])) > math.log(2)]
    plain = abs(math.log(rows["SGD"])) < 1e-9
    desc = ", ".join(f"{k} {g(v)}" for k, v in rows.items())
    return say(len(adaptive) == 3 and plain,
               f"The effective step |Δθᵢ/gᵢ| of the steep coordinate over the flat one: {desc} — one step size "
               f"for SGD, a different step per parameter for the adaptive methods.",
               f"ratios of per-coordinate effective steps {desc}.")


@dataclass(frozen=True)
class Forgetting:
    large: float  # the gradient of the first ``large_steps`` steps
    small: float  # … of the ``small_steps`` after them
    large_steps: int
    small_steps: int
    rmsprop_recovered: float  # RMSprop's last step ÷ a fresh RMSprop's on the small gradients
    adagrad_recovered: float  # the same for Adagrad


@claim(29, "RMSprop averages only recent squared gradients (exponential decay), not all since the start.")
def rmsprop_forgets(e: Forgetting) -> Finding:
    ok = e.rmsprop_recovered > 0.9 and e.adagrad_recovered < 0.5
    text = (f"after {e.large_steps} steps with gradients {g(e.large)} and then {e.small_steps} with "
            f"{g(e.small)}, RMSprop's step is {g(e.rmsprop_recovered)} of a fresh RMSprop's on the small "
            f"gradients, Adagrad's {g(e.adagrad_recovered)} of a fresh Adagrad's")
    return say(ok, text + ": RMSprop forgot the old gradients, Adagrad did not.", text + ".")


@dataclass(frozen=True)
class AdamByHand:
    max_difference: float  # max |θ_Adam − θ by hand from a momentum and an RMSprop average|
    steps: int
    spelling: str  # the tutorial's line that built the optimizer


@claim(30, "Adam combines momentum (a decaying average of gradients) and RMSprop (a decaying average of "
           "squared gradients).")
def adam_is_momentum_plus_rmsprop(e: AdamByHand) -> Finding:
    ok = e.max_difference < 1e-12
    return say(ok, f"Adam's step equals η·m̂/(√v̂ + ε̂) built by hand from a momentum average m and an RMSprop "
                   f"average v over {e.steps} steps (largest difference {g(e.max_difference)}); "
                   f"the tutorial's line {e.spelling} runs as written.",
               f"Adam differs from momentum + RMSprop by hand by {g(e.max_difference)}.")
