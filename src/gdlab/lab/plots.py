"""Results → matplotlib figures (Agg backend, no display). Nothing here trains.

Every figure has a fixed size in pixels (``FIGSIZE`` × ``DPI``) so files are
predictable; ``save`` writes a PNG.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

DPI = 100
WIDE = (12.0, 4.2)
TALL = (12.0, 7.0)

plt.rcParams.update({"axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False,
                     "axes.spines.right": False, "font.size": 9, "legend.fontsize": 8})

REGIME_COLORS = {"too small": "#7f7f7f", "good": "#2ca02c", "oscillating": "#ff7f0e", "diverging": "#d62728"}


def colors(n: int):
    cmap = plt.get_cmap("tab20" if n > 10 else "tab10")
    return [cmap(i % cmap.N) for i in range(n)]


def save(fig, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, format="png")
    plt.close(fig)
    return path


def _figure(size=WIDE, **kw):
    return plt.figure(figsize=size, dpi=DPI, layout="constrained", **kw)


def _four_panels(n_series):
    """A 2 × 2 figure and one colour per series."""
    fig = _figure(TALL)
    return fig, fig.subplots(2, 2), colors(n_series)


# -- 1. y = w·x ----------------------------------------------------------------------------------
def linear_fit(r):
    fig = _figure()
    ax1, ax2, ax3 = fig.subplots(1, 3)
    xs = np.linspace(0, r.x.max() * 1.05, 50)
    ax1.scatter(r.x[:, 0], r.y[:, 0], s=12, color="#1f77b4", label="houses")
    ax1.plot(xs, r.w_star * xs, color="k", lw=1.5, label=f"least squares w* = {r.w_star:.3f}")
    ax1.plot(xs, r.w_fitted * xs, color=REGIME_COLORS["good"], ls="--", lw=1.5,
             label=f"gdlab fit w = {r.w_fitted:.3f}")
    ax1.set(xlabel="area x (100 m²)", ylabel="price y (100k)", title="the data and the line y = w·x")
    ax1.legend()
    span = max(abs(r.w_star - r.w_init) * 1.6, 1.0)
    ws = np.linspace(r.w_star - span, r.w_star + span, 300)
    ax2.plot(ws, r.loss(ws), color="k", lw=1.2)
    for run in r.runs:
        c = REGIME_COLORS.get(run.label, None)
        path = run.w_path[: 12 if run.label == "diverging" else len(run.w_path)]
        inside = np.abs(path - r.w_star) <= span
        ax2.plot(path[inside], r.loss(path[inside]), "o-", ms=3, lw=0.8, color=c,
                 label=f"{run.label}: η·λ = {run.eta_lambda:g}")
    ax2.axvline(r.w_star, color="k", ls=":", lw=0.8)
    ax2.set(xlabel="w", ylabel="L(w) = mean((w·x − y)²)", title="the loss parabola and the iterates",
            ylim=(0, r.loss(r.w_star - span) * 1.05))
    ax2.legend()
    for run in r.runs:
        ax3.semilogy(np.maximum(run.loss_path - r.loss(r.w_star), 1e-14), "o-", ms=2.5, lw=1,
                     color=REGIME_COLORS.get(run.label), label=run.label)
    ax3.set(xlabel="iteration", ylabel="L(w) − L(w*)", title="loss gap against iteration")
    ax3.legend()
    return fig


def linear_paths(r):
    """One panel per learning rate: the walk on the parabola, step by step."""
    fig = _figure((12.0, 3.6))
    axes = fig.subplots(1, len(r.runs))
    span = max(abs(r.w_star - r.w_init) * 1.6, 1.0)
    ws = np.linspace(r.w_star - span, r.w_star + span, 300)
    for ax, run in zip(np.atleast_1d(axes), r.runs):
        ax.plot(ws, r.loss(ws), color="k", lw=1)
        path = run.w_path[:8]
        shown = np.clip(path, ws[0], ws[-1])
        ax.plot(shown, r.loss(shown), "-", color=REGIME_COLORS.get(run.label), lw=0.8)
        ax.scatter(shown, r.loss(shown), c=np.arange(len(shown)), cmap="viridis", s=18, zorder=3)
        for k in range(min(4, len(shown))):
            ax.annotate(str(k), (shown[k], r.loss(shown[k])), textcoords="offset points", xytext=(3, 4), fontsize=7)
        ax.set(title=f"{run.label}: η = {run.learning_rate:.3g} ({run.eta_lambda:g}/λ)", xlabel="w",
               ylim=(0, r.loss(ws[0]) * 1.05))
    np.atleast_1d(axes)[0].set_ylabel("L(w)")
    return fig


# -- 2. regimes -------------------------------------------------------------------------------------
def regimes(r):
    fig, ((a1, a2), (a3, a4)), cs = _four_panels(len(r.runs))
    for run, c in zip(r.runs, cs):
        label = f"{run.label} (B = {run.batch_size})"
        later = run.iterations > 0
        a1.loglog(run.iterations[later], run.full_loss[later], "-", marker="o" if later.sum() < 50 else None,
                  ms=3, color=c, label=label)
        a2.semilogy(np.arange(len(run.epoch_loss)), run.epoch_loss, "o-", ms=3, color=c, label=label)
        a3.loglog(run.seconds[later], run.full_loss[later], "-", marker="o" if later.sum() < 50 else None,
                  ms=3, color=c, label=label)
        first = run.batch_loss[:100]
        a4.semilogy(np.arange(1, len(first) + 1), first, "-", marker="o" if len(first) < 50 else None, ms=3,
                    lw=0.9, color=c, label=label)
    a1.set(xlabel="iteration", ylabel="full-data loss", title="against iterations (weight updates)")
    a2.set(xlabel="epoch", ylabel="full-data loss", title="against epochs (passes over the data)")
    a3.set(xlabel="seconds", ylabel="full-data loss", title="against wall-clock time")
    a4.set(xlabel="iteration", ylabel="loss of the iteration's batch",
           title="the noise: the first 100 iterations' batch losses")
    for a in (a1, a2, a3, a4):
        a.legend()
    return fig


# -- 3. surfaces ------------------------------------------------------------------------------------
def surface_race(r):
    s = r.surface
    fig = _figure()
    ax1, ax2 = fig.subplots(1, 2, width_ratios=[1.2, 1])
    x0, x1, y0, y1 = s.window
    X, Y = np.meshgrid(np.linspace(x0, x1, 300), np.linspace(y0, y1, 300))
    Z = s.f(np.stack([X, Y])) - s.f_min
    levels = np.logspace(-2, np.log10(max(Z.max(), 1)), 25) if s.log_contours else 25
    ax1.contour(X, Y, Z, levels=levels, cmap="Greys", linewidths=0.6, alpha=0.7)
    cs = colors(len(r.races))
    for race, c in zip(r.races, cs):
        p = race.path
        ok = np.all(np.isfinite(p), axis=1) & (p[:, 0] > x0 - 1) & (p[:, 0] < x1 + 1) & (p[:, 1] > y0 - 1) & (p[:, 1] < y1 + 1)
        ax1.plot(p[ok, 0], p[ok, 1], color=c, lw=1.1, label=race.optimizer)
        ax2.semilogy(np.maximum(race.gap, 1e-16), color=c, lw=1.1, label=race.optimizer)
    ax1.plot(*s.start, "ko", ms=5)
    ax1.plot(*s.minimum, "k*", ms=10)
    ax1.set(xlim=(x0, x1), ylim=(y0, y1), xlabel="x", ylabel="y", title=f"{s.name}: {s.formula}")
    ax2.axhline(r.tolerance, color="k", ls=":", lw=0.8)
    ax2.set(xlabel="step", ylabel="f(θ) − f(θ*)", title="gap to the minimum", ylim=(1e-16, None))
    ax2.legend(ncol=2)
    return fig


# -- 4. optimizers on digits ------------------------------------------------------------------------
def compare(r):
    fig, ((a1, a2), (a3, a4)), cs = _four_panels(len(r.runs))
    for run, c in zip(r.runs, cs):
        h = run.history
        e = np.arange(1, len(h["loss"]) + 1)
        a1.semilogy(e, h["loss"], color=c, label=run.label)
        a2.semilogy(e, h["val_loss"], color=c, label=run.label)
        a3.plot(e, h["accuracy"], color=c, label=run.label)
        a4.plot(e, h["val_accuracy"], color=c, label=run.label)
    for a, t in ((a1, "training loss"), (a2, "validation loss"), (a3, "training accuracy"), (a4, "validation accuracy")):
        a.set(xlabel="epoch", title=t)
    a2.legend(ncol=3)
    a4.set_ylim(0.5, 1.0)
    a3.set_ylim(0.5, 1.0)
    return fig


# -- 5. batch size ------------------------------------------------------------------------------------
def batch_size(r):
    fig, ((a1, a2), (a3, a4)), cs = _four_panels(len(r.runs))
    for run, c in zip(r.runs, cs):
        label = f"B = {run.batch_size}"
        a1.semilogy(np.arange(len(run.val_loss)), run.val_loss, color=c, label=label)
        a2.semilogx(run.seconds[1:], run.val_accuracy[1:], color=c, label=label)
    a2.axhline(r.target_accuracy, color="k", ls=":", lw=0.8, label="target")
    a1.set(xlabel="epoch", ylabel="validation loss", title="convergence against epochs")
    a2.set(xlabel="seconds (training only)", ylabel="validation accuracy", title="accuracy against wall-clock time")
    a1.legend()
    a2.legend()
    labels = [str(run.batch_size) for run in r.runs]
    xs = np.arange(len(labels))
    a3.bar(xs, [run.samples_per_second for run in r.runs], color=cs)
    a3.set(xticks=xs, xticklabels=labels, xlabel="batch size", ylabel="samples / s", yscale="log",
           title="speed (bars) and memory of one step (line)")
    m = a3.twinx()
    m.plot(xs, [run.step_peak_bytes / 1024 for run in r.runs], "ko-", ms=3)
    m.set(ylabel="step peak KiB (tracemalloc)", yscale="log")
    m.grid(False)
    a4.plot(xs, [run.train_accuracy[-1] for run in r.runs], "o-", label="train accuracy")
    a4.plot(xs, [run.val_accuracy[-1] for run in r.runs], "s-", label="validation accuracy")
    a4.bar(xs, [run.generalisation_gap for run in r.runs], color="#cccccc", label="gap (train − val)")
    if r.recommended is not None:
        k = [run.batch_size for run in r.runs].index(r.recommended)
        a4.axvline(k, color="#2ca02c", ls="--", lw=1, label=f"recommended B = {r.recommended}")
    a4.set(xticks=xs, xticklabels=labels, xlabel="batch size", title="final accuracy and generalisation gap")
    a4.legend()
    return fig


# -- 6. learning-rate range test ---------------------------------------------------------------------
def lr_range(r):
    f = r.finder
    fig = _figure((8.0, 4.2))
    ax = fig.subplots()
    ax.loglog(f.learning_rates, f.losses, color="#aaaaaa", lw=0.8, label="batch loss")
    ax.loglog(f.learning_rates, f.smoothed, color="#1f77b4", lw=1.5, label="smoothed loss")
    if f.suggestion:
        ax.axvline(f.suggestion, color="#2ca02c", ls="--", label=f"suggestion {f.suggestion:.3g}")
    ax.axvline(r.one_step_lr, color="k", ls=":", label=f"1/λ = {r.one_step_lr:.3g}")
    ax.axvline(2 * r.one_step_lr, color="#d62728", ls=":", label=f"2/λ = {2 * r.one_step_lr:.3g}")
    ax.set(xlabel="learning rate η", ylabel="loss", title="learning-rate range test on y = w·x")
    ax.legend()
    return fig


# -- 7. activations --------------------------------------------------------------------------------
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
    axes[0].legend()
    return fig
