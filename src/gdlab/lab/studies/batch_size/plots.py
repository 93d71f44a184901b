"""The batch-size study's figure: steps and samples to target against B with the fits and the three
regimes; validation accuracy per step at each B's tuned η; time to target."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gdlab.i18n import t
from gdlab.lab.studies.batch_size.names import regime_name
from gdlab.lab.studies.batch_size.results import BatchSizeResult
from gdlab.reporting.figures import figure, legend_outside, line_styles, save, styled


REGIME_SHADES = {"perfect scaling": "#d8ecd8", "diminishing returns": "#fbeccf", "no further gain": "#f5d5d5"}


@styled
def batch_size(r):
    fig = figure((12.0, 8.0))
    (a1, a2), (a3, a4) = fig.subplots(2, 2)
    done = [x for x in r.runs if x.steps_to_target is not None]
    bs = np.array([x.batch_size for x in done], dtype=float)
    steps = np.array([x.steps_to_target for x in done], dtype=float)
    b_all = np.array([x.batch_size for x in r.runs], dtype=float)
    grid = np.geomspace(b_all.min() / 1.5, b_all.max() * 1.5, 200)
    if r.fit is not None:
        f = r.fit
        edges = [grid[0], f.b_noise / 4, 4 * f.b_noise, grid[-1]]
        for a in (a1, a2):
            for (lo, hi), (name, shade) in zip(zip(edges, edges[1:]), REGIME_SHADES.items()):
                if hi > lo:
                    a.axvspan(max(lo, grid[0]), min(hi, grid[-1]), color=shade, lw=0, label=str(regime_name(name)))
        a1.loglog(grid, f.steps(grid), "k--", lw=1,
                  label=f"S_min(1 + B_noise/B): S_min = {f.s_min:.0f}, B_noise = {f.b_noise:.0f}")
        a2.loglog(grid, f.samples(grid), "k--", lw=1, label=f"E_min(1 + B/B_noise): E_min = {f.e_min:,.0f}")
        a1.loglog(grid, f.s_min * f.b_noise / grid, ":", color="#2ca02c", lw=1,
                  label=t("batch_size.label_perfect_scaling"))
    a1.loglog(bs, steps, "o", color="#1f77b4", ms=6, label=t("batch_size.label_measured_tuned"))
    for x in done:
        a1.annotate(f"η={x.tuned_lr:g}", (x.batch_size, x.steps_to_target), textcoords="offset points",
                    xytext=(4, 4), fontsize=9)
    a2.loglog(bs, steps * bs, "s", color="#1f77b4", ms=6, label=t("batch_size.label_measured"))
    if r.b_simple and np.isfinite(r.b_simple):
        for a in (a1, a2):
            a.axvline(r.b_simple, color="#9467bd", lw=1.2,
                      label=t("batch_size.label_b_simple", b_simple=f"{r.b_simple:.0f}"))
    if r.recommended is not None:
        a1.axvline(r.recommended, color="#2ca02c", lw=1.5, ls="-.",
                   label=t("batch_size.label_recommended", b=r.recommended))
    a1.set(xlabel=t("batch_size.axis_batch_size"), ylabel=t("batch_size.axis_steps"),
           title=t("batch_size.fig_steps_title"), xlim=(grid[0], grid[-1]))
    if steps.size:
        a1.set_ylim(steps.min() / 2, steps.max() * 2)
    a2.set(xlabel=t("batch_size.axis_batch_size"), ylabel=t("batch_size.axis_samples"),
           title=t("batch_size.fig_samples_title"),
           xlim=(grid[0], grid[-1]))
    legend_outside(a1)
    legend_outside(a2)
    for x, (c, ls) in zip(r.runs, line_styles(len(r.runs))):
        row = x.tuned_row
        if row and row["checks"]:
            ck = np.array(row["checks"])
            a3.semilogx(ck[:, 0], ck[:, 1], color=c, ls=ls, label=f"B = {x.batch_size}, η = {x.tuned_lr:g}")
    a3.axhline(r.settings.target_accuracy, color="k", ls=":", lw=0.8)
    a3.set(xlabel=t("batch_size.axis_step"), ylabel=t("batch_size.axis_val_accuracy"),
           title=t("batch_size.fig_accuracy_title"), ylim=(0, 1))
    legend_outside(a3)
    sec = [x.seconds_to_target for x in r.runs]
    ys = np.arange(len(r.runs))
    for k, (x, time) in enumerate(zip(r.runs, sec)):
        if time is None:
            a4.annotate(t("batch_size.label_not_reached"), (0, k), xytext=(4, 0), textcoords="offset points",
                        va="center", fontsize=9)
            continue
        col = "#2ca02c" if x.batch_size == r.recommended else "#1f77b4"
        a4.barh(k, time.median, color=col, alpha=0.8)
        a4.errorbar(time.median, k, xerr=[[time.median - time.low], [time.high - time.median]], color="k", capsize=3,
                    lw=1)
    a4.set(yticks=ys, yticklabels=[f"B = {x.batch_size}" for x in r.runs], xlabel=t("batch_size.axis_seconds"),
           title=t("batch_size.fig_time_title"))
    a4.invert_yaxis()
    return fig


def figures(r: BatchSizeResult, out: Path) -> list[tuple[str, Path]]:
    return [(t("batch_size.figure"), save(batch_size(r), out / "batch_size.png"))]
