"""The linear section: the theory from the data, one run per η, what each run did against the prediction."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from gdlab.i18n import t
from gdlab.lab.section import Section
from gdlab.lab.studies.linear import Settings
from gdlab.lab.studies.linear import claims as C
from gdlab.lab.studies.linear import experiment
from gdlab.lab.studies.linear.experiment import LinearResult
from gdlab.lab.studies.linear.plots import figures


def intro_text(r: LinearResult, cfg: Settings) -> str:
    return t("linear.intro", n=cfg.n, true_w=f"{cfg.true_w:g}", w_star=f"{r.w_star:.4f}",
             curvature=f"{r.curvature:.4f}", one_step=f"{r.one_step_lr:.4f}", divergence=f"{r.divergence_lr:.4f}")


def linear_text(r: LinearResult) -> list[str]:
    """Per run: the theory's prediction, what the run did, and whether the two agree."""
    out = []
    for run in r.runs:
        e0, e1 = run.w_path[0] - r.w_star, run.w_path[min(1, len(run.w_path) - 1)] - r.w_star
        factor = e1 / e0 if e0 else float("nan")
        agree = math.isclose(factor, 1 - run.eta_lambda, rel_tol=1e-6, abs_tol=1e-9)
        out.append(t(
            "linear.run_text", eta=f"{run.learning_rate:.4g}", eta_lambda=f"{run.eta_lambda:g}",
            predicted=run.predicted_message, observed=run.observed_message, e0=f"{e0:+.4f}",
            e1=f"{e1:+.4f}", factor=f"{factor:+.3f}", theory=f"{1 - run.eta_lambda:+.3f}",
            agreement=t("linear.agrees") if agree else t("linear.disagrees"), steps=len(run.w_path) - 1,
            gap=f"{run.loss_path[-1] - r.loss(r.w_star):.3g}"))
    return out


def verdicts(r: LinearResult, cfg: Settings) -> list:
    by = {x.label: x for x in r.runs}
    good, small, osc, div = by["good"], by["too small"], by["oscillating"], by["diverging"]
    tol = 1e-3 * abs(r.w_star)
    near = np.flatnonzero(np.abs(good.w_path - r.w_star) <= tol)
    ws = np.linspace(r.w_star - 2, r.w_star + 2, 81)
    ls = r.loss(ws)
    coef, res, *_ = np.polyfit(ws, ls, 2, full=True)
    steps_err = []
    for x in (small, good, osc):  # |Δw + η·L′(w)| relative to the run's largest step
        w = x.w_path
        slope = 2 * r.loss_coefficients[0] * w[:-1] - 2 * r.loss_coefficients[1]  # L′(w) = 2a·w − 2b
        steps_err.append(np.max(np.abs(np.diff(w) + x.learning_rate * slope)) / np.max(np.abs(np.diff(w))))
    e_osc = osc.w_path - r.w_star
    gap = lambda x: float(x.loss_path[-1] - r.loss(r.w_star))  # noqa: E731
    return [
        C.the_loop_converges(C.Convergence(
            learning_rate=good.learning_rate, tolerance=tol, steps=cfg.steps,
            converged_at=int(near[0]) if near.size else None,
            monotone=bool(np.all(np.diff(good.loss_path) <= 1e-12)))),
        C.learning_finds_the_best_w(C.LineFit(w_fitted=r.w_fitted, w_star=r.w_star)),
        C.loss_is_a_parabola(C.ParabolaShape(
            points=int(ws.size), quadratic_residual=float(res[0]) if len(res) else 0.0,
            curvature=float(2 * coef[0]), second_difference_min=float(np.min(np.diff(ls, 2))),
            argmin_gap=float(abs(ws[np.argmin(ls)] - r.w_star)), grid_step=float(ws[1] - ws[0]))),
        C.steps_follow_the_slope(C.StepsAlongSlope(max_step_error=float(max(steps_err)))),
        C.step_size_too_large_or_small(C.StepSizes(
            oscillating_eta_lambda=osc.eta_lambda,
            oscillating_flips=int(np.sum(np.sign(e_osc[1:]) != np.sign(e_osc[:-1]))),
            oscillating_steps=len(e_osc) - 1, diverging_eta_lambda=div.eta_lambda,
            diverging_grew=bool(abs(div.w_path[-1] - r.w_star) > abs(div.w_path[0] - r.w_star)),
            small_eta_lambda=small.eta_lambda, good_eta_lambda=good.eta_lambda, steps=cfg.steps,
            small_gap=gap(small), good_gap=gap(good))),
    ]


def build(s: Section, out: Path, cfg: Settings) -> None:
    r = experiment.run(cfg)
    s.tables += [(t("linear.table_theory"), r.theory_table()),
                 (t("linear.table_runs", w_init=f"{r.w_init:g}", steps=cfg.steps), r.table())]
    s.figures += figures(r, out)
    s.paragraphs.append(intro_text(r, cfg))
    s.paragraphs += linear_text(r)
    s.verdicts += verdicts(r, cfg)
