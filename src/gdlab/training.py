"""The fit loop: epochs of iterations, each forward → loss → backward → update.

Each iteration's updated parameters are the next iteration's starting point:
the optimizer writes θ in place in the flat buffer the layers read from, so
there is no copy anywhere between one iteration and the next.

Randomness is keyed, not streamed: epoch e of a fit shuffles with a generator
seeded by (fit seed, e, 0), and dropout layer j draws its masks from
(fit seed, e, 1 + j). An epoch's batches and masks therefore depend only on
the fit seed and the epoch number, so a run resumed at epoch k from a
checkpoint (θ, optimizer state, fit seed, history) repeats the uninterrupted
run bit for bit.
"""

from __future__ import annotations

import math
import sys
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from gdlab import compiled as compiled_path
from gdlab.batching import EpochPlan
from gdlab.callbacks import CallbackList, History, ProgressLogger
from gdlab.forensics import diagnose, first_nonfinite_parameter
from gdlab.inputs import validation_split_point
from gdlab.layers import Dropout

#: gradient norms are recorded every k-th iteration, k = ⌈P / GRAD_NORM_BUDGET⌉, so their cost stays
#: about that of one dot product over GRAD_NORM_BUDGET numbers per iteration, whatever the model size
GRAD_NORM_BUDGET = 20_000


class NonFiniteLossError(FloatingPointError):
    """Training produced a NaN/inf loss or parameter. ``history`` holds everything up to that point."""

    def __init__(self, message, history=None, epoch=None, iteration=None):
        super().__init__(message)
        self.history, self.epoch, self.iteration = history, epoch, iteration


@dataclass
class TrainingState:
    """Where a fit stands after ``epoch`` completed epochs: enough to continue it exactly."""

    epoch: int
    fit_seed: int
    history: dict = field(default_factory=dict)
    callbacks: list = field(default_factory=list)  # [(class name, state dict)] in callback order


def _check_count(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name}={value!r} must be an int >= {minimum}")
    return int(value)


def _resolve_verbose(verbose):
    if verbose == "auto":
        return 1 if sys.stderr.isatty() else 0
    if verbose not in (0, 1, 2):
        raise ValueError(f"verbose={verbose!r}; valid: 'auto', 0, 1, 2")
    return verbose


def epoch_generator(fit_seed: int, epoch: int, stream: int) -> np.random.Generator:
    """The generator for one stream (0: batches, 1 + j: dropout layer j) of one epoch."""
    return np.random.default_rng([fit_seed, epoch, stream])


def fit(model, x, y, *, batch_size, epochs, verbose, callbacks, validation_split, validation_data,
        shuffle, initial_epoch, seed, partial_batch, sampling, compiled=None) -> History:
    if not model.compiled:
        raise RuntimeError("the model is not compiled: call model.compile(optimizer, loss) before fit")
    epochs = _check_count("epochs", epochs, 0)
    initial_epoch = _check_count("initial_epoch", initial_epoch, 0)
    if seed is not None:
        _check_count("seed", seed, 0)
    verbose = _resolve_verbose(verbose)
    compiled = compiled_path.check_mode(compiled)
    x, y = model.prepare(x, y)
    split_at = validation_split_point(x.shape[0], validation_split)
    val = None
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError("validation_data must be a tuple (x_val, y_val)")
        val = model.prepare(*validation_data, xname="validation_data[0]", yname="validation_data[1]")
    elif split_at < x.shape[0]:
        val = (x[split_at:], y[split_at:])  # taken from the end, before any shuffling
        x, y = x[:split_at], y[:split_at]
    plan = EpochPlan(x.shape[0], batch_size, shuffle=shuffle, partial_batch=partial_batch, sampling=sampling)
    callbacks = list(callbacks or [])
    CallbackList(callbacks, model)  # type-check early, before anything changes
    # callbacks that save checkpoints run last, so what they save includes every other callback's
    # reaction to the epoch (a reduced learning rate, an early-stopping counter)
    callbacks.sort(key=lambda cb: bool(getattr(cb, "writes_checkpoints", False)))
    optimizer, params = model.optimizer, model.parameters
    if not optimizer.built:
        optimizer.build(params.theta, [s.slice for s in params.segments])

    state = model.resume_state
    for cb in callbacks:  # e.g. BackupAndRestore after a crash
        state = cb.load_resume_state(model) or state
    model.resume_state = None
    if state is not None:
        if initial_epoch not in (0, state.epoch):
            raise ValueError(f"the checkpoint was saved after epoch {state.epoch}; initial_epoch={initial_epoch} "
                             f"would skip or repeat epochs (leave it out, or pass {state.epoch})")
        initial_epoch = state.epoch
        fit_seed = int(seed) if seed is not None else state.fit_seed
        history = History.from_state(state.history)
    else:
        fit_seed = int(seed) if seed is not None else int(model.fit_seed_rng.integers(2**63))
        history = History()
    all_cbs = [history] + callbacks
    if verbose:
        all_cbs.append(ProgressLogger(verbose=verbose, epochs=epochs))
    cbs = CallbackList(all_cbs, model)
    model.history = history
    model.stop_training = False
    model.fit_context = {"fit_seed": fit_seed, "epoch": initial_epoch, "history": history, "callbacks": callbacks}
    if partial_batch == "carry":  # the leftover carried into epoch k comes from epochs 0..k−1
        for e in range(initial_epoch):
            plan.epoch(epoch_generator(fit_seed, e, 0))

    cbs.on_train_begin({})
    if state is not None:
        for cb, (name, cb_state) in zip(callbacks, state.callbacks):
            if type(cb).__name__ == name and cb_state is not None:
                cb.set_state(cb_state)
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is caught below, by value
            _run_epochs(model, x, y, val, plan, epochs, initial_epoch, history, cbs, fit_seed, compiled)
    except NonFiniteLossError as err:
        if not any(getattr(cb, "handles_nonfinite", False) for cb in callbacks):
            raise
        history.stopped_because = str(err)  # TerminateOnNaN: stop quietly, say why
        print(f"TerminateOnNaN: {err}", file=sys.stderr)
    finally:
        model.fit_context = None
    optimizer.finalize(params.theta)
    cbs.on_train_end({})
    return history


