"""The compiled whole-epoch path (optional: ``pip install gdlab[fast]``).

``fit`` hands each epoch to ``try_run_epoch``. When the model and the run are
in scope (``gdlab.compiled.scope``), the epoch's batches run in one compiled
call (``gdlab.compiled.epoch``): no Python between steps, the weights updated
in place, BLAS called through function pointers (``gdlab.compiled.blas``) and
one BLAS thread at batch sizes where a second one only slows the step down.
Otherwise it returns None and the NumPy reference loop runs the epoch.

``fit(compiled=None)`` (default) chooses by scope and by the work of a step: below
``AUTOMATIC_BELOW`` multiply-adds in a step's forward pass (batch × Σ n_in·n_out over
the layers), where Python's share of a step is what the compiled call saves. From
there on a step is BLAS-bound and the reference loop runs: on the benchmark's
784-256-128-10 network the limit is batch 512, where the two paths measured
0.96–1.1× (SGD, Adam), against 0.9× at batch 2048.
``compiled=True`` requires the path at any batch size (out of scope is an error
that says why), ``compiled=False`` never takes it; ``with
gdlab.kernels.fused(False):`` switches it off with the other fused kernels. Each
epoch logs at DEBUG level on the ``gdlab.compiled`` logger which path ran and,
for the reference path, why.

The two paths compute the same formulas with different rounding (BLAS
accumulation order, b + x·W in one product): per step they agree to float
precision (the tests: rtol 1e-4 in float32, 1e-10 in float64), and a compiled
run resumed from a checkpoint repeats the uninterrupted compiled run bit for bit.
One difference in what is left behind: with plain SGD the gradient goes straight
into θ, so ``model.parameters.grad`` does not hold the last batch's gradient.
"""

from __future__ import annotations

import importlib.util
import logging

import numpy as np

from gdlab.compiled import scope

if importlib.util.find_spec("numba") is not None:
    from gdlab.compiled import runner
else:  # the extra is optional; scope.reason says so
    runner = None

log = logging.getLogger(__name__)

MODES = (None, True, False)
#: ``compiled=None`` runs an epoch compiled when its largest step does fewer multiply-adds in the forward
#: pass than this: batch 512 of the 784-256-128-10 benchmark network (512 × 234,752)
AUTOMATIC_BELOW = 120_000_000


def check_mode(compiled):
    """``compiled`` as given to ``fit``: None (automatic), True (required) or False (never)."""
    if not any(compiled is m for m in MODES):
        raise ValueError(f"compiled={compiled!r}; valid: None (by scope), True (required), False (never)")
    return compiled


def try_run_epoch(model, x, y, batches, *, epoch, history, callbacks, mode, diverged, grad_norms,
                  every) -> dict | None:
    """Run one epoch compiled and return its logs, or return None for the reference path.

    ``callbacks``: the fit's ``CallbackList``; ``mode``: ``fit``'s ``compiled``; ``diverged(x_batch,
    i, loss)``: the fit loop's report of a non-finite loss at step i (it raises); ``grad_norms``: the
    fit loop's deque of (iteration, ‖∂L/∂θ‖), appended every ``every``-th iteration as there (0: never).
    """
    if mode is False:
        log.debug("epoch %d: reference path (compiled=False)", epoch)
        return None
    why = scope.reason(model, callbacks)
    if why is not None:
        if mode is True:
            raise ValueError(f"compiled=True, but this fit is outside the compiled path's scope: {why}")
        log.debug("epoch %d: reference path: %s", epoch, why)
        return None
    sizes = np.fromiter((b.shape[0] for b in batches), dtype=np.int64, count=len(batches))
    macs = int(sizes.max(initial=0)) * scope.weights_per_sample(model)
    if mode is None and macs >= AUTOMATIC_BELOW:
        log.debug("epoch %d: reference path: a step does %d multiply-adds (>= %d), BLAS-bound: the NumPy loop is "
                  "as fast (compiled=True runs it compiled)", epoch, macs, AUTOMATIC_BELOW)
        return None
    log.debug("epoch %d: compiled path", epoch)
    return runner.run_epoch(model, x, y, batches, sizes, epoch, history, callbacks, diverged, grad_norms, every)
