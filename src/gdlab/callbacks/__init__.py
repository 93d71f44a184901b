"""Callbacks: hooks the fit loop calls with ``(epoch, logs)``, ``logs`` a plain dict (Keras's protocol)."""

from gdlab.callbacks.base import Callback, CallbackList
from gdlab.callbacks.checkpointing import BackupAndRestore, ModelCheckpoint
from gdlab.callbacks.early_stopping import EarlyStopping
from gdlab.callbacks.health import HealthCheck
from gdlab.callbacks.history import History
from gdlab.callbacks.learning_rate import LearningRateScheduler, ReduceLROnPlateau
from gdlab.callbacks.live_plot import LivePlot
from gdlab.callbacks.monitor import MonitorCallback
from gdlab.callbacks.logging import CSVLogger, TerminateOnNaN
from gdlab.callbacks.progress import ProgressLogger
from gdlab.callbacks.recorder import ParameterRecorder

__all__ = [
    "BackupAndRestore", "CSVLogger", "Callback", "CallbackList", "EarlyStopping", "HealthCheck", "History",
    "LearningRateScheduler", "LivePlot", "ModelCheckpoint", "MonitorCallback", "ParameterRecorder", "ProgressLogger",
    "ReduceLROnPlateau", "TerminateOnNaN",
]
