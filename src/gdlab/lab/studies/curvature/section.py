"""The curvature section: λ_min and λ_max through training, the rate against η, the (η, β) plane, divergence at
2/λ_max; claims 36–38."""

from __future__ import annotations

from pathlib import Path

from gdlab import theory
from gdlab.lab.claims import g
from gdlab.lab.section import Section
from gdlab.lab.studies.curvature import Settings, experiment
from gdlab.lab.studies.curvature import claims as C
from gdlab.lab.studies.curvature.experiment import CurvatureResult
from gdlab.lab.studies.curvature.plots import figures


def _local(r, runs) -> tuple:
    return tuple(C.LocalRun(x.learning_rate * r.lambda_max, x.momentum, x.diverged) for x in runs)


def verdicts(r: CurvatureResult) -> list:
    below, above = r.training[0], r.training[-1]
    checks = []
    for x in r.rates:
        if x.rate is None:
            continue
        a = x.learning_rate * r.lambda_max
        predicted = abs(1 - a) if x.along_top else theory.gd_rate(x.learning_rate, (r.lambda_min, r.lambda_max))
        checks.append(C.RateCheck(a, x.rate, predicted, "v_max" if x.along_top else "random"))
    return [
        C.diverges_at_two_over_lambda(C.Divergence(
            r.lambda_max, _local(r, [x for x in r.rates if x.along_top]), below.highest / below.start,
            above.factor, above.highest / above.start, above.final / above.start, above.lambda_max_after)),
        C.goh_rate(C.GohRates(r.lambda_min, r.lambda_max, tuple(checks))),
        C.momentum_plane(C.Plane(r.lambda_max, _local(r, r.plane))),
    ]


def curvature_text(r: CurvatureResult) -> list[str]:
    first, last = r.checkpoints[0], r.checkpoints[-1]
    eta = r.settings.learning_rate
    negative = sum(c.lambda_min < 0 for c in r.checkpoints)
    trend = "rose" if last.lambda_max > first.lambda_max else "fell"
    growth = (f"The network has {r.parameters} parameters. Its λ_max {trend} from {g(first.lambda_max)} at θ₀ to "
              f"{g(last.lambda_max)} after {last.step} steps of η = {g(eta)}: ηλ_max went from "
              f"{g(eta * first.lambda_max)} to {g(eta * last.lambda_max)}, so the largest stable η, 2/λ_max, went "
              f"from {g(2 / first.lambda_max)} to {g(2 / last.lambda_max)}.")
    convexity = (f"λ_min was negative at {negative} of {len(r.checkpoints)} checkpoints ({g(first.lambda_min)} at "
                 f"θ₀, {g(last.lambda_min)} at the end): the loss is not convex there. With λₙ < 0 Goh's "
                 f"max(|1 − ηλ₁|, |1 − ηλₙ|) exceeds 1 by η|λₙ|: a random δ grows that slowly along the negative "
                 f"curvature (an escape, not a divergence), while along v_max the error obeys |1 − ηλ_max|."
                 if negative else f"λ_min stayed ≥ 0 at every checkpoint (last {g(last.lambda_min)}).")
    return [growth + " " + convexity]


def build(s: Section, out: Path, cfg: Settings) -> None:
    r = experiment.run(cfg)
    products = min(cfg.lanczos_steps, r.parameters)
    s.tables += [
        (f"λ_min and λ_max of the {r.parameters}-parameter network (4 → {cfg.hidden} tanh → 1, MSE) during "
         f"full-batch gradient descent at η = {cfg.learning_rate:g}: Lanczos, {products} Hessian-vector products each",
         r.table()),
        ("Near the trained weights: the measured factor per step against the theory", r.rate_table())]
    s.figures += figures(r, out)
    s.paragraphs += curvature_text(r)
    s.verdicts += verdicts(r)
