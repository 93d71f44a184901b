"""The claims the momentum study tests: momentum, per-parameter steps, RMSprop's forgetting, Adam's parts."""

from __future__ import annotations

import math
from dataclasses import dataclass

from gdlab.i18n import Msg, join
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


def _ranges(spans) -> Msg | str:
    """((0.005, 0.04), (0.08, 0.14)) → '0.005–0.04 and 0.08–0.14'."""
    return join([g(lo) if lo == hi else f"{g(lo)}–{g(hi)}" for lo, hi in spans], "and")


def problem_label(name: str) -> Msg:
    """A problem of the Adadelta runs by its name in the data ("bowl", "bowl × 100"), in the reader's words."""
    surface, _, scale = name.partition(" × ")
    label = {"rosenbrock": Msg("momentum.problem_rosenbrock"), "beale": Msg("momentum.problem_beale"),
             "bowl": Msg("momentum.problem_bowl"), "saddle": Msg("momentum.problem_saddle")}[surface]
    return Msg("momentum.problem_scaled", problem=label, scale=scale) if scale else label


def _arrived(a: Arrival, steps: int) -> Msg:
    return (Msg("momentum.steps_n", steps=a.steps_to_tolerance) if a.steps_to_tolerance is not None
            else Msg("momentum.more_than_steps", steps=steps))


@claim(12)
def momentum_helps(e: MomentumRuns) -> Finding:
    gd, mo = e.plain, e.tutorial
    sooner = mo.steps_to_tolerance is not None and (gd.steps_to_tolerance is None
                                                    or mo.steps_to_tolerance < gd.steps_to_tolerance)
    calmer = mo.y_path < gd.y_path
    beta = f"{mo.momentum:g}"
    runs = Msg("momentum.c12_runs", beta=beta, tutorial=_arrived(mo, e.steps), plain=_arrived(gd, e.steps),
               tutorial_path=g(mo.y_path), plain_path=g(gd.y_path))
    rates = dict(rate=g(e.tutorial_rate), beta=beta, theory=g(e.predicted_tutorial_rate), plain_rate=g(e.plain_rate),
                 plain_theory=g(e.predicted_plain_rate))
    why = Msg("momentum.c12_why_ripples", **rates) if e.ripples else Msg("momentum.c12_why", **rates)
    theory = Msg("momentum.c12_theory", crossover=g(e.crossover), limit=g(e.gd_limit))
    where = (Msg("momentum.c12_where", beta=beta, ranges=_ranges(e.helps_at), theory=theory) if e.helps_at
             else Msg("momentum.c12_where_none", beta=beta, theory=theory))
    words = dict(eta=g(e.learning_rate), runs=runs, why=why, where=where)
    return say(sooner and calmer, Msg("momentum.c12_yes", **words), Msg("momentum.c12_no", **words))


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
    runs = Msg("momentum.c31_runs", count=len(e.runs), low=g(min(r.beta for r in e.runs)),
               high=g(max(r.beta for r in e.runs)), curvature=g(e.curvature))
    return say(not wrong, Msg("momentum.c31_yes", runs=runs),
               Msg("momentum.c31_no", runs=runs, wrong=len(wrong),
                   betas=join([f"β = {g(r.beta)}" for r in wrong])))


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
    words = dict(eta=g(e.learning_rate), curvature=g(e.curvature), critical=g(e.critical_beta),
                 counts=join([Msg("momentum.c32_count", beta=g(r.beta), count=r.sign_changes) for r in e.runs]))
    return say(not wrong, Msg("momentum.c32_yes", **words),
               Msg("momentum.c32_no", **words, betas=join([f"β = {g(r.beta)}" for r in wrong])))


@dataclass(frozen=True)
class RippleRates:
    directions: int  # (run, direction) pairs in the ripple regime that converged
    max_relative_error: float  # max |measured rate / √β − 1|
    worst_beta: float
    worst_rate: float


@claim(33)
def ripple_rate(e: RippleRates) -> Finding:
    ok = e.directions >= 3 and e.max_relative_error < 0.02
    words = dict(directions=e.directions, error=f"{e.max_relative_error:.1%}", beta=g(e.worst_beta),
                 rate=g(e.worst_rate), root=g(e.worst_beta ** 0.5))
    return say(ok, Msg("momentum.c33_yes", **words),
               Msg("momentum.c33_no_few", **words) if e.directions < 3 else Msg("momentum.c33_no", **words))


