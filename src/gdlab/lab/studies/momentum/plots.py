"""The momentum study's figure: the paths on the bowl at the same η, and the gap to the minimum per step."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gdlab import theory
from gdlab.i18n import t
from gdlab.lab import surfaces as surf
from gdlab.lab.studies.momentum.experiment import TUTORIAL_BETA, MomentumResult, run_label
from gdlab.lab.studies.momentum.sweeps import CURVATURES
from gdlab.reporting.figures import colors, figure, legend_outside, line_styles, save, styled


@styled
def momentum(r):
    bowl = surf.get("bowl")
    fig = figure()
    ax1, ax2 = fig.subplots(1, 2, width_ratios=[1.3, 1])
    x0, x1, y0, y1 = bowl.window
    X, Y = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
    ax1.contour(X, Y, bowl.f(np.stack([X, Y])), levels=20, cmap="Greys", linewidths=0.6, alpha=0.6)
    for run, (c, ls) in zip(r.runs, line_styles(len(r.runs))):
        label = run_label(run.momentum)
        ax1.plot(run.path[:, 0], run.path[:, 1], color=c, ls=ls, lw=0.8, alpha=0.6, label=label)
        ax2.semilogy(np.maximum(run.gap, 1e-16), color=c, ls=ls, lw=1.1, label=label)
    ax1.plot(*bowl.start, "ko", ms=5)
    ax1.plot(*bowl.minimum, "k*", ms=10)
    ax1.set(xlim=(x0, x1), ylim=(y0, y1), xlabel="x", ylabel="y",
            title=t("momentum.fig_bowl_title", eta=f"{r.settings.learning_rate:g}"))
    ax2.axhline(r.settings.tolerance, color="k", ls=":", lw=0.8)
    ax2.set(xlabel=t("momentum.label_step"), ylabel="f(θ) − f*", title=t("momentum.fig_gap_title"), ylim=(1e-16, None))
    legend_outside(ax2)
    return fig


@styled
def momentum_theory(r):
    """The β sweep's measured rates on the theory's curves; steps to the tolerance against η per β."""
    eta, sw = r.settings.learning_rate, r.sweep
    fig = figure()
    ax1, ax2 = fig.subplots(1, 2)
    fine = np.linspace(0, max(sw.betas), 200)
    for lam, c, i in zip(CURVATURES, colors(2), range(2)):
        ax1.plot(fine, [theory.momentum_rate(eta * lam, b) for b in fine], color=c, lw=1.2,
                 label=t("momentum.label_theory_along", curvature=f"{lam:g}", eta_lambda=f"{eta * lam:g}"))
        pts = [(b, sw.at(eta, b).directions[i].rate) for b in sw.betas]
        ax1.plot(*zip(*[(b, x) for b, x in pts if x is not None]), "o", color=c, ms=6, mfc="none",
                 label=t("momentum.label_measured_along", curvature=f"{lam:g}"))
    ax1.plot(fine, np.sqrt(fine), "k:", lw=1, label=t("momentum.label_ripple_rate"))
    ax1.axvline(theory.critical_momentum(eta * CURVATURES[0]), color="#7f7f7f", ls="--", lw=1,
                label=t("momentum.label_critical_along", curvature=f"{CURVATURES[0]:g}"))
    ax1.set(xlabel=t("momentum.label_momentum_beta"), ylabel=t("momentum.label_error_factor"),
            title=t("momentum.fig_rate_title", eta=f"{eta:g}"), ylim=(0, 1.05))
    legend_outside(ax1)
    best = min((b for b in sw.betas if b not in (0.0, TUTORIAL_BETA)),
               key=lambda b: sw.tuned(b).steps_to_tolerance or np.inf, default=None)
    shown = [(0.0, False), *([(best, False)] if best is not None else []), (TUTORIAL_BETA, False),
             (TUTORIAL_BETA, True)]
    arrived = False
    for (b, nest), (c, ls) in zip(shown, line_styles(len(shown))):
        xs = sw.learning_rates
        ys = [sw.at(e, b, nest).steps_to_tolerance for e in xs]
        arrived |= any(y is not None for y in ys)
        if b == 0:
            label = t("momentum.plain_gd")
        elif nest:
            label = t("momentum.label_nesterov_beta", beta=f"{b:g}")
        else:
            label = t("momentum.label_classical_beta", beta=f"{b:g}")
        ax2.plot(xs, [np.nan if y is None else y for y in ys], "o", color=c, ls=ls, ms=4, label=label)
    if not arrived:
        ax2.text(0.5, 0.5, t("momentum.fig_no_arrival"), transform=ax2.transAxes, ha="center")
    ax2.axvline((1 - np.sqrt(TUTORIAL_BETA)) / CURVATURES[0], color="#7f7f7f", ls="--", lw=1,
                label=t("momentum.label_faster_left", beta=f"{TUTORIAL_BETA:g}"))
    ax2.axvline(2 / CURVATURES[1], color="k", ls=":", lw=1, label=t("momentum.label_gd_diverges_right"))
    ax2.set(xscale="log", yscale="log" if arrived else "linear", xlabel=t("momentum.label_learning_rate"),
            ylabel=t("momentum.label_steps_until"), title=t("momentum.fig_steps_title", steps=r.settings.steps))
    legend_outside(ax2)
    return fig


def figures(r: MomentumResult, out: Path) -> list[tuple[str, Path]]:
    return [(t("momentum.caption_fig_paths"), save(momentum(r), out / "momentum.png")),
            (t("momentum.caption_fig_theory"), save(momentum_theory(r), out / "momentum_theory.png"))]
