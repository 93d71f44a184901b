"""The compiled whole-epoch path (optional: ``pip install gdlab[fast]``).

When a fit's plan (``gdlab.execution.plan_fit``) takes this path, each epoch's batches run in one
compiled call (``gdlab.compiled.epoch``): no Python between steps, the weights updated in place,
BLAS called through function pointers (``gdlab.compiled.blas``) and one BLAS thread at batch
sizes where a second one only slows the step down (``gdlab.compiled.threads``). Which fits it can
run, the objects of the fit say themselves (``gdlab.compiled.scope``).

``execution="auto"`` (fit's default) takes it below ``AUTOMATIC_BELOW`` multiply-adds in a step's
forward pass (batch × Σ n_in·n_out over the layers), where Python's share of a step is what the
compiled call saves. From there on a step is BLAS-bound and the step loop runs: on the benchmark's
784-256-128-10 network the limit is batch 512, where the two paths measured 0.96–1.1× (SGD, Adam),
against 0.9× at batch 2048.

The two paths compute the same formulas with different rounding (BLAS accumulation order, b + x·W
in one product): per step they agree to float precision (the tests: rtol 1e-4 in float32, 1e-10 in
float64), and a compiled run resumed from a checkpoint repeats the uninterrupted compiled run bit
for bit. One difference in what is left behind: with plain SGD the gradient goes straight into θ,
so ``model.parameters.grad`` does not hold the last batch's gradient.
"""

from __future__ import annotations

import importlib.util

from gdlab.compiled.threads import threads_for as blas_threads_for

if importlib.util.find_spec("numba") is not None:
    from gdlab.compiled import runner
else:  # the extra is optional; scope.reasons says so
    runner = None

#: ``execution="auto"`` runs an epoch compiled when its largest step does fewer multiply-adds in the forward
#: pass than this: batch 512 of the 784-256-128-10 benchmark network (512 × 234,752)
AUTOMATIC_BELOW = 120_000_000

__all__ = ["AUTOMATIC_BELOW", "blas_name", "blas_threads_for", "runner"]


def blas_name() -> str:
    """The BLAS library the compiled epoch calls."""
    return runner.blas.source().name
