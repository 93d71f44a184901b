"""The step loop: one ``train_step`` per batch, in Python — the executor for every fit that the
compiled epoch does not run (other layers, optimizers, a device backend, large batches).

Each step runs the model's own forward, loss, backward and optimizer update, which use the fused
kernels of ``gdlab.kernels`` where one is registered (the plan lists them) and the array-API
reference elsewhere. On a device backend with nothing to show per batch, the losses stay on
the device until the epoch's end and are read in one transfer (``ExecutionPlan.loss_reads``).
"""

from __future__ import annotations

import math

from gdlab.execution.result import EpochResult


def train_step(model, x_batch, y_batch, defer: bool = False):
    """One iteration on prepared arrays (on the host or the model's backend): forward → loss →
    backward (chain rule) → update.

        ŷ = f(x; θ),   L = loss(y, ŷ),   g = ∂L/∂θ,   θ ← optimizer(θ, g)

    Returns (L, ŷ). When L is not finite nothing is updated: θ stays as it was, so the
    caller can report where training diverged. Afterwards ``model.parameters.grad``
    holds g (optimizers never write into it). ``defer=True`` (a device backend's fit loop)
    updates without reading L, which stays on the device: the caller checks it later.
    """
    x_batch, y_batch = model.backend.asarray(x_batch), model.backend.asarray(y_batch)
    y_pred = model.forward(x_batch, training=True)
    loss = model.loss(y_batch, y_pred)
    if not defer:
        loss = float(loss)  # a device backend's 0-d loss is read here
    if defer or math.isfinite(loss):
        model.backward(y_batch, y_pred)
        model.optimizer.apply_gradients(model.parameters.theta, model.parameters.grad)
    return loss, y_pred


def run_epoch(model, x, y, batches, plan, n_before: int, every: int, book) -> EpochResult:
    """The batches (index arrays into x, y) one ``train_step`` each; ``book`` is the fit loop's
    bookkeeping (``begin(i)`` before step i, ``steps(result, start)`` after steps start …).
    Every ``every``-th iteration of the fit (``n_before`` done before this epoch; 0: never) records
    ‖∂L/∂θ‖."""
    backend, metrics, grad = model.backend, model.metrics, model.parameters.grad
    result = EpochResult.for_metrics(len(metrics))
    deferred = [] if plan.loss_reads == "once per epoch" else None
    for i, idx in enumerate(batches):
        book.begin(i)
        xb, yb = backend.asarray(x[idx]), backend.asarray(y[idx])  # host → the model's backend
        loss, out = train_step(model, xb, yb, defer=deferred is not None)
        if deferred is not None:
            deferred.append(loss)
            continue
        if not result.add_step(float(loss), idx.shape[0]):  # read now: a metric or callback wants it
            break
        for k, m in enumerate(metrics):
            result.add_metric(k, *m.batch(y[idx], backend.to_numpy(out)))
        if every and (n_before + i) % every == 0:
            result.grad_norms.append((n_before + i, math.sqrt(float(backend.dot(grad, grad)))))
        book.steps(result, i)
    if deferred:
        for idx, loss in zip(batches, backend.to_numpy(backend.xp.stack(deferred)).tolist()):
            if not result.add_step(loss, idx.shape[0]):
                break
        book.steps(result, 0)
    return result