@dataclass(frozen=True)
class NesterovExample:
    """Classical and Nesterov momentum at the study's η and the tutorial's β."""

    learning_rate: float
    beta: float
    classical_steps: int | None  # steps to the tolerance (None: did not arrive)
    nesterov_steps: int | None
    nesterov_arrives_up_to: float | None  # the largest η of the grid at which Nesterov arrives at this β


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
    example: NesterovExample  # at the study's η and β = 0.9


@claim(34)
def nesterov_faster(e: NesterovPairs) -> Finding:
    ok = e.both_arrived > 0 and e.nesterov_sooner >= 0.75 * e.both_arrived
    x = e.example
    if x.nesterov_steps is not None:
        nesterov = Msg("momentum.steps_n", steps=x.nesterov_steps)
    elif x.nesterov_arrives_up_to:
        nesterov = Msg("momentum.c34_arrives_up_to", eta=g(x.nesterov_arrives_up_to))
    else:
        nesterov = Msg("momentum.did_not_arrive")
    example = Msg("momentum.c34_example", eta=g(x.learning_rate), beta=g(x.beta), nesterov=nesterov,
                  classical=Msg("momentum.c34_classical_steps", steps=x.classical_steps)
                  if x.classical_steps is not None else Msg("momentum.did_not_arrive"))
    words = dict(both=e.both_arrived, sooner=e.nesterov_sooner, later=e.nesterov_later, extra=e.most_extra_steps,
                 rippling_sooner=e.rippling_sooner, rippling=e.rippling, only=e.only_classical_converged,
                 placed=Msg("momentum.c34_exactly") if e.divergence_as_predicted else Msg("momentum.c34_not_all"),
                 example=example)
    return say(ok, Msg("momentum.c34_yes", **words), Msg("momentum.c34_no", **words))


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
    problems = join([Msg("momentum.c35_problem", problem=problem_label(p.problem), start=g(p.start_gap), end=g(p.gap_at_one),
                           rate=g(p.best_rate), gap=g(p.best_gap)) for p in e.problems], "clauses")
    details = (Msg("momentum.c35_details_sgd", problems=problems, low=g(min(sgd)), high=g(max(sgd))) if sgd
               else Msg("momentum.c35_details", problems=problems))
    return say(not failed, Msg("momentum.c35_yes", steps=e.steps, factor=f"{1 / TRAINED:g}", details=details),
               Msg("momentum.c35_no", steps=e.steps, failed=join([problem_label(p.problem) for p in failed]),
                   share=f"{TRAINED:.0%}", details=details))


@dataclass(frozen=True)
class StepRatios:
    ratios: dict  # optimizer → |Δθ_y/g_y| ÷ |Δθ_x/g_x|: the steep coordinate's effective step over the flat one's


@claim(13)
def adaptive_steps_per_parameter(e: StepRatios) -> Finding:
    rows = e.ratios
    adaptive = [k for k in ("Adagrad", "Adadelta", "Adam") if abs(math.log(rows[k])) > math.log(2)]
    plain = abs(math.log(rows["SGD"])) < 1e-9
    ratios = join([f"{k} {g(v)}" for k, v in rows.items()])
    return say(len(adaptive) == 3 and plain, Msg("momentum.c13_yes", ratios=ratios),
               Msg("momentum.c13_no", ratios=ratios))


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
    words = dict(large_steps=e.large_steps, large=g(e.large), small_steps=e.small_steps, small=g(e.small),
                 rmsprop=g(e.rmsprop_recovered), adagrad=g(e.adagrad_recovered))
    return say(ok, Msg("momentum.c29_yes", **words), Msg("momentum.c29_no", **words))


@dataclass(frozen=True)
class AdamByHand:
    max_difference: float  # max |θ_Adam − θ by hand from a momentum and an RMSprop average|
    steps: int
    spelling: str  # the tutorial's line that built the optimizer


@claim(30)
def adam_is_momentum_plus_rmsprop(e: AdamByHand) -> Finding:
    ok = e.max_difference < 1e-12
    return say(ok, Msg("momentum.c30_yes", steps=e.steps, difference=g(e.max_difference), spelling=e.spelling),
               Msg("momentum.c30_no", difference=g(e.max_difference)))
