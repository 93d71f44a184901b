"""The curvature study's figure: λ through training; the measured rate against η with the theory; the (η, β)
plane with its boundaries."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gdlab import theory
from gdlab.i18n import t
from gdlab.lab.studies.curvature.experiment import CurvatureResult
from gdlab.reporting.figures import colors, figure, legend_outside, save, styled


@styled
def curvature(r):
    fig = figure((12.0, 4.6))
    ax1, ax2, ax3 = fig.subplots(1, 3)
    c = colors(3)
    steps = [x.step for x in r.checkpoints]
    ax1.plot(steps, [x.lambda_max for x in r.checkpoints], "o-", color=c[0], label="λ_max")
    ax1.plot(steps, [x.lambda_min for x in r.checkpoints], "s-", color=c[1], label="λ_min")
    ax1.axhline(2 / r.settings.learning_rate, color="k", ls=":", lw=1, label=t("curvature.label_two_over_eta", eta=f"{r.settings.learning_rate:g}"))
    ax1.set(xlabel=t("curvature.label_training_step"), ylabel=t("curvature.label_eigenvalue"),
            title=t("curvature.fig_training_title"))
    ax1.legend(loc="center", bbox_to_anchor=(0.5, 0.7))
    lam = (r.lambda_min, r.lambda_max)
    fine = np.linspace(0, max(x.learning_rate for x in r.rates) * 1.05, 300)
    ax2.plot(fine * r.lambda_max, np.abs(1 - fine * r.lambda_max), color=c[0], lw=1, label="|1 − ηλ_max|")
    ax2.plot(fine * r.lambda_max, [theory.gd_rate(e, lam) for e in fine], color=c[2], lw=2.5, alpha=0.4,
             label=t("curvature.goh_rate"))
    for top, col, mk, label in ((True, c[0], "o", t("curvature.label_measured_top")),
                                (False, c[2], "x", t("curvature.label_measured_random"))):
        pts = [(x.learning_rate * r.lambda_max, x.rate) for x in r.rates if x.along_top == top and x.rate is not None]
        if pts:
            ax2.plot(*zip(*pts), mk, color=col, ms=7, mfc="none", label=label)
    ax2.axvline(2, color="#d62728", ls="--", lw=1, label="η = 2/λ_max")
    ax2.set(xlabel="η·λ_max", ylabel=t("curvature.label_factor"), title=t("curvature.fig_rate_title"), ylim=(0, 1.8))
    ax2.legend(loc="upper left", fontsize=9)
    betas = sorted({x.momentum for x in r.plane})
    grid = np.linspace(0, max(max(betas), 0.01), 100)
    ok = [(x.learning_rate * r.lambda_max, x.momentum) for x in r.plane if not x.diverged]
    bad = [(x.learning_rate * r.lambda_max, x.momentum) for x in r.plane if x.diverged]
    if ok:
        ax3.plot(*zip(*ok), "o", color="#2ca02c", ms=7, label=t("curvature.label_converged"))
    if bad:
        ax3.plot(*zip(*bad), "x", color="#d62728", ms=8, mew=2, label=t("curvature.label_diverged"))
    ax3.plot(2 * (1 + grid), grid, "k-", lw=1.2, label="ηλ_max = 2(1 + β)")
    a = np.linspace(0, max(x.learning_rate for x in r.plane) * r.lambda_max * 1.05, 200)
    ax3.plot(a, (1 - np.sqrt(a)) ** 2, color="#7f7f7f", ls="--", lw=1, label=t("curvature.label_critical"))
    ax3.set(xlabel="η·λ_max", ylabel=t("curvature.label_momentum_beta"), title=t("curvature.fig_plane_title"),
            ylim=(-0.05, 1.0))
    legend_outside(ax3)
    return fig


def figures(r: CurvatureResult, out: Path) -> list[tuple[str, Path]]:
    return [(t("curvature.caption_fig"), save(curvature(r), out / "curvature.png"))]
