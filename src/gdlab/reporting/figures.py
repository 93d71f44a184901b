"""Figure conventions shared by the lab and the sweep: sizes, one style, colours, saving.

Figures are ``matplotlib.figure.Figure`` objects (no pyplot, no backend
switch) built inside ``matplotlib.rc_context(RC_PARAMS)`` (the ``styled``
decorator), so importing or using this module leaves matplotlib's global
settings as they were. Every figure has a fixed size in pixels (size ×
``DPI``); ``save`` writes a PNG.
"""

from __future__ import annotations

import functools
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from gdlab.i18n import current, fonts

DPI = 100
WIDE = (12.0, 4.2)
TALL = (12.0, 7.0)

RC_PARAMS = {"axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False,
             "font.size": 10, "legend.fontsize": 10}
#: at DPI 100 a 10-point glyph is 14 px tall: ≥ 10 px on a 1280-px screen even where the page shows a
#: figure at 75 % of its size (the report's figure-beside-table pairs take 55 % of the width)
MIN_FONT_PT = 10

LINESTYLES = ["-", "--", "-.", ":"]


def rc_params() -> dict:
    """The shared style, with the current language's fonts (zh-CN: the CJK font behind DejaVu Sans)."""
    return {**RC_PARAMS, **fonts.rc_params(current())}


def styled(fn):
    """Build the figure inside the shared style context, in the current language's fonts."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(rc_params()):
            return fn(*args, **kwargs)
    return wrapper


def colors(n: int):
    cmap = matplotlib.colormaps["tab10"]
    return [cmap(i % 10) for i in range(n)]


def line_styles(n: int):
    """(colour, line style) pairs: 10 colours × 4 styles, so 12 series are all distinct."""
    return [(colors(10)[i % 10], LINESTYLES[(i // 10 + i) % len(LINESTYLES)]) for i in range(n)]


def save(fig, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context(rc_params()):
        fig.savefig(path, dpi=DPI, format="png")
    return path


def figure(size=WIDE) -> Figure:
    return Figure(figsize=size, dpi=DPI, layout="constrained")


def four_panels():
    fig = figure(TALL)
    return fig, fig.subplots(2, 2)


def legend_outside(ax, **kw):
    """The legend to the right of the axes, never over the data; none for a panel with nothing labelled
    (``ax.legend`` would draw an empty box and warn "No artists with labels found")."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return None
    return ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0, **kw)


def integer_xticks(ax):
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
