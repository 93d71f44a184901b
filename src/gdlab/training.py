"""The fit loop: epochs of iterations, each forward → loss → backward → update.

Each iteration's updated parameters are the next iteration's starting point:
the optimizer writes θ in place in the flat buffer the layers read from, so
there is no copy anywhere between one iteration and the next.

How the steps run — the compiled epoch or the step loop, which kernels, how many BLAS threads — is
decided once per fit (``gdlab.execution.plan_fit``) and kept in ``history.plan``; every executor
returns an ``EpochResult`` that ``_Loop`` books in one place (``_Book``).

Randomness is keyed, not streamed: epoch e of a fit shuffles with a generator
seeded by (fit seed, e, 0), and dropout layer j draws its masks from
(fit seed, e, 1 + j). An epoch's batches and masks therefore depend only on
the fit seed and the epoch number, so a run continued at epoch k — from a
checkpoint, or by ``fit(..., initial_epoch=k)`` right after a fit that ended
at epoch k — repeats the uninterrupted run bit for bit.

The loop owns one ``TrainingState`` (``model.training_state``): the completed
epochs, the fit seed, the history and the callbacks. Saving a checkpoint
serialises it; loading one puts it back, marked to be resumed by the next fit.
"""

from __future__ import annotations

import math
import sys
import warnings
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from gdlab.batching import EpochPlan
from gdlab.callbacks import Callback, CallbackList, History, ProgressLogger
from gdlab.display import in_notebook
from gdlab.execution import ExecutionPlan, check_execution, plan_fit, train_step
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
    """Where a fit stands after ``epoch`` completed epochs: enough to continue it exactly.

    While a fit runs, ``callbacks`` are its live callbacks; a state read from a checkpoint has
    their saved states in ``saved_callbacks`` instead and ``resume=True``: the next fit continues it.
    """

    epoch: int
    fit_seed: int
    history: History = field(default_factory=History)
    callbacks: list = field(default_factory=list)
    saved_callbacks: list = field(default_factory=list)  # [(class name, state dict or None)]
    resume: bool = False

    def callback_states(self) -> list[tuple[str, dict | None]]:
        """[(class name, state)] in callback order, for a checkpoint."""
        if self.callbacks:
            return [(type(cb).__name__, cb.get_state()) for cb in self.callbacks]
        return list(self.saved_callbacks)


def _check_count(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name}={value!r} must be an int >= {minimum}")
    return int(value)


def _resolve_verbose(verbose):
    """'auto': progress on a terminal and in a Jupyter notebook (one line per epoch, on stdout), none elsewhere."""
    if verbose == "auto":
        return 1 if sys.stderr.isatty() or in_notebook() else 0
    if verbose not in (0, 1, 2):
        raise ValueError(f"verbose={verbose!r}; valid: 'auto', 0, 1, 2")
    return verbose


def _check_callbacks(callbacks) -> list[Callback]:
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback) or not isinstance(callbacks, (list, tuple)):
        raise TypeError(f"callbacks={callbacks!r} must be a list of gdlab.callbacks.Callback, "
                        "e.g. callbacks=[EarlyStopping()]")
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise TypeError(f"callbacks must be gdlab.callbacks.Callback instances; got {cb!r}")
    # callbacks that save checkpoints run last, so what they save includes every other callback's
    # reaction to the epoch (a reduced learning rate, an early-stopping counter)
    return sorted(callbacks, key=lambda cb: cb.writes_checkpoints())


def epoch_generator(fit_seed: int, epoch: int, stream: int) -> np.random.Generator:
    """The generator for one stream (0: batches, 1 + j: dropout layer j) of one epoch."""
    return np.random.default_rng([fit_seed, epoch, stream])


def train_steps(model, x, y, batches, execution: str = "auto") -> list[float]:
    """Consecutive steps on x, y (checked and converted as fit does), one per batch (1-D integer index
    arrays into x, y), without fit's bookkeeping; returns each step's loss. They run as one epoch of
    the executor that ``fit`` would choose (``plan_steps``): in the compiled path's scope all of them in
    one compiled call, else one ``train_step`` each. Stops at the first non-finite loss, which ends the
    list; θ stays as it was before that step."""
    x, y = model.prepare(x, y)
    batches = _index_batches(batches, x.shape[0])
    plan = plan_steps(model, batches, execution)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        result = plan.run_epoch(model, x, y, batches, plan, 0, 0, _Book.silent())
    return result.losses + ([result.stop_loss] if result.stopped_at is not None else [])


