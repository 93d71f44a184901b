"""The regimes study's figure: the full-data loss against iterations, epochs and time; the batch losses."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gdlab.lab.studies.regimes.experiment import RegimesResult
from gdlab.reporting.figures import colors, four_panels, integer_xticks, legend_outside, save, styled


@styled
def regimes(r):
    fig, ((a1, a2), (a3, a4)) = four_panels()
    for run, c in zip(r.runs, colors(len(r.runs))):
        label = f"{run.label} (B = {run.batch_size})"
        later = run.iterations > 0
        marker = "o" if later.sum() < 50 else None
        a1.loglog(run.iterations[later], run.full_loss[later], "-", marker=marker, ms=3, color=c, label=label)
        a2.semilogy(np.arange(len(run.epoch_loss)), run.epoch_loss, "o-", ms=3, color=c, label=label)
        a3.loglog(run.estimated_seconds[later], run.full_loss[later], "-", marker=marker, ms=3, color=c, label=label)
        first = run.batch_loss[:100]
        a4.semilogy(np.arange(1, len(first) + 1), first, "-", marker="o" if len(first) < 50 else None, ms=3,
                    lw=0.9, color=c, alpha=0.8, label=label)
    a1.set(xlabel="iteration", ylabel="full-data loss", title="against iterations (weight updates)")
    a2.set(xlabel="epoch", ylabel="full-data loss", title="against epochs (passes over the data)")
    integer_xticks(a2)
    a3.set(xlabel="estimated seconds (iterations × median step time)", ylabel="full-data loss",
           title="against time")
    a4.set(xlabel="iteration", ylabel="loss of the iteration's batch",
           title="the noise: the first 100 iterations' batch losses")
    legend_outside(a2)
    legend_outside(a4)
    return fig


def figures(r: RegimesResult, out: Path) -> list[tuple[str, Path]]:
    return [("Full-data loss against iterations, epochs and estimated time (iterations × median step "
             "time); the batch loss of each iteration", save(regimes(r), out / "regimes.png"))]
