"""What LivePlot costs a fit: digits (8×8, 1,437 training images), 64-ReLU-10 softmax, SGD, batch 32.

    python benchmarks/bench_live_plot.py [--epochs 30] [--repeats 5]

Each repeat fits the same model (same seed) three ways, interleaved: without LivePlot, with
``LivePlot()`` (redrawn after each epoch, within its 2 % drawing budget) and with ``LivePlot(every=10)``
(the running loss every 10 batches as well). Outside a notebook LivePlot does nothing, so here it is
given a display handle that accepts the PNGs (what IPython's handle would receive): every draw is
made — the figure updated and rendered to PNG — only the sending to the browser is left out. Printed:
the median seconds of each fit, the overhead against the plain fit (median of the repeat-by-repeat
ratios), the share of the fit spent inside LivePlot's draws (timed by LivePlot itself: less noisy
than the difference of two fits of ~30 ms), and how many draws each made.
"""

from __future__ import annotations

import argparse
import statistics
import time

import gdlab
from gdlab import datasets
from gdlab.callbacks import LivePlot
from gdlab.layers import Dense
from gdlab.optimizers import SGD


class Sink:
    """A display handle that takes the PNG and drops it."""

    def update(self, obj):
        pass


def one_fit(x, y, epochs, callbacks):
    model = gdlab.Sequential([gdlab.Input((x.shape[1],)), Dense(64, activation="relu"),
                              Dense(10, activation="softmax")], seed=0)
    model.compile(SGD(0.05, momentum=0.9), "sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit(x, y, epochs=epochs, batch_size=32, validation_split=0.1, verbose=0, callbacks=callbacks)
    return time.perf_counter() - start, history.plan.path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    (x, y), _ = datasets.load_digits()
    kinds = {"no LivePlot": lambda: [], "LivePlot()": lambda: [LivePlot(display_handle=Sink())],
             "LivePlot(every=10)": lambda: [LivePlot(every=10, display_handle=Sink())]}
    one_fit(x, y, 2, [])  # warm-up: numba's compile
    times = {k: [] for k in kinds}
    draws, drawing, paths = {}, {k: [] for k in kinds}, {}
    for _ in range(args.repeats):
        for name, make in kinds.items():
            callbacks = make()
            seconds, paths[name] = one_fit(x, y, args.epochs, callbacks)
            times[name].append(seconds)
            draws[name] = callbacks[0].draws if callbacks else 0
            drawing[name].append(callbacks[0].draw_seconds / seconds if callbacks else 0.0)
    base = times["no LivePlot"]
    print(f"digits: {len(x)} samples, batch 32, {args.epochs} epochs, {args.repeats} repeats (medians)")
    for name in kinds:
        ratio = statistics.median(t / b for t, b in zip(times[name], base))
        print(f"  {name:<20} {statistics.median(times[name]):7.3f} s  overhead {100 * (ratio - 1):+6.1f} %  "
              f"(drawing itself: {100 * statistics.median(drawing[name]):.1f} % of the fit)  draws {draws[name]:3d}  "
              f"path {paths[name]}")


if __name__ == "__main__":
    main()
