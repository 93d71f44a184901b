"""``History``: Keras's per-epoch logs and, in addition, every iteration's loss with its counters."""

from __future__ import annotations

from gdlab.callbacks.base import Callback
from gdlab.display import html


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
        #: why training stopped early (TerminateOnNaN), else None
        self.stopped_because: str | None = None
        #: how the fit ran (``gdlab.execution.ExecutionPlan``): its path, kernels, threads and reasons
        self.plan = None

    def record_iterations(self, epoch: int, losses: list[float], start: int = 0) -> None:
        """The losses of iterations start … start + len(losses) − 1 of ``epoch``."""
        self.iteration_loss.extend(losses)
        self.iteration_epoch.extend([epoch] * len(losses))
        self.iteration_index.extend(range(start, start + len(losses)))

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)

    def plot(self, ax=None, log: bool = False):
        """Each iteration's batch loss, the epochs' training and validation loss against epochs, on ``ax``
        (a new figure when None); ``log``: a logarithmic loss axis. Returns the Axes."""
        from gdlab.display.plots import history_losses

        return history_losses(self, ax, log)

    def table(self) -> tuple[list[str], list[list[str]]]:
        """(headers, rows): one row per epoch — its number, iterations, iterations so far and every log."""
        keys = list(self.history)
        done, rows = 0, []
        for i, (epoch, n) in enumerate(zip(self.epoch, self.iterations_per_epoch or [None] * len(self.epoch))):
            done += n or 0
            rows.append([str(epoch + 1), "—" if n is None else str(n), str(done) if n else "—",
                         *(_cell(self.history[k][i]) for k in keys)])
        return ["epoch", "iterations", "total iterations", *keys], rows

    def __repr__(self) -> str:
        last = ", ".join(f"{k} {_cell(v[-1])}" for k, v in self.history.items() if v)
        return (f"<History: {len(self.epoch)} epochs, {len(self.iteration_loss)} iterations"
                f"{'; last epoch: ' + last if last else ''}>")

    def _repr_html_(self) -> str:
        headers, rows = self.table()
        title = f"History: {len(self.epoch)} epochs, {len(self.iteration_loss)} iterations"
        if not self.epoch:
            return html.card(title, "<div>no epoch has run yet</div>")
        from gdlab.display.plots import history_figure

        stopped = f"<div>stopped: {html.esc(self.stopped_because)}</div>" if self.stopped_because else ""
        plan = f"<div>{html.esc(self.plan.describe('fit ran').splitlines()[0])}</div>" if self.plan else ""
        return html.card(title, stopped, plan, html.figure(history_figure(self), "loss against epochs"),
                         html.table(headers, rows))

    @property
    def params(self) -> dict:
        return {"epochs": len(self.epoch), "iterations": len(self.iteration_loss)}

    def to_state(self) -> dict:
        return {"history": self.history, "epoch": self.epoch, "iteration_loss": self.iteration_loss,
                "iteration_epoch": self.iteration_epoch, "iteration_index": self.iteration_index,
                "iterations_per_epoch": self.iterations_per_epoch}

    @classmethod
    def from_state(cls, state: dict) -> "History":
        h = cls()
        h.history = {k: list(v) for k, v in state.get("history", {}).items()}
        for key in ("epoch", "iteration_loss", "iteration_epoch", "iteration_index", "iterations_per_epoch"):
            setattr(h, key, list(state.get(key, [])))
        return h


def _cell(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
