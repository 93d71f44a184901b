"""The claims the curvature study tests on the real network: divergence at 2/λ_max, Goh's rate, the (η, β)
boundary."""

from __future__ import annotations

from dataclasses import dataclass

from gdlab.i18n import Msg, join
from gdlab.lab.claims import Finding, claims_for, g, say

claim = claims_for("curvature")

MARGIN = 0.05  # runs within 5 % of a theory boundary are not judged: on it, neither side is predicted


@dataclass(frozen=True)
class LocalRun:
    eta_lambda: float  # η·λ_max
    momentum: float
    grew: bool


@dataclass(frozen=True)
class Divergence:
    lambda_max: float  # at the trained θ_T, from Lanczos on Hessian-vector products
    runs: tuple[LocalRun, ...]  # near θ_T along v_max, without momentum
    below_rose: float  # plain training at 0.9 × 2/λ_max: highest loss ÷ start
    above_factor: float  # the unstable training run's η in units of 2/λ_max (> 1)
    above_rose: float  # … its highest loss ÷ start
    above_final: float  # … its final loss ÷ start
    above_lambda_after: float | None  # λ_max where the 1.1 × run ended


def _wrong(runs, edge) -> list:
    return [r for r in runs if abs(r.eta_lambda / edge(r.momentum) - 1) > MARGIN
            and r.grew != (r.eta_lambda > edge(r.momentum))]


@claim(36)
def diverges_at_two_over_lambda(e: Divergence) -> Finding:
    wrong = _wrong(e.runs, lambda b: 2.0)
    stable = max((r.eta_lambda for r in e.runs if not r.grew), default=None)
    grew = min((r.eta_lambda for r in e.runs if r.grew), default=None)
    two_over_eta = e.lambda_max / e.above_factor
    if e.above_lambda_after is None:
        end = Msg("curvature.c36_non_finite")
    else:
        ended = dict(final=g(e.above_final), after=g(e.above_lambda_after), two_over_eta=g(two_over_eta))
        end = (Msg("curvature.c36_flatter", **ended) if e.above_lambda_after < two_over_eta
               else Msg("curvature.c36_not_flatter", **ended))
    never_rose = e.below_rose <= 1.0 + 1e-9
    words = dict(lambda_max=g(e.lambda_max), stable=g(stable), grew=g(grew), limit=g(2 / e.lambda_max),
                 factor=g(e.above_factor), rose=g(e.above_rose), end=end,
                 below=Msg("curvature.c36_below_never") if never_rose
                 else Msg("curvature.c36_below_rose", rose=g(e.below_rose)))
    ok = not wrong and e.above_rose > 2 and never_rose
    text = Msg("curvature.c36_text", **words)
    return say(ok, Msg("curvature.c36_yes", **words),
               Msg("curvature.c36_no_wrong", text=text, wrong=len(wrong)) if wrong else Msg("curvature.c36_no", text=text))


@dataclass(frozen=True)
class RateCheck:
    eta_lambda: float
    measured: float
    predicted: float
    along: str  # "v_max" (|1 − ηλ_max|) or "random" (Goh: max(|1 − ηλ₁|, |1 − ηλₙ|), λₙ signed)


@dataclass(frozen=True)
class GohRates:
    lambda_min: float
    lambda_max: float
    checks: tuple[RateCheck, ...]


@claim(37)
def goh_rate(e: GohRates) -> Finding:
    worst = max(e.checks, key=lambda c: abs(c.measured - c.predicted))
    err = abs(worst.measured - worst.predicted)
    words = dict(count=len(e.checks), lambda_max=g(e.lambda_max), lambda_min=g(e.lambda_min), error=g(err),
                 eta_lambda=g(worst.eta_lambda), measured=g(worst.measured), predicted=g(worst.predicted),
                 along=Msg("curvature.c37_along_top") if worst.along == "v_max" else Msg("curvature.c37_along_random"))
    return say(err < 0.02, Msg("curvature.c37_yes", **words), Msg("curvature.c37_no", **words))


@dataclass(frozen=True)
class Plane:
    lambda_max: float
    runs: tuple[LocalRun, ...]  # along v_max, with momentum


@claim(38)
def momentum_plane(e: Plane) -> Finding:
    judged = [r for r in e.runs if abs(r.eta_lambda / (2 * (1 + r.momentum)) - 1) > MARGIN]
    wrong = _wrong(e.runs, lambda b: 2 * (1 + b))
    words = dict(right=len(judged) - len(wrong), judged=len(judged), margin=f"{MARGIN:.0%}", lambda_max=g(e.lambda_max))
    runs = join([Msg("curvature.c38_run", eta_lambda=g(r.eta_lambda), beta=g(r.momentum)) for r in wrong],
                  lambda first, rest: Msg("curvature.c38_runs_more", first=first, rest=rest))
    return say(bool(judged) and not wrong, Msg("curvature.c38", **words),
               Msg("curvature.c38_wrong", **words, runs=runs) if wrong else Msg("curvature.c38", **words))
