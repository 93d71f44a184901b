"""Batch gradient descent vs stochastic vs mini-batch, from the same start on the same data.

Each regime trains the same network from the same initial weights with the
same η; only the batch size differs: N (batch GD: one exact gradient per
epoch), 1 (SGD: N noisy steps per epoch) and k (mini-batch). After training,
the full-data loss is evaluated at the recorded parameters, so the three are
compared on the same yardstick against iterations, epochs and seconds.

Path noise is measured two ways: the coefficient of variation of the
per-iteration batch loss over the last epoch, and the tortuosity of the path in
parameter space (path length / straight-line distance, 1 for a straight path).

Cost per step is timed separately (median of ≥ 3 repeats after a warm-up, the
three regimes interleaved), so the time axis is iterations × that median
rather than one noisy recording. The cost of one full-data step is also timed
at growing N against one mini-batch step, and the sampling is inspected: two
epochs' orders, the share of samples an epoch visits, and the share it would
visit drawn with replacement.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gdlab import Sequential, datasets
from gdlab.batching import EpochPlan
from gdlab.callbacks import ParameterRecorder
from gdlab.i18n import t
from gdlab.lab.studies.regimes import Settings
from gdlab.lab.timing import Timing, measure_each
from gdlab.layers import Dense
from gdlab.optimizers import SGD
from gdlab.reporting.tables import Table, fmt
from gdlab.training import train_step

MAX_EVALUATED = 400  # full-data losses evaluated per run (log-spaced from iteration 1: the axes are log)


def regime_name(label: str) -> str:
    """A run's label (a data key: "batch GD", "SGD", "mini-batch") as shown."""
    return {"batch GD": t("regimes.regime_batch_gd"), "SGD": t("regimes.regime_sgd"),
            "mini-batch": t("regimes.regime_minibatch")}[label]


@dataclass
class RegimeRun:
    label: str
    batch_size: int
    iterations_per_epoch: int
    iterations: np.ndarray  # iteration numbers at which the full loss was evaluated
    full_loss: np.ndarray  # full-data loss there
    epoch_loss: np.ndarray  # full-data loss at the end of each epoch (index 0: the start)
    batch_loss: np.ndarray  # the per-iteration batch loss (history.iteration_loss)
    samples_per_epoch: int
    optimizer: str  # the optimizer's class name
    step_time: Timing
    loss_cv_last_epoch: float
    tortuosity: float

    @property
    def estimated_seconds(self) -> np.ndarray:
        """Time at the evaluated iterations: iteration × the median step time."""
        return self.iterations * self.step_time.median

    @property
    def loss_rises(self) -> int:
        """Epochs after which the full-data loss was higher than after the one before."""
        return int(np.sum(np.diff(self.epoch_loss) > 0))


@dataclass
class CostRow:
    n: int
    full_step: Timing
    minibatch_step: Timing
    sgd_step: Timing  # B = 1


@dataclass
class RegimesResult:
    settings: Settings
    runs: list[RegimeRun] = field(default_factory=list)
    cost: list[CostRow] = field(default_factory=list)
    orders_differ: bool = False  # epoch 1 and 2 visit the samples in different orders
    unique_fraction_without: float = 0.0  # share of samples one epoch visits (gdlab's default sampling)
    unique_fraction_with: float = 0.0  # the same drawn with replacement

    def run(self, label: str) -> RegimeRun:
        return next(r for r in self.runs if r.label == label)

    def table(self) -> Table:
        rows = [[regime_name(r.label), fmt(r.batch_size), fmt(r.iterations_per_epoch), fmt(int(r.iterations[-1])),
                 r.step_time.text("ms", 1e3), fmt(float(r.epoch_loss[-1])), fmt(r.loss_rises),
                 f"{r.loss_cv_last_epoch:.3f}", f"{r.tortuosity:.2f}"] for r in self.runs]
        return Table([t("regimes.col_regime"), t("regimes.col_batch"), t("regimes.col_per_epoch"),
                      t("regimes.col_iterations"), t("regimes.col_step_time"), t("regimes.col_final_loss"),
                      t("regimes.col_rises"), t("regimes.col_cv"), t("regimes.col_tortuosity")], rows)

    def cost_table(self) -> Table:
        rows = [[fmt(c.n), c.full_step.text("ms", 1e3), c.minibatch_step.text("ms", 1e3),
                 c.sgd_step.text("ms", 1e3), f"{c.full_step.median / c.minibatch_step.median:,.0f}"]
                for c in self.cost]
        return Table(["N", t("regimes.col_full_step"), t("regimes.col_batch_step", batch=self.settings.minibatch),
                      t("regimes.col_sgd_step"), t("regimes.col_ratio")], rows)


