"""Results → matplotlib figures. Nothing here trains.

Figures are ``matplotlib.figure.Figure`` objects (no pyplot, no backend
switch) built inside ``matplotlib.rc_context(STYLE)``, so importing or using
this module leaves matplotlib's global settings as they were. Every figure has
a fixed size in pixels (size × ``DPI``); ``save`` writes a PNG.

Figures that cannot mislead: points outside the frame are drawn as arrows at
its edge with their value; legends sit outside the data; oscillating paths are
thin and translucent; many series differ in line style as well as colour;
iteration colouring has a colour key.
"""

from __future__ import annotations

from pathlib import Path  # noqa: F401

import matplotlib
import numpy as np

from gdlab.reporting.figures import (DPI, TALL, WIDE, colors, figure as _figure, four_panels as _four_panels,  # noqa: F401
                                     integer_xticks as _integer_xticks, legend_outside as _legend_outside,
                                     line_styles, save, styled)

REGIME_COLORS = {"too small": "#7f7f7f", "good": "#2ca02c", "oscillating": "#ff7f0e", "diverging": "#d62728"}


def _edge_arrows(ax, xs, ys, x_range, y_range, color):
    """Points outside the frame: an arrow at the nearest edge, labelled with the latest such point's
    iteration and value (one label per side, so labels do not pile up)."""
    (x0, x1), (y0, y1) = x_range, y_range
    latest = {}
    for k, (x, y) in enumerate(zip(xs, ys)):
        if x0 <= x <= x1 and y0 <= y <= y1:
            continue
        side = (0 if x0 <= x <= x1 else (1 if x > x1 else -1), 0 if y0 <= y <= y1 else (1 if y > y1 else -1))
        latest[side] = (k, x, y)
    for (dx, dy), (k, x, y) in latest.items():
        cx, cy = min(max(x, x0), x1), min(max(y, y0), y1)
        w, h = (x1 - x0) * 0.06, (y1 - y0) * 0.08
        ax.annotate("", xy=(cx, cy), xytext=(cx - dx * w, cy - dy * h),
                    arrowprops={"arrowstyle": "-|>", "color": color, "lw": 1.2})
        ax.annotate(f"iteration {k}: w = {x:.3g}", (cx - dx * w, cy - dy * h), fontsize=7, color=color,
                    ha="right" if dx > 0 else "left", va="top" if dy > 0 else "bottom")


def _envelope(values: np.ndarray, window: int = 25) -> tuple[np.ndarray, np.ndarray]:
    """Running minimum and maximum over ``window`` steps: an oscillation drawn as two thin lines."""
    pad = np.concatenate([np.full(window - 1, values[0]), values])
    view = np.lib.stride_tricks.sliding_window_view(pad, window)
    return view.min(axis=1), view.max(axis=1)


# -- y = w·x ----------------------------------------------------------------------------------------
@styled
def linear_fit(r):
    fig = _figure()
    ax1, ax2, ax3 = fig.subplots(1, 3)
    xs = np.linspace(0, r.x.max() * 1.05, 50)
    ax1.scatter(r.x[:, 0], r.y[:, 0], s=12, color="#1f77b4", label="houses")
    ax1.plot(xs, r.w_star * xs, color="k", lw=1.5, label=f"least squares w* = {r.w_star:.3f}")
    ax1.plot(xs, r.w_fitted * xs, color=REGIME_COLORS["good"], ls="--", lw=1.5, label=f"gdlab fit w = {r.w_fitted:.3f}")
    ax1.set(xlabel="area x (100 m²)", ylabel="price y (100k)", title="the data and the line y = w·x")
    ax1.legend(loc="upper left")
    span = max(abs(r.w_star - r.w_init) * 1.6, 1.0)
    ws = np.linspace(r.w_star - span, r.w_star + span, 300)
    top = float(r.loss(r.w_star - span) * 1.05)
    ax2.plot(ws, r.loss(ws), color="k", lw=1.2)
    for run in r.runs:
        c = REGIME_COLORS.get(run.label)
        path = run.w_path[:12]
        ax2.plot(path, r.loss(path), "o-", ms=3, lw=0.8, color=c, label=f"{run.label}: η·λ = {run.eta_lambda:g}")
        _edge_arrows(ax2, path, r.loss(path), (ws[0], ws[-1]), (0, top), c)
    ax2.axvline(r.w_star, color="k", ls=":", lw=0.8)
    ax2.set(xlabel="w", ylabel="L(w) = mean((w·x − y)²)", title="the parabola and the first 12 iterates",
            xlim=(ws[0], ws[-1]), ylim=(0, top))
    for run in r.runs:
        ax3.semilogy(np.maximum(run.loss_path - r.loss(r.w_star), 1e-14), "o-", ms=2.5, lw=1,
                     color=REGIME_COLORS.get(run.label), label=run.label)
    ax3.set(xlabel="iteration", ylabel="L(w) − L(w*)", title="loss gap against iteration")
    _integer_xticks(ax3)
    _legend_outside(ax3)
    return fig


