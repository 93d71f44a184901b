"""The base of callbacks that watch one logged value: EarlyStopping, ReduceLROnPlateau, ModelCheckpoint.

``mode``: ``"min"`` (lower is better), ``"max"`` (higher is better) or ``"auto"``: a loss
(``loss``, ``val_loss``, any ``*_loss``) is lower-is-better; a compiled metric says its own
direction (accuracy up, mae and mse down); anything else needs an explicit mode.

An improvement over the reference r by more than ``min_delta`` δ:
    min:  v < r − δ          max:  v > r + δ
"""

from __future__ import annotations

from gdlab.callbacks.base import Callback

MODES = ("auto", "min", "max")


class MonitorCallback(Callback):
    def __init__(self, monitor: str = "val_loss", mode: str = "auto", min_delta: float = 0.0):
        if not isinstance(monitor, str) or not monitor:
            raise ValueError(f"monitor={monitor!r} must be the name of a logged value, e.g. 'val_loss'")
        if mode not in MODES:
            raise ValueError(f"mode={mode!r}; valid: {', '.join(map(repr, MODES))}")
        self.monitor, self.mode, self.min_delta = monitor, mode, abs(float(min_delta))
        self.best = None

    def direction(self) -> str:
        """'min' or 'max' for the monitored value."""
        if self.mode != "auto":
            return self.mode
        name = self.monitor.removeprefix("val_")
        if name == "loss" or name.endswith("_loss"):
            return "min"
        for metric in self.model.metrics if self.model is not None else []:
            if metric.name == name:
                return metric.direction
        raise ValueError(f"{type(self).__name__}(monitor={self.monitor!r}) cannot tell whether higher or lower "
                         "is better; pass mode='min' or mode='max'")

    def monitored(self, logs) -> float:
        """The monitored value from this epoch's logs (a clear error when it is not logged)."""
        value = (logs or {}).get(self.monitor)
        if value is None:
            raise KeyError(f"{type(self).__name__} monitors {self.monitor!r}, which is not in the logs "
                           f"{sorted(logs or {})}")
        return float(value)

    def improves(self, value: float, reference: float | None) -> bool:
        """Whether ``value`` beats ``reference`` by more than ``min_delta`` (None: anything does)."""
        if reference is None:
            return True
        if self.direction() == "max":
            return value > reference + self.min_delta
        return value < reference - self.min_delta
