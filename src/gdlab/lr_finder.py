"""The learning-rate range test (Smith 2017; fastai's and Lightning's ``lr_find``).

Train for at most ``num_iterations`` mini-batches while η grows exponentially
from ``start_lr`` to ``end_lr``:  ηᵢ = η_start·(η_end/η_start)^(i/(n − 1)).
Track the bias-corrected exponential moving average of the loss,
    a ← β·a + (1 − β)·Lᵢ,   L̃ᵢ = a/(1 − β^(i+1)),
stop once L̃ᵢ > 4·min L̃ (the loss has blown up), and suggest the η where L̃
falls fastest against log η (the steepest descent of the curve). The model's
weights and optimizer state are restored afterwards.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from gdlab.batching import EpochPlan
from gdlab.training import train_step


@dataclass
class LRFindResult:
    learning_rates: list[float] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    smoothed: list[float] = field(default_factory=list)
    suggestion: float | None = None
    suggestion_index: int | None = None
    stopped_early: bool = False


def lr_find(model, x, y, start_lr: float = 1e-7, end_lr: float = 10.0, num_iterations: int = 100,
            batch_size=32, smoothing: float = 0.98, diverge_factor: float = 4.0, seed: int = 0,
            skip_begin: int = 10, skip_end: int = 1) -> LRFindResult:
    """Run the range test on a compiled model; returns the curve and the suggested η."""
    if not model.compiled:
        raise RuntimeError("lr_find needs a compiled model: call model.compile(optimizer, loss) first")
    if not 0 < start_lr < end_lr:
        raise ValueError(f"need 0 < start_lr < end_lr; got start_lr={start_lr!r}, end_lr={end_lr!r}")
    if num_iterations < 2:
        raise ValueError(f"num_iterations={num_iterations!r} must be >= 2")
    if not 0 <= smoothing < 1:
        raise ValueError(f"smoothing={smoothing!r} must be in [0, 1)")
    x, y = model.prepare(x, y)
    theta = model.parameters.theta
    saved_theta = model.parameters.copy_theta()
    optimizer = model.optimizer
    saved_lr = optimizer.learning_rate
    saved_state = optimizer.state_dict() if optimizer.built else None
    optimizer.build(model.parameters)

    plan = EpochPlan(x.shape[0], batch_size, shuffle=True)
    rng = np.random.default_rng(seed)
    batches: list = []
    result = LRFindResult()
    avg, best = 0.0, math.inf
    ratio = end_lr / start_lr
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            for i in range(num_iterations):
                if not batches:
                    batches = plan.epoch(rng)
                idx = batches.pop(0)
                lr = start_lr * ratio ** (i / (num_iterations - 1))
                optimizer.learning_rate = lr
                loss, _ = train_step(model, x[idx], y[idx])
                if not math.isfinite(loss):
                    result.stopped_early = True
                    break
                avg = smoothing * avg + (1 - smoothing) * loss
                smooth = avg / (1 - smoothing ** (i + 1))
                result.learning_rates.append(lr)
                result.losses.append(loss)
                result.smoothed.append(smooth)
                if i > 0 and smooth > diverge_factor * best:
                    result.stopped_early = True
                    break
                best = min(best, smooth)
    finally:
        theta[...] = saved_theta
        optimizer.learning_rate = saved_lr
        optimizer.build(model.parameters)
        if saved_state is not None:
            optimizer.load_state_dict(saved_state)
    _suggest(result, skip_begin, skip_end)
    return result


def _suggest(result: LRFindResult, skip_begin: int, skip_end: int) -> None:
    """η at the steepest descent of the smoothed loss against log η."""
    n = len(result.smoothed)
    lo, hi = (skip_begin, n - skip_end) if n - skip_begin - skip_end >= 3 else (0, n)
    if hi - lo < 3:
        return
    loss = np.asarray(result.smoothed[lo:hi])
    log_lr = np.log10(result.learning_rates[lo:hi])
    k = int(np.argmin(np.gradient(loss, log_lr)))
    result.suggestion_index = lo + k
    result.suggestion = result.learning_rates[lo + k]
