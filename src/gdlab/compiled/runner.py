"""Runs one epoch through the compiled kernel and books it exactly as the reference loop does:
every iteration's loss in the history, the optimizer's step count, the epoch's sample-weighted
loss and accuracy, and a non-finite loss reported through the fit loop's own diagnosis."""

from __future__ import annotations

import threading
import weakref
from contextlib import contextmanager

import numpy as np

from gdlab import kernels
from gdlab.compiled import blas, epoch as ek
from gdlab.compiled.scope import HIDDEN, LOSSES
from gdlab.optimizers import SGD

try:
    import threadpoolctl
except ImportError:  # part of the fast extra; without it BLAS keeps its own thread count
    threadpoolctl = None

#: below this batch size one BLAS thread runs the epoch: there a step is matrix–vector work that a
#: second thread only slows down. From batch 8 BLAS keeps its own count: on a quiet 2-core machine two
#: threads made batches 8, 32 and 128 1.3×, 1.3× and 1.5× faster than one. (On a machine loaded by
#: other work OpenBLAS's spinning threads slow every framework's small products, this one's included.)
#: The count depends on nothing but the batch size: results differ in the last bits between thread
#: counts, and a resumed run must repeat the uninterrupted one.
SINGLE_THREAD_BELOW = 8

#: BLAS's thread count is one setting for the whole process, and each epoch needs its own (see
#: ``SINGLE_THREAD_BELOW``): compiled epochs of different threads (playground sessions) take turns
_epoch_lock = threading.Lock()
_workspaces: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_blas_controllers: list | None = None  # threadpoolctl's, found on first use


class Workspace:
    """What the kernel needs besides θ, for one model and a largest batch: the layer table and
    one buffer holding the gathered batch, every layer's activations a_l and deltas δ_l, and each
    layer's [x, δ] of a pending batch-1 update."""

    def __init__(self, model, batch: int):
        self.batch, self.dtype = batch, model.dtype
        start = {s.name: s.start for s in model.parameters.segments}
        dense = model.layers
        self.layers = np.zeros((len(dense), 8), dtype=np.int64)
        offset = batch * dense[0].weights["kernel"].shape[0]  # the gathered batch comes first
        for row, layer in zip(self.layers, dense):
            n_in, n_out = layer.weights["kernel"].shape
            act = ek.SOFTMAX if layer is dense[-1] and model._fused else HIDDEN[type(layer.activation)]
            row[:] = (n_in, n_out, start[f"{layer.name}/kernel"], start.get(f"{layer.name}/bias", -1), act,
                      offset, offset + batch * n_out, offset + 2 * batch * n_out)
            offset += 2 * batch * n_out + n_in + n_out
        self.ws = np.zeros(offset, dtype=self.dtype)
        self.args = blas.ArgBlock(self.dtype)

    @classmethod
    def get(cls, model, batch: int) -> "Workspace":
        ws = _workspaces.get(model)
        if (ws is None or ws.batch < batch or ws.dtype != model.dtype
                or ws.args.ints.dtype != blas.source().int_dtype):  # integers as wide as the library's
            ws = _workspaces[model] = cls(model, batch)
        return ws


def optimizer_arguments(opt, dtype):
    """(code, float64 hyperparameters, slot 1, slot 2) for the kernel."""
    hp = np.zeros(7)
    hp[ek.LR] = opt.current_learning_rate()
    none = np.zeros(0, dtype=dtype)
    if isinstance(opt, SGD):
        if not opt.momentum:
            return ek.SGD, hp, none, none
        hp[ek.MU], hp[ek.ONE_MINUS_TAU], hp[ek.NESTEROV] = opt.momentum, 1 - opt.dampening, opt.nesterov
        code = ek.SGD_KERAS if opt.lr_inside_momentum else ek.SGD_TORCH  # v holds η·g, or raw steps
        return code, hp, opt.state["velocity"], none
    hp[ek.BETA_1], hp[ek.BETA_2], hp[ek.EPS] = opt.beta_1, opt.beta_2, opt.epsilon
    code = ek.ADAM_KERAS if opt.eps_hat else ek.ADAM_TORCH  # ε̂ on √v, or ε on the corrected root
    return code, hp, opt.state["m"], opt.state["v"]


