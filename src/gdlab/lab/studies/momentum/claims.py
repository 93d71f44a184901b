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
    """Plain GD and the tutorial's β = 0.9 at the same η, with the theory's rates and where β = 0.9 helps."""

    learning_rate: float
    steps: int
    plain: Arrival
    tutorial: Arrival  # β = 0.9
    plain_rate: float  # measured: the slowest direction's factor per step
    tutorial_rate: float
    predicted_plain_rate: float  # max over the curvatures of |1 − ηλ|
    predicted_tutorial_rate: float  # the heavy ball's spectral radius: √β in the ripple regime
    ripples: bool  # every direction of the β = 0.9 run is in its ripple regime
    helps_at: tuple[tuple[float, float], ...]  # runs (lowest, highest) of grid η at which β = 0.9 arrived first
    gd_limit: float  # 2/λ_max: plain GD does not converge from there on
    crossover: float  # theory: β = 0.9 is faster where 1 − η·λ_min > √β, i.e. η < (1 − √β)/λ_min


def _ranges(spans) -> str:
    """((0.005, 0.04), (0.08, 0.14)) → '0.005–0.04 and 0.08–0.14'."""
    return " and ".join(g(lo) if lo == hi else f"{g(lo)}–{g(hi)}" for lo, hi in spans)


def _arrived(a: Arrival, steps: int) -> str:
    return f"{a.steps_to_tolerance} steps" if a.steps_to_tolerance is not None else f"more than {steps} steps"


@claim(12)
def momentum_helps(e: MomentumRuns) -> Finding:
    gd, mo = e.plain, e.tutorial
    sooner = mo.steps_to_tolerance is not None and (gd.steps_to_tolerance is None
                                                    or mo.steps_to_tolerance < gd.steps_to_tolerance)
    calmer = mo.y_path < gd.y_path
    runs = (f"the tutorial's β = {mo.momentum:g} took {_arrived(mo, e.steps)} against plain GD's "
            f"{_arrived(gd, e.steps)} (y-path {g(mo.y_path)} against {g(gd.y_path)})")
    why = (f"the error shrinks by {g(e.tutorial_rate)} per step with β = {mo.momentum:g} (theory "
           f"{g(e.predicted_tutorial_rate)}" + (f" = √β: every direction ripples" if e.ripples else "")
           + f") and by {g(e.plain_rate)} without (theory max|1 − ηλ| = {g(e.predicted_plain_rate)})")
    where = (f"β = {mo.momentum:g} arrives before plain GD at η = {_ranges(e.helps_at)} on the grid"
             if e.helps_at else f"β = {mo.momentum:g} arrives before plain GD at no η of the grid")
    where += (f" (theory: where 1 − η·λ_min > √β, η < {g(e.crossover)}: there the flat direction is the "
              f"bottleneck and momentum speeds it up; from 2/λ_max = {g(e.gd_limit)} on, plain GD does not converge)")
    return say(sooner and calmer, f"At η = {g(e.learning_rate)}, {runs}: {why}; {where}.",
               f"at η = {g(e.learning_rate)}, {runs}: {why}; {where}.")


@dataclass(frozen=True)
class EdgeRun:
    beta: float
    edge: float  # η at which η·λ_max = 2(1 + β)
    inside_converged: bool  # at 0.97 × edge
    outside_converged: bool  # at 1.03 × edge


@dataclass(frozen=True)
class ConvergenceCondition:
    curvature: float  # λ_max
    runs: tuple[EdgeRun, ...]


@claim(31)
def momentum_condition(e: ConvergenceCondition) -> Finding:
    wrong = [r for r in e.runs if not r.inside_converged or r.outside_converged]
    desc = (f"{len(e.runs)} values of β from {g(min(r.beta for r in e.runs))} to {g(max(r.beta for r in e.runs))}, "
            f"each at 0.97 and 1.03 × η = 2(1 + β)/λ_max (λ_max = {g(e.curvature)})")
    return say(not wrong, f"For {desc}, every run inside the condition converged and every run outside diverged.",
               f"for {desc}, {len(wrong)} run pair(s) disagree with the condition: "
               + ", ".join(f"β = {g(r.beta)}" for r in wrong) + ".")


@dataclass(frozen=True)
class Ripple:
    beta: float
    sign_changes: int  # of the flat direction's error over the run


@dataclass(frozen=True)
class CriticalDamping:
    learning_rate: float
    curvature: float  # λ_min: the direction with η·λ < 1
    critical_beta: float  # (1 − √(η·λ))²
    runs: tuple[Ripple, ...]


@claim(32)
def critical_damping(e: CriticalDamping) -> Finding:
    wrong = [r for r in e.runs if (r.sign_changes >= 2) != (r.beta > e.critical_beta)]
    desc = ", ".join(f"β = {g(r.beta)}: {r.sign_changes}" for r in e.runs)
    head = (f"at η = {g(e.learning_rate)} along λ = {g(e.curvature)} the theory puts critical damping at "
            f"β = (1 − √(ηλ))² = {g(e.critical_beta)}; sign changes of the error per β: {desc}")
    return say(not wrong, head + " — at most one below it, again and again above it.",
               head + "; " + ", ".join(f"β = {g(r.beta)}" for r in wrong) + " disagree.")


