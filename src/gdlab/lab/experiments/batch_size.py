"""The batch-size study: memory, speed, convergence, gradient noise and generalisation, measured together.

For each batch size B — same data (digits), network, η, seed and initial
weights — it measures:

- iterations per epoch ⌈N/B⌉, median seconds per epoch, samples per second;
- peak memory of one training step: the temporaries one forward + backward +
  update allocates, measured with ``tracemalloc`` (NumPy reports its buffers to
  it), plus the persistent buffers (θ, ∇θ and the optimizer's slots);
- training and validation loss and accuracy after every epoch, against epochs
  and against wall-clock seconds; the generalisation gap (train − validation
  accuracy) at the end;
- the gradient noise scale B_simple = tr(Σ)/|G|² from per-example gradients,
  at the initial weights and after training at the reference batch size.

It then recommends the batch size that reaches a target validation accuracy
(97% of the best final one) in the least wall-clock time — epochs to the
target × the median seconds per epoch, so one slow epoch does not decide —
within an optional memory budget, and says why.
"""

from __future__ import annotations

import time
import tracemalloc
from dataclasses import dataclass, field

import numpy as np

from gdlab import Sequential, datasets
from gdlab.callbacks import Callback
from gdlab.lab.experiments.common import Table, fmt
from gdlab.lab.noise import noise_scale, per_example_gradients
from gdlab.layers import Dense
from gdlab.optimizers import SGD

TARGET_FRACTION = 0.97
NOISE_SAMPLES = 400


class EpochRecorder(Callback):
    """θ and the training-only wall-clock time at the end of every epoch."""

    def on_train_begin(self, logs=None):
        self.thetas, self.times, self.epoch_seconds = [self.model.parameters.theta.copy()], [0.0], []
        self._elapsed = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        seconds = time.perf_counter() - self._t0
        self.epoch_seconds.append(seconds)
        self._elapsed += seconds
        self.times.append(self._elapsed)
        self.thetas.append(self.model.parameters.theta.copy())


@dataclass
class BatchRun:
    batch_size: int
    iterations_per_epoch: int
    seconds_per_epoch: float
    samples_per_second: float
    step_peak_bytes: int  # temporaries of one step (tracemalloc)
    persistent_bytes: int  # θ + ∇θ + optimizer slots
    seconds: np.ndarray  # wall-clock at each epoch end (0 = start)
    train_loss: np.ndarray
    val_loss: np.ndarray
    train_accuracy: np.ndarray
    val_accuracy: np.ndarray
    time_to_target: float | None = None
    epochs_to_target: int | None = None

    @property
    def generalisation_gap(self) -> float:
        return float(self.train_accuracy[-1] - self.val_accuracy[-1])


@dataclass
class BatchSizeResult:
    n_train: int
    epochs: int
    learning_rate: float
    target_accuracy: float = 0.0
    noise_initial: dict = field(default_factory=dict)
    noise_trained: dict = field(default_factory=dict)
    runs: list[BatchRun] = field(default_factory=list)
    recommended: int | None = None
    reason: str = ""

    def table(self) -> Table:
        rows = []
        for r in self.runs:
            rows.append([fmt(r.batch_size), fmt(r.iterations_per_epoch), f"{r.seconds_per_epoch * 1e3:.1f}",
                         fmt(round(r.samples_per_second)), f"{r.step_peak_bytes / 1024:.1f}",
                         f"{r.val_loss[-1]:.4f}", f"{r.val_accuracy[-1]:.3f}", f"{r.generalisation_gap:+.3f}",
                         fmt(r.epochs_to_target), "—" if r.time_to_target is None else f"{r.time_to_target:.2f}"])
        return Table(["batch", "it./epoch", "ms/epoch", "samples/s", "step KiB", "val loss", "val acc",
                      "gap", "epochs→target", "s→target"], rows)


def _step_peak_bytes(model, x, y, batch) -> int:
    """Peak bytes allocated by one forward + backward + update at this batch size (after a warm-up)."""
    xb, yb = x[:batch], y[:batch]
    theta, grad = model.parameters.theta, model.parameters.grad
    saved = theta.copy()
    for trace in (False, True):
        if trace:
            tracemalloc.start()
            tracemalloc.reset_peak()
        out = model.forward(xb, training=True)
        model.loss(yb, out)
        model.backward(yb, out)
        model.optimizer.apply_gradients(theta, grad)
        if trace:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    theta[...] = saved
    return peak


