"""The compare study's figure: training and validation loss and accuracy per epoch, one line per optimizer."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gdlab.i18n import t
from gdlab.lab.studies.compare.experiment import CompareResult
from gdlab.reporting.figures import four_panels, integer_xticks, legend_outside, line_styles, save, styled


@styled
def compare(r):
    fig, ((a1, a2), (a3, a4)) = four_panels()
    for run, (c, ls) in zip(r.runs, line_styles(len(r.runs))):
        h = run.history
        e = np.arange(1, len(h["loss"]) + 1)
        a1.semilogy(e, h["loss"], color=c, ls=ls, label=run.label)
        a2.semilogy(e, h["val_loss"], color=c, ls=ls, label=f"{run.label} (η = {run.learning_rate:g})")
        a3.plot(e, h["accuracy"], color=c, ls=ls, label=run.label)
        a4.plot(e, h["val_accuracy"], color=c, ls=ls, label=run.label)
    for a, title in ((a1, t("compare.fig_train_loss")), (a2, t("compare.fig_val_loss")),
                     (a3, t("compare.fig_train_accuracy")), (a4, t("compare.fig_val_accuracy"))):
        a.set(xlabel=t("compare.axis_epoch"), title=title)
        integer_xticks(a)
    a4.axhline(r.settings.target_accuracy, color="k", ls=":", lw=0.8)
    legend_outside(a2)
    lo = min(min(run.history["val_accuracy"]) for run in r.runs)
    for a in (a3, a4):
        a.set_ylim(max(0.0, min(lo, 0.5) - 0.02), 1.0)
    return fig


def figures(r: CompareResult, out: Path) -> list[tuple[str, Path]]:
    return [(t("compare.figure"), save(compare(r), out / "compare.png"))]