@styled
def linear_paths(r):
    """One panel per learning rate: the walk on the parabola, coloured by iteration, with a colour key."""
    fig = _figure((12.0, 3.6))
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
            ax.annotate(str(k), (path[k], r.loss(path[k])), textcoords="offset points", xytext=(3, 4), fontsize=7)
        _edge_arrows(ax, path, r.loss(path), (ws[0], ws[-1]), (0, top), REGIME_COLORS.get(run.label))
        ax.set(title=f"{run.label}: η = {run.learning_rate:.3g} ({run.eta_lambda:g}/λ)", xlabel="w",
               xlim=(ws[0], ws[-1]), ylim=(0, top))
    axes[0].set_ylabel("L(w)")
    fig.colorbar(sc, ax=list(axes), label="iteration", ticks=range(shown), shrink=0.9)
    return fig


# -- regimes ------------------------------------------------------------------------------------------
@styled
def regimes(r):
    fig, ((a1, a2), (a3, a4)) = _four_panels()
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
    _integer_xticks(a2)
    a3.set(xlabel="estimated seconds (iterations × median step time)", ylabel="full-data loss",
           title="against time")
    a4.set(xlabel="iteration", ylabel="loss of the iteration's batch",
           title="the noise: the first 100 iterations' batch losses")
    _legend_outside(a2)
    _legend_outside(a4)
    return fig


# -- momentum ----------------------------------------------------------------------------------------
@styled
def momentum(r):
    from gdlab.lab import surfaces as surf

    bowl = surf.get("bowl")
    fig = _figure()
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
    _legend_outside(ax2)
    return fig


# -- surfaces ------------------------------------------------------------------------------------------
@styled
def surface_race(r):
    s = r.surface
    fig = _figure((9.0, 7.6))
    ax1, ax2 = fig.subplots(2, 1, height_ratios=[1.25, 1])
    x0, x1, y0, y1 = s.window
    X, Y = np.meshgrid(np.linspace(x0, x1, 300), np.linspace(y0, y1, 300))
    Z = s.f(np.stack([X, Y])) - s.f_min
    levels = np.logspace(-2, np.log10(max(Z.max(), 1)), 25) if s.log_contours else 25
    ax1.contour(X, Y, Z, levels=levels, cmap="Greys", linewidths=0.6, alpha=0.7)
    for race, (c, ls) in zip(r.races, line_styles(len(r.races))):
        p = race.path
        ok = np.all(np.isfinite(p), axis=1) & (p[:, 0] > x0 - 1) & (p[:, 0] < x1 + 1) & (p[:, 1] > y0 - 1) \
            & (p[:, 1] < y1 + 1)
        thin = {"lw": 0.5, "alpha": 0.35} if race.oscillating or race.settled is None else {"lw": 1.2, "alpha": 0.95}
        ax1.plot(p[ok, 0], p[ok, 1], color=c, ls=ls, **thin, label=race.optimizer)
        gap = np.maximum(np.nan_to_num(race.gap, nan=1e300, posinf=1e300), 1e-16)
        label = race.optimizer + (f" (settled {race.settled})" if race.settled is not None else "")
        if race.oscillating:  # its envelope: two thin lines instead of a painted block
            lo, hi = _envelope(gap)
            ax2.semilogy(hi, color=c, ls=ls, lw=0.7, alpha=0.7, label=label + ", envelope")
            ax2.semilogy(lo, color=c, ls=ls, lw=0.7, alpha=0.7)
        else:
            ax2.semilogy(gap, color=c, ls=ls, **thin, label=label)
        if race.settled is not None:
            ax2.plot(race.settled, max(race.gap[race.settled], 1e-16), "|", color=c, ms=10, mew=2)
    ax1.plot(*s.start, "ko", ms=5)
    ax1.plot(*s.minimum, "k*", ms=10)
    ax1.set(xlim=(x0, x1), ylim=(y0, y1), xlabel="x", ylabel="y", title=f"{s.name}: {s.formula}")
    ax2.axhline(r.tolerance, color="k", ls=":", lw=0.8)
    ax2.set(xlabel="step (|: settling step)", ylabel="f(θ) − f(θ*)", title="gap to the minimum",
            ylim=(1e-16, 10 * max(float(r.races[0].gap[0]), 0.1)))  # every race starts at the same gap
    _legend_outside(ax2, ncol=1)
    return fig