@contextmanager
def blas_threads(batch: int):
    """Sets the BLAS thread count for an epoch: 1 below ``SINGLE_THREAD_BELOW``, else BLAS's own."""
    libraries = _blas_libraries() if batch < SINGLE_THREAD_BELOW else []
    before = [lib.num_threads for lib in libraries]
    for lib in libraries:
        lib.set_num_threads(1)
    try:
        yield
    finally:
        for lib, n in zip(libraries, before):
            lib.set_num_threads(n)


def _blas_libraries() -> list:
    """threadpoolctl's controllers of the loaded BLAS libraries (found once: it takes milliseconds)."""
    global _blas_controllers
    if _blas_controllers is None:
        _blas_controllers = ([] if threadpoolctl is None else
                             threadpoolctl.ThreadpoolController().select(user_api="blas").lib_controllers)
    return _blas_controllers


def run_epoch(model, x, y, batches, sizes, epoch, history, callbacks, diverged, grad_norms, every) -> dict:
    """The epoch's batches (``sizes``: their lengths) in one kernel call; returns its logs (see
    ``try_run_epoch``)."""
    largest = int(sizes.max(initial=1))
    starts = np.zeros(sizes.size + 1, dtype=np.int64)
    np.cumsum(sizes, out=starts[1:])
    order = np.concatenate(batches).astype(np.intp, copy=False) if batches else np.zeros(0, dtype=np.intp)
    dtype, opt, params = model.dtype, model.optimizer, model.parameters
    ws = Workspace.get(model, largest)
    code, hp, s1, s2 = optimizer_arguments(opt, dtype)
    loss_code = LOSSES[type(model.loss)]
    if loss_code == ek.SPARSE_CE:
        y_lab, y_val = y, np.zeros((0, 0), dtype=dtype)
    else:
        y_lab, y_val = np.zeros(0, dtype=np.intp), y
    threshold = model.metrics[0].threshold if model.metrics else 0.5
    batch_loss, norms, correct = np.empty(len(batches)), np.empty(len(batches)), np.zeros(1, dtype=np.int64)
    n_before = len(history.iteration_loss)
    with _epoch_lock, blas_threads(largest):  # this epoch's batch size, not the workspace's (it may be larger)
        done = ek.run(blas.pointers(dtype), np.ascontiguousarray(x), y_lab, y_val, order, starts, ws.layers,
                      loss_code, params.theta, params.grad, ws.ws, code, hp, s1, s2, opt.iterations,
                      kernels.tiny(dtype), threshold, batch_loss, correct, n_before, every, norms, ws.args.ints,
                      ws.args.floats, ws.args.chars)
    opt.state["iterations"] += done  # the 0-d step counter
    for i in np.flatnonzero(~np.isnan(norms[:done])).tolist():
        grad_norms.append((n_before + i, float(norms[i])))
    losses = batch_loss[:done].tolist()
    history.record_iterations(epoch, losses)
    loss_sum, seen = 0.0, 0
    for i, (loss, b) in enumerate(zip(losses, sizes[:done].tolist())):
        loss_sum += loss * b  # summed in the reference loop's order: the same epoch loss to the bit
        seen += b
        for cb in callbacks.batch_end:  # only progress bars (scope), advanced after the fact
            cb.on_train_batch_end(i, {"loss": loss_sum / seen})
    if done < len(batches):
        diverged(x[batches[done]], done, float(batch_loss[done]))
    logs = {"loss": loss_sum / seen if seen else float("nan")}
    for m in model.metrics:
        logs[m.name] = int(correct[0]) / seen if seen else float("nan")
    return logs
