"""The figures of a ``History`` and an ``LRFindResult``: ``.plot(ax=None)`` draws on ``ax`` (or on a new
figure) and returns the Axes. matplotlib is imported only here, and only when something is drawn; no
pyplot, so drawing in a script or a test opens no window and changes no global state.
"""

from __future__ import annotations

import numpy as np

SIZE = (6.4, 3.4)
GREY, BLUE, ORANGE, GREEN, RED = "#aaaaaa", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"


def new_figure(size=SIZE, ncols: int = 1):
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=100, layout="constrained")
    return fig, fig.subplots(1, ncols, squeeze=False)[0]


def axes(ax, size=SIZE):
    """``ax``, or the axes of a new figure of ``size`` inches."""
    return ax if ax is not None else new_figure(size)[1][0]


def iteration_positions(history) -> np.ndarray:
    """Where each recorded iteration sits on the epoch axis: iteration i (0-based) of epoch e, which has n
    iterations, ends at e + (i + 1)/n — so the last iteration of epoch e sits at epoch number e + 1."""
    per_epoch = dict(zip(history.epoch, history.iterations_per_epoch))
    return np.array([e + (i + 1) / per_epoch.get(e, max(i + 1, 1))
                     for e, i in zip(history.iteration_epoch, history.iteration_index)], dtype=float)


def history_losses(history, ax=None, log: bool = False):
    """Each iteration's batch loss (grey), the epoch's training loss and the validation loss, against epochs."""
    ax = axes(ax)
    epochs = np.array(history.epoch, dtype=float) + 1
    if history.iteration_loss:
        ax.plot(iteration_positions(history), history.iteration_loss, color=GREY, lw=0.7,
                label=f"batch loss ({len(history.iteration_loss)} iterations)")
    for key, color in (("loss", BLUE), ("val_loss", ORANGE)):
        if key in history.history:
            ax.plot(epochs, history.history[key], "o-", color=color, ms=3, label=key)
    if log:
        ax.set_yscale("log")
    ax.set(xlabel="epoch", ylabel="loss")
    ax.legend(fontsize=8)
    return ax


def history_metrics(history, ax=None):
    """Every logged quantity other than the losses and the learning rate, against epochs."""
    ax = axes(ax)
    epochs = np.array(history.epoch, dtype=float) + 1
    for key, values in history.history.items():
        if "loss" not in key and key != "learning_rate":
            ax.plot(epochs, values, "o-", ms=3, label=key)
    ax.set(xlabel="epoch", ylabel="metric")
    ax.legend(fontsize=8)
    return ax


def history_figure(history):
    """The loss panel, and beside it the metrics panel when there are metrics."""
    metrics = [k for k in history.history if "loss" not in k and k != "learning_rate"]
    fig, axs = new_figure((10.0, 3.4) if metrics else SIZE, 2 if metrics else 1)
    history_losses(history, axs[0])
    if metrics:
        history_metrics(history, axs[1])
    return fig


def lr_curve(result, ax=None, theory=None):
    """Loss against η (log–log): the batch loss, its smoothed curve, the band across seeds when there are
    repeats, the suggestion, and the theory's 1/λ and 2/λ when ``theory`` (λ) is known."""
    ax = axes(ax)
    lrs = result.learning_rates
    ax.plot(lrs, result.losses, color=GREY, lw=0.8, label="batch loss")
    ax.plot(lrs, result.smoothed, color=BLUE, lw=1.5, label="smoothed loss")
    if result.band is not None:
        lo, hi = result.band
        ax.fill_between(lrs[:len(lo)], lo, hi, color=BLUE, alpha=0.2,
                        label=f"smoothed loss: range over {len(result.repeats)} seeds")
    if result.suggestion:
        where = " (edge of the range)" if result.at_edge else ""
        ax.axvline(result.suggestion, color=GREEN, ls="--", label=f"suggestion {result.suggestion:.3g}{where}")
    if theory:
        ax.axvline(1 / theory, color="k", ls=":", label=f"1/λ = {1 / theory:.3g}")
        ax.axvline(2 / theory, color=RED, ls=":", label=f"2/λ = {2 / theory:.3g}")
    ax.set_xscale("log")
    finite = [v for v in result.losses if v > 0]
    if finite and max(finite) > 10 * min(finite):  # a log axis only where the loss spans a decade
        ax.set_yscale("log")
    ax.set(xlabel="learning rate η", ylabel="loss")
    ax.legend(fontsize=8)
    return ax
