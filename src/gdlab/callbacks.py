"""Callbacks: hooks the fit loop calls with ``(epoch, logs)``, ``logs`` a plain dict.

``History`` is attached to every fit. It keeps Keras's per-epoch ``history``
dict *and* the per-iteration loss with its counters, so that
``len(history.iteration_loss) == epochs × iterations_per_epoch``.
"""

from __future__ import annotations

import sys

from gdlab.config import Configurable


class Callback(Configurable):
    """Override any of the hooks; ``self.model`` is set before training starts."""

    model = None

    def set_model(self, model):
        self.model = model

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_train_batch_begin(self, iteration, logs=None): ...
    def on_train_batch_end(self, iteration, logs=None): ...


def _overrides(cb, hook: str) -> bool:
    return getattr(type(cb), hook) is not getattr(Callback, hook)


class CallbackList:
    """Calls each hook on every callback; batch hooks only on those that define them."""

    def __init__(self, callbacks, model):
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be gdlab.callbacks.Callback instances; got {cb!r}")
            cb.set_model(model)
        self.batch_begin = [cb for cb in self.callbacks if _overrides(cb, "on_train_batch_begin")]
        self.batch_end = [cb for cb in self.callbacks if _overrides(cb, "on_train_batch_end")]

    def __getattr__(self, hook):
        def call(*args):
            for cb in self.callbacks:
                getattr(cb, hook)(*args)

        return call


