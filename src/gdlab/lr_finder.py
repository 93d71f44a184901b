"""The learning-rate range test (Smith 2017; fastai's and Lightning's ``lr_find``).

Train for at most ``num_iterations`` mini-batches while η grows exponentially
from ``start_lr`` to ``end_lr``:  ηᵢ = η_start·(η_end/η_start)^(i/(n − 1)).
Track the bias-corrected exponential moving average of the loss,
    a ← β·a + (1 − β)·Lᵢ,   L̃ᵢ = a/(1 − β^(i+1)),
stop once L̃ᵢ > 4·min L̃ (the loss has blown up), and suggest the η where L̃
falls fastest against log η (the steepest descent of the curve). The model's
weights and optimizer state are restored afterwards.

What the suggestion cannot tell by itself, the result says (``result.notes``, and a
``LRFinderWarning``): a steepest descent at the first or last point searched (the curve may
fall faster outside the range: widen it), and a model that was already trained (its loss is
near a minimum, so the curve is flat and its steepest point is noise). ``repeats=k`` runs the
test with k batch orders (seeds ``seed … seed + k − 1``): the result holds every run, the
band of the smoothed loss across them, and the median of their suggestions.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from gdlab.batching import EpochPlan
from gdlab.display import html
from gdlab.training import train_step


class LRFinderWarning(UserWarning):
    """The range test's suggestion is not to be trusted as it stands (see the message)."""


@dataclass(repr=False)
class LRFindResult:
    learning_rates: list[float] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    smoothed: list[float] = field(default_factory=list)
    suggestion: float | None = None
    suggestion_index: int | None = None
    stopped_early: bool = False
    #: "first" or "last" when the suggestion is that point of the searched window (skip_begin … n − skip_end)
    edge: str | None = None
    #: what to know about the suggestion (also raised as LRFinderWarning)
    notes: list[str] = field(default_factory=list)
    #: with ``repeats > 1``: one result per seed (this result's curve is the first one's)
    repeats: list["LRFindResult"] = field(default_factory=list)
    #: λ, the curvature of the loss where it is known (the lab's parabola): draws 1/λ and 2/λ
    curvature: float | None = None

    @property
    def at_edge(self) -> bool:
        return self.edge is not None

    @property
    def suggestions(self) -> list[float | None]:
        """Each seed's suggestion (one entry without repeats)."""
        return [r.suggestion for r in self.repeats] if self.repeats else [self.suggestion]

    @property
    def band(self):
        """(lowest, highest) smoothed loss across the seeds at each η that every run reached; None without repeats."""
        if len(self.repeats) < 2:
            return None
        n = min(len(r.smoothed) for r in self.repeats)
        curves = np.array([r.smoothed[:n] for r in self.repeats])
        return curves.min(axis=0), curves.max(axis=0)

    def plot(self, ax=None):
        """The curve on ``ax`` (a new figure when None): batch and smoothed loss, the band across seeds,
        the suggestion, 1/λ and 2/λ when λ is known; returns the Axes."""
        from gdlab.display.plots import lr_curve

        return lr_curve(self, ax, self.curvature)

    def rows(self) -> list[tuple[str, str]]:
        s = self.suggestion
        rows = [("suggested η", "none (too few points)" if s is None else
                 f"{s:.3g}" + (" — at the edge of the searched range" if self.at_edge else ""))]
        if len(self.repeats) > 1:
            found = [v for v in self.suggestions if v is not None]
            rows.append((f"suggestions over {len(self.repeats)} seeds",
                         ", ".join(f"{v:.3g}" for v in found) + f" (median {s:.3g})" if found and s else "none"))
        if self.curvature:
            rows += [("theory: 1/λ (one-step η)", f"{1 / self.curvature:.3g}"),
                     ("theory: 2/λ (divergence)", f"{2 / self.curvature:.3g}")]
        rows += [("η searched", f"{self.learning_rates[0]:.3g} … {self.learning_rates[-1]:.3g}" if self.learning_rates
                  else "—"), ("iterations run", str(len(self.learning_rates))),
                 ("stopped because the loss blew up", "yes" if self.stopped_early else "no")]
        return rows

    def __repr__(self) -> str:
        s = "no suggestion" if self.suggestion is None else f"suggestion {self.suggestion:.3g}"
        edge = " (at the edge of the range)" if self.at_edge else ""
        seeds = f", {len(self.repeats)} seeds" if self.repeats else ""
        return f"<LRFindResult: {s}{edge}, {len(self.learning_rates)} iterations{seeds}>"

    def _repr_html_(self) -> str:
        notes = "".join(f'<div style="color:#b35900">⚠ {html.esc(n)}</div>' for n in self.notes)
        fig = self.plot().figure
        return html.card("Learning-rate range test", html.table(["", "value"], self.rows()), notes,
                         html.figure(fig, "loss against the learning rate"))


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name}={value!r} must be an int >= {minimum}")
    return int(value)


