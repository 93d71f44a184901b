"""Optimizer paths on 2-D surfaces and when they arrive: run one, find its first touch, its settling step and
the rate at which its error shrinks."""

from __future__ import annotations

import numpy as np

MIN_STAY = 10  # steps an optimizer must stay below the tolerance, at the end, to count as settled
WINDOW = 30  # steps of the running maximum that turns a ripple into its envelope


def settle_step(gap: np.ndarray, tolerance: float, min_stay: int = MIN_STAY) -> int | None:
    """The first step from which the gap stays below ``tolerance`` to the end, for at least ``min_stay``
    steps (None otherwise: an oscillating run that happens to be below at the last step has not settled)."""
    above = np.flatnonzero(~(gap < tolerance))
    start = 0 if above.size == 0 else int(above[-1] + 1)
    return start if gap.size - start >= min(min_stay, gap.size) else None


def first_touch(gap: np.ndarray, tolerance: float) -> int | None:
    """The first step at which the gap is below ``tolerance`` (it may leave again)."""
    hit = np.flatnonzero(gap < tolerance)
    return int(hit[0]) if hit.size else None


def run_path(optimizer, surface, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """θ₀ … θ_steps of ``optimizer`` on a 2-D ``surface`` and the gaps f(θₖ) − f*.

    A fresh optimizer builds its slots on its first ``apply_gradients``.
    """
    theta = np.array(surface.start, dtype=np.float64)
    path = np.empty((steps + 1, 2))
    path[0] = theta
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run shows as inf / nan
        for k in range(steps):
            optimizer.apply_gradients(theta, surface.grad(theta))
            path[k + 1] = theta
        gap = surface.f(path.T) - surface.f_min
    return path, gap


def envelope_rate(e: np.ndarray, window: int = WINDOW, floor: float = 1e-12) -> float | None:
    """The factor by which |e| shrinks (or grows) per step, from the slope of log max(|e|) over a running
    window; measured while |e| is between ``floor`` × its start and 10¹⁰⁰ (None if too few steps are)."""
    a = np.abs(np.asarray(e, dtype=float))
    if a.size <= window or not np.isfinite(a[0]) or a[0] == 0:
        return None
    env = np.lib.stride_tricks.sliding_window_view(a, window).max(axis=1)
    ok = np.isfinite(env) & (env > floor * env[0]) & (env < 1e100)
    k = np.flatnonzero(ok)
    k = k[: np.argmin(np.diff(k, append=k[-1] + 2) == 1) + 1] if k.size else k  # the first unbroken stretch
    if k.size < window:
        return None
    slope = np.polyfit(k, np.log(env[k]), 1)[0]
    return float(np.exp(slope))
