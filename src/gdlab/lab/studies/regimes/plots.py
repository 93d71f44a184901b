"""The regimes study's figure: the full-data loss against iterations, epochs and time; the batch losses."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gdlab.i18n import t
from gdlab.lab.studies.regimes.experiment import RegimesResult, regime_name
from gdlab.reporting.figures import colors, four_panels, integer_xticks, legend_outside, save, styled

FIRST = 100  # iterations whose batch losses are drawn


@styled
def regimes(r):
    fig, ((a1, a2), (a3, a4)) = four_panels()
    for run, c in zip(r.runs, colors(len(r.runs))):
        label = t("regimes.label_run", run=regime_name(run.label), batch=run.batch_size)
        later = run.iterations > 0
        marker = "o" if later.sum() < 50 else None
        a1.loglog(run.iterations[later], run.full_loss[later], "-", marker=marker, ms=3, color=c, label=label)
        a2.semilogy(np.arange(len(run.epoch_loss)), run.epoch_loss, "o-", ms=3, color=c, label=label)
        a3.loglog(run.estimated_seconds[later], run.full_loss[later], "-", marker=marker, ms=3, color=c, label=label)
        first = run.batch_loss[:FIRST]
        a4.semilogy(np.arange(1, len(first) + 1), first, "-", marker="o" if len(first) < 50 else None, ms=3,
                    lw=0.9, color=c, alpha=0.8, label=label)
    a1.set(xlabel=t("regimes.axis_iteration"), ylabel=t("regimes.axis_full_loss"),
           title=t("regimes.fig_iterations_title"))
    a2.set(xlabel=t("regimes.axis_epoch"), ylabel=t("regimes.axis_full_loss"), title=t("regimes.fig_epochs_title"))
    integer_xticks(a2)
    a3.set(xlabel=t("regimes.axis_seconds"), ylabel=t("regimes.axis_full_loss"), title=t("regimes.fig_time_title"))
    a4.set(xlabel=t("regimes.axis_iteration"), ylabel=t("regimes.axis_batch_loss"),
           title=t("regimes.fig_noise_title", first=FIRST))
    legend_outside(a2)
    legend_outside(a4)
    return fig


def figures(r: RegimesResult, out: Path) -> list[tuple[str, Path]]:
    return [(t("regimes.fig"), save(regimes(r), out / "regimes.png"))]