def _data(n: int, seed: int):
    x, y, _ = datasets.house_prices_multi(n=n, noise=0.05, seed=seed, nonlinear=True)
    return (x - x.mean(0)) / x.std(0), (y - y.mean()) / y.std()


def _steps(model, x, y, batch_size: int, count: int, seed: int):
    """A callable running ``count`` training steps of size ``batch_size`` (for timing)."""
    xs, ys = model.prepare(x, y)
    batches = EpochPlan(xs.shape[0], batch_size).epoch(np.random.default_rng(seed))
    chosen = [batches[i % len(batches)] for i in range(count)]

    def run():
        for idx in chosen:
            train_step(model, xs[idx], ys[idx])

    return run


def _time_steps(template, x, y, sizes, s: Settings) -> dict:
    """Median seconds per step for each batch size, interleaved; each repeat runs ≥ 3 steps."""
    fns, counts = {}, {}
    for b in sizes:
        model = template.clone()
        model.compile(SGD(s.learning_rate), "mse")
        counts[b] = max(3, 2048 // b)
        fns[b] = _steps(model, x, y, b, counts[b], s.seed)
    return {b: t.scaled(1 / counts[b]) for b, t in measure_each(fns, repeats=s.repeats).items()}


def _sampling(n: int, batch: int, seed: int) -> tuple[bool, float, float]:
    rng = np.random.default_rng(seed)
    plan = EpochPlan(n, batch)
    first, second = np.concatenate(plan.epoch(rng)), np.concatenate(plan.epoch(rng))
    drawn = np.concatenate(EpochPlan(n, batch, sampling="with_replacement").epoch(rng))
    return (not np.array_equal(first, second), np.unique(first).size / n, np.unique(drawn).size / n)


def run(settings: Settings = Settings()) -> RegimesResult:
    s = settings
    n, epochs = s.n, s.epochs
    x, y = _data(n, s.seed)
    template = Sequential([Dense(s.hidden, activation="tanh"), Dense(1)], dtype="float64", seed=s.seed)
    template.build(x.shape[1:])
    result = RegimesResult(settings=s)
    regimes = (("batch GD", n), ("SGD", 1), ("mini-batch", s.minibatch))
    times = _time_steps(template, x, y, [b for _, b in regimes], s)
    for label, batch in regimes:
        model = template.clone()  # the same initial weights for every run
        model.compile(SGD(s.learning_rate), "mse")
        rec = ParameterRecorder()
        history = model.fit(x, y, epochs=epochs, batch_size=batch, callbacks=[rec], seed=s.seed, verbose=0)
        k = len(rec.thetas) - 1
        picks = np.unique(np.r_[0, np.geomspace(1, max(k, 1), min(k, MAX_EVALUATED))].round().astype(int))
        per_epoch = history.iterations_per_epoch[0]
        epoch_ends = np.arange(0, epochs + 1) * per_epoch

        def full_loss(i):
            model.parameters.theta[...] = model.backend.asarray(rec.thetas[i])
            return model.evaluate_arrays(*model.prepare(x, y))["loss"]

        thetas = np.array(rec.thetas)
        steps = np.linalg.norm(np.diff(thetas, axis=0), axis=1).sum()
        last = np.array(history.iteration_loss[-per_epoch:])
        result.runs.append(RegimeRun(
            label=label, batch_size=batch, iterations_per_epoch=per_epoch, iterations=picks,
            full_loss=np.array([full_loss(i) for i in picks]),
            epoch_loss=np.array([full_loss(i) for i in epoch_ends]),
            batch_loss=np.array(history.iteration_loss), samples_per_epoch=sum(b.size for b in EpochPlan(n, batch).epoch(np.random.default_rng(s.seed))),
            optimizer=type(model.optimizer).__name__, step_time=times[batch],
            loss_cv_last_epoch=float(last.std() / last.mean()) if per_epoch > 1 else 0.0,
            tortuosity=float(steps / max(np.linalg.norm(thetas[-1] - thetas[0]), 1e-300))))
    result.orders_differ, result.unique_fraction_without, result.unique_fraction_with = _sampling(
        n, s.minibatch, s.seed)
    for size in s.cost_sizes:
        xc, yc = _data(int(size), s.seed)
        model = template.clone()
        model.compile(SGD(s.learning_rate), "mse")
        timed = measure_each({"full": _steps(model, xc, yc, int(size), 1, s.seed),
                              "mini": _steps(model, xc, yc, s.minibatch, 10, s.seed),
                              "sgd": _steps(model, xc, yc, 1, 10, s.seed)}, repeats=s.repeats)
        result.cost.append(CostRow(int(size), timed["full"], timed["mini"].scaled(1 / 10),
                                   timed["sgd"].scaled(1 / 10)))
    return result
