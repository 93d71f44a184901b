"""Line charts written directly as SVG text: what ``LivePlot`` redraws while fit runs.

A matplotlib PNG takes tens of milliseconds — longer than an epoch of a small model — so the live
figure is built here in well under a millisecond: a frame, ticks at round numbers (or powers of ten on
a log axis), one polyline per series and a legend. A notebook shows it as ``image/svg+xml``, which
also renders from a saved notebook without a kernel.
"""

from __future__ import annotations

import math
from html import escape

COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")
W, H = 400, 240
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 24, 34


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round numbers (1, 2 or 5 × 10ᵏ apart) covering [lo, hi]."""
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    start = math.ceil(lo / step) * step
    return [start + i * step for i in range(int((hi - start) / step + 1e-9) + 1)]


def _label(v: float) -> str:
    return f"{v:.3g}"


def chart(series, x_label: str, y_label: str, title: str = "", log: bool = False, dx: float = 0) -> str:
    """One chart as an SVG group shifted right by ``dx``: ``series`` is (label, xs, ys, dashed) tuples;
    non-finite and (on a log axis) non-positive values are left out."""
    pts = [[(x, y) for x, y in zip(xs, ys) if y is not None and math.isfinite(y) and (y > 0 or not log)]
           for _, xs, ys, _ in series]
    xs = [x for p in pts for x, _ in p] or [0.0, 1.0]
    ys = [math.log10(y) if log else y for p in pts for _, y in p] or [0.0, 1.0]
    x0, x1 = min(0.0, min(xs)), max(xs) if max(xs) > min(0.0, min(xs)) else min(xs) + 1
    y0, y1 = min(ys), max(ys)
    if y1 - y0 < 1e-12:
        y0, y1 = y0 - 0.5, y1 + 0.5
    pad = 0.05 * (y1 - y0)
    y0, y1 = y0 - pad, y1 + pad
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def px(x):
        return LEFT + (x - x0) / (x1 - x0) * pw

    def py(y):
        return TOP + (1 - ((math.log10(y) if log else y) - y0) / (y1 - y0)) * ph

    out = [f'<g transform="translate({dx},0)" font-family="sans-serif" font-size="10">',
           f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>']
    yticks = [10.0 ** k for k in range(math.ceil(y0), math.floor(y1) + 1)] if log else nice_ticks(y0, y1)
    if log and len(yticks) < 2:
        yticks = [10 ** t for t in nice_ticks(y0, y1, 3)]
    for t in yticks:
        y = py(t)
        out.append(f'<line x1="{LEFT}" x2="{LEFT + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>'
                   f'<text x="{LEFT - 4}" y="{y + 3:.1f}" text-anchor="end">{_label(t)}</text>')
    for t in nice_ticks(x0, x1):
        x = px(t)
        out.append(f'<text x="{x:.1f}" y="{TOP + ph + 13}" text-anchor="middle">{_label(t)}</text>')
    out.append(f'<text x="{LEFT + pw / 2}" y="{H - 4}" text-anchor="middle">{escape(x_label)}</text>'
               f'<text x="12" y="{TOP + ph / 2}" text-anchor="middle" transform="rotate(-90 12 {TOP + ph / 2})">'
               f'{escape(y_label)}{" (log)" if log else ""}</text>'
               f'<text x="{LEFT}" y="14" font-size="11">{escape(title)}</text>')
    for k, ((label, _, _, dashed), p) in enumerate(zip(series, pts)):
        color = "#aaaaaa" if dashed else COLORS[k % len(COLORS)]
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in p)
        out.append(f'<polyline fill="none" stroke="{color}" stroke-width="{1 if dashed else 1.6}" points="{path}"/>')
        ly = TOP + 10 + 12 * k
        out.append(f'<line x1="{LEFT + pw - 110}" x2="{LEFT + pw - 96}" y1="{ly - 3}" y2="{ly - 3}" stroke="{color}" '
                   f'stroke-width="2"/><text x="{LEFT + pw - 92}" y="{ly}">{escape(label)}</text>')
    out.append("</g>")
    return "".join(out)


def figure(charts: list[str]) -> str:
    """Charts side by side in one SVG document."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{W * len(charts)}" height="{H}" '
            f'viewBox="0 0 {W * len(charts)} {H}" style="background:#fff">{"".join(charts)}</svg>')
