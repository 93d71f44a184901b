"""HealthCheck: warn, once each, when training has visibly gone wrong but not (yet) blown up.

- The training loss has risen ``patience`` epochs in a row: L_{e−k} < … < L_{e−1} < L_e.
- The accuracy has sat at chance for ``patience`` epochs: acc ≤ (1 + tolerance)/K for K classes
  (K = the output width, or 2 for one sigmoid output) — the network guesses.

Both usually mean the learning rate is too large. The warnings go to ``stream`` (stderr) as
``warning: …`` lines; ``fit(verbose >= 1)`` and ``gdlab train`` use this callback.
"""

from __future__ import annotations

import sys

from gdlab.callbacks.base import Callback

ACCURACY_KEYS = ("accuracy", "val_accuracy")


class HealthCheck(Callback):
    """Warn once per fit about each problem; ``patience`` epochs make a trend, ``tolerance`` is the
    relative margin above chance."""

    def __init__(self, patience: int = 3, tolerance: float = 0.1, stream=None):
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise ValueError(f"patience={patience!r} must be an int >= 1")
        if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not 0 <= tolerance < 1:
            raise ValueError(f"tolerance={tolerance!r} must be a number in [0, 1)")
        self.patience, self.tolerance = patience, float(tolerance)
        self.stream = stream if stream is not None else sys.stderr
        self.warned: set[str] = set()

    def get_config(self):
        return {"patience": self.patience, "tolerance": self.tolerance}

    def on_train_begin(self, logs=None):
        self.warned = set()

    def _classes(self) -> int:
        width = int(self.model.output_shape[-1]) if self.model.output_shape else 1
        return max(width, 2)

    def messages(self, history: dict) -> list[tuple[str, str]]:
        """(kind, text) for each problem the per-epoch ``history`` shows now."""
        k, found = self.patience, []
        lr = f"{self.model.optimizer.current_learning_rate():g}"
        loss = history.get("loss", [])[-(k + 1):]
        if len(loss) == k + 1 and all(a < b for a, b in zip(loss, loss[1:])):
            found.append(("loss", f"warning: the training loss has risen {k} epochs in a row ("
                          + " → ".join(f"{v:.4g}" for v in loss) + f"); the learning rate {lr} is probably "
                          "too large"))
        chance = 1.0 / self._classes()
        for key in ACCURACY_KEYS:
            acc = history.get(key, [])[-k:]
            if len(acc) == k and all(a <= chance * (1 + self.tolerance) for a in acc):
                found.append(("accuracy", f"warning: {key} has stayed at chance level (1/{self._classes()} = "
                              f"{chance:.4g}) for {k} epochs ({', '.join(f'{a:.4f}' for a in acc)}): the network is guessing; "
                              f"the learning rate {lr} may be too large"))
                break  # one accuracy warning: val_accuracy at chance adds nothing to accuracy at chance
        return found

    def on_epoch_end(self, epoch, logs=None):
        for kind, text in self.messages(self.model.history.history):
            if kind not in self.warned:
                self.warned.add(kind)
                print(text, file=self.stream)