def batch_size_study(batch_sizes=(1, 8, 32, 128, 512, "full"), epochs: int = 25, learning_rate: float = 0.02,
                     reference_batch: int = 32, memory_budget_bytes: int | None = None, seed: int = 0,
                     progress=None) -> BatchSizeResult:
    (x_train, y_train), _ = datasets.load_digits(seed=seed)
    n_val = len(x_train) // 5  # the last 20%, as validation_split=0.2 would take
    x_val, y_val = x_train[-n_val:], y_train[-n_val:]
    x_fit, y_fit = x_train[:-n_val], y_train[:-n_val]
    template = Sequential([Dense(64, activation="relu"), Dense(10, activation="softmax")], seed=seed)
    template.build(x_fit.shape[1:])
    template.compile(SGD(learning_rate, momentum=0.9), "sparse_categorical_crossentropy")
    sample = slice(0, NOISE_SAMPLES)
    result = BatchSizeResult(n_train=len(x_fit), epochs=epochs, learning_rate=learning_rate)
    result.noise_initial = noise_scale(per_example_gradients(template, x_fit[sample], y_fit[sample]))

    sizes = [len(x_fit) if b == "full" else int(b) for b in batch_sizes]
    for batch in (progress(sizes, "batch sizes") if progress else sizes):
        model = template.clone()  # the same initial weights for every run
        model.compile(SGD(learning_rate, momentum=0.9), "sparse_categorical_crossentropy", ["accuracy"])
        xs, ys = model.prepare(x_fit, y_fit)
        peak = _step_peak_bytes(model, xs, ys, batch)
        model.optimizer.build(model.parameters)
        rec = EpochRecorder()
        history = model.fit(x_fit, y_fit, epochs=epochs, batch_size=batch, seed=seed, callbacks=[rec], verbose=0)
        curves = {"train": [], "val": []}
        for theta in rec.thetas:
            model.parameters.theta[...] = theta
            curves["train"].append(model.evaluate(x_fit, y_fit, return_dict=True))
            curves["val"].append(model.evaluate(x_val, y_val, return_dict=True))
        persistent = 2 * model.parameters.theta.nbytes + sum(v.nbytes for v in model.optimizer.state.values())
        median = float(np.median(rec.epoch_seconds))
        result.runs.append(BatchRun(
            batch_size=batch, iterations_per_epoch=history.iterations_per_epoch[0], seconds_per_epoch=median,
            samples_per_second=len(x_fit) / median, step_peak_bytes=peak, persistent_bytes=persistent,
            seconds=np.array(rec.times),
            train_loss=np.array([c["loss"] for c in curves["train"]]),
            val_loss=np.array([c["loss"] for c in curves["val"]]),
            train_accuracy=np.array([c["accuracy"] for c in curves["train"]]),
            val_accuracy=np.array([c["accuracy"] for c in curves["val"]])))
        if batch == reference_batch:
            model.parameters.theta[...] = rec.thetas[-1]
            result.noise_trained = noise_scale(per_example_gradients(model, x_fit[sample], y_fit[sample]))
    _recommend(result, memory_budget_bytes)
    return result


def _recommend(result: BatchSizeResult, memory_budget_bytes) -> None:
    best = max(float(r.val_accuracy[-1]) for r in result.runs)
    result.target_accuracy = TARGET_FRACTION * best
    for r in result.runs:
        hit = np.flatnonzero(r.val_accuracy >= result.target_accuracy)
        if hit.size:
            r.epochs_to_target = int(hit[0])
            r.time_to_target = r.epochs_to_target * r.seconds_per_epoch
    fits = [r for r in result.runs if memory_budget_bytes is None
            or r.step_peak_bytes + r.persistent_bytes <= memory_budget_bytes]
    candidates = [r for r in fits if r.time_to_target is not None]
    if not candidates:
        result.reason = "no batch size reached the target accuracy within the memory budget"
        return
    pick = min(candidates, key=lambda r: r.time_to_target)
    result.recommended = pick.batch_size
    smaller = [r for r in result.runs if r.batch_size < pick.batch_size]
    larger = [r for r in result.runs if r.batch_size > pick.batch_size]
    b_crit = result.noise_trained.get("b_simple") or result.noise_initial.get("b_simple")
    parts = [f"B = {pick.batch_size} reaches {result.target_accuracy:.3f} validation accuracy "
             f"({TARGET_FRACTION:.0%} of the best, {best:.3f}) fastest: {pick.time_to_target:.2f} s, "
             f"in {pick.epochs_to_target} epochs at {pick.samples_per_second:,.0f} samples/s."]
    if smaller:
        s = smaller[-1]
        parts.append(f"The next smaller batch (B = {s.batch_size}) processes {s.samples_per_second:,.0f} samples/s — "
                     f"its many small steps cost more wall-clock time"
                     + ("" if s.time_to_target is None else f" ({s.time_to_target:.2f} s to target)") + ".")
    if larger:
        b = larger[0]
        took = "never reaches the target" if b.epochs_to_target is None else \
            f"needs {b.epochs_to_target} epochs ({b.time_to_target:.2f} s)"
        parts.append(f"The next larger batch (B = {b.batch_size}) runs at {b.samples_per_second:,.0f} samples/s "
                     f"but takes {b.iterations_per_epoch} steps per epoch instead of {pick.iterations_per_epoch} and "
                     f"{took}.")
    if b_crit and np.isfinite(b_crit):
        parts.append(f"The gradient noise scale B_simple ≈ {b_crit:.0f}: beyond about that size a larger batch "
                     f"no longer buys proportionally fewer steps.")
    result.reason = " ".join(parts)