@dataclass(frozen=True)
class RippleRates:
    directions: int  # (run, direction) pairs in the ripple regime that converged
    max_relative_error: float  # max |measured rate / √β − 1|
    worst_beta: float
    worst_rate: float


@claim(33)
def ripple_rate(e: RippleRates) -> Finding:
    ok = e.directions >= 3 and e.max_relative_error < 0.02
    text = (f"over {e.directions} rippling directions of the (η, β) grid the measured rate is within "
            f"{e.max_relative_error:.1%} of √β (worst: β = {g(e.worst_beta)}, measured {g(e.worst_rate)} "
            f"against √β = {g(e.worst_beta ** 0.5)})")
    return say(ok, text + ".", text + ("; fewer than 3 directions rippled." if e.directions < 3 else "."))


@dataclass(frozen=True)
class NesterovPairs:
    both_arrived: int  # (η, β) pairs at which both arrived
    nesterov_sooner: int
    nesterov_later: int
    rippling: int  # … of them where classical momentum ripples along every direction (its rate is √β)
    rippling_sooner: int  # … and Nesterov arrived sooner
    most_extra_steps: int  # the most steps Nesterov took beyond classical at a pair where it was later
    only_classical_converged: int  # pairs where Nesterov diverged and classical did not
    divergence_as_predicted: bool  # Nesterov diverged exactly where its spectral radius is ≥ 1
    example: str  # at the study's η and β = 0.9


@claim(34)
def nesterov_faster(e: NesterovPairs) -> Finding:
    ok = e.both_arrived > 0 and e.nesterov_sooner >= 0.75 * e.both_arrived
    text = (f"of {e.both_arrived} (η, β) pairs where both arrived, Nesterov arrived sooner at {e.nesterov_sooner} "
            f"and later at {e.nesterov_later} (by at most {e.most_extra_steps} steps); where classical momentum "
            f"ripples along every direction it was sooner at {e.rippling_sooner} of {e.rippling}. "
            f"{e.only_classical_converged} pair(s) converged with classical momentum only: the look-ahead needs "
            f"ηλ < 2(1 + β)/(1 + 2β), and Nesterov's divergences "
            + ("are exactly" if e.divergence_as_predicted else "are not all") + f" where its theory puts them; "
            f"{e.example}")
    return say(ok, text + ".", text + ".")


@dataclass(frozen=True)
class AdadeltaCase:
    problem: str
    start_gap: float
    gap_at_one: float  # Adadelta at η = 1
    best_gap: float  # the best η of the grid
    best_rate: float
    sgd_best_rate: float | None


@dataclass(frozen=True)
class AdadeltaDefault:
    steps: int
    problems: tuple[AdadeltaCase, ...]


TRAINED = 0.1  # a problem counts as trained when its gap fell to 10 % of its start or below


@claim(35)
def adadelta_needs_no_rate(e: AdadeltaDefault) -> Finding:
    failed = [p for p in e.problems if not p.gap_at_one <= TRAINED * p.start_gap]
    sgd = [p.sgd_best_rate for p in e.problems if p.sgd_best_rate is not None]
    desc = "; ".join(f"{p.problem}: {g(p.start_gap)} → {g(p.gap_at_one)} (best η {g(p.best_rate)}: "
                     f"{g(p.best_gap)})" for p in e.problems)
    spread = (f"; SGD's best η on the same problems ranges from {g(min(sgd))} to {g(max(sgd))}" if sgd else "")
    return say(not failed, f"In {e.steps} steps Adadelta at η = 1 cut every problem's gap at least "
                           f"{1 / TRAINED:g}× ({desc}){spread}.",
               f"in {e.steps} steps Adadelta at η = 1 left {', '.join(p.problem for p in failed)} above "
               f"{TRAINED:.0%} of the starting gap ({desc}){spread}.")


@dataclass(frozen=True)
class StepRatios:
    ratios: dict  # optimizer → |Δθ_y/g_y| ÷ |Δθ_x/g_x|: the steep coordinate's effective step over the flat one's


@claim(13)
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


@claim(29)
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


@claim(30)
def adam_is_momentum_plus_rmsprop(e: AdamByHand) -> Finding:
    ok = e.max_difference < 1e-12
    return say(ok, f"Adam's step equals η·m̂/(√v̂ + ε̂) built by hand from a momentum average m and an RMSprop "
                   f"average v over {e.steps} steps (largest difference {g(e.max_difference)}); "
                   f"the tutorial's line {e.spelling} runs as written.",
               f"Adam differs from momentum + RMSprop by hand by {g(e.max_difference)}.")