# -- optimizers on digits ------------------------------------------------------------------------
@styled
def compare(r):
    fig, ((a1, a2), (a3, a4)) = _four_panels()
    for run, (c, ls) in zip(r.runs, line_styles(len(r.runs))):
        h = run.history
        e = np.arange(1, len(h["loss"]) + 1)
        a1.semilogy(e, h["loss"], color=c, ls=ls, label=run.label)
        a2.semilogy(e, h["val_loss"], color=c, ls=ls, label=f"{run.label} (η = {run.learning_rate:g})")
        a3.plot(e, h["accuracy"], color=c, ls=ls, label=run.label)
        a4.plot(e, h["val_accuracy"], color=c, ls=ls, label=run.label)
    for a, t in ((a1, "training loss"), (a2, "validation loss"), (a3, "training accuracy"),
                 (a4, "validation accuracy")):
        a.set(xlabel="epoch", title=t)
        _integer_xticks(a)
    a4.axhline(r.settings.target_accuracy, color="k", ls=":", lw=0.8)
    _legend_outside(a2)
    lo = min(min(run.history["val_accuracy"]) for run in r.runs)
    for a in (a3, a4):
        a.set_ylim(max(0.0, min(lo, 0.5) - 0.02), 1.0)
    return fig


# -- batch size ------------------------------------------------------------------------------------
REGIME_SHADES = {"perfect scaling": "#d8ecd8", "diminishing returns": "#fbeccf", "no further gain": "#f5d5d5"}