def plan_steps(model, batches, execution: str = "auto") -> ExecutionPlan:
    """The plan ``train_steps`` runs ``batches`` with (the optimizer is built if it is not)."""
    if not model.optimizer.built:
        model.optimizer.build(model.parameters)
    largest = max((len(b) for b in batches), default=1)
    return plan_fit(model, largest, CallbackList([], model), execution)


def _index_batches(batches, n: int) -> list[np.ndarray]:
    """``batches`` as a list of non-empty 1-D integer arrays of indices in 0 … n − 1, or a ValueError."""
    out = []
    for k, b in enumerate(batches):
        b = np.asarray(b)
        if b.ndim != 1 or b.size == 0 or b.dtype.kind not in "iu":
            raise ValueError(f"batches[{k}] = {b!r}: each batch must be a non-empty 1-D array of integer indices")
        low, high = b.min(), b.max()
        if low < 0 or high >= n:
            raise ValueError(f"batches[{k}] holds index {low if low < 0 else high}; valid: 0 … {n - 1} "
                             f"(the {n} samples)")
        out.append(b)
    return out


def train_on_batch(model, x, y, return_dict: bool = False):
    """One iteration on one batch (forward → loss → backward → update), as Keras's ``train_on_batch``.

    Returns the batch loss (a float), ``[loss, *metrics]`` when metrics are compiled, or a dict.
    A non-finite loss raises ``NonFiniteLossError`` and leaves θ unchanged.
    """
    x, y = model.prepare(x, y)
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below, by value
        loss, y_pred = train_step(model, model.backend.asarray(x), model.backend.asarray(y))
    loss = float(loss)
    if not math.isfinite(loss):
        raise NonFiniteLossError(f"the batch loss is {loss}; θ was not updated (learning rate "
                                 f"{model.optimizer.current_learning_rate():g})")
    logs = {"loss": loss}
    for m in model.metrics:
        s, c = m.batch(y, model.backend.to_numpy(y_pred))
        logs[m.name] = s / c
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


_UNSET = object()


def fit(model, x, y, batch_size=32, epochs: int = 1, verbose="auto", callbacks=None,
        validation_split: float = 0.0, validation_data=None, shuffle: bool = True,
        initial_epoch: int = 0, seed=None, partial_batch: str = "keep",
        sampling: str = "without_replacement", execution: str = "auto", compiled=_UNSET) -> History:
    """Train for epochs ``initial_epoch … epochs − 1``; returns the ``History``.

    ``batch_size``: an int, ``1`` (SGD) or ``"full"``/``None`` (batch gradient descent).
    ``partial_batch``: what happens to the last N mod B samples: ``"keep"`` (a smaller last
    batch), ``"drop"`` or ``"carry"`` (into the next epoch). ``sampling``: batches drawn
    ``"without_replacement"`` (a shuffled pass) or ``"with_replacement"``.
    ``validation_split`` takes the last fraction of the samples, before any shuffling.
    ``seed`` fixes this fit's shuffling and dropout; without it the seed is drawn from the model's
    seed, except that ``fit(..., initial_epoch=k)`` right after a fit that ended at epoch k continues
    that fit with its seed (so fit(3 epochs) + fit(6, initial_epoch=3) ≡ fit(6)).
    After ``gdlab.load_checkpoint`` (or with a ``BackupAndRestore`` callback whose backup exists)
    the fit resumes where the checkpoint stopped, history included.
    ``execution``: how the steps run (``gdlab.execution``): ``"auto"`` (default) runs each epoch in one
    compiled call when every object of the fit supports it and a step's forward pass does fewer
    multiply-adds than ``gdlab.compiled.AUTOMATIC_BELOW`` (batch 512 of a 784-256-128-10 network), else the
    step loop, which is as fast there; ``"compiled"`` requires the compiled epoch, ``"loop"`` runs the step
    loop. ``history.plan`` says which ran, with which kernels and why. The compiled epoch agrees with the
    loop to float rounding, not bit for bit; its first call in a fresh install compiles for about 20 s
    (then cached on disk). ``compiled=None/True/False`` is the old spelling of ``execution`` (deprecated).
    """
    if not model.compiled:
        raise RuntimeError("the model is not compiled: call model.compile(optimizer, loss) before fit")
    epochs = _check_count("epochs", epochs, 0)
    initial_epoch = _check_count("initial_epoch", initial_epoch, 0)
    if seed is not None:
        _check_count("seed", seed, 0)
    shuffle = _check_flag("shuffle", shuffle)
    verbose = _resolve_verbose(verbose)
    callbacks = _check_callbacks(callbacks)
    execution = _execution(execution, compiled)
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
    for cb in callbacks:  # each callback gets the model before any of them restores
        cb.set_model(model)
    if not model.optimizer.built:
        model.optimizer.build(model.parameters)
    for cb in callbacks:  # e.g. BackupAndRestore after a crash
        if cb.restore_training():
            break
    state = _starting_state(model, initial_epoch, seed, callbacks)
    saved_callbacks, state.saved_callbacks = state.saved_callbacks, []
    model.training_state = state
    loop = _Loop(model, x, y, val, plan, state, verbose, epochs, execution)
    loop.cbs.on_train_begin({})
    for cb, (name, cb_state) in zip(callbacks, saved_callbacks):
        if type(cb).__name__ == name and cb_state is not None:
            cb.set_state(cb_state)
    if partial_batch == "carry":  # the leftover carried into epoch k comes from epochs 0..k−1
        for e in range(state.epoch):
            plan.epoch(epoch_generator(state.fit_seed, e, 0))
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is caught by value
            loop.run(epochs)
    except NonFiniteLossError as err:
        if not any(cb.on_nonfinite(err) for cb in callbacks):
            raise
        state.history.stopped_because = str(err)
    model.optimizer.finalize(model.parameters.theta)
    loop.cbs.on_train_end({})
    return state.history


