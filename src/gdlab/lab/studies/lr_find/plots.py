"""The range test's figure: loss against η, the smoothed loss, the suggestion, 1/λ and 2/λ."""

from __future__ import annotations

from pathlib import Path

from gdlab.i18n import t
from gdlab.lab.studies.lr_find.experiment import LRRangeResult
from gdlab.reporting.figures import figure, legend_outside, save, styled


@styled
def lr_range(r):
    f = r.finder
    fig = figure((9.5, 4.2))
    ax = fig.subplots()
    ax.loglog(f.learning_rates, f.losses, color="#aaaaaa", lw=0.8, label=t("lr_find.label_batch_loss"))
    ax.loglog(f.learning_rates, f.smoothed, color="#1f77b4", lw=1.5, label=t("lr_find.label_moving_average"))
    if f.band is not None:
        lo, hi = f.band
        ax.fill_between(f.learning_rates[:len(lo)], lo, hi, color="#1f77b4", alpha=0.2,
                        label=t("lr_find.label_band", seeds=len(f.repeats)))
    if f.suggestion:
        ax.axvline(f.suggestion, color="#2ca02c", ls="--",
                   label=t("lr_find.label_suggestion_at_edge", lr=f"{f.suggestion:.3g}") if f.at_edge
                   else t("lr_find.label_suggestion", lr=f"{f.suggestion:.3g}"))
    ax.axvline(r.one_step_lr, color="k", ls=":", label=f"1/λ = {r.one_step_lr:.3g}")
    ax.axvline(2 * r.one_step_lr, color="#d62728", ls=":", label=f"2/λ = {2 * r.one_step_lr:.3g}")
    o = r.overshoot()
    if o is not None:
        ax.plot(f.learning_rates[o["stopped"]], f.losses[o["stopped"]], "v", color="#d62728",
                label=t("lr_find.label_stopped", lr=f"{o['stopped_lr']:.3g}"))
    ax.set(xlabel=t("lr_find.axis_lr"), ylabel=t("lr_find.axis_loss"), title=t("lr_find.fig_title"))
    legend_outside(ax)
    return fig


def figures(r: LRRangeResult, out: Path) -> list[tuple[str, Path]]:
    return [(t("lr_find.figure"), save(lr_range(r), out / "lr_find.png"))]
