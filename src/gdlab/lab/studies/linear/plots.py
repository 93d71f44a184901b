"""The linear study's figures: the data and the parabola with each run's iterates, and the first steps per η.

Points outside the frame are drawn as arrows at its edge and named, all of them, in one line per run;
iteration colouring has a colour key. Nothing here trains.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np

from gdlab.i18n import join, t
from gdlab.lab.studies.linear.experiment import LinearResult, run_name
from gdlab.reporting.figures import figure, integer_xticks, legend_outside, save, styled

REGIME_COLORS = {"too small": "#7f7f7f", "good": "#2ca02c", "oscillating": "#ff7f0e", "diverging": "#d62728"}
FIRST = 12  # iterates of each run drawn on the parabola


def _off_frame(ax, xs, ys, x_range, y_range, color) -> str | None:
    """Points outside the frame: an arrow at the edge nearest each one (unlabelled, so nothing piles up), and
    one line naming every such iteration — listed when there are few, summarised when there are many."""
    (x0, x1), (y0, y1) = x_range, y_range
    off = [(k, x, y) for k, (x, y) in enumerate(zip(xs, ys)) if not (x0 <= x <= x1 and y0 <= y <= y1)]
    for k, x, y in off:
        dx = 0 if x0 <= x <= x1 else (1 if x > x1 else -1)
        dy = 0 if y0 <= y <= y1 else (1 if y > y1 else -1)
        cx, cy = min(max(x, x0), x1), min(max(y, y0), y1)
        ax.annotate("", xy=(cx, cy), xytext=(cx - dx * (x1 - x0) * 0.06, cy - dy * (y1 - y0) * 0.08),
                    arrowprops={"arrowstyle": "-|>", "color": color, "lw": 1.2})
    if not off:
        return None
    ks = [k for k, _, _ in off]
    if len(off) <= 3:
        listed = dict(iterations=join(map(str, ks)), ws=join(f"{x:.3g}" for _, x, _ in off))
        return t("linear.off_frame_few", **listed) if len(off) > 1 else t("linear.off_frame_one", **listed)
    far = max(off, key=lambda o: abs(o[1]))
    return t("linear.off_frame_many", first=ks[0], last=ks[-1], count=len(off), w=f"{far[1]:.3g}", at=far[0])


def _notes(ax, notes):
    """The off-frame notes at the top centre (between the parabola's arms), one per run in the run's colour,
    stacked so that they never overlap; kept out of the layout so they cannot squeeze the panels."""
    for i, (text, color) in enumerate((text, c) for text, c in notes if text):
        ax.annotate(text, (0.5, 0.97), xycoords="axes fraction", xytext=(0, -28 * i), textcoords="offset points",
                    color=color, fontsize=9, ha="center", va="top", in_layout=False,
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.0})


@styled
def linear_fit(r):
    fig = figure()
    ax1, ax2, ax3 = fig.subplots(1, 3)
    xs = np.linspace(0, r.x.max() * 1.05, 50)
    ax1.scatter(r.x[:, 0], r.y[:, 0], s=12, color="#1f77b4", label=t("linear.label_houses"))
    ax1.plot(xs, r.w_star * xs, color="k", lw=1.5, label=t("linear.label_least_squares", w=f"{r.w_star:.3f}"))
    ax1.plot(xs, r.w_fitted * xs, color=REGIME_COLORS["good"], ls="--", lw=1.5,
             label=t("linear.label_fit", w=f"{r.w_fitted:.3f}"))
    ax1.set(xlabel=t("linear.axis_area"), ylabel=t("linear.axis_price"), title=t("linear.fig_data_title"))
    ax1.legend(loc="upper left")
    span = max(abs(r.w_star - r.w_init) * 1.6, 1.0)
    ws = np.linspace(r.w_star - span, r.w_star + span, 300)
    top = float(r.loss(r.w_star - span) * 1.05)
    ax2.plot(ws, r.loss(ws), color="k", lw=1.2)
    notes = []
    for run in r.runs:
        c = REGIME_COLORS.get(run.label)
        path = run.w_path[:FIRST]
        ax2.plot(path, r.loss(path), "o-", ms=3, lw=0.8, color=c,
                 label=t("linear.label_run", run=run_name(run.label), eta_lambda=f"{run.eta_lambda:g}"))
        notes.append((_off_frame(ax2, path, r.loss(path), (ws[0], ws[-1]), (0, top), c), c))
    _notes(ax2, notes)
    ax2.axvline(r.w_star, color="k", ls=":", lw=0.8)
    ax2.set(xlabel="w", ylabel="L(w) = mean((w·x − y)²)", title=t("linear.fig_parabola_title", first=FIRST),
            xlim=(ws[0], ws[-1]), ylim=(0, top))
    for run in r.runs:
        ax3.semilogy(np.maximum(run.loss_path - r.loss(r.w_star), 1e-14), "o-", ms=2.5, lw=1,
                     color=REGIME_COLORS.get(run.label), label=run_name(run.label))
    ax3.set(xlabel=t("linear.axis_iteration"), ylabel="L(w) − L(w*)", title=t("linear.fig_gap_title"))
    integer_xticks(ax3)
    legend_outside(ax3)
    return fig


@styled
def linear_paths(r):
    """One panel per learning rate: the walk on the parabola, coloured by iteration, with a colour key."""
    fig = figure((12.0, 3.6))
    axes = np.atleast_1d(fig.subplots(1, len(r.runs)))
    span = max(abs(r.w_star - r.w_init) * 1.6, 1.0)
    ws = np.linspace(r.w_star - span, r.w_star + span, 300)
    top = float(r.loss(ws[0]) * 1.05)
    shown = 8
    norm = matplotlib.colors.Normalize(0, shown - 1)
    for ax, run in zip(axes, r.runs):
        ax.plot(ws, r.loss(ws), color="k", lw=1)
        path = run.w_path[:shown]
        inside = (path >= ws[0]) & (path <= ws[-1]) & (r.loss(path) <= top)
        ax.plot(path[inside], r.loss(path[inside]), "-", color=REGIME_COLORS.get(run.label), lw=0.8)
        sc = ax.scatter(path[inside], r.loss(path[inside]), c=np.arange(len(path))[inside], cmap="viridis",
                        norm=norm, s=18, zorder=3)
        for k in np.flatnonzero(inside)[:4]:
            ax.annotate(str(k), (path[k], r.loss(path[k])), textcoords="offset points", xytext=(3, 4), fontsize=9)
        c = REGIME_COLORS.get(run.label)
        _notes(ax, [(_off_frame(ax, path, r.loss(path), (ws[0], ws[-1]), (0, top), c), c)])
        ax.set(title=t("linear.fig_path_title", run=run_name(run.label), eta=f"{run.learning_rate:.3g}",
                       eta_lambda=f"{run.eta_lambda:g}"), xlabel="w",
               xlim=(ws[0], ws[-1]), ylim=(0, top))
    axes[0].set_ylabel("L(w)")
    fig.colorbar(sc, ax=list(axes), label=t("linear.axis_iteration"), ticks=range(shown), shrink=0.9)
    return fig


def figures(r: LinearResult, out: Path) -> list[tuple[str, Path]]:
    """(caption, PNG path) of each figure, written under ``out``."""
    return [(t("linear.fig_fit"), save(linear_fit(r), out / "linear.png")),
            (t("linear.fig_paths"), save(linear_paths(r), out / "linear_paths.png"))]