def _drop_partial_epoch(history, recorded: int) -> None:
    """Back to the history of the finished epochs (Ctrl-C mid-epoch): the epoch's iteration count and
    the iterations recorded after the first ``recorded`` go."""
    history.iterations_per_epoch.pop()
    for name in ("iteration_loss", "iteration_epoch", "iteration_index"):
        del getattr(history, name)[recorded:]


def _check_flag(name: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}={_short(value)} must be True or False")
    return bool(value)


def _short(value, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def _execution(execution, compiled) -> str:
    """fit's ``execution``, or what the deprecated ``compiled=`` asks for."""
    if compiled is _UNSET:
        return check_execution(execution)
    if not any(compiled is v for v in (None, True, False)):
        raise ValueError(f"compiled={compiled!r}; valid: None, True, False — or better execution='auto', "
                         "'compiled', 'loop' (compiled= is deprecated)")
    if execution != "auto":
        raise ValueError(f"execution={execution!r} and compiled={compiled!r}: give only execution= "
                         "(compiled= is its deprecated spelling)")
    new = {None: "auto", True: "compiled", False: "loop"}[compiled]
    warnings.warn(f"fit(compiled={compiled!r}) is deprecated: write fit(execution={new!r}) (model.compiled "
                  "means that compile() was called)", DeprecationWarning, stacklevel=3)
    return new


def _starting_state(model, initial_epoch: int, seed, callbacks) -> TrainingState:
    """Resume a loaded checkpoint, continue the last fit, or start a new one."""
    prev = model.training_state
    if prev is not None and prev.resume:
        if initial_epoch not in (0, prev.epoch):
            raise ValueError(f"the checkpoint was saved after epoch {prev.epoch}; initial_epoch={initial_epoch} "
                             f"would skip or repeat epochs (leave it out, or pass {prev.epoch})")
        fit_seed = int(seed) if seed is not None else prev.fit_seed
        return TrainingState(prev.epoch, fit_seed, prev.history, callbacks, prev.saved_callbacks)
    if seed is not None:
        fit_seed = int(seed)
    elif prev is not None and initial_epoch and initial_epoch == prev.epoch:
        fit_seed = prev.fit_seed  # a continuation of the fit that ended at this epoch
    else:
        fit_seed = int(model.fit_seed_rng.integers(2**63))
    return TrainingState(initial_epoch, fit_seed, History(), callbacks)


class _Loop:
    """Runs the epochs of one fit over prepared data, updating the TrainingState as it goes."""

    def __init__(self, model, x, y, val, batching: EpochPlan, state: TrainingState, verbose: int, epochs: int,
                 execution: str):
        self.model, self.x, self.y, self.val, self.batching, self.state = model, x, y, val, batching, state
        all_cbs = [state.history, *state.callbacks]
        if verbose:
            all_cbs.append(ProgressLogger(verbose=verbose, epochs=epochs))
        self.cbs = CallbackList(all_cbs, model)
        self.plan = state.history.plan = plan_fit(model, batching.batch_size, self.cbs, execution)
        model.history = state.history
        model.stop_training = False
        self.dropouts = [(j, layer) for j, layer in enumerate(model.layers) if isinstance(layer, Dropout)]
        self.every = max(1, math.ceil(model.parameters.size / GRAD_NORM_BUDGET))
        self.grad_norms = deque(maxlen=8)

    def run(self, epochs: int) -> None:
        state, model, history = self.state, self.model, self.state.history
        for epoch in range(state.epoch, epochs):
            batches = self.batching.epoch(epoch_generator(state.fit_seed, epoch, 0))
            for j, layer in self.dropouts:
                layer.rng = epoch_generator(state.fit_seed if layer.seed is None else layer.seed, epoch, 1 + j)
            self.cbs.on_epoch_begin(epoch, {"iterations": len(batches)})
            recorded = len(history.iteration_loss)
            history.iterations_per_epoch.append(len(batches))
            try:
                logs = self.run_epoch(epoch, batches)
            except KeyboardInterrupt:  # the history keeps whole epochs only: the interrupted one is dropped
                _drop_partial_epoch(history, recorded)
                raise
            if first_nonfinite_parameter(model):
                self.diverged(self.x[batches[-1]], epoch, len(batches) - 1, float("nan"))
            if self.val is not None:
                logs.update({f"val_{k}": v for k, v in model.evaluate_arrays(*self.val).items()})
            logs["learning_rate"] = model.optimizer.current_learning_rate()
            state.epoch = epoch + 1
            self.cbs.on_epoch_end(epoch, logs)
            if model.stop_training:
                break

    def diverged(self, xb, epoch: int, i: int, loss: float):
        history = self.state.history
        message = diagnose(self.model, epoch=epoch, iteration=i, global_iteration=len(history.iteration_loss),
                           loss=loss, xb=xb, x_full=self.x, grad_norms=list(self.grad_norms),
                           loss_tail=history.iteration_loss[-5:])
        raise NonFiniteLossError(message, history=history, epoch=epoch, iteration=i)

    def run_epoch(self, epoch: int, batches) -> dict:
        """One epoch on the plan's executor; returns the sample-weighted mean training loss and metrics."""
        history, x = self.state.history, self.x
        result = self.plan.run_epoch(self.model, x, self.y, batches, self.plan,
                                          len(history.iteration_loss), self.every, _Book(self.cbs, history, epoch))
        self.grad_norms.extend(result.grad_norms)
        if result.stopped_at is not None:
            self.diverged(x[batches[result.stopped_at]], epoch, result.stopped_at, result.stop_loss)
        return result.logs(self.model.metrics)


class _Book:
    """The fit loop's bookkeeping of one epoch, the same for every executor: ``begin(i)`` before step i
    runs (batch-begin callbacks), ``steps(result, start)`` once steps start … of ``result`` are done (they
    go into the history, batch-end callbacks see the running mean loss). The step loop books each step as
    it ends; the compiled epoch books them all after its call."""

    def __init__(self, cbs: CallbackList | None, history: History | None, epoch: int):
        self.cbs, self.history, self.epoch = cbs, history, epoch
        self.batch_begin = cbs.batch_begin if cbs is not None else []
        self.batch_end = cbs.batch_end if cbs is not None else []

    @classmethod
    def silent(cls) -> "_Book":
        """Books nothing (``train_steps``)."""
        return cls(None, None, 0)

    def begin(self, i: int) -> None:
        for cb in self.batch_begin:
            cb.on_train_batch_begin(i)

    def steps(self, result, start: int) -> None:
        if self.history is not None:
            self.history.record_iterations(self.epoch, result.losses[start:], start)
        if self.batch_end:
            means = [result.loss_sum / result.seen] if result.steps - start == 1 else result.running_means()[start:]
            for i, mean in enumerate(means, start):
                for cb in self.batch_end:
                    cb.on_train_batch_end(i, {"loss": mean})
