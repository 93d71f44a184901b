"""``ExecutionPlan``: how one fit runs, decided once before its first step.

A step can run two ways:

- ``"compiled"``: each epoch is one compiled call (``gdlab.compiled``): every batch's forward,
  loss, backward and update with no Python between the steps;
- ``"loop"``: one ``train_step`` per batch (``gdlab.execution.steps``), each op on its fused
  kernel where one is registered (``gdlab.kernels``) and on the array-API reference elsewhere.

``fit(execution=...)`` asks for ``"auto"`` (default), ``"compiled"`` or ``"loop"``. ``"auto"``
runs compiled when every object of the fit supports it (``gdlab.compiled.scope``) and a step's
forward pass does fewer multiply-adds than ``gdlab.compiled.AUTOMATIC_BELOW``; beyond that a
step is BLAS-bound and the loop is as fast. ``"compiled"`` out of scope is an error that names
every reason. The plan records the path, the kernel of each op, the BLAS thread count, when the
losses are read and every reason a faster path was not taken; ``fit`` stores it in
``history.plan`` and ``model.summary()`` shows the next fit's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from gdlab import compiled, kernels
from gdlab.compiled import scope
from gdlab.execution import compiled_epoch, steps
from gdlab.opcodes import Update

EXECUTIONS = ("auto", "compiled", "loop")
PATHS = {"compiled": "compiled epoch", "loop": "step loop"}


@dataclass(frozen=True)
class ExecutionPlan:
    path: str  # "compiled" or "loop"
    requested: str  # fit's execution=: "auto", "compiled" or "loop"
    backend: str
    dtype: str
    batch_size: int  # rows of the largest step
    kernels: tuple[tuple[str, str], ...]  # (op, what computes it)
    blas_threads: int | None  # None: not known (no threadpoolctl)
    loss_reads: str  # "every step" or "once per epoch" (a device backend with nothing to show per batch)
    reasons: tuple[str, ...] = ()  # why the path is not the compiled epoch (empty when it is)

    @property
    def run_epoch(self):
        """The executor: ``run_epoch(model, x, y, batches, plan, n_before, every, book) -> EpochResult``."""
        return compiled_epoch.run_epoch if self.path == "compiled" else steps.run_epoch

    def to_dict(self) -> dict:
        return {"path": self.path, "requested": self.requested, "backend": self.backend, "dtype": self.dtype,
                "batch_size": self.batch_size, "kernels": dict(self.kernels), "blas_threads": self.blas_threads,
                "loss_reads": self.loss_reads, "reasons": list(self.reasons)}

    def __str__(self) -> str:
        return self.describe("Execution plan")

    def describe(self, title: str) -> str:
        """The plan as text under ``title``: the path and its settings, then one line per op and the reasons."""
        threads = "BLAS threads unknown" if self.blas_threads is None else \
            f"{self.blas_threads} BLAS thread{'s' * (self.blas_threads != 1)}"
        lines = [f"{title}: {PATHS[self.path]} (execution={self.requested!r}) — {self.backend}, {self.dtype}, "
                 f"steps of up to {self.batch_size} row{'s' * (self.batch_size != 1)}, {threads}, losses read {self.loss_reads}"]
        width = max((len(op) for op, _ in self.kernels), default=0)
        lines += [f"  {op.ljust(width)}  {how}" for op, how in self.kernels]
        if self.reasons:
            lines.append(f"  not compiled: {'; '.join(self.reasons)}")
        return "\n".join(lines)


def check_execution(execution) -> str:
    if not isinstance(execution, str) or execution not in EXECUTIONS:
        raise ValueError(f"execution={execution!r}; valid: 'auto' (by scope and step size), 'compiled', 'loop'")
    return execution


def plan_fit(model, batch_size: int, callbacks, execution: str = "auto") -> ExecutionPlan:
    """The plan of a fit of ``model`` (compiled, optimizer built) whose largest step has ``batch_size``
    rows, with ``callbacks`` (its ``CallbackList``, progress and history included)."""
    execution = check_execution(execution)
    reasons: list[str] = []
    if execution == "loop":
        reasons.append("execution='loop'")
    else:
        reasons = scope.reasons(model, callbacks)
        if reasons and execution == "compiled":
            raise ValueError(f"execution='compiled', but this fit is outside the compiled path's scope: "
                             f"{'; '.join(reasons)}")
        macs = batch_size * scope.weights_per_sample(model) if not reasons else 0
        if execution == "auto" and macs >= compiled.AUTOMATIC_BELOW:
            reasons.append(f"a step does {macs} multiply-adds (>= {compiled.AUTOMATIC_BELOW}): BLAS-bound, the "
                           "step loop is as fast (execution='compiled' runs it compiled)")
    path = "loop" if reasons else "compiled"
    deferred = path == "loop" and model.backend.defers_sync and not model.metrics and not callbacks.batch_end
    return ExecutionPlan(
        path=path, requested=execution, backend=model.backend.name, dtype=model.dtype.name, batch_size=batch_size,
        kernels=tuple(_kernels(model, path, batch_size)),
        blas_threads=compiled.blas_threads_for(batch_size) if path == "compiled" else compiled.blas_threads_for(math.inf),
        loss_reads="once per epoch" if deferred else "every step", reasons=tuple(reasons))


def _kernels(model, path: str, batch_size: int):
    """(op, what computes it) for the ops of one step on this path."""
    opt = model.optimizer
    if path == "compiled":
        yield "step", "compiled epoch (numba): forward, loss, backward and update in one call per epoch"
        yield "matmul", f"BLAS {compiled.blas_name()} through function pointers"
        yield "update", (f"{type(opt).__name__}: written into θ by the weight-gradient product"
                         if opt.kernel_arguments(0.0, model.dtype)[0] == Update.SGD else
                         f"{type(opt).__name__}: fused update (numba), the per-step kernel")
        return
    backend = model.backend
    yield "matmul", f"{backend.name} (BLAS)" if backend.name == "numpy" else backend.name
    seen = set()
    for layer in model.layers:
        act = layer.activation
        name = type(act).__name__ if act is not None else None
        if name is None or name in seen:
            continue
        seen.add(name)
        fast = backend.kernel("bias_activation", activation=name) is not None
        yield f"bias + {name}", "fused kernel" if fast else "reference"
        if backend.kernel("activation_backward", activation=name) is not None:
            yield f"{name} backward", "fused kernel"
    if batch_size == 1 and backend.kernel("outer") is not None:
        yield "weight gradient (batch 1)", "fused outer product"
    kernel = opt.kernel()
    made_with = {"numpy": "numba", "cupy": "CuPy"}.get(kernels.backend_of(model.parameters.theta), backend.name)
    yield "update", (f"{type(opt).__name__}: fused kernel ({made_with})" if kernel is not None
                     else f"{type(opt).__name__}.update (reference)")
