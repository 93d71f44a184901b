"""``LivePlot``: the training and validation curves, redrawn in place in a Jupyter notebook while fit runs.

One figure, one output: the first draw creates a display (``IPython.display.display(..., display_id=True)``)
and every later draw replaces its SVG (``handle.update``), so the cell shows one picture that changes —
no clear-and-redraw flicker — and the saved notebook keeps the last one, which renders without a kernel.
The SVG is written directly (``gdlab.display.svg``), in a fraction of a millisecond; a matplotlib PNG
would take longer than an epoch of a small model.
Outside a notebook it does nothing: scripts, the CLI and tests pay one check at ``on_train_begin``.

``every``: ``"epoch"`` (the default) records and redraws after each epoch, and has no batch hooks, so
the compiled epoch still runs; an int N also records the loss logged after every N-th batch (the
epoch's running mean so far) and redraws there; a float s records it after every batch and redraws at
most every s seconds. Those two have batch hooks that may lag (they only read the logged loss), so the
compiled epoch still runs and calls them after its steps.

After the first draw, whatever ``every`` asks, a redraw waits at least ``MIN_INTERVAL`` (a quarter of a
second; faster changes are a blur) and at least ``1/budget`` times what the last draw took
(``budget=0.02``: about 2 % of the fit goes to drawing); the final curves are always drawn at the end.
"""

from __future__ import annotations

import time

from gdlab.callbacks.base import Callback
from gdlab.display import in_notebook, svg


#: the shortest time between two redraws (seconds), unless ``every`` gives seconds
MIN_INTERVAL = 0.25


def _check_every(every):
    if every == "epoch":
        return every
    if isinstance(every, bool) or not isinstance(every, (int, float)) or every <= 0:
        raise ValueError(f"every={every!r}; valid: 'epoch', an int N >= 1 (every N batches) or a float "
                         "number of seconds > 0")
    return every


class LivePlot(Callback):
    """Loss (and each metric) against epochs, training and validation, updated in place in a notebook.

    >>> model.fit(x, y, epochs=20, validation_split=0.2, callbacks=[LivePlot(log=True)])  # doctest: +SKIP
    """

    def __new__(cls, every="epoch", **kwargs):
        if cls is LivePlot and _check_every(every) != "epoch":
            cls = _BatchLivePlot  # only a plot that updates within epochs has batch hooks
        return super().__new__(cls)

    def __init__(self, every="epoch", log: bool = False, metrics: bool = True, budget: float = 0.02,
                 display_handle=None):
        self.every = _check_every(every)
        if not 0 < budget <= 1:
            raise ValueError(f"budget={budget!r} must be in (0, 1]: the largest share of the fit spent drawing")
        self.log, self.metrics, self.budget = bool(log), bool(metrics), budget
        #: where the PNG goes: an IPython DisplayHandle in a notebook (made at the first draw), or any object
        #: with ``update(obj)`` given here (the benchmark); None and not in a notebook: LivePlot does nothing
        self.handle = display_handle
        self.active = False
        self.epochs, self.logs = [], {}
        self.batch_x, self.batch_loss = [], []
        self.draws, self.draw_seconds, self.last_draw, self.last_cost = 0, 0.0, 0.0, 0.0

    def get_config(self) -> dict:
        return {"every": self.every, "log": self.log, "metrics": self.metrics, "budget": self.budget}

    def __repr__(self) -> str:
        return "LivePlot(" + ", ".join(f"{k}={v!r}" for k, v in self.get_config().items()) + ")"

    # -- hooks -------------------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self.active = self.handle is not None or in_notebook()
        self.epochs, self.logs, self.batch_x, self.batch_loss = [], {}, [], []
        self.last_draw = time.perf_counter()
        self.epoch, self.iterations = 0, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch, self.iterations = epoch, (logs or {}).get("iterations", 0)

    def on_epoch_end(self, epoch, logs=None):
        if not self.active:
            return
        self.epochs.append(epoch + 1)
        for key, value in (logs or {}).items():
            if key != "learning_rate":
                self.logs.setdefault(key, []).append(value)
        self._maybe_draw()

    def on_train_end(self, logs=None):
        if self.active and (self.epochs or self.batch_x):
            self._draw()

    # -- drawing -------------------------------------------------------------------------------------
    def _maybe_draw(self):
        waited = time.perf_counter() - self.last_draw
        interval = self.every if isinstance(self.every, float) else MIN_INTERVAL
        if self.draws and (waited < interval or waited * self.budget < self.last_cost):
            return  # too soon for the eye, or drawing now would spend more than the budget
        self._draw()

    def _draw(self):
        start = time.perf_counter()
        svg = self.svg()
        if self.handle is None:
            from IPython.display import SVG, display

            self.handle = display(SVG(data=svg), display_id=True)
        else:
            from gdlab.display.notebook import svg_of

            self.handle.update(svg_of(svg))
        self.last_draw = time.perf_counter()
        self.last_cost = self.last_draw - start
        self.draws += 1
        self.draw_seconds += self.last_cost

    def svg(self) -> str:
        """The figure as it stands: the losses against epochs (with the logged batch losses for a per-batch
        plot), and beside them the metrics."""
        losses = [(k, self.epochs, v, False) for k, v in self.logs.items() if "loss" in k]
        if self.batch_x:
            losses.insert(0, ("running loss", self.batch_x, self.batch_loss, True))
        done = f"epoch {self.epochs[-1]}" if self.epochs else f"epoch {self.epoch + 1}"
        title = done + "".join(f" · {k} {v[-1]:.4g}" for k, v in self.logs.items() if "loss" in k)
        charts = [svg.chart(losses, "epoch", "loss", title, self.log)]
        metrics = [(k, self.epochs, v, False) for k, v in self.logs.items() if "loss" not in k]
        if self.metrics and metrics:
            charts.append(svg.chart(metrics, "epoch", "metric", "", False, dx=svg.W))
        return svg.figure(charts)


class _BatchLivePlot(LivePlot):
    """``LivePlot(every=N)`` or ``every=s`` seconds: also the loss logged after a batch (the epoch's running
    mean so far, as Keras logs it), placed at the batch's fraction of the epoch."""

    batch_hooks_may_lag = True  # it only reads the logged loss; after a compiled epoch it gets them all

    def on_train_batch_end(self, iteration, logs=None):
        if not self.active or (isinstance(self.every, int) and (iteration + 1) % self.every):
            return
        self.batch_x.append(self.epoch + (iteration + 1) / max(self.iterations, 1))
        self.batch_loss.append((logs or {}).get("loss"))
        if self.epochs:  # the first draw waits for the first epoch's logs
            self._maybe_draw()
