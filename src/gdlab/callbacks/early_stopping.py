"""Stop training when a monitored value stops improving."""

from __future__ import annotations

from gdlab.callbacks.base import Callback


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
