"""A sweep's rows → numbers per setting (mean and spread over seeds) → matplotlib figures."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from matplotlib.patches import Rectangle

from gdlab.reporting.figures import WIDE, figure, styled

SEED_KEYS = ("seed",)
MAX_CATEGORIES = 12        # more distinct values than this: a continuous axis (random search)


def label(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def setting_keys(keys) -> list[str]:
    """The swept keys that change the setting (not just the seed)."""
    return [k for k in keys if k not in SEED_KEYS]


def settings(rows, keys, metric) -> list[dict]:
    """One entry per setting (swept values without the seed): its values, mean, min, max and n over seeds."""
    groups = defaultdict(list)
    for r in rows:
        value = r[metric]
        if value is not None and math.isfinite(value):
            groups[tuple(label(r[k]) for k in keys)].append((r, value))
    out = []
    for group in groups.values():
        ys = np.array([v for _, v in group])
        out.append({"values": {k: group[0][0][k] for k in keys}, "mean": float(ys.mean()), "min": float(ys.min()),
                    "max": float(ys.max()), "n": len(ys)})
    return out


def best_by(entries, mode: str):
    return (max if mode == "max" else min)(entries, key=lambda e: e["mean"])


def _categorical(values) -> bool:
    return len({label(v) for v in values}) <= MAX_CATEGORIES or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def _ordered(values) -> list:
    unique = {label(v): v for v in values}
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in unique.values())
    return sorted(unique.values(), key=(lambda v: v) if numeric else label)


def _log_axis(values) -> bool:
    nums = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return len(nums) == len(values) and min(nums) > 0 and max(nums) / min(nums) >= 20


@styled
def heatmap(rows, keys, x: str, y: str, metric: str, mode: str, best: dict | None = None):
    """The metric over two swept keys; a cell is the best setting's mean over seeds (other keys free).

    ``best``: the best-ranked trial's row; its cell (or point) gets a red frame."""
    fig = figure((7.5, 5.2))
    ax = fig.subplots()
    entries = settings(rows, setting_keys(keys) + [k for k in (x, y) if k in SEED_KEYS], metric)
    xs, ys = [e["values"][x] for e in entries], [e["values"][y] for e in entries]
    if _categorical(xs) and _categorical(ys):
        xv, yv = _ordered(xs), _ordered(ys)
        grid = np.full((len(yv), len(xv)), np.nan)
        for i, b in enumerate(yv):
            for j, a in enumerate(xv):
                cell = [e for e in entries if label(e["values"][x]) == label(a) and label(e["values"][y]) == label(b)]
                if cell:
                    grid[i, j] = best_by(cell, mode)["mean"]
        image = ax.imshow(grid, cmap="viridis" if mode == "max" else "viridis_r", aspect="auto", origin="lower")
        ax.set_xticks(range(len(xv)), [label(v) for v in xv])
        ax.set_yticks(range(len(yv)), [label(v) for v in yv])
        ax.grid(False)
        for i in range(len(yv)):
            for j in range(len(xv)):
                if np.isfinite(grid[i, j]):
                    bright = sum(image.cmap(image.norm(grid[i, j]))[:3]) > 1.8
                    ax.text(j, i, f"{grid[i, j]:.3g}", ha="center", va="center", fontsize=8,
                            color="k" if bright else "w")
        if best is not None:
            j, i = [label(v) for v in xv].index(label(best[x])), [label(v) for v in yv].index(label(best[y]))
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="#d62728", linewidth=3,
                                   label=f"best-ranked trial {best['trial_id']}"))
    else:
        means = [e["mean"] for e in entries]
        image = ax.scatter(xs, ys, c=means, cmap="viridis" if mode == "max" else "viridis_r", s=40)
        if _log_axis(xs):
            ax.set_xscale("log")
        if _log_axis(ys):
            ax.set_yscale("log")
        if best is not None:
            ax.scatter([best[x]], [best[y]], s=160, facecolors="none", edgecolors="#d62728", linewidths=2,
                       label=f"best-ranked trial {best['trial_id']}")
    fig.colorbar(image, ax=ax, label=f"{metric} (mean over seeds)")
    ax.set(xlabel=x, ylabel=y, title=f"{metric} over {x} and {y}")
    return fig


@styled
def against_keys(rows, keys, metric: str, mode: str):
    """One panel per swept key: every trial (dots), and per value the best setting's mean with its seed range."""
    chosen = setting_keys(keys) or list(keys)
    fig = figure((WIDE[0], 3.6))
    axes = np.atleast_1d(fig.subplots(1, len(chosen)))
    entries = settings(rows, setting_keys(keys), metric)
    for ax, key in zip(axes, chosen):
        raw = [r[key] for r in rows]
        categorical = _categorical(raw)
        order = {label(v): i for i, v in enumerate(_ordered(raw))}
        place = (lambda v: order[label(v)]) if categorical else (lambda v: v)
        ax.scatter([place(r[key]) for r in rows if r[metric] is not None], [r[metric] for r in rows
                   if r[metric] is not None], s=12, color="#999999", alpha=0.6, label="trials")
        if categorical:
            best = [best_by([e for e in entries if label(e["values"][key]) == name], mode) for name in order]
            pos = list(range(len(order)))
            mean = np.array([b["mean"] for b in best])
            spread = np.array([[b["mean"] - b["min"] for b in best], [b["max"] - b["mean"] for b in best]])
            ax.errorbar(pos, mean, yerr=spread, fmt="o-", color="#1f77b4", capsize=4,
                        label=f"best setting: mean, min–max over {max(b['n'] for b in best)} seed(s)")
            ax.set_xticks(pos, list(order))
        elif _log_axis(raw):
            ax.set_xscale("log")
        ax.set(xlabel=key, ylabel=metric)
        ax.legend(loc="best")
    return fig
