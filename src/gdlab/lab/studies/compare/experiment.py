"""Optimizers compared on real data: the bundled digits, the same network, seed and initial weights.

Rankings use counts — epochs until the validation accuracy first reaches a
target — and accuracies whose difference exceeds two standard errors of a
validation accuracy; the step time is the median of ≥ 3 timed repeats after a
warm-up, all optimizers interleaved.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from gdlab import Sequential, datasets
from gdlab import optimizers as opt_mod
from gdlab.batching import EpochPlan
from gdlab.i18n import t
from gdlab.inputs import validation_split_point
from gdlab.lab.studies.compare import Settings
from gdlab.lab.timing import Timing, measure_each
from gdlab.layers import Dense
from gdlab.reporting.tables import Table, fmt
from gdlab.training import train_step

STEPS_PER_REPEAT = 30

#: label → optimizer (learning rates: each family's usual setting for this kind of network)
CONTESTANTS = {
    "SGD": lambda: opt_mod.SGD(0.05),
    "Momentum": lambda: opt_mod.SGD(0.05, momentum=0.9),
    "Nesterov": lambda: opt_mod.SGD(0.05, momentum=0.9, nesterov=True),
    "Adagrad": lambda: opt_mod.Adagrad(0.05),
    "Adadelta": lambda: opt_mod.Adadelta(1.0),
    "RMSprop": lambda: opt_mod.RMSprop(0.001),
    "Adam": lambda: opt_mod.Adam(0.001),
    "Nadam": lambda: opt_mod.Nadam(0.001),
    "AdamW": lambda: opt_mod.AdamW(0.001),
    "Adamax": lambda: opt_mod.Adamax(0.002),
    "RAdam": lambda: opt_mod.RAdam(0.001),
    "Lion": lambda: opt_mod.Lion(1e-4),
}


@dataclass
class CompareRun:
    label: str
    optimizer: str  # repr with its hyperparameters
    learning_rate: float
    history: dict
    step_time: Timing
    test_loss: float
    test_accuracy: float
    epochs_to_target: int | None  # first epoch (1-based) with validation accuracy ≥ the target

    @property
    def val_accuracy(self) -> float:
        return self.history["val_accuracy"][-1]


@dataclass
class CompareResult:
    settings: Settings
    n_val: int
    runs: list[CompareRun] = field(default_factory=list)

    @property
    def accuracy_noise(self) -> float:
        """Two standard errors of a validation accuracy near the mean one: smaller differences are ties."""
        p = float(np.mean([r.val_accuracy for r in self.runs]))
        return 2 * math.sqrt(max(p * (1 - p), 1e-4) / self.n_val)

    def table(self) -> Table:
        rows = [[r.label, fmt(r.learning_rate), fmt(r.history["loss"][-1]), fmt(r.history["val_loss"][-1]),
                 f"{r.history['accuracy'][-1]:.3f}", f"{r.val_accuracy:.3f}", f"{r.test_accuracy:.3f}",
                 fmt(r.epochs_to_target) if r.epochs_to_target else f"> {self.settings.epochs}",
                 r.step_time.text("ms", 1e3)] for r in self.runs]
        return Table([t("compare.col_optimizer"), "η", t("compare.col_train_loss"), t("compare.col_val_loss"),
                      t("compare.col_train_acc"), t("compare.col_val_acc"), t("compare.col_test_acc"),
                      t("compare.col_epochs_to_target", target=f"{self.settings.target_accuracy:g}"),
                      t("compare.col_step_ms")], rows)


def _timers(template, x, y, names, s: Settings) -> dict:
    fns = {}
    for label in names:
        model = template.clone()
        model.compile(CONTESTANTS[label](), "sparse_categorical_crossentropy")
        xs, ys = model.prepare(x, y)
        chosen = EpochPlan(xs.shape[0], s.batch_size).epoch(np.random.default_rng(s.seed))[:STEPS_PER_REPEAT]

        def steps(model=model, xs=xs, ys=ys, chosen=chosen):
            for idx in chosen:
                train_step(model, xs[idx], ys[idx])

        fns[label] = steps
    return {k: t.scaled(1 / STEPS_PER_REPEAT) for k, t in measure_each(fns, repeats=s.repeats).items()}


def run(settings: Settings = Settings(), contestants=None, progress=None) -> CompareResult:
    s = settings
    (x_train, y_train), (x_test, y_test) = datasets.load_digits(seed=s.seed)
    template = Sequential([Dense(s.hidden, activation="relu"), Dense(10, activation="softmax")], seed=s.seed)
    template.build(x_train.shape[1:])
    names = list(contestants or CONTESTANTS)
    result = CompareResult(settings=s, n_val=len(x_train) - validation_split_point(len(x_train), 0.2))
    times = _timers(template, x_train, y_train, names, s)
    for label in (progress(names, t("compare.progress")) if progress else names):
        model = template.clone()  # the same initial weights for every run
        optimizer = CONTESTANTS[label]()
        model.compile(optimizer, "sparse_categorical_crossentropy", ["accuracy"])
        history = model.fit(x_train, y_train, epochs=s.epochs, batch_size=s.batch_size, validation_split=0.2,
                            seed=s.seed, verbose=0)
        test_loss, test_acc = model.evaluate(x_test, y_test)
        hit = np.flatnonzero(np.asarray(history.history["val_accuracy"]) >= s.target_accuracy)
        result.runs.append(CompareRun(label, repr(optimizer), optimizer.learning_rate, history.history,
                                      times[label], test_loss, test_acc, int(hit[0]) + 1 if hit.size else None))
    return result
