"""Batch gradient descent vs stochastic vs mini-batch, from the same start on the same data.

Each regime trains the same network from the same initial weights with the
same η; only the batch size differs: N (batch GD: one exact gradient per
epoch), 1 (SGD: N noisy steps per epoch) and k (mini-batch). After training,
the full-data loss is evaluated at the recorded parameters, so the three are
compared on the same yardstick against iterations, epochs and seconds.

Path noise is measured two ways: the coefficient of variation of the
per-iteration batch loss over the last epoch, and the tortuosity of the path in
parameter space (path length / straight-line distance, 1 for a straight path).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gdlab import Sequential, datasets
from gdlab.lab.experiments.common import ParameterRecorder, Table, fmt
from gdlab.layers import Dense
from gdlab.optimizers import SGD

MAX_EVALUATED = 400  # full-data losses evaluated per run (evenly spaced over the iterations)


@dataclass
class RegimeRun:
    label: str
    batch_size: int
    iterations_per_epoch: int
    iterations: np.ndarray  # iteration numbers at which the full loss was evaluated
    seconds: np.ndarray  # wall-clock time at those iterations
    full_loss: np.ndarray  # full-data loss there
    epoch_loss: np.ndarray  # full-data loss at the end of each epoch (index 0: the start)
    batch_loss: np.ndarray  # the per-iteration batch loss (history.iteration_loss)
    train_seconds: float
    loss_cv_last_epoch: float
    tortuosity: float


@dataclass
class RegimesResult:
    n_samples: int
    learning_rate: float
    epochs: int
    runs: list[RegimeRun] = field(default_factory=list)

    def table(self) -> Table:
        rows = [[r.label, fmt(r.batch_size), fmt(r.iterations_per_epoch), fmt(int(r.iterations[-1])),
                 f"{r.train_seconds:.3f}", fmt(float(r.epoch_loss[-1])), f"{r.loss_cv_last_epoch:.3f}",
                 f"{r.tortuosity:.2f}"] for r in self.runs]
        return Table(["regime", "batch", "it./epoch", "iterations", "seconds", "final loss",
                      "batch-loss CV", "tortuosity"], rows)


def regimes_experiment(n: int = 1000, minibatch: int = 32, epochs: int = 30, learning_rate: float = 0.02,
                       seed: int = 0) -> RegimesResult:
    x, y, _ = datasets.house_prices_multi(n=n, noise=0.05, seed=seed, nonlinear=True)
    x = (x - x.mean(0)) / x.std(0)
    y = (y - y.mean()) / y.std()
    template = Sequential([Dense(16, activation="tanh"), Dense(1)], dtype="float64", seed=seed)
    template.build(x.shape[1:])
    result = RegimesResult(n_samples=n, learning_rate=learning_rate, epochs=epochs)
    for label, batch in (("batch GD", n), ("SGD", 1), (f"mini-batch", minibatch)):
        model = template.clone()  # the same initial weights for every run
        model.compile(SGD(learning_rate), "mse")
        rec = ParameterRecorder()
        history = model.fit(x, y, epochs=epochs, batch_size=batch, callbacks=[rec], seed=seed, verbose=0)
        k = len(rec.thetas) - 1
        picks = np.unique(np.linspace(0, k, min(k + 1, MAX_EVALUATED)).round().astype(int))
        per_epoch = history.iterations_per_epoch[0]
        epoch_ends = np.arange(0, epochs + 1) * per_epoch

        def full_loss(i):
            model.parameters.theta[...] = rec.thetas[i]
            return model.evaluate_arrays(*model.prepare(x, y))["loss"]

        thetas = np.array(rec.thetas)
        steps = np.linalg.norm(np.diff(thetas, axis=0), axis=1).sum()
        last = np.array(history.iteration_loss[-per_epoch:])
        result.runs.append(RegimeRun(
            label=label, batch_size=batch, iterations_per_epoch=per_epoch, iterations=picks,
            seconds=np.array(rec.times)[picks], full_loss=np.array([full_loss(i) for i in picks]),
            epoch_loss=np.array([full_loss(i) for i in epoch_ends]),
            batch_loss=np.array(history.iteration_loss), train_seconds=rec.times[-1],
            loss_cv_last_epoch=float(last.std() / last.mean()) if per_epoch > 1 else 0.0,
            tortuosity=float(steps / max(np.linalg.norm(thetas[-1] - thetas[0]), 1e-300))))
    return result
