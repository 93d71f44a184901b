"""The claims the curvature study tests on the real network: divergence at 2/λ_max, Goh's rate, the (η, β)
boundary."""

from __future__ import annotations

from dataclasses import dataclass

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
    local = (f"with λ_max = {g(e.lambda_max)} measured at the trained weights, runs from them converged up to "
             f"ηλ_max = {g(stable)} and diverged from ηλ_max = {g(grew)} on (2/λ_max = {g(2 / e.lambda_max)})")
    two_over_eta = e.lambda_max / e.above_factor
    if e.above_lambda_after is None:
        end = "went non-finite"
    else:
        end = (f"ended at {g(e.above_final)}× the start where λ_max = {g(e.above_lambda_after)}, "
               + (f"below 2/η = {g(two_over_eta)}: it moved to flatter weights" if e.above_lambda_after < two_over_eta
                  else f"not below 2/η = {g(two_over_eta)}"))
    after = (f"; plain training at {g(e.above_factor)} × 2/λ_max pushed the loss up {g(e.above_rose)}× and then "
             + end
             + (", while at 0.9 × 2/λ_max the loss never rose above its start" if e.below_rose <= 1.0 + 1e-9
                else f", while at 0.9 × 2/λ_max the loss rose to {g(e.below_rose)}× its start"))
    ok = not wrong and e.above_rose > 2 and e.below_rose <= 1.0 + 1e-9
    return say(ok, local + after + ".", local + after
               + (f"; {len(wrong)} run(s) disagree with 2/λ_max" if wrong else "") + ".")


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
    text = (f"over {len(e.checks)} runs near the trained weights (λ_max = {g(e.lambda_max)}, λ_min = "
            f"{g(e.lambda_min)}), the measured "
            f"factor per step is within {g(err)} of the theory (worst: ηλ_max = {g(worst.eta_lambda)} along "
            f"{worst.along}, measured {g(worst.measured)} against {g(worst.predicted)})")
    return say(err < 0.02, text + ".", text + ".")


@dataclass(frozen=True)
class Plane:
    lambda_max: float
    runs: tuple[LocalRun, ...]  # along v_max, with momentum


@claim(38)
def momentum_plane(e: Plane) -> Finding:
    judged = [r for r in e.runs if abs(r.eta_lambda / (2 * (1 + r.momentum)) - 1) > MARGIN]
    wrong = _wrong(e.runs, lambda b: 2 * (1 + b))
    text = (f"{len(judged) - len(wrong)} of {len(judged)} (η, β) runs (those more than {MARGIN:.0%} from the "
            f"boundary) converged or diverged as ηλ_max < 2(1 + β) predicts (λ_max = {g(e.lambda_max)})")
    return say(bool(judged) and not wrong, text + ".", text + (": " + ", ".join(
        f"ηλ = {g(r.eta_lambda)}, β = {g(r.momentum)}" for r in wrong) if wrong else "") + ".")
