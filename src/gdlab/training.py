"""The fit loop: epochs of iterations, each forward → loss → backward → update.

Each iteration's updated parameters are the next iteration's starting point:
the optimizer writes θ in place in the flat buffer the layers read from, so
there is no copy anywhere between one iteration and the next.
"""

from __future__ import annotations

import math
import sys

import numpy as np

from gdlab.batching import EpochPlan
from gdlab.callbacks import CallbackList, History, ProgressLogger
from gdlab.inputs import validation_split_point


class NonFiniteLossError(FloatingPointError):
    """Training produced a NaN/inf loss. ``history`` holds everything up to that point."""

    def __init__(self, message, history=None, epoch=None, iteration=None):
        super().__init__(message)
        self.history, self.epoch, self.iteration = history, epoch, iteration


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


def fit(model, x, y, *, batch_size, epochs, verbose, callbacks, validation_split, validation_data,
        shuffle, initial_epoch, seed, partial_batch, sampling) -> History:
    if not model.compiled:
        raise RuntimeError("the model is not compiled: call model.compile(optimizer, loss) before fit")
    epochs = _check_count("epochs", epochs, 0)
    initial_epoch = _check_count("initial_epoch", initial_epoch, 0)
    verbose = _resolve_verbose(verbose)
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

    if seed is not None:
        from gdlab.backend import seed_sequence

        shuffle_seq, dropout_seq = seed_sequence(seed).spawn(2)
        model.shuffle_rng = np.random.default_rng(shuffle_seq)
        model.dropout_rng.bit_generator.state = np.random.default_rng(dropout_seq).bit_generator.state
    plan = EpochPlan(x.shape[0], batch_size, shuffle=shuffle, rng=model.shuffle_rng,
                     partial_batch=partial_batch, sampling=sampling)
    history = History()
    cbs = [history] + list(callbacks or [])
    if verbose:
        cbs.append(ProgressLogger(verbose=verbose, epochs=epochs))
    cbs = CallbackList(cbs, model)
    model.history = history
    model.stop_training = False
    model.epoch_plan = plan
    optimizer, params = model.optimizer, model.parameters
    if not optimizer.built:
        optimizer.build(params.theta, [s.slice for s in params.segments])

    cbs.on_train_begin({})
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is caught below, by value
        _run_epochs(model, x, y, val, plan, epochs, initial_epoch, history, cbs)
    optimizer.finalize(params.theta)
    cbs.on_train_end({})
    return history


def _run_epochs(model, x, y, val, plan, epochs, initial_epoch, history, cbs) -> None:
    for epoch in range(initial_epoch, epochs):
        batches = plan.epoch()
        cbs.on_epoch_begin(epoch, {"iterations": len(batches)})
        history.iterations_per_epoch.append(len(batches))
        logs = _run_epoch(model, x, y, batches, epoch, history, cbs)
        if val is not None:
            logs.update({f"val_{k}": v for k, v in model.evaluate_arrays(*val).items()})
        logs["learning_rate"] = model.optimizer.current_learning_rate()
        cbs.on_epoch_end(epoch, logs)
        if model.stop_training:
            break


def _run_epoch(model, x, y, batches, epoch, history, cbs) -> dict:
    """One epoch; returns the sample-weighted mean training loss and metrics over its batches."""
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
            raise NonFiniteLossError(
                f"the loss became {loss} at epoch {epoch}, iteration {i} "
                f"(learning rate {optimizer.current_learning_rate():g}); "
                "lower the learning rate or check the data",
                history=history, epoch=epoch, iteration=i)
        for k, m in enumerate(metrics):
            s, c = m.batch(yb, out)
            m_sums[k] += s
            m_counts[k] += c
        model.backward(yb, out)
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
