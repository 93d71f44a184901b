"""The activations' figure: each f(z) and its derivative f′(z), one panel each."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gdlab.i18n import t
from gdlab.lab.studies.activations.experiment import ActivationCurves
from gdlab.reporting.figures import figure, save, styled


@styled
def activations(r):
    names = list(r.values)
    cols = 5
    rows = int(np.ceil(len(names) / cols))
    fig = figure((12.0, 2.6 * rows))
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


def figures(r: ActivationCurves, out: Path) -> list[tuple[str, Path]]:
    return [(t("activations.fig"), save(activations(r), out / "activations.png"))]
