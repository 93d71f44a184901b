"""CSVLogger (one row per epoch) and TerminateOnNaN (stop quietly instead of raising)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from gdlab.callbacks.base import Callback


class CSVLogger(Callback):
    """Append each epoch's logs to a CSV file (``epoch`` first, then the log keys), flushed every epoch."""

    def __init__(self, filename, separator: str = ",", append: bool = False):
        self.filename, self.separator, self.append = Path(filename), separator, bool(append)
        self._file = self._writer = None
        self._keys = None

    def get_config(self):
        return {"filename": str(self.filename), "separator": self.separator, "append": self.append}

    def on_train_begin(self, logs=None):
        exists = self.filename.exists() and self.filename.stat().st_size > 0
        self.filename.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.filename, "a" if self.append else "w", newline="", encoding="utf-8")
        self._keys = None
        self._has_header = self.append and exists

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self._keys is None:
            self._keys = list(logs)
            self._writer = csv.writer(self._file, delimiter=self.separator)
            if not self._has_header:
                self._writer.writerow(["epoch", *self._keys])
        self._writer.writerow([epoch, *(logs.get(k, "") for k in self._keys)])
        self._file.flush()

    def on_train_end(self, logs=None):
        if self._file is not None:
            self._file.close()
            self._file = None


class TerminateOnNaN(Callback):
    """When the loss or a parameter turns NaN/inf, stop training and return normally — the reason
    is in ``history.stopped_because`` and on stderr — instead of raising ``NonFiniteLossError``.

    The fit loop checks every iteration's loss itself; this callback only changes what
    happens then, so it costs nothing per iteration.
    """

    def on_nonfinite(self, error) -> bool:
        print(f"TerminateOnNaN: {error}", file=sys.stderr)
        return True