@styled
def batch_size(r):
    fig = _figure((12.0, 8.0))
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
                    a.axvspan(max(lo, grid[0]), min(hi, grid[-1]), color=shade, lw=0, label=name)
        a1.loglog(grid, f.steps(grid), "k--", lw=1,
                  label=f"S_min(1 + B_noise/B): S_min = {f.s_min:.0f}, B_noise = {f.b_noise:.0f}")
        a2.loglog(grid, f.samples(grid), "k--", lw=1, label=f"E_min(1 + B/B_noise): E_min = {f.e_min:,.0f}")
        a1.loglog(grid, f.s_min * f.b_noise / grid, ":", color="#2ca02c", lw=1, label="perfect scaling S ∝ 1/B")
    a1.loglog(bs, steps, "o", color="#1f77b4", ms=6, label="measured at tuned η")
    for x in done:
        a1.annotate(f"η={x.tuned_lr:g}", (x.batch_size, x.steps_to_target), textcoords="offset points",
                    xytext=(4, 4), fontsize=7)
    a2.loglog(bs, steps * bs, "s", color="#1f77b4", ms=6, label="measured")
    if r.b_simple and np.isfinite(r.b_simple):
        for a in (a1, a2):
            a.axvline(r.b_simple, color="#9467bd", lw=1.2, label=f"measured B_simple = {r.b_simple:.0f}")
    if r.recommended is not None:
        a1.axvline(r.recommended, color="#2ca02c", lw=1.5, ls="-.", label=f"recommended B = {r.recommended}")
    a1.set(xlabel="batch size B", ylabel="steps to target", title="steps to target (log–log)", xlim=(grid[0], grid[-1]))
    if steps.size:
        a1.set_ylim(steps.min() / 2, steps.max() * 2)
    a2.set(xlabel="batch size B", ylabel="samples to target", title="samples to target (log–log)",
           xlim=(grid[0], grid[-1]))
    _legend_outside(a1)
    _legend_outside(a2)
    for x, (c, ls) in zip(r.runs, line_styles(len(r.runs))):
        row = x.tuned_row
        if row and row["checks"]:
            ck = np.array(row["checks"])
            a3.semilogx(ck[:, 0], ck[:, 1], color=c, ls=ls, label=f"B = {x.batch_size}, η = {x.tuned_lr:g}")
    a3.axhline(r.settings.target_accuracy, color="k", ls=":", lw=0.8)
    a3.set(xlabel="step", ylabel="validation accuracy", title="validation accuracy at each B's tuned η", ylim=(0, 1))
    _legend_outside(a3)
    sec = [x.seconds_to_target for x in r.runs]
    ys = np.arange(len(r.runs))
    for k, (x, t) in enumerate(zip(r.runs, sec)):
        if t is None:
            a4.annotate("not reached", (0, k), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
            continue
        col = "#2ca02c" if x.batch_size == r.recommended else "#1f77b4"
        a4.barh(k, t.median, color=col, alpha=0.8)
        a4.errorbar(t.median, k, xerr=[[t.median - t.low], [t.high - t.median]], color="k", capsize=3, lw=1)
    a4.set(yticks=ys, yticklabels=[f"B = {x.batch_size}" for x in r.runs], xlabel="seconds to target "
           "(steps × median step time; bar: lowest–highest)", title="time to target at the tuned η")
    a4.invert_yaxis()
    return fig


# -- learning-rate range test ---------------------------------------------------------------------
@styled
def lr_range(r):
    f = r.finder
    fig = _figure((9.5, 4.2))
    ax = fig.subplots()
    ax.loglog(f.learning_rates, f.losses, color="#aaaaaa", lw=0.8, label="batch loss")
    ax.loglog(f.learning_rates, f.smoothed, color="#1f77b4", lw=1.5, label="moving average, bias-corrected 1/(1 − βᵗ)")
    if f.suggestion:
        ax.axvline(f.suggestion, color="#2ca02c", ls="--", label=f"suggestion {f.suggestion:.3g}")
    ax.axvline(r.one_step_lr, color="k", ls=":", label=f"1/λ = {r.one_step_lr:.3g}")
    ax.axvline(2 * r.one_step_lr, color="#d62728", ls=":", label=f"2/λ = {2 * r.one_step_lr:.3g}")
    o = r.overshoot()
    if o is not None:
        ax.plot(f.learning_rates[o["stopped"]], f.losses[o["stopped"]], "v", color="#d62728",
                label=f"stopped at η = {o['stopped_lr']:.3g}")
    ax.set(xlabel="learning rate η", ylabel="loss", title="learning-rate range test on y = w·x")
    _legend_outside(ax)
    return fig


# -- activations ------------------------------------------------------------------------------
@styled
def activations(r):
    names = list(r.values)
    cols = 5
    rows = int(np.ceil(len(names) / cols))
    fig = _figure((12.0, 2.6 * rows))
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for ax, name in zip(axes, names):
        ax.plot(r.z, r.values[name], color="#1f77b4", label="f(z)")
        ax.plot(r.z, r.derivatives[name], color="#ff7f0e", ls="--", label="f′(z)")
        ax.set(title=name if name != "softmax" else "softmax([z, 0])₀", xlabel="z")
        ax.axhline(0, color="k", lw=0.5)
    for ax in axes[len(names):]:
        ax.axis("off")
    handles = axes[0].get_legend_handles_labels()
    if len(names) < len(axes):
        axes[-1].legend(*handles, loc="center")  # in the empty panel, not over a curve
    else:
        fig.legend(*handles, loc="outside lower center", ncol=2)
    return fig
