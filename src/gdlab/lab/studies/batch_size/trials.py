"""What the batch-size study trains: the grid's trials to the target, and one step's time and memory.

``run_trials`` is the one function that runs grid points: a list of trial configs in, one result row
per trial out — the shape a sweep engine takes. This module holds every call the study makes into
``gdlab.training``: ``train_steps`` for the trials and for the timed steps — the executor ``fit`` would run
(the compiled epoch where it is in scope: ``plan_steps``), so the seconds it times are the seconds a fit
spends — and ``train_step`` for the step whose memory ``tracemalloc`` measures.
"""

from __future__ import annotations

import math
import tracemalloc
from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np

from gdlab import Sequential, datasets
from gdlab.batching import EpochPlan
from gdlab.lab.timing import measure_each
from gdlab.layers import Dense
from gdlab.optimizers import SGD
from gdlab.training import plan_steps, train_step, train_steps

#: steps at which the validation accuracy is checked: a geometric grid, 8 points per doubling
CHECKS_PER_DOUBLING = 8
DIVERGED_LOSS_FACTOR = 2.0  # validation loss above this × its initial value: the run diverged


@dataclass(frozen=True)
class Trial:
    """One grid point: everything a worker needs to train it, nothing else."""

    batch_size: int
    learning_rate: float
    momentum: float = 0.9
    hidden: int = 32
    target_accuracy: float = 0.88
    max_steps: int = 3000
    seed: int = 0


def check_steps(max_steps: int) -> np.ndarray:
    """1, 2, 3, …, then ×2^(1/8) each: the steps at which validation accuracy is read."""
    k = np.arange(0, int(CHECKS_PER_DOUBLING * math.log2(max(max_steps, 2))) + 2)
    steps = np.unique(np.round(2.0 ** (k / CHECKS_PER_DOUBLING)).astype(int))
    return np.append(steps[steps < max_steps], max_steps)


@lru_cache(maxsize=4)
def data(seed: int):
    """Digits: the training part split into fit (first 80%) and validation (last 20%)."""
    (x, y), _ = datasets.load_digits(seed=seed)
    n_val = len(x) // 5
    return x[:-n_val], y[:-n_val], x[-n_val:], y[-n_val:]


def new_model(hidden: int, seed: int, n_features: int) -> Sequential:
    """The study's network 64-hidden-10 (ReLU, softmax), built: every trial starts from a clone of it."""
    model = Sequential([Dense(hidden, activation="relu"), Dense(10, activation="softmax")], seed=seed)
    model.build((n_features,))
    return model


def compiled(template: Sequential, learning_rate: float, momentum: float) -> Sequential:
    model = template.clone()  # the same initial weights for every trial
    model.compile(SGD(learning_rate, momentum=momentum), "sparse_categorical_crossentropy", ["accuracy"])
    return model


def run_trials(trials: list[Trial]) -> list[dict]:
    """Train each trial until the target, divergence or its step cap; one row per trial.

    Trials of the same batch size share a cap: once one reached the target in S steps,
    later ones stop at S (they cannot be the fastest) with status ``"stopped at the
    best count"``. Row: the trial's fields plus ``status`` ("reached", "diverged",
    "not reached", "stopped at the best count"), ``steps_to_target``, ``steps_run``,
    ``checks`` ([step, validation accuracy] pairs), ``final_val_accuracy`` and, when
    reached, ``train_accuracy_at_target``.
    """
    best: dict[tuple, int] = {}
    rows = []
    for t in trials:
        key = (t.batch_size, t.momentum, t.hidden, t.target_accuracy, t.seed)
        cap = min(t.max_steps, best.get(key, t.max_steps))
        row, _ = train_to_target(t, cap)
        if row["status"] == "not reached" and cap < t.max_steps:
            row["status"] = "stopped at the best count"
        if row["steps_to_target"] is not None:
            best[key] = min(best.get(key, t.max_steps), row["steps_to_target"])
        rows.append(row)
    return rows


