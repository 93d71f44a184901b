"""The momentum study's figure: the paths on the bowl at the same η, and the gap to the minimum per step."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gdlab.lab import surfaces as surf
from gdlab.lab.studies.momentum.experiment import MomentumResult
from gdlab.reporting.figures import figure, legend_outside, line_styles, save, styled


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


def figures(r: MomentumResult, out: Path) -> list[tuple[str, Path]]:
    return [("Paths at the same η (thin, translucent lines: every iterate is drawn) and f − f* per step",
             save(momentum(r), out / "momentum.png"))]
