"""The momentum study's figure: the paths on the bowl at the same η, and the gap to the minimum per step."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gdlab import theory
from gdlab.lab import surfaces as surf
from gdlab.lab.studies.momentum.experiment import TUTORIAL_BETA, MomentumResult
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
        label = "plain GD" if run.momentum == 0 else f"momentum β = {run.momentum:g}"
        ax1.plot(run.path[:, 0], run.path[:, 1], color=c, ls=ls, lw=0.8, alpha=0.6, label=label)
        ax2.semilogy(np.maximum(run.gap, 1e-16), color=c, ls=ls, lw=1.1, label=label)
    ax1.plot(*bowl.start, "ko", ms=5)
    ax1.plot(*bowl.minimum, "k*", ms=10)
    ax1.set(xlim=(x0, x1), ylim=(y0, y1), xlabel="x", ylabel="y",
            title=f"the bowl ½(x² + 25y²), η = {r.settings.learning_rate:g} for all")
    ax2.axhline(r.settings.tolerance, color="k", ls=":", lw=0.8)
    ax2.set(xlabel="step", ylabel="f(θ) − f*", title="gap to the minimum", ylim=(1e-16, None))
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
                 label=f"theory along λ = {lam:g} (ηλ = {eta * lam:g})")
        pts = [(b, sw.at(eta, b).directions[i].rate) for b in sw.betas]
        ax1.plot(*zip(*[(b, x) for b, x in pts if x is not None]), "o", color=c, ms=6, mfc="none",
                 label=f"measured along λ = {lam:g}")
    ax1.plot(fine, np.sqrt(fine), "k:", lw=1, label="√β (the ripple regime's rate)")
    ax1.axvline(theory.critical_momentum(eta * CURVATURES[0]), color="#7f7f7f", ls="--", lw=1,
                label=f"critical damping along λ = {CURVATURES[0]:g}")
    ax1.set(xlabel="momentum β", ylabel="error factor per step", title=f"rate against β at η = {eta:g}",
            ylim=(0, 1.05))
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
        label = "plain GD" if b == 0 else f"{'Nesterov' if nest else 'classical'} β = {b:g}"
        ax2.plot(xs, [np.nan if y is None else y for y in ys], "o", color=c, ls=ls, ms=4, label=label)
    if not arrived:
        ax2.text(0.5, 0.5, "no run arrived", transform=ax2.transAxes, ha="center")
    ax2.axvline((1 - np.sqrt(TUTORIAL_BETA)) / CURVATURES[0], color="#7f7f7f", ls="--", lw=1,
                label=f"β = {TUTORIAL_BETA:g} faster than GD to the left (theory)")
    ax2.axvline(2 / CURVATURES[1], color="k", ls=":", lw=1, label="plain GD diverges to the right: 2/λ_max")
    ax2.set(xscale="log", yscale="log" if arrived else "linear", xlabel="learning rate η", ylabel="steps until f − f* stays below the "
            "tolerance", title=f"steps against η (missing: no arrival in {r.settings.steps})")
    legend_outside(ax2)
    return fig


def figures(r: MomentumResult, out: Path) -> list[tuple[str, Path]]:
    return [("Paths at the same η (thin, translucent lines: every iterate is drawn) and f − f* per step",
             save(momentum(r), out / "momentum.png")),
            ("The β sweep: each direction's measured rate on the theory's curve (√β once it ripples); steps to "
             "the tolerance against η for plain GD, the best tuned β, and β = 0.9 classical and Nesterov",
             save(momentum_theory(r), out / "momentum_theory.png"))]