def lr_find(model, x, y, start_lr: float = 1e-7, end_lr: float = 10.0, num_iterations: int = 100,
            batch_size=32, smoothing: float = 0.98, diverge_factor: float = 4.0, seed: int = 0,
            skip_begin: int = 10, skip_end: int = 1, repeats: int = 1, warn: bool = True) -> LRFindResult:
    """Run the range test on a compiled model; returns the curve and the suggested η.

    ``repeats``: runs with seeds ``seed … seed + repeats − 1`` (their band and the median suggestion);
    ``warn``: raise a ``LRFinderWarning`` for each note (an edge suggestion, an already trained model)."""
    if not model.compiled:
        raise RuntimeError("lr_find needs a compiled model: call model.compile(optimizer, loss) first")
    if not 0 < start_lr < end_lr:
        raise ValueError(f"need 0 < start_lr < end_lr; got start_lr={start_lr!r}, end_lr={end_lr!r}")
    if num_iterations < 2:
        raise ValueError(f"num_iterations={num_iterations!r} must be >= 2")
    if not 0 <= smoothing < 1:
        raise ValueError(f"smoothing={smoothing!r} must be in [0, 1)")
    repeats = _check_int("repeats", repeats, 1)
    x, y = model.prepare(x, y)
    runs = [_range_test(model, x, y, start_lr, end_lr, num_iterations, batch_size, smoothing, diverge_factor,
                        seed + k, skip_begin, skip_end) for k in range(repeats)]
    result = runs[0]
    if repeats > 1:
        found = sorted((r for r in runs if r.suggestion is not None), key=lambda r: r.suggestion)
        result = LRFindResult(runs[0].learning_rates, runs[0].losses, runs[0].smoothed,
                              stopped_early=runs[0].stopped_early, repeats=runs)
        if found:
            median = found[(len(found) - 1) // 2]  # the lower median: one of the runs' own suggestions
            result.suggestion, result.edge = median.suggestion, median.edge
            result.suggestion_index = median.suggestion_index
    _explain(result, model, skip_begin, skip_end)
    if warn:
        for note in result.notes:
            warnings.warn(note, LRFinderWarning, stacklevel=2)
    return result


def _explain(result: LRFindResult, model, skip_begin: int, skip_end: int) -> None:
    if result.at_edge:
        k, n = result.suggestion_index, len(result.learning_rates)
        wider = "a lower start_lr" if result.edge == "first" else "a higher end_lr or more iterations"
        result.notes.append(
            f"the suggestion η = {result.suggestion:.3g} is the {result.edge} point of the searched range (iteration {k} "
            f"of {n}, after skip_begin={skip_begin}, skip_end={skip_end}): the loss may fall faster outside it; "
            f"search again with {wider}")
    history = model.history
    if history is not None and history.epoch:
        epochs = len(history.epoch)
        result.notes.append(
            f"the model has already been trained ({epochs} epoch{'s' * (epochs != 1)}, last loss "
            f"{history.history.get('loss', [float('nan')])[-1]:.4g}): the range test starts from these weights, "
            "near a minimum, where the curve is flat and its steepest point says little; run it on a freshly "
            "initialized model")


def _range_test(model, x, y, start_lr, end_lr, num_iterations, batch_size, smoothing, diverge_factor, seed,
                skip_begin, skip_end) -> LRFindResult:
    """One run on prepared arrays; the model's weights and optimizer state are restored afterwards."""
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
    """η at the steepest descent of the smoothed loss against log η; ``at_edge`` when that is the first or
    last point of the window searched."""
    n = len(result.smoothed)
    lo, hi = (skip_begin, n - skip_end) if n - skip_begin - skip_end >= 3 else (0, n)
    if hi - lo < 3:
        return
    loss = np.asarray(result.smoothed[lo:hi])
    log_lr = np.log10(result.learning_rates[lo:hi])
    k = int(np.argmin(np.gradient(loss, log_lr)))
    result.suggestion_index = lo + k
    result.suggestion = result.learning_rates[lo + k]
    result.edge = "first" if k == 0 else "last" if k == hi - lo - 1 else None