class History(Callback):
    """Per-epoch logs (``history["loss"]``, ``history["val_accuracy"]``, …) and per-iteration loss.

    ``iteration_loss[k]`` is the loss of the k-th iteration's batch, measured with the
    weights *before* that iteration's update; ``iteration_epoch[k]`` is its epoch and
    ``iteration_index[k]`` its 0-based number within that epoch.
    """

    def __init__(self):
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []
        self.iteration_loss: list[float] = []
        self.iteration_epoch: list[int] = []
        self.iteration_index: list[int] = []
        self.iterations_per_epoch: list[int] = []

    def record_iteration(self, epoch: int, index: int, loss: float) -> None:
        self.iteration_loss.append(loss)
        self.iteration_epoch.append(epoch)
        self.iteration_index.append(index)

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)

    @property
    def params(self) -> dict:
        return {"epochs": len(self.epoch), "iterations": len(self.iteration_loss)}


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs."""

    def __init__(self, monitor="val_loss", min_delta=0.0, patience=0, mode="auto",
                 restore_best_weights=False, baseline=None, start_from_epoch=0):
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode={mode!r}; valid: 'auto', 'min', 'max'")
        if patience < 0:
            raise ValueError(f"patience={patience!r} must be >= 0")
        self.monitor, self.min_delta, self.patience = monitor, abs(float(min_delta)), int(patience)
        self.mode, self.restore_best_weights, self.baseline = mode, bool(restore_best_weights), baseline
        self.start_from_epoch = int(start_from_epoch)
        self.reset()

    def get_config(self):
        return {"monitor": self.monitor, "min_delta": self.min_delta, "patience": self.patience,
                "mode": self.mode, "restore_best_weights": self.restore_best_weights,
                "baseline": self.baseline, "start_from_epoch": self.start_from_epoch}

    def reset(self):
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best, self.best_weights = None, None

    @property
    def _sign(self) -> float:
        """+1 when smaller is better."""
        if self.mode == "min":
            return 1.0
        if self.mode == "max":
            return -1.0
        return -1.0 if ("acc" in self.monitor or "auc" in self.monitor) else 1.0

    def on_train_begin(self, logs=None):
        self.reset()
        if self.baseline is not None:
            self.best = float(self.baseline)

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None:
            raise KeyError(f"EarlyStopping monitors {self.monitor!r}, which is not in logs {sorted(logs or {})}")
        if epoch < self.start_from_epoch:
            return
        s = self._sign
        if self.best is None or s * (value - self.best) < -self.min_delta:
            self.best, self.best_epoch, self.wait = float(value), epoch, 0
            if self.restore_best_weights:
                self.best_weights = self.model.parameters.theta.copy()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None and self.stopped_epoch:
            self.model.parameters.theta[...] = self.best_weights

    def get_state(self) -> dict:
        return {"wait": self.wait, "best": self.best, "best_epoch": self.best_epoch,
                "stopped_epoch": self.stopped_epoch}

    def set_state(self, state):
        self.wait, self.best = state["wait"], state["best"]
        self.best_epoch, self.stopped_epoch = state["best_epoch"], state["stopped_epoch"]


def _format_logs(logs: dict) -> str:
    return " - ".join(f"{k}: {v:.4g}" if isinstance(v, float) else f"{k}: {v}" for k, v in logs.items())


class ProgressLogger(Callback):
    """verbose=1: a tqdm bar per epoch on a terminal, one line per epoch elsewhere;
    verbose=2: one line per epoch."""

    def __init__(self, verbose=1, epochs=1, stream=None):
        self.verbose, self.epochs = verbose, epochs
        self.stream = stream if stream is not None else sys.stderr
        self.bar = None

    def _use_bar(self) -> bool:
        return self.verbose == 1 and getattr(self.stream, "isatty", lambda: False)()

    def on_epoch_begin(self, epoch, logs=None):
        if self._use_bar():
            from tqdm.auto import tqdm

            total = (logs or {}).get("iterations")
            self.bar = tqdm(total=total, desc=f"Epoch {epoch + 1}/{self.epochs}", file=self.stream,
                            leave=True, unit="it")

    def on_train_batch_end(self, iteration, logs=None):
        if self.bar is not None:
            self.bar.update(1)
            if iteration % 20 == 0:
                self.bar.set_postfix(loss=f"{logs['loss']:.4g}", refresh=False)

    def on_epoch_end(self, epoch, logs=None):
        if self.bar is not None:
            self.bar.set_postfix_str(_format_logs(logs), refresh=True)
            self.bar.close()
            self.bar = None
        else:
            print(f"Epoch {epoch + 1}/{self.epochs} - {_format_logs(logs)}", file=self.stream)


def _set_learning_rate(model, value, who):
    opt = model.optimizer
    if callable(opt.learning_rate):
        raise TypeError(f"{who} cannot change a learning rate that is a schedule ({opt.learning_rate!r})")
    opt.learning_rate = float(value)


class LearningRateScheduler(Callback):
    """At the start of every epoch: η ← schedule(epoch, η)."""

    def __init__(self, schedule, verbose=0):
        if not callable(schedule):
            raise TypeError(f"schedule={schedule!r} must be a function (epoch, lr) -> lr")
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        lr = self.schedule(epoch, self.model.optimizer.current_learning_rate())
        if not isinstance(lr, (int, float)) or not lr >= 0:
            raise ValueError(f"the schedule returned learning rate {lr!r} at epoch {epoch}; need a float >= 0")
        _set_learning_rate(self.model, lr, "LearningRateScheduler")
        if self.verbose:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr:g}.")


class ReduceLROnPlateau(Callback):
    """η ← max(η·factor, min_lr) when ``monitor`` has not improved by ``min_delta`` for ``patience``
    epochs; then wait ``cooldown`` epochs before counting again (Keras's rule)."""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0):
        if not 0 <= factor < 1:
            raise ValueError(f"factor={factor!r} must be in [0, 1): it multiplies the learning rate")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode={mode!r}; valid: 'auto', 'min', 'max'")
        self.monitor, self.factor, self.patience, self.verbose = monitor, float(factor), int(patience), verbose
        self.mode, self.min_delta, self.cooldown, self.min_lr = mode, float(min_delta), int(cooldown), float(min_lr)
        self.reset()

    def get_config(self):
        return {"monitor": self.monitor, "factor": self.factor, "patience": self.patience,
                "verbose": self.verbose, "mode": self.mode, "min_delta": self.min_delta,
                "cooldown": self.cooldown, "min_lr": self.min_lr}

    def reset(self):
        self.wait, self.cooldown_counter = 0, 0
        self.best = None

    def _improved(self, current) -> bool:
        if self.best is None:
            return True
        maximize = self.mode == "max" or (self.mode == "auto" and "acc" in self.monitor)
        if maximize:
            return current > self.best + self.min_delta
        return current < self.best - self.min_delta

    def on_train_begin(self, logs=None):
        self.reset()

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if current is None:
            raise KeyError(f"ReduceLROnPlateau monitors {self.monitor!r}, which is not in logs {sorted(logs or {})}")
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improved(current):
            self.best, self.wait = current, 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                old = self.model.optimizer.current_learning_rate()
                if old > self.min_lr:
                    new = max(old * self.factor, self.min_lr)
                    _set_learning_rate(self.model, new, "ReduceLROnPlateau")
                    if self.verbose:
                        print(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new:g}.")
                    self.cooldown_counter, self.wait = self.cooldown, 0

    def get_state(self) -> dict:
        return {"wait": self.wait, "cooldown_counter": self.cooldown_counter, "best": self.best}

    def set_state(self, state):
        self.wait, self.cooldown_counter, self.best = state["wait"], state["cooldown_counter"], state["best"]
