"""Stop training when a monitored value stops improving."""

from __future__ import annotations

import numpy as np

from gdlab.backend import backend_for
from gdlab.callbacks.monitor import MonitorCallback


class EarlyStopping(MonitorCallback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs.

    With ``restore_best_weights`` the model ends with the weights of its best epoch; those
    weights are part of the callback's state, so a run resumed from a checkpoint keeps them.
    """

    def __init__(self, monitor="val_loss", min_delta=0.0, patience=0, mode="auto",
                 restore_best_weights=False, baseline=None, start_from_epoch=0):
        super().__init__(monitor, mode, min_delta)
        if isinstance(patience, bool) or not isinstance(patience, (int, np.integer)) or patience < 0:
            raise ValueError(f"patience={patience!r} must be an int >= 0")
        self.patience, self.restore_best_weights, self.baseline = int(patience), bool(restore_best_weights), baseline
        self.start_from_epoch = int(start_from_epoch)
        self.reset()

    def get_config(self):
        return {"monitor": self.monitor, "min_delta": self.min_delta, "patience": self.patience,
                "mode": self.mode, "restore_best_weights": self.restore_best_weights,
                "baseline": self.baseline, "start_from_epoch": self.start_from_epoch}

    def reset(self):
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best, self.best_weights = None, None

    def on_train_begin(self, logs=None):
        self.reset()
        self.direction()  # an undecidable mode fails now, not after the first epoch
        if self.baseline is not None:
            self.best = float(self.baseline)

    def on_epoch_end(self, epoch, logs=None):
        value = self.monitored(logs)
        if epoch < self.start_from_epoch:
            return
        if self.improves(value, self.best):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_weights = self.model.parameters.copy_theta()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None and self.stopped_epoch:
            self.model.parameters.theta[...] = self.model.backend.asarray(self.best_weights)

    def get_state(self) -> dict:
        state = {"wait": self.wait, "best": self.best, "best_epoch": self.best_epoch,
                 "stopped_epoch": self.stopped_epoch}
        if self.best_weights is not None:
            state["best_weights"] = backend_for(self.best_weights).to_numpy(self.best_weights)  # saved from the host
        return state

    def set_state(self, state):
        self.wait, self.best = state["wait"], state["best"]
        self.best_epoch, self.stopped_epoch = state["best_epoch"], state["stopped_epoch"]
        best_weights = state.get("best_weights")
        self.best_weights = None if best_weights is None else best_weights.copy()