def _run_epochs(model, x, y, val, plan, epochs, initial_epoch, history, cbs, fit_seed, compiled) -> None:
    dropouts = [(j, layer) for j, layer in enumerate(model.layers) if isinstance(layer, Dropout)]
    every = max(1, math.ceil(model.parameters.size / GRAD_NORM_BUDGET))
    grad_norms = deque(maxlen=8)
    for epoch in range(initial_epoch, epochs):
        batches = plan.epoch(epoch_generator(fit_seed, epoch, 0))
        for j, layer in dropouts:
            layer.rng = epoch_generator(fit_seed if layer.seed is None else layer.seed, epoch, 1 + j)
        cbs.on_epoch_begin(epoch, {"iterations": len(batches)})
        history.iterations_per_epoch.append(len(batches))
        logs = _run_epoch(model, x, y, batches, epoch, history, cbs, grad_norms, every, compiled)
        if first_nonfinite_parameter(model):
            _diverged(model, x, x[batches[-1]], epoch, len(batches) - 1, float("nan"), history, grad_norms)
        if val is not None:
            logs.update({f"val_{k}": v for k, v in model.evaluate_arrays(*val).items()})
        logs["learning_rate"] = model.optimizer.current_learning_rate()
        model.fit_context["epoch"] = epoch + 1
        cbs.on_epoch_end(epoch, logs)
        if model.stop_training:
            break


def _diverged(model, x, xb, epoch, i, loss, history, grad_norms):
    message = diagnose(model, epoch=epoch, iteration=i, global_iteration=len(history.iteration_loss), loss=loss,
                       xb=xb, x_full=x, grad_norms=list(grad_norms), loss_tail=history.iteration_loss[-5:])
    raise NonFiniteLossError(message, history=history, epoch=epoch, iteration=i)


def _run_epoch(model, x, y, batches, epoch, history, cbs, grad_norms, every, compiled) -> dict:
    """One epoch; returns the sample-weighted mean training loss and metrics over its batches."""
    # -- gdlab.compiled hook: the whole epoch in one compiled call when in scope, else None -----------
    logs = compiled_path.try_run_epoch(
        model, x, y, batches, epoch=epoch, history=history, callbacks=cbs, mode=compiled, grad_norms=grad_norms,
        every=every, diverged=lambda xb, i, loss: _diverged(model, x, xb, epoch, i, loss, history, grad_norms))
    if logs is not None:
        return logs
    # -- end of the gdlab.compiled hook -------------------------------------------------------------
    optimizer, theta, grad = model.optimizer, model.parameters.theta, model.parameters.grad
    loss_fn, metrics = model.loss, model.metrics
    loss_sum, seen = 0.0, 0
    m_sums, m_counts = [0.0] * len(metrics), [0] * len(metrics)
    for i, idx in enumerate(batches):
        for cb in cbs.batch_begin:
            cb.on_train_batch_begin(i)
        xb, yb = x[idx], y[idx]
        out = model.forward(xb, training=True)
        loss = loss_fn(yb, out)
        if not math.isfinite(loss):
            _diverged(model, x, xb, epoch, i, loss, history, grad_norms)
        for k, m in enumerate(metrics):
            s, c = m.batch(yb, out)
            m_sums[k] += s
            m_counts[k] += c
        model.backward(yb, out)
        n_done = len(history.iteration_loss)
        if n_done % every == 0:
            grad_norms.append((n_done, math.sqrt(float(np.dot(grad, grad)))))
        optimizer.apply_gradients(theta, grad)
        history.record_iteration(epoch, i, loss)
        b = idx.shape[0]
        loss_sum += loss * b
        seen += b
        for cb in cbs.batch_end:
            cb.on_train_batch_end(i, {"loss": loss_sum / seen})
    logs = {"loss": loss_sum / seen if seen else float("nan")}
    for m, s, c in zip(metrics, m_sums, m_counts):
        logs[m.name] = s / c if c else float("nan")
    return logs
