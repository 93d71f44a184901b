"""The range test's figure: loss against η, the smoothed loss, the suggestion, 1/λ and 2/λ."""

from __future__ import annotations

from pathlib import Path

from gdlab.lab.studies.lr_find.experiment import LRRangeResult
from gdlab.reporting.figures import figure, legend_outside, save, styled


@styled
def lr_range(r):
    f = r.finder
    fig = figure((9.5, 4.2))
    ax = fig.subplots()
    ax.loglog(f.learning_rates, f.losses, color="#aaaaaa", lw=0.8, label="batch loss")
    ax.loglog(f.learning_rates, f.smoothed, color="#1f77b4", lw=1.5, label="moving average, bias-corrected 1/(1 − βᵗ)")
    if f.band is not None:
        lo, hi = f.band
        ax.fill_between(f.learning_rates[:len(lo)], lo, hi, color="#1f77b4", alpha=0.2,
                        label=f"moving average: min–max over {len(f.repeats)} seeds")
    if f.suggestion:
        ax.axvline(f.suggestion, color="#2ca02c", ls="--", label=f"suggestion {f.suggestion:.3g}" + (" (at the edge of the range)" if f.at_edge else ""))
    ax.axvline(r.one_step_lr, color="k", ls=":", label=f"1/λ = {r.one_step_lr:.3g}")
    ax.axvline(2 * r.one_step_lr, color="#d62728", ls=":", label=f"2/λ = {2 * r.one_step_lr:.3g}")
    o = r.overshoot()
    if o is not None:
        ax.plot(f.learning_rates[o["stopped"]], f.losses[o["stopped"]], "v", color="#d62728",
                label=f"stopped at η = {o['stopped_lr']:.3g}")
    ax.set(xlabel="learning rate η", ylabel="loss", title="learning-rate range test on y = w·x")
    legend_outside(ax)
    return fig


def figures(r: LRRangeResult, out: Path) -> list[tuple[str, Path]]:
    return [("Loss against η (log–log): the batch loss, its bias-corrected moving average with its range over "
             "the seeds, the suggestion (the seeds' median) "
             "and the theory's 1/λ and 2/λ", save(lr_range(r), out / "lr_find.png"))]
