"""Runs one epoch's batches through the compiled kernel (``gdlab.compiled.epoch``) with the model's
layer table, optimizer arguments and workspace, and returns what the kernel measured
(``gdlab.execution.compiled_epoch`` turns it into the fit loop's ``EpochResult``)."""

from __future__ import annotations

import threading
import weakref
from typing import NamedTuple

import numpy as np

from gdlab import kernels
from gdlab.compiled import blas, epoch as ek
from gdlab.compiled.threads import single_below
from gdlab.opcodes import Act, LossCode

#: BLAS's thread count is one setting for the whole process, and each epoch needs its own
#: (``gdlab.compiled.threads``): compiled epochs of different threads (playground sessions) take turns
_epoch_lock = threading.Lock()
_workspaces: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


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
            act = Act.SOFTMAX if layer is dense[-1] and model._fused else layer.activation.compiled_code
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


class Ran(NamedTuple):
    """What one kernel call measured: ``done`` steps completed (fewer than the batches: step ``done``'s
    loss was not finite and updated nothing), each batch's loss (``losses[done]`` the non-finite one),
    the rows of each batch, the correct predictions of the completed steps, and ‖∂L/∂θ‖ per step (NaN
    where not recorded)."""

    done: int
    losses: np.ndarray
    sizes: np.ndarray
    correct: int
    norms: np.ndarray


def run(model, x, y, batches, n_before: int, every: int) -> Ran:
    """The epoch's batches (index arrays into x, y) in one kernel call; ``n_before``: iterations of the fit
    before it, ``every``: record ‖∂L/∂θ‖ every so many iterations of the fit (0: never)."""
    sizes = np.fromiter((b.shape[0] for b in batches), dtype=np.int64, count=len(batches))
    largest = int(sizes.max(initial=1))
    starts = np.zeros(sizes.size + 1, dtype=np.int64)
    np.cumsum(sizes, out=starts[1:])
    order = np.concatenate(batches).astype(np.intp, copy=False) if batches else np.zeros(0, dtype=np.intp)
    dtype, opt, params = model.dtype, model.optimizer, model.parameters
    ws = Workspace.get(model, largest)
    code, hp, s1, s2 = opt.kernel_arguments(opt.current_learning_rate(), dtype)
    loss_code = int(model.loss.compiled_code)  # an int: an IntEnum argument costs numba 18 µs of dispatch
    if loss_code == LossCode.SPARSE_CE:  # integer labels
        y_lab, y_val = y, np.zeros((0, 0), dtype=dtype)
    else:
        y_lab, y_val = np.zeros(0, dtype=np.intp), y
    threshold = model.metrics[0].threshold if model.metrics else 0.5
    batch_loss, norms, correct = np.empty(len(batches)), np.empty(len(batches)), np.zeros(1, dtype=np.int64)
    with _epoch_lock, single_below(largest):  # this epoch's batch size, not the workspace's (it may be larger)
        done = ek.run(blas.pointers(dtype), np.ascontiguousarray(x), y_lab, y_val, order, starts, ws.layers,
                      loss_code, params.theta, params.grad, ws.ws, code, hp, s1, s2, opt.iterations,
                      kernels.tiny(dtype), threshold, batch_loss, correct, n_before, every, norms, ws.args.ints,
                      ws.args.floats, ws.args.chars)
    opt.state["iterations"] += done  # the 0-d step counter
    return Ran(done, batch_loss, sizes, int(correct[0]), norms)
