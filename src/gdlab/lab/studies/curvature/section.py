"""The curvature section: λ_min and λ_max through training, the rate against η, the (η, β) plane, divergence at
2/λ_max; claims 36–38."""

from __future__ import annotations

from pathlib import Path

from gdlab import theory
from gdlab.i18n import t
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
    trend = t("curvature.rose") if last.lambda_max > first.lambda_max else t("curvature.fell")
    growth = t("curvature.text_growth", parameters=r.parameters, trend=trend, first=g(first.lambda_max),
               last=g(last.lambda_max), steps=last.step, eta=g(eta), first_eta_lambda=g(eta * first.lambda_max),
               last_eta_lambda=g(eta * last.lambda_max), first_limit=g(2 / first.lambda_max),
               last_limit=g(2 / last.lambda_max))
    convexity = (t("curvature.text_nonconvex", negative=negative, checkpoints=len(r.checkpoints),
                   first=g(first.lambda_min), last=g(last.lambda_min))
                 if negative else t("curvature.text_convex", last=g(last.lambda_min)))
    return [t("curvature.text_paragraph", growth=growth, convexity=convexity)]


def build(s: Section, out: Path, cfg: Settings) -> None:
    r = experiment.run(cfg)
    products = min(cfg.lanczos_steps, r.parameters)
    s.tables += [
        (t("curvature.caption_training", parameters=r.parameters, hidden=cfg.hidden, eta=f"{cfg.learning_rate:g}",
           products=products), r.table()),
        (t("curvature.caption_rates"), r.rate_table())]
    s.figures += figures(r, out)
    s.paragraphs += curvature_text(r)
    s.verdicts += verdicts(r)
