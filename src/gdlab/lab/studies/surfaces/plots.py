"""The surfaces study's figures: each race's paths on the contours and its gap to the minimum.

The paths are small multiples: one panel per optimizer, its path drawn solid over the others' in light
grey, so 12 paths down the same valley stay apart and one that did not settle is as visible as one that
did. The gaps share one panel: an oscillating gap is drawn as its envelope so it cannot hide the others,
and line style and colour together tell the 12 apart.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gdlab.i18n import t
from gdlab.lab.studies.surfaces.experiment import RaceResult, surface_formula, surface_name
from gdlab.reporting.figures import figure, line_styles, save, styled


BACKGROUND_POINTS = 400  # iterates drawn of each other optimizer's path behind the one a panel is about


def _envelope(values: np.ndarray, window: int = 25) -> tuple[np.ndarray, np.ndarray]:
    """Running minimum and maximum over ``window`` steps: an oscillation drawn as two thin lines."""
    pad = np.concatenate([np.full(window - 1, values[0]), values])
    view = np.lib.stride_tricks.sliding_window_view(pad, window)
    return view.min(axis=1), view.max(axis=1)


@styled
def surface_race(r):
    s = r.surface
    fig = figure((7.0, 10.0))
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.15, 1])
    cols = 4
    rows = -(-len(r.races) // cols)
    panels = np.atleast_1d(top.subplots(rows, cols, sharex=True, sharey=True)).ravel()
    x0, x1, y0, y1 = s.window
    X, Y = np.meshgrid(np.linspace(x0, x1, 150), np.linspace(y0, y1, 150))
    Z = s.f(np.stack([X, Y])) - s.f_min
    levels = np.logspace(-2, np.log10(max(Z.max(), 1)), 15) if s.log_contours else 15
    styles = line_styles(len(r.races))
    inside = [np.all(np.isfinite(x.path), axis=1) & (x.path[:, 0] > x0 - 1) & (x.path[:, 0] < x1 + 1)
              & (x.path[:, 1] > y0 - 1) & (x.path[:, 1] < y1 + 1) for x in r.races]
    for ax, race, ok, (c, _) in zip(panels, r.races, inside, styles):
        ax.contour(X, Y, Z, levels=levels, colors="#bbbbbb", linewidths=0.4)
        for other, ok2 in zip(r.races, inside):
            if other is not race:  # the background: every few iterates are enough to show where it went
                q = other.path[ok2][:: max(1, int(ok2.sum()) // BACKGROUND_POINTS)]
                ax.plot(q[:, 0], q[:, 1], color="#dddddd", lw=0.6)
        ax.plot(race.path[ok, 0], race.path[ok, 1], color=c, lw=1.3)
        ax.plot(*s.start, "ko", ms=3)
        ax.plot(*s.minimum, "k*", ms=7)
        settled = race.settled is not None
        ax.set_title(t("surfaces.panel_settled", optimizer=race.optimizer, step=race.settled) if settled
                     else t("surfaces.panel_unsettled", optimizer=race.optimizer), fontsize=10)
        ax.set(xlim=(x0, x1), ylim=(y0, y1))
        ax.tick_params(labelsize=8)
    for ax in panels[len(r.races):]:
        ax.axis("off")
    top.suptitle(t("surfaces.suptitle", name=surface_name(s), formula=surface_formula(s)), fontsize=10)
    ax2 = bottom.subplots()
    for race, (c, ls) in zip(r.races, styles):
        gap = np.maximum(np.nan_to_num(race.gap, nan=1e300, posinf=1e300), 1e-16)
        label = (t("surfaces.label_settled", optimizer=race.optimizer, step=race.settled) if race.settled is not None
                 else race.optimizer)
        if race.oscillating:  # its envelope: two thin lines instead of a painted block
            lo, hi = _envelope(gap)
            ax2.semilogy(hi, color=c, ls=ls, lw=0.9, label=t("surfaces.label_envelope", label=label))
            ax2.semilogy(lo, color=c, ls=ls, lw=0.9)
        else:
            ax2.semilogy(gap, color=c, ls=ls, lw=1.3, label=label)
        if race.settled is not None:
            ax2.plot(race.settled, max(race.gap[race.settled], 1e-16), "|", color=c, ms=10, mew=2)
    ax2.axhline(r.tolerance, color="k", ls=":", lw=0.8)
    ax2.set(xlabel=t("surfaces.axis_step"), ylabel="f(θ) − f(θ*)", title=t("surfaces.fig_gap_title"),
            ylim=(1e-16, 10 * max(float(r.races[0].gap[0]), 0.1)))  # every race starts at the same gap
    bottom.legend(*ax2.get_legend_handles_labels(), loc="outside lower center", ncol=3)
    return fig


def figures(races: list[RaceResult], out: Path) -> list[tuple[str, Path]]:
    return [(t("surfaces.fig", name=surface_name(r.surface)),
             save(surface_race(r), out / f"surface_{r.surface.name}.png")) for r in races]
