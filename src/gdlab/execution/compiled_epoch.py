"""The compiled epoch as an executor: one kernel call (``gdlab.compiled.runner``) per epoch, its
measurements booked into an ``EpochResult`` exactly as the step loop books its steps."""

from __future__ import annotations

import numpy as np

from gdlab import compiled
from gdlab.execution.result import EpochResult


def run_epoch(model, x, y, batches, plan, n_before: int, every: int, book) -> EpochResult:
    """The batches in one compiled call (arguments as ``gdlab.execution.steps.run_epoch``); the progress
    bars among the batch callbacks are advanced afterwards (``Callback.batch_hooks_may_lag``)."""
    ran = compiled.runner.run(model, x, y, batches, n_before, every)
    result = EpochResult.for_metrics(len(model.metrics))
    result.add_steps(ran.losses[:ran.done].tolist(), ran.sizes[:ran.done].tolist())
    if ran.done < len(batches):
        result.stopped_at, result.stop_loss = ran.done, float(ran.losses[ran.done])
    result.metric_sums = [float(ran.correct)] * len(model.metrics)  # accuracy: the only compiled metric
    result.metric_counts = [result.seen] * len(model.metrics)
    result.grad_norms = [(n_before + i, float(ran.norms[i])) for i in np.flatnonzero(~np.isnan(ran.norms[:ran.done])).tolist()]
    book.steps(result, 0)
    return result
