"""LivePlot: one display updated in place, the curves it draws, nothing outside a notebook, no forced step loop."""

from xml.etree import ElementTree

import numpy as np
import pytest

import gdlab
from gdlab.callbacks import LivePlot
from gdlab.layers import Dense
from gdlab.optimizers import SGD


class Handle:
    def __init__(self):
        self.shown = []

    def update(self, obj):  # the SVG's text, also when IPython is loaded (another test imported it) and it is an SVG
        self.shown.append(getattr(obj, "data", obj))


class Clock:
    """perf_counter for LivePlot: one second passes at each reading, so the draws do not depend on the machine."""

    def __init__(self):
        self.now = 0.0

    def perf_counter(self):
        self.now += 1.0
        return self.now


def fit(callbacks, epochs=4):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 4))
    y = (x.sum(1) > 0).astype(int)
    model = gdlab.Sequential([Dense(8, activation="relu"), Dense(2, activation="softmax")], seed=0)
    model.compile(SGD(0.1), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model.fit(x, y, epochs=epochs, batch_size=16, validation_split=0.25, verbose=0, callbacks=callbacks)


def test_the_figure_shows_the_history_and_is_updated_in_place(monkeypatch):
    handle = Handle()
    plot = LivePlot(log=True, budget=1.0, display_handle=handle)
    monkeypatch.setattr("gdlab.callbacks.live_plot.time", Clock())
    h = fit([plot])
    assert plot.draws == len(handle.shown) == 5  # every epoch (1 s apart, a draw costs 1 s, budget 100 %), the end
    last = ElementTree.fromstring(handle.shown[-1])  # valid SVG (XML)
    lines = last.findall(".//{http://www.w3.org/2000/svg}polyline")
    assert len(lines) == 4  # loss, val_loss | accuracy, val_accuracy
    assert all(len(p.get("points").split()) == 4 for p in lines)  # one point per epoch
    text = "".join(last.itertext())
    assert f"val_loss {h.history['val_loss'][-1]:.4g}" in text and "loss (log)" in text and "val_accuracy" in text


def test_the_budget_skips_draws_but_never_the_last(monkeypatch):
    handle = Handle()
    monkeypatch.setattr("gdlab.callbacks.live_plot.time", Clock())
    plot = LivePlot(budget=1e-6, display_handle=handle)
    fit([plot], epochs=5)
    assert plot.draws == 2  # the first epoch, then nothing until the end of training


def test_an_epoch_plot_keeps_the_compiled_epoch_and_a_batch_plot_may_lag():
    without = fit([], epochs=1).plan
    assert fit([LivePlot(display_handle=Handle())], epochs=1).plan.path == without.path
    assert LivePlot().compiled_reasons() == [] and type(LivePlot()) is LivePlot
    batches = LivePlot(every=2, display_handle=Handle())
    assert isinstance(batches, LivePlot) and batches.batch_hooks_may_lag and batches.compiled_reasons() == []
    h = fit([batches], epochs=2)
    assert h.plan.path == without.path
    assert batches.batch_x == [0.4, 0.8, 1.4, 1.8]  # 72 samples: 5 batches of 16 a epoch, every 2nd
    first = h.iteration_loss[:5]  # the logged loss is the epoch's running mean (all four batches hold 16 rows)
    assert batches.batch_loss[:2] == pytest.approx([np.mean(first[:2]), np.mean(first[:4])], rel=1e-6)
    assert repr(batches).startswith("LivePlot(every=2")


def test_nothing_happens_outside_a_notebook():
    plot = LivePlot(every=1.5)
    fit([plot], epochs=2)
    assert not plot.active and plot.draws == 0 and plot.handle is None


@pytest.mark.parametrize("every", [0, -1, "batch", True, 0.0])
def test_bad_every(every):
    with pytest.raises(ValueError, match=f"every={every!r}; valid: 'epoch'"):
        LivePlot(every=every)
