"""Progress output: a tqdm bar on a terminal, one line per epoch elsewhere."""

from __future__ import annotations

import sys

from gdlab.callbacks.base import Callback


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
