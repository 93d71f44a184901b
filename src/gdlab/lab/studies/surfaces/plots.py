"""The surfaces study's figures: each race's paths on the contours and its gap to the minimum.

Oscillating paths are thin and translucent, and an oscillating gap is drawn as its envelope, so
they cannot hide the others; line style and colour together tell the 12 optimizers apart.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gdlab.lab.studies.surfaces.experiment import RaceResult
from gdlab.reporting.figures import figure, legend_outside, line_styles, save, styled


def _envelope(values: np.ndarray, window: int = 25) -> tuple[np.ndarray, np.ndarray]:
    """Running minimum and maximum over ``window`` steps: an oscillation drawn as two thin lines."""
    pad = np.concatenate([np.full(window - 1, values[0]), values])
    view = np.lib.stride_tricks.sliding_window_view(pad, window)
    return view.min(axis=1), view.max(axis=1)


@styled
def surface_race(r):
    s = r.surface
    fig = figure((9.0, 7.6))
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
    legend_outside(ax2, ncol=1)
    return fig


def figures(races: list[RaceResult], out: Path) -> list[tuple[str, Path]]:
    return [(f"{r.surface.name}: paths on the contours (●: start, ★: minimum) and the gap to the minimum",
             save(surface_race(r), out / f"surface_{r.surface.name}.png")) for r in races]