def train_to_target(t: Trial, cap: int) -> tuple[dict, Sequential]:
    """The trial's row and its model as it stopped."""
    x_fit, y_fit, x_val, y_val = data(t.seed)
    if not 1 <= t.batch_size <= len(x_fit):
        raise ValueError(f"batch_size={t.batch_size!r}; valid: 1 … {len(x_fit)} (the training samples)")
    model = compiled(new_model(t.hidden, t.seed, x_fit.shape[1]), t.learning_rate, t.momentum)
    xs, ys = model.prepare(x_fit, y_fit)
    xv, yv = model.prepare(x_val, y_val)
    initial_loss = model.evaluate_arrays(xv, yv)["loss"]
    plan, rng, batches = EpochPlan(xs.shape[0], t.batch_size), np.random.default_rng(t.seed), []
    row = {**asdict(t), "status": "not reached", "steps_to_target": None, "steps_run": 0, "checks": [],
           "final_val_accuracy": None, "train_accuracy_at_target": None}
    step = 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for next_check in check_steps(cap).tolist():
            segment = []  # the batches up to the next check, in one call (compiled where in scope)
            while len(segment) < next_check - step:
                if not batches:
                    batches = plan.epoch(rng)
                segment.append(batches.pop(0))
            losses = train_steps(model, xs, ys, segment)
            step += len(losses)
            row["steps_run"] = step
            if not math.isfinite(losses[-1]):
                row["status"] = "diverged"
                break
            val = model.evaluate_arrays(xv, yv)
            row["checks"].append([step, val["accuracy"]])
            row["final_val_accuracy"] = val["accuracy"]
            if not math.isfinite(val["loss"]) or val["loss"] > DIVERGED_LOSS_FACTOR * initial_loss:
                row["status"] = "diverged"
                break
            if val["accuracy"] >= t.target_accuracy:
                row.update(status="reached", steps_to_target=step,
                           train_accuracy_at_target=model.evaluate_arrays(xs, ys)["accuracy"])
                break
    return row, model


def _state_bytes(optimizer) -> int:
    return sum(v.nbytes for v in (optimizer.state or {}).values() if isinstance(v, np.ndarray))


def step_memory(template, seed: int, batch_size: int, momentum: float) -> tuple[int, int]:
    """(peak bytes of one step's temporaries after a warm-up step, bytes of θ + ∇θ + optimizer slots).

    Measured on the NumPy backend whatever the lab runs on: ``tracemalloc`` sees host allocations only."""
    x_fit, y_fit, _, _ = data(seed)
    model = compiled(template, 1e-3, momentum).to("numpy")
    xs, ys = model.prepare(x_fit[:batch_size], y_fit[:batch_size])
    train_step(model, xs, ys)
    tracemalloc.start()
    tracemalloc.reset_peak()
    train_step(model, xs, ys)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    p = model.parameters
    return peak, p.theta.nbytes + p.grad.nbytes + _state_bytes(model.optimizer)


def step_times(template, seed: int, sizes, momentum: float, repeats: int) -> tuple[dict, dict]:
    """(B → seconds per training step, B → the path that ran them: ``"compiled"`` or ``"loop"``), measured
    interleaved on the executor a fit of batch B runs; a repeat runs ≥ 3 steps, ~4096 samples."""
    x_fit, y_fit, _, _ = data(seed)
    fns, per_repeat, paths = {}, {}, {}
    for b in sizes:
        model = compiled(template, 1e-3, momentum)
        xs, ys = model.prepare(x_fit, y_fit)
        batches = EpochPlan(xs.shape[0], b).epoch(np.random.default_rng(seed))
        per_repeat[b] = max(3, 4096 // b)
        chosen = [batches[i % len(batches)] for i in range(per_repeat[b])]
        paths[b] = plan_steps(model, chosen).path
        fns[b] = lambda model=model, xs=xs, ys=ys, chosen=chosen: train_steps(model, xs, ys, chosen)
    times = measure_each(fns, repeats=repeats)
    return {b: t.scaled(1 / per_repeat[b]) for b, t in times.items()}, paths
