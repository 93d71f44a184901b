"""The momentum section: momentum against its theory, per-parameter steps, Adadelta at η = 1, forgetting, Adam
by hand; claims 12, 13, 29, 30 and 31–35."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gdlab import theory
from gdlab.i18n import join, t
from gdlab.lab.claims import g
from gdlab.lab.section import Section
from gdlab.lab.studies.momentum import Settings, experiment
from gdlab.lab.studies.momentum import claims as C
from gdlab.lab.studies.momentum.experiment import (ADAM_SPELLING, LARGE, LARGE_STEPS, SMALL, SMALL_STEPS,
                                                   TUTORIAL_BETA, MomentumResult)
from gdlab.lab.studies.momentum.plots import figures
from gdlab.lab.studies.momentum.sweeps import CURVATURES


def _arrival(x) -> C.Arrival:
    return C.Arrival(x.momentum, x.steps_to_tolerance, x.sign_flips_y, x.y_path)


def _slowest(run) -> float:
    rates = [d.rate for d in run.directions if d.rate is not None]
    return max(rates) if rates else float("nan")


def momentum_runs(r: MomentumResult) -> C.MomentumRuns:
    """Claim 12's evidence: plain GD and β = 0.9 at the study's η, their rates, and where β = 0.9 helps."""
    cfg, sw, b = r.settings, r.sweep, TUTORIAL_BETA
    eta = cfg.learning_rate
    plain, tut = sw.at(eta, 0.0), sw.at(eta, b)
    helps = [sw.at(e, b).steps_to_tolerance is not None and (
        sw.at(e, 0.0).steps_to_tolerance is None or sw.at(e, b).steps_to_tolerance < sw.at(e, 0.0).steps_to_tolerance)
        for e in sw.learning_rates]
    return C.MomentumRuns(
        eta, cfg.steps, _arrival(r.run_at(0.0)), _arrival(r.run_at(b)), _slowest(plain), _slowest(tut),
        theory.gd_rate(eta, CURVATURES), max(d.predicted_rate for d in tut.directions),
        all(theory.momentum_ripples(eta * lam, b) for lam in CURVATURES), helps_at=_spans(sw.learning_rates, helps),
        gd_limit=2 / CURVATURES[1], crossover=(1 - np.sqrt(b)) / CURVATURES[0])


def _spans(grid, keep) -> tuple:
    """The runs of consecutive grid values where ``keep`` holds, as (lowest, highest)."""
    spans, start = [], None
    for i, k in enumerate([*keep, False]):
        if k and start is None:
            start = i
        elif not k and start is not None:
            spans.append((grid[start], grid[i - 1]))
            start = None
    return tuple(spans)


def convergence_condition(r: MomentumResult) -> C.ConvergenceCondition:
    edges = r.sweep.edges
    return C.ConvergenceCondition(CURVATURES[1], tuple(
        C.EdgeRun(a.beta, 2 * (1 + a.beta) / CURVATURES[1], a.directions[1].converged, o.directions[1].converged)
        for a, o in zip(edges[::2], edges[1::2])))


def critical_damping(r: MomentumResult) -> C.CriticalDamping:
    eta, lam = r.settings.learning_rate, CURVATURES[0]
    return C.CriticalDamping(eta, lam, theory.critical_momentum(eta * lam), tuple(
        C.Ripple(b, r.sweep.at(eta, b).directions[0].sign_changes) for b in r.sweep.betas))


def ripple_rates(r: MomentumResult) -> C.RippleRates:
    found = [(abs(d.rate / np.sqrt(x.beta) - 1), x.beta, d.rate) for x in r.sweep.runs if not x.nesterov
             for d in x.directions if d.rate is not None and d.converged
             and theory.momentum_ripples(x.learning_rate * d.curvature, x.beta)]
    if not found:
        return C.RippleRates(0, float("nan"), float("nan"), float("nan"))
    worst = max(found)
    return C.RippleRates(len(found), worst[0], worst[1], worst[2])


def nesterov_pairs(r: MomentumResult) -> C.NesterovPairs:
    sw, eta = r.sweep, r.settings.learning_rate
    both = sooner = later = only = rippling = rippling_sooner = extra = 0
    predicted = True
    for b in sw.betas:
        if b == 0:
            continue
        for e in sw.learning_rates:
            c, n = sw.at(e, b), sw.at(e, b, nesterov=True)
            if c.steps_to_tolerance is not None and n.steps_to_tolerance is not None:
                both += 1
                sooner += n.steps_to_tolerance < c.steps_to_tolerance
                later += n.steps_to_tolerance > c.steps_to_tolerance
                extra = max(extra, n.steps_to_tolerance - c.steps_to_tolerance)
                if all(theory.momentum_ripples(e * lam, b) for lam in CURVATURES):
                    rippling += 1
                    rippling_sooner += n.steps_to_tolerance < c.steps_to_tolerance
            diverged = not all(d.converged for d in n.directions)
            only += diverged and all(d.converged for d in c.directions)
            predicted &= diverged == any(d.predicted_rate >= 1 for d in n.directions)
    c, n = sw.at(eta, TUTORIAL_BETA), sw.at(eta, TUTORIAL_BETA, nesterov=True)
    lo = max((e for e in sw.learning_rates if sw.at(e, TUTORIAL_BETA, True).steps_to_tolerance is not None),
             default=None)
    example = C.NesterovExample(eta, TUTORIAL_BETA, c.steps_to_tolerance, n.steps_to_tolerance, lo)
    return C.NesterovPairs(both, sooner, later, rippling, rippling_sooner, extra, only, predicted, example)


def adadelta_default(r: MomentumResult) -> C.AdadeltaDefault:
    return C.AdadeltaDefault(r.settings.adadelta_steps, tuple(
        C.AdadeltaCase(p.name, p.start_gap, p.gap_at_one, p.best_gap, p.best_rate, p.sgd_best_rate)
        for p in r.adadelta))


def verdicts(r: MomentumResult) -> list:
    return [
        C.momentum_helps(momentum_runs(r)),
        C.adaptive_steps_per_parameter(C.StepRatios(r.step_ratios)),
        C.rmsprop_forgets(C.Forgetting(LARGE, SMALL, LARGE_STEPS, SMALL_STEPS, r.rmsprop_recovered,
                                       r.adagrad_recovered)),
        C.adam_is_momentum_plus_rmsprop(C.AdamByHand(r.adam_difference, r.adam_steps, ADAM_SPELLING)),
        C.momentum_condition(convergence_condition(r)),
        C.critical_damping(critical_damping(r)),
        C.ripple_rate(ripple_rates(r)),
        C.nesterov_faster(nesterov_pairs(r)),
        C.adadelta_needs_no_rate(adadelta_default(r)),
    ]


def momentum_text(r: MomentumResult) -> list[str]:
    """When β = 0.9 helps and when it ripples: the best β at the study's η and with η tuned per β, against
    the theory's optimum on this bowl."""
    cfg, sw = r.settings, r.sweep
    lam_min, lam_max = CURVATURES
    eta_star, beta_star, rate_star = theory.best_momentum(lam_min, lam_max)
    kappa = lam_max / lam_min

    def steps(x):
        return x.steps_to_tolerance if x.steps_to_tolerance is not None else float("inf")

    def said(x):
        return (t("momentum.steps_n", steps=x.steps_to_tolerance) if x.steps_to_tolerance is not None
                else t("momentum.no_arrival_in", steps=cfg.steps))

    fixed = min(sw.betas, key=lambda b: (steps(sw.at(cfg.learning_rate, b)), b))
    tuned = {b: sw.tuned(b) for b in sw.betas}
    best = min(sw.betas, key=lambda b: (steps(tuned[b]), b))
    t9, t0 = tuned[TUTORIAL_BETA], tuned[0.0]
    kappa_9 = ((1 + np.sqrt(TUTORIAL_BETA)) / (1 - np.sqrt(TUTORIAL_BETA))) ** 2
    verb = t("momentum.beats") if steps(t9) < steps(t0) else t("momentum.does_not_beat")
    return [
        t("momentum.text_best_beta", eta=g(cfg.learning_rate), fixed=g(fixed),
          fixed_said=said(sw.at(cfg.learning_rate, fixed)), best=g(best), best_eta=g(tuned[best].learning_rate),
          best_said=said(tuned[best]), kappa=g(kappa), beta_star=g(beta_star), eta_star=g(eta_star),
          rate_star=g(rate_star)),
        t("momentum.text_ripples", beta=g(TUTORIAL_BETA), ripple_from=g((1 - np.sqrt(TUTORIAL_BETA)) ** 2),
          root=g(np.sqrt(TUTORIAL_BETA)), tuned_said=said(t9), tuned_eta=g(t9.learning_rate), verb=verb,
          plain_said=said(t0), plain_eta=g(t0.learning_rate), plain_rate=g((kappa - 1) / (kappa + 1)),
          kappa_beta=g(kappa_9)),
    ]


def build(s: Section, out: Path, cfg: Settings) -> None:
    r = experiment.run(cfg)
    s.tables.append((t("momentum.caption_runs", eta=f"{cfg.learning_rate:g}", eta_25=f"{25 * cfg.learning_rate:g}"),
                     r.table()))
    s.tables.append((t("momentum.caption_sweep", eta=f"{cfg.learning_rate:g}",
                       grid=join([f"{x:g}" for x in r.sweep.learning_rates])), r.sweep_table()))
    s.tables.append((t("momentum.caption_adaptive"), r.adaptive_table()))
    s.tables.append((t("momentum.caption_adadelta", steps=cfg.adadelta_steps, adadelta_grid="{0.1, 1, 10}",
                       sgd_grid="{1e-4 … 1}"), r.adadelta_table()))
    s.figures += figures(r, out)
    s.paragraphs += momentum_text(r)
    s.verdicts += verdicts(r)
