"""Callbacks that change the learning rate between epochs."""

from __future__ import annotations

from gdlab.callbacks.base import Callback
from gdlab.callbacks.monitor import MonitorCallback


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


class ReduceLROnPlateau(MonitorCallback):
    """η ← max(η·factor, min_lr) when ``monitor`` has not improved by ``min_delta`` for ``patience``
    epochs; then wait ``cooldown`` epochs before counting again (Keras's rule)."""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0):
        super().__init__(monitor, mode, min_delta)
        if not 0 <= factor < 1:
            raise ValueError(f"factor={factor!r} must be in [0, 1): it multiplies the learning rate")
        self.factor, self.patience, self.verbose = float(factor), int(patience), verbose
        self.cooldown, self.min_lr = int(cooldown), float(min_lr)
        self.reset()

    def get_config(self):
        return {"monitor": self.monitor, "factor": self.factor, "patience": self.patience,
                "verbose": self.verbose, "mode": self.mode, "min_delta": self.min_delta,
                "cooldown": self.cooldown, "min_lr": self.min_lr}

    def reset(self):
        self.wait, self.cooldown_counter = 0, 0
        self.best = None

    def on_train_begin(self, logs=None):
        self.reset()
        self.direction()  # an undecidable mode fails now, not after the first epoch

    def on_epoch_end(self, epoch, logs=None):
        current = self.monitored(logs)
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.improves(current, self.best):
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
