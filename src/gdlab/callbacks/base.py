"""The callback protocol: hooks the fit loop calls with ``(epoch, logs)``, ``logs`` a plain dict."""

from __future__ import annotations

from gdlab.config import Configurable


class Callback(Configurable):
    """Override any of the hooks; ``self.model`` is set before training starts."""

    model = None
    #: whether this callback's batch hooks may run after the epoch's steps instead of between them (a
    #: progress bar may; a callback that reads or changes the model per batch may not). The compiled
    #: epoch runs only with callbacks whose batch hooks may wait.
    batch_hooks_may_lag = False

    def compiled_reasons(self) -> list[str]:
        """Why the compiled epoch cannot run a fit with this callback ([] when it can)."""
        acts = _overrides(self, "on_train_batch_begin") or _overrides(self, "on_train_batch_end")
        return [f"callback {type(self).__name__} acts on every batch"] if acts and not self.batch_hooks_may_lag else []

    def set_model(self, model):
        self.model = model

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_train_batch_begin(self, iteration, logs=None): ...
    def on_train_batch_end(self, iteration, logs=None): ...

    def restore_training(self) -> bool:
        """Before training: a callback that can resume an interrupted run (BackupAndRestore) restores
        ``self.model`` from it and returns True; others return False."""
        return False

    def writes_checkpoints(self) -> bool:
        """True for callbacks that save the training state; they run after all others in each hook,
        so what they save includes every other callback's reaction to the epoch."""
        return False

    def on_nonfinite(self, error) -> bool:
        """Training diverged (``error`` is the NonFiniteLossError). Return True to stop quietly
        instead of raising (TerminateOnNaN); the default lets the error propagate."""
        return False

    def get_state(self) -> dict | None:
        """What must survive a restart (saved in checkpoints; NumPy arrays allowed as values);
        None for stateless callbacks."""
        return None

    def set_state(self, state: dict) -> None:
        """Restore what ``get_state`` returned."""


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
